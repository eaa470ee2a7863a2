// Where collateral comes from: a directory (offline verification, tests) or Intel's PCS/PCCS
// v4 API. Both cache in memory; neither trusts what it returns (verify.cc checks signatures).
#include <algorithm>
#include <filesystem>
#include <map>

#include "base/encoding.h"
#include "base/fetch_gate.h"
#include "base/file.h"
#include "base/time.h"
#include "net/http.h"
#include "net/http_client.h"
#include "tee/tdx/collateral.h"

namespace cocoon::tee::tdx {
namespace {

bool LooksHex(std::string_view s) {
  if (s.empty() || s.size() % 2 != 0) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return std::string(s);
}

class DirectorySource : public CollateralSource {
 public:
  explicit DirectorySource(std::string dir) : dir_(std::move(dir)) {}

  Result<std::shared_ptr<const Collateral>> Fetch(ByteSpan, PckCa) override {
    std::lock_guard lock(mu_);
    if (cached_) return cached_;
    auto c = std::make_shared<Collateral>();
    ASSIGN_OR_RETURN(std::string tcb, Read("tcb_info.json", true));
    ASSIGN_OR_RETURN(c->tcb_info, ParseTcbInfo(tcb));
    ASSIGN_OR_RETURN(std::string tcb_chain, Read("tcb_info_issuer_chain.pem", true));
    ASSIGN_OR_RETURN(c->tcb_info_chain, ParseIssuerChain(tcb_chain, "tcb_info_issuer_chain"));
    ASSIGN_OR_RETURN(std::string qe, Read("qe_identity.json", true));
    ASSIGN_OR_RETURN(c->qe_identity, ParseQeIdentity(qe));
    ASSIGN_OR_RETURN(std::string qe_chain, Read("qe_identity_issuer_chain.pem", true));
    ASSIGN_OR_RETURN(c->qe_identity_chain, ParseIssuerChain(qe_chain, "qe_identity_issuer_chain"));
    ASSIGN_OR_RETURN(std::string pck_crl, ReadEither("pck_crl"));
    if (!pck_crl.empty()) {
      ASSIGN_OR_RETURN(c->pck_crl, ParseCrlBytes(pck_crl, "pck_crl"));
    }
    ASSIGN_OR_RETURN(std::string pck_chain, Read("pck_crl_issuer_chain.pem", false));
    if (!pck_chain.empty()) {
      ASSIGN_OR_RETURN(c->pck_crl_chain, ParseIssuerChain(pck_chain, "pck_crl_issuer_chain"));
    }
    ASSIGN_OR_RETURN(std::string root_crl, ReadEither("root_ca_crl"));
    if (!root_crl.empty()) {
      ASSIGN_OR_RETURN(c->root_ca_crl, ParseCrlBytes(root_crl, "root_ca_crl"));
    }
    cached_ = std::move(c);
    return cached_;
  }

  std::string Describe() const override { return "directory " + dir_; }

 private:
  Result<std::string> Read(const std::string& name, bool required) {
    std::string path = dir_ + "/" + name;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      if (!required) return std::string();
      return NotFound("TDX: collateral " + name + " missing in " + dir_);
    }
    return base::ReadFile(path, name, kCollateralCrlMaxBytes);
  }
  Result<std::string> ReadEither(const std::string& stem) {
    ASSIGN_OR_RETURN(std::string der, Read(stem + ".der", false));
    if (!der.empty()) return der;
    return Read(stem + ".pem", false);
  }

  std::string dir_;
  std::mutex mu_;
  std::shared_ptr<const Collateral> cached_;
};

class PccsSource : public CollateralSource {
 public:
  PccsSource(std::string base, std::string ca_file)
      : base_(std::move(base)), ca_file_(std::move(ca_file)) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }

  Result<std::shared_ptr<const Collateral>> Fetch(ByteSpan fmspc, PckCa ca) override {
    std::string key = base::HexEncode(fmspc) + "/" + std::string(PckCaName(ca));
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    {
      std::lock_guard lock(mu_);
      auto it = cache_.find(key);
      if (it != cache_.end() && now < it->second.expires) return it->second.value;
    }
    // Quotes trigger this, so it is bounded: one download per key in flight, failures
    // remembered, a cap on concurrent downloads (base/fetch_gate.h).
    return gate_.Run(key, [&]() -> Result<std::shared_ptr<const Collateral>> {
      ASSIGN_OR_RETURN(auto fresh, Download(fmspc, ca));
      int64_t expires = std::min(fresh->tcb_info.next_update, fresh->qe_identity.next_update);
      if (fresh->pck_crl && fresh->pck_crl->next_update()) {
        expires = std::min(expires, *fresh->pck_crl->next_update());
      }
      std::lock_guard lock(mu_);
      if (cache_.size() > 1024) cache_.clear();
      cache_[key] = {fresh, expires};
      return fresh;
    });
  }

  std::string Describe() const override { return "PCCS " + base_; }

 private:
  struct Entry {
    std::shared_ptr<const Collateral> value;
    int64_t expires = 0;
  };

  Result<net::ClientResponse> Get(const std::string& path, std::string_view what) {
    net::HttpClientOptions opts;
    opts.ca_file = ca_file_;
    opts.max_response_bytes = kCollateralCrlMaxBytes;
    net::HttpClient client(opts);
    auto r = client.Get(base_ + path);
    if (!r) return std::unexpected(r.error().WithContext("TDX: collateral " + std::string(what)));
    if (r->status / 100 != 2) {
      return std::unexpected(
          net::ErrorFromReply(r->status, r->body, "TDX: collateral " + std::string(what)));
    }
    return r;
  }

  static Result<std::vector<crypto::Certificate>> ChainHeader(
      const net::ClientResponse& r, std::initializer_list<std::string_view> names,
      std::string_view what) {
    for (std::string_view n : names) {
      if (auto v = r.headers.Get(n)) {
        auto pem = net::PercentDecode(*v);
        if (!pem)
          return InvalidArgument("TDX: collateral " + std::string(what) + ": bad URL encoding");
        return ParseIssuerChain(*pem, what);
      }
    }
    return NotFound("TDX: collateral " + std::string(what) + ": header missing");
  }

  Result<std::shared_ptr<const Collateral>> Download(ByteSpan fmspc, PckCa ca) {
    auto c = std::make_shared<Collateral>();
    ASSIGN_OR_RETURN(auto tcb,
                     Get("/tdx/certification/v4/tcb?fmspc=" + base::HexEncode(fmspc), "tcb_info"));
    ASSIGN_OR_RETURN(c->tcb_info, ParseTcbInfo(tcb.body));
    ASSIGN_OR_RETURN(c->tcb_info_chain,
                     ChainHeader(tcb, {"TCB-Info-Issuer-Chain", "SGX-TCB-Info-Issuer-Chain"},
                                 "tcb_info_issuer_chain"));
    ASSIGN_OR_RETURN(auto qe, Get("/tdx/certification/v4/qe/identity", "qe_identity"));
    ASSIGN_OR_RETURN(c->qe_identity, ParseQeIdentity(qe.body));
    ASSIGN_OR_RETURN(c->qe_identity_chain, ChainHeader(qe, {"SGX-Enclave-Identity-Issuer-Chain"},
                                                       "qe_identity_issuer_chain"));
    ASSIGN_OR_RETURN(auto crl, Get("/sgx/certification/v4/pckcrl?ca=" + std::string(PckCaName(ca)) +
                                       "&encoding=der",
                                   "pck_crl"));
    ASSIGN_OR_RETURN(c->pck_crl, ParseCrlBytes(crl.body, "pck_crl"));
    ASSIGN_OR_RETURN(c->pck_crl_chain,
                     ChainHeader(crl, {"SGX-PCK-CRL-Issuer-Chain"}, "pck_crl_issuer_chain"));
    ASSIGN_OR_RETURN(auto root, Get("/sgx/certification/v4/rootcacrl", "root_ca_crl"));
    ASSIGN_OR_RETURN(c->root_ca_crl, ParseCrlBytes(root.body, "root_ca_crl"));
    return std::shared_ptr<const Collateral>(std::move(c));
  }

  std::string base_, ca_file_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;
  base::FetchGate<std::shared_ptr<const Collateral>> gate_{base::FetchGateOptions{
      .what = "TDX collateral fetch", .max_in_flight = 4, .negative_ttl = std::chrono::minutes(1)}};
};

}  // namespace

std::string_view PckCaName(PckCa ca) { return ca == PckCa::kPlatform ? "platform" : "processor"; }

Result<std::vector<crypto::Certificate>> ParseIssuerChain(std::string_view pem,
                                                          std::string_view what) {
  auto certs = crypto::Certificate::ParsePemBundle(pem);
  if (!certs) {
    return std::unexpected(certs.error().WithContext("TDX: collateral " + std::string(what)));
  }
  if (certs->size() > 4)
    return InvalidArgument("TDX: collateral " + std::string(what) + ": too many certificates");
  return certs;
}

Result<crypto::Crl> ParseCrlBytes(std::string_view bytes, std::string_view what) {
  if (bytes.size() > kCollateralCrlMaxBytes)
    return ResourceExhausted("TDX: collateral " + std::string(what) + " too large");
  // PCCS serves the root CA CRL as hex text of the DER; PCS as DER or PEM.
  std::string trimmed = Trim(bytes);
  Result<crypto::Crl> crl = InvalidArgument("unparsed");
  if (LooksHex(trimmed)) {
    auto der = base::HexDecode(trimmed);
    if (!der) return InvalidArgument("TDX: collateral " + std::string(what) + ": bad hex");
    crl = crypto::Crl::FromDer(*der);
  } else {
    crl = crypto::Crl::FromAny(AsBytes(bytes));
  }
  if (!crl) return std::unexpected(crl.error().WithContext("TDX: collateral " + std::string(what)));
  return crl;
}

std::unique_ptr<CollateralSource> NewDirectorySource(std::string dir) {
  return std::make_unique<DirectorySource>(std::move(dir));
}

std::unique_ptr<CollateralSource> NewPccsSource(std::string base_url, std::string ca_file) {
  return std::make_unique<PccsSource>(std::move(base_url), std::move(ca_file));
}

}  // namespace cocoon::tee::tdx
