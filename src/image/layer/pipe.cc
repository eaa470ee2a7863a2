// Bounded ring-buffer pipe between two threads; see pipe.h. Trusts nothing about the bytes.
#include "image/layer/pipe.h"

#include <algorithm>
#include <cstring>

namespace cocoon::image {

Pipe::Pipe(size_t capacity) : ring_(std::max<size_t>(capacity, 1)) {}

void Pipe::Abort(Error error) {
  {
    std::lock_guard lock(mu_);
    if (!aborted_) aborted_ = std::move(error);
  }
  can_read_.notify_all();
  can_write_.notify_all();
}

Status Pipe::Put(std::span<const uint8_t> data) {
  while (!data.empty()) {
    std::unique_lock lock(mu_);
    can_write_.wait(lock, [&] { return aborted_ || finished_ || size_ < ring_.size(); });
    if (aborted_) return std::unexpected(*aborted_);
    if (finished_) return FailedPrecondition("pipe: write after finish");
    size_t tail = (head_ + size_) % ring_.size();
    size_t n = std::min({data.size(), ring_.size() - size_, ring_.size() - tail});
    std::memcpy(ring_.data() + tail, data.data(), n);
    size_ += n;
    data = data.subspan(n);
    lock.unlock();
    can_read_.notify_one();
  }
  std::lock_guard lock(mu_);
  if (aborted_) return std::unexpected(*aborted_);
  return Ok();
}

Status Pipe::Close() {
  {
    std::lock_guard lock(mu_);
    if (aborted_) return std::unexpected(*aborted_);
    finished_ = true;
  }
  can_read_.notify_all();
  return Ok();
}

Result<size_t> Pipe::Take(std::span<uint8_t> buffer) {
  if (buffer.empty()) return size_t{0};
  std::unique_lock lock(mu_);
  can_read_.wait(lock, [&] { return aborted_ || finished_ || size_ > 0; });
  if (aborted_) return std::unexpected(*aborted_);
  if (size_ == 0) return size_t{0};  // finished and drained
  size_t n = std::min({buffer.size(), size_, ring_.size() - head_});
  std::memcpy(buffer.data(), ring_.data() + head_, n);
  head_ = (head_ + n) % ring_.size();
  size_ -= n;
  lock.unlock();
  can_write_.notify_one();
  return n;
}

}  // namespace cocoon::image
