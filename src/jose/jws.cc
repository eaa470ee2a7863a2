// JWS compact serialisation. Tokens are untrusted: size-limited, strictly base64url-decoded, and
// verified only with the caller's key and algorithm (the header `alg` is compared, never obeyed).
#include "jose/jws.h"

#include "base/encoding.h"
#include "base/limits.h"

namespace cocoon::jose {
namespace {

Result<Bytes> DecodePart(std::string_view text, std::string_view what) {
  auto b = base::Base64UrlDecode(text);
  if (!b) return InvalidArgument("JWS " + std::string(what) + " is not base64url");
  return std::move(*b);
}

}  // namespace

Result<JwsParts> ParseCompact(std::string_view token) {
  if (token.size() > limits::kJwtMaxBytes) {
    return ResourceExhausted("JWS exceeds " + std::to_string(limits::kJwtMaxBytes) + " bytes");
  }
  const size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return InvalidArgument("JWS must have three parts");
  const size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return InvalidArgument("JWS must have three parts");
  }
  JwsParts parts;
  parts.header_b64 = std::string(token.substr(0, dot1));
  parts.payload_b64 = std::string(token.substr(dot1 + 1, dot2 - dot1 - 1));
  ASSIGN_OR_RETURN(Bytes header, DecodePart(parts.header_b64, "header"));
  ASSIGN_OR_RETURN(parts.payload, DecodePart(parts.payload_b64, "payload"));
  ASSIGN_OR_RETURN(parts.signature, DecodePart(token.substr(dot2 + 1), "signature"));
  auto json = base::ParseJson(header);
  if (!json) return std::unexpected(json.error().WithContext("JWS header"));
  if (!json->is_object()) return InvalidArgument("JWS header must be a JSON object");
  parts.header = std::move(*json);
  return parts;
}

Result<std::string> SignCompact(const crypto::PrivateKey& key, crypto::SignAlg alg,
                                ByteSpan payload, const OrderedJson& extra_header) {
  if (!crypto::SignAlgMatchesKey(alg, key.type())) {
    return InvalidArgument(std::string(crypto::SignAlgName(alg)) + " does not fit a " +
                           std::string(crypto::KeyTypeName(key.type())) + " key");
  }
  if (!extra_header.is_object()) return InvalidArgument("extra JWS header must be an object");
  OrderedJson header = OrderedJson::object();
  header["alg"] = std::string(crypto::SignAlgName(alg));
  for (const auto& [name, value] : extra_header.items()) {
    if (name == "alg") return InvalidArgument("extra JWS header must not set \"alg\"");
    header[name] = value;
  }
  std::string input =
      base::Base64UrlEncode(base::DumpJson(header)) + "." + base::Base64UrlEncode(payload);
  ASSIGN_OR_RETURN(Bytes sig, crypto::Sign(key, alg, AsBytes(input)));
  return input + "." + base::Base64UrlEncode(sig);
}

Result<JwsParts> VerifyCompact(std::string_view token, const crypto::PublicKey& key,
                               crypto::SignAlg alg) {
  if (!crypto::SignAlgMatchesKey(alg, key.type())) {
    return InvalidArgument(std::string(crypto::SignAlgName(alg)) + " does not fit a " +
                           std::string(crypto::KeyTypeName(key.type())) + " key");
  }
  ASSIGN_OR_RETURN(JwsParts parts, ParseCompact(token));
  return VerifyParsed(std::move(parts), key, alg);
}

Result<JwsParts> VerifyParsed(JwsParts parts, const crypto::PublicKey& key, crypto::SignAlg alg) {
  if (!crypto::SignAlgMatchesKey(alg, key.type())) {
    return InvalidArgument(std::string(crypto::SignAlgName(alg)) + " does not fit a " +
                           std::string(crypto::KeyTypeName(key.type())) + " key");
  }
  auto header_alg = parts.header.find("alg");
  if (header_alg == parts.header.end() || !header_alg->is_string() ||
      header_alg->get<std::string>() != crypto::SignAlgName(alg)) {
    return Unauthenticated("JWS header alg is not the expected " +
                           std::string(crypto::SignAlgName(alg)));
  }
  // RFC 7515 §4.1.11: we understand no extensions, so any `crit` makes the JWS unacceptable.
  if (parts.header.contains("crit")) return Unauthenticated("JWS header has unsupported \"crit\"");
  std::string input = parts.header_b64 + "." + parts.payload_b64;
  auto ok = crypto::Verify(key, alg, AsBytes(input), parts.signature);
  if (!ok) {
    if (ok.error().code() == Code::kUnauthenticated) return std::unexpected(ok.error());
    return Unauthenticated("JWS signature does not verify: " + ok.error().message());
  }
  return parts;
}

}  // namespace cocoon::jose
