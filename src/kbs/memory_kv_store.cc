// In-memory KvStore: a std::map per namespace behind a shared_mutex. Nothing is persisted; used
// for tests, `storage_type = "Memory"` and (by default) RCAR sessions.
#include <map>
#include <mutex>
#include <shared_mutex>

#include "kbs/kv_store.h"

namespace cocoon::kbs {
namespace {

class MemoryKvStore final : public KvStore {
 public:
  Status Set(std::string_view ns, std::string_view key, ByteSpan value, bool overwrite) override {
    TRY(ValidateNamespace(ns));
    TRY(ValidateKey(key));
    std::unique_lock lock(mu_);
    auto& table = data_[std::string(ns)];
    auto it = table.find(key);
    if (it == table.end()) {
      table.emplace(std::string(key), Bytes(value.begin(), value.end()));
      return Ok();
    }
    if (!overwrite) {
      return FailedPrecondition("key " + std::string(ns) + "/" + std::string(key) +
                                " already exists");
    }
    it->second.assign(value.begin(), value.end());
    return Ok();
  }

  Result<std::optional<Bytes>> Get(std::string_view ns, std::string_view key) override {
    TRY(ValidateNamespace(ns));
    TRY(ValidateKey(key));
    std::shared_lock lock(mu_);
    const Table* table = FindTable(ns);
    if (table == nullptr) return std::nullopt;
    auto it = table->find(key);
    if (it == table->end()) return std::nullopt;
    return it->second;
  }

  Result<bool> Delete(std::string_view ns, std::string_view key) override {
    TRY(ValidateNamespace(ns));
    TRY(ValidateKey(key));
    std::unique_lock lock(mu_);
    auto table = data_.find(ns);
    if (table == data_.end()) return false;
    auto it = table->second.find(key);
    if (it == table->second.end()) return false;
    table->second.erase(it);
    return true;
  }

  Result<std::vector<std::string>> List(std::string_view ns) override {
    TRY(ValidateNamespace(ns));
    std::shared_lock lock(mu_);
    std::vector<std::string> keys;
    const Table* table = FindTable(ns);
    if (table == nullptr) return keys;
    keys.reserve(table->size());
    for (const auto& [key, value] : *table) keys.push_back(key);
    return keys;
  }

 private:
  using Table = std::map<std::string, Bytes, std::less<>>;

  const Table* FindTable(std::string_view ns) const {
    auto it = data_.find(ns);
    return it == data_.end() ? nullptr : &it->second;
  }

  std::shared_mutex mu_;
  std::map<std::string, Table, std::less<>> data_;
};

}  // namespace

std::unique_ptr<KvStore> NewMemoryKvStore() { return std::make_unique<MemoryKvStore>(); }

}  // namespace cocoon::kbs
