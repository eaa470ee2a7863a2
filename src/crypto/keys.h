// Asymmetric keys (RSA, EC P-256/P-384/P-521, Ed25519) as RAII handles over OpenSSL EVP_PKEY.
// Copies share the underlying key (reference counted); keys are immutable after creation.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/secret_bytes.h"

namespace cocoon::crypto {

enum class KeyType { kRsa, kEcP256, kEcP384, kEcP521, kEd25519 };
std::string_view KeyTypeName(KeyType t);  // "RSA", "P-256", "P-384", "P-521", "Ed25519"
// Size in bytes of one EC coordinate (and of a private scalar): 32, 48, 66; 0 for non-EC.
size_t EcCoordinateSize(KeyType t);

namespace internal {
struct PkeyHandle;  // wraps EVP_PKEY*; defined in crypto/internal/pkey.h
}

class PublicKey {
 public:
  // PEM "PUBLIC KEY" (SPKI), or an X.509 certificate PEM (its subject key). InvalidArgument else.
  static Result<PublicKey> FromPem(std::string_view pem);
  static Result<PublicKey> FromDer(ByteSpan spki_der);
  // Raw components (big-endian, as carried in JWKs).
  static Result<PublicKey> FromRsa(ByteSpan n, ByteSpan e);
  // x, y must each be exactly the curve's coordinate size; point must be on the curve.
  static Result<PublicKey> FromEc(KeyType curve, ByteSpan x, ByteSpan y);
  static Result<PublicKey> FromEd25519(ByteSpan raw32);

  KeyType type() const;
  Result<std::string> ToPem() const;
  Result<Bytes> ToDer() const;  // SPKI
  // Components; FailedPrecondition if called for the wrong key type.
  Result<Bytes> RsaModulus() const;
  Result<Bytes> RsaExponent() const;
  Result<Bytes> EcX() const;  // fixed coordinate size (32/48/66)
  Result<Bytes> EcY() const;
  Result<Bytes> Ed25519Raw() const;
  size_t RsaBits() const;  // 0 for non-RSA
  bool Equals(const PublicKey& other) const;

  const internal::PkeyHandle& handle() const { return *pkey_; }
  explicit PublicKey(std::shared_ptr<internal::PkeyHandle> p) : pkey_(std::move(p)) {}

 private:
  std::shared_ptr<internal::PkeyHandle> pkey_;
};

// RSA private components, big-endian (as in a JWK). The CRT members p, q, dp, dq, qi are either
// all present or all empty.
struct RsaPrivateParts {
  ByteSpan n, e, d, p, q, dp, dq, qi;
};

class PrivateKey {
 public:
  // RSA bits in {2048, 3072, 4096}; other types ignore `rsa_bits`.
  static Result<PrivateKey> Generate(KeyType type, int rsa_bits = 2048);
  // PKCS#8, traditional RSA/EC PEM; unencrypted only.
  static Result<PrivateKey> FromPem(std::string_view pem);
  // EC private scalar (big-endian, curve size) — for deterministic test vectors.
  static Result<PrivateKey> FromEcScalar(KeyType curve, ByteSpan d);
  // RSA from components (InvalidArgument if malformed or, with CRT members, inconsistent).
  static Result<PrivateKey> FromRsa(const RsaPrivateParts& parts);
  // Ed25519 from its 32-byte private seed (RFC 8032 / the JWK "d").
  static Result<PrivateKey> FromEd25519(ByteSpan seed32);

  KeyType type() const;
  PublicKey public_key() const;
  Result<SecretBytes> ToPem() const;  // PKCS#8 PEM

  const internal::PkeyHandle& handle() const { return *pkey_; }
  explicit PrivateKey(std::shared_ptr<internal::PkeyHandle> p) : pkey_(std::move(p)) {}

 private:
  std::shared_ptr<internal::PkeyHandle> pkey_;
};

}  // namespace cocoon::crypto
