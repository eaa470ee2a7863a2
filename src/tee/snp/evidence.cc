// SNP evidence JSON ⇄ report (virtee sev v7 serde names; MANIFEST of testdata/snp).
#include "tee/snp/evidence.h"

#include <algorithm>

#include "base/limits.h"

namespace cocoon::tee::snp {
namespace {

Result<const Json*> Field(const Json& obj, std::string_view key, std::string_view ctx) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    return InvalidArgument("SNP evidence: " + std::string(ctx) + "." + std::string(key) +
                           " missing");
  }
  return &*it;
}

Result<uint64_t> Unsigned(const Json& obj, std::string_view key, uint64_t max,
                          std::string_view ctx) {
  ASSIGN_OR_RETURN(const Json* v, Field(obj, key, ctx));
  if (!v->is_number_integer() || (!v->is_number_unsigned() && v->get<int64_t>() < 0)) {
    return InvalidArgument("SNP evidence: " + std::string(ctx) + "." + std::string(key) +
                           " is not an unsigned integer");
  }
  uint64_t n = v->get<uint64_t>();
  if (n > max) {
    return InvalidArgument("SNP evidence: " + std::string(ctx) + "." + std::string(key) + " = " +
                           std::to_string(n) + " out of range");
  }
  return n;
}

Status ByteArray(const Json& v, uint8_t* out, size_t n, std::string_view what) {
  if (!v.is_array() || v.size() != n) {
    return InvalidArgument("SNP evidence: " + std::string(what) + " must be an array of " +
                           std::to_string(n) + " bytes");
  }
  for (size_t i = 0; i < n; ++i) {
    const Json& e = v[i];
    if (!e.is_number_integer() || e.get<int64_t>() < 0 || e.get<int64_t>() > 255) {
      return InvalidArgument("SNP evidence: " + std::string(what) + "[" + std::to_string(i) +
                             "] is not a byte");
    }
    out[i] = static_cast<uint8_t>(e.get<int64_t>());
  }
  return Ok();
}

template <size_t N>
Status Array(const Json& obj, std::string_view key, std::array<uint8_t, N>& out) {
  ASSIGN_OR_RETURN(const Json* v, Field(obj, key, "attestation_report"));
  return ByteArray(*v, out.data(), N, key);
}

Result<uint64_t> TcbField(const Json& obj, std::string_view key, Product product) {
  ASSIGN_OR_RETURN(const Json* t, Field(obj, key, "attestation_report"));
  if (!t->is_object())
    return InvalidArgument("SNP evidence: " + std::string(key) + " not an object");
  Tcb tcb;
  std::string ctx(key);
  ASSIGN_OR_RETURN(uint64_t bl, Unsigned(*t, "bootloader", 255, ctx));
  ASSIGN_OR_RETURN(uint64_t tee, Unsigned(*t, "tee", 255, ctx));
  ASSIGN_OR_RETURN(uint64_t snp, Unsigned(*t, "snp", 255, ctx));
  ASSIGN_OR_RETURN(uint64_t uc, Unsigned(*t, "microcode", 255, ctx));
  tcb.bootloader = static_cast<uint8_t>(bl);
  tcb.tee = static_cast<uint8_t>(tee);
  tcb.snp = static_cast<uint8_t>(snp);
  tcb.microcode = static_cast<uint8_t>(uc);
  auto fmc = t->find("fmc");
  if (fmc != t->end() && !fmc->is_null()) {
    if (product != Product::kTurin) {
      return InvalidArgument("SNP evidence: " + ctx + ".fmc given for a non-Turin CPU");
    }
    ASSIGN_OR_RETURN(uint64_t f, Unsigned(*t, "fmc", 255, ctx));
    tcb.fmc = static_cast<uint8_t>(f);
  }
  return EncodeTcb(tcb, product);
}

Status Version(const Json& obj, std::string_view key, FirmwareVersion& out) {
  ASSIGN_OR_RETURN(const Json* v, Field(obj, key, "attestation_report"));
  if (!v->is_object())
    return InvalidArgument("SNP evidence: " + std::string(key) + " not an object");
  std::string ctx(key);
  ASSIGN_OR_RETURN(uint64_t major, Unsigned(*v, "major", 255, ctx));
  ASSIGN_OR_RETURN(uint64_t minor, Unsigned(*v, "minor", 255, ctx));
  ASSIGN_OR_RETURN(uint64_t build, Unsigned(*v, "build", 255, ctx));
  out = {static_cast<uint8_t>(major), static_cast<uint8_t>(minor), static_cast<uint8_t>(build)};
  return Ok();
}

Result<std::optional<uint64_t>> OptionalU64(const Json& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<uint64_t>();
  ASSIGN_OR_RETURN(uint64_t v, Unsigned(obj, key, UINT64_MAX, "attestation_report"));
  return std::optional<uint64_t>(v);
}

Result<Report> ParseReportJson(const Json& a) {
  if (!a.is_object()) return InvalidArgument("SNP evidence: attestation_report not an object");
  constexpr std::string_view ctx = "attestation_report";
  Report r;
  ASSIGN_OR_RETURN(uint64_t version, Unsigned(a, "version", UINT32_MAX, ctx));
  if (version < kMinReportVersion || version > kMaxReportVersion) {
    return InvalidArgument("SNP evidence: unsupported report version " + std::to_string(version));
  }
  r.version = static_cast<uint32_t>(version);
  ASSIGN_OR_RETURN(uint64_t svn, Unsigned(a, "guest_svn", UINT32_MAX, ctx));
  r.guest_svn = static_cast<uint32_t>(svn);
  ASSIGN_OR_RETURN(r.policy.raw, Unsigned(a, "policy", UINT64_MAX, ctx));
  TRY(Array(a, "family_id", r.family_id));
  TRY(Array(a, "image_id", r.image_id));
  ASSIGN_OR_RETURN(uint64_t vmpl, Unsigned(a, "vmpl", UINT32_MAX, ctx));
  r.vmpl = static_cast<uint32_t>(vmpl);
  ASSIGN_OR_RETURN(uint64_t algo, Unsigned(a, "sig_algo", UINT32_MAX, ctx));
  r.signature_algo = static_cast<uint32_t>(algo);
  ASSIGN_OR_RETURN(r.platform_info.raw, Unsigned(a, "plat_info", UINT64_MAX, ctx));
  ASSIGN_OR_RETURN(uint64_t key_info, Unsigned(a, "key_info", UINT32_MAX, ctx));
  r.key_info = static_cast<uint32_t>(key_info);
  TRY(Array(a, "report_data", r.report_data));
  TRY(Array(a, "measurement", r.measurement));
  TRY(Array(a, "host_data", r.host_data));
  TRY(Array(a, "id_key_digest", r.id_key_digest));
  TRY(Array(a, "author_key_digest", r.author_key_digest));
  TRY(Array(a, "report_id", r.report_id));
  TRY(Array(a, "report_id_ma", r.report_id_ma));
  if (r.version >= 3) {
    ASSIGN_OR_RETURN(uint64_t fam, Unsigned(a, "cpuid_fam_id", 255, ctx));
    ASSIGN_OR_RETURN(uint64_t mod, Unsigned(a, "cpuid_mod_id", 255, ctx));
    ASSIGN_OR_RETURN(uint64_t step, Unsigned(a, "cpuid_step", 255, ctx));
    r.cpuid_fam_id = static_cast<uint8_t>(fam);
    r.cpuid_mod_id = static_cast<uint8_t>(mod);
    r.cpuid_step = static_cast<uint8_t>(step);
  }
  Product product = r.product();
  ASSIGN_OR_RETURN(r.current_tcb, TcbField(a, "current_tcb", product));
  ASSIGN_OR_RETURN(r.reported_tcb, TcbField(a, "reported_tcb", product));
  ASSIGN_OR_RETURN(r.committed_tcb, TcbField(a, "committed_tcb", product));
  ASSIGN_OR_RETURN(r.launch_tcb, TcbField(a, "launch_tcb", product));
  TRY(Array(a, "chip_id", r.chip_id));
  TRY(Version(a, "current", r.current));
  TRY(Version(a, "committed", r.committed));
  if (r.version >= 5) {
    ASSIGN_OR_RETURN(r.launch_mit_vector, OptionalU64(a, "launch_mit_vector"));
    ASSIGN_OR_RETURN(r.current_mit_vector, OptionalU64(a, "current_mit_vector"));
  }
  ASSIGN_OR_RETURN(const Json* sig, Field(a, "signature", ctx));
  if (!sig->is_object()) return InvalidArgument("SNP evidence: signature not an object");
  ASSIGN_OR_RETURN(const Json* sr, Field(*sig, "r", "signature"));
  ASSIGN_OR_RETURN(const Json* ss, Field(*sig, "s", "signature"));
  TRY(ByteArray(*sr, r.sig_r.data(), r.sig_r.size(), "signature.r"));
  TRY(ByteArray(*ss, r.sig_s.data(), r.sig_s.size(), "signature.s"));
  return r;
}

Result<CertEntry> ParseCert(const Json& e, size_t i) {
  std::string ctx = "cert_chain[" + std::to_string(i) + "]";
  if (!e.is_object()) return InvalidArgument("SNP evidence: " + ctx + " not an object");
  ASSIGN_OR_RETURN(const Json* type, Field(e, "cert_type", ctx));
  CertEntry out;
  if (type->is_string()) {
    out.type = type->get<std::string>();
  } else if (type->is_object() && type->size() == 1 && type->contains("OTHER") &&
             (*type)["OTHER"].is_string()) {
    out.type = (*type)["OTHER"].get<std::string>();
  } else {
    return InvalidArgument("SNP evidence: " + ctx + ".cert_type malformed");
  }
  ASSIGN_OR_RETURN(const Json* data, Field(e, "data", ctx));
  if (!data->is_array()) return InvalidArgument("SNP evidence: " + ctx + ".data not an array");
  if (data->size() > limits::kSnpCertMaxBytes) {
    return ResourceExhausted("SNP evidence: " + ctx + ".data exceeds " +
                             std::to_string(limits::kSnpCertMaxBytes) + " bytes");
  }
  out.data.resize(data->size());
  TRY(ByteArray(*data, out.data.data(), out.data.size(), ctx + ".data"));
  return out;
}

Json Bytes2Json(const uint8_t* p, size_t n) {
  Json a = Json::array();
  for (size_t i = 0; i < n; ++i) a.push_back(p[i]);
  return a;
}
template <size_t N>
Json Bytes2Json(const std::array<uint8_t, N>& a) {
  return Bytes2Json(a.data(), N);
}

Json TcbJson(uint64_t raw, Product product) {
  Tcb t = DecodeTcb(raw, product);
  return Json{{"fmc", t.fmc ? Json(*t.fmc) : Json(nullptr)},
              {"bootloader", t.bootloader},
              {"tee", t.tee},
              {"snp", t.snp},
              {"microcode", t.microcode}};
}

Json VersionJson(const FirmwareVersion& v) {
  return Json{{"major", v.major}, {"minor", v.minor}, {"build", v.build}};
}

}  // namespace

Result<Evidence> ParseEvidence(const Json& json) {
  if (!json.is_object()) return InvalidArgument("SNP evidence must be a JSON object");
  ASSIGN_OR_RETURN(const Json* a, Field(json, "attestation_report", "evidence"));
  Evidence ev;
  ASSIGN_OR_RETURN(ev.report, ParseReportJson(*a));
  ev.report_bytes = EncodeReport(ev.report);
  auto chain = json.find("cert_chain");
  if (chain != json.end() && !chain->is_null()) {
    if (!chain->is_array()) return InvalidArgument("SNP evidence: cert_chain not an array");
    if (chain->size() > limits::kSnpCertChainMaxEntries) {
      return ResourceExhausted("SNP evidence: cert_chain has " + std::to_string(chain->size()) +
                               " entries, limit " +
                               std::to_string(limits::kSnpCertChainMaxEntries));
    }
    for (size_t i = 0; i < chain->size(); ++i) {
      ASSIGN_OR_RETURN(CertEntry e, ParseCert((*chain)[i], i));
      ev.certs.push_back(std::move(e));
    }
  }
  return ev;
}

Json ReportToJson(const Report& r) {
  Product p = r.product();
  Json a = {
      {"version", r.version},
      {"guest_svn", r.guest_svn},
      {"policy", r.policy.raw},
      {"family_id", Bytes2Json(r.family_id)},
      {"image_id", Bytes2Json(r.image_id)},
      {"vmpl", r.vmpl},
      {"sig_algo", r.signature_algo},
      {"current_tcb", TcbJson(r.current_tcb, p)},
      {"plat_info", r.platform_info.raw},
      {"key_info", r.key_info},
      {"report_data", Bytes2Json(r.report_data)},
      {"measurement", Bytes2Json(r.measurement)},
      {"host_data", Bytes2Json(r.host_data)},
      {"id_key_digest", Bytes2Json(r.id_key_digest)},
      {"author_key_digest", Bytes2Json(r.author_key_digest)},
      {"report_id", Bytes2Json(r.report_id)},
      {"report_id_ma", Bytes2Json(r.report_id_ma)},
      {"reported_tcb", TcbJson(r.reported_tcb, p)},
      {"cpuid_fam_id", r.cpuid_fam_id},
      {"cpuid_mod_id", r.cpuid_mod_id},
      {"cpuid_step", r.cpuid_step},
      {"chip_id", Bytes2Json(r.chip_id)},
      {"committed_tcb", TcbJson(r.committed_tcb, p)},
      {"current", VersionJson(r.current)},
      {"committed", VersionJson(r.committed)},
      {"launch_tcb", TcbJson(r.launch_tcb, p)},
      {"signature", {{"r", Bytes2Json(r.sig_r)}, {"s", Bytes2Json(r.sig_s)}}},
  };
  if (r.launch_mit_vector) a["launch_mit_vector"] = *r.launch_mit_vector;
  if (r.current_mit_vector) a["current_mit_vector"] = *r.current_mit_vector;
  return a;
}

Json EvidenceToJson(const Report& r, const std::vector<CertEntry>& certs) {
  Json chain = nullptr;
  if (!certs.empty()) {
    chain = Json::array();
    for (const CertEntry& c : certs) {
      bool named = c.type == "VCEK" || c.type == "VLEK" || c.type == "ASK" || c.type == "ARK" ||
                   c.type == "CRL" || c.type == "Empty";
      chain.push_back({{"cert_type", named ? Json(c.type) : Json{{"OTHER", c.type}}},
                       {"data", Bytes2Json(c.data.data(), c.data.size())}});
    }
  }
  return Json{{"attestation_report", ReportToJson(r)}, {"cert_chain", chain}};
}

}  // namespace cocoon::tee::snp
