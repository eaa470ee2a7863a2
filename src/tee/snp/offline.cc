// The two front doors of the SNP verifier: the KBS (evidence JSON, Trustee's rules) and
// `cocoon verify-evidence --tee snp` (evidence JSON or raw report, user trust inputs).
#include <chrono>

#include "base/file.h"
#include "base/limits.h"
#include "tee/snp/verifier.h"

namespace cocoon::tee::snp {
namespace {

class KbsVerifier : public Verifier {
 public:
  explicit KbsVerifier(SnpOptions options) : verifier_(std::move(options)) {}

  Result<std::vector<TeeClaims>> Evaluate(const VerifyRequest& req) const override {
    if (req.evidence == nullptr) return InvalidArgument("SNP evidence missing");
    ASSIGN_OR_RETURN(Evidence ev, ParseEvidence(*req.evidence));
    SnpInput in;
    in.report = ev.report_bytes;
    in.certs = std::move(ev.certs);
    if (!req.expected_report_data.empty()) {
      in.expected_report_data =
          Bytes(req.expected_report_data.begin(), req.expected_report_data.end());
    }
    in.expected_host_data = req.init_data_digest;
    ASSIGN_OR_RETURN(Json claims, verifier_.Verify(in));
    TeeClaims out;
    out.tee = "snp";
    out.tee_class = "cpu";
    out.claims = std::move(claims);
    return std::vector<TeeClaims>{std::move(out)};
  }

 private:
  SnpVerifier verifier_;
};

// The first certificate of a PEM or DER file, as DER.
Result<Bytes> ReadCertificate(const std::string& path) {
  ASSIGN_OR_RETURN(auto certs, crypto::LoadCertificates(path, "--cert"));
  return certs.front().ToDer();
}

}  // namespace

std::unique_ptr<Verifier> NewVerifier() {
  SnpOptions options;
  options.required_vmpl = 0;
  options.kds.base_url = kDefaultKdsUrl;
  return NewVerifier(std::move(options));
}

std::unique_ptr<Verifier> NewVerifier(SnpOptions options) {
  return std::make_unique<KbsVerifier>(std::move(options));
}

Result<Json> VerifyOffline(const OfflineVerifyOptions& o) {
  SnpOptions options;
  if (o.chain_path) {
    ASSIGN_OR_RETURN(std::string pem,
                     base::ReadFile(*o.chain_path, "--chain", limits::kSnpCertTableMaxBytes));
    auto chain = ParseChainBundle(pem);
    if (!chain) return InvalidArgument("--chain " + *o.chain_path + ": " + chain.error().message());
    options.trust = std::move(*chain);
  }
  SnpInput in;
  Evidence ev;
  if (o.evidence.size() == kReportSize) {
    ASSIGN_OR_RETURN(ev.report, ParseReport(o.evidence));
    ev.report_bytes = o.evidence;
  } else {
    auto json = base::ParseJson(o.evidence);
    if (!json) {
      return InvalidArgument("SNP evidence is neither a " + std::to_string(kReportSize) +
                             "-byte report nor JSON: " + json.error().message());
    }
    ASSIGN_OR_RETURN(ev, ParseEvidence(*json));
  }
  in.report = ev.report_bytes;
  in.certs = std::move(ev.certs);
  if (o.cert_path) {
    ASSIGN_OR_RETURN(in.vek_der, ReadCertificate(*o.cert_path));
  }
  if (o.report_data) in.expected_report_data = *o.report_data;
  if (o.at_time) {
    in.at_unix =
        std::chrono::duration_cast<std::chrono::seconds>(o.at_time->time_since_epoch()).count();
  }
  SnpVerifier verifier(std::move(options));
  return verifier.Verify(in);
}

}  // namespace cocoon::tee::snp
