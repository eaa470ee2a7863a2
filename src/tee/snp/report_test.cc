// Parsing of SNP reports, evidence JSON, VEK extensions and the GHCB certificate table, on the
// real vectors of testdata/snp (values from its MANIFEST).
#include "tee/snp/report.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/limits.h"
#include "tee/snp/cert_table.h"
#include "tee/snp/evidence.h"
#include "tee/snp/roots.h"
#include "tee/snp/testing/test_util.h"
#include "tee/snp/vek.h"

namespace cocoon::tee::snp {
namespace {

using testing::Vector;

std::string Hex(ByteSpan b) { return base::HexEncode(b); }

TEST(SnpReport, ParsesMilanV2Fields) {
  Bytes bytes = Vector("test-report.bin");
  auto r = ParseReport(bytes);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->version, 2u);
  EXPECT_EQ(r->guest_svn, 4u);
  EXPECT_EQ(r->policy.raw, 0x3001fu);
  EXPECT_EQ(r->policy.abi_major(), 0);
  EXPECT_EQ(r->policy.abi_minor(), 0x1f);
  EXPECT_TRUE(r->policy.smt_allowed());
  EXPECT_FALSE(r->policy.debug_allowed());
  EXPECT_FALSE(r->policy.migrate_ma());
  EXPECT_FALSE(r->policy.single_socket());
  EXPECT_EQ(r->vmpl, 0u);
  EXPECT_EQ(r->signature_algo, 1u);
  EXPECT_EQ(r->platform_info.raw, 1u);
  EXPECT_TRUE(r->platform_info.smt_enabled());
  EXPECT_FALSE(r->platform_info.tsme_enabled());
  EXPECT_EQ(Hex(r->measurement),
            "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be"
            "917f9050d3d38c");
  EXPECT_EQ(
      Hex(r->report_data),
      "ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e2" + std::string(64, '0'));
  EXPECT_EQ(Hex(r->host_data), std::string(64, '0'));
  EXPECT_EQ(r->cpuid_fam_id, 0);
  EXPECT_EQ(r->product(), Product::kUnknown);
  EXPECT_EQ(r->current.major, 1);
  EXPECT_EQ(r->current.minor, 52);
  EXPECT_EQ(r->current.build, 4);
  EXPECT_EQ(r->reported_tcb, 0x7308000000000003u);
  EXPECT_EQ(r->Reported(),
            (Tcb{.fmc = std::nullopt, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115}));
  EXPECT_EQ(Hex(r->chip_id),
            "c38427a30d4c7af9d96f7a15b97269825a64cb76a2352ffd5d18115d89ad473f8e8c0bcd9a5d9286612b"
            "ad4aadfb4426205a3b9e4fea82301135a170e477524e");
  EXPECT_FALSE(r->launch_mit_vector.has_value());
  EXPECT_EQ(EncodeReport(*r), bytes);  // every byte accounted for
}

TEST(SnpReport, ParsesVlekV3Fields) {
  auto r = ParseReport(Vector("test-vlek-report.bin"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->version, 3u);
  EXPECT_EQ(r->vmpl, 1u);
  EXPECT_EQ(r->policy.raw, 0x30000u);
  EXPECT_EQ(r->platform_info.raw, 0x27u);
  EXPECT_EQ(r->key_info, 0x4u);
  EXPECT_EQ(r->signing_key(), static_cast<uint8_t>(SigningKey::kVlek));
  EXPECT_EQ(r->cpuid_fam_id, 0x19);
  EXPECT_EQ(r->cpuid_mod_id, 0x01);
  EXPECT_EQ(r->product(), Product::kMilan);
  EXPECT_EQ(Hex(r->chip_id), std::string(128, '0'));
  EXPECT_EQ(r->Reported(),
            (Tcb{.fmc = std::nullopt, .bootloader = 4, .tee = 0, .snp = 24, .microcode = 217}));
  EXPECT_EQ(Hex(r->measurement),
            "8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a4"
            "93df2a570d7bf0");
}

TEST(SnpReport, RejectsWrongSizeAndVersion) {
  Bytes bytes = Vector("test-report.bin");
  EXPECT_EQ(ParseReport(ByteSpan(bytes).first(kReportSize - 1)).error().code(),
            Code::kInvalidArgument);
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_EQ(ParseReport(longer).error().code(), Code::kInvalidArgument);
  for (uint32_t v : {0u, 1u, 6u, 0xFFFFFFFFu}) {
    Bytes b = bytes;
    for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    auto r = ParseReport(b);
    ASSERT_FALSE(r) << v;
    EXPECT_NE(r.error().message().find("version"), std::string::npos);
  }
}

TEST(SnpReport, TcbEncodingsPerProduct) {
  uint64_t raw = 0x7308000000000003;
  EXPECT_EQ(DecodeTcb(raw, Product::kMilan),
            (Tcb{.fmc = std::nullopt, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 0x73}));
  // Turin: [0] FMC [1] BL [2] TEE [3] SNP [7] ucode.
  Tcb turin = DecodeTcb(0xC800000018010205, Product::kTurin);
  EXPECT_EQ(turin, (Tcb{.fmc = 5, .bootloader = 2, .tee = 1, .snp = 24, .microcode = 200}));
  EXPECT_EQ(EncodeTcb(turin, Product::kTurin), 0xC800000018010205u);
  EXPECT_EQ(EncodeTcb(DecodeTcb(raw, Product::kGenoa), Product::kGenoa), raw);
}

TEST(SnpReport, ProductFromCpuidAndNames) {
  EXPECT_EQ(ProductFromCpuid(0x19, 0x01), Product::kMilan);
  EXPECT_EQ(ProductFromCpuid(0x19, 0x11), Product::kGenoa);
  EXPECT_EQ(ProductFromCpuid(0x19, 0xA0), Product::kGenoa);
  EXPECT_EQ(ProductFromCpuid(0x19, 0x30), Product::kUnknown);
  EXPECT_EQ(ProductFromCpuid(0x1A, 0x11), Product::kTurin);
  EXPECT_EQ(ProductFromCpuid(0x1A, 0x12), Product::kUnknown);
  EXPECT_EQ(ProductFromName("SEV-VLEK-Genoa"), Product::kGenoa);
  EXPECT_EQ(ProductFromName("Milan-B0"), Product::kMilan);
  EXPECT_EQ(ProductFromName("ARK-Turin"), Product::kTurin);
  EXPECT_EQ(ProductFromName("Milano"), Product::kUnknown);
}

TEST(SnpReport, SignatureIsLittleEndianR_S) {
  auto r = ParseReport(Vector("test-report.bin"));
  ASSERT_TRUE(r);
  auto sig = SignatureRawP384(*r);
  ASSERT_TRUE(sig);
  EXPECT_EQ((*sig)[0], r->sig_r[47]);
  EXPECT_EQ((*sig)[47], r->sig_r[0]);
  EXPECT_EQ((*sig)[48], r->sig_s[47]);
  Report bad = *r;
  bad.sig_r[60] = 1;
  EXPECT_EQ(SignatureRawP384(bad).error().code(), Code::kInvalidArgument);
}

TEST(SnpEvidence, GenoaJsonReencodesToTheBinaryReport) {
  Json json = testutil::TestdataJson("snp/evidence-genoa-v3.json");
  auto ev = ParseEvidence(json);
  ASSERT_TRUE(ev) << ev.error().ToString();
  EXPECT_EQ(ev->report_bytes, Vector("evidence-genoa-v3.report.bin"));
  ASSERT_EQ(ev->certs.size(), 1u);
  EXPECT_EQ(ev->certs[0].type, "VCEK");
  EXPECT_EQ(ev->certs[0].data, Vector("evidence-genoa-v3.vcek.der"));
  EXPECT_EQ(ev->report.product(), Product::kGenoa);
  EXPECT_EQ(ev->report.cpuid_step, 2);
  EXPECT_EQ(ev->report.current.minor, 55);
  EXPECT_EQ(ev->report.current.build, 40);
  // And back: the JSON we write parses to the same bytes.
  Json again = EvidenceToJson(ev->report, ev->certs);
  EXPECT_EQ(again["attestation_report"], json["attestation_report"]);
  auto ev2 = ParseEvidence(again);
  ASSERT_TRUE(ev2);
  EXPECT_EQ(ev2->report_bytes, ev->report_bytes);
}

TEST(SnpEvidence, RejectsMalformedFields) {
  Json base = testutil::TestdataJson("snp/evidence-genoa-v3.json");
  auto expect_bad = [&](auto mutate, std::string_view needle) {
    Json j = base;
    mutate(j);
    auto ev = ParseEvidence(j);
    ASSERT_FALSE(ev) << needle;
    EXPECT_NE(ev.error().message().find(needle), std::string::npos) << ev.error().message();
  };
  expect_bad([](Json& j) { j["attestation_report"].erase("measurement"); }, "measurement");
  expect_bad([](Json& j) { j["attestation_report"]["measurement"].push_back(1); }, "measurement");
  expect_bad([](Json& j) { j["attestation_report"]["report_data"][3] = 256; }, "report_data[3]");
  expect_bad([](Json& j) { j["attestation_report"]["vmpl"] = -1; }, "vmpl");
  expect_bad([](Json& j) { j["attestation_report"]["version"] = 6; }, "version");
  expect_bad([](Json& j) { j["attestation_report"]["reported_tcb"]["snp"] = 300; }, "snp");
  expect_bad([](Json& j) { j["attestation_report"]["reported_tcb"]["fmc"] = 1; }, "fmc");
  expect_bad([](Json& j) { j["attestation_report"]["signature"]["r"].erase(0); }, "signature.r");
  expect_bad([](Json& j) { j["cert_chain"][0]["cert_type"] = 5; }, "cert_type");
  expect_bad([](Json& j) { j["cert_chain"] = "x"; }, "cert_chain");
  expect_bad([](Json& j) { j = Json::array(); }, "object");
}

TEST(SnpEvidence, CertChainLimits) {
  Json j = testutil::TestdataJson("snp/evidence-genoa-v3.json");
  Json entry = j["cert_chain"][0];
  j["cert_chain"] = Json::array();
  for (size_t i = 0; i < limits::kSnpCertChainMaxEntries; ++i) j["cert_chain"].push_back(entry);
  EXPECT_TRUE(ParseEvidence(j));
  j["cert_chain"].push_back(entry);
  EXPECT_EQ(ParseEvidence(j).error().code(), Code::kResourceExhausted);

  Json k = testutil::TestdataJson("snp/evidence-genoa-v3.json");
  k["cert_chain"][0]["data"] = Json::array();
  for (size_t i = 0; i < limits::kSnpCertMaxBytes; ++i) k["cert_chain"][0]["data"].push_back(0);
  EXPECT_TRUE(ParseEvidence(k));
  k["cert_chain"][0]["data"].push_back(0);
  EXPECT_EQ(ParseEvidence(k).error().code(), Code::kResourceExhausted);
  k["cert_chain"] = nullptr;
  auto ev = ParseEvidence(k);
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->certs.empty());
  k["cert_chain"] = Json::array({{{"cert_type", {{"OTHER", "1234"}}}, {"data", {1, 2}}}});
  ev = ParseEvidence(k);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->certs[0].type, "1234");
}

TEST(SnpVek, ParsesVcekAndVlekExtensions) {
  auto vcek = crypto::Certificate::FromDer(Vector("test-vcek.der"));
  ASSERT_TRUE(vcek);
  auto info = ParseVek(*vcek);
  ASSERT_TRUE(info) << info.error().ToString();
  EXPECT_EQ(info->kind, VekKind::kVcek);
  EXPECT_EQ(info->product_name, "Milan-B0");
  EXPECT_EQ(info->tcb,
            (Tcb{.fmc = std::nullopt, .bootloader = 3, .tee = 0, .snp = 8, .microcode = 115}));
  ASSERT_TRUE(info->hw_id);
  auto report = ParseReport(Vector("test-report.bin"));
  ASSERT_TRUE(report);
  EXPECT_EQ(*info->hw_id, Bytes(report->chip_id.begin(), report->chip_id.end()));

  auto vlek = crypto::Certificate::FromDer(Vector("test-vlek.der"));
  ASSERT_TRUE(vlek);
  auto vinfo = ParseVek(*vlek);
  ASSERT_TRUE(vinfo) << vinfo.error().ToString();
  EXPECT_EQ(vinfo->kind, VekKind::kVlek);
  EXPECT_EQ(vinfo->tcb,
            (Tcb{.fmc = std::nullopt, .bootloader = 4, .tee = 0, .snp = 24, .microcode = 217}));
  EXPECT_FALSE(vinfo->hw_id);
  EXPECT_EQ(vinfo->csp_id, "CN=cc-us-east-2.amazonaws.com");
}

TEST(SnpVek, BothHwIdEncodings) {
  Bytes expected;
  for (int i = 0; i < 64; ++i) expected.push_back(static_cast<uint8_t>(i));
  struct Case {
    const char* file;
    Tcb tcb;
  } cases[] = {
      {"test-vcek-invalid-legacy.der",
       {.fmc = std::nullopt, .bootloader = 3, .tee = 0, .snp = 10, .microcode = 169}},
      {"test-vcek-invalid-new.der",
       {.fmc = std::nullopt, .bootloader = 0, .tee = 0, .snp = 0, .microcode = 30}},
  };
  for (const Case& c : cases) {
    auto cert = crypto::Certificate::FromDer(Vector(c.file));
    ASSERT_TRUE(cert) << c.file;
    auto info = ParseVek(*cert);
    ASSERT_TRUE(info) << c.file << ": " << info.error().ToString();
    EXPECT_EQ(info->hw_id, expected) << c.file;
    EXPECT_EQ(info->tcb, c.tcb) << c.file;
  }
}

TEST(SnpVek, DerPieces) {
  EXPECT_EQ(*ParseDerSpl(Bytes{0x02, 0x01, 0x73}, "x"), 115);
  EXPECT_EQ(*ParseDerSpl(Bytes{0x02, 0x02, 0x00, 0xA9}, "x"), 169);
  EXPECT_FALSE(ParseDerSpl(Bytes{0x02, 0x02, 0x01, 0x00}, "x"));  // 256
  EXPECT_FALSE(ParseDerSpl(Bytes{0x02, 0x01, 0x80}, "x"));        // negative
  EXPECT_FALSE(ParseDerSpl(Bytes{0x04, 0x01, 0x01}, "x"));        // not an INTEGER
  EXPECT_FALSE(ParseDerSpl(Bytes{0x02, 0x02, 0x01}, "x"));        // short
  EXPECT_FALSE(ParseDerSpl(Bytes{0x02, 0x01, 0x01, 0x00}, "x"));  // trailing
  Bytes raw8(8, 7);
  EXPECT_EQ(*ParseHwId(raw8), raw8);
  Bytes wrapped(10, 7);
  wrapped[0] = 0x04;
  wrapped[1] = 0x08;
  EXPECT_EQ(*ParseHwId(wrapped), raw8);
  EXPECT_FALSE(ParseHwId(Bytes(63, 1)));
  EXPECT_EQ(*ParseDerString(Bytes{0x16, 0x02, 'h', 'i'}, "x"), "hi");
}

TEST(SnpRoots, EmbeddedBundlesAreTheTestdataOnes) {
  for (auto [p, file] : {std::pair{Product::kMilan, "milan_ask_ark_asvk.pem"},
                         std::pair{Product::kGenoa, "genoa_ask_ark_asvk.pem"},
                         std::pair{Product::kTurin, "turin_ask_ark_asvk.pem"}}) {
    EXPECT_EQ(BuiltinRootsPem(p), testutil::ReadTestdata("snp/amd-roots/" + std::string(file)));
    auto roots = BuiltinRoots(p);
    ASSERT_TRUE(roots) << roots.error().ToString();
    EXPECT_EQ(roots->ark->SubjectCommonName(), "ARK-" + std::string(ProductName(p)));
    EXPECT_EQ(roots->ask->SubjectCommonName(), "SEV-" + std::string(ProductName(p)));
    EXPECT_EQ(roots->asvk->SubjectCommonName(), "SEV-VLEK-" + std::string(ProductName(p)));
  }
  EXPECT_FALSE(BuiltinRoots(Product::kUnknown));
}

TEST(SnpCertTable, RoundTripAndBounds) {
  std::vector<CertEntry> entries = {{"VCEK", Vector("test-vcek.der")},
                                    {"ASK", {1, 2, 3}},
                                    {"0f0e0d0c-0b0a-0908-0706-050403020100", {9}}};
  Bytes table = EncodeCertTable(entries);
  // GUID bytes in string order.
  EXPECT_EQ(table[0], 0x63);
  EXPECT_EQ(table[1], 0xda);
  auto parsed = ParseCertTable(table);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].type, "VCEK");
  EXPECT_EQ((*parsed)[0].data, entries[0].data);
  EXPECT_EQ((*parsed)[1].type, "ASK");
  EXPECT_EQ((*parsed)[2].type, entries[2].type);
  // Trailing zero padding (the kernel's buffer) is fine; an empty table has no entries.
  table.resize(table.size() + 4096, 0);
  EXPECT_EQ(ParseCertTable(table)->size(), 3u);
  EXPECT_TRUE(ParseCertTable(Bytes(4096, 0))->empty());
  // An entry pointing past the end.
  Bytes bad = EncodeCertTable({{"VCEK", {1, 2, 3}}});
  bad[20] = 0xFF;  // length
  auto r = ParseCertTable(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("beyond the table"), std::string::npos);
  // No terminator.
  Bytes unterminated(24, 1);
  EXPECT_EQ(ParseCertTable(unterminated).error().code(), Code::kInvalidArgument);
  // Table size limit: at and one past.
  EXPECT_TRUE(ParseCertTable(Bytes(limits::kSnpCertTableMaxBytes, 0)));
  EXPECT_EQ(ParseCertTable(Bytes(limits::kSnpCertTableMaxBytes + 1, 0)).error().code(),
            Code::kResourceExhausted);
  // Entry count limit: at and one past.
  std::vector<CertEntry> many(limits::kSnpCertChainMaxEntries, CertEntry{"ASK", {1}});
  EXPECT_TRUE(ParseCertTable(EncodeCertTable(many)));
  many.push_back({"ASK", {1}});
  EXPECT_EQ(ParseCertTable(EncodeCertTable(many)).error().code(), Code::kResourceExhausted);
}

}  // namespace
}  // namespace cocoon::tee::snp
