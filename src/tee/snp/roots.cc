// Built-in AMD roots (embedded at build time) and user-supplied chain bundles.
#include "tee/snp/roots.h"

#include <mutex>

namespace cocoon::tee::snp {
namespace internal {
extern const std::string_view kMilanRoots;
extern const std::string_view kGenoaRoots;
extern const std::string_view kTurinRoots;
}  // namespace internal

namespace {

Status Place(std::optional<crypto::Certificate>& slot, crypto::Certificate cert,
             std::string_view role) {
  if (slot) return InvalidArgument("chain bundle: more than one " + std::string(role));
  slot = std::move(cert);
  return Ok();
}

}  // namespace

std::string_view BuiltinRootsPem(Product product) {
  switch (product) {
    case Product::kMilan:
      return internal::kMilanRoots;
    case Product::kGenoa:
      return internal::kGenoaRoots;
    case Product::kTurin:
      return internal::kTurinRoots;
    case Product::kUnknown:
      break;
  }
  return {};
}

Result<AmdChain> ParseChainBundle(std::string_view pem) {
  AmdChain chain;
  const bool is_pem = pem.find("-----BEGIN") != std::string_view::npos;
  if (is_pem) {
    ASSIGN_OR_RETURN(chain.crls, crypto::Crl::ParsePemBundle(pem));
  }
  if (is_pem && pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    if (chain.crls.empty()) return InvalidArgument("chain bundle: no certificates");
    return chain;
  }
  // PEM, or concatenated DER certificates (the same helper as every other root loader).
  ASSIGN_OR_RETURN(auto certs, crypto::Certificate::ParseAny(AsBytes(pem)));
  for (crypto::Certificate& c : certs) {
    std::string cn = c.SubjectCommonName();
    if (cn.rfind("ARK-", 0) == 0) {
      TRY(Place(chain.ark, std::move(c), "ARK"));
    } else if (cn.rfind("SEV-VLEK-", 0) == 0) {
      TRY(Place(chain.asvk, std::move(c), "ASVK"));
    } else if (cn.rfind("SEV-", 0) == 0 && cn != "SEV-VCEK" && cn != "SEV-VLEK") {
      TRY(Place(chain.ask, std::move(c), "ASK"));
    } else {
      return InvalidArgument("chain bundle: certificate '" + cn +
                             "' is not an AMD ARK, ASK or ASVK");
    }
  }
  return chain;
}

Result<AmdChain> BuiltinRoots(Product product) {
  static std::mutex mu;
  static std::optional<AmdChain> cache[3];
  if (product == Product::kUnknown) return InvalidArgument("no AMD roots for an unknown product");
  size_t i = static_cast<size_t>(product) - 1;
  std::lock_guard lock(mu);
  if (!cache[i]) {
    ASSIGN_OR_RETURN(AmdChain chain, ParseChainBundle(BuiltinRootsPem(product)));
    if (!chain.ark || !chain.ask || !chain.asvk) {
      return Internal("built-in AMD roots for " + std::string(ProductName(product)) +
                      " are incomplete");
    }
    cache[i] = std::move(chain);
  }
  return *cache[i];
}

}  // namespace cocoon::tee::snp
