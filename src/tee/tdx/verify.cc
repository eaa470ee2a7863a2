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

Status CheckValidity(const Certificate& c, int64_t at, std::string_view what) {
  ASSIGN_OR_RETURN(crypto::Validity v, crypto::CertificateValidity(c));
  if (at < v.not_before) {
    return Unauthenticated(std::string(what) + ": certificate '" + c.SubjectCommonName() +
                           "' not valid before " + Time(v.not_before) + " (evaluated at " +
                           Time(at) + ")");
  }
  if (at > v.not_after) {
    return Unauthenticated(std::string(what) + ": certificate '" + c.SubjectCommonName() +
                           "' expired at " + Time(v.not_after) + " (evaluated at " + Time(at) +
                           ")");
  }
  return Ok();
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

Result<QuoteVerifier::Chain> QuoteVerifier::CheckPckChain(const Quote& q, int64_t at) const {
  auto certs = Certificate::ParsePemBundle(q.pck_chain_pem);
  if (!certs) return InvalidArgument("TDX: PCK chain: " + certs.error().message());
  if (certs->size() < 2 || certs->size() > 3) {
    return InvalidArgument("TDX: PCK chain: " + std::to_string(certs->size()) +
                           " certificates (want leaf, PCK CA[, root])");
  }
  Chain c;
  c.certs = std::move(*certs);
  const Certificate& leaf = c.certs[0];
  const Certificate& ca = c.certs[1];
  std::string ca_cn = ca.SubjectCommonName();
  if (ca_cn == "Intel SGX PCK Platform CA") {
    c.ca = PckCa::kPlatform;
  } else if (ca_cn == "Intel SGX PCK Processor CA") {
    c.ca = PckCa::kProcessor;
  } else {
    return Unauthenticated("TDX: PCK chain: issuer '" + ca_cn + "' is not an Intel PCK CA");
  }
  ASSIGN_OR_RETURN(crypto::PublicKey ca_key, ca.public_key());
  if (!leaf.VerifySignedBy(ca_key)) {
    return Unauthenticated("TDX: PCK chain: PCK certificate is not signed by '" + ca_cn + "'");
  }
  bool anchored = false;
  for (const crypto::PublicKey& root : root_keys_) anchored = anchored || ca.VerifySignedBy(root);
  if (!anchored) {
    return Unauthenticated("TDX: PCK chain: '" + ca_cn + "' is not signed by a trusted root (" +
                           options_.roots.front().SubjectCommonName() + ")");
  }
  if (c.certs.size() == 3) {
    ASSIGN_OR_RETURN(Bytes der, c.certs[2].ToDer());
    if (std::find(root_ders_.begin(), root_ders_.end(), der) == root_ders_.end()) {
      return Unauthenticated("TDX: PCK chain: the quote's root certificate is not the trusted root");
    }
  }
  for (const Certificate& cert : c.certs) TRY(CheckValidity(cert, at, "TDX: PCK chain"));
  ASSIGN_OR_RETURN(c.leaf_key, leaf.public_key());
  if (c.leaf_key->type() != crypto::KeyType::kEcP256) {
    return Unauthenticated("TDX: PCK chain: PCK key is not P-256");
  }
  auto ext = leaf.ExtensionValue(kSgxExtensionOid);
  if (!ext) return InvalidArgument("TDX: PCK chain: PCK certificate has no SGX extension");
  auto parsed = ParsePckExtension(*ext);
  if (!parsed) return InvalidArgument("TDX: PCK chain: " + parsed.error().message());
  c.ext = std::move(*parsed);
  ASSIGN_OR_RETURN(c.ca_der, ca.ToDer());
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
  for (const Certificate& s : check->signers) {
    if (root_crl.IsRevoked(s)) {
      return Unauthenticated("TDX: collateral signer '" + s.SubjectCommonName() +
                             "' revoked by the root CA CRL");
    }
    TRY(CheckValidity(s, at, "TDX: collateral signing chain"));
  }
  if (pck_crl.IsRevoked(chain.certs[0])) {
    auto serial = crypto::CertificateSerial(chain.certs[0]);
    return Unauthenticated("TDX: PCK chain: PCK certificate revoked (serial " +
                           (serial ? HexEncode(*serial) : std::string("?")) + ", TCB status Revoked)");
  }
  TRY(CheckWindow(col->tcb_info.issue_date, col->tcb_info.next_update, at, "tcb_info"));
  TRY(CheckWindow(col->qe_identity.issue_date, col->qe_identity.next_update, at, "qe_identity"));
  TRY(CheckCrlWindow(pck_crl, at, "pck_crl"));
  TRY(CheckCrlWindow(root_crl, at, "root_ca_crl"));

  // QE identity.
  const QeIdentity& qi = col->qe_identity;
  const QeReport& qr = q.qe_report;
  if (!std::equal(qi.mrsigner.begin(), qi.mrsigner.end(), qr.mr_signer.begin(), qr.mr_signer.end())) {
    return Unauthenticated("TDX: QE identity: MRSIGNER " + HexEncode(qr.mr_signer) +
                           " is not " + HexEncode(qi.mrsigner));
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
  out["pck_crl_num"] = pck_crl.Number().value_or("");
  out["root_ca_crl_num"] = root_crl.Number().value_or("");
  out["earliest_expiration_date"] =
      Time(std::min({col->tcb_info.next_update, col->qe_identity.next_update,
                     pck_crl.next_update().value_or(INT64_MAX),
                     root_crl.next_update().value_or(INT64_MAX)}));
  return out;
}

Json QuoteClaims(const Quote& q) {
  const QuoteHeader& h = q.header;
  const TdReport& b = q.body;
  Json header = {{"version", Str(h.raw.subspan(0, 2))},
                 {"att_key_type", Str(h.raw.subspan(2, 2))},
                 {"tee_type", Str(h.raw.subspan(4, 4))},
                 {"reserved", Str(h.reserved)},
                 {"vendor_id", Str(h.qe_vendor_id)},
                 {"user_data", Str(h.user_data)}};
  Json body = {{"tcb_svn", Str(b.tee_tcb_svn)},         {"mr_seam", Str(b.mr_seam)},
               {"mrsigner_seam", Str(b.mrsigner_seam)}, {"seam_attributes", Str(b.seam_attributes)},
               {"td_attributes", Str(b.td_attributes)}, {"xfam", Str(b.xfam)},
               {"mr_td", Str(b.mr_td)},                 {"mr_config_id", Str(b.mr_config_id)},
               {"mr_owner", Str(b.mr_owner)},           {"mr_owner_config", Str(b.mr_owner_config)},
               {"rtmr_0", Str(b.rtmr[0])},              {"rtmr_1", Str(b.rtmr[1])},
               {"rtmr_2", Str(b.rtmr[2])},              {"rtmr_3", Str(b.rtmr[3])},
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
    return Unauthenticated("TDX: attestation key not bound by QE report data (SHA-256(attestation "
                           "key || QE auth data) = " + HexEncode(ByteSpan(want).first(32)) +
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
    claims["tcb_evaluation"] = "not evaluated: no collateral given (quote signatures and PCK chain verified)";
    claims["advisory_ids"] = Json::array();
  }
  // 5. Bindings.
  if (!in.expected_report_data.empty()) {
    if (in.expected_report_data.size() > 64) return InvalidArgument("TDX: expected report_data longer than 64 bytes");
    Bytes want_rd = Pad(in.expected_report_data, 64);
    if (!crypto::ConstantTimeEquals(want_rd, q.body.report_data)) {
      return Unauthenticated("TDX: report_data mismatch (quote " + HexEncode(q.body.report_data) +
                             ", expected " + HexEncode(want_rd) + ")");
    }
  }
  if (in.init_data_digest) {
    if (in.init_data_digest->size() > 48) return InvalidArgument("TDX: init-data digest longer than 48 bytes");
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
    claims["uefi_event_logs"] = EventLogClaims(log);
  }
  return claims;
}

}  // namespace cocoon::tee::tdx
