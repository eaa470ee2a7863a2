// RCAR sessions (Trustee kbs/src/attestation/session.rs): created by /auth with the request and
// challenge, upgraded to Attested by /attest with the token; same expiry throughout. Stored as
// JSON in KV namespace "kbs_protocol_session" so a shared store can back several KBS instances.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "base/json.h"
#include "kbs/kv_store.h"

namespace cocoon::kbs {

struct Session {
  std::string id;     // 32 lower-case hex (UUIDv4, simple form)
  std::string tee;    // from the Request
  std::string nonce;  // challenge nonce as sent (std base64)
  std::string hash_alg = "sha384";
  int64_t expires = 0;               // unix seconds
  std::optional<std::string> token;  // set once attested
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // New session with a fresh id and expiry now + ttl.
  Result<Session> Create(std::string tee, std::string nonce, std::string hash_alg, int64_t now);
  // NotFound for unknown or expired sessions (expired ones are deleted).
  virtual Result<Session> Get(std::string_view id, int64_t now) = 0;
  virtual Status Save(const Session& s) = 0;
  // Deletes expired sessions; returns how many.
  virtual Result<size_t> Sweep(int64_t now) = 0;
  int64_t ttl() const { return ttl_; }

 protected:
  explicit SessionStore(int64_t ttl_seconds) : ttl_(ttl_seconds) {}

 private:
  int64_t ttl_;
};

// Sessions as JSON in a KvStore (namespace "kbs_protocol_session"): shareable between KBS
// instances through a shared backend.
std::unique_ptr<SessionStore> NewKvSessionStore(KvStore* store, int64_t ttl_seconds);
// Sessions as structs in this process: no serialisation on the handshake's hot path. Holds at
// most about `max_bytes` of session state (and limits::kMaxSessions sessions) in two pools:
// unattested sessions (after /auth) get a quarter of the budget, attested ones the rest. Beyond
// its budget a pool evicts its own oldest sessions first (their clients re-attest after a 401),
// so a flood of /auth never evicts an attested session.
std::unique_ptr<SessionStore> NewMemorySessionStore(int64_t ttl_seconds,
                                                    size_t max_bytes = size_t{32} << 20);

// "Sat, 28 Nov 2026 06:32:42 GMT" (RFC 7231 IMF-fixdate) for cookie Expires.
std::string HttpDate(int64_t unix_seconds);

}  // namespace cocoon::kbs
