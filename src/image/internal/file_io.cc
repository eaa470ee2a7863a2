// POSIX file helpers for the oci: transport and the content store.
#include "image/internal/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace cocoon::image::internal {
namespace {

constexpr size_t kChunk = 256 * 1024;

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
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

Status CopySource(Source& from, Sink& to) {
  std::vector<uint8_t> buf(kChunk);
  while (true) {
    ASSIGN_OR_RETURN(size_t n, from.Read(buf));
    if (n == 0) return Ok();
    TRY(to.Write({buf.data(), n}));
  }
}

Result<std::unique_ptr<AtomicFileSink>> AtomicFileSink::Create(const std::string& path) {
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Internal(Errno("creating temp file for", path));
  ::fchmod(fd, 0644);
  return std::unique_ptr<AtomicFileSink>(new AtomicFileSink(fd, path, std::move(tmp)));
}

AtomicFileSink::~AtomicFileSink() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

Status AtomicFileSink::Write(std::span<const uint8_t> data) {
  if (fd_ < 0) return FailedPrecondition("write to " + tmp_ + " after it was finished");
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal(Errno("writing", tmp_));
    data = data.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

Status AtomicFileSink::Finish() {
  if (fd_ < 0) return FailedPrecondition(tmp_ + " was already finished");
  if (::fsync(fd_) != 0) return Internal(Errno("fsync", tmp_));
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return Internal(Errno("closing", tmp_));
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) return Internal(Errno("renaming to", path_));
  committed_ = true;
  return Ok();
}

Status WriteFileAtomic(const std::string& path, ByteSpan bytes) {
  ASSIGN_OR_RETURN(auto file, AtomicFileSink::Create(path));
  TRY(file->Write(bytes));
  return file->Finish();
}

}  // namespace cocoon::image::internal
