// DER walk of the SGX PCK extension: SEQUENCE OF SEQUENCE { OID, value }. Only the DER subset
// the profile uses (short and long definite lengths, no indefinite forms) is accepted.
#include "tee/tdx/pck_extension.h"

#include <string>

#include "base/byte_reader.h"
#include "base/encoding.h"

namespace cocoon::tee::tdx {
namespace {

using base::ByteReader;

struct Tlv {
  uint8_t tag = 0;
  ByteSpan value;
};

Result<Tlv> ReadTlv(ByteReader& r, std::string_view what) {
  Tlv t;
  ASSIGN_OR_RETURN(t.tag, r.U8(what));
  ASSIGN_OR_RETURN(uint8_t len0, r.U8(what));
  size_t len = len0;
  if (len0 & 0x80) {
    size_t n = len0 & 0x7f;
    if (n == 0 || n > 2) return InvalidArgument(std::string(what) + ": unsupported DER length");
    len = 0;
    for (size_t i = 0; i < n; ++i) {
      ASSIGN_OR_RETURN(uint8_t b, r.U8(what));
      len = (len << 8) | b;
    }
  }
  ASSIGN_OR_RETURN(t.value, r.Take(len, what));
  return t;
}

Result<Tlv> Expect(ByteReader& r, uint8_t tag, std::string_view what) {
  ASSIGN_OR_RETURN(Tlv t, ReadTlv(r, what));
  if (t.tag != tag) {
    return InvalidArgument(std::string(what) + ": DER tag " + std::to_string(t.tag) + ", want " +
                           std::to_string(tag));
  }
  return t;
}

// OID content bytes → dotted text.
std::string OidText(ByteSpan oid) {
  if (oid.empty()) return "";
  std::string out = std::to_string(oid[0] / 40) + "." + std::to_string(oid[0] % 40);
  uint64_t v = 0;
  for (size_t i = 1; i < oid.size(); ++i) {
    v = (v << 7) | (oid[i] & 0x7f);
    if (!(oid[i] & 0x80)) {
      out += "." + std::to_string(v);
      v = 0;
    }
    if (v > (uint64_t{1} << 40)) return "";
  }
  return out;
}

Result<uint32_t> SmallInt(ByteSpan v, std::string_view what) {
  if (v.empty() || v.size() > 3) return InvalidArgument(std::string(what) + ": bad INTEGER");
  if (v[0] & 0x80) return InvalidArgument(std::string(what) + ": negative INTEGER");
  uint32_t x = 0;
  for (uint8_t b : v) x = (x << 8) | b;
  return x;
}

constexpr std::string_view kPrefix = "1.2.840.113741.1.13.1";

Status ParseTcb(ByteSpan seq, PckExtension& out) {
  ByteReader r(seq);
  int seen = 0;
  while (!r.empty()) {
    ASSIGN_OR_RETURN(Tlv item, Expect(r, 0x30, "sgx_extension.tcb entry"));
    ByteReader ir(item.value);
    ASSIGN_OR_RETURN(Tlv oid, Expect(ir, 0x06, "sgx_extension.tcb oid"));
    std::string name = OidText(oid.value);
    std::string base = std::string(kPrefix) + ".2.";
    if (name.rfind(base, 0) != 0) return InvalidArgument("sgx_extension.tcb: unknown OID " + name);
    int idx = std::atoi(name.c_str() + base.size());
    if (idx >= 1 && idx <= 17) {
      ASSIGN_OR_RETURN(Tlv v, Expect(ir, 0x02, "sgx_extension.tcb svn"));
      ASSIGN_OR_RETURN(uint32_t svn, SmallInt(v.value, "sgx_extension.tcb svn"));
      if (idx <= 16) {
        if (svn > 255) return InvalidArgument("sgx_extension.tcb: component SVN > 255");
        out.sgx_tcb_comp[idx - 1] = static_cast<uint8_t>(svn);
      } else {
        if (svn > 65535) return InvalidArgument("sgx_extension.tcb: PCESVN > 65535");
        out.pcesvn = static_cast<uint16_t>(svn);
      }
      seen |= 1 << idx;
    } else if (idx == 18) {
      ASSIGN_OR_RETURN(Tlv v, Expect(ir, 0x04, "sgx_extension.tcb cpusvn"));
      out.cpusvn.assign(v.value.begin(), v.value.end());
    }
  }
  if ((seen & 0x3fffe) != 0x3fffe) {
    return InvalidArgument("sgx_extension.tcb: missing component SVNs or PCESVN");
  }
  return Ok();
}

}  // namespace

Result<PckExtension> ParsePckExtension(ByteSpan der) {
  if (der.size() > kSgxExtensionMaxBytes) return ResourceExhausted("sgx_extension too large");
  ByteReader outer(der);
  ASSIGN_OR_RETURN(Tlv top, Expect(outer, 0x30, "sgx_extension"));
  TRY(outer.ExpectEnd("sgx_extension"));
  PckExtension out;
  bool have_tcb = false, have_fmspc = false, have_pceid = false;
  ByteReader r(top.value);
  while (!r.empty()) {
    ASSIGN_OR_RETURN(Tlv item, Expect(r, 0x30, "sgx_extension entry"));
    ByteReader ir(item.value);
    ASSIGN_OR_RETURN(Tlv oid, Expect(ir, 0x06, "sgx_extension oid"));
    std::string name = OidText(oid.value);
    ASSIGN_OR_RETURN(Tlv v, ReadTlv(ir, "sgx_extension value"));
    if (name == std::string(kPrefix) + ".1") {
      out.ppid.assign(v.value.begin(), v.value.end());
    } else if (name == std::string(kPrefix) + ".2") {
      if (v.tag != 0x30) return InvalidArgument("sgx_extension.tcb: not a SEQUENCE");
      TRY(ParseTcb(v.value, out));
      have_tcb = true;
    } else if (name == std::string(kPrefix) + ".3") {
      if (v.tag != 0x04 || v.value.size() != 2) {
        return InvalidArgument("sgx_extension.pce_id: want 2-byte OCTET STRING");
      }
      out.pce_id.assign(v.value.begin(), v.value.end());
      have_pceid = true;
    } else if (name == std::string(kPrefix) + ".4") {
      if (v.tag != 0x04 || v.value.size() != 6) {
        return InvalidArgument("sgx_extension.fmspc: want 6-byte OCTET STRING");
      }
      out.fmspc.assign(v.value.begin(), v.value.end());
      have_fmspc = true;
    } else if (name == std::string(kPrefix) + ".5") {
      ASSIGN_OR_RETURN(uint32_t t, SmallInt(v.value, "sgx_extension.sgx_type"));
      out.sgx_type = static_cast<int>(t);
    } else if (name == std::string(kPrefix) + ".6") {
      out.platform_instance_id.assign(v.value.begin(), v.value.end());
    }
  }
  if (!have_tcb) return InvalidArgument("sgx_extension: no TCB");
  if (!have_fmspc) return InvalidArgument("sgx_extension: no FMSPC");
  if (!have_pceid) return InvalidArgument("sgx_extension: no PCE-ID");
  return out;
}

}  // namespace cocoon::tee::tdx
