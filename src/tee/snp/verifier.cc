// The SNP checks in the order Trustee runs them, each failure naming itself.
#include "tee/snp/verifier.h"

#include <algorithm>
#include <chrono>

#include "base/encoding.h"
#include "crypto/secret_bytes.h"
#include "crypto/sign.h"

namespace cocoon::tee::snp {
namespace {

std::string Hex(ByteSpan b) { return base::HexEncode(b); }

Status CheckTcb(const Tcb& reported, const VekInfo& vek, Product product) {
  std::string kind(VekKindName(vek.kind));
  auto cmp = [&](std::string_view name, unsigned got, unsigned want) -> Status {
    if (got != want) {
      return Unauthenticated("TCB: reported " + std::string(name) + " " + std::to_string(got) +
                             " != " + kind + " " + std::string(name) + " " + std::to_string(want));
    }
    return Ok();
  };
  TRY(cmp("bootloader", reported.bootloader, vek.tcb.bootloader));
  TRY(cmp("tee", reported.tee, vek.tcb.tee));
  TRY(cmp("snp", reported.snp, vek.tcb.snp));
  TRY(cmp("microcode", reported.microcode, vek.tcb.microcode));
  if (product == Product::kTurin) {
    if (!vek.tcb.fmc) return Unauthenticated("TCB: Turin " + kind + " has no fmcSPL extension");
    TRY(cmp("fmc", reported.fmc.value_or(0), *vek.tcb.fmc));
  }
  return Ok();
}

Status CheckChipId(const Report& r, const VekInfo& vek) {
  if (vek.kind != VekKind::kVcek || !vek.hw_id) return Ok();  // VLEKs are not chip-bound
  if (r.mask_chip_key()) return Ok();  // chip_id zeroed by policy; the signature binds the chip
  ByteSpan chip(r.chip_id);
  ByteSpan hw(*vek.hw_id);
  if (hw.size() == 8) chip = chip.first(8);  // Turin hwIDs are the first 8 bytes
  if (hw.size() != chip.size() || !std::equal(hw.begin(), hw.end(), chip.begin())) {
    return Unauthenticated("chip_id mismatch: report " + Hex(r.chip_id) + ", VCEK hwID " + Hex(hw));
  }
  return Ok();
}

Status CheckBinding(std::string_view name, ByteSpan field, const Bytes& expected_raw) {
  if (expected_raw.size() > field.size()) {
    return InvalidArgument("expected " + std::string(name) + " is " +
                           std::to_string(expected_raw.size()) + " bytes, more than " +
                           std::to_string(field.size()));
  }
  Bytes expected(field.size(), 0);
  std::copy(expected_raw.begin(), expected_raw.end(), expected.begin());
  if (!crypto::ConstantTimeEquals(expected, field)) {
    return Unauthenticated(std::string(name) + " mismatch: expected " + Hex(expected) + ", got " +
                           Hex(field));
  }
  return Ok();
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SnpVerifier::SnpVerifier(SnpOptions options)
    : options_(std::move(options)),
      chains_(options_.trust, options_.chain_cache_size),
      kds_(options_.kds) {
  if (options_.revocation) crls_.emplace(*options_.revocation);
}

Result<std::optional<Bytes>> SnpVerifier::RevocationList(const Report& r, ByteSpan vek_der,
                                                         int64_t now) const {
  if (!crls_) return std::optional<Bytes>();
  Product product = r.product();
  VekKind kind = r.signing_key() == 1 ? VekKind::kVlek : VekKind::kVcek;
  if (product == Product::kUnknown) {  // report v2: the VEK's issuer names the product
    auto vek = crypto::Certificate::FromDer(vek_der);
    if (!vek) return InvalidArgument("VEK certificate: " + vek.error().message());
    product = ProductFromName(vek->IssuerCommonName());
  }
  auto crl = crls_->Get(product, kind, now);
  if (!crl) return std::unexpected(crl.error().WithContext("SNP revocation check"));
  return std::optional<Bytes>(std::move(*crl));
}

Result<Bytes> SnpVerifier::SelectVek(const SnpInput& in, const Report& r,
                                     std::string* source) const {
  if (in.vek_der) {
    *source = "given certificate";
    return *in.vek_der;
  }
  for (const CertEntry& c : in.certs) {
    if (c.type == "VCEK" || c.type == "VLEK") {
      *source = "evidence " + c.type;
      return c.data;
    }
  }
  if (r.signing_key() != static_cast<uint8_t>(SigningKey::kVcek)) {
    return Unauthenticated("no VLEK in the evidence (a VLEK cannot be fetched from the KDS)");
  }
  *source = "KDS";
  Product product = r.product();
  return kds_.GetVcek(product, r.chip_id, r.Reported());
}

Result<Json> SnpVerifier::Verify(const SnpInput& in) const {
  ASSIGN_OR_RETURN(Report r, ParseReport(in.report));
  if (r.version < options_.min_version) {
    return Unauthenticated("report version " + std::to_string(r.version) + " < minimum " +
                           std::to_string(options_.min_version));
  }
  if (r.signature_algo != 1) {
    return Unauthenticated("report signature algorithm " + std::to_string(r.signature_algo) +
                           " is not ECDSA P-384 with SHA-384 (1)");
  }
  std::string source;
  ASSIGN_OR_RETURN(Bytes vek_der, SelectVek(in, r, &source));

  ChainInput ci;
  ci.vek_der = std::move(vek_der);
  for (const CertEntry& c : in.certs) {
    if (c.type == "ARK") ci.ark_der = c.data;
    if (c.type == "ASK") ci.ask_der = c.data;
    if (c.type == "CRL") ci.crl_ders.push_back(c.data);
  }
  ci.report_product = r.product();
  ASSIGN_OR_RETURN(auto kds_crl, RevocationList(r, ci.vek_der, in.at_unix.value_or(NowUnix())));
  if (kds_crl) ci.crl_ders.push_back(std::move(*kds_crl));
  ASSIGN_OR_RETURN(VerifiedVek vek, chains_.Verify(ci));
  const std::string kind(VekKindName(vek.info.kind));

  uint8_t signing_key = r.signing_key();
  uint8_t want = vek.info.kind == VekKind::kVlek ? 1 : 0;
  if (signing_key != want) {
    return Unauthenticated("signing key: report key_info says " +
                           std::string(signing_key == 0   ? "VCEK"
                                       : signing_key == 1 ? "VLEK"
                                                          : "no key") +
                           " (SIGNING_KEY=" + std::to_string(signing_key) + ") but the " + source +
                           " is a " + kind);
  }
  if (options_.check_validity) TRY(CheckValidity(vek, in.at_unix.value_or(NowUnix())));
  ASSIGN_OR_RETURN(Bytes sig, SignatureRawP384(r));
  if (!crypto::Verify(vek.key, crypto::SignAlg::kEs384, in.report.first(kSignedSize), sig)) {
    return Unauthenticated("report signature invalid (" + kind + " from " + source + ")");
  }
  TRY(CheckTcb(DecodeTcb(r.reported_tcb, vek.product), vek.info, vek.product));
  TRY(CheckChipId(r, vek.info));
  if (options_.required_vmpl && r.vmpl != *options_.required_vmpl) {
    return Unauthenticated("VMPL: report vmpl " + std::to_string(r.vmpl) + " != required " +
                           std::to_string(*options_.required_vmpl));
  }
  if (in.expected_report_data)
    TRY(CheckBinding("report_data", r.report_data, *in.expected_report_data));
  if (in.expected_host_data) {
    Bytes host = *in.expected_host_data;
    if (host.size() > r.host_data.size()) host.resize(r.host_data.size());  // Trustee truncates
    TRY(CheckBinding("init_data (host_data)", r.host_data, host));
  }
  return Claims(r, vek);
}

Json Claims(const Report& r, const VerifiedVek& vek) {
  Tcb tcb = DecodeTcb(r.reported_tcb, vek.product);
  Json c = {
      {"policy_abi_major", r.policy.abi_major()},
      {"policy_abi_minor", r.policy.abi_minor()},
      {"policy_smt_allowed", r.policy.smt_allowed()},
      {"policy_migrate_ma", r.policy.migrate_ma()},
      {"policy_debug_allowed", r.policy.debug_allowed()},
      {"policy_single_socket", r.policy.single_socket()},
      {"reported_tcb_bootloader", tcb.bootloader},
      {"reported_tcb_tee", tcb.tee},
      {"reported_tcb_snp", tcb.snp},
      {"reported_tcb_microcode", tcb.microcode},
      {"platform_tsme_enabled", r.platform_info.tsme_enabled()},
      {"platform_smt_enabled", r.platform_info.smt_enabled()},
      {"measurement", Hex(r.measurement)},
      {"report_data", Hex(r.report_data)},
      {"init_data", Hex(r.host_data)},
      {"chip_id", Hex(r.chip_id)},
      // Beyond Trustee's list:
      {"version", r.version},
      {"guest_svn", r.guest_svn},
      {"vmpl", r.vmpl},
      {"policy", r.policy.raw},
      {"platform_info", r.platform_info.raw},
      {"platform_version",
       {{"major", r.current.major}, {"minor", r.current.minor}, {"build", r.current.build}}},
      {"family_id", Hex(r.family_id)},
      {"image_id", Hex(r.image_id)},
      {"id_key_digest", Hex(r.id_key_digest)},
      {"author_key_digest", Hex(r.author_key_digest)},
      {"report_id", Hex(r.report_id)},
      {"product", std::string(ProductName(vek.product))},
      {"signing_key", std::string(VekKindName(vek.info.kind))},
  };
  if (tcb.fmc) c["reported_tcb_fmc"] = *tcb.fmc;
  return c;
}

}  // namespace cocoon::tee::snp
