// Runtime bundle config from an image config (umoci unpack / crun spec defaults). The image
// config and the rootfs's user database are untrusted; every field is type-checked.
#include "image/bundle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/limits.h"
#include "image/internal/beneath.h"

namespace cocoon::image {
namespace {

constexpr std::string_view kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::optional<uint32_t> ParseId(std::string_view s) {
  uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

// Contents of etc/<name> beneath the rootfs; empty when absent.
Result<std::string> ReadRootfsFile(int rootfs_dirfd, std::string_view rel) {
  if (rootfs_dirfd < 0) return std::string();
  auto fd = internal::OpenBeneath(rootfs_dirfd, rel, O_RDONLY);
  if (!fd) {
    if (fd.error() == ENOENT) return std::string();
    if (fd.error() == EXDEV || fd.error() == ELOOP) {
      return PermissionDenied("rootfs " + std::string(rel) + " resolves outside the rootfs");
    }
    return Internal("opening rootfs " + std::string(rel) + ": " + std::strerror(fd.error()));
  }
  struct stat st;
  if (fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return InvalidArgument("rootfs " + std::string(rel) + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > limits::kRootfsPasswdMaxBytes) {
    return ResourceExhausted("rootfs " + std::string(rel) +
                             " is larger than the limit kRootfsPasswdMaxBytes");
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = read(fd->get(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

struct PasswdEntry {
  std::string name;
  uint32_t uid, gid;
  std::string home;
};
struct GroupEntry {
  std::string name;
  uint32_t gid;
  std::vector<std::string> members;
};

std::vector<PasswdEntry> ParsePasswd(std::string_view text) {
  std::vector<PasswdEntry> out;
  for (std::string_view line : Split(text, '\n')) {
    auto f = Split(line, ':');
    if (f.size() < 7 || f[0].empty()) continue;
    auto uid = ParseId(f[2]), gid = ParseId(f[3]);
    if (!uid || !gid) continue;
    out.push_back({std::string(f[0]), *uid, *gid, std::string(f[5])});
  }
  return out;
}

std::vector<GroupEntry> ParseGroup(std::string_view text) {
  std::vector<GroupEntry> out;
  for (std::string_view line : Split(text, '\n')) {
    auto f = Split(line, ':');
    if (f.size() < 4 || f[0].empty()) continue;
    auto gid = ParseId(f[2]);
    if (!gid) continue;
    GroupEntry g{std::string(f[0]), *gid, {}};
    for (std::string_view m : Split(f[3], ',')) {
      if (!m.empty()) g.members.emplace_back(m);
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace

Result<ExecUser> ResolveUser(std::string_view user, int rootfs_dirfd) {
  size_t colon = user.find(':');
  std::string_view user_part = user.substr(0, colon);
  std::string_view group_part = colon == std::string_view::npos ? "" : user.substr(colon + 1);
  if (colon != std::string_view::npos && (user_part.empty() || group_part.empty())) {
    return InvalidArgument("image user '" + std::string(user) + "' is malformed");
  }
  ASSIGN_OR_RETURN(std::string passwd_text, ReadRootfsFile(rootfs_dirfd, "etc/passwd"));
  ASSIGN_OR_RETURN(std::string group_text, ReadRootfsFile(rootfs_dirfd, "etc/group"));
  auto passwd = ParsePasswd(passwd_text);
  auto groups = ParseGroup(group_text);
  ExecUser out;
  std::string name;
  auto uid = ParseId(user_part);
  auto it = std::find_if(passwd.begin(), passwd.end(), [&](const PasswdEntry& p) {
    return uid ? p.uid == *uid : p.name == user_part;
  });
  if (user_part.empty())
    it = std::find_if(passwd.begin(), passwd.end(), [](const auto& p) { return p.uid == 0; });
  if (it != passwd.end()) {
    out.uid = it->uid;
    out.gid = it->gid;
    out.home = it->home.empty() ? "/" : it->home;
    name = it->name;
  } else if (uid) {
    out.uid = *uid;
  } else if (!user_part.empty()) {
    return NotFound("image user '" + std::string(user_part) + "' is not in the rootfs etc/passwd");
  }
  if (!group_part.empty()) {
    auto gid = ParseId(group_part);
    auto g = std::find_if(groups.begin(), groups.end(), [&](const GroupEntry& e) {
      return gid ? e.gid == *gid : e.name == group_part;
    });
    if (g != groups.end()) {
      out.gid = g->gid;
    } else if (gid) {
      out.gid = *gid;
    } else {
      return NotFound("image group '" + std::string(group_part) +
                      "' is not in the rootfs etc/group");
    }
  } else if (!name.empty()) {
    for (const GroupEntry& g : groups) {
      if (std::find(g.members.begin(), g.members.end(), name) != g.members.end()) {
        out.additional_gids.push_back(g.gid);
      }
    }
  }
  return out;
}

namespace {

Result<std::vector<std::string>> StringList(const Json& config, const char* key) {
  std::vector<std::string> out;
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return out;
  if (!it->is_array())
    return InvalidArgument(std::string("image config ") + key + " is not a list");
  for (const Json& v : *it) {
    if (!v.is_string()) {
      return InvalidArgument(std::string("image config ") + key + " has a non-string element");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::string> StringField(const Json& obj, const char* key, std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return InvalidArgument(std::string(what) + key + " is not a string");
  return it->get<std::string>();
}

void SetEnv(std::vector<std::string>& env, const std::string& kv) {
  std::string key = kv.substr(0, kv.find('='));
  for (std::string& e : env) {
    if (e.substr(0, e.find('=')) == key) {
      e = kv;
      return;
    }
  }
  env.push_back(kv);
}

Json Mount(const char* dst, const char* type, const char* src, std::vector<std::string> opts) {
  Json m = {{"destination", dst}, {"type", type}, {"source", src}};
  if (!opts.empty()) m["options"] = opts;
  return m;
}

Json DefaultMounts() {
  return Json::array({
      Mount("/proc", "proc", "proc", {}),
      Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      Mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      Mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
      Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      Mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
  });
}

Json LinuxSection() {
  Json ns = Json::array();
  for (const char* t : {"pid", "network", "ipc", "uts", "mount"}) ns.push_back({{"type", t}});
  return {
      {"resources", {{"devices", Json::array({{{"allow", false}, {"access", "rwm"}}})}}},
      {"namespaces", ns},
      {"maskedPaths",
       {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
        "/proc/scsi"}},
      {"readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}},
  };
}

Json Capabilities() {
  Json caps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  return {{"bounding", caps},
          {"effective", caps},
          {"inheritable", Json::array()},
          {"permitted", caps},
          {"ambient", caps}};
}

// Image-spec conversion: Labels become annotations; a few config fields map to
// org.opencontainers.image.* keys (Labels win on conflict, as in umoci).
Result<Json> Annotations(const Json& image, const Json& config) {
  Json ann = Json::object();
  for (const char* key : {"architecture", "os", "author", "created"}) {
    ASSIGN_OR_RETURN(std::string v, StringField(image, key, "image "));
    if (!v.empty()) ann[std::string("org.opencontainers.image.") + key] = v;
  }
  ASSIGN_OR_RETURN(std::string stop, StringField(config, "StopSignal", "image config "));
  if (!stop.empty()) ann["org.opencontainers.image.stopSignal"] = stop;
  if (auto ports = config.find("ExposedPorts"); ports != config.end() && ports->is_object()) {
    std::string joined;
    for (const auto& [port, unused] : ports->items()) joined += (joined.empty() ? "" : ",") + port;
    if (!joined.empty()) ann["org.opencontainers.image.exposedPorts"] = joined;
  }
  if (auto labels = config.find("Labels"); labels != config.end() && !labels->is_null()) {
    if (!labels->is_object()) return InvalidArgument("image config Labels is not an object");
    for (const auto& [k, v] : labels->items()) {
      if (!v.is_string()) return InvalidArgument("image config label '" + k + "' not a string");
      ann[k] = v;
    }
  }
  return ann;
}

Result<Json> VolumeMounts(const Json& config) {
  Json out = Json::array();
  auto vols = config.find("Volumes");
  if (vols == config.end() || vols->is_null()) return out;
  if (!vols->is_object()) return InvalidArgument("image config Volumes is not an object");
  for (const auto& [path, unused] : vols->items()) {
    if (path.empty() || path[0] != '/') {
      return InvalidArgument("image config volume '" + path + "' is not absolute");
    }
    Json m = Mount("", "tmpfs", "none", {"rw", "nosuid", "nodev", "noexec", "relatime"});
    m["destination"] = path;
    out.push_back(m);
  }
  return out;
}

}  // namespace

Result<Json> RuntimeConfigFromImageConfig(const Json& image, const BundleOptions& options) {
  if (!image.is_object()) return InvalidArgument("image config is not a JSON object");
  ASSIGN_OR_RETURN(std::string os, StringField(image, "os", "image "));
  if (!os.empty() && os != "linux") return InvalidArgument("image os '" + os + "' is not linux");
  static const Json kEmpty = Json::object();
  const Json* config = &kEmpty;
  if (auto it = image.find("config"); it != image.end() && !it->is_null()) {
    if (!it->is_object()) return InvalidArgument("image config.config is not an object");
    config = &*it;
  }
  ASSIGN_OR_RETURN(std::vector<std::string> args, StringList(*config, "Entrypoint"));
  ASSIGN_OR_RETURN(std::vector<std::string> cmd, StringList(*config, "Cmd"));
  if (options.args) cmd = *options.args;
  args.insert(args.end(), cmd.begin(), cmd.end());
  ASSIGN_OR_RETURN(std::vector<std::string> image_env, StringList(*config, "Env"));
  ASSIGN_OR_RETURN(std::string cwd, StringField(*config, "WorkingDir", "image config "));
  ASSIGN_OR_RETURN(std::string user_spec, StringField(*config, "User", "image config "));
  ASSIGN_OR_RETURN(ExecUser user, ResolveUser(user_spec, options.rootfs_dirfd));

  std::vector<std::string> env = {std::string(kDefaultPath), "TERM=xterm"};
  for (const std::string& kv : image_env) SetEnv(env, kv);
  if (std::none_of(env.begin(), env.end(), [](const auto& e) { return e.starts_with("HOME="); })) {
    env.push_back("HOME=" + user.home);
  }
  Json juser = {{"uid", user.uid}, {"gid", user.gid}};
  if (!user.additional_gids.empty()) juser["additionalGids"] = user.additional_gids;
  Json process = {
      {"terminal", options.terminal},
      {"user", juser},
      {"args", args},
      {"env", env},
      {"cwd", cwd.empty() ? "/" : cwd},
      {"capabilities", Capabilities()},
      {"rlimits", Json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
      {"noNewPrivileges", true},
  };
  Json mounts = DefaultMounts();
  ASSIGN_OR_RETURN(Json volumes, VolumeMounts(*config));
  for (const Json& v : volumes) mounts.push_back(v);
  ASSIGN_OR_RETURN(Json annotations, Annotations(image, *config));
  Json spec = {
      {"ociVersion", "1.0.0"},
      {"process", process},
      {"root", {{"path", options.rootfs_path}}},
      {"hostname", options.hostname},
      {"mounts", mounts},
      {"linux", LinuxSection()},
  };
  if (!annotations.empty()) spec["annotations"] = annotations;
  return spec;
}

Status WriteBundle(const std::string& dir, const Json& config) {
  std::string path = dir + "/config.json";
  std::string tmp = path + ".tmp";
  std::string text = config.dump(1, '\t', false, Json::error_handler_t::replace) + "\n";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Internal("creating '" + tmp + "': " + std::strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      close(fd);
      unlink(tmp.c_str());
      return Internal("writing '" + tmp + "': " + std::strerror(err));
    }
    off += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Internal("writing '" + path + "': " + std::strerror(err));
  }
  return Ok();
}

}  // namespace cocoon::image
