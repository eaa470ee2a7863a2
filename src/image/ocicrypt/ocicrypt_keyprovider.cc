// CoCo attestation-agent key provider packets and the keyprovider protocol JSON.
#include "image/ocicrypt/ocicrypt_keyprovider.h"

#include "base/encoding.h"
#include "base/file.h"
#include "base/json.h"
#include "crypto/aes.h"
#include "crypto/random.h"

namespace cocoon::image {
namespace {

constexpr size_t kKekBytes = 32;
constexpr size_t kGcmIvBytes = 12;
constexpr size_t kGcmTagBytes = 16;
constexpr size_t kCtrIvBytes = 16;

bool SafeSegment(std::string_view s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A byte field written by Go (base64 std string) or by CoCo Rust (array of numbers 0..255).
Result<Bytes> ByteField(const Json& obj, std::string_view name) {
  ASSIGN_OR_RETURN(const Json* v, base::GetField(obj, name));
  if (v->is_string()) {
    auto b = base::Base64Decode(v->get<std::string>());
    if (!b) return InvalidArgument("keyprovider \"" + std::string(name) + "\" is not base64");
    return std::move(*b);
  }
  if (!v->is_array()) {
    return InvalidArgument("keyprovider \"" + std::string(name) + "\" must be bytes");
  }
  Bytes out;
  out.reserve(v->size());
  for (const Json& e : *v) {
    if (!e.is_number_unsigned() || e.get<uint64_t>() > 255) {
      return InvalidArgument("keyprovider \"" + std::string(name) + "\" has a non-byte element");
    }
    out.push_back(static_cast<uint8_t>(e.get<uint64_t>()));
  }
  return out;
}

Result<Json> ParseReply(std::string_view json, std::string_view results) {
  auto j = base::ParseJson(json);
  if (!j) return std::unexpected(j.error().WithContext("keyprovider reply"));
  if (!j->is_object()) return InvalidArgument("keyprovider reply must be an object");
  auto r = base::GetObject(*j, results);
  if (!r) return InvalidArgument("keyprovider reply has no \"" + std::string(results) + "\"");
  return **r;
}

}  // namespace

KeyProvider::~KeyProvider() = default;

Result<std::string> KidResourcePath(std::string_view kid) {
  std::string_view path = kid;
  if (auto scheme = kid.find("://"); scheme != std::string_view::npos) {
    path = kid.substr(scheme + 3);
    auto slash = path.find('/');
    if (slash == std::string_view::npos) return InvalidArgument("key id has no resource path");
    path = path.substr(slash);  // drop the authority (empty for kbs:///)
  }
  if (!path.starts_with('/')) return InvalidArgument("key id path must start with '/'");
  path.remove_prefix(1);
  std::string_view rest = path;
  for (int i = 0; i < 3; ++i) {
    auto slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (!SafeSegment(seg) || (i < 2) == (slash == std::string_view::npos)) {
      return InvalidArgument("key id must name repo/type/tag with safe segments");
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  return std::string(path);
}

Status LocalKeyProvider::Add(std::string_view kid, crypto::SecretBytes key) {
  ASSIGN_OR_RETURN(std::string path, KidResourcePath(kid));
  keys_[path] = std::move(key);
  return Ok();
}

Result<crypto::SecretBytes> LocalKeyProvider::GetKey(std::string_view kid) {
  ASSIGN_OR_RETURN(std::string path, KidResourcePath(kid));
  if (auto it = keys_.find(path); it != keys_.end()) return it->second.Clone();
  if (!directory_) return NotFound("no local key for " + path);
  auto data = base::ReadFile(*directory_ + "/" + path, "key file", 4096);
  if (!data) return std::unexpected(data.error());
  crypto::SecretBytes key = crypto::SecretBytes::FromString(*data);
  std::fill(data->begin(), data->end(), '\0');
  return key;
}

std::string SerializeAnnotationPacket(const AnnotationPacket& packet) {
  OrderedJson j = OrderedJson::object();
  j["kid"] = packet.kid;
  j["wrapped_data"] = base::Base64Encode(packet.wrapped_data);
  j["iv"] = base::Base64Encode(packet.iv);
  j["wrap_type"] = packet.wrap_type;
  return base::DumpJson(j);
}

Result<AnnotationPacket> ParseAnnotationPacket(ByteSpan json) {
  auto j = base::ParseJson(json);
  if (!j) return std::unexpected(j.error().WithContext("key provider annotation"));
  if (!j->is_object()) return InvalidArgument("key provider annotation must be an object");
  AnnotationPacket p;
  ASSIGN_OR_RETURN(p.kid, base::GetString(*j, "kid"));
  for (auto [name, out] : {std::pair{"wrapped_data", &p.wrapped_data}, {"iv", &p.iv}}) {
    ASSIGN_OR_RETURN(std::string text, base::GetString(*j, name));
    auto b = base::Base64Decode(text);
    if (!b)
      return InvalidArgument("key provider annotation \"" + std::string(name) + "\" is not base64");
    *out = std::move(*b);
  }
  ASSIGN_OR_RETURN(p.wrap_type, base::GetStringOr(*j, "wrap_type", "A256GCM"));
  ASSIGN_OR_RETURN(std::string provider, base::GetStringOr(*j, "provider", "kbs"));
  if (provider != "kbs") return Unimplemented("key provider \"" + provider + "\" is not supported");
  return p;
}

Result<Bytes> WrapForKeyProvider(std::string_view kid, const crypto::SecretBytes& kek,
                                 ByteSpan private_opts) {
  if (kek.size() != kKekBytes) return InvalidArgument("key provider KEK must be 32 bytes");
  TRY(KidResourcePath(kid));
  AnnotationPacket p;
  p.kid = std::string(kid);
  ASSIGN_OR_RETURN(p.iv, crypto::RandomBytes(kGcmIvBytes));
  ASSIGN_OR_RETURN(crypto::GcmSealed sealed,
                   crypto::AesGcmEncrypt(kek.span(), p.iv, {}, private_opts));
  p.wrapped_data = std::move(sealed.ciphertext);
  p.wrapped_data.insert(p.wrapped_data.end(), sealed.tag.begin(), sealed.tag.end());
  return ToBytes(SerializeAnnotationPacket(p));
}

Result<crypto::SecretBytes> UnwrapWithKeyProvider(ByteSpan packet_json, KeyProvider& provider) {
  ASSIGN_OR_RETURN(AnnotationPacket p, ParseAnnotationPacket(packet_json));
  ASSIGN_OR_RETURN(crypto::SecretBytes kek, provider.GetKey(p.kid));
  if (kek.size() != kKekBytes) return InvalidArgument("KEK for " + p.kid + " is not 32 bytes");
  if (p.wrap_type == "A256GCM") {
    if (p.iv.size() != kGcmIvBytes || p.wrapped_data.size() < kGcmTagBytes) {
      return InvalidArgument("key provider annotation: bad A256GCM iv or wrapped_data size");
    }
    ByteSpan data(p.wrapped_data);
    auto opts = crypto::AesGcmDecrypt(kek.span(), p.iv, {}, data.first(data.size() - kGcmTagBytes),
                                      data.last(kGcmTagBytes));
    if (!opts) return Unauthenticated("wrapped layer key does not verify with the KEK of " + p.kid);
    return opts;
  }
  if (p.wrap_type == "A256CTR") {
    if (p.iv.size() != kCtrIvBytes)
      return InvalidArgument("key provider annotation: bad A256CTR iv");
    ASSIGN_OR_RETURN(crypto::AesCtr ctr, crypto::AesCtr::Create(kek.span(), p.iv));
    crypto::SecretBytes opts(p.wrapped_data.size());
    TRY(ctr.Update(p.wrapped_data, opts.mutable_span()));
    return opts;
  }
  return InvalidArgument("unsupported key provider wrap_type \"" + p.wrap_type + "\"");
}

std::string KeyWrapRequest(std::string_view provider_name, std::string_view params,
                           ByteSpan private_opts) {
  OrderedJson ec = OrderedJson::object();
  ec["Parameters"][std::string(provider_name)] =
      OrderedJson::array({params.empty() ? base::Base64Encode(std::string_view("Enabled"))
                                         : base::Base64Encode(params)});
  ec["DecryptConfig"]["Parameters"] = OrderedJson::object();
  OrderedJson j = OrderedJson::object();
  j["op"] = "keywrap";
  j["keywrapparams"]["ec"] = std::move(ec);
  j["keywrapparams"]["optsdata"] = base::Base64Encode(private_opts);
  j["keyunwrapparams"]["dc"] = nullptr;
  j["keyunwrapparams"]["annotation"] = nullptr;
  return base::DumpJson(j);
}

std::string KeyUnwrapRequest(ByteSpan annotation_bytes) {
  OrderedJson j = OrderedJson::object();
  j["op"] = "keyunwrap";
  j["keywrapparams"]["ec"] = nullptr;
  j["keywrapparams"]["optsdata"] = nullptr;
  j["keyunwrapparams"]["dc"]["Parameters"] = OrderedJson::object();
  j["keyunwrapparams"]["annotation"] = base::Base64Encode(annotation_bytes);
  return base::DumpJson(j);
}

Result<Bytes> ParseKeyWrapResponse(std::string_view json) {
  ASSIGN_OR_RETURN(Json r, ParseReply(json, "keywrapresults"));
  return ByteField(r, "annotation");
}

Result<crypto::SecretBytes> ParseKeyUnwrapResponse(std::string_view json) {
  ASSIGN_OR_RETURN(Json r, ParseReply(json, "keyunwrapresults"));
  ASSIGN_OR_RETURN(Bytes opts, ByteField(r, "optsdata"));
  crypto::SecretBytes out(opts);
  std::fill(opts.begin(), opts.end(), 0);
  return out;
}

}  // namespace cocoon::image
