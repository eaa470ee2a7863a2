// SHA-2 digests and HMAC over OpenSSL EVP. The Bytes-returning functions cannot fail on any input;
// they return an empty result only if OpenSSL cannot allocate (never on a healthy system).
#include "crypto/digest.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/internal/openssl_util.h"

namespace cocoon::crypto {

namespace {

const EVP_MD* Md(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256:
      return EVP_sha256();
    case HashAlg::kSha384:
      return EVP_sha384();
    case HashAlg::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

Result<HashAlg> ParseHashAlg(std::string_view name) {
  if (name == "sha256") return HashAlg::kSha256;
  if (name == "sha384") return HashAlg::kSha384;
  if (name == "sha512") return HashAlg::kSha512;
  return InvalidArgument("unsupported hash algorithm '" + std::string(name) + "'");
}

std::string_view HashAlgName(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256:
      return "sha256";
    case HashAlg::kSha384:
      return "sha384";
    case HashAlg::kSha512:
      return "sha512";
  }
  return "unknown";
}

size_t DigestSize(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256:
      return 32;
    case HashAlg::kSha384:
      return 48;
    case HashAlg::kSha512:
      return 64;
  }
  return 0;
}

Bytes Digest(HashAlg alg, ByteSpan data) {
  Hasher h(alg);
  h.Update(data);
  return h.Finish();
}

Bytes Sha256(ByteSpan data) { return Digest(HashAlg::kSha256, data); }
Bytes Sha384(ByteSpan data) { return Digest(HashAlg::kSha384, data); }
Bytes Sha512(ByteSpan data) { return Digest(HashAlg::kSha512, data); }

struct Hasher::State {
  HashAlg alg;
  internal::MdCtxPtr ctx;
  bool ok = false;  // false after an OpenSSL failure: Finish then returns {}

  void Init() {
    ok = ctx && EVP_DigestInit_ex(ctx.get(), Md(alg), nullptr) == 1;
    if (!ok) internal::DrainOpensslErrors();
  }
};

Hasher::Hasher(HashAlg alg)
    : state_(std::make_unique<State>(State{alg, internal::MdCtxPtr(EVP_MD_CTX_new())})) {
  state_->Init();
}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::Update(ByteSpan data) {
  if (!state_ || !state_->ok) return;
  while (!data.empty()) {
    size_t n = std::min(data.size(), internal::kMaxChunk);
    if (EVP_DigestUpdate(state_->ctx.get(), data.data(), n) != 1) {
      state_->ok = false;
      internal::DrainOpensslErrors();
      return;
    }
    data = data.subspan(n);
  }
}

Bytes Hasher::Finish() {
  if (!state_) return {};
  Bytes out(DigestSize(state_->alg));
  unsigned int len = 0;
  bool ok = state_->ok && EVP_DigestFinal_ex(state_->ctx.get(), out.data(), &len) == 1 &&
            len == out.size();
  state_->Init();
  if (!ok) return {};
  return out;
}

Bytes Hmac(HashAlg alg, ByteSpan key, ByteSpan data) {
  static const uint8_t kEmpty = 0;
  const uint8_t* key_ptr = key.empty() ? &kEmpty : key.data();
  if (key.size() > internal::kMaxChunk) return {};
  Bytes out(DigestSize(alg));
  unsigned int len = 0;
  const uint8_t* data_ptr = data.empty() ? &kEmpty : data.data();
  if (HMAC(Md(alg), key_ptr, static_cast<int>(key.size()), data_ptr, data.size(), out.data(),
           &len) == nullptr ||
      len != out.size()) {
    internal::DrainOpensslErrors();
    return {};
  }
  return out;
}

}  // namespace cocoon::crypto
