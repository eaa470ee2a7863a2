// RCAR session storage.
#include "kbs/session.h"

#include <ctime>
#include <deque>
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
  MemorySessionStore(int64_t ttl, size_t max_bytes) : SessionStore(ttl), max_bytes_(max_bytes) {}

  Status Save(const Session& s) override {
    std::unique_lock lock(mu_);
    auto [it, inserted] = sessions_.try_emplace(s.id);
    if (inserted) {
      order_.push_back(s.id);
    } else {
      bytes_ -= Footprint(it->second);
    }
    it->second = s;
    bytes_ += Footprint(s);
    EvictOldest();
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
    auto it = sessions_.find(std::string(id));
    if (it != sessions_.end()) Erase(it);
    return NotFound("session expired");
  }

  Result<size_t> Sweep(int64_t now) override {
    std::unique_lock lock(mu_);
    size_t n = 0;
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second.expires <= now) {
        bytes_ -= Footprint(it->second);
        it = sessions_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    std::erase_if(order_, [this](const std::string& id) { return !sessions_.contains(id); });
    return n;
  }

 private:
  using Map = std::unordered_map<std::string, Session>;

  // Approximate heap bytes a session holds (strings + node + order entry).
  static size_t Footprint(const Session& s) {
    return 2 * s.id.size() + s.tee.size() + s.nonce.size() + s.hash_alg.size() +
           (s.token ? s.token->size() : 0) + 192;
  }

  void Erase(Map::iterator it) {
    bytes_ -= Footprint(it->second);
    sessions_.erase(it);  // its id stays in order_ until it reaches the front
  }

  void EvictOldest() {
    while ((bytes_ > max_bytes_ || sessions_.size() > limits::kMaxSessions) && !order_.empty()) {
      auto it = sessions_.find(order_.front());
      order_.pop_front();
      if (it != sessions_.end()) Erase(it);
    }
    // Ids of sessions already gone (expired, read after expiry) are dropped lazily.
    while (!order_.empty() && !sessions_.contains(order_.front())) order_.pop_front();
  }

  std::shared_mutex mu_;
  Map sessions_;
  std::deque<std::string> order_;  // creation order, for eviction
  size_t bytes_ = 0;
  size_t max_bytes_;
};

}  // namespace

std::unique_ptr<SessionStore> NewKvSessionStore(KvStore* store, int64_t ttl_seconds) {
  return std::make_unique<KvSessionStore>(store, ttl_seconds);
}

std::unique_ptr<SessionStore> NewMemorySessionStore(int64_t ttl_seconds, size_t max_bytes) {
  return std::make_unique<MemorySessionStore>(ttl_seconds, max_bytes);
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
