// Sample verifier and attester (Trustee's "sample" TEE; docs/evidence.md).
// Trusts nothing: the evidence is only checked to carry the expected runtime-data hash.
#include "tee/sample/sample.h"

#include "base/encoding.h"
#include "crypto/secret_bytes.h"

namespace cocoon::tee::sample {
namespace {

class SampleVerifier : public Verifier {
 public:
  Result<std::vector<TeeClaims>> Evaluate(const VerifyRequest& req) const override {
    if (req.evidence == nullptr || !req.evidence->is_object()) {
      return InvalidArgument("sample evidence must be a JSON object");
    }
    const Json& ev = *req.evidence;
    ASSIGN_OR_RETURN(std::string svn, base::GetString(ev, "svn"));
    ASSIGN_OR_RETURN(std::string report_data_b64, base::GetStringOr(ev, "report_data", ""));
    ASSIGN_OR_RETURN(Bytes report_data, base::Base64Decode(report_data_b64));
    if (!crypto::ConstantTimeEquals(report_data, req.expected_report_data)) {
      return Unauthenticated("sample evidence report_data does not match the runtime data hash");
    }
    TeeClaims out;
    out.tee = "sample";
    out.tee_class = "cpu";
    out.claims = {{"svn", svn},
                  {"report_data", report_data_b64},
                  {"launch_digest", "abcde"},
                  {"platform_version", {{"major", 1}, {"minor", 4}}},
                  {"debug", false}};
    if (req.init_data_digest) out.claims["init_data"] = base::Base64Encode(*req.init_data_digest);
    return std::vector<TeeClaims>{std::move(out)};
  }
};

class SampleAttester : public Attester {
 public:
  explicit SampleAttester(std::string svn) : svn_(std::move(svn)) {}
  std::string_view tee() const override { return "sample"; }
  Result<Json> GetEvidence(ByteSpan report_data) override {
    return Json{{"svn", svn_}, {"report_data", base::Base64Encode(report_data)}};
  }

 private:
  std::string svn_;
};

}  // namespace

Result<Json> VerifyOffline(const OfflineVerifyOptions& o) {
  auto evidence = base::ParseJson(std::string_view(
      reinterpret_cast<const char*>(o.evidence.data()), o.evidence.size()));
  if (!evidence) return InvalidArgument("sample evidence: " + evidence.error().message());
  Bytes expected;
  if (o.report_data) {
    expected = *o.report_data;
  } else if (evidence->is_object() && evidence->contains("report_data") &&
             (*evidence)["report_data"].is_string()) {
    ASSIGN_OR_RETURN(expected, base::Base64Decode((*evidence)["report_data"].get<std::string>()));
  }
  VerifyRequest req;
  req.evidence = &*evidence;
  req.expected_report_data = expected;
  ASSIGN_OR_RETURN(auto claims, SampleVerifier().Evaluate(req));
  return claims.front().claims;
}

std::unique_ptr<Verifier> NewVerifier() { return std::make_unique<SampleVerifier>(); }
std::unique_ptr<Attester> NewAttester(std::string svn) {
  return std::make_unique<SampleAttester>(std::move(svn));
}

}  // namespace cocoon::tee::sample
