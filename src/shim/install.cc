// The node installer: files, containerd's config (edited in place from the operator's copy), the
// snapshotter's systemd unit, restarts. Every step names the path it failed on.
#include "shim/install.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "base/file.h"
#include "base/logging.h"
#include "base/subprocess.h"

namespace cocoon::shim {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCriPlugin = "io.containerd.grpc.v1.cri";
constexpr std::string_view kBackupSuffix = ".cocoon-orig";
constexpr std::string_view kStateFile = "install-state.json";
constexpr std::string_view kUnitName = "cocoon-snapshotter.service";

std::string OnHost(const InstallOptions& o, const std::string& path) {
  if (o.host_root.empty() || o.host_root == "/") return path;
  return (fs::path(o.host_root) / fs::path(path).relative_path()).string();
}

std::string ShimPath(const InstallOptions& o) {
  return (fs::path(o.prefix) / "bin" / "containerd-shim-cocoon-v2").string();
}

// A table under `parent[key]`, created when absent; InvalidArgument when `key` holds another type.
Result<toml::table*> SubTable(toml::table& parent, std::string_view key, std::string_view path) {
  if (toml::node* n = parent.get(key)) {
    if (auto* t = n->as_table()) return t;
    return InvalidArgument("containerd config: " + std::string(path) + " is not a table");
  }
  auto [it, inserted] = parent.insert(key, toml::table{});
  (void)inserted;
  return it->second.as_table();
}

Status WriteAtomically(const std::string& path, std::string_view bytes, fs::perms perms) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Internal("cannot create " + fs::path(path).parent_path().string() + ": " + ec.message());
  std::string tmp = path + ".cocoon-tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return Internal("cannot write " + tmp);
  }
  fs::permissions(tmp, perms, ec);
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Internal("cannot replace " + path + ": " + ec.message());
  }
  return Ok();
}

bool SameBytes(const std::string& a, const std::string& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  if (!fa || !fb) return false;
  std::error_code ec;
  if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec) return false;
  std::vector<char> ba(1 << 16), bb(1 << 16);
  while (fa && fb) {
    fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
    fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
    if (fa.gcount() != fb.gcount() ||
        !std::equal(ba.begin(), ba.begin() + fa.gcount(), bb.begin())) {
      return false;
    }
  }
  return true;
}

// Copies `from` to `to` (through a temporary and a rename, so a running shim keeps its inode);
// false when `to` already holds the same bytes.
Result<bool> InstallFile(const std::string& from, const std::string& to, fs::perms perms) {
  if (SameBytes(from, to)) return false;
  std::error_code ec;
  fs::create_directories(fs::path(to).parent_path(), ec);
  std::string tmp = to + ".cocoon-tmp";
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) return Internal("cannot copy " + from + " to " + tmp + ": " + ec.message());
  fs::permissions(tmp, perms, ec);
  fs::rename(tmp, to, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Internal("cannot replace " + to + ": " + ec.message());
  }
  return true;
}

std::string SnapshotterUnit(const InstallOptions& o) {
  std::string bin = (fs::path(o.prefix) / "bin" / "cocoon-snapshotter").string();
  return "# Written by `cocoon install --containerd`; removed by `cocoon uninstall --containerd`.\n"
         "[Unit]\n"
         "Description=cocoon snapshotter (containerd proxy plugin: images of cocoon pods are "
         "pulled in the guest)\n"
         "Before=containerd.service\n\n"
         "[Service]\n"
         "ExecStart=" +
         bin + " --root " + o.snapshotter_root + " --address " + o.snapshotter_socket +
         "\n"
         "Restart=always\n\n"
         "[Install]\n"
         "WantedBy=multi-user.target\n";
}

std::string DefaultShimConfig(const InstallOptions& o, bool with_guest) {
  std::string s =
      "# Written by `cocoon install --containerd` (keys: docs/config.md, containerd shim).\n"
      "[guest]\n";
  if (with_guest) {
    s += "dir = \"" + (fs::path(o.prefix) / "share" / "guest").string() + "\"\n";
  } else {
    s += "agent = \"" + (fs::path(o.prefix) / "bin" / "cocoon-agent").string() + "\"\n";
  }
  s += "\n[vm]\nmemory_mib = 1024\nvcpus = 1\n";
  return s;
}

// systemctl on the node: directly, or through the node's namespaces from the installer's pod.
Status Systemctl(const InstallOptions& o, std::vector<std::string> args) {
  std::vector<std::string> argv;
  if (!(o.host_root.empty() || o.host_root == "/")) {
    argv = {"nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--pid", "--"};
  }
  argv.push_back("systemctl");
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = base::RunCommand(argv, {.max_bytes = 1 << 20,
                                   .truncate = true,
                                   .merge_stderr = true,
                                   .spawn = {},
                                   .wait = {}});
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + a;
  if (!r) return std::unexpected(r.error().WithContext("`" + shown + "`"));
  if (r->exit_code != 0) {
    return Unavailable("`" + shown + "` exited " + std::to_string(r->exit_code) + ": " + r->out +
                       " (use --no-restart and restart containerd yourself where systemd is not "
                       "in charge of it)");
  }
  return Ok();
}

// What an earlier install recorded (an empty object when it left nothing); InvalidArgument when
// the file is not a JSON object.
Result<nlohmann::json> ReadInstallState(const std::string& path) {
  auto text = base::ReadFile(path, "install state", 1 << 20);
  if (!text) return nlohmann::json::object();
  nlohmann::json state = nlohmann::json::parse(*text, nullptr, false);
  if (state.is_discarded() || !state.is_object()) {
    return InvalidArgument("install state " + path + " is not a JSON object");
  }
  return state;
}

}  // namespace

const std::vector<std::string>& InstalledBinaries() {
  static const std::vector<std::string> k = {"cocoon", "containerd-shim-cocoon-v2",
                                             "cocoon-snapshotter", "cocoon-agent"};
  return k;
}

Result<std::string> ContainerdConfigWithCocoon(std::string_view original,
                                               const InstallOptions& o) {
  toml::table root;
  if (!original.empty()) {
    try {
      root = toml::parse(original, std::string_view("config.toml"));
    } catch (const toml::parse_error& e) {
      return InvalidArgument("containerd config: line " +
                             std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
    }
    auto version = root["version"].value<int64_t>();
    if (version.value_or(1) != 2) {
      return InvalidArgument(
          "containerd config: version " + std::to_string(version.value_or(1)) +
          " (a config without `version` is version 1); cocoon writes containerd 1.6/1.7's "
          "version 2 layout: add `version = 2` and rename the plugins (\"cri\" becomes "
          "\"io.containerd.grpc.v1.cri\")");
    }
  } else {
    root.insert("version", 2);
  }
  ASSIGN_OR_RETURN(auto* plugins, SubTable(root, "plugins", "plugins"));
  ASSIGN_OR_RETURN(auto* cri, SubTable(*plugins, kCriPlugin, "plugins.\"io.containerd.grpc.v1.cri\""));
  if (!o.sandbox_image.empty()) cri->insert_or_assign("sandbox_image", o.sandbox_image);
  ASSIGN_OR_RETURN(auto* ctd, SubTable(*cri, "containerd", "plugins.cri.containerd"));
  // containerd 1.6 has one snapshotter for every pull (1.7's per-runtime one needs a pod
  // annotation at PullImage): the node's CRI pulls through cocoon's.
  ctd->insert_or_assign("snapshotter", "cocoon");
  ctd->insert_or_assign("disable_snapshot_annotations", false);
  ctd->insert_or_assign("discard_unpacked_layers", false);
  ASSIGN_OR_RETURN(auto* runtimes, SubTable(*ctd, "runtimes", "plugins.cri.containerd.runtimes"));
  // Declaring any runtime replaces containerd's default map: runc is restated.
  std::string default_runtime = ctd->get("default_runtime_name")
                                    ? ctd->get("default_runtime_name")->value_or<std::string>("runc")
                                    : "runc";
  if (default_runtime == "runc" && !runtimes->contains("runc")) {
    runtimes->insert("runc", toml::table{{"runtime_type", "io.containerd.runc.v2"}});
  }
  toml::table cocoon{
      {"runtime_type", "io.containerd.cocoon.v2"},
      {"runtime_path", ShimPath(o)},
      // Pod annotations the shim reads: the initdata (CoCo's and cocoon's) and the image name.
      {"pod_annotations",
       toml::array{"io.katacontainers.config.hypervisor.cc_init_data", "io.cocoon.*"}},
      {"container_annotations", toml::array{"io.cocoon.*"}},
      // A privileged pod would otherwise get every host device node in its spec.
      {"privileged_without_host_devices", true},
      {"options", toml::table{{"ConfigPath", o.shim_config}}},
  };
  runtimes->insert_or_assign("cocoon", std::move(cocoon));
  ASSIGN_OR_RETURN(auto* proxies, SubTable(root, "proxy_plugins", "proxy_plugins"));
  proxies->insert_or_assign(
      "cocoon", toml::table{{"type", "snapshot"}, {"address", o.snapshotter_socket}});

  std::ostringstream out;
  out << "# Written by `cocoon install --containerd` from " << o.containerd_config << kBackupSuffix
      << "\n# (the operator's file, put back by `cocoon uninstall --containerd`).\n"
      << root << "\n";
  return out.str();
}

Result<InstallReport> InstallContainerd(const InstallOptions& o) {
  InstallReport report;
  if (o.source_dir.empty()) return InvalidArgument("no directory with the binaries to install");
  for (const auto& b : InstalledBinaries()) {
    if (!fs::is_regular_file(fs::path(o.source_dir) / b)) {
      return NotFound("binary to install: " + (fs::path(o.source_dir) / b).string() +
                      " does not exist");
    }
  }
  if (!o.guest_dir.empty() && !fs::is_directory(o.guest_dir)) {
    return NotFound("guest image directory " + o.guest_dir + " does not exist");
  }
  std::error_code ec;
  const std::string config = OnHost(o, o.containerd_config);
  const std::string backup = config + std::string(kBackupSuffix);
  const std::string state_path = OnHost(o, (fs::path(o.prefix) / kStateFile).string());
  ASSIGN_OR_RETURN(nlohmann::json state, ReadInstallState(state_path));
  // The operator's config: the kept copy once cocoon has edited the file.
  bool config_existed = fs::exists(config);
  std::string original;
  if (fs::exists(backup)) {
    ASSIGN_OR_RETURN(original, base::ReadFile(backup, "containerd config backup"));
  } else if (state.value("config_existed", true) && config_existed) {
    ASSIGN_OR_RETURN(original, base::ReadFile(config, "containerd config"));
  }
  auto rewritten = ContainerdConfigWithCocoon(original, o);
  if (!rewritten) return std::unexpected(rewritten.error().WithContext(config));

  // Refused before anything is written: a file in the way of the shim's link.
  if (std::string link = OnHost(o, o.shim_link); !fs::is_symlink(link) && fs::exists(link)) {
    return FailedPrecondition(link + " exists and is not cocoon's link to " + ShimPath(o) +
                              "; move it away first");
  }

  const fs::perms exe = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec;
  const fs::perms file = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                         fs::perms::others_read;
  for (const auto& b : InstalledBinaries()) {
    std::string to = OnHost(o, (fs::path(o.prefix) / "bin" / b).string());
    ASSIGN_OR_RETURN(bool changed, InstallFile((fs::path(o.source_dir) / b).string(), to, exe));
    if (changed) report.changed.push_back("installed " + to);
  }
  if (!o.guest_dir.empty()) {
    std::string to = OnHost(o, (fs::path(o.prefix) / "share" / "guest").string());
    for (const auto& e : fs::directory_iterator(o.guest_dir)) {
      if (!e.is_regular_file()) continue;
      ASSIGN_OR_RETURN(bool changed,
                       InstallFile(e.path().string(), (fs::path(to) / e.path().filename()).string(),
                                   file));
      if (changed) report.changed.push_back("installed " + (fs::path(to) / e.path().filename()).string());
    }
  }
  // containerd 1.6.20 resolves a CRI sandbox's shim on its PATH, whatever runtime_path says.
  {
    std::string link = OnHost(o, o.shim_link);
    if (fs::is_symlink(link)) {
      if (fs::read_symlink(link) != ShimPath(o)) fs::remove(link, ec);
    }
    if (!fs::is_symlink(link)) {
      fs::create_directories(fs::path(link).parent_path(), ec);
      fs::create_symlink(ShimPath(o), link, ec);
      if (ec) return Internal("cannot link " + link + ": " + ec.message());
      report.changed.push_back("linked " + link + " -> " + ShimPath(o));
    }
  }
  std::string shim_config = OnHost(o, o.shim_config);
  if (!fs::exists(shim_config)) {
    TRY(WriteAtomically(shim_config, DefaultShimConfig(o, !o.guest_dir.empty()), file));
    state["wrote_shim_config"] = true;
    report.changed.push_back("wrote " + shim_config);
  }
  std::string unit = OnHost(o, (fs::path(o.systemd_dir) / kUnitName).string());
  if (base::ReadFile(unit, "unit").value_or("") != SnapshotterUnit(o)) {
    TRY(WriteAtomically(unit, SnapshotterUnit(o), file));
    report.changed.push_back("wrote " + unit);
  }
  if (!fs::exists(backup)) {
    if (config_existed) {
      fs::copy_file(config, backup, ec);
      if (ec) return Internal("cannot keep " + config + " as " + backup + ": " + ec.message());
      report.changed.push_back("kept the operator's config as " + backup);
    }
    if (!state.contains("config_existed")) state["config_existed"] = config_existed;
  }
  if (base::ReadFile(config, "containerd config").value_or("") != *rewritten) {
    TRY(WriteAtomically(config, *rewritten, file));
    report.changed.push_back("wrote " + config + " (runtime handler `cocoon`, snapshotter cocoon)");
  }
  state["prefix"] = o.prefix;
  state["shim_link"] = o.shim_link;
  TRY(WriteAtomically(state_path, state.dump(2) + "\n", file));
  if (o.restart) {
    // The proxy snapshotter must answer before containerd starts using it.
    TRY(Systemctl(o, {"daemon-reload"}));
    TRY(Systemctl(o, {"enable", "--now", std::string(kUnitName)}));
    TRY(Systemctl(o, {"restart", "containerd"}));
    report.changed.push_back("restarted containerd");
  }
  return report;
}

Result<InstallReport> UninstallContainerd(const InstallOptions& o) {
  InstallReport report;
  std::error_code ec;
  const std::string config = OnHost(o, o.containerd_config);
  const std::string backup = config + std::string(kBackupSuffix);
  const std::string state_path = OnHost(o, (fs::path(o.prefix) / kStateFile).string());
  // A damaged state file does not stop an uninstall: it then removes what it finds.
  nlohmann::json state = ReadInstallState(state_path).value_or(nlohmann::json::object());
  if (fs::exists(backup)) {
    fs::rename(backup, config, ec);
    if (ec) return Internal("cannot restore " + config + " from " + backup + ": " + ec.message());
    report.changed.push_back("restored " + config);
  } else if (!state.value("config_existed", true) && fs::exists(config)) {
    fs::remove(config, ec);
    report.changed.push_back("removed " + config + " (there was none before the install)");
  }
  std::string unit = OnHost(o, (fs::path(o.systemd_dir) / kUnitName).string());
  if (o.restart && fs::exists(unit)) TRY(Systemctl(o, {"disable", "--now", std::string(kUnitName)}));
  if (fs::remove(unit, ec)) report.changed.push_back("removed " + unit);
  std::string link = OnHost(o, o.shim_link);
  if (fs::is_symlink(link) && fs::read_symlink(link) == ShimPath(o)) {
    fs::remove(link, ec);
    report.changed.push_back("removed " + link);
  }
  if (state.value("wrote_shim_config", false)) {
    std::string shim_config = OnHost(o, o.shim_config);
    if (fs::remove(shim_config, ec)) report.changed.push_back("removed " + shim_config);
    fs::remove(fs::path(shim_config).parent_path(), ec);  // only when empty
  }
  for (const auto& b : InstalledBinaries()) {
    std::string p = OnHost(o, (fs::path(o.prefix) / "bin" / b).string());
    if (fs::remove(p, ec)) report.changed.push_back("removed " + p);
  }
  std::string guest = OnHost(o, (fs::path(o.prefix) / "share" / "guest").string());
  if (fs::exists(guest) && fs::remove_all(guest, ec) > 0) report.changed.push_back("removed " + guest);
  // The snapshotter's records describe snapshots only it can serve.
  if (!state.empty()) {
    std::string snap = OnHost(o, o.snapshotter_root);
    if (fs::exists(snap) && fs::remove_all(snap, ec) > 0) report.changed.push_back("removed " + snap);
  }
  fs::remove(state_path, ec);
  for (const char* sub : {"bin", "share", ""}) {
    fs::remove(OnHost(o, (fs::path(o.prefix) / sub).string()), ec);  // only when empty
  }
  if (o.restart) {
    TRY(Systemctl(o, {"daemon-reload"}));
    TRY(Systemctl(o, {"restart", "containerd"}));
    report.changed.push_back("restarted containerd");
  }
  return report;
}

}  // namespace cocoon::shim
