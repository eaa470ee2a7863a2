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

// Two pools with separate budgets: sessions that only ran /auth (anyone can make those, as fast
// as they can send requests) and attested ones. A pool evicts only its own oldest sessions, so
// an unauthenticated /auth flood churns the pending pool and never evicts an attested session.
class MemorySessionStore : public SessionStore {
 public:
  MemorySessionStore(int64_t ttl, size_t max_bytes) : SessionStore(ttl) {
    pending_.max_bytes = max_bytes / kPendingShare;
    pending_.max_count = limits::kMaxSessions / kPendingShare;
    attested_.max_bytes = max_bytes - pending_.max_bytes;
    attested_.max_count = limits::kMaxSessions;
  }

  Status Save(const Session& s) override {
    std::unique_lock lock(mu_);
    auto [it, inserted] = sessions_.try_emplace(s.id);
    Pool& to = PoolOf(s);
    if (!inserted) {
      Pool& from = PoolOf(it->second);
      from.Remove(Footprint(it->second));
      if (&from != &to) to.order.push_back(s.id);  // moves pools when it attests
    } else {
      to.order.push_back(s.id);
    }
    it->second = s;
    to.Add(Footprint(s));
    EvictOldest(to);
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
        PoolOf(it->second).Remove(Footprint(it->second));
        it = sessions_.erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    for (Pool* pool : {&pending_, &attested_}) {
      std::erase_if(pool->order, [&](const std::string& id) { return !InPool(id, *pool); });
    }
    return n;
  }

 private:
  using Map = std::unordered_map<std::string, Session>;
  // Unattested sessions get 1/kPendingShare of the budget, attested ones the rest.
  static constexpr size_t kPendingShare = 4;

  struct Pool {
    std::deque<std::string> order;  // insertion order, for eviction; may hold stale ids
    size_t bytes = 0;
    size_t count = 0;
    size_t max_bytes = 0;
    size_t max_count = 0;
    void Add(size_t b) { bytes += b, ++count; }
    void Remove(size_t b) { bytes -= b, --count; }
    bool Over() const { return bytes > max_bytes || count > max_count; }
  };

  // Approximate heap bytes a session holds (strings + node + order entry).
  static size_t Footprint(const Session& s) {
    return 2 * s.id.size() + s.tee.size() + s.nonce.size() + s.hash_alg.size() +
           (s.token ? s.token->size() : 0) + 192;
  }

  Pool& PoolOf(const Session& s) { return s.token ? attested_ : pending_; }

  bool InPool(const std::string& id, Pool& pool) {
    auto it = sessions_.find(id);
    return it != sessions_.end() && &PoolOf(it->second) == &pool;
  }

  void Erase(Map::iterator it) {
    PoolOf(it->second).Remove(Footprint(it->second));
    sessions_.erase(it);  // its id stays in its pool's order until it reaches the front
  }

  void EvictOldest(Pool& pool) {
    while (pool.Over() && !pool.order.empty()) {
      std::string id = std::move(pool.order.front());
      pool.order.pop_front();
      auto it = sessions_.find(id);
      if (it != sessions_.end() && &PoolOf(it->second) == &pool) Erase(it);
    }
    // Ids of sessions gone (expired, read after expiry) or moved to the other pool are dropped
    // lazily.
    while (!pool.order.empty() && !InPool(pool.order.front(), pool)) pool.order.pop_front();
  }

  std::shared_mutex mu_;
  Map sessions_;
  Pool pending_;
  Pool attested_;
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
