// Client for the KBS admin API (what Trustee's kbs-client / trustee-cli do): signs a short-lived
// admin JWT with the operator's private key (Ed25519 → EdDSA, P-256 → ES256) and calls the
// admin routes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "crypto/keys.h"
#include "net/http_client.h"

namespace cocoon::kbs {

struct AdminClientOptions {
  std::string url;
  std::string ca_file;
  std::optional<crypto::PrivateKey> key;  // none => no Authorization header
  std::string role = "admin";
  std::string issuer;    // iss claim when non-empty
  std::string audience;  // aud claim when non-empty
  int token_ttl_seconds = 300;
};

// Sets `o.key` from the PEM private key file at `path` (Ed25519 or EC P-256) that signs the
// admin token; an empty path leaves no key. Errors name the file ("admin key").
Status LoadAdminKey(const std::string& path, AdminClientOptions& o);

class AdminClient {
 public:
  explicit AdminClient(AdminClientOptions options);

  // Each returns the KBS's error detail (Unauthenticated, NotFound, …) on a non-200 reply.
  Status SetResource(std::string_view path, ByteSpan value);  // path: repo/type/tag
  // Stores only if nothing is stored at `path` ("If-None-Match: *"): FailedPrecondition if a
  // value exists (cocoon extension; a Trustee KBS ignores the header and overwrites).
  Status CreateResource(std::string_view path, ByteSpan value);
  // Whether a value is stored at `path` (admin HEAD, cocoon extension). Unimplemented when the
  // KBS cannot tell (a Trustee KBS answers the HEAD with an error that is not 404).
  Result<bool> ResourceExists(std::string_view path);
  Status DeleteResource(std::string_view path);
  Status SetResourcePolicy(std::string_view rego_text);
  Status SetAttestationPolicy(std::string_view policy_id, std::string_view rego_text);
  Status SetReferenceValue(std::string_view rvps_message_json);
  // {"version":"0.1.0","type":"sample","payload":base64({name:value})}
  // `expiration` (RFC 3339) empty => the KBS default (12 months).
  Status SetSampleReferenceValue(std::string_view name, const std::string& value_json,
                                 std::string_view expiration = {});
  // Every record [{"version","name","expiration","value","expired"}] (cocoon extension).
  Result<Json> ListReferenceValues();
  // The value only, as Trustee's GET returns it (null when absent or expired).
  Result<Json> GetReferenceValue(std::string_view name);
  Status DeleteReferenceValue(std::string_view name);

 private:
  Result<net::Headers> AuthHeaders();
  Status Call(std::string_view method, std::string_view route, std::string_view body,
              std::string_view content_type, const net::Headers& extra = {});
  Result<std::string> CallForBody(std::string_view method, std::string_view route,
                                  std::string_view body, std::string_view content_type,
                                  const net::Headers& extra = {});
  AdminClientOptions options_;
  net::HttpClient http_;
};

// An admin JWT {"role","iat","exp"[,"iss"][,"aud"]} signed with `key` (EdDSA or ES256).
Result<std::string> MakeAdminToken(const crypto::PrivateKey& key, const AdminClientOptions& o,
                                   int64_t now);

}  // namespace cocoon::kbs
