// SEV-SNP attestation report layout (AMD SEV-SNP Firmware ABI 1.57, Table 23), read through
// ByteReader field by field. Offsets are asserted as each field is read.
#include "tee/snp/report.h"

#include <algorithm>

#include "base/byte_reader.h"
#include "tee/snp/internal/le.h"

namespace cocoon::tee::snp {
namespace {

template <size_t N>
Status ReadArray(base::ByteReader& r, std::array<uint8_t, N>& out, std::string_view what) {
  ASSIGN_OR_RETURN(ByteSpan b, r.Take(N, what));
  std::copy(b.begin(), b.end(), out.begin());
  return Ok();
}

Status At(const base::ByteReader& r, size_t offset, std::string_view field) {
  if (r.offset() != offset) {
    return Internal("SNP report layout: " + std::string(field) + " at " +
                    std::to_string(r.offset()) + ", expected " + std::to_string(offset));
  }
  return Ok();
}

void PutU32(Bytes& b, size_t off, uint32_t v) { internal::PutU32Le(b.data() + off, v); }
void PutU64(Bytes& b, size_t off, uint64_t v) { internal::PutU64Le(b.data() + off, v); }
template <size_t N>
void PutArray(Bytes& b, size_t off, const std::array<uint8_t, N>& a) {
  std::copy(a.begin(), a.end(), b.begin() + static_cast<ptrdiff_t>(off));
}

}  // namespace

std::string_view ProductName(Product p) {
  switch (p) {
    case Product::kMilan:
      return "Milan";
    case Product::kGenoa:
      return "Genoa";
    case Product::kTurin:
      return "Turin";
    case Product::kUnknown:
      break;
  }
  return "unknown";
}

Product ProductFromName(std::string_view name) {
  for (Product p : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
    std::string_view n = ProductName(p);
    for (std::string_view prefix : {"", "SEV-", "SEV-VLEK-", "ARK-"}) {
      if (name.size() < prefix.size() + n.size()) continue;
      if (name.substr(0, prefix.size()) != prefix) continue;
      std::string_view rest = name.substr(prefix.size());
      if (rest == n || (rest.substr(0, n.size()) == n && rest[n.size()] == '-')) return p;
    }
  }
  return Product::kUnknown;
}

Product ProductFromCpuid(uint8_t family, uint8_t model) {
  if (family == 0x19) {
    if (model <= 0x0F) return Product::kMilan;
    if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)) {
      return Product::kGenoa;
    }
  }
  if (family == 0x1A && model <= 0x11) return Product::kTurin;
  return Product::kUnknown;
}

Tcb DecodeTcb(uint64_t raw, Product product) {
  auto byte = [raw](int i) { return static_cast<uint8_t>(raw >> (8 * i)); };
  Tcb t;
  if (product == Product::kTurin) {
    t.fmc = byte(0);
    t.bootloader = byte(1);
    t.tee = byte(2);
    t.snp = byte(3);
  } else {
    t.bootloader = byte(0);
    t.tee = byte(1);
    t.snp = byte(6);
  }
  t.microcode = byte(7);
  return t;
}

uint64_t EncodeTcb(const Tcb& t, Product product) {
  auto at = [](uint8_t v, int i) { return static_cast<uint64_t>(v) << (8 * i); };
  uint64_t raw = at(t.microcode, 7);
  if (product == Product::kTurin) {
    return raw | at(t.fmc.value_or(0), 0) | at(t.bootloader, 1) | at(t.tee, 2) | at(t.snp, 3);
  }
  return raw | at(t.bootloader, 0) | at(t.tee, 1) | at(t.snp, 6);
}

std::string TcbToString(const Tcb& t) {
  std::string s = "bl=" + std::to_string(t.bootloader) + " tee=" + std::to_string(t.tee) +
                  " snp=" + std::to_string(t.snp) + " ucode=" + std::to_string(t.microcode);
  if (t.fmc) s += " fmc=" + std::to_string(*t.fmc);
  return s;
}

Product Report::product() const {
  if (version < 3) return Product::kUnknown;
  return ProductFromCpuid(cpuid_fam_id, cpuid_mod_id);
}

Result<Report> ParseReport(ByteSpan bytes) {
  if (bytes.size() != kReportSize) {
    return InvalidArgument("SNP report: size " + std::to_string(bytes.size()) + ", expected " +
                           std::to_string(kReportSize));
  }
  base::ByteReader r(bytes);
  Report out;
  ASSIGN_OR_RETURN(out.version, r.U32Le("version"));
  if (out.version < kMinReportVersion || out.version > kMaxReportVersion) {
    return InvalidArgument("SNP report: unsupported version " + std::to_string(out.version) +
                           " (supported 2 to 5)");
  }
  ASSIGN_OR_RETURN(out.guest_svn, r.U32Le("guest_svn"));
  ASSIGN_OR_RETURN(out.policy.raw, r.U64Le("policy"));
  TRY(ReadArray(r, out.family_id, "family_id"));
  TRY(ReadArray(r, out.image_id, "image_id"));
  TRY(At(r, 0x30, "vmpl"));
  ASSIGN_OR_RETURN(out.vmpl, r.U32Le("vmpl"));
  ASSIGN_OR_RETURN(out.signature_algo, r.U32Le("signature_algo"));
  ASSIGN_OR_RETURN(out.current_tcb, r.U64Le("current_tcb"));
  ASSIGN_OR_RETURN(out.platform_info.raw, r.U64Le("platform_info"));
  ASSIGN_OR_RETURN(out.key_info, r.U32Le("key_info"));
  TRY(r.Skip(4, "reserved 0x4C"));
  TRY(At(r, 0x50, "report_data"));
  TRY(ReadArray(r, out.report_data, "report_data"));
  TRY(ReadArray(r, out.measurement, "measurement"));
  TRY(ReadArray(r, out.host_data, "host_data"));
  TRY(ReadArray(r, out.id_key_digest, "id_key_digest"));
  TRY(ReadArray(r, out.author_key_digest, "author_key_digest"));
  TRY(ReadArray(r, out.report_id, "report_id"));
  TRY(ReadArray(r, out.report_id_ma, "report_id_ma"));
  TRY(At(r, 0x180, "reported_tcb"));
  ASSIGN_OR_RETURN(out.reported_tcb, r.U64Le("reported_tcb"));
  ASSIGN_OR_RETURN(uint8_t fam, r.U8("cpuid_fam_id"));
  ASSIGN_OR_RETURN(uint8_t mod, r.U8("cpuid_mod_id"));
  ASSIGN_OR_RETURN(uint8_t step, r.U8("cpuid_step"));
  if (out.version >= 3) {  // reserved (zero) in v2
    out.cpuid_fam_id = fam;
    out.cpuid_mod_id = mod;
    out.cpuid_step = step;
  }
  TRY(r.Skip(0x1A0 - 0x18B, "reserved 0x18B"));
  TRY(ReadArray(r, out.chip_id, "chip_id"));
  TRY(At(r, 0x1E0, "committed_tcb"));
  ASSIGN_OR_RETURN(out.committed_tcb, r.U64Le("committed_tcb"));
  for (FirmwareVersion* v : {&out.current, &out.committed}) {
    ASSIGN_OR_RETURN(v->build, r.U8("firmware build"));
    ASSIGN_OR_RETURN(v->minor, r.U8("firmware minor"));
    ASSIGN_OR_RETURN(v->major, r.U8("firmware major"));
    TRY(r.Skip(1, "reserved firmware version byte"));
  }
  ASSIGN_OR_RETURN(out.launch_tcb, r.U64Le("launch_tcb"));
  ASSIGN_OR_RETURN(uint64_t launch_mit, r.U64Le("launch_mit_vector"));
  ASSIGN_OR_RETURN(uint64_t current_mit, r.U64Le("current_mit_vector"));
  if (out.version >= 5) {
    out.launch_mit_vector = launch_mit;
    out.current_mit_vector = current_mit;
  }
  TRY(r.Skip(kSignedSize - 0x208, "reserved 0x208"));
  TRY(At(r, kSignedSize, "signature"));
  TRY(ReadArray(r, out.sig_r, "signature r"));
  TRY(ReadArray(r, out.sig_s, "signature s"));
  TRY(r.Skip(kReportSize - kSignedSize - 2 * kSignatureComponent, "signature reserved"));
  TRY(r.ExpectEnd("SNP report"));
  return out;
}

Bytes EncodeReport(const Report& r) {
  Bytes b(kReportSize, 0);
  PutU32(b, 0x00, r.version);
  PutU32(b, 0x04, r.guest_svn);
  PutU64(b, 0x08, r.policy.raw);
  PutArray(b, 0x10, r.family_id);
  PutArray(b, 0x20, r.image_id);
  PutU32(b, 0x30, r.vmpl);
  PutU32(b, 0x34, r.signature_algo);
  PutU64(b, 0x38, r.current_tcb);
  PutU64(b, 0x40, r.platform_info.raw);
  PutU32(b, 0x48, r.key_info);
  PutArray(b, 0x50, r.report_data);
  PutArray(b, 0x90, r.measurement);
  PutArray(b, 0xC0, r.host_data);
  PutArray(b, 0xE0, r.id_key_digest);
  PutArray(b, 0x110, r.author_key_digest);
  PutArray(b, 0x140, r.report_id);
  PutArray(b, 0x160, r.report_id_ma);
  PutU64(b, 0x180, r.reported_tcb);
  b[0x188] = r.cpuid_fam_id;
  b[0x189] = r.cpuid_mod_id;
  b[0x18A] = r.cpuid_step;
  PutArray(b, 0x1A0, r.chip_id);
  PutU64(b, 0x1E0, r.committed_tcb);
  b[0x1E8] = r.current.build;
  b[0x1E9] = r.current.minor;
  b[0x1EA] = r.current.major;
  b[0x1EC] = r.committed.build;
  b[0x1ED] = r.committed.minor;
  b[0x1EE] = r.committed.major;
  PutU64(b, 0x1F0, r.launch_tcb);
  if (r.launch_mit_vector) PutU64(b, 0x1F8, *r.launch_mit_vector);
  if (r.current_mit_vector) PutU64(b, 0x200, *r.current_mit_vector);
  PutArray(b, 0x2A0, r.sig_r);
  PutArray(b, 0x2A0 + kSignatureComponent, r.sig_s);
  return b;
}

Result<Bytes> SignatureRawP384(const Report& r) {
  Bytes out(2 * kP384Size);
  for (const auto* comp : {&r.sig_r, &r.sig_s}) {
    if (std::any_of(comp->begin() + kP384Size, comp->end(), [](uint8_t b) { return b != 0; })) {
      return InvalidArgument("SNP report signature: component exceeds 48 bytes");
    }
  }
  // Little-endian in the report, big-endian for ECDSA.
  std::reverse_copy(r.sig_r.begin(), r.sig_r.begin() + kP384Size, out.begin());
  std::reverse_copy(r.sig_s.begin(), r.sig_s.begin() + kP384Size, out.begin() + kP384Size);
  return out;
}

}  // namespace cocoon::tee::snp
