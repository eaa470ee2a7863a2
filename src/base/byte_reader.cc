// ByteReader implementation.
#include "base/byte_reader.h"

#include <string>

namespace cocoon::base {

Status ByteReader::Need(size_t n, std::string_view what) const {
  if (n > remaining()) {
    return InvalidArgument("truncated input reading " + std::string(what) + " at offset " +
                           std::to_string(pos_) + ": need " + std::to_string(n) + " bytes, " +
                           std::to_string(remaining()) + " left");
  }
  return Ok();
}

namespace {
template <typename T>
T ReadLe(const uint8_t* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(p[i]) << (8 * i);
  return v;
}
template <typename T>
T ReadBe(const uint8_t* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | p[i]);
  return v;
}
}  // namespace

Result<uint8_t> ByteReader::U8(std::string_view what) {
  TRY(Need(1, what));
  return data_[pos_++];
}

#define COCOON_READ_INT(Name, Type, Fn)                  \
  Result<Type> ByteReader::Name(std::string_view what) { \
    TRY(Need(sizeof(Type), what));                       \
    Type v = Fn<Type>(data_.data() + pos_);              \
    pos_ += sizeof(Type);                                \
    return v;                                            \
  }
COCOON_READ_INT(U16Le, uint16_t, ReadLe)
COCOON_READ_INT(U32Le, uint32_t, ReadLe)
COCOON_READ_INT(U64Le, uint64_t, ReadLe)
COCOON_READ_INT(U16Be, uint16_t, ReadBe)
COCOON_READ_INT(U32Be, uint32_t, ReadBe)
COCOON_READ_INT(U64Be, uint64_t, ReadBe)
#undef COCOON_READ_INT

Result<ByteSpan> ByteReader::Take(size_t n, std::string_view what) {
  TRY(Need(n, what));
  ByteSpan out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Status ByteReader::Skip(size_t n, std::string_view what) {
  TRY(Need(n, what));
  pos_ += n;
  return Ok();
}

Result<ByteReader> ByteReader::Sub(size_t n, std::string_view what) {
  ASSIGN_OR_RETURN(ByteSpan s, Take(n, what));
  return ByteReader(s);
}

Status ByteReader::ExpectEnd(std::string_view what) const {
  if (!empty()) {
    return InvalidArgument(std::to_string(remaining()) + " trailing bytes after " +
                           std::string(what));
  }
  return Ok();
}

}  // namespace cocoon::base
