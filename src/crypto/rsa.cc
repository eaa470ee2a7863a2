// RSA key transport (OAEP / PKCS#1 v1.5) over OpenSSL EVP_PKEY_encrypt/decrypt.
#include "crypto/rsa.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/internal/openssl_util.h"
#include "crypto/internal/pkey.h"

namespace cocoon::crypto {

using internal::OpensslError;

namespace {

// An encrypt/decrypt context for `pkey` with the requested padding.
Result<internal::PkeyCtxPtr> InitCtx(bool enc, EVP_PKEY* pkey, RsaPadding padding) {
  internal::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return OpensslError(Code::kInternal, "EVP_PKEY_CTX_new_from_pkey");
  int rc = enc ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get());
  if (rc != 1) return OpensslError(Code::kInternal, "RSA context init");
  if (padding == RsaPadding::kPkcs1v15) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
      return OpensslError(Code::kInternal, "RSA PKCS#1 v1.5 padding");
    }
    return ctx;
  }
  const EVP_MD* md = padding == RsaPadding::kOaepSha1 ? EVP_sha1() : EVP_sha256();
  if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1) {
    return OpensslError(Code::kInternal, "RSA OAEP padding");
  }
  return ctx;
}

Status RequireRsa(KeyType t) {
  if (t == KeyType::kRsa) return Ok();
  return InvalidArgument("RSA encryption needs an RSA key, got " + std::string(KeyTypeName(t)));
}

}  // namespace

Result<Bytes> RsaEncrypt(const PublicKey& key, RsaPadding padding, ByteSpan plaintext) {
  TRY(RequireRsa(key.type()));
  ASSIGN_OR_RETURN(internal::PkeyCtxPtr ctx, InitCtx(true, key.handle().pkey, padding));
  size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data(), plaintext.size()) != 1) {
    return OpensslError(Code::kInternal, "RSA ciphertext size");
  }
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) != 1) {
    return OpensslError(Code::kInvalidArgument, "RSA encryption failed (plaintext too long?)");
  }
  out.resize(len);
  return out;
}

Result<SecretBytes> RsaDecrypt(const PrivateKey& key, RsaPadding padding, ByteSpan ciphertext) {
  TRY(RequireRsa(key.type()));
  ASSIGN_OR_RETURN(internal::PkeyCtxPtr ctx, InitCtx(false, key.handle().pkey, padding));
  size_t len = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ciphertext.data(), ciphertext.size()) != 1) {
    return OpensslError(Code::kInternal, "RSA plaintext size");
  }
  SecretBytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data(), ciphertext.size()) != 1) {
    internal::DrainOpensslErrors();  // the reason would be a padding oracle: not reported
    return Unauthenticated("RSA decryption failed");
  }
  out.resize(len);
  return out;
}

}  // namespace cocoon::crypto
