// POSIX file helpers for the oci: transport.
#include "image/internal/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "image/digest.h"

namespace cocoon::image::internal {
namespace {

constexpr size_t kChunk = 256 * 1024;

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

// A Sink writing to a file descriptor.
class FdSink final : public Sink {
 public:
  FdSink(int fd, const std::string& path) : fd_(fd), path_(path) {}
  Status Write(std::span<const uint8_t> data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Internal(Errno("writing", path_));
      data = data.subspan(static_cast<size_t>(n));
    }
    return Ok();
  }
  Status Finish() override {
    if (::fsync(fd_) != 0) return Internal(Errno("fsync", path_));
    return Ok();
  }

 private:
  int fd_;
  const std::string& path_;
};

// Runs `fill` against a fresh temp file next to `path`; renames it into place on success.
template <typename Fill>
Status Atomic(const std::string& path, Fill fill) {
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Internal(Errno("creating temp file for", path));
  ::fchmod(fd, 0644);
  FdSink sink(fd, tmp);
  Status st = fill(sink);
  if (::close(fd) != 0 && st) st = Internal(Errno("closing", tmp));
  if (st && ::rename(tmp.c_str(), path.c_str()) != 0) st = Internal(Errno("renaming to", path));
  if (!st) ::unlink(tmp.c_str());
  return st;
}

}  // namespace

Result<FileSource> FileSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("blob file " + path + " does not exist");
    return Internal(Errno("opening", path));
  }
  return FileSource(fd, path);
}

FileSource::FileSource(FileSource&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> FileSource::Read(std::span<uint8_t> buffer) {
  while (true) {
    ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(Errno("reading", path_));
    return static_cast<size_t>(n);
  }
}

Status FileSource::CopyTo(Sink& sink) {
  std::vector<uint8_t> buf(kChunk);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, Read(buf));
    if (n == 0) return Ok();
    TRY(sink.Write({buf.data(), n}));
  }
}

Status WriteFileAtomic(const std::string& path, ByteSpan bytes) {
  return Atomic(path, [&](Sink& sink) -> Status {
    TRY(sink.Write(bytes));
    return sink.Finish();
  });
}

Status WriteStreamAtomic(const std::string& path, Source& source, const Descriptor& d) {
  return Atomic(path, [&](Sink& sink) -> Status {
    DigestingSink check(d.digest, d.size, &sink);
    std::vector<uint8_t> buf(kChunk);
    while (true) {
      ASSIGN_OR_RETURN(size_t n, source.Read(buf));
      if (n == 0) break;
      TRY(check.Write({buf.data(), n}));
    }
    return check.Finish();
  });
}

}  // namespace cocoon::image::internal
