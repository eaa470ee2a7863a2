// Fuzz target: tar bytes → UnpackLayer into a fresh temp root (beside an "outside" sentinel
// directory that must stay empty), and the same bytes through the gzip and zstd decoders whose
// output, when it decodes, is unpacked too. Limits are small so inputs stay cheap.
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

#include "base/bytes.h"
#include "image/layer/decompress.h"
#include "image/layer/unpack.h"
#include "image/manifest.h"

namespace {

using namespace cocoon;         // NOLINT
using namespace cocoon::image;  // NOLINT

class SpanSource final : public Source {
 public:
  explicit SpanSource(std::span<const uint8_t> d) : d_(d) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min({buf.size(), d_.size(), size_t{509}});  // odd chunks
    std::memcpy(buf.data(), d_.data(), n);
    d_ = d_.subspan(n);
    return n;
  }

 private:
  std::span<const uint8_t> d_;
};

class StringSink final : public Sink {
 public:
  Status Write(std::span<const uint8_t> d) override {
    out.append(reinterpret_cast<const char*>(d.data()), d.size());
    return Ok();
  }
  Status Finish() override { return Ok(); }
  std::string out;
};

void UnpackInTempDir(std::span<const uint8_t> tar) {
  // tmpfs when available: thousands of tiny trees are created and removed.
  std::error_code ec;
  std::filesystem::path tmp = std::filesystem::is_directory("/dev/shm", ec)
                                  ? std::filesystem::path("/dev/shm")
                                  : std::filesystem::temp_directory_path();
  std::string base = (tmp / "tar-fuzz-XXXXXX").string();
  if (mkdtemp(base.data()) == nullptr) return;
  std::filesystem::path dir(base);
  std::filesystem::create_directory(dir / "root", ec);
  std::filesystem::create_directory(dir / "outside", ec);
  int fd = open((dir / "root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    UnpackOptions o;
    o.max_entries = 1000;
    SpanSource src(tar);
    (void)UnpackLayer(src, fd, o);
    close(fd);
  }
  bool escaped = !std::filesystem::is_empty(dir / "outside", ec) ||
                 std::distance(std::filesystem::directory_iterator(dir, ec),
                               std::filesystem::directory_iterator{}) != 2;
  std::filesystem::remove_all(dir, ec);
  if (escaped) __builtin_trap();  // something was written outside the root
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  UnpackInTempDir(in);
  for (Compression c : {Compression::kGzip, Compression::kZstd}) {
    StringSink plain;
    DecompressLimits limits;
    limits.max_output_bytes = 8 << 20;
    limits.zstd_window_log_max = 20;
    DecompressingSink sink(c, &plain, limits);
    if (sink.Write(in) && sink.Finish()) UnpackInTempDir(AsBytes(plain.out));
  }
  (void)ClassifyLayer(AsString(in));
  return 0;
}
