// Bounded blob pipe (ring buffer under a mutex) and unlinked temp files.
#include "image/internal/blob_pipe.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace cocoon::image::internal {

BlobPipe::BlobPipe(size_t capacity) : ring_(std::max<size_t>(capacity, 4096)) {
  sink_.p = this;
  source_.p = this;
}

void BlobPipe::CloseWrite(const Status& st) {
  std::lock_guard lock(mu_);
  if (!st && !error_ && !eof_) error_ = st.error();
  eof_ = true;
  changed_.notify_all();
}

void BlobPipe::CloseRead() {
  std::lock_guard lock(mu_);
  reader_closed_ = true;
  changed_.notify_all();
}

Status BlobPipe::Write(std::span<const uint8_t> data) {
  std::unique_lock lock(mu_);
  while (!data.empty()) {
    changed_.wait(lock, [&] { return reader_closed_ || size_ < ring_.size(); });
    if (reader_closed_) return FailedPrecondition("blob consumer stopped reading");
    size_t tail = (head_ + size_) % ring_.size();
    size_t n = std::min({data.size(), ring_.size() - size_, ring_.size() - tail});
    std::memcpy(ring_.data() + tail, data.data(), n);
    size_ += n;
    data = data.subspan(n);
    changed_.notify_all();
  }
  return Ok();
}

Result<size_t> BlobPipe::Read(std::span<uint8_t> buffer) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return size_ > 0 || eof_ || buffer.empty(); });
  if (size_ == 0) {
    if (error_) return std::unexpected(*error_);
    return size_t{0};
  }
  size_t n = std::min({buffer.size(), size_, ring_.size() - head_});
  std::memcpy(buffer.data(), ring_.data() + head_, n);
  head_ = (head_ + n) % ring_.size();
  size_ -= n;
  changed_.notify_all();
  return n;
}

Result<std::unique_ptr<TempBlobFile>> TempBlobFile::Create(const std::string& dir) {
  std::string path = dir + "/cocoon-blob-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return Internal("creating a temp file in " + dir + ": " + std::strerror(errno));
  ::unlink(path.c_str());
  return std::unique_ptr<TempBlobFile>(new TempBlobFile(fd, dir));
}

TempBlobFile::~TempBlobFile() { ::close(fd_); }

Status TempBlobFile::Write(std::span<const uint8_t> data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("writing a temp file in " + dir_ + ": " + std::strerror(errno));
    data = data.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

Status TempBlobFile::Rewind() {
  if (::lseek(fd_, 0, SEEK_SET) != 0) return Internal("rewinding a temp file in " + dir_);
  return Ok();
}

Result<size_t> TempBlobFile::Read(std::span<uint8_t> buffer) {
  while (true) {
    ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Internal("reading a temp file in " + dir_ + ": " + std::strerror(errno));
    return static_cast<size_t>(n);
  }
}

}  // namespace cocoon::image::internal
