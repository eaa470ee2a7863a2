// Strict hex / base64 (RFC 4648 §4, padded) / base64url (RFC 4648 §5, unpadded) codecs.
// Decoders reject whitespace, wrong alphabets, bad padding and non-zero trailing bits.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::base {

std::string HexEncode(ByteSpan data);            // lower-case
Result<Bytes> HexDecode(std::string_view text);  // accepts upper and lower case

std::string Base64Encode(ByteSpan data);            // standard alphabet, with '=' padding
Result<Bytes> Base64Decode(std::string_view text);  // requires correct padding

std::string Base64UrlEncode(ByteSpan data);            // url alphabet, no padding
Result<Bytes> Base64UrlDecode(std::string_view text);  // rejects '=' padding

inline std::string Base64Encode(std::string_view s) { return Base64Encode(AsBytes(s)); }
inline std::string Base64UrlEncode(std::string_view s) { return Base64UrlEncode(AsBytes(s)); }

// Lenient decoder for fields that real peers send either way (x5c entries): accepts the
// standard or url alphabet, with or without padding; still rejects other characters.
Result<Bytes> Base64DecodeAny(std::string_view text);

}  // namespace cocoon::base
