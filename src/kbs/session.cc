// RCAR session storage.
#include "kbs/session.h"

#include <ctime>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "base/encoding.h"
#include "base/limits.h"
#include "crypto/random.h"

namespace cocoon::kbs {
namespace {
constexpr std::string_view kNamespace = "kbs_protocol_session";

Result<std::string> NewSessionId() {
  ASSIGN_OR_RETURN(Bytes b, crypto::RandomBytes(16));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return base::HexEncode(b);
}

Json ToJson(const Session& s) {
  Json j = {{"tee", s.tee}, {"nonce", s.nonce}, {"hash_alg", s.hash_alg}, {"expires", s.expires}};
  if (s.token) j["token"] = *s.token;
  return j;
}
}  // namespace

Result<Session> SessionStore::Create(std::string tee, std::string nonce, std::string hash_alg,
                                     int64_t now) {
  Session s;
  ASSIGN_OR_RETURN(s.id, NewSessionId());
  s.tee = std::move(tee);
  s.nonce = std::move(nonce);
  s.hash_alg = std::move(hash_alg);
  s.expires = now + ttl_;
  TRY(Save(s));
  return s;
}

namespace {

class KvSessionStore : public SessionStore {
 public:
  KvSessionStore(KvStore* store, int64_t ttl) : SessionStore(ttl), store_(store) {}

  Status Save(const Session& s) override {
    return store_->Set(kNamespace, s.id, AsBytes(base::DumpJson(ToJson(s))));
  }

  Result<Session> Get(std::string_view id, int64_t now) override {
    if (id.size() != 32 || !base::HexDecode(id)) return NotFound("session not found");
    ASSIGN_OR_RETURN(auto raw, store_->Get(kNamespace, id));
    if (!raw) return NotFound("session not found");
    ASSIGN_OR_RETURN(Json j, base::ParseJson(*raw));
    Session s;
    s.id = std::string(id);
    ASSIGN_OR_RETURN(s.tee, base::GetString(j, "tee"));
    ASSIGN_OR_RETURN(s.nonce, base::GetString(j, "nonce"));
    ASSIGN_OR_RETURN(s.hash_alg, base::GetString(j, "hash_alg"));
    ASSIGN_OR_RETURN(s.expires, base::GetInt(j, "expires"));
    if (j.contains("token") && j["token"].is_string()) s.token = j["token"].get<std::string>();
    if (s.expires <= now) {
      (void)store_->Delete(kNamespace, id);
      return NotFound("session expired");
    }
    return s;
  }

  Result<size_t> Sweep(int64_t now) override {
    ASSIGN_OR_RETURN(auto keys, store_->List(kNamespace));
    size_t n = 0;
    for (const auto& k : keys) {
      auto s = Get(k, now);
      if (!s && s.error().code() == Code::kNotFound) ++n;
    }
    return n;
  }

 private:
  KvStore* store_;
};

class MemorySessionStore : public SessionStore {
 public:
  explicit MemorySessionStore(int64_t ttl) : SessionStore(ttl) {}

  Status Save(const Session& s) override {
    std::unique_lock lock(mu_);
    if (sessions_.size() >= limits::kMaxSessions && !sessions_.contains(s.id)) {
      return ResourceExhausted("too many open sessions; retry later");
    }
    sessions_[s.id] = s;
    return Ok();
  }

  Result<Session> Get(std::string_view id, int64_t now) override {
    {
      std::shared_lock lock(mu_);
      auto it = sessions_.find(std::string(id));
      if (it == sessions_.end()) return NotFound("session not found");
      if (it->second.expires > now) return it->second;
    }
    std::unique_lock lock(mu_);
    sessions_.erase(std::string(id));
    return NotFound("session expired");
  }

  Result<size_t> Sweep(int64_t now) override {
    std::unique_lock lock(mu_);
    return std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires <= now; });
  }

 private:
  std::shared_mutex mu_;
  std::unordered_map<std::string, Session> sessions_;
};

}  // namespace

std::unique_ptr<SessionStore> NewKvSessionStore(KvStore* store, int64_t ttl_seconds) {
  return std::make_unique<KvSessionStore>(store, ttl_seconds);
}

std::unique_ptr<SessionStore> NewMemorySessionStore(int64_t ttl_seconds) {
  return std::make_unique<MemorySessionStore>(ttl_seconds);
}

std::string HttpDate(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace cocoon::kbs
