// Key-value storage behind every piece of KBS state (resources, policies, sessions, reference
// values), partitioned by namespace as in Trustee: "repository", "kbs", "kbs_protocol_session",
// "attestation_service_policy", "reference_value". Implementations are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::kbs {

class KvStore {
 public:
  virtual ~KvStore() = default;

  // Stores `value`. With overwrite=false an existing key is kept and FailedPrecondition returned.
  // Returns only after the write is durable for persistent stores (an acknowledged write
  // survives kill -9). InvalidArgument for keys outside [A-Za-z0-9-_./] or empty.
  virtual Status Set(std::string_view ns, std::string_view key, ByteSpan value,
                     bool overwrite = true) = 0;
  // nullopt if absent.
  virtual Result<std::optional<Bytes>> Get(std::string_view ns, std::string_view key) = 0;
  // True if a value was deleted.
  virtual Result<bool> Delete(std::string_view ns, std::string_view key) = 0;
  // Keys in `ns`, sorted.
  virtual Result<std::vector<std::string>> List(std::string_view ns) = 0;
};

// InvalidArgument unless key is non-empty, <= 1024 bytes and only [A-Za-z0-9-_./].
Status ValidateKey(std::string_view key);
// Same rule for namespace names (the message says "namespace").
Status ValidateNamespace(std::string_view ns);

std::unique_ptr<KvStore> NewMemoryKvStore();
// SQLite in WAL mode with synchronous=FULL. Creates the file and parent directory if missing.
// Unavailable if the database cannot be opened.
Result<std::unique_ptr<KvStore>> OpenSqliteKvStore(const std::string& path);

// Backends by name ("Memory", "Sqlite", and Trustee's "LocalFs"/"LocalJson" mapped to a SQLite
// file in their directory). Options are backend-specific key/values from the config file.
using KvStoreOptions = std::map<std::string, std::string>;
using KvStoreFactory = std::function<Result<std::unique_ptr<KvStore>>(const KvStoreOptions&)>;

class KvStoreRegistry {
 public:
  void Register(std::string name, KvStoreFactory factory);
  // NotFound naming the backend and the known names if `name` is not registered.
  Result<std::unique_ptr<KvStore>> Create(std::string_view name, const KvStoreOptions& opts) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, KvStoreFactory, std::less<>> factories_;
};

// Registers the built-in backends (called explicitly by mains and tests).
void RegisterBuiltinKvStores(KvStoreRegistry& registry);

}  // namespace cocoon::kbs
