// Test support: image::Source over a string and image::Sink into one (header only).
#pragma once

#include <algorithm>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "image/stream.h"

namespace cocoon::testutil {

class StringSource final : public image::Source {
 public:
  explicit StringSource(std::string s) : s_(std::move(s)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min(buf.size(), s_.size() - pos_);
    std::copy_n(s_.data() + pos_, n, buf.data());
    pos_ += n;
    return n;
  }

 private:
  std::string s_;
  size_t pos_ = 0;
};

// Collects what is written; `finished` records that the stream was declared complete.
class StringSink final : public image::Sink {
 public:
  Status Write(std::span<const uint8_t> d) override {
    out.append(AsString(d));
    return Ok();
  }
  Status Finish() override {
    finished = true;
    return Ok();
  }
  std::string out;
  bool finished = false;
};

}  // namespace cocoon::testutil
