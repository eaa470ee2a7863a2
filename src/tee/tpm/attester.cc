// TPM attester over tpm2-tss ESAPI (Esys_*), with the TCTI chosen by configuration string.
// Flow: TctiLdr → Esys_Initialize → Startup (ignored if done) → AK (persistent or primary) →
// Quote + PCR_Read (+ event log) → evidence JSON.
#include "tee/tpm/attester.h"

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "base/encoding.h"
#include "base/file.h"
#include "base/limits.h"
#include "crypto/digest.h"
#include "tee/tpm/tpm.h"
#include "tee/tpm/tpm_types.h"

namespace cocoon::tee::tpm {

struct TpmAttester::State {
  AttesterOptions options;
  TSS2_TCTI_CONTEXT* tcti = nullptr;
  ESYS_CONTEXT* esys = nullptr;
  ESYS_TR ak = ESYS_TR_NONE;
  bool ak_transient = false;
  Bytes ak_tpmt;
  std::string ak_spki_b64;
  std::string ak_pem;

  ~State() {
    if (esys != nullptr) {
      if (ak_transient && ak != ESYS_TR_NONE) Esys_FlushContext(esys, ak);
      Esys_Finalize(&esys);
    }
    if (tcti != nullptr) Tss2_TctiLdr_Finalize(&tcti);
  }
};

namespace {

template <typename T>
struct EsysFree {
  void operator()(T* p) const { Esys_Free(p); }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFree<T>>;

std::unexpected<Error> TssError(std::string_view what, TSS2_RC rc) {
  return Unavailable("TPM: " + std::string(what) + " failed: " + Tss2_RC_Decode(rc));
}

TPM2B_PUBLIC AkTemplate(const std::string& alg) {
  TPM2B_PUBLIC t = {};
  TPMT_PUBLIC& p = t.publicArea;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
                       TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                       TPMA_OBJECT_USERWITHAUTH;
  if (alg == "ecc") {
    p.type = TPM2_ALG_ECC;
    p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
    p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  } else {
    p.type = TPM2_ALG_RSA;
    p.parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
    p.parameters.rsaDetail.scheme.scheme = alg == "rsapss" ? TPM2_ALG_RSAPSS : TPM2_ALG_RSASSA;
    p.parameters.rsaDetail.scheme.details.anySig.hashAlg = TPM2_ALG_SHA256;
    p.parameters.rsaDetail.keyBits = 2048;
    p.parameters.rsaDetail.exponent = 0;
  }
  return t;
}

TPML_PCR_SELECTION Selection(const std::vector<uint32_t>& pcrs) {
  TPML_PCR_SELECTION sel = {};
  sel.count = 1;
  sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
  sel.pcrSelections[0].sizeofSelect = 3;
  for (uint32_t p : pcrs)
    sel.pcrSelections[0].pcrSelect[p / 8] |= static_cast<uint8_t>(1u << (p % 8));
  return sel;
}

// Creates (or loads) the AK and records its public area.
Status LoadAk(TpmAttester::State& s) {
  TSS2_RC rc;
  if (s.options.ak_handle) {
    ESYS_TR obj = ESYS_TR_NONE;
    rc = Esys_TR_FromTPMPublic(s.esys, *s.options.ak_handle, ESYS_TR_NONE, ESYS_TR_NONE,
                               ESYS_TR_NONE, &obj);
    if (rc == TSS2_RC_SUCCESS) s.ak = obj;
  }
  if (s.ak == ESYS_TR_NONE) {
    TPM2B_SENSITIVE_CREATE sensitive = {};
    TPM2B_PUBLIC in = AkTemplate(s.options.ak_algorithm);
    TPM2B_DATA outside = {};
    TPML_PCR_SELECTION creation_pcr = {};
    ESYS_TR obj = ESYS_TR_NONE;
    rc = Esys_CreatePrimary(s.esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                            ESYS_TR_NONE, &sensitive, &in, &outside, &creation_pcr, &obj, nullptr,
                            nullptr, nullptr, nullptr);
    if (rc != TSS2_RC_SUCCESS) return TssError("CreatePrimary (AK)", rc);
    s.ak = obj;
    s.ak_transient = true;
    if (s.options.ak_handle) {
      ESYS_TR persistent = ESYS_TR_NONE;
      rc = Esys_EvictControl(s.esys, ESYS_TR_RH_OWNER, obj, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                             ESYS_TR_NONE, *s.options.ak_handle, &persistent);
      if (rc != TSS2_RC_SUCCESS) return TssError("EvictControl (persist AK)", rc);
      Esys_FlushContext(s.esys, obj);
      s.ak = persistent;
      s.ak_transient = false;
    }
  }
  TPM2B_PUBLIC* out = nullptr;
  rc = Esys_ReadPublic(s.esys, s.ak, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &out, nullptr,
                       nullptr);
  if (rc != TSS2_RC_SUCCESS) return TssError("ReadPublic (AK)", rc);
  EsysPtr<TPM2B_PUBLIC> pub(out);
  s.ak_tpmt.assign(sizeof(TPMT_PUBLIC), 0);
  size_t off = 0;
  rc = Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, s.ak_tpmt.data(), s.ak_tpmt.size(), &off);
  if (rc != TSS2_RC_SUCCESS) return TssError("marshal TPMT_PUBLIC", rc);
  s.ak_tpmt.resize(off);
  ASSIGN_OR_RETURN(Public parsed, ParsePublic(s.ak_tpmt));
  ASSIGN_OR_RETURN(crypto::PublicKey key, ToPublicKey(parsed));
  ASSIGN_OR_RETURN(Bytes der, key.ToDer());
  s.ak_spki_b64 = base::Base64Encode(der);
  ASSIGN_OR_RETURN(s.ak_pem, key.ToPem());
  return Ok();
}

// PCR values of the SHA-256 bank; PCR_Read returns at most 8 per call.
Result<std::map<uint32_t, Bytes>> ReadPcrs(TpmAttester::State& s) {
  std::map<uint32_t, Bytes> values;
  TPML_PCR_SELECTION pending = Selection(s.options.pcrs);
  for (int round = 0; round < 8 && values.size() < s.options.pcrs.size(); ++round) {
    TPML_PCR_SELECTION* out_sel = nullptr;
    TPML_DIGEST* out_vals = nullptr;
    TSS2_RC rc = Esys_PCR_Read(s.esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pending, nullptr,
                               &out_sel, &out_vals);
    if (rc != TSS2_RC_SUCCESS) return TssError("PCR_Read", rc);
    EsysPtr<TPML_PCR_SELECTION> sel(out_sel);
    EsysPtr<TPML_DIGEST> vals(out_vals);
    if (sel->count == 0 || vals->count == 0) break;
    uint32_t k = 0;
    for (uint32_t pcr = 0; pcr < 24 && k < vals->count; ++pcr) {
      uint8_t bit = static_cast<uint8_t>(1u << (pcr % 8));
      if (!(sel->pcrSelections[0].pcrSelect[pcr / 8] & bit)) continue;
      values[pcr] = Bytes(vals->digests[k].buffer, vals->digests[k].buffer + vals->digests[k].size);
      pending.pcrSelections[0].pcrSelect[pcr / 8] &= static_cast<uint8_t>(~bit);
      ++k;
    }
  }
  if (values.size() != s.options.pcrs.size()) {
    return Unavailable("TPM: PCR_Read returned " + std::to_string(values.size()) + " of " +
                       std::to_string(s.options.pcrs.size()) + " SHA-256 PCRs");
  }
  return values;
}

}  // namespace

TpmAttester::TpmAttester(std::unique_ptr<State> s) : s_(std::move(s)) {}
TpmAttester::~TpmAttester() = default;
const Bytes& TpmAttester::ak_tpmt_public() const { return s_->ak_tpmt; }
std::string TpmAttester::ak_public_pem() const { return s_->ak_pem; }

Status TpmAttester::ExtendPcr(uint32_t pcr, ByteSpan digest) {
  if (pcr > 23 || digest.size() != 32) {
    return InvalidArgument("ExtendPcr: need a PCR in 0..23 and a 32-byte SHA-256 digest");
  }
  TPML_DIGEST_VALUES d = {};
  d.count = 1;
  d.digests[0].hashAlg = TPM2_ALG_SHA256;
  std::copy(digest.begin(), digest.end(), d.digests[0].digest.sha256);
  TSS2_RC rc = Esys_PCR_Extend(s_->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                               ESYS_TR_NONE, &d);
  if (rc != TSS2_RC_SUCCESS) return TssError("PCR_Extend", rc);
  return Ok();
}

Result<Json> TpmAttester::GetEvidence(ByteSpan report_data) {
  TPM2B_DATA qualifying = {};
  qualifying.size = kReportDataSize;
  std::copy_n(report_data.begin(), std::min(report_data.size(), kReportDataSize),
              qualifying.buffer);
  TPMT_SIG_SCHEME scheme = {};
  scheme.scheme = TPM2_ALG_NULL;  // the AK's own scheme
  TPML_PCR_SELECTION sel = Selection(s_->options.pcrs);
  Evidence ev;
  ev.ak_public = s_->ak_spki_b64;
  ev.ak_tpmt_public = s_->ak_tpmt;
  // PCRs can be extended between Quote and PCR_Read: retry until the values match the digest.
  for (int attempt = 0;; ++attempt) {
    TPM2B_ATTEST* quoted = nullptr;
    TPMT_SIGNATURE* signature = nullptr;
    TSS2_RC rc = Esys_Quote(s_->esys, s_->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                            &qualifying, &scheme, &sel, &quoted, &signature);
    if (rc != TSS2_RC_SUCCESS) return TssError("Quote", rc);
    EsysPtr<TPM2B_ATTEST> q(quoted);
    EsysPtr<TPMT_SIGNATURE> sig(signature);
    ev.message.assign(q->attestationData, q->attestationData + q->size);
    ev.signature.assign(sizeof(TPMT_SIGNATURE), 0);
    size_t off = 0;
    rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig.get(), ev.signature.data(), ev.signature.size(), &off);
    if (rc != TSS2_RC_SUCCESS) return TssError("marshal TPMT_SIGNATURE", rc);
    ev.signature.resize(off);
    ASSIGN_OR_RETURN(auto values, ReadPcrs(*s_));
    ev.pcrs.clear();
    for (const auto& [pcr, v] : values) ev.pcrs.push_back(v);
    ASSIGN_OR_RETURN(Attest a, ParseAttest(ev.message));
    ASSIGN_OR_RETURN(Signature ps, ParseSignature(ev.signature));
    ASSIGN_OR_RETURN(crypto::HashAlg h, ToHashAlg(ps.hash, "quote signature hash"));
    crypto::Hasher hasher(h);
    for (const Bytes& v : ev.pcrs) hasher.Update(v);
    if (hasher.Finish() == a.pcr_digest) break;
    if (attempt == 3) return Unavailable("TPM: PCRs kept changing while quoting");
  }
  const std::string& path = s_->options.event_log_path;
  std::error_code ec;
  if (!path.empty() && std::filesystem::exists(path, ec)) {
    ASSIGN_OR_RETURN(std::string log,
                     base::ReadFile(path, "TPM event log", limits::kTpmEventLogMaxBytes));
    ev.event_log = ToBytes(log);
  }
  return EvidenceToJson(ev);
}

Result<std::unique_ptr<TpmAttester>> NewAttester(const AttesterOptions& o) {
  if (o.ak_algorithm != "rsa" && o.ak_algorithm != "rsapss" && o.ak_algorithm != "ecc") {
    return InvalidArgument("TPM attester: ak_algorithm must be rsa, rsapss or ecc, not " +
                           o.ak_algorithm);
  }
  if (o.pcrs.empty()) return InvalidArgument("TPM attester: no PCRs to quote");
  for (uint32_t p : o.pcrs) {
    if (p > 23)
      return InvalidArgument("TPM attester: PCR " + std::to_string(p) + " is not in 0..23");
  }
  auto s = std::make_unique<TpmAttester::State>();
  s->options = o;
  std::sort(s->options.pcrs.begin(), s->options.pcrs.end());
  s->options.pcrs.erase(std::unique(s->options.pcrs.begin(), s->options.pcrs.end()),
                        s->options.pcrs.end());
  TSS2_RC rc = Tss2_TctiLdr_Initialize(o.tcti.c_str(), &s->tcti);
  if (rc != TSS2_RC_SUCCESS) return TssError("TCTI \"" + o.tcti + "\"", rc);
  rc = Esys_Initialize(&s->esys, s->tcti, nullptr);
  if (rc != TSS2_RC_SUCCESS) return TssError("Esys_Initialize", rc);
  rc = Esys_Startup(s->esys, TPM2_SU_CLEAR);
  if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE) return TssError("Startup", rc);
  TRY(LoadAk(*s));
  return std::make_unique<TpmAttester>(std::move(s));
}

}  // namespace cocoon::tee::tpm
