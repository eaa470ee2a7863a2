// ARK → ASK/ASVK → VEK, link by link, so a failure names the link. Trust: the built-in roots of
// the product (or the --chain bundle); an ARK inside the evidence is only accepted if it is
// byte-identical to the trusted one.
#include "tee/snp/chain.h"

#include <algorithm>

#include "base/time.h"
#include "crypto/digest.h"
#include "crypto/crl.h"

namespace cocoon::tee::snp {
namespace {

Status Link(const crypto::Certificate& child, const crypto::Certificate& parent,
            std::string_view prefix, std::string_view child_name) {
  ASSIGN_OR_RETURN(crypto::PublicKey key, parent.public_key());
  if (!child.VerifySignedBy(key)) {
    return Unauthenticated(std::string(prefix) + ": " + std::string(child_name) +
                           " signature invalid (not signed by " + parent.SubjectCommonName() + ")");
  }
  return Ok();
}

Result<VerifiedVek::Window> WindowOf(const crypto::Certificate& c, std::string name) {
  ASSIGN_OR_RETURN(int64_t nb, c.NotBefore());
  ASSIGN_OR_RETURN(int64_t na, c.NotAfter());
  return VerifiedVek::Window{std::move(name), nb, na};
}

Bytes CacheKey(const ChainInput& in) {
  crypto::Hasher h(crypto::HashAlg::kSha256);
  auto part = [&h](uint8_t tag, ByteSpan b) {
    uint8_t hdr[9] = {tag};
    for (int i = 0; i < 8; ++i) hdr[1 + i] = static_cast<uint8_t>(uint64_t{b.size()} >> (8 * i));
    h.Update(hdr);
    h.Update(b);
  };
  uint8_t product = static_cast<uint8_t>(in.report_product);
  part(0, ByteSpan(&product, 1));
  part(1, in.vek_der);
  if (in.ark_der) part(2, *in.ark_der);
  if (in.ask_der) part(3, *in.ask_der);
  for (const Bytes& crl : in.crl_ders) part(4, crl);
  return h.Finish();
}

}  // namespace

Status CheckValidity(const VerifiedVek& v, int64_t at) {
  std::string prefix = std::string(VekKindName(v.info.kind)) + " chain";
  for (const auto& w : v.validity) {
    if (at < w.not_before) {
      return Unauthenticated(std::string(prefix) + ": " + w.name + " not yet valid at " +
                             UnixToText(at) + " (notBefore " + UnixToText(w.not_before) + ")");
    }
    if (at > w.not_after) {
      return Unauthenticated(std::string(prefix) + ": " + w.name + " expired at " + UnixToText(at) +
                             " (notAfter " + UnixToText(w.not_after) + ")");
    }
  }
  return Ok();
}

std::string UnixToText(int64_t t) { return base::FormatRfc3339(t); }

ChainVerifier::ChainVerifier(std::optional<AmdChain> trust, size_t cache_size)
    : trust_(std::move(trust)), cache_size_(cache_size) {}

Result<AmdChain> ChainVerifier::Anchors(Product product) const {
  if (trust_) return *trust_;
  return BuiltinRoots(product);
}

Result<VerifiedVek> ChainVerifier::Verify(const ChainInput& in) const {
  Bytes key = CacheKey(in);
  std::optional<VerifiedVek> found;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      ++hits_;
      found = it->second;
    }
  }
  if (!found) {
    ASSIGN_OR_RETURN(VerifiedVek v, VerifyUncached(in));
    std::lock_guard lock(mu_);
    if (cache_size_ > 0 && !cache_.contains(key)) {
      if (cache_.size() >= cache_size_) {
        cache_.erase(order_.front());
        order_.pop_front();
      }
      cache_.emplace(key, v);
      order_.push_back(key);
    }
    found = std::move(v);
  }
  return std::move(*found);
}

Result<VerifiedVek> ChainVerifier::VerifyUncached(const ChainInput& in) const {
  auto vek_cert = crypto::Certificate::FromDer(in.vek_der);
  if (!vek_cert) return InvalidArgument("VEK certificate: " + vek_cert.error().message());
  ASSIGN_OR_RETURN(VekInfo info, ParseVek(*vek_cert));
  const std::string kind(VekKindName(info.kind));
  const std::string prefix = kind + " chain";

  // The issuer CN names the product ("SEV-Milan", "SEV-VLEK-Genoa"); the report's CPUID, when
  // present, must agree.
  std::string issuer_cn = vek_cert->IssuerCommonName();
  Product product = ProductFromName(issuer_cn);
  if (product == Product::kUnknown) product = ProductFromName(info.product_name);
  if (in.report_product != Product::kUnknown) {
    if (product != Product::kUnknown && product != in.report_product) {
      return Unauthenticated("product mismatch: report CPUID says " +
                             std::string(ProductName(in.report_product)) + " but the " + kind +
                             " is issued by " + issuer_cn);
    }
    product = in.report_product;
  }
  if (product == Product::kUnknown && !trust_) {
    return Unauthenticated("cannot tell the AMD product: report has no CPUID and the " + kind +
                           " issuer is '" + issuer_cn + "'");
  }
  ASSIGN_OR_RETURN(AmdChain anchors, Anchors(product));
  if (!anchors.ark) return InvalidArgument(prefix + ": no ARK in the trusted chain");
  const crypto::Certificate& ark = *anchors.ark;
  if (in.ark_der) {
    ASSIGN_OR_RETURN(Bytes trusted_der, ark.ToDer());
    if (*in.ark_der != trusted_der) {
      return Unauthenticated(prefix + ": ARK in the evidence is not the trusted " +
                             ark.SubjectCommonName());
    }
  }
  const bool vlek = info.kind == VekKind::kVlek;
  const std::string signer_name = vlek ? "ASVK" : "ASK";
  std::optional<crypto::Certificate> signer = vlek ? anchors.asvk : anchors.ask;
  if (in.ask_der && !vlek) {
    auto ask = crypto::Certificate::FromDer(*in.ask_der);
    if (!ask) return InvalidArgument("ASK in the evidence: " + ask.error().message());
    signer = std::move(*ask);
  }
  if (!signer) return InvalidArgument(prefix + ": no " + signer_name + " in the trusted chain");

  TRY(Link(ark, ark, prefix, "ARK"));
  TRY(Link(*signer, ark, prefix, signer_name));
  TRY(Link(*vek_cert, *signer, prefix, kind));

  std::vector<crypto::Crl> crls = anchors.crls;
  for (const Bytes& der : in.crl_ders) {
    auto crl = crypto::Crl::FromDer(der);
    if (!crl) return InvalidArgument("CRL in the evidence: " + crl.error().message());
    crls.push_back(std::move(*crl));
  }
  ASSIGN_OR_RETURN(crypto::PublicKey ark_key, ark.public_key());
  ASSIGN_OR_RETURN(crypto::PublicKey signer_key, signer->public_key());
  for (const crypto::Crl& crl : crls) {
    if (crl.VerifySignedBy(ark_key)) {
      if (crl.IsRevoked(*signer)) {
        return Unauthenticated(prefix + ": " + signer_name + " revoked by the CRL of " +
                               ark.SubjectCommonName());
      }
    } else if (crl.VerifySignedBy(signer_key)) {
      if (crl.IsRevoked(*vek_cert)) {
        return Unauthenticated(prefix + ": " + kind + " revoked by the CRL of " +
                               signer->SubjectCommonName());
      }
    } else {
      return Unauthenticated(prefix + ": CRL of '" + crl.Issuer() + "' is not signed by " +
                             ark.SubjectCommonName() + " or " + signer->SubjectCommonName());
    }
  }

  ASSIGN_OR_RETURN(crypto::PublicKey vek_key, vek_cert->public_key());
  if (vek_key.type() != crypto::KeyType::kEcP384) {
    return Unauthenticated(prefix + ": " + kind + " key is " +
                           std::string(crypto::KeyTypeName(vek_key.type())) + ", not P-384");
  }
  VerifiedVek out{vek_key, std::move(info), product, issuer_cn, {}};
  ASSIGN_OR_RETURN(auto w_ark, WindowOf(ark, "ARK"));
  ASSIGN_OR_RETURN(auto w_signer, WindowOf(*signer, signer_name));
  ASSIGN_OR_RETURN(auto w_vek, WindowOf(*vek_cert, kind));
  out.validity = {w_ark, w_signer, w_vek};
  return out;
}

size_t ChainVerifier::cache_hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

void ChainVerifier::ClearCache() const {
  std::lock_guard lock(mu_);
  cache_.clear();
  order_.clear();
}

}  // namespace cocoon::tee::snp
