// ttrpc frame codec and status-code mapping. Input frames are untrusted (see ttrpc.h).
#include "net/ttrpc.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/byte_reader.h"

namespace cocoon::net::ttrpc {

Result<FrameHeader> ParseFrameHeader(ByteSpan header) {
  base::ByteReader r(header);
  FrameHeader h;
  ASSIGN_OR_RETURN(h.length, r.U32Be("ttrpc frame length"));
  ASSIGN_OR_RETURN(h.stream_id, r.U32Be("ttrpc stream id"));
  ASSIGN_OR_RETURN(h.type, r.U8("ttrpc frame type"));
  ASSIGN_OR_RETURN(h.flags, r.U8("ttrpc frame flags"));
  return h;
}

std::string EncodeFrame(uint32_t stream_id, uint8_t type, uint8_t flags, std::string_view data) {
  std::string out;
  out.reserve(kHeaderBytes + data.size());
  auto put32 = [&out](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
  };
  put32(static_cast<uint32_t>(data.size()));
  put32(stream_id);
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  out.append(data);
  return out;
}

void FrameDecoder::Feed(ByteSpan bytes) {
  if (start_ > 0 && start_ * 2 >= buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(AsString(bytes));
}

Result<std::optional<Frame>> FrameDecoder::Next() {
  if (oversized_stream_) {
    return ResourceExhausted("ttrpc frame on stream " + std::to_string(*oversized_stream_) +
                             " exceeds " + std::to_string(max_) + " bytes");
  }
  if (buffered() < kHeaderBytes) return std::optional<Frame>();
  ASSIGN_OR_RETURN(FrameHeader h,
                   ParseFrameHeader(AsBytes(std::string_view(buffer_).substr(start_))));
  if (h.length > max_) {
    oversized_stream_ = h.stream_id;
    return ResourceExhausted("ttrpc frame on stream " + std::to_string(h.stream_id) + " of " +
                             std::to_string(h.length) + " bytes exceeds " + std::to_string(max_));
  }
  if (buffered() - kHeaderBytes < h.length) return std::optional<Frame>();
  Frame f{h.stream_id, h.type, h.flags, buffer_.substr(start_ + kHeaderBytes, h.length)};
  start_ += kHeaderBytes + h.length;
  return std::optional<Frame>(std::move(f));
}

int32_t ToGrpcCode(Code code) {
  switch (code) {
    case Code::kOk:
      return 0;
    case Code::kInvalidArgument:
      return 3;
    case Code::kDeadlineExceeded:
      return 4;
    case Code::kNotFound:
      return 5;
    case Code::kPermissionDenied:
      return 7;
    case Code::kResourceExhausted:
      return 8;
    case Code::kFailedPrecondition:
      return 9;
    case Code::kUnimplemented:
      return 12;
    case Code::kInternal:
      return 13;
    case Code::kUnavailable:
      return 14;
    case Code::kDataLoss:
      return 15;
    case Code::kUnauthenticated:
      return 16;
  }
  return 2;  // UNKNOWN
}

Code FromGrpcCode(int32_t grpc_code) {
  switch (grpc_code) {
    case 0:
      return Code::kOk;
    case 3:
    case 11:
      return Code::kInvalidArgument;  // INVALID_ARGUMENT, OUT_OF_RANGE
    case 4:
    case 1:
      return Code::kDeadlineExceeded;  // DEADLINE_EXCEEDED, CANCELLED
    case 5:
      return Code::kNotFound;
    case 6:
    case 9:
    case 10:
      return Code::kFailedPrecondition;  // ALREADY_EXISTS, ABORTED
    case 7:
      return Code::kPermissionDenied;
    case 8:
      return Code::kResourceExhausted;
    case 12:
      return Code::kUnimplemented;
    case 14:
      return Code::kUnavailable;
    case 15:
      return Code::kDataLoss;
    case 16:
      return Code::kUnauthenticated;
    default:
      return Code::kInternal;  // UNKNOWN, INTERNAL and codes we do not know
  }
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Unavailable(std::string("ttrpc write failed: ") + std::strerror(errno));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace cocoon::net::ttrpc
