// ttrpc framing (containerd/ttrpc PROTOCOL.md): a 10-byte header — data length u32 BE, stream id
// u32 BE, type u8, flags u8 — then the data. Frames come from the peer and are untrusted: the
// decoder reads headers through ByteReader and refuses lengths over kTtrpcMaxFrameBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "base/limits.h"

namespace cocoon::net::ttrpc {

inline constexpr size_t kHeaderBytes = 10;
inline constexpr uint8_t kTypeRequest = 1;
inline constexpr uint8_t kTypeResponse = 2;
inline constexpr uint8_t kTypeData = 3;

struct FrameHeader {
  uint32_t length = 0;     // offset 0, BE: bytes of data after the header
  uint32_t stream_id = 0;  // offset 4, BE: odd for client-initiated streams
  uint8_t type = 0;        // offset 8
  uint8_t flags = 0;       // offset 9
};

struct Frame {
  uint32_t stream_id = 0;
  uint8_t type = 0;
  uint8_t flags = 0;
  std::string data;
};

// Decodes the 10 header bytes; InvalidArgument if fewer are given.
Result<FrameHeader> ParseFrameHeader(ByteSpan header);
// Header + data. The caller keeps data within kTtrpcMaxFrameBytes.
std::string EncodeFrame(uint32_t stream_id, uint8_t type, uint8_t flags, std::string_view data);

// Reassembles frames from arbitrary read chunks (split frames, several frames per read).
class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_frame_bytes = limits::kTtrpcMaxFrameBytes)
      : max_(max_frame_bytes) {}
  void Feed(ByteSpan bytes);
  // The next complete frame, or nullopt when more bytes are needed. ResourceExhausted naming
  // the stream when a header announces more than the maximum; the decoder then stays failed
  // (oversized_stream() tells which stream to answer) because the peer is misbehaving.
  Result<std::optional<Frame>> Next();
  std::optional<uint32_t> oversized_stream() const { return oversized_stream_; }
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  size_t max_;
  std::string buffer_;
  size_t start_ = 0;
  std::optional<uint32_t> oversized_stream_;
};

// gRPC status codes (the ttrpc Response.status.code values) for cocoon's codes and back.
int32_t ToGrpcCode(Code code);
Code FromGrpcCode(int32_t grpc_code);
inline constexpr int32_t kGrpcOk = 0;
inline constexpr int32_t kGrpcInvalidArgument = 3;
inline constexpr int32_t kGrpcPermissionDenied = 7;
inline constexpr int32_t kGrpcResourceExhausted = 8;
inline constexpr int32_t kGrpcUnimplemented = 12;

// Writes all of `data` to `fd` (retrying short writes and EINTR); Unavailable on failure.
Status WriteAll(int fd, std::string_view data);

}  // namespace cocoon::net::ttrpc
