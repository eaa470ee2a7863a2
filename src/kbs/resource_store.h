// Confidential resources addressed as <repository>/<type>/<tag> (Trustee's ResourceDesc),
// stored in KV namespace "repository" under that key.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "kbs/kv_store.h"

namespace cocoon::kbs {

struct ResourceDesc {
  std::string repository, type, tag;
  std::string Key() const { return repository + "/" + type + "/" + tag; }
};

// Exactly three segments, each matching ^[A-Za-z0-9_-]+[A-Za-z0-9_.-]*$ (so no "..", no
// leading dot, no empty segment). InvalidArgument "illegal ResourceDesc format." otherwise.
Result<ResourceDesc> ParseResourceDesc(const std::vector<std::string>& segments);

class ResourceStore {
 public:
  virtual ~ResourceStore() = default;
  // NotFound if absent.
  virtual Result<Bytes> Read(const ResourceDesc& d) = 0;
  // With overwrite=false a stored value is kept: FailedPrecondition "resource R already exists".
  virtual Status Write(const ResourceDesc& d, ByteSpan value, bool overwrite = true) = 0;
  // NotFound if absent.
  virtual Status Delete(const ResourceDesc& d) = 0;
};

class KvResourceStore : public ResourceStore {
 public:
  explicit KvResourceStore(KvStore* kv) : kv_(kv) {}
  Result<Bytes> Read(const ResourceDesc& d) override;
  Status Write(const ResourceDesc& d, ByteSpan value, bool overwrite = true) override;
  Status Delete(const ResourceDesc& d) override;

 private:
  KvStore* kv_;
};

}  // namespace cocoon::kbs
