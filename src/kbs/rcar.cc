// RCAR handshake handlers: POST /kbs/v0/auth and POST /kbs/v0/attest (Trustee
// kbs/src/attestation/backend.rs semantics; the exchange is walked through in docs/kbs.md).
#include "base/encoding.h"
#include "crypto/random.h"
#include "jose/jwk.h"
#include "kbs/errors.h"
#include "kbs/service.h"

namespace cocoon::kbs {
namespace {

net::HttpResponse AuthError(std::string_view why) {
  return ErrorResponse(KbsError::kAttestationError,
                       "Attestation error: RCAR handshake Auth failed: " + std::string(why));
}
net::HttpResponse AttestError(std::string_view why) {
  return ErrorResponse(KbsError::kAttestationError,
                       "Attestation error: RCAR handshake Attest failed: " + std::string(why));
}

void SetSessionCookie(net::HttpResponse& resp, const Session& s) {
  resp.headers.Add("set-cookie", "kbs-session-id=" + s.id + "; Expires=" + HttpDate(s.expires));
}

// The tee-pubkey re-serialised from its parsed form, as Trustee hashes it: only
// kty/crv/alg/x/y (EC) or kty/alg/n/e (RSA) enter the runtime data.
Result<Json> NormaliseTeePubkey(const Json& jwk) {
  if (!jwk.is_object()) return InvalidArgument("tee-pubkey must be a JSON object");
  ASSIGN_OR_RETURN(std::string kty, base::GetString(jwk, "kty"));
  ASSIGN_OR_RETURN(std::string alg, base::GetString(jwk, "alg"));
  Json out;
  if (kty == "EC") {
    ASSIGN_OR_RETURN(std::string crv, base::GetString(jwk, "crv"));
    if (alg != "ECDH-ES+A256KW" || (crv != "P-256" && crv != "P-521")) {
      return InvalidArgument("tee-pubkey EC key must be P-256 or P-521 with alg ECDH-ES+A256KW");
    }
    ASSIGN_OR_RETURN(std::string x, base::GetString(jwk, "x"));
    ASSIGN_OR_RETURN(std::string y, base::GetString(jwk, "y"));
    out = {{"kty", kty}, {"crv", crv}, {"alg", alg}, {"x", x}, {"y", y}};
  } else if (kty == "RSA") {
    if (alg != "RSA-OAEP-256" && alg != "RSA1_5") {
      return InvalidArgument("tee-pubkey RSA key must have alg RSA-OAEP-256 or RSA1_5");
    }
    ASSIGN_OR_RETURN(std::string n, base::GetString(jwk, "n"));
    ASSIGN_OR_RETURN(std::string e, base::GetString(jwk, "e"));
    out = {{"kty", kty}, {"alg", alg}, {"n", n}, {"e", e}};
  } else {
    return InvalidArgument("tee-pubkey kty \"" + kty + "\" is not supported (EC or RSA)");
  }
  return out;
}

}  // namespace

net::HttpResponse KbsService::Auth(const net::HttpRequest& req) {
  auto body = base::ParseJson(req.body);
  if (!body) return AuthError(body.error().message());
  auto version = base::GetString(*body, "version");
  if (!version) return AuthError(version.error().message());
  if (*version != kProtocolVersion) {
    return AuthError("KBS Client Protocol Version Mismatch: expect =" +
                     std::string(kProtocolVersion) + " while the request is " + *version);
  }
  auto tee = base::GetString(*body, "tee");
  if (!tee) return AuthError(tee.error().message());
  if (!tee::IsKnownTee(*tee)) return AuthError("unknown TEE \"" + *tee + "\"");
  if (auto v = verifiers_->Get(*tee); !v) return AuthError(v.error().message());

  auto nonce = nonce_source_ ? Result<Bytes>(nonce_source_()) : crypto::RandomBytes(32);
  if (!nonce) return AuthError(nonce.error().message());
  auto session = sessions_->Create(*tee, base::Base64Encode(*nonce), "sha384", clock_());
  if (!session) return AuthError(session.error().message());
  OrderedJson challenge = OrderedJson::object();
  challenge["nonce"] = session->nonce;
  challenge["extra-params"] = "";
  auto resp = net::HttpResponse::Json(200, base::DumpJson(challenge));
  SetSessionCookie(resp, *session);
  return resp;
}

namespace {

// The Attestation body → what the AS verifies: the primary evidence bound to
// {"tee-pubkey","nonce","additional-evidence"} and each additional device's evidence bound to
// {"tee-pubkey","nonce"} — with the *session's* nonce and TEE, never the client's claims of them.
Result<std::vector<attestation::EvidenceToVerify>> ParseAttestation(std::string_view text,
                                                                    const Session& session,
                                                                    TeeKeyCache& keys) {
  ASSIGN_OR_RETURN(Json body, base::ParseJson(text));
  ASSIGN_OR_RETURN(const Json* rd, base::GetObject(body, "runtime-data"));
  ASSIGN_OR_RETURN(std::string nonce, base::GetString(*rd, "nonce"));
  if (nonce != session.nonce) return Unauthenticated("nonce does not match the challenge");
  ASSIGN_OR_RETURN(const Json* pubkey_field, base::GetField(*rd, "tee-pubkey"));
  ASSIGN_OR_RETURN(Json pubkey, NormaliseTeePubkey(*pubkey_field));
  TRY(keys.Get(pubkey));  // the key itself must be valid (point on curve, RSA size, …)
  ASSIGN_OR_RETURN(const Json* te, base::GetObject(body, "tee-evidence"));
  ASSIGN_OR_RETURN(const Json* primary, base::GetField(*te, "primary_evidence"));
  ASSIGN_OR_RETURN(std::string additional, base::GetString(*te, "additional_evidence"));

  std::vector<attestation::EvidenceToVerify> items(1);
  items[0].tee = session.tee;
  items[0].evidence = *primary;
  items[0].runtime_data = {
      {"tee-pubkey", pubkey}, {"nonce", session.nonce}, {"additional-evidence", additional}};
  ASSIGN_OR_RETURN(const Json* init, base::FindField(body, "init-data"));
  if (init != nullptr && !init->is_null()) {
    auto format = base::GetString(*init, "format");
    auto toml = base::GetString(*init, "body");
    if (!format || !toml) return InvalidArgument("init-data needs string members format and body");
    items[0].init_data = initdata::InitData{*format, *toml};
  }
  if (!additional.empty()) {
    auto extra = base::ParseJson(additional);
    if (!extra || !extra->is_object())
      return InvalidArgument("additional_evidence is not a JSON map");
    for (const auto& [tee, ev] : extra->items()) {
      attestation::EvidenceToVerify item;
      item.tee = tee;
      item.evidence = ev;
      item.runtime_data = {{"tee-pubkey", pubkey}, {"nonce", session.nonce}};
      items.push_back(std::move(item));
    }
  }
  return items;
}

net::HttpResponse TokenResponse(const Session& s) {
  auto resp = net::HttpResponse::Json(200, base::DumpJson(Json{{"token", *s.token}}));
  SetSessionCookie(resp, s);
  return resp;
}

}  // namespace

net::HttpResponse KbsService::Attest(const net::HttpRequest& req) {
  auto cookie = req.Cookie("kbs-session-id");
  if (!cookie) return AttestError("cookie kbs-session-id not found");
  auto session = sessions_->Get(*cookie, clock_());
  if (!session) return AttestError(session.error().message());
  // An attested session gets its token again without re-verification, as Trustee does.
  if (session->token) return TokenResponse(*session);

  auto items = ParseAttestation(req.body, *session, tee_keys_);
  if (!items) return AttestError(items.error().message());
  auto hash = crypto::ParseHashAlg(session->hash_alg);
  auto token = hash ? as_->Attest(*items, *hash, clock_()) : std::unexpected(hash.error());
  metrics_.ObserveAttestation(session->tee, token ? "success" : "failure");
  if (!token) return AttestError(token.error().message());
  session->token = *token;
  if (auto st = sessions_->Save(*session); !st) return AttestError(st.error().message());
  return TokenResponse(*session);
}

}  // namespace cocoon::kbs
