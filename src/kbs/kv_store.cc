// Key validation and the registry of KvStore backends by name. Backend options come from the
// operator's config file (trusted); keys come from requests and are validated here.
#include "kbs/kv_store.h"

#include <filesystem>
#include <string>
#include <utility>

namespace cocoon::kbs {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr std::string_view kSqliteFileName = "cocoon-kbs.sqlite";
constexpr std::string_view kDefaultSqlitePath = "./cocoon-kbs.sqlite";

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '/';
}

Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty()) return InvalidArgument(std::string(what) + " is empty");
  if (name.size() > kMaxKeyBytes) {
    return InvalidArgument(std::string(what) + " is longer than " + std::to_string(kMaxKeyBytes) +
                           " bytes");
  }
  for (char c : name) {
    if (!IsKeyChar(c)) {
      return InvalidArgument(std::string(what) + " has a character outside [A-Za-z0-9-_./]");
    }
  }
  return Ok();
}

std::string OptionOr(const KvStoreOptions& opts, const std::string& name,
                     std::string_view fallback) {
  auto it = opts.find(name);
  return it == opts.end() ? std::string(fallback) : it->second;
}

// Trustee's directory-based backends become one SQLite file inside that directory.
KvStoreFactory SqliteInDirFactory(std::string backend, std::string option) {
  return [backend = std::move(backend), option = std::move(option)](
             const KvStoreOptions& opts) -> Result<std::unique_ptr<KvStore>> {
    auto it = opts.find(option);
    if (it == opts.end() || it->second.empty()) {
      return InvalidArgument("storage backend " + backend + " needs option " + option);
    }
    return OpenSqliteKvStore((std::filesystem::path(it->second) / kSqliteFileName).string());
  };
}

KvStoreFactory UnimplementedFactory(std::string backend) {
  return [backend = std::move(backend)](const KvStoreOptions&) -> Result<std::unique_ptr<KvStore>> {
    return Unimplemented("storage backend " + backend +
                         " is not supported by cocoon-kbs yet; use Sqlite, LocalFs, LocalJson or "
                         "Memory");
  };
}

void RegisterWithAlias(KvStoreRegistry& registry, std::string name, std::string alias,
                       const KvStoreFactory& factory) {
  registry.Register(std::move(name), factory);
  registry.Register(std::move(alias), factory);
}

}  // namespace

Status ValidateKey(std::string_view key) { return ValidateName("storage key", key); }

Status ValidateNamespace(std::string_view ns) { return ValidateName("storage namespace", ns); }

void KvStoreRegistry::Register(std::string name, KvStoreFactory factory) {
  factories_.insert_or_assign(std::move(name), std::move(factory));
}

Result<std::unique_ptr<KvStore>> KvStoreRegistry::Create(std::string_view name,
                                                         const KvStoreOptions& opts) const {
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [n, f] : factories_) known += (known.empty() ? "" : ", ") + n;
    return NotFound("unknown storage backend \"" + std::string(name) + "\" (known: " + known + ")");
  }
  return it->second(opts);
}

std::vector<std::string> KvStoreRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(factories_.size());
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

void RegisterBuiltinKvStores(KvStoreRegistry& registry) {
  RegisterWithAlias(
      registry, "Memory", "memory",
      [](const KvStoreOptions&) -> Result<std::unique_ptr<KvStore>> { return NewMemoryKvStore(); });
  RegisterWithAlias(registry, "Sqlite", "sqlite", [](const KvStoreOptions& opts) {
    return OpenSqliteKvStore(OptionOr(opts, "path", kDefaultSqlitePath));
  });
  RegisterWithAlias(registry, "LocalFs", "local_fs", SqliteInDirFactory("LocalFs", "dir_path"));
  RegisterWithAlias(registry, "LocalJson", "local_json",
                    SqliteInDirFactory("LocalJson", "file_dir_path"));
  RegisterWithAlias(registry, "Postgres", "postgres", UnimplementedFactory("Postgres"));
  RegisterWithAlias(registry, "Redis", "redis", UnimplementedFactory("Redis"));
}

}  // namespace cocoon::kbs
