// The initdata self-check (see initdata_binding.h). Evidence and initdata are parsed with the
// verifiers' own parsers; only the init-data field is read, no signature is checked (the
// evidence comes straight from the guest's TEE device).
#include "guest/initdata_binding.h"

#include <algorithm>
#include <optional>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/secret_bytes.h"
#include "initdata/initdata.h"
#include "tee/snp/evidence.h"
#include "tee/tdx/quote.h"
#include "tee/tpm/tpm.h"
#include "tee/tpm/tpm_types.h"

namespace cocoon::guest {
namespace {

// The evidence's init-data field and what the initdata digest must look like to match it.
struct Field {
  std::string name;  // "SNP HOSTDATA", …
  Bytes actual;
  Bytes expected;
};

Bytes Resized(ByteSpan b, size_t n) {
  Bytes out(b.begin(), b.begin() + std::min(b.size(), n));
  out.resize(n, 0);
  return out;
}

Result<Field> SnpField(const Json& evidence, const Bytes& digest) {
  ASSIGN_OR_RETURN(tee::snp::Evidence ev, tee::snp::ParseEvidence(evidence));
  const auto& host = ev.report.host_data;
  return Field{"SNP HOSTDATA", Bytes(host.begin(), host.end()), Resized(digest, host.size())};
}

Result<Field> TdxField(const Json& evidence, const Bytes& digest) {
  ASSIGN_OR_RETURN(std::string b64, base::GetString(evidence, "quote"));
  ASSIGN_OR_RETURN(Bytes quote, base::Base64Decode(b64));
  ASSIGN_OR_RETURN(tee::tdx::Quote q, tee::tdx::ParseQuote(quote));
  if (digest.size() > q.body.mr_config_id.size()) {
    return InvalidArgument("initdata digest is longer than the TDX MRCONFIGID (48 bytes)");
  }
  const ByteSpan id = q.body.mr_config_id;
  return Field{"TDX MRCONFIGID", Bytes(id.begin(), id.end()), Resized(digest, id.size())};
}

// PCR 8 of the SHA-256 bank, found through the quote's PCR selection (values are in its order).
Result<Bytes> QuotedPcr8(const tee::tpm::Evidence& ev) {
  ASSIGN_OR_RETURN(tee::tpm::Attest a, tee::tpm::ParseAttest(ev.message));
  size_t index = 0;
  for (const auto& sel : a.pcr_select) {
    for (uint32_t pcr : sel.pcrs) {
      if (index >= ev.pcrs.size()) {
        return InvalidArgument("TPM evidence: fewer PCR values than selected");
      }
      if (sel.hash == tee::tpm::kAlgSha256 && pcr == tee::tpm::kInitDataPcr) return ev.pcrs[index];
      ++index;
    }
  }
  return InvalidArgument("TPM evidence does not quote PCR 8 of the SHA-256 bank");
}

Result<Field> TpmField(const Json& evidence, const Bytes& digest) {
  if (digest.size() != 32) return InvalidArgument("initdata for a TPM must use algorithm sha256");
  ASSIGN_OR_RETURN(tee::tpm::Evidence ev, tee::tpm::ParseEvidence(evidence));
  ASSIGN_OR_RETURN(Bytes pcr8, QuotedPcr8(ev));
  Bytes buf(32, 0);
  buf.insert(buf.end(), digest.begin(), digest.end());
  return Field{"TPM PCR 8", std::move(pcr8), crypto::Sha256(buf)};
}

// Sample evidence proves nothing; it is compared only when it carries the field.
Result<std::optional<Field>> SampleField(const Json& evidence, const Bytes& digest) {
  if (!evidence.is_object() || !evidence.contains("init_data")) return std::optional<Field>();
  ASSIGN_OR_RETURN(std::string b64, base::GetString(evidence, "init_data"));
  ASSIGN_OR_RETURN(Bytes actual, base::Base64Decode(b64));
  return std::optional<Field>(Field{"sample init_data", std::move(actual), digest});
}

}  // namespace

Result<std::string> CheckInitDataBinding(std::string_view tee, const Json& evidence,
                                         std::string_view initdata_toml) {
  auto d = initdata::DigestInitData({"toml", std::string(initdata_toml)});
  if (!d) return std::unexpected(d.error().WithContext("initdata"));
  const Bytes& digest = d->digest;
  std::optional<Field> f;
  if (tee == "snp") {
    ASSIGN_OR_RETURN(f, SnpField(evidence, digest));
  } else if (tee == "tdx") {
    ASSIGN_OR_RETURN(f, TdxField(evidence, digest));
  } else if (tee == "tpm") {
    ASSIGN_OR_RETURN(f, TpmField(evidence, digest));
  } else if (tee == "sample") {
    ASSIGN_OR_RETURN(f, SampleField(evidence, digest));
    if (!f) {
      return "initdata " + base::HexEncode(digest) +
             " not checked: the sample TEE's evidence has no init-data field (it proves nothing)";
    }
  } else {
    return InvalidArgument("TEE '" + std::string(tee) + "' has no init-data field to check");
  }
  if (!crypto::ConstantTimeEquals(f->actual, f->expected)) {
    return FailedPrecondition("initdata digest " + base::HexEncode(digest) +
                              " does not match the " + f->name + " " + base::HexEncode(f->actual) +
                              " (expected " + base::HexEncode(f->expected) +
                              "): this initdata is not the one the TEE measured");
  }
  return "initdata " + base::HexEncode(digest) + " matches the " + f->name;
}

Result<std::string> CheckInitDataWithAttester(tee::Attester& attester,
                                              std::string_view initdata_toml) {
  Bytes report_data(32, 0);
  auto evidence = attester.GetEvidence(report_data);
  if (!evidence) return std::unexpected(evidence.error().WithContext("initdata check"));
  return CheckInitDataBinding(attester.tee(), *evidence, initdata_toml);
}

}  // namespace cocoon::guest
