// Guest-side RCAR client.
#include "guest/kbs_client.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "attestation/service.h"
#include "base/encoding.h"
#include "base/json.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jwt.h"

namespace cocoon::guest {
namespace {
constexpr std::string_view kVersion = "0.4.0";

std::string TrimSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}
}  // namespace

Result<ResourceUri> ParseResourceUri(std::string_view uri) {
  ResourceUri out;
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) {
    return InvalidArgument("resource URI must look like kbs:///<repository>/<type>/<tag>");
  }
  std::string_view scheme = uri.substr(0, scheme_end);
  if (scheme.starts_with("kbs+")) {
    out.plugin = std::string(scheme.substr(4));
  } else if (scheme != "kbs") {
    return InvalidArgument("resource URI scheme must be kbs or kbs+<plugin>, got " +
                           std::string(scheme));
  }
  std::string_view rest = uri.substr(scheme_end + 3);
  size_t slash = rest.find('/');  // skip [host[:port]]
  if (slash == std::string_view::npos) return InvalidArgument("resource URI has no path");
  rest = rest.substr(slash + 1);
  size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    out.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (rest.empty()) return InvalidArgument("resource URI has an empty path");
  out.path = std::string(rest);
  return out;
}

Result<TeeKeyType> ParseTeeKeyType(std::string_view n) {
  if (n == "ec" || n == "p256" || n == "P-256") return TeeKeyType::kEcP256;
  if (n == "p521" || n == "P-521") return TeeKeyType::kEcP521;
  if (n == "rsa" || n == "rsa2048") return TeeKeyType::kRsa2048;
  return InvalidArgument("unknown TEE key type \"" + std::string(n) + "\" (ec, p521 or rsa)");
}

Result<std::unique_ptr<KbsClient>> KbsClient::Create(KbsClientOptions o,
                                                     std::unique_ptr<tee::Attester> attester) {
  if (o.url.empty()) return InvalidArgument("KBS URL is empty");
  o.url = TrimSlash(o.url);
  crypto::KeyType kt = o.key_type == TeeKeyType::kRsa2048  ? crypto::KeyType::kRsa
                       : o.key_type == TeeKeyType::kEcP521 ? crypto::KeyType::kEcP521
                                                           : crypto::KeyType::kEcP256;
  crypto::PrivateKey key = o.tee_key ? *o.tee_key : crypto::PrivateKey(nullptr);
  if (!o.tee_key) {
    ASSIGN_OR_RETURN(key, crypto::PrivateKey::Generate(kt, 2048));
  }
  net::HttpClientOptions ho;
  ho.ca_file = o.ca_file;
  ho.ca_pem = o.ca_pem;
  ho.timeout = std::chrono::milliseconds(60000);
  return std::unique_ptr<KbsClient>(
      new KbsClient(std::move(o), std::move(attester), std::move(key), net::HttpClient(ho)));
}

KbsClient::KbsClient(KbsClientOptions o, std::unique_ptr<tee::Attester> a, crypto::PrivateKey key,
                     net::HttpClient http)
    : options_(std::move(o)),
      attester_(std::move(a)),
      tee_key_(std::move(key)),
      http_(std::move(http)) {}

// Transient failures (refused, reset, timed out, 5xx, 429) are retried, backing off from
// retry_delay; anything else (a name that does not resolve, an untrusted certificate, plain HTTP
// answering TLS, 4xx) is returned at once. After the last attempt: Unavailable naming the URL,
// the attempts and the time taken, with the last cause.
Result<net::ClientResponse> KbsClient::SendWithRetries(std::string_view method,
                                                       const std::string& url,
                                                       const net::Headers& h,
                                                       std::string_view body) {
  auto started = std::chrono::steady_clock::now();
  int calls = 0;
  auto r = net::Retry(
      {.attempts = options_.connect_attempts, .first_delay = options_.retry_delay},
      [&] { return http_.Send(method, url, h, body); }, &calls);
  if (!net::IsTransient(r)) return r;
  auto secs = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count() /
              1000.0;
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", secs);
  std::string why =
      r ? net::ErrorFromReply(r->status, r->body, url).message() : r.error().message();
  std::string what = r ? " kept failing (HTTP " + std::to_string(r->status) + ")" : " unreachable";
  return Unavailable("KBS " + options_.url + what + " after " + std::to_string(calls) +
                     " attempts in " + took + " s: " + why);
}

Result<std::string> KbsClient::Attest() {
  OrderedJson request = OrderedJson::object();
  request["version"] = kVersion;
  request["tee"] = std::string(attester_->tee());
  request["extra-params"] = {{"supported-hash-algorithms", {"sha256", "sha384", "sha512"}}};
  net::Headers h;
  h.Set("content-type", "application/json");
  // The first contact: a KBS that is still starting (or down) gets a few bounded retries.
  auto auth_or = SendWithRetries("POST", options_.url + "/kbs/v0/auth", h, base::DumpJson(request));
  if (!auth_or) return std::unexpected(auth_or.error());
  auto& auth = *auth_or;
  if (auth.status != 200)
    return std::unexpected(net::ErrorFromReply(auth.status, auth.body, "auth"));
  ASSIGN_OR_RETURN(Json challenge, base::ParseJson(auth.body));
  ASSIGN_OR_RETURN(std::string nonce, base::GetString(challenge, "nonce"));
  std::string hash_name = "sha384";
  if (const Json* ep = base::FindPointer(challenge, "/extra-params/selected-hash-algorithm");
      ep != nullptr && ep->is_string()) {
    hash_name = ep->get<std::string>();
    for (auto& c : hash_name) c = static_cast<char>(std::tolower(c));
  }
  ASSIGN_OR_RETURN(crypto::HashAlg hash, crypto::ParseHashAlg(hash_name));

  std::string alg = options_.key_type == TeeKeyType::kRsa2048 ? "RSA-OAEP-256" : "ECDH-ES+A256KW";
  Json pubkey = Json::parse(jose::PublicKeyToJwk(tee_key_.public_key(), alg).dump());
  Json runtime = {{"tee-pubkey", pubkey}, {"nonce", nonce}, {"additional-evidence", ""}};
  ASSIGN_OR_RETURN(Bytes report_data, attestation::RuntimeDataDigest(runtime, hash));
  ASSIGN_OR_RETURN(Json evidence, attester_->GetEvidence(report_data));

  OrderedJson att = OrderedJson::object();
  if (options_.init_data) {
    att["init-data"] = {{"format", options_.init_data->format}, {"body", options_.init_data->body}};
  }
  att["runtime-data"] = {{"nonce", nonce}, {"tee-pubkey", OrderedJson::parse(pubkey.dump())}};
  att["tee-evidence"] = {{"primary_evidence", OrderedJson::parse(evidence.dump())},
                         {"additional_evidence", ""}};
  ASSIGN_OR_RETURN(auto resp, http_.Post(options_.url + "/kbs/v0/attest", base::DumpJson(att), h));
  if (resp.status != 200)
    return std::unexpected(net::ErrorFromReply(resp.status, resp.body, "attest"));
  ASSIGN_OR_RETURN(Json body, base::ParseJson(resp.body));
  ASSIGN_OR_RETURN(token_, base::GetString(body, "token"));
  token_exp_ = 0;
  // The token is the KBS's own (EAR JWT); its `exp` only decides when to re-attest.
  if (auto claims = jose::UnverifiedJwtClaims(token_);
      claims && (*claims)["exp"].is_number_integer()) {
    token_exp_ = (*claims)["exp"].get<int64_t>();
  }
  return token_;
}

bool KbsClient::TokenExpired() const {
  if (token_.empty()) return true;
  if (token_exp_ == 0) return false;
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return now >= token_exp_;
}

Result<crypto::SecretBytes> KbsClient::FetchOnce(const ResourceUri& uri, std::string_view bearer,
                                                 int* status) {
  std::string url = options_.url + "/kbs/v0/" + uri.plugin + "/" + uri.path;
  if (!uri.query.empty()) url += "?" + uri.query;
  net::Headers h;
  if (!bearer.empty()) h.Set("authorization", "Bearer " + std::string(bearer));
  ASSIGN_OR_RETURN(auto resp, SendWithRetries("GET", url, h, ""));
  *status = resp.status;
  if (resp.status != 200)
    return std::unexpected(net::ErrorFromReply(resp.status, resp.body, "resource"));
  ASSIGN_OR_RETURN(Json jwe, base::ParseJson(resp.body));
  return jose::DecryptFlattened(jwe, tee_key_);
}

Result<crypto::SecretBytes> KbsClient::GetResource(std::string_view uri_text) {
  ASSIGN_OR_RETURN(ResourceUri uri, ParseResourceUri(uri_text));
  if (TokenExpired()) {
    http_.ClearCookies();
    TRY(Attest());
  }
  Result<crypto::SecretBytes> last = Unauthenticated("no attempt made");
  for (int attempt = 0; attempt < options_.max_resource_attempts; ++attempt) {
    int status = 0;
    last = FetchOnce(uri, "", &status);
    if (last || status != 401) return last;
    http_.ClearCookies();
    TRY(Attest());
  }
  return last;
}

Result<crypto::SecretBytes> KbsClient::GetResourceWithToken(std::string_view uri_text,
                                                            std::string_view token) {
  ASSIGN_OR_RETURN(ResourceUri uri, ParseResourceUri(uri_text));
  int status = 0;
  return FetchOnce(uri, token, &status);
}

}  // namespace cocoon::guest
