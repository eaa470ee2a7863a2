// TPM quote verifier (Trustee `tpm`, plus AK endorsement and event-log replay). Parse, then the
// named checks in order: AK trust, quote signature, PCR digest, nonce, init data, event log.
#include <algorithm>
#include <cstdio>

#include "base/encoding.h"
#include "base/file.h"
#include "base/limits.h"
#include "crypto/digest.h"
#include "crypto/secret_bytes.h"
#include "crypto/sign.h"
#include "tee/tpm/event_log.h"
#include "tee/tpm/tpm.h"
#include "tee/tpm/tpm_types.h"

namespace cocoon::tee::tpm {
namespace {

std::string Hex(ByteSpan b) { return base::HexEncode(b); }

Result<Bytes> B64Member(const Json& obj, std::string_view key, std::string_view where) {
  ASSIGN_OR_RETURN(std::string s, base::GetString(obj, key));
  auto b = base::Base64Decode(s);
  if (!b) return InvalidArgument(std::string(where) + ": " + b.error().message());
  return std::move(*b);
}

Bytes Resize(ByteSpan b, size_t n) {
  Bytes out(b.begin(), b.begin() + std::min(n, b.size()));
  out.resize(n, 0);
  return out;
}

std::string Fingerprint(ByteSpan spki) { return Hex(crypto::Sha256(spki)); }

// A PCR claim name as Trustee spells it: "pcr00".."pcr23" for the SHA-256 bank.
std::string PcrClaim(uint16_t bank, uint32_t pcr) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "pcr%02u", pcr);
  return bank == kAlgSha256 ? std::string(buf) : AlgName(bank) + "_" + buf;
}

// The options with each trusted AK's SPKI encoded once: the evidence's `ak_public` is matched
// by bytes, which spares the OpenSSL SPKI decoder (most of a quote check's cost) on the hot path.
struct Prepared {
  const VerifierOptions* options;
  std::vector<Bytes> trusted_spki;  // parallel to options->trusted_aks
};

Prepared Prepare(const VerifierOptions& o) {
  Prepared p{&o, {}};
  for (const crypto::PublicKey& k : o.trusted_aks) {
    auto der = k.ToDer();
    p.trusted_spki.push_back(der ? std::move(*der) : Bytes{});
  }
  return p;
}

// The AK: a trusted key whose SPKI bytes equal ak_public, else ak_public decoded.
Result<crypto::PublicKey> AkKey(const Evidence& ev, const Prepared& p) {
  for (size_t i = 0; i < p.trusted_spki.size(); ++i) {
    if (p.trusted_spki[i] == ev.ak_spki) return p.options->trusted_aks[i];
  }
  auto ak = crypto::PublicKey::FromDer(ev.ak_spki);
  if (!ak) return InvalidArgument("ak_public: " + ak.error().message());
  return ak;
}

// Check 1: the AK is one the verifier trusts. Returns how ("key", "certificate", "none").
Result<std::string> CheckAkTrust(const Evidence& ev, const crypto::PublicKey& ak,
                                 const VerifierOptions& o) {
  if (ev.ak_tpmt_public) {
    ASSIGN_OR_RETURN(Public pub, ParsePublic(*ev.ak_tpmt_public));
    ASSIGN_OR_RETURN(crypto::PublicKey k, ToPublicKey(pub));
    if (!k.Equals(ak)) return Unauthenticated("TPM: ak_tpmt_public is not the key in ak_public");
    if ((pub.object_attributes & (kObjRestricted | kObjSign)) != (kObjRestricted | kObjSign)) {
      return Unauthenticated("TPM: the AK is not a restricted signing key");
    }
  }
  // Any key can sign a quote: without an anchor the quote proves nothing, so it is refused
  // (Trustee passes it to the policy with the AK as a claim; cocoon does not).
  if (o.trusted_aks.empty() && o.ak_roots.empty()) {
    return Unauthenticated(std::string(kNoAkAnchor) + "; the evidence's ak_public has SHA-256 " +
                           Fingerprint(ev.ak_spki));
  }
  for (const crypto::PublicKey& k : o.trusted_aks) {
    if (k.Equals(ak)) return std::string("key");
  }
  std::string why = "not a configured AK";
  if (!ev.ak_cert_chain.empty() && !o.ak_roots.empty()) {
    ASSIGN_OR_RETURN(crypto::Certificate leaf, crypto::Certificate::FromDer(ev.ak_cert_chain[0]));
    std::vector<crypto::Certificate> rest;
    for (size_t i = 1; i < ev.ak_cert_chain.size(); ++i) {
      ASSIGN_OR_RETURN(crypto::Certificate c, crypto::Certificate::FromDer(ev.ak_cert_chain[i]));
      rest.push_back(std::move(c));
    }
    ASSIGN_OR_RETURN(crypto::PublicKey leaf_key, leaf.public_key());
    if (!leaf_key.Equals(ak)) {
      why = "ak_cert_chain's leaf certifies another key";
    } else {
      crypto::ChainOptions co;
      co.at = o.at_time;
      auto st = crypto::VerifyChain(leaf, rest, o.ak_roots, co);
      if (st) return std::string("certificate");
      why = "ak_cert_chain does not verify: " + st.error().message();
    }
  } else if (!o.ak_roots.empty()) {
    why += " and the evidence has no ak_cert_chain";
  }
  return Unauthenticated("TPM: AK not trusted: ak_public (SHA-256 " + Fingerprint(ev.ak_spki) +
                         ") is " + why);
}

// Check 2: the TPMT_SIGNATURE over the TPMS_ATTEST bytes with the AK.
Status CheckSignature(const Signature& sig, const crypto::PublicKey& ak, ByteSpan message,
                      ByteSpan ak_spki) {
  std::string scheme = AlgName(sig.sig_alg) + "/" + AlgName(sig.hash);
  crypto::SignAlg alg;
  Bytes raw;
  if (sig.sig_alg == kAlgRsaSsa || sig.sig_alg == kAlgRsaPss) {
    if (ak.type() != crypto::KeyType::kRsa) {
      return Unauthenticated("TPM: quote signature invalid: " + scheme + " with a " +
                             std::string(crypto::KeyTypeName(ak.type())) + " AK");
    }
    bool pss = sig.sig_alg == kAlgRsaPss;
    switch (sig.hash) {
      case kAlgSha256:
        alg = pss ? crypto::SignAlg::kPs256 : crypto::SignAlg::kRs256;
        break;
      case kAlgSha384:
        alg = pss ? crypto::SignAlg::kPs384 : crypto::SignAlg::kRs384;
        break;
      case kAlgSha512:
        alg = pss ? crypto::SignAlg::kPs512 : crypto::SignAlg::kRs512;
        break;
      default:
        return Unauthenticated("TPM: quote signature scheme " + scheme + " is not supported");
    }
    raw = sig.rsa_sig;
  } else {
    crypto::KeyType want;
    switch (sig.hash) {
      case kAlgSha256:
        alg = crypto::SignAlg::kEs256;
        want = crypto::KeyType::kEcP256;
        break;
      case kAlgSha384:
        alg = crypto::SignAlg::kEs384;
        want = crypto::KeyType::kEcP384;
        break;
      case kAlgSha512:
        alg = crypto::SignAlg::kEs512;
        want = crypto::KeyType::kEcP521;
        break;
      default:
        return Unauthenticated("TPM: quote signature scheme " + scheme + " is not supported");
    }
    if (ak.type() != want) {
      return Unauthenticated("TPM: quote signature invalid: " + scheme + " with a " +
                             std::string(crypto::KeyTypeName(ak.type())) + " AK");
    }
    size_t n = crypto::EcCoordinateSize(want);
    auto r = FixedWidth(sig.ecdsa_r, n, "signatureR");
    auto s = FixedWidth(sig.ecdsa_s, n, "signatureS");
    if (!r || !s) return Unauthenticated("TPM: quote signature invalid: ECDSA r or s too long");
    raw = std::move(*r);
    raw.insert(raw.end(), s->begin(), s->end());
  }
  if (!crypto::Verify(ak, alg, message, raw)) {
    return Unauthenticated("TPM: quote signature invalid (" + scheme + ", " +
                           std::string(crypto::KeyTypeName(ak.type())) + " AK SHA-256 " +
                           Fingerprint(ak_spki) + ")");
  }
  return Ok();
}

struct QuotedPcr {
  uint16_t bank;
  uint32_t pcr;
  const Bytes* value;
};

// Check 3: pcrDigest == H_sig(PCR values of the selection, in selection order).
Result<std::vector<QuotedPcr>> CheckPcrDigest(const Attest& a, const Signature& sig,
                                              const Evidence& ev) {
  std::vector<QuotedPcr> quoted;
  for (const PcrSelection& s : a.pcr_select) {
    for (uint32_t pcr : s.pcrs) quoted.push_back({s.hash, pcr, nullptr});
  }
  if (quoted.size() != ev.pcrs.size()) {
    return Unauthenticated("TPM: the quote selects " + std::to_string(quoted.size()) +
                           " PCRs, the evidence has " + std::to_string(ev.pcrs.size()) + " values");
  }
  ASSIGN_OR_RETURN(crypto::HashAlg h, ToHashAlg(sig.hash, "TPMT_SIGNATURE.signature.hash"));
  crypto::Hasher hasher(h);
  for (size_t i = 0; i < quoted.size(); ++i) {
    quoted[i].value = &ev.pcrs[i];
    size_t want = *HashSize(quoted[i].bank);
    if (ev.pcrs[i].size() != want) {
      return InvalidArgument("tpm_quote.pcrs[" + std::to_string(i) + "] has " +
                             std::to_string(ev.pcrs[i].size()) + " bytes, " +
                             AlgName(quoted[i].bank) + " PCRs have " + std::to_string(want));
    }
    hasher.Update(ev.pcrs[i]);
  }
  Bytes computed = hasher.Finish();
  if (!crypto::ConstantTimeEquals(computed, a.pcr_digest)) {
    return Unauthenticated("TPM: PCR digest mismatch: quote " + Hex(a.pcr_digest) + ", computed " +
                           Hex(computed));
  }
  return quoted;
}

const Bytes* FindPcr(const std::vector<QuotedPcr>& q, uint16_t bank, uint32_t pcr) {
  for (const QuotedPcr& p : q) {
    if (p.bank == bank && p.pcr == pcr) return p.value;
  }
  return nullptr;
}

// Check 6: every register the log extends and the quote covers replays to the quoted value.
// Only those registers' events, with only the replayed banks' digests, become claims.
Result<Json> CheckEventLog(ByteSpan data, const std::vector<QuotedPcr>& quoted) {
  auto log = ParseEventLog(data);
  if (!log) return std::unexpected(log.error().WithContext("eventlog"));
  std::vector<uint16_t> replayed;
  for (const auto& [alg, size] : log->algorithms) {
    if (!ToHashAlg(alg, "bank")) continue;
    bool in_quote = std::any_of(quoted.begin(), quoted.end(),
                                [&](const QuotedPcr& p) { return p.bank == alg; });
    if (!in_quote) continue;
    replayed.push_back(alg);
    ASSIGN_OR_RETURN(auto regs, Replay(*log, alg));
    for (const auto& [pcr, value] : regs) {
      const Bytes* q = FindPcr(quoted, alg, pcr);
      if (q == nullptr) continue;  // extended but not quoted: nothing to compare
      if (!crypto::ConstantTimeEquals(*q, value)) {
        return Unauthenticated("TPM: event log replay of PCR " + std::to_string(pcr) + " (" +
                               AlgName(alg) + ") gives " + Hex(value) + ", quote has " + Hex(*q));
      }
    }
  }
  if (replayed.empty()) {
    return Unauthenticated("TPM: the event log has no digests for the quoted PCR banks");
  }
  return eventlog::VerifiedEventLogClaims(*log, [&](uint32_t pcr, uint16_t alg) {
    return std::find(replayed.begin(), replayed.end(), alg) != replayed.end() &&
           FindPcr(quoted, alg, pcr) != nullptr;
  });
}

Json QuoteClaims(const Attest& a, const Signature& sig) {
  Json sel = Json::array();
  for (const PcrSelection& s : a.pcr_select)
    sel.push_back({{"hash", AlgName(s.hash)}, {"pcrs", s.pcrs}});
  return {{"magic", "ff544347"},
          {"type", "8018"},
          {"qualified_signer", Hex(a.qualified_signer)},
          {"extra_data", Hex(a.extra_data)},
          {"clock", a.clock},
          {"reset_count", a.reset_count},
          {"restart_count", a.restart_count},
          {"safe", a.safe},
          {"firmware_version", Hex(Bytes{static_cast<uint8_t>(a.firmware_version >> 56),
                                         static_cast<uint8_t>(a.firmware_version >> 48),
                                         static_cast<uint8_t>(a.firmware_version >> 40),
                                         static_cast<uint8_t>(a.firmware_version >> 32),
                                         static_cast<uint8_t>(a.firmware_version >> 24),
                                         static_cast<uint8_t>(a.firmware_version >> 16),
                                         static_cast<uint8_t>(a.firmware_version >> 8),
                                         static_cast<uint8_t>(a.firmware_version)})},
          {"pcr_select", std::move(sel)},
          {"pcr_digest", Hex(a.pcr_digest)},
          {"sig_alg", AlgName(sig.sig_alg)},
          {"sig_hash", AlgName(sig.hash)}};
}

}  // namespace

Result<Evidence> ParseEvidence(const Json& j) {
  if (!j.is_object()) return InvalidArgument("tpm evidence must be a JSON object");
  Evidence ev;
  ASSIGN_OR_RETURN(ev.ak_public, base::GetString(j, "ak_public"));
  auto spki = base::Base64Decode(ev.ak_public);
  if (!spki) return InvalidArgument("ak_public: " + spki.error().message());
  ev.ak_spki = std::move(*spki);
  ASSIGN_OR_RETURN(const Json* q, base::GetObject(j, "tpm_quote"));
  ASSIGN_OR_RETURN(ev.signature, B64Member(*q, "signature", "tpm_quote.signature"));
  ASSIGN_OR_RETURN(ev.message, B64Member(*q, "message", "tpm_quote.message"));
  ASSIGN_OR_RETURN(const Json* pcrs, base::GetArray(*q, "pcrs"));
  if (pcrs->size() > limits::kTpmPcrValuesMax) {
    return InvalidArgument("tpm_quote.pcrs has " + std::to_string(pcrs->size()) +
                           " entries, the limit is " + std::to_string(limits::kTpmPcrValuesMax));
  }
  for (size_t i = 0; i < pcrs->size(); ++i) {
    const Json& p = (*pcrs)[i];
    std::string where = "tpm_quote.pcrs[" + std::to_string(i) + "]";
    if (!p.is_string()) return InvalidArgument(where + " must be a hex string");
    auto b = base::HexDecode(p.get<std::string>());
    if (!b) return InvalidArgument(where + ": " + b.error().message());
    if (b->size() > limits::kTpmDigestMaxBytes) return InvalidArgument(where + " is too long");
    ev.pcrs.push_back(std::move(*b));
  }
  ASSIGN_OR_RETURN(const Json* log, base::FindField(j, "eventlog"));
  if (log != nullptr && !log->is_null()) {
    ASSIGN_OR_RETURN(ev.event_log, B64Member(j, "eventlog", "eventlog"));
  }
  ASSIGN_OR_RETURN(const Json* chain, base::FindField(j, "ak_cert_chain"));
  if (chain != nullptr && !chain->is_null()) {
    if (!chain->is_array() || chain->size() > limits::kX509ChainMaxLength) {
      return InvalidArgument("ak_cert_chain must be an array of at most " +
                             std::to_string(limits::kX509ChainMaxLength) + " base64 certificates");
    }
    for (const Json& c : *chain) {
      if (!c.is_string()) return InvalidArgument("ak_cert_chain entries must be strings");
      auto der = base::Base64Decode(c.get<std::string>());
      if (!der) return InvalidArgument("ak_cert_chain: " + der.error().message());
      ev.ak_cert_chain.push_back(std::move(*der));
    }
  }
  ASSIGN_OR_RETURN(const Json* tpmt, base::FindField(j, "ak_tpmt_public"));
  if (tpmt != nullptr && !tpmt->is_null()) {
    ASSIGN_OR_RETURN(ev.ak_tpmt_public, B64Member(j, "ak_tpmt_public", "ak_tpmt_public"));
  }
  return ev;
}

Json EvidenceToJson(const Evidence& ev) {
  Json pcrs = Json::array();
  for (const Bytes& p : ev.pcrs) pcrs.push_back(Hex(p));
  Json j = {{"ak_public", ev.ak_public},
            {"tpm_quote",
             {{"signature", base::Base64Encode(ev.signature)},
              {"message", base::Base64Encode(ev.message)},
              {"pcrs", std::move(pcrs)}}}};
  if (ev.event_log) j["eventlog"] = base::Base64Encode(*ev.event_log);
  if (!ev.ak_cert_chain.empty()) {
    Json chain = Json::array();
    for (const Bytes& c : ev.ak_cert_chain) chain.push_back(base::Base64Encode(c));
    j["ak_cert_chain"] = std::move(chain);
  }
  if (ev.ak_tpmt_public) j["ak_tpmt_public"] = base::Base64Encode(*ev.ak_tpmt_public);
  return j;
}

namespace {

Result<Json> Verify(const Evidence& ev, const Prepared& p, const Expectations& x) {
  const VerifierOptions& o = *p.options;
  auto ak = AkKey(ev, p);
  if (!ak) return std::unexpected(ak.error());
  auto attest = ParseAttest(ev.message);
  if (!attest) return std::unexpected(attest.error().WithContext("tpm_quote.message"));
  auto sig = ParseSignature(ev.signature);
  if (!sig) return std::unexpected(sig.error().WithContext("tpm_quote.signature"));

  ASSIGN_OR_RETURN(std::string trust, CheckAkTrust(ev, *ak, o));
  TRY(CheckSignature(*sig, *ak, ev.message, ev.ak_spki));
  ASSIGN_OR_RETURN(auto quoted, CheckPcrDigest(*attest, *sig, ev));

  const Bytes& extra = attest->extra_data;
  if (x.nonce && !crypto::ConstantTimeEquals(extra, *x.nonce)) {
    return Unauthenticated("TPM: nonce mismatch: quote extraData " + Hex(extra) + ", expected " +
                           Hex(*x.nonce));
  }
  if (x.report_data && !x.report_data->empty()) {
    Bytes want = Resize(*x.report_data, kReportDataSize);
    if (!crypto::ConstantTimeEquals(extra, want)) {
      return Unauthenticated("TPM: nonce mismatch: quote extraData " + Hex(extra) +
                             ", expected report data " + Hex(want));
    }
  }
  const Bytes* pcr8 = FindPcr(quoted, kAlgSha256, kInitDataPcr);
  if (x.init_data_digest) {
    Bytes buf(32, 0);
    buf.insert(buf.end(), x.init_data_digest->begin(), x.init_data_digest->end());
    Bytes want = crypto::Sha256(buf);
    if (pcr8 == nullptr) return Unauthenticated("TPM: init-data mismatch: PCR 8 is not quoted");
    if (!crypto::ConstantTimeEquals(*pcr8, want)) {
      return Unauthenticated("TPM: init-data mismatch: PCR 8 is " + Hex(*pcr8) + ", expected " +
                             Hex(want));
    }
  }
  Json claims = {{"ak_public", ev.ak_public},
                 {"ak_trust", trust},
                 {"report_data", Hex(extra)},
                 {"quote", QuoteClaims(*attest, *sig)}};
  if (pcr8 != nullptr) claims["init_data"] = Hex(*pcr8);
  if (ev.ak_tpmt_public) {
    if (auto pub = ParsePublic(*ev.ak_tpmt_public); pub) {
      if (auto name = ComputeName(*pub); name) claims["ak_name"] = Hex(*name);
    }
  }
  for (const QuotedPcr& p : quoted) claims[PcrClaim(p.bank, p.pcr)] = Hex(*p.value);
  if (ev.event_log) {
    ASSIGN_OR_RETURN(claims["uefi_event_logs"], CheckEventLog(*ev.event_log, quoted));
  }
  return claims;
}

}  // namespace

Result<Json> VerifyEvidence(const Evidence& ev, const VerifierOptions& o, const Expectations& x) {
  return Verify(ev, Prepare(o), x);
}

Result<crypto::PublicKey> LoadAk(ByteSpan file) {
  std::string_view text = AsString(file);
  if (text.find("-----BEGIN") != std::string_view::npos) return crypto::PublicKey::FromPem(text);
  if (auto pub = ParsePublic(file); pub) {
    if ((pub->object_attributes & (kObjRestricted | kObjSign)) != (kObjRestricted | kObjSign)) {
      return InvalidArgument("TPMT_PUBLIC is not a restricted signing key (objectAttributes " +
                             Hex(Bytes{static_cast<uint8_t>(pub->object_attributes >> 24),
                                       static_cast<uint8_t>(pub->object_attributes >> 16),
                                       static_cast<uint8_t>(pub->object_attributes >> 8),
                                       static_cast<uint8_t>(pub->object_attributes)}) +
                             ")");
    }
    return ToPublicKey(*pub);
  }
  auto der = crypto::PublicKey::FromDer(file);
  if (der) return der;
  return InvalidArgument("not a PEM public key or certificate, a DER SPKI, or a TPMT_PUBLIC");
}

namespace {

class TpmVerifier : public Verifier {
 public:
  explicit TpmVerifier(VerifierOptions o) : options_(std::move(o)), prepared_(Prepare(options_)) {}
  TpmVerifier(const TpmVerifier&) = delete;
  TpmVerifier& operator=(const TpmVerifier&) = delete;
  Result<std::vector<TeeClaims>> Evaluate(const VerifyRequest& req) const override {
    if (req.evidence == nullptr) return InvalidArgument("tpm evidence missing");
    ASSIGN_OR_RETURN(Evidence ev, ParseEvidence(*req.evidence));
    Expectations x;
    if (!req.expected_report_data.empty()) {
      x.report_data = Bytes(req.expected_report_data.begin(), req.expected_report_data.end());
    }
    x.init_data_digest = req.init_data_digest;
    ASSIGN_OR_RETURN(Json claims, Verify(ev, prepared_, x));
    TeeClaims out;
    out.tee = "tpm";
    out.tee_class = "cpu";
    out.claims = std::move(claims);
    return std::vector<TeeClaims>{std::move(out)};
  }

 private:
  VerifierOptions options_;
  Prepared prepared_;  // points into options_
};

}  // namespace

std::unique_ptr<Verifier> NewVerifier(VerifierOptions options) {
  return std::make_unique<TpmVerifier>(std::move(options));
}

Result<Json> VerifyOffline(const OfflineVerifyOptions& o) {
  auto j = base::ParseJson(o.evidence);
  if (!j) return InvalidArgument("tpm evidence: " + j.error().message());
  ASSIGN_OR_RETURN(Evidence ev, ParseEvidence(*j));
  VerifierOptions vo;
  vo.at_time = o.at_time;
  if (o.ak_path) {
    ASSIGN_OR_RETURN(std::string bytes, base::ReadFile(*o.ak_path, "--ak", 1 << 20));
    auto ak = LoadAk(AsBytes(bytes));
    if (!ak) return InvalidArgument("--ak " + *o.ak_path + ": " + ak.error().message());
    vo.trusted_aks.push_back(std::move(*ak));
  }
  if (o.root_path) {
    ASSIGN_OR_RETURN(vo.ak_roots, crypto::LoadCertificates(*o.root_path, "--root"));
  }
  if (vo.trusted_aks.empty() && vo.ak_roots.empty()) {
    return Unauthenticated(
        "TPM: AK not trusted: give --ak FILE (the AK public key) or --root FILE (roots for "
        "ak_cert_chain); the evidence's ak_public has SHA-256 " +
        Fingerprint(ev.ak_spki));
  }
  Expectations x;
  x.nonce = o.nonce;
  x.report_data = o.report_data;
  return VerifyEvidence(ev, vo, x);
}

}  // namespace cocoon::tee::tpm
