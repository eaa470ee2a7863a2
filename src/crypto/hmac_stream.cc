// Incremental HMAC over OpenSSL 3 EVP_MAC.
#include "crypto/hmac_stream.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <string>

#include "crypto/internal/openssl_util.h"

namespace cocoon::crypto {

using internal::Deleter;
using internal::OpensslError;

namespace {

using MacPtr = std::unique_ptr<EVP_MAC, Deleter<EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, Deleter<EVP_MAC_CTX_free>>;

const char* DigestName(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha256:
      return "SHA256";
    case HashAlg::kSha384:
      return "SHA384";
    case HashAlg::kSha512:
      return "SHA512";
  }
  return "SHA256";
}

}  // namespace

struct HmacStream::State {
  HashAlg alg;
  MacCtxPtr ctx;
  bool finished = false;
};

HmacStream::HmacStream(std::unique_ptr<State> s) : state_(std::move(s)) {}
HmacStream::~HmacStream() = default;
HmacStream::HmacStream(HmacStream&&) noexcept = default;
HmacStream& HmacStream::operator=(HmacStream&&) noexcept = default;

Result<HmacStream> HmacStream::Create(HashAlg alg, ByteSpan key) {
  if (key.empty() || key.size() > internal::kMaxChunk) {
    return InvalidArgument("HMAC key must be non-empty");
  }
  MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) return OpensslError(Code::kInternal, "EVP_MAC_fetch(HMAC)");
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) return OpensslError(Code::kInternal, "EVP_MAC_CTX_new");
  std::string digest = DigestName(alg);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
    return OpensslError(Code::kInternal, "EVP_MAC_init");
  }
  return HmacStream(std::make_unique<State>(State{alg, std::move(ctx)}));
}

Status HmacStream::Update(ByteSpan data) {
  if (!state_ || state_->finished) return FailedPrecondition("HMAC stream already finished");
  if (!data.empty() && EVP_MAC_update(state_->ctx.get(), data.data(), data.size()) != 1) {
    return OpensslError(Code::kInternal, "EVP_MAC_update");
  }
  return Ok();
}

Result<Bytes> HmacStream::Finish() {
  if (!state_ || state_->finished) return FailedPrecondition("HMAC stream already finished");
  state_->finished = true;
  Bytes out(DigestSize(state_->alg));
  size_t len = 0;
  if (EVP_MAC_final(state_->ctx.get(), out.data(), &len, out.size()) != 1 || len != out.size()) {
    return OpensslError(Code::kInternal, "EVP_MAC_final");
  }
  return out;
}

}  // namespace cocoon::crypto
