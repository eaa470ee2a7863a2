// AMD trust anchors for SEV-SNP: per product the ARK (root), ASK (signs VCEKs) and ASVK (signs
// VLEKs). Built in from roots/*.pem (the bundles Trustee ships, order ASK, ARK, ASVK), or
// replaced by a user's PEM bundle.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "crypto/crl.h"
#include "crypto/x509.h"
#include "tee/snp/report.h"

namespace cocoon::tee::snp {

struct AmdChain {
  std::optional<crypto::Certificate> ark;
  std::optional<crypto::Certificate> ask;
  std::optional<crypto::Certificate> asvk;
  std::vector<crypto::Crl> crls;
};

// The built-in bundle for `product` (parsed once, then shared). InvalidArgument for kUnknown.
Result<AmdChain> BuiltinRoots(Product product);
// The PEM text embedded for `product` (for tests that compare with testdata).
std::string_view BuiltinRootsPem(Product product);

// Sorts a bundle's certificates by role: self-signed "ARK-*" → ark, "SEV-VLEK-*" → asvk,
// other "SEV-*" → ask; X509 CRL blocks → crls. `pem` is PEM text or concatenated DER
// certificates. InvalidArgument for an unknown CN or a duplicate.
Result<AmdChain> ParseChainBundle(std::string_view pem);

}  // namespace cocoon::tee::snp
