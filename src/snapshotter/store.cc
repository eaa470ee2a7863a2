// The guest-pull snapshot store (see store.h).
#include "snapshotter/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "base/json.h"

namespace cocoon::snapshotter {
namespace fs = std::filesystem;

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckLabels(const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : labels) {
    if (k.size() + v.size() > kMaxLabelBytes) {
      return InvalidArgument("label " + k.substr(0, 64) + " is longer than 4 KiB");
    }
  }
  return Ok();
}

Json ToJson(const Info& i, uint64_t id) {
  return {{"name", i.name},
          {"parent", i.parent},
          {"kind", static_cast<int>(i.kind)},
          {"created", i.created_ns},
          {"updated", i.updated_ns},
          {"labels", i.labels},
          {"id", id}};
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kView:
      return "view";
    case Kind::kActive:
      return "active";
    case Kind::kCommitted:
      return "committed";
    case Kind::kUnknown:
      break;
  }
  return "unknown";
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& root) {
  std::error_code ec;
  fs::create_directories(root + "/snapshots", ec);
  if (ec) return Unavailable("cannot create " + root + "/snapshots: " + ec.message());
  std::unique_ptr<Store> s(new Store(root));
  TRY(s->Load());
  return s;
}

std::string Store::DirOf(uint64_t id) const { return root_ + "/snapshots/" + std::to_string(id); }

Status Store::Load() {
  std::string path = root_ + "/metadata.json";
  if (!fs::exists(path)) return Ok();
  ASSIGN_OR_RETURN(std::string text, base::ReadFile(path, "snapshot metadata", 256 << 20));
  auto j = base::ParseJson(text);
  auto bad = [&](const std::string& why) { return DataLoss(path + ": " + why); };
  if (!j || !j->is_object() || !j->contains("snapshots") || !(*j)["snapshots"].is_array()) {
    return bad("not the snapshotter's metadata");
  }
  try {
    next_id_ = (*j).value("next_id", uint64_t{1});
    for (const auto& e : (*j)["snapshots"]) {
      Entry entry;
      entry.info.name = e.at("name").get<std::string>();
      entry.info.parent = e.at("parent").get<std::string>();
      entry.info.kind = static_cast<Kind>(e.at("kind").get<int>());
      entry.info.created_ns = e.at("created").get<int64_t>();
      entry.info.updated_ns = e.at("updated").get<int64_t>();
      entry.info.labels = e.at("labels").get<std::map<std::string, std::string>>();
      entry.id = e.at("id").get<uint64_t>();
      entries_[entry.info.name] = std::move(entry);
    }
  } catch (const std::exception& ex) {
    return bad(std::string("malformed entry: ") + ex.what());
  }
  return Ok();
}

Status Store::Save() {
  Json all = Json::array();
  for (const auto& [name, e] : entries_) all.push_back(ToJson(e.info, e.id));
  Json doc = {{"version", 1}, {"next_id", next_id_}, {"snapshots", all}};
  std::string tmp = root_ + "/metadata.json.tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << doc.dump();
    f.flush();
    if (!f) return Unavailable("cannot write " + tmp);
  }
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  fs::rename(tmp, root_ + "/metadata.json", ec);
  if (ec) return Unavailable("cannot replace " + root_ + "/metadata.json: " + ec.message());
  return Ok();
}

std::vector<Mount> Store::MountsOf(const Entry& e) const {
  if (e.info.kind == Kind::kCommitted) return {};
  return {{.type = "bind",
           .source = DirOf(e.id) + "/fs",
           .options = {"rbind", e.info.kind == Kind::kView ? "ro" : "rw"}}};
}

Result<PrepareResult> Store::Create(Kind kind, const std::string& key, const std::string& parent,
                                    const std::map<std::string, std::string>& labels) {
  if (key.empty()) return InvalidArgument("empty snapshot key");
  TRY(CheckLabels(labels));
  std::lock_guard lock(mu_);
  if (!parent.empty()) {
    auto p = entries_.find(parent);
    if (p == entries_.end()) return NotFound("parent snapshot " + parent + " not found");
    if (p->second.info.kind != Kind::kCommitted) {
      return FailedPrecondition("parent snapshot " + parent + " is not committed");
    }
  }
  // A layer of an image containerd's CRI pulls: the guest pulls it, the host keeps a committed
  // placeholder under the chain ID containerd expects, and says it exists.
  if (auto ref = labels.find(std::string(kTargetRefLabel));
      ref != labels.end() && kind == Kind::kActive) {
    const std::string& target = ref->second;
    if (target.empty()) return InvalidArgument("empty " + std::string(kTargetRefLabel));
    if (!entries_.count(target)) {
      if (entries_.size() >= kMaxSnapshots) return ResourceExhausted("too many snapshots");
      Entry e;
      e.info = {.name = target,
                .parent = parent,
                .kind = Kind::kCommitted,
                .created_ns = NowNs(),
                .updated_ns = NowNs(),
                .labels = labels};
      entries_[target] = std::move(e);
      TRY(Save());
    }
    return PrepareResult{.already_exists = true, .mounts = {}};
  }
  if (entries_.count(key)) return PrepareResult{.already_exists = true, .mounts = {}};
  if (entries_.size() >= kMaxSnapshots) return ResourceExhausted("too many snapshots");
  Entry e;
  e.id = next_id_++;
  e.info = {.name = key,
            .parent = parent,
            .kind = kind,
            .created_ns = NowNs(),
            .updated_ns = NowNs(),
            .labels = labels};
  std::error_code ec;
  fs::create_directories(DirOf(e.id) + "/fs", ec);
  if (ec) return Unavailable("cannot create " + DirOf(e.id) + ": " + ec.message());
  auto mounts = MountsOf(e);
  entries_[key] = std::move(e);
  TRY(Save());
  return PrepareResult{.already_exists = false, .mounts = std::move(mounts)};
}

Result<PrepareResult> Store::Prepare(const std::string& key, const std::string& parent,
                                     const std::map<std::string, std::string>& labels) {
  return Create(Kind::kActive, key, parent, labels);
}

Result<PrepareResult> Store::View(const std::string& key, const std::string& parent,
                                  const std::map<std::string, std::string>& labels) {
  return Create(Kind::kView, key, parent, labels);
}

Result<std::vector<Mount>> Store::Mounts(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return NotFound("snapshot " + key + " not found");
  if (it->second.info.kind == Kind::kCommitted) {
    return FailedPrecondition("snapshot " + key + " is committed: it has no mounts");
  }
  return MountsOf(it->second);
}

Status Store::Commit(const std::string& name, const std::string& key,
                     const std::map<std::string, std::string>& labels) {
  if (name.empty()) return InvalidArgument("empty snapshot name");
  TRY(CheckLabels(labels));
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return NotFound("snapshot " + key + " not found");
  if (it->second.info.kind != Kind::kActive) {
    return FailedPrecondition("snapshot " + key + " is not active");
  }
  if (entries_.count(name)) return FailedPrecondition("snapshot " + name + " already exists");
  Entry e = std::move(it->second);
  entries_.erase(it);
  e.info.name = name;
  e.info.kind = Kind::kCommitted;
  e.info.updated_ns = NowNs();
  for (const auto& [k, v] : labels) e.info.labels[k] = v;
  entries_[name] = std::move(e);
  return Save();
}

Status Store::Remove(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return NotFound("snapshot " + key + " not found");
  for (const auto& [name, e] : entries_) {
    if (e.info.parent == key) {
      return FailedPrecondition("snapshot " + key + " has a child (" + name + ")");
    }
  }
  uint64_t id = it->second.id;
  entries_.erase(it);
  TRY(Save());
  if (id != 0) {
    std::error_code ec;
    fs::remove_all(DirOf(id), ec);
  }
  return Ok();
}

Result<Info> Store::Stat(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return NotFound("snapshot " + key + " not found");
  return it->second.info;
}

Result<Info> Store::Update(const Info& info, const std::vector<std::string>& paths) {
  TRY(CheckLabels(info.labels));
  std::lock_guard lock(mu_);
  auto it = entries_.find(info.name);
  if (it == entries_.end()) return NotFound("snapshot " + info.name + " not found");
  Info& cur = it->second.info;
  if (paths.empty()) {
    cur.labels = info.labels;
  } else {
    for (const auto& p : paths) {
      if (p == "labels") {
        cur.labels = info.labels;
      } else if (p.starts_with("labels.")) {
        std::string k = p.substr(7);
        auto v = info.labels.find(k);
        if (v == info.labels.end()) {
          cur.labels.erase(k);
        } else {
          cur.labels[k] = v->second;
        }
      } else {
        return InvalidArgument("cannot update field " + p + " of a snapshot");
      }
    }
  }
  cur.updated_ns = NowNs();
  TRY(Save());
  return cur;
}

std::vector<Info> Store::List() {
  std::lock_guard lock(mu_);
  std::vector<Info> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back(e.info);
  return out;
}

Result<std::pair<int64_t, int64_t>> Store::Usage(const std::string& key) {
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return NotFound("snapshot " + key + " not found");
    id = it->second.id;
  }
  int64_t bytes = 0, inodes = 0;
  if (id != 0) {
    std::error_code ec;
    for (auto i = fs::recursive_directory_iterator(DirOf(id) + "/fs", ec);
         !ec && i != fs::recursive_directory_iterator(); i.increment(ec)) {
      ++inodes;
      if (i->is_regular_file(ec)) bytes += static_cast<int64_t>(i->file_size(ec));
    }
  }
  return std::pair{bytes, inodes};
}

Result<bool> MatchesFilter(const Info& info, const std::string& filter) {
  size_t i = 0;
  auto unquote = [](std::string s) -> Result<std::string> {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
    if (s.find('"') != std::string::npos) return InvalidArgument("unbalanced quote in filter");
    return s;
  };
  while (i <= filter.size()) {
    // One condition up to the next comma outside quotes.
    size_t j = i;
    bool quoted = false;
    while (j < filter.size() && (quoted || filter[j] != ',')) {
      if (filter[j] == '"') quoted = !quoted;
      ++j;
    }
    if (quoted) return InvalidArgument("unbalanced quote in filter " + filter);
    std::string cond = filter.substr(i, j - i);
    i = j + 1;
    if (cond.empty()) {
      if (j >= filter.size()) break;
      return InvalidArgument("empty condition in filter " + filter);
    }
    bool neq = false;
    size_t op = std::string::npos;
    for (size_t k = 0; k + 1 < cond.size(); ++k) {
      if (cond[k] == '"') {
        size_t close = cond.find('"', k + 1);
        if (close == std::string::npos) break;
        k = close;
        continue;
      }
      if ((cond[k] == '=' || cond[k] == '!') && cond[k + 1] == '=') {
        op = k;
        neq = cond[k] == '!';
        break;
      }
    }
    if (op == std::string::npos)
      return InvalidArgument("filter condition without == or !=: " + cond);
    std::string field = cond.substr(0, op);
    ASSIGN_OR_RETURN(std::string value, unquote(cond.substr(op + 2)));
    std::string actual;
    bool present = true;
    if (field == "name") {
      actual = info.name;
    } else if (field == "parent") {
      actual = info.parent;
    } else if (field == "kind") {
      actual = std::string(KindName(info.kind));
    } else if (field.starts_with("labels.")) {
      ASSIGN_OR_RETURN(std::string key, unquote(field.substr(7)));
      auto it = info.labels.find(key);
      present = it != info.labels.end();
      if (present) actual = it->second;
    } else {
      return InvalidArgument("unknown filter field " + field);
    }
    bool equal = present && actual == value;
    if (neq ? equal : !equal) return false;
    if (j >= filter.size()) break;
  }
  return true;
}

}  // namespace cocoon::snapshotter
