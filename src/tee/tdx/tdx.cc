// Evidence JSON ↔ QuoteVerifier: the KBS Verifier and the offline CLI entry point.
#include "tee/tdx/tdx.h"

#include "base/encoding.h"
#include "base/file.h"
#include "crypto/x509.h"

namespace cocoon::tee::tdx {
namespace {

struct Evidence {
  Bytes quote;
  std::optional<Bytes> event_log;
};

Result<Evidence> ParseEvidence(const Json& ev) {
  if (!ev.is_object()) return InvalidArgument("TDX evidence must be a JSON object");
  Evidence out;
  ASSIGN_OR_RETURN(std::string quote_b64, base::GetString(ev, "quote"));
  auto quote = base::Base64Decode(quote_b64);
  if (!quote) return InvalidArgument("TDX evidence: quote: " + quote.error().message());
  out.quote = std::move(*quote);
  ASSIGN_OR_RETURN(const Json* log, base::FindField(ev, "cc_eventlog"));
  if (log != nullptr && !log->is_null()) {
    if (!log->is_string()) return InvalidArgument("TDX evidence: cc_eventlog must be a string");
    auto bytes = base::Base64Decode(log->get<std::string>());
    if (!bytes) return InvalidArgument("TDX evidence: cc_eventlog: " + bytes.error().message());
    out.event_log = std::move(*bytes);
  }
  return out;
}

class TdxVerifier : public Verifier {
 public:
  explicit TdxVerifier(std::unique_ptr<QuoteVerifier> v) : v_(std::move(v)) {}
  Result<std::vector<TeeClaims>> Evaluate(const VerifyRequest& req) const override {
    if (req.evidence == nullptr) return InvalidArgument("TDX evidence missing");
    ASSIGN_OR_RETURN(Evidence ev, ParseEvidence(*req.evidence));
    QuoteInput in;
    in.quote = ev.quote;
    if (ev.event_log) in.event_log = ByteSpan(*ev.event_log);
    in.expected_report_data = req.expected_report_data;
    in.init_data_digest = req.init_data_digest;
    ASSIGN_OR_RETURN(Json claims, v_->Verify(in));
    return std::vector<TeeClaims>{{"tdx", "cpu", std::move(claims)}};
  }

 private:
  std::unique_ptr<QuoteVerifier> v_;
};

}  // namespace

Result<std::unique_ptr<Verifier>> NewVerifier(VerifierOptions options) {
  if (!options.collateral) return FailedPrecondition(kNoCollateral);
  ASSIGN_OR_RETURN(auto v, QuoteVerifier::Create(std::move(options)));
  return std::unique_ptr<Verifier>(new TdxVerifier(std::move(v)));
}

Result<Json> VerifyOffline(const OfflineVerifyOptions& o) {
  VerifierOptions vo;
  if (o.root_path) {
    ASSIGN_OR_RETURN(vo.roots, crypto::LoadCertificates(*o.root_path, "--root"));
  }
  if (o.collateral_dir) vo.collateral = NewDirectorySource(*o.collateral_dir);
  ASSIGN_OR_RETURN(auto verifier, QuoteVerifier::Create(std::move(vo)));
  Evidence ev;
  std::string_view text = AsString(o.evidence);
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    ASSIGN_OR_RETURN(Json j, base::ParseJson(text));
    ASSIGN_OR_RETURN(ev, ParseEvidence(j));
  } else {
    ev.quote = o.evidence;
  }
  QuoteInput in;
  in.quote = ev.quote;
  if (ev.event_log) in.event_log = ByteSpan(*ev.event_log);
  if (o.report_data) in.expected_report_data = *o.report_data;
  if (o.at_time) {
    in.at = std::chrono::duration_cast<std::chrono::seconds>(o.at_time->time_since_epoch()).count();
  }
  return verifier->Verify(in);
}

}  // namespace cocoon::tee::tdx
