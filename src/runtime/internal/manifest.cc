// manifest.json writer (see manifest.h).
#include "runtime/internal/manifest.h"

#include <filesystem>

#include "base/json.h"

namespace cocoon::runtime::internal {
namespace {

OrderedJson Output(const OutputFile& f) {
  OrderedJson j;
  j["file"] = std::filesystem::path(f.path).filename().string();
  j["size"] = f.size;
  j["sha256"] = f.sha256;
  j["sha384"] = f.sha384;
  return j;
}

}  // namespace

std::string ManifestJson(const GuestImage& image, const std::vector<ManifestFile>& files,
                         uint32_t mtime) {
  OrderedJson j;
  j["kernel_version"] = image.kernel_version;
  j["kernel"] = Output(image.kernel);
  j["vmlinux"] = Output(image.vmlinux);
  j["initramfs"] = Output(image.initramfs);
  OrderedJson pkgs = OrderedJson::array();
  for (const PackageRecord& p : image.packages) {
    pkgs.push_back(OrderedJson{{"name", p.name}, {"version", p.version}, {"origin", p.origin}});
  }
  j["packages"] = pkgs;
  j["modules"] = image.modules;
  j["builtin_modules"] = image.builtin_modules;
  OrderedJson fs = OrderedJson::array();
  for (const ManifestFile& f : files) {
    fs.push_back(OrderedJson{{"path", f.dest}, {"source", f.source}, {"sha256", f.sha256}});
  }
  j["files"] = fs;
  j["init"] = files.empty() || files.front().dest != "/init" ? "smoke-init" : "agent";
  j["source_date_epoch"] = mtime;
  return j.dump(2) + "\n";
}

}  // namespace cocoon::runtime::internal
