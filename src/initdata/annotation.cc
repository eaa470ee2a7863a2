// The initdata annotation (see annotation.h).
#include "initdata/annotation.h"

#include <zlib.h>

#include "base/bytes.h"
#include "base/encoding.h"

namespace cocoon::initdata {

std::string Gzip(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Result<std::string> Gunzip(std::string_view data, size_t max_bytes) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Internal("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string why = zs.msg ? zs.msg : "truncated";
      inflateEnd(&zs);
      return InvalidArgument("not valid gzip data (" + why + ")");
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&zs);
      return InvalidArgument("inflates to more than " + std::to_string(max_bytes) + " bytes");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return InvalidArgument("not valid gzip data (truncated)");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string EncodeAnnotation(std::string_view toml) { return base::Base64Encode(Gzip(toml)); }

Result<std::string> DecodeAnnotation(std::string_view value, bool allow_plain) {
  if (value.size() > 4 * kMaxAnnotationTomlBytes) return InvalidArgument("larger than 4 MiB");
  auto raw = base::Base64Decode(value);
  if (!raw) return InvalidArgument("not base64");
  std::string bytes = ToString(*raw);
  std::string toml;
  if (bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f &&
      static_cast<uint8_t>(bytes[1]) == 0x8b) {
    ASSIGN_OR_RETURN(toml, Gunzip(bytes, kMaxAnnotationTomlBytes));
  } else if (!allow_plain) {
    return InvalidArgument("not gzip'd (the value is base64 of the gzip'd initdata TOML)");
  } else {
    toml = std::move(bytes);
  }
  if (toml.size() > kMaxAnnotationTomlBytes) return InvalidArgument("larger than 1 MiB");
  if (toml.find('\0') != std::string::npos) return InvalidArgument("holds a NUL byte, not TOML");
  return toml;
}

}  // namespace cocoon::initdata
