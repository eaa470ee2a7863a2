// OpenSSL error-queue mapping and small BIO/BIGNUM helpers shared by src/crypto.
#include "crypto/internal/openssl_util.h"

#include <openssl/err.h>

namespace cocoon::crypto::internal {

std::string DrainOpensslErrors() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof(buf));
  return buf;
}

std::unexpected<Error> OpensslError(Code code, std::string_view what) {
  std::string reason = DrainOpensslErrors();
  std::string msg(what);
  if (!reason.empty()) msg += ": " + reason;
  return MakeError(code, std::move(msg));
}

int NoPassword(char*, int, int, void*) { return -1; }

Result<BioPtr> ReadBio(std::string_view data) {
  if (data.size() > kMaxChunk) return InvalidArgument("input too large");
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return OpensslError(Code::kInternal, "BIO_new_mem_buf");
  return bio;
}

Result<BioPtr> WriteBio(bool secure) {
  BioPtr bio(BIO_new(secure ? BIO_s_secmem() : BIO_s_mem()));
  if (!bio) return OpensslError(Code::kInternal, "BIO_new");
  return bio;
}

ByteSpan BioContents(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0 || data == nullptr) return {};
  return {reinterpret_cast<const uint8_t*>(data), static_cast<size_t>(n)};
}

Result<BnPtr> BnFromBytes(ByteSpan be) {
  if (be.size() > kMaxChunk) return InvalidArgument("integer too large");
  BnPtr bn(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
  if (!bn) return OpensslError(Code::kInternal, "BN_bin2bn");
  return bn;
}

Result<SecretBnPtr> SecretBnFromBytes(ByteSpan be) {
  if (be.size() > kMaxChunk) return InvalidArgument("integer too large");
  SecretBnPtr bn(BN_secure_new());
  if (!bn || !BN_bin2bn(be.data(), static_cast<int>(be.size()), bn.get())) {
    return OpensslError(Code::kInternal, "BN_bin2bn");
  }
  return bn;
}

Result<Bytes> BnToBytes(const BIGNUM* bn, size_t width) {
  size_t n = static_cast<size_t>(BN_num_bytes(bn));
  if (width == 0) width = n;
  if (n > width || width > kMaxChunk) return InvalidArgument("integer wider than its field");
  Bytes out(width);
  if (BN_bn2binpad(bn, out.data(), static_cast<int>(width)) < 0) {
    return OpensslError(Code::kInternal, "BN_bn2binpad");
  }
  return out;
}

}  // namespace cocoon::crypto::internal
