// Private to src/crypto: RAII owners for OpenSSL objects and the mapping of OpenSSL's error
// queue onto cocoon Errors. Every failure path drains the queue so it never leaks across calls.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace cocoon::crypto::internal {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using SecretBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, Deleter<BN_CTX_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using EcGroupPtr = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>>;
using EcPointPtr = std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;

// Drains the error queue and returns its most recent entry as text ("" if the queue was empty).
std::string DrainOpensslErrors();

// An Error `what: <openssl reason>` with the queue drained.
std::unexpected<Error> OpensslError(Code code, std::string_view what);

// Most OpenSSL length parameters are `int`; callers split larger buffers into chunks of this.
inline constexpr size_t kMaxChunk = size_t{1} << 30;
static_assert(kMaxChunk <= static_cast<size_t>(INT_MAX));

// pem_password_cb that refuses: encrypted PEM fails instead of prompting on a terminal.
int NoPassword(char* buf, int size, int rwflag, void* u);

// A read-only memory BIO over `data` (not copied: `data` must outlive the BIO).
Result<BioPtr> ReadBio(std::string_view data);
// A fresh writable memory BIO; `secure` uses the cleansing secure-heap variant for secrets.
Result<BioPtr> WriteBio(bool secure = false);
// The bytes written so far to a memory BIO.
ByteSpan BioContents(BIO* bio);

// Big-endian magnitude → BIGNUM (Internal on allocation failure).
Result<BnPtr> BnFromBytes(ByteSpan be);
// The same into secure-heap memory (BN_FLG_SECURE), for private components: OSSL_PARAMs built
// from it are cleansed when freed.
Result<SecretBnPtr> SecretBnFromBytes(ByteSpan be);
// BIGNUM → big-endian bytes, left-padded to `width` (0 = minimal). InvalidArgument if too wide.
Result<Bytes> BnToBytes(const BIGNUM* bn, size_t width = 0);

}  // namespace cocoon::crypto::internal
