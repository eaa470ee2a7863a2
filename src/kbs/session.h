// RCAR sessions (Trustee kbs/src/attestation/session.rs): created by /auth with the request and
// challenge, upgraded to Attested by /attest with the token; same expiry throughout. Stored as
// JSON in KV namespace "kbs_protocol_session" so a shared store can back several KBS instances.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/json.h"
#include "kbs/kv_store.h"

namespace cocoon::kbs {

struct Session {
  std::string id;       // 32 lower-case hex (UUIDv4, simple form)
  std::string tee;      // from the Request
  std::string nonce;    // challenge nonce as sent (std base64)
  std::string hash_alg = "sha384";
  int64_t expires = 0;  // unix seconds
  std::optional<std::string> token;  // set once attested
};

class SessionStore {
 public:
  SessionStore(KvStore* store, int64_t ttl_seconds) : store_(store), ttl_(ttl_seconds) {}

  // New session with a fresh id and expiry now + ttl.
  Result<Session> Create(std::string tee, std::string nonce, std::string hash_alg, int64_t now);
  // NotFound for unknown or expired sessions (expired ones are deleted).
  Result<Session> Get(std::string_view id, int64_t now);
  Status Save(const Session& s);
  // Deletes expired sessions; returns how many.
  Result<size_t> Sweep(int64_t now);
  int64_t ttl() const { return ttl_; }

 private:
  KvStore* store_;
  int64_t ttl_;
};

// "Sat, 28 Nov 2026 06:32:42 GMT" (RFC 7231 IMF-fixdate) for cookie Expires.
std::string HttpDate(int64_t unix_seconds);

}  // namespace cocoon::kbs
