// The TDX verification pipeline. Parse → signatures → chain → collateral → bindings → claims;
// each step returns the first failure with the check's name and the values compared.
#include "tee/tdx/verify.h"

#include <chrono>

#include "base/encoding.h"
#include "base/time.h"
#include "crypto/crl.h"
#include "crypto/digest.h"
#include "crypto/secret_bytes.h"
#include "crypto/sign.h"
#include "tee/tdx/eventlog.h"
#include "tee/tdx/intel_root.h"
#include "tee/tdx/pck_extension.h"
#include "tee/tdx/tcb.h"

namespace cocoon::tee::tdx {
namespace {

using base::HexEncode;
using crypto::Certificate;

std::string Time(int64_t t) { return base::FormatRfc3339(t); }

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckWindow(int64_t issue, int64_t next, int64_t at, std::string_view what) {
  if (at < issue) {
    return Unauthenticated("TDX: collateral " + std::string(what) + " not valid before " +
                           Time(issue) + " (evaluated at " + Time(at) + ")");
  }
  if (at > next) {
    return Unauthenticated("TDX: collateral " + std::string(what) + " expired at " + Time(next) +
                           " (evaluated at " + Time(at) + ")");
  }
  return Ok();
}

Status CheckCrlWindow(const crypto::Crl& crl, int64_t at, std::string_view what) {
  return CheckWindow(crl.this_update(), crl.next_update().value_or(INT64_MAX), at, what);
}

Bytes Pad(ByteSpan b, size_t n) {
  Bytes out(b.begin(), b.end());
  out.resize(std::max(n, out.size()), 0);
  return out;
}

// Signing chain of TCB Info / QE Identity: [signing cert, (root)]; the signer must be signed
// by one of the anchors.
Result<crypto::PublicKey> CheckSigningChain(const std::vector<Certificate>& chain,
                                            const std::vector<crypto::PublicKey>& roots,
                                            std::string_view what) {
  if (chain.empty()) return Unauthenticated("TDX: collateral " + std::string(what) + ": empty");
  for (const crypto::PublicKey& root : roots) {
    if (chain.front().VerifySignedBy(root)) return chain.front().public_key();
  }
  return Unauthenticated("TDX: collateral " + std::string(what) + ": signer '" +
                         chain.front().SubjectCommonName() +
                         "' is not signed by the Intel SGX Root CA");
}

Status VerifyRawSig(const crypto::PublicKey& key, ByteSpan data, ByteSpan sig,
                    std::string_view what) {
  auto r = crypto::Verify(key, crypto::SignAlg::kEs256, data, sig);
  if (!r) return Unauthenticated(std::string(what));
  return Ok();
}

Json Str(ByteSpan b) { return HexEncode(b); }

}  // namespace

struct QuoteVerifier::Chain {
  std::vector<Certificate> certs;  // leaf, CA, (root)
  std::optional<crypto::PublicKey> leaf_key;
  PckExtension ext;
  PckCa ca = PckCa::kPlatform;
  Bytes ca_der;
};

struct QuoteVerifier::CollateralCheck {
  std::shared_ptr<const Collateral> collateral;  // keeps the key's pointer alive
  std::vector<Certificate> signers;              // TCB Info and QE Identity signing certs
  std::vector<crypto::Validity> signer_validity;
  std::string pck_crl_num, root_ca_crl_num;
};

Result<std::unique_ptr<QuoteVerifier>> QuoteVerifier::Create(VerifierOptions options) {
  if (options.roots.empty()) {
    ASSIGN_OR_RETURN(Certificate root, Certificate::FromPem(kIntelSgxRootCaPem));
    options.roots.push_back(root);
  }
  std::unique_ptr<QuoteVerifier> v(new QuoteVerifier(std::move(options)));
  for (const Certificate& r : v->options_.roots) {
    ASSIGN_OR_RETURN(crypto::PublicKey k, r.public_key());
    if (k.type() != crypto::KeyType::kEcP256) {
      return InvalidArgument("TDX: root '" + r.SubjectCommonName() + "' is not a P-256 key");
    }
    v->root_keys_.push_back(k);
    ASSIGN_OR_RETURN(Bytes der, r.ToDer());
    v->root_ders_.push_back(std::move(der));
  }
  return v;
}

// PEM blocks of the chain, as text (the cache key). InvalidArgument if none or too many.
Result<std::vector<std::string_view>> PemBlocks(std::string_view pem) {
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::vector<std::string_view> out;
  size_t pos = 0;
  while ((pos = pem.find(kBegin, pos)) != std::string_view::npos) {
    size_t end = pem.find(kEnd, pos);
    if (end == std::string_view::npos) return InvalidArgument("TDX: PCK chain: unterminated PEM");
    end += kEnd.size();
    out.push_back(pem.substr(pos, end - pos));
    pos = end;
    if (out.size() > 3) break;
  }
  if (out.size() < 2 || out.size() > 3) {
    return InvalidArgument("TDX: PCK chain: " + std::to_string(out.size()) +
                           " certificates (want leaf, PCK CA[, root])");
  }
  return out;
}

Result<std::shared_ptr<const QuoteVerifier::ParsedCert>> QuoteVerifier::Parse(
    std::string_view block) const {
  {
    std::lock_guard lock(mu_);
    auto it = certs_.find(block);
    if (it != certs_.end()) return it->second;
  }
  auto cert = Certificate::FromPem(block);
  if (!cert) return InvalidArgument("TDX: PCK chain: " + cert.error().message());
  auto key = cert->public_key();
  if (!key) return InvalidArgument("TDX: PCK chain: " + key.error().message());
  ASSIGN_OR_RETURN(Bytes der, cert->ToDer());
  ASSIGN_OR_RETURN(crypto::Validity validity, crypto::CertificateValidity(*cert));
  auto parsed = std::make_shared<const ParsedCert>(
      ParsedCert{*cert, *key, std::move(der), validity, cert->SubjectCommonName(),
                 cert->ExtensionValue(kSgxExtensionOid)});
  std::lock_guard lock(mu_);
  if (certs_.size() >= kCertCacheMax) certs_.clear();
  certs_.emplace(std::string(block), parsed);
  return parsed;
}

Result<QuoteVerifier::Chain> QuoteVerifier::CheckPckChain(const Quote& q, int64_t at) const {
  ASSIGN_OR_RETURN(std::vector<std::string_view> blocks, PemBlocks(q.pck_chain_pem));
  Chain c;
  std::vector<std::shared_ptr<const ParsedCert>> parsed;
  for (std::string_view b : blocks) {
    ASSIGN_OR_RETURN(auto p, Parse(b));
    c.certs.push_back(p->cert);
    parsed.push_back(std::move(p));
  }
  const ParsedCert& leaf = *parsed[0];
  const ParsedCert& ca = *parsed[1];
  if (ca.cn == "Intel SGX PCK Platform CA") {
    c.ca = PckCa::kPlatform;
  } else if (ca.cn == "Intel SGX PCK Processor CA") {
    c.ca = PckCa::kProcessor;
  } else {
    return Unauthenticated("TDX: PCK chain: issuer '" + ca.cn + "' is not an Intel PCK CA");
  }
  if (!leaf.cert.VerifySignedBy(ca.key)) {
    return Unauthenticated("TDX: PCK chain: PCK certificate is not signed by '" + ca.cn + "'");
  }
  bool anchored = false;
  for (const crypto::PublicKey& root : root_keys_) {
    if (ca.cert.VerifySignedBy(root)) {
      anchored = true;
      break;
    }
  }
  if (!anchored) {
    return Unauthenticated("TDX: PCK chain: '" + ca.cn + "' is not signed by a trusted root (" +
                           options_.roots.front().SubjectCommonName() + ")");
  }
  if (parsed.size() == 3 &&
      std::find(root_ders_.begin(), root_ders_.end(), parsed[2]->der) == root_ders_.end()) {
    return Unauthenticated("TDX: PCK chain: the quote's root certificate is not the trusted root");
  }
  for (const auto& p : parsed) {
    if (at < p->validity.not_before) {
      return Unauthenticated("TDX: PCK chain: certificate '" + p->cn + "' not valid before " +
                             Time(p->validity.not_before) + " (evaluated at " + Time(at) + ")");
    }
    if (at > p->validity.not_after) {
      return Unauthenticated("TDX: PCK chain: certificate '" + p->cn + "' expired at " +
                             Time(p->validity.not_after) + " (evaluated at " + Time(at) + ")");
    }
  }
  c.leaf_key = leaf.key;
  if (c.leaf_key->type() != crypto::KeyType::kEcP256) {
    return Unauthenticated("TDX: PCK chain: PCK key is not P-256");
  }
  const std::optional<Bytes>& ext = leaf.sgx_extension;
  if (!ext) return InvalidArgument("TDX: PCK chain: PCK certificate has no SGX extension");
  auto pck_ext = ParsePckExtension(*ext);
  if (!pck_ext) return InvalidArgument("TDX: PCK chain: " + pck_ext.error().message());
  c.ext = std::move(*pck_ext);
  c.ca_der = ca.der;
  return c;
}

Result<std::shared_ptr<const QuoteVerifier::CollateralCheck>> QuoteVerifier::VerifyCollateralOnce(
    const std::shared_ptr<const Collateral>& col, const Chain& chain) const {
  auto key = std::make_pair(col.get(), chain.ca_der);
  {
    std::lock_guard lock(mu_);
    auto it = checked_.find(key);
    if (it != checked_.end()) return it->second;
  }
  auto check = std::make_shared<CollateralCheck>();
  check->collateral = col;
  ASSIGN_OR_RETURN(crypto::PublicKey tcb_key,
                   CheckSigningChain(col->tcb_info_chain, root_keys_, "tcb_info_issuer_chain"));
  TRY(VerifyRawSig(tcb_key, col->tcb_info.signed_body, col->tcb_info.signature,
                   "TDX: collateral tcb_info signature invalid (signer '" +
                       col->tcb_info_chain.front().SubjectCommonName() + "')"));
  ASSIGN_OR_RETURN(crypto::PublicKey qe_key, CheckSigningChain(col->qe_identity_chain, root_keys_,
                                                               "qe_identity_issuer_chain"));
  TRY(VerifyRawSig(qe_key, col->qe_identity.signed_body, col->qe_identity.signature,
                   "TDX: collateral qe_identity signature invalid (signer '" +
                       col->qe_identity_chain.front().SubjectCommonName() + "')"));
  check->signers = {col->tcb_info_chain.front(), col->qe_identity_chain.front()};
  for (const Certificate& c : check->signers) {
    ASSIGN_OR_RETURN(crypto::Validity v, crypto::CertificateValidity(c));
    check->signer_validity.push_back(v);
  }
  if (!col->root_ca_crl) return NotFound("TDX: collateral root_ca_crl missing");
  bool root_signed = false;
  for (const crypto::PublicKey& k : root_keys_) {
    root_signed = root_signed || col->root_ca_crl->VerifySignedBy(k).has_value();
  }
  if (!root_signed) {
    return Unauthenticated("TDX: collateral root_ca_crl is not signed by the Intel SGX Root CA");
  }
  if (!col->pck_crl) return NotFound("TDX: collateral pck_crl missing");
  ASSIGN_OR_RETURN(crypto::PublicKey ca_key, chain.certs[1].public_key());
  if (!col->pck_crl->VerifySignedBy(ca_key)) {
    return Unauthenticated("TDX: collateral pck_crl is not signed by '" +
                           chain.certs[1].SubjectCommonName() + "' (CRL issuer '" +
                           col->pck_crl->Issuer() + "')");
  }
  check->pck_crl_num = col->pck_crl->Number().value_or("");
  check->root_ca_crl_num = col->root_ca_crl->Number().value_or("");
  std::lock_guard lock(mu_);
  if (checked_.size() > 256) checked_.clear();
  checked_[key] = check;
  return std::shared_ptr<const CollateralCheck>(check);
}

Result<Json> QuoteVerifier::CheckCollateral(const Quote& q, const Chain& chain, int64_t at) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const Collateral> col,
                   options_.collateral->Fetch(chain.ext.fmspc, chain.ca));
  ASSIGN_OR_RETURN(auto check, VerifyCollateralOnce(col, chain));
  const crypto::Crl& root_crl = *col->root_ca_crl;
  const crypto::Crl& pck_crl = *col->pck_crl;
  // Revocation and freshness: evaluated at `at` on every call.
  if (root_crl.IsRevoked(chain.certs[1])) {
    return Unauthenticated("TDX: PCK chain: '" + chain.certs[1].SubjectCommonName() +
                           "' revoked by the root CA CRL");
  }
  for (size_t i = 0; i < check->signers.size(); ++i) {
    const Certificate& s = check->signers[i];
    if (root_crl.IsRevoked(s)) {
      return Unauthenticated("TDX: collateral signer '" + s.SubjectCommonName() +
                             "' revoked by the root CA CRL");
    }
    const crypto::Validity& v = check->signer_validity[i];
    if (at < v.not_before || at > v.not_after) {
      return Unauthenticated("TDX: collateral signing chain: certificate '" +
                             s.SubjectCommonName() + "' valid " + Time(v.not_before) + " .. " +
                             Time(v.not_after) + ", evaluated at " + Time(at));
    }
  }
  if (pck_crl.IsRevoked(chain.certs[0])) {
    auto serial = crypto::CertificateSerial(chain.certs[0]);
    return Unauthenticated("TDX: PCK chain: PCK certificate revoked (serial " +
                           (serial ? HexEncode(*serial) : std::string("?")) +
                           ", TCB status Revoked)");
  }
  TRY(CheckWindow(col->tcb_info.issue_date, col->tcb_info.next_update, at, "tcb_info"));
  TRY(CheckWindow(col->qe_identity.issue_date, col->qe_identity.next_update, at, "qe_identity"));
  TRY(CheckCrlWindow(pck_crl, at, "pck_crl"));
  TRY(CheckCrlWindow(root_crl, at, "root_ca_crl"));

  // QE identity.
  const QeIdentity& qi = col->qe_identity;
  const QeReport& qr = q.qe_report;
  if (!std::equal(qi.mrsigner.begin(), qi.mrsigner.end(), qr.mr_signer.begin(),
                  qr.mr_signer.end())) {
    return Unauthenticated("TDX: QE identity: MRSIGNER " + HexEncode(qr.mr_signer) + " is not " +
                           HexEncode(qi.mrsigner));
  }
  if (qr.isv_prod_id != qi.isvprodid) {
    return Unauthenticated("TDX: QE identity: ISVPRODID " + std::to_string(qr.isv_prod_id) +
                           " is not " + std::to_string(qi.isvprodid));
  }
  if ((qr.miscselect & qi.miscselect_mask) != qi.miscselect) {
    return Unauthenticated("TDX: QE identity: MISCSELECT does not match under mask");
  }
  for (size_t i = 0; i < 16; ++i) {
    if ((qr.attributes[i] & qi.attributes_mask[i]) != qi.attributes[i]) {
      return Unauthenticated("TDX: QE identity: ATTRIBUTES " + HexEncode(qr.attributes) +
                             " do not match " + HexEncode(qi.attributes) + " under mask");
    }
  }
  const ModuleTcbLevel* qe_level = nullptr;
  for (const ModuleTcbLevel& l : qi.levels) {
    if (qr.isv_svn >= l.isvsvn) {
      qe_level = &l;
      break;
    }
  }
  if (qe_level == nullptr) {
    return Unauthenticated("TDX: QE identity: no matching TCB level for ISVSVN " +
                           std::to_string(qr.isv_svn));
  }
  if (!IsAcceptedTcbStatus(qe_level->status, options_.accept_out_of_date)) {
    return Unauthenticated("TDX: QE identity TCB status " + qe_level->status + " (ISVSVN " +
                           std::to_string(qr.isv_svn) + ")");
  }

  ASSIGN_OR_RETURN(TcbResult tcb, EvaluateTcb(col->tcb_info, chain.ext, q.body.tee_tcb_svn,
                                              q.body.mrsigner_seam, q.body.seam_attributes));
  if (!IsAcceptedTcbStatus(tcb.status, options_.accept_out_of_date)) {
    std::string adv;
    for (const std::string& a : tcb.advisory_ids) adv += (adv.empty() ? "" : ", ") + a;
    return Unauthenticated("TDX: TCB status " + tcb.status + " (tcb date " + tcb.tcb_date +
                           (adv.empty() ? "" : ", advisories " + adv) + ")");
  }
  Json out;
  out["tcb_status"] = tcb.status;
  out["tcb_date"] = tcb.tcb_date;
  out["advisory_ids"] = tcb.advisory_ids;
  if (!tcb.module_status.empty()) out["tdx_module_tcb_status"] = tcb.module_status;
  out["qe_identity_tcb_status"] = qe_level->status;
  out["collateral_expiration_status"] = "0";
  out["tcb_eval_num"] = col->tcb_info.tcb_evaluation_data_number;
  out["pck_crl_num"] = check->pck_crl_num;
  out["root_ca_crl_num"] = check->root_ca_crl_num;
  out["earliest_expiration_date"] = Time(std::min(
      {col->tcb_info.next_update, col->qe_identity.next_update,
       pck_crl.next_update().value_or(INT64_MAX), root_crl.next_update().value_or(INT64_MAX)}));
  return out;
}

Json QuoteClaims(const Quote& q) {
  const QuoteHeader& h = q.header;
  const TdReport& b = q.body;
  Json header = {{"version", Str(h.raw.subspan(0, 2))},  {"att_key_type", Str(h.raw.subspan(2, 2))},
                 {"tee_type", Str(h.raw.subspan(4, 4))}, {"reserved", Str(h.reserved)},
                 {"vendor_id", Str(h.qe_vendor_id)},     {"user_data", Str(h.user_data)}};
  Json body = {{"tcb_svn", Str(b.tee_tcb_svn)},
               {"mr_seam", Str(b.mr_seam)},
               {"mrsigner_seam", Str(b.mrsigner_seam)},
               {"seam_attributes", Str(b.seam_attributes)},
               {"td_attributes", Str(b.td_attributes)},
               {"xfam", Str(b.xfam)},
               {"mr_td", Str(b.mr_td)},
               {"mr_config_id", Str(b.mr_config_id)},
               {"mr_owner", Str(b.mr_owner)},
               {"mr_owner_config", Str(b.mr_owner_config)},
               {"rtmr_0", Str(b.rtmr[0])},
               {"rtmr_1", Str(b.rtmr[1])},
               {"rtmr_2", Str(b.rtmr[2])},
               {"rtmr_3", Str(b.rtmr[3])},
               {"report_data", Str(b.report_data)}};
  if (!b.tee_tcb_svn2.empty()) {
    body["tee_tcb_svn2"] = Str(b.tee_tcb_svn2);
    body["mr_servicetd"] = Str(b.mr_servicetd);
  }
  Json quote = {{"header", header}, {"body", body}};
  if (h.version == 5) {
    uint8_t type[2] = {static_cast<uint8_t>(q.body_type), static_cast<uint8_t>(q.body_type >> 8)};
    uint8_t size[4] = {static_cast<uint8_t>(q.body_size), static_cast<uint8_t>(q.body_size >> 8),
                       static_cast<uint8_t>(q.body_size >> 16),
                       static_cast<uint8_t>(q.body_size >> 24)};
    quote["type"] = HexEncode(type);
    quote["size"] = HexEncode(size);
  }
  ByteSpan a = b.td_attributes;  // TDATTRIBUTES, little-endian bit numbers
  Json attrs = {{"debug", (a[0] & 0x01) != 0},
                {"septve_disable", (a[3] & 0x10) != 0},
                {"protection_keys", (a[3] & 0x40) != 0},
                {"key_locker", (a[3] & 0x80) != 0},
                {"perfmon", (a[7] & 0x80) != 0}};
  return {{"quote", quote},
          {"td_attributes", attrs},
          {"report_data", Str(b.report_data)},
          {"init_data", Str(b.mr_config_id)}};
}

Result<Json> QuoteVerifier::Verify(const QuoteInput& in) const {
  int64_t at = in.at.value_or(Now());
  ASSIGN_OR_RETURN(Quote q, ParseQuote(in.quote));

  // 1. Quote signature (header + body) by the attestation key.
  auto ak = crypto::PublicKey::FromEc(crypto::KeyType::kEcP256, q.attestation_key.first(32),
                                      q.attestation_key.subspan(32));
  if (!ak) return Unauthenticated("TDX: attestation key is not a P-256 point");
  TRY(VerifyRawSig(*ak, q.signed_region, q.quote_signature,
                   "TDX: quote signature by the attestation key invalid"));
  // 2. The attestation key (and QE auth data) bound by the QE report data.
  Bytes bound = q.attestation_key.size() ? Bytes(q.attestation_key.begin(), q.attestation_key.end())
                                         : Bytes();
  bound.insert(bound.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
  Bytes want = Pad(crypto::Sha256(bound), 64);
  if (!crypto::ConstantTimeEquals(want, q.qe_report.report_data)) {
    return Unauthenticated(
        "TDX: attestation key not bound by QE report data (SHA-256(attestation "
        "key || QE auth data) = " +
        HexEncode(ByteSpan(want).first(32)) +
        ", QE report_data = " + HexEncode(q.qe_report.report_data));
  }
  // 3. PCK chain, then the QE report signature by the PCK leaf.
  ASSIGN_OR_RETURN(Chain chain, CheckPckChain(q, at));
  TRY(VerifyRawSig(*chain.leaf_key, q.qe_report.raw, q.qe_report_signature,
                   "TDX: QE report signature invalid (PCK certificate '" +
                       chain.certs[0].SubjectCommonName() + "')"));

  Json claims = QuoteClaims(q);
  if (!chain.ext.platform_instance_id.empty()) {
    // Trustee prints the 16-byte ID as a little-endian integer: bytes reversed.
    Bytes id(chain.ext.platform_instance_id.rbegin(), chain.ext.platform_instance_id.rend());
    claims["platform_instance_id"] = HexEncode(id);
  }
  claims["fmspc"] = HexEncode(chain.ext.fmspc);
  claims["sgx_type"] = chain.ext.sgx_type;
  // 4. Collateral: TCB status.
  if (options_.collateral) {
    ASSIGN_OR_RETURN(Json tcb, CheckCollateral(q, chain, at));
    claims.update(tcb);
  } else {
    claims["tcb_status"] = "NotEvaluated";
    claims["tcb_evaluation"] =
        "not evaluated: no collateral given (quote signatures and PCK chain verified)";
    claims["advisory_ids"] = Json::array();
  }
  // 5. Bindings.
  if (!in.expected_report_data.empty()) {
    if (in.expected_report_data.size() > 64)
      return InvalidArgument("TDX: expected report_data longer than 64 bytes");
    Bytes want_rd = Pad(in.expected_report_data, 64);
    if (!crypto::ConstantTimeEquals(want_rd, q.body.report_data)) {
      return Unauthenticated("TDX: report_data mismatch (quote " + HexEncode(q.body.report_data) +
                             ", expected " + HexEncode(want_rd) + ")");
    }
  }
  if (in.init_data_digest) {
    if (in.init_data_digest->size() > 48)
      return InvalidArgument("TDX: init-data digest longer than 48 bytes");
    Bytes want_cfg = Pad(*in.init_data_digest, 48);
    if (!crypto::ConstantTimeEquals(want_cfg, q.body.mr_config_id)) {
      return Unauthenticated("TDX: MRCONFIGID " + HexEncode(q.body.mr_config_id) +
                             " does not match the init-data digest " + HexEncode(want_cfg));
    }
  }
  // 6. Event log replay.
  if (in.event_log) {
    ASSIGN_OR_RETURN(EventLog log, ParseEventLog(*in.event_log));
    std::array<Bytes, 4> rtmr = ReplayRtmrs(log);
    for (int i = 0; i < 4; ++i) {
      if (!crypto::ConstantTimeEquals(rtmr[i], q.body.rtmr[i])) {
        return Unauthenticated("TDX: event log replay does not match RTMR" + std::to_string(i) +
                               ": replayed " + HexEncode(rtmr[i]) + ", quote " +
                               HexEncode(q.body.rtmr[i]));
      }
    }
    claims["uefi_event_logs"] = VerifiedRtmrEventClaims(log);
  }
  return claims;
}

}  // namespace cocoon::tee::tdx
