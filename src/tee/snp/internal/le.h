// Little-endian stores into fixed layouts the SNP code writes itself (report re-encoding, ioctl
// requests, certificate tables). Reads of untrusted bytes go through base::ByteReader instead.
#pragma once

#include <cstdint>

namespace cocoon::tee::snp::internal {

inline void PutU32Le(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void PutU64Le(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
// Only for buffers this process filled (the kernel's answer in our own request struct).
inline uint32_t GetU32Le(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

}  // namespace cocoon::tee::snp::internal
