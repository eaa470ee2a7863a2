// VCEK/VLEK extension values: a minimal DER reader (tag, definite length ≤ 2 bytes) for the three
// shapes AMD uses. The legacy hwID is raw bytes with no DER wrapper.
#include "tee/snp/vek.h"

#include "base/byte_reader.h"

namespace cocoon::tee::snp {
namespace {

// One DER TLV that spans all of `value`; returns its contents.
Result<ByteSpan> ReadTlv(ByteSpan value, uint8_t tag, std::string_view what) {
  base::ByteReader r(value);
  ASSIGN_OR_RETURN(uint8_t t, r.U8(what));
  if (t != tag) {
    return InvalidArgument(std::string(what) + ": DER tag " + std::to_string(t) + ", expected " +
                           std::to_string(tag));
  }
  ASSIGN_OR_RETURN(uint8_t l0, r.U8(what));
  size_t len = l0;
  if (l0 == 0x81) {
    ASSIGN_OR_RETURN(uint8_t l1, r.U8(what));
    if (l1 < 0x80) return InvalidArgument(std::string(what) + ": non-minimal DER length");
    len = l1;
  } else if (l0 == 0x82) {
    ASSIGN_OR_RETURN(uint16_t l2, r.U16Be(what));
    if (l2 < 0x100) return InvalidArgument(std::string(what) + ": non-minimal DER length");
    len = l2;
  } else if (l0 >= 0x80) {
    return InvalidArgument(std::string(what) + ": unsupported DER length form");
  }
  ASSIGN_OR_RETURN(ByteSpan contents, r.Take(len, what));
  TRY(r.ExpectEnd(what));
  return contents;
}

Result<uint8_t> RequiredSpl(const crypto::Certificate& cert, const char* oid,
                            std::string_view name) {
  auto value = cert.ExtensionValue(oid);
  if (!value) return InvalidArgument("VEK certificate: no " + std::string(name) + " extension");
  return ParseDerSpl(*value, name);
}

}  // namespace

std::string_view VekKindName(VekKind k) { return k == VekKind::kVlek ? "VLEK" : "VCEK"; }

Result<uint8_t> ParseDerSpl(ByteSpan value, std::string_view what) {
  ASSIGN_OR_RETURN(ByteSpan c, ReadTlv(value, 0x02, what));
  if (c.empty()) return InvalidArgument(std::string(what) + ": empty INTEGER");
  if (c[0] & 0x80) return InvalidArgument(std::string(what) + ": negative INTEGER");
  if (c.size() == 2 && c[0] == 0 && (c[1] & 0x80)) return c[1];
  if (c.size() == 1) return c[0];
  return InvalidArgument(std::string(what) + ": INTEGER out of range 0..255");
}

Result<Bytes> ParseHwId(ByteSpan value) {
  if (value.size() == 64 || value.size() == 8) return Bytes(value.begin(), value.end());
  ASSIGN_OR_RETURN(ByteSpan c, ReadTlv(value, 0x04, "hwID"));
  if (c.size() != 64 && c.size() != 8) {
    return InvalidArgument("hwID: " + std::to_string(c.size()) + " bytes, expected 64 or 8");
  }
  return Bytes(c.begin(), c.end());
}

Result<std::string> ParseDerString(ByteSpan value, std::string_view what) {
  if (value.empty()) return InvalidArgument(std::string(what) + ": empty");
  uint8_t tag = value[0];
  if (tag != 0x16 && tag != 0x0C && tag != 0x13) {
    return InvalidArgument(std::string(what) + ": not a DER string");
  }
  ASSIGN_OR_RETURN(ByteSpan c, ReadTlv(value, tag, what));
  return ToString(c);
}

Result<VekInfo> ParseVek(const crypto::Certificate& cert) {
  VekInfo info;
  info.common_name = cert.SubjectCommonName();
  if (info.common_name == "SEV-VCEK" || info.common_name == "VCEK") {
    info.kind = VekKind::kVcek;
  } else if (info.common_name == "SEV-VLEK" || info.common_name == "VLEK") {
    info.kind = VekKind::kVlek;
  } else {
    return InvalidArgument("VEK certificate: subject CN '" + info.common_name +
                           "' is neither SEV-VCEK nor SEV-VLEK");
  }
  if (auto v = cert.ExtensionValue(kOidProductName)) {
    ASSIGN_OR_RETURN(info.product_name, ParseDerString(*v, "productName"));
  }
  ASSIGN_OR_RETURN(info.tcb.bootloader, RequiredSpl(cert, kOidBlSpl, "blSPL"));
  ASSIGN_OR_RETURN(info.tcb.tee, RequiredSpl(cert, kOidTeeSpl, "teeSPL"));
  ASSIGN_OR_RETURN(info.tcb.snp, RequiredSpl(cert, kOidSnpSpl, "snpSPL"));
  ASSIGN_OR_RETURN(info.tcb.microcode, RequiredSpl(cert, kOidUcodeSpl, "ucodeSPL"));
  if (auto v = cert.ExtensionValue(kOidFmcSpl)) {
    ASSIGN_OR_RETURN(info.tcb.fmc, ParseDerSpl(*v, "fmcSPL"));
  }
  if (auto v = cert.ExtensionValue(kOidHwId)) {
    ASSIGN_OR_RETURN(info.hw_id, ParseHwId(*v));
  }
  if (auto v = cert.ExtensionValue(kOidCspId)) {
    ASSIGN_OR_RETURN(info.csp_id, ParseDerString(*v, "cspID"));
  }
  if (info.kind == VekKind::kVcek && !info.hw_id) {
    return InvalidArgument("VCEK certificate: no hwID extension");
  }
  return info;
}

}  // namespace cocoon::tee::snp
