// The SNP evidence JSON of guest-components and Trustee (virtee `sev` serde layout):
// {"attestation_report":{…},"cert_chain":null|[{"cert_type":"VCEK"|"VLEK"|"ASK"|"ARK"|"CRL"|
// "Empty"|{"OTHER":"<uuid>"},"data":[DER bytes as numbers]}]}. Byte arrays are JSON number
// arrays. Parsing is strict about sizes and ranges and trusts nothing.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"
#include "tee/snp/report.h"

namespace cocoon::tee::snp {

struct CertEntry {
  std::string type;  // "VCEK", "VLEK", "ASK", "ARK", "CRL", "Empty", or the OTHER uuid
  Bytes data;
};

struct Evidence {
  Report report;
  Bytes report_bytes;  // the 1184-byte layout re-encoded from the JSON
  std::vector<CertEntry> certs;
};

// InvalidArgument naming the JSON field on any shape, range or size error.
Result<Evidence> ParseEvidence(const Json& json);
Json ReportToJson(const Report& r);
Json EvidenceToJson(const Report& r, const std::vector<CertEntry>& certs);

}  // namespace cocoon::tee::snp
