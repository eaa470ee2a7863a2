// The guest-pull snapshot store behind cocoon-snapshotter (containerd's proxy snapshotter for
// cocoon pods). containerd's CRI pull asks to prepare each image layer with the label
// `containerd.io/snapshot.ref` = the layer's chain ID; the store records that snapshot as
// committed — with no content — and answers "already exists", so containerd skips the layer:
// no layer blob is downloaded or unpacked on the host (the guest pulls the image itself).
// Containers' writable snapshots are empty directories the host may bind-mount; the shim ignores
// them. Metadata persists in <root>/metadata.json (written atomically on every change).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace cocoon::snapshotter {

enum class Kind { kUnknown = 0, kView = 1, kActive = 2, kCommitted = 3 };

struct Info {
  std::string name;
  std::string parent;
  Kind kind = Kind::kUnknown;
  int64_t created_ns = 0;  // Unix time
  int64_t updated_ns = 0;
  std::map<std::string, std::string> labels;
};

struct Mount {
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

// Prepare/View answer: the mounts of a new snapshot, or `already_exists` (containerd's signal
// that a remote snapshotter holds the layer).
struct PrepareResult {
  bool already_exists = false;
  std::vector<Mount> mounts;
};

inline constexpr std::string_view kTargetRefLabel = "containerd.io/snapshot.ref";
inline constexpr size_t kMaxSnapshots = 100'000;
inline constexpr size_t kMaxLabelBytes = 4096;  // containerd's own limit per label

class Store {
 public:
  // Opens (creating) the store in `root`. Errors: the directory cannot be made, or metadata.json
  // is not the store's (DataLoss naming the file).
  static Result<std::unique_ptr<Store>> Open(const std::string& root);

  // Errors name the key: NotFound (no such parent/key), FailedPrecondition (wrong kind, children
  // left, the name is taken), InvalidArgument (empty key, a label over 4 KiB),
  // ResourceExhausted (more than kMaxSnapshots).
  Result<PrepareResult> Prepare(const std::string& key, const std::string& parent,
                                const std::map<std::string, std::string>& labels);
  Result<PrepareResult> View(const std::string& key, const std::string& parent,
                             const std::map<std::string, std::string>& labels);
  Result<std::vector<Mount>> Mounts(const std::string& key);
  Status Commit(const std::string& name, const std::string& key,
                const std::map<std::string, std::string>& labels);
  Status Remove(const std::string& key);
  Result<Info> Stat(const std::string& key);
  // Replaces the labels named by `paths` ("labels" = all, "labels.<k>" = one); no paths: all.
  Result<Info> Update(const Info& info, const std::vector<std::string>& paths);
  std::vector<Info> List();
  // Bytes and inodes under the snapshot's directory (0 for layers the guest pulls).
  Result<std::pair<int64_t, int64_t>> Usage(const std::string& key);

 private:
  struct Entry {
    Info info;
    uint64_t id = 0;  // directory snapshots/<id> (active and view snapshots)
  };
  explicit Store(std::string root) : root_(std::move(root)) {}
  Result<PrepareResult> Create(Kind kind, const std::string& key, const std::string& parent,
                               const std::map<std::string, std::string>& labels);
  std::vector<Mount> MountsOf(const Entry& e) const;
  std::string DirOf(uint64_t id) const;
  Status Save();  // with mu_ held
  Status Load();

  std::string root_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  uint64_t next_id_ = 1;
};

// containerd's filter syntax, the subset snapshot listing uses: comma-separated conditions, all of
// which must hold; each is `field==value` or `field!=value` with field `name`, `parent`, `kind`
// or `labels."<key>"` (quotes optional for plain keys), values optionally in double quotes.
// InvalidArgument for anything else.
Result<bool> MatchesFilter(const Info& info, const std::string& filter);

std::string_view KindName(Kind kind);  // "view", "active", "committed", "unknown"

}  // namespace cocoon::snapshotter
