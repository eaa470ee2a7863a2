// Unlinked temp files for transformed blobs.
#include "image/internal/temp_blob_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace cocoon::image::internal {

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
