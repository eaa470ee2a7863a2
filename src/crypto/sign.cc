// JWS-style signatures over OpenSSL EVP_DigestSign/Verify. ECDSA is exposed as JOSE r||s and
// converted to/from DER (ECDSA_SIG) at this boundary.
#include "crypto/sign.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/internal/openssl_util.h"
#include "crypto/internal/pkey.h"

namespace cocoon::crypto {

using internal::OpensslError;

namespace {

enum class Family { kEcdsa, kRsaPkcs1, kRsaPss, kEdDsa };

struct AlgInfo {
  SignAlg alg;
  std::string_view name;
  Family family;
  KeyType key;    // the one key type this algorithm accepts
  int hash_bits;  // 0 for EdDSA (no pre-hash)
};

constexpr AlgInfo kAlgs[] = {
    {SignAlg::kEs256, "ES256", Family::kEcdsa, KeyType::kEcP256, 256},
    {SignAlg::kEs384, "ES384", Family::kEcdsa, KeyType::kEcP384, 384},
    {SignAlg::kEs512, "ES512", Family::kEcdsa, KeyType::kEcP521, 512},
    {SignAlg::kRs256, "RS256", Family::kRsaPkcs1, KeyType::kRsa, 256},
    {SignAlg::kRs384, "RS384", Family::kRsaPkcs1, KeyType::kRsa, 384},
    {SignAlg::kRs512, "RS512", Family::kRsaPkcs1, KeyType::kRsa, 512},
    {SignAlg::kPs256, "PS256", Family::kRsaPss, KeyType::kRsa, 256},
    {SignAlg::kPs384, "PS384", Family::kRsaPss, KeyType::kRsa, 384},
    {SignAlg::kPs512, "PS512", Family::kRsaPss, KeyType::kRsa, 512},
    {SignAlg::kEdDsa, "EdDSA", Family::kEdDsa, KeyType::kEd25519, 0},
};

const AlgInfo& Info(SignAlg alg) {
  for (const AlgInfo& a : kAlgs) {
    if (a.alg == alg) return a;
  }
  return kAlgs[0];  // unreachable: every enumerator is in the table
}

const EVP_MD* Md(int bits) {
  switch (bits) {
    case 256:
      return EVP_sha256();
    case 384:
      return EVP_sha384();
    case 512:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

Status CheckKey(SignAlg alg, KeyType t) {
  if (SignAlgMatchesKey(alg, t)) return Ok();
  return InvalidArgument(std::string(SignAlgName(alg)) + " cannot be used with a " +
                         std::string(KeyTypeName(t)) + " key");
}

// A digest-sign/verify context with the padding the algorithm pins.
Result<internal::MdCtxPtr> InitCtx(bool sign, EVP_PKEY* pkey, const AlgInfo& info) {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return OpensslError(Code::kInternal, "EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = Md(info.hash_bits);
  int rc = sign ? EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey)
                : EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey);
  if (rc != 1) return OpensslError(Code::kInternal, "signature context init");
  if (info.family == Family::kRsaPkcs1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return OpensslError(Code::kInternal, "RSA PKCS#1 padding");
  }
  if (info.family == Family::kRsaPss &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)) {
    return OpensslError(Code::kInternal, "RSA PSS padding");
  }
  return ctx;
}

Result<Bytes> EcdsaDerToRaw(ByteSpan der, size_t width) {
  const unsigned char* p = der.data();
  internal::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OpensslError(Code::kInternal, "d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  ASSIGN_OR_RETURN(Bytes out, internal::BnToBytes(r, width));
  ASSIGN_OR_RETURN(Bytes s_bytes, internal::BnToBytes(s, width));
  out.insert(out.end(), s_bytes.begin(), s_bytes.end());
  return out;
}

Result<Bytes> EcdsaRawToDer(ByteSpan raw, size_t width) {
  if (raw.size() != 2 * width) {
    return Unauthenticated("ECDSA signature must be " + std::to_string(2 * width) + " bytes");
  }
  ASSIGN_OR_RETURN(internal::BnPtr r, internal::BnFromBytes(raw.first(width)));
  ASSIGN_OR_RETURN(internal::BnPtr s, internal::BnFromBytes(raw.subspan(width)));
  internal::EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return OpensslError(Code::kInternal, "ECDSA_SIG_set0");
  }
  r.release();  // now owned by `sig`
  s.release();
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return OpensslError(Code::kInternal, "i2d_ECDSA_SIG");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Status VerifyNative(const PublicKey& key, const AlgInfo& info, ByteSpan data, ByteSpan sig) {
  ASSIGN_OR_RETURN(internal::MdCtxPtr ctx, InitCtx(false, key.handle().pkey, info));
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) != 1) {
    internal::DrainOpensslErrors();
    return Unauthenticated(std::string(info.name) + " signature verification failed");
  }
  return Ok();
}

}  // namespace

Result<SignAlg> ParseSignAlg(std::string_view name) {
  for (const AlgInfo& a : kAlgs) {
    if (a.name == name) return a.alg;
  }
  return InvalidArgument("unsupported signature algorithm '" + std::string(name) + "'");
}

std::string_view SignAlgName(SignAlg alg) { return Info(alg).name; }

bool SignAlgMatchesKey(SignAlg alg, KeyType t) { return Info(alg).key == t; }

Result<Bytes> Sign(const PrivateKey& key, SignAlg alg, ByteSpan data) {
  TRY(CheckKey(alg, key.type()));
  const AlgInfo& info = Info(alg);
  ASSIGN_OR_RETURN(internal::MdCtxPtr ctx, InitCtx(true, key.handle().pkey, info));
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    return OpensslError(Code::kInternal, "signature size");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) {
    return OpensslError(Code::kInternal, std::string(info.name) + " signing failed");
  }
  sig.resize(len);
  if (info.family != Family::kEcdsa) return sig;
  return EcdsaDerToRaw(sig, internal::CoordinateSize(info.key));
}

Result<Bytes> SignDer(const PrivateKey& key, SignAlg alg, ByteSpan data) {
  ASSIGN_OR_RETURN(Bytes sig, Sign(key, alg, data));
  if (Info(alg).family != Family::kEcdsa) return sig;
  return EcdsaRawToDer(sig, internal::CoordinateSize(Info(alg).key));
}

Status Verify(const PublicKey& key, SignAlg alg, ByteSpan data, ByteSpan signature) {
  TRY(CheckKey(alg, key.type()));
  const AlgInfo& info = Info(alg);
  if (info.family != Family::kEcdsa) return VerifyNative(key, info, data, signature);
  ASSIGN_OR_RETURN(Bytes der, EcdsaRawToDer(signature, internal::CoordinateSize(info.key)));
  return VerifyNative(key, info, data, der);
}

Status VerifyDer(const PublicKey& key, SignAlg alg, ByteSpan data, ByteSpan der_signature) {
  TRY(CheckKey(alg, key.type()));
  return VerifyNative(key, Info(alg), data, der_signature);
}

}  // namespace cocoon::crypto
