// Verification of the AMD certificate chain ARK → ASK/ASVK → VCEK/VLEK: each link's signature
// (RSA-PSS SHA-384, by OpenSSL), CRLs signed by the ARK, and validity times. Successful chains
// are cached by the digest of their DER bytes; validity is re-checked on every call.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "crypto/keys.h"
#include "crypto/x509.h"
#include "tee/snp/roots.h"
#include "tee/snp/vek.h"

namespace cocoon::tee::snp {

// What a verified chain yields.
struct VerifiedVek {
  crypto::PublicKey key;
  VekInfo info;
  Product product = Product::kUnknown;
  std::string issuer_cn;  // "SEV-Milan", "SEV-VLEK-Genoa", …
  struct Window {
    std::string name;  // "ARK", "ASK", "ASVK", "VCEK", "VLEK"
    int64_t not_before = 0;
    int64_t not_after = 0;
  };
  std::vector<Window> validity;
};

struct ChainInput {
  Bytes vek_der;
  // From the evidence (optional): an ARK that must equal the trusted one, an ASK/ASVK to use
  // instead of the trusted one, CRLs (DER).
  std::optional<Bytes> ark_der;
  std::optional<Bytes> ask_der;
  std::vector<Bytes> crl_ders;
  // The product the report names (v3+), kUnknown to take it from the VEK's issuer.
  Product report_product = Product::kUnknown;
};

// Unauthenticated "VCEK chain: ASK expired at … (notAfter …)" if `at` is outside any window.
Status CheckValidity(const VerifiedVek& vek, int64_t at);

class ChainVerifier {
 public:
  // `trust`: replaces the built-in roots of every product when set (--chain).
  explicit ChainVerifier(std::optional<AmdChain> trust = std::nullopt, size_t cache_size = 1024);

  // Unauthenticated naming the failed link ("VCEK chain: ASK signature invalid …"); validity
  // times are not checked here (CheckValidity). InvalidArgument for certificates that do not
  // parse.
  Result<VerifiedVek> Verify(const ChainInput& in) const;

  size_t cache_hits() const;
  void ClearCache() const;

 private:
  Result<VerifiedVek> VerifyUncached(const ChainInput& in) const;
  Result<AmdChain> Anchors(Product product) const;

  std::optional<AmdChain> trust_;
  size_t cache_size_;
  mutable std::mutex mu_;
  mutable std::map<Bytes, VerifiedVek> cache_;
  mutable std::list<Bytes> order_;  // insertion order, for eviction
  mutable size_t hits_ = 0;
};

// "2025-12-10T22:14:21Z"
std::string UnixToText(int64_t t);

}  // namespace cocoon::tee::snp
