// BuildSampleImage (see sample_image.h): tar written with libarchive, gzip-compressed, then the
// config, manifest and index as an OCI image layout.
#include "image/sample_image.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "base/file.h"
#include "base/json.h"
#include "image/digest.h"
#include "image/transport_ref.h"

namespace cocoon::image {
namespace {

namespace fs = std::filesystem;

constexpr char kHello[] = R"SH(#!/bin/sh
echo "Hello from a confidential container!"
echo "  kernel:   $(uname -r) ($(uname -m))"
echo "  hostname: $(hostname)"
echo "  this image was encrypted and signed on the host; the guest attested to the key broker,"
echo "  received the key, verified the signature, and decrypted and unpacked it itself."
)SH";

using ArchivePtr = std::unique_ptr<archive, int (*)(archive*)>;

Status AddEntry(archive* a, const std::string& name, mode_t type, mode_t perm,
                std::string_view data, const std::string& link = "") {
  std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                             archive_entry_free);
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), type);
  archive_entry_set_perm(e.get(), perm);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_mtime(e.get(), 1700000000, 0);
  if (!link.empty()) archive_entry_set_symlink(e.get(), link.c_str());
  archive_entry_set_size(e.get(), type == AE_IFREG ? static_cast<la_int64_t>(data.size()) : 0);
  if (archive_write_header(a, e.get()) != ARCHIVE_OK) {
    return Internal(std::string("sample image tar: ") + archive_error_string(a));
  }
  if (type == AE_IFREG && !data.empty() &&
      archive_write_data(a, data.data(), data.size()) != static_cast<la_ssize_t>(data.size())) {
    return Internal(std::string("sample image tar: ") + archive_error_string(a));
  }
  return Ok();
}

// The tar (uncompressed) and its gzip form.
Result<std::pair<std::string, std::string>> MakeLayer(const std::string& busybox_bytes) {
  std::pair<std::string, std::string> out;
  for (bool gzip : {false, true}) {
    ArchivePtr a(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(a.get());
    if (gzip) {
      archive_write_add_filter_gzip(a.get());
      archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);  // no mtime
    }
    archive_write_set_bytes_in_last_block(a.get(), 1);
    std::string& buf = gzip ? out.second : out.first;
    auto write_cb = [](archive*, void* ctx, const void* data, size_t n) -> la_ssize_t {
      static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), n);
      return static_cast<la_ssize_t>(n);
    };
    if (archive_write_open(a.get(), &buf, nullptr, write_cb, nullptr) != ARCHIVE_OK) {
      return Internal(std::string("sample image tar: ") + archive_error_string(a.get()));
    }
    TRY(AddEntry(a.get(), "bin", AE_IFDIR, 0755, ""));
    TRY(AddEntry(a.get(), "bin/busybox", AE_IFREG, 0755, busybox_bytes));
    for (const char* applet : {"sh", "echo", "uname", "hostname", "cat", "ls", "sleep"}) {
      TRY(AddEntry(a.get(), std::string("bin/") + applet, AE_IFLNK, 0777, "", "busybox"));
    }
    TRY(AddEntry(a.get(), "hello.sh", AE_IFREG, 0755, kHello));
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
      return Internal(std::string("sample image tar: ") + archive_error_string(a.get()));
    }
  }
  return out;
}

Result<std::string> PutBlob(const std::string& dir, const std::string& data) {
  Digest d = Digest::Of(AsBytes(data));
  std::ofstream f(dir + "/blobs/sha256/" + d.hex, std::ios::binary | std::ios::trunc);
  f << data;
  f.close();
  if (!f) return Internal("cannot write a blob into " + dir);
  return d.String();
}

}  // namespace

Result<std::string> BuildSampleImage(const std::string& dir, const std::string& tag,
                                     const std::string& busybox) {
  ASSIGN_OR_RETURN(std::string bb, base::ReadFile(busybox, "busybox", size_t{64} << 20));
  ASSIGN_OR_RETURN(auto layer, MakeLayer(bb));
  std::error_code ec;
  fs::create_directories(dir + "/blobs/sha256", ec);
  if (ec) return Internal("cannot create " + dir + ": " + ec.message());
  Digest diff_id = Digest::Of(AsBytes(layer.first));
  ASSIGN_OR_RETURN(std::string layer_digest, PutBlob(dir, layer.second));
  Json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"config", {{"Cmd", {"/bin/sh", "/hello.sh"}}, {"Env", {"PATH=/bin"}}}},
      {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id.String()}}}}};
  std::string config_text = config.dump();
  ASSIGN_OR_RETURN(std::string config_digest, PutBlob(dir, config_text));
  Json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config",
                    {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                     {"digest", config_digest},
                     {"size", config_text.size()}}},
                   {"layers",
                    {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                      {"digest", layer_digest},
                      {"size", layer.second.size()}}}}};
  std::string manifest_text = manifest.dump();
  ASSIGN_OR_RETURN(std::string manifest_digest, PutBlob(dir, manifest_text));
  Json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"digest", manifest_digest},
                   {"size", manifest_text.size()},
                   {"annotations", {{"org.opencontainers.image.ref.name", tag}}}}}}};
  std::ofstream(dir + "/index.json", std::ios::trunc) << index.dump();
  std::ofstream(dir + "/oci-layout", std::ios::trunc) << R"({"imageLayoutVersion":"1.0.0"})";
  return TransportRef::Oci({dir, tag}).String();
}

}  // namespace cocoon::image
