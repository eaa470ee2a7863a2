// The SNP verifier on every vector of testdata/snp with its MANIFEST outcome, the byte-flip
// sweep over the signed region, swapped certificates, validity times, CRLs and bindings.
#include "tee/snp/verifier.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tee/snp/testing/test_util.h"

namespace cocoon::tee::snp {
namespace {

using testing::kMid2025;
using testing::Synthetic;
using testing::Vector;

struct Case {
  const char* report;
  const char* cert;
};
// The three real report/VEK pairs that verify (MANIFEST "Expected outcomes").
const Case kValid[] = {
    {"test-report.bin", "test-vcek.der"},
    {"test-vlek-report.bin", "test-vlek.der"},
    {"evidence-genoa-v3.report.bin", "evidence-genoa-v3.vcek.der"},
};

Result<Json> Check(const SnpVerifier& v, ByteSpan report, const Bytes& cert,
                   std::optional<int64_t> at = kMid2025) {
  SnpInput in;
  in.report = report;
  in.vek_der = cert;
  in.at_unix = at;
  return v.Verify(in);
}

SnpOptions WithTrust(AmdChain chain) {
  SnpOptions o;
  o.trust = std::move(chain);
  return o;
}

void ExpectRejected(const Result<Json>& r, std::string_view needle,
                    Code code = Code::kUnauthenticated) {
  ASSERT_FALSE(r) << "expected rejection containing '" << needle << "'";
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

TEST(SnpVerifier, RealVectorsVerify) {
  SnpVerifier v({});
  for (const Case& c : kValid) {
    auto claims = Check(v, Vector(c.report), Vector(c.cert));
    ASSERT_TRUE(claims) << c.report << ": " << claims.error().ToString();
    EXPECT_EQ((*claims)["product"],
              c.report == std::string("evidence-genoa-v3.report.bin") ? "Genoa" : "Milan");
  }
}

TEST(SnpVerifier, MilanV2Claims) {
  SnpVerifier v({});
  auto c = Check(v, Vector("test-report.bin"), Vector("test-vcek.der"));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ((*c)["measurement"].get<std::string>().size(), 96u);
  EXPECT_EQ((*c)["report_data"].get<std::string>().size(), 128u);
  EXPECT_EQ((*c)["init_data"].get<std::string>(), std::string(64, '0'));
  EXPECT_EQ((*c)["chip_id"].get<std::string>().size(), 128u);
  EXPECT_EQ((*c)["reported_tcb_bootloader"], 3);
  EXPECT_EQ((*c)["reported_tcb_tee"], 0);
  EXPECT_EQ((*c)["reported_tcb_snp"], 8);
  EXPECT_EQ((*c)["reported_tcb_microcode"], 115);
  EXPECT_EQ((*c)["policy_smt_allowed"], true);
  EXPECT_EQ((*c)["policy_debug_allowed"], false);
  EXPECT_EQ((*c)["policy_abi_minor"], 31);
  EXPECT_EQ((*c)["platform_smt_enabled"], true);
  EXPECT_EQ((*c)["platform_tsme_enabled"], false);
  EXPECT_EQ((*c)["signing_key"], "VCEK");
  EXPECT_EQ((*c)["platform_version"], Json({{"major", 1}, {"minor", 52}, {"build", 4}}));
}

TEST(SnpVerifier, VlekVerifiesThroughAsvk) {
  SnpVerifier v({});
  auto c = Check(v, Vector("test-vlek-report.bin"), Vector("test-vlek.der"));
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ((*c)["signing_key"], "VLEK");
  EXPECT_EQ((*c)["vmpl"], 1);
  EXPECT_EQ((*c)["reported_tcb_microcode"], 217);
  EXPECT_EQ((*c)["report_data"],
            "819770b7e6ea6df8dd8fd4dd146b073c0bf4f3ce5b0977ecac486e3a05ed1bd54e2a7ac1f5d1ca02e7d7"
            "d5ef9f73b8574fd9359e3a480d741a4478e8a7bc27ca");
  // Trustee requires VMPL 0.
  SnpOptions kbs_options;
  kbs_options.required_vmpl = 0;
  SnpVerifier kbs(kbs_options);
  ExpectRejected(Check(kbs, Vector("test-vlek-report.bin"), Vector("test-vlek.der")),
                 "VMPL: report vmpl 1 != required 0");
}

TEST(SnpVerifier, GenoaEvidenceJsonThroughTheKbsVerifier) {
  Json ev = testutil::TestdataJson("snp/evidence-genoa-v3.json");
  SnpOptions kbs;
  kbs.required_vmpl = 0;
  auto verifier = NewVerifier(kbs);
  auto claims = verifier->Evaluate({&ev, {}, std::nullopt});
  ASSERT_TRUE(claims) << claims.error().ToString();
  ASSERT_EQ(claims->size(), 1u);
  const Json& c = (*claims)[0].claims;
  EXPECT_EQ((*claims)[0].tee, "snp");
  EXPECT_EQ((*claims)[0].tee_class, "cpu");
  for (const char* name :
       {"policy_abi_major", "policy_abi_minor", "policy_smt_allowed", "policy_migrate_ma",
        "policy_debug_allowed", "policy_single_socket", "reported_tcb_bootloader",
        "reported_tcb_tee", "reported_tcb_snp", "reported_tcb_microcode", "platform_tsme_enabled",
        "platform_smt_enabled", "measurement", "report_data", "init_data", "chip_id"}) {
    EXPECT_TRUE(c.contains(name)) << name;
  }
  EXPECT_EQ(c["measurement"],
            "6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd5"
            "0b315506e73e");
  EXPECT_EQ(c["reported_tcb_bootloader"], 10);
  EXPECT_EQ(c["reported_tcb_snp"], 23);
  EXPECT_EQ(c["reported_tcb_microcode"], 25);
  EXPECT_EQ(c["policy_smt_allowed"], true);
  EXPECT_EQ(c["policy_migrate_ma"], false);
  EXPECT_EQ(c["product"], "Genoa");

  // Bound to other runtime data / init data → rejected naming the field.
  Bytes other(48, 0x42);
  auto bound = verifier->Evaluate({&ev, other, std::nullopt});
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().code(), Code::kUnauthenticated);
  EXPECT_NE(bound.error().message().find("report_data mismatch: expected 4242"), std::string::npos)
      << bound.error().message();
  auto init = verifier->Evaluate({&ev, {}, Bytes(32, 1)});
  ASSERT_FALSE(init);
  EXPECT_NE(init.error().message().find("init_data (host_data) mismatch"), std::string::npos);
  auto zero_init = verifier->Evaluate({&ev, {}, Bytes(48, 0)});  // truncated to 32, matches
  EXPECT_TRUE(zero_init) << zero_init.error().ToString();
}

TEST(SnpVerifier, ReportDataBinding) {
  SnpVerifier v({});
  Bytes report = Vector("test-report.bin");
  auto parsed = ParseReport(report);
  ASSERT_TRUE(parsed);
  SnpInput in;
  in.report = report;
  in.vek_der = Vector("test-vcek.der");
  in.at_unix = kMid2025;
  in.expected_report_data = Bytes(parsed->report_data.begin(), parsed->report_data.begin() + 32);
  EXPECT_TRUE(v.Verify(in));  // zero-padded to 64
  (*in.expected_report_data)[0] ^= 1;
  auto r = v.Verify(in);
  ExpectRejected(r, "report_data mismatch: expected ed6c52d7");
  EXPECT_NE(r.error().message().find(", got ec6c52d7"), std::string::npos);
  in.expected_report_data = Bytes(65, 0);
  ExpectRejected(v.Verify(in), "more than 64", Code::kInvalidArgument);
}

TEST(SnpVerifier, ByteFlipSweepOverSignedRegion) {
  SnpVerifier v({});
  for (const Case& c : kValid) {
    Bytes good = Vector(c.report);
    Bytes cert = Vector(c.cert);
    ASSERT_TRUE(Check(v, good, cert)) << c.report;
    int rejected = 0;
    for (size_t i = 0; i < kSignedSize; ++i) {
      Bytes bad = good;
      bad[i] ^= 0x01;
      auto r = Check(v, bad, cert);
      if (!r) ++rejected;
      EXPECT_FALSE(r) << c.report << " byte " << i << " flipped was accepted";
    }
    EXPECT_EQ(rejected, static_cast<int>(kSignedSize)) << c.report;
  }
  // The synthetic Turin v5 report too (Turin TCB layout, mitigation vectors, chip id).
  auto chain = ParseChainBundle(ToString(Synthetic("turin_chain.pem")));
  ASSERT_TRUE(chain);
  SnpVerifier turin(WithTrust(*chain));
  Bytes good = testing::SignSynthetic(testing::SyntheticTurinReport());
  Bytes cert = Synthetic("turin_vcek.der");
  ASSERT_TRUE(Check(turin, good, cert));
  for (size_t i = 0; i < kSignedSize; ++i) {
    Bytes bad = good;
    bad[i] ^= 0x80;
    EXPECT_FALSE(Check(turin, bad, cert)) << "Turin byte " << i << " flipped was accepted";
  }
  // Byte 42 (MANIFEST check_report_signature_failure) fails the signature check itself.
  Bytes bad = Vector("test-report.bin");
  bad[42] ^= 0xFF;
  ExpectRejected(Check(v, bad, Vector("test-vcek.der")), "report signature invalid");
  // The chain is verified once per (VEK, CPUID product) and then served from the cache (flips
  // of version or algorithm are rejected before the chain is looked at).
  EXPECT_GT(v.chains().cache_hits(), 1900u);
}

TEST(SnpVerifier, TcbMismatchNamesTheComponent) {
  // MANIFEST check_report_tcb_failure: byte 0x180 incremented. The signature breaks first on a
  // real report, so re-sign a synthetic one to reach the TCB check itself.
  Report r = testing::SyntheticTurinReport();
  Tcb tcb = DecodeTcb(r.reported_tcb, Product::kTurin);
  tcb.microcode = 201;
  r.reported_tcb = EncodeTcb(tcb, Product::kTurin);
  auto chain = ParseChainBundle(ToString(Synthetic("turin_chain.pem")));
  ASSERT_TRUE(chain);
  SnpVerifier v(WithTrust(*chain));
  ExpectRejected(Check(v, testing::SignSynthetic(r), Synthetic("turin_vcek.der")),
                 "TCB: reported microcode 201 != VCEK microcode 200");
  tcb.microcode = 200;
  tcb.fmc = 4;
  r.reported_tcb = EncodeTcb(tcb, Product::kTurin);
  ExpectRejected(Check(v, testing::SignSynthetic(r), Synthetic("turin_vcek.der")),
                 "TCB: reported fmc 4 != VCEK fmc 5");
  // And the real report with byte 0x180 incremented is rejected.
  SnpVerifier real({});
  Bytes bad = Vector("test-report.bin");
  bad[0x180]++;
  EXPECT_FALSE(Check(real, bad, Vector("test-vcek.der")));
}

TEST(SnpVerifier, SyntheticTurinV5WithChipIdAndCrls) {
  auto chain = ParseChainBundle(ToString(Synthetic("turin_chain.pem")));
  ASSERT_TRUE(chain) << chain.error().ToString();
  Report r = testing::SyntheticTurinReport();
  Bytes report = testing::SignSynthetic(r);
  Bytes cert = Synthetic("turin_vcek.der");
  SnpVerifier v(WithTrust(*chain));
  auto c = Check(v, report, cert);
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ((*c)["product"], "Turin");
  EXPECT_EQ((*c)["version"], 5);
  EXPECT_EQ((*c)["reported_tcb_fmc"], 5);
  EXPECT_EQ((*c)["reported_tcb_bootloader"], 2);
  EXPECT_EQ((*c)["reported_tcb_microcode"], 200);

  // chip_id differs from the VCEK hwID.
  Report other = r;
  other.chip_id[5] ^= 1;
  ExpectRejected(Check(v, testing::SignSynthetic(other), cert),
                 "chip_id mismatch: report 4041424344");
  // MASK_CHIP_KEY: chip_id zeroed, no comparison.
  Report masked = r;
  masked.key_info = 0x2;
  masked.chip_id.fill(0);
  EXPECT_TRUE(Check(v, testing::SignSynthetic(masked), cert));

  // CRL from the ARK revoking the ASK; an empty one passes.
  std::string chain_pem = ToString(Synthetic("turin_chain.pem"));
  auto revoked = ParseChainBundle(chain_pem + ToString(Synthetic("turin_crl_revokes_ask.pem")));
  ASSERT_TRUE(revoked) << revoked.error().ToString();
  ASSERT_EQ(revoked->crls.size(), 1u);
  SnpVerifier vr(WithTrust(*revoked));
  ExpectRejected(Check(vr, report, cert), "VCEK chain: ASK revoked by the CRL of ARK-Turin");
  auto empty = ParseChainBundle(chain_pem + ToString(Synthetic("turin_crl_empty.pem")));
  ASSERT_TRUE(empty);
  SnpVerifier ve(WithTrust(*empty));
  EXPECT_TRUE(Check(ve, report, cert));
  // A CRL signed by neither the ARK nor the ASK is refused.
  auto milan = BuiltinRoots(Product::kMilan);
  ASSERT_TRUE(milan);
  AmdChain foreign = *milan;
  foreign.crls = empty->crls;
  SnpVerifier vf(WithTrust(foreign));
  ExpectRejected(Check(vf, Vector("test-report.bin"), Vector("test-vcek.der")),
                 "CRL of 'CN=ARK-Turin");
  // The evidence may carry the CRL as well (cert_chain "CRL" entry).
  SnpInput in;
  in.report = report;
  in.vek_der = cert;
  in.at_unix = kMid2025;
  auto crl_pem = crypto::Crl::ParsePemBundle(ToString(Synthetic("turin_crl_revokes_ask.pem")));
  ASSERT_TRUE(crl_pem && crl_pem->size() == 1);
  in.certs.push_back({"CRL", *(*crl_pem)[0].ToDer()});
  ExpectRejected(v.Verify(in), "ASK revoked");
}

TEST(SnpVerifier, SwappedCertificatesAreRejected) {
  SnpVerifier v({});
  // Milan report with the Genoa VCEK: the report names no CPU (v2), the Genoa VCEK chains fine
  // to Genoa but did not sign this report.
  ExpectRejected(Check(v, Vector("test-report.bin"), Vector("evidence-genoa-v3.vcek.der")),
                 "report signature invalid");
  // Genoa report (CPUID says Genoa) with the Milan VCEK.
  ExpectRejected(Check(v, Vector("evidence-genoa-v3.report.bin"), Vector("test-vcek.der")),
                 "product mismatch: report CPUID says Genoa but the VCEK is issued by SEV-Milan");
  // VCEK-signed report with the VLEK, and the reverse.
  ExpectRejected(Check(v, Vector("test-report.bin"), Vector("test-vlek.der")),
                 "signing key: report key_info says VCEK (SIGNING_KEY=0) but the given "
                 "certificate is a VLEK");
  ExpectRejected(Check(v, Vector("test-vlek-report.bin"), Vector("test-vcek.der")),
                 "signing key: report key_info says VLEK");
  // A Milan VCEK against the Genoa chain (--chain replaces the built-ins).
  auto genoa = BuiltinRoots(Product::kGenoa);
  ASSERT_TRUE(genoa);
  SnpVerifier wrong_chain(WithTrust(*genoa));
  ExpectRejected(Check(wrong_chain, Vector("test-report.bin"), Vector("test-vcek.der")),
                 "VCEK chain: VCEK signature invalid (not signed by SEV-Genoa)");
  // ASK from Genoa with the Milan ARK: the ASK link breaks.
  auto milan = BuiltinRoots(Product::kMilan);
  ASSERT_TRUE(milan);
  AmdChain mixed = *milan;
  mixed.ask = genoa->ask;
  SnpVerifier mixed_v(WithTrust(mixed));
  ExpectRejected(Check(mixed_v, Vector("test-report.bin"), Vector("test-vcek.der")),
                 "VCEK chain: ASK signature invalid (not signed by ARK-Milan)");
  // Milan ARK + ASK, but the VCEK of the Genoa evidence: the VCEK link breaks.
  SnpVerifier milan_v(WithTrust(*milan));
  ExpectRejected(Check(milan_v, Vector("test-report.bin"), Vector("evidence-genoa-v3.vcek.der")),
                 "VCEK chain: VCEK signature invalid (not signed by SEV-Milan)");
  // ARK that is not self-signed (ASK in the ARK slot).
  AmdChain bad_ark = *milan;
  bad_ark.ark = milan->ask;
  SnpVerifier bad_ark_v(WithTrust(bad_ark));
  ExpectRejected(Check(bad_ark_v, Vector("test-report.bin"), Vector("test-vcek.der")),
                 "VCEK chain: ARK signature invalid");
  // VLEK with a chain that lacks the ASVK.
  AmdChain no_asvk = *milan;
  no_asvk.asvk.reset();
  SnpVerifier no_asvk_v(WithTrust(no_asvk));
  ExpectRejected(Check(no_asvk_v, Vector("test-vlek-report.bin"), Vector("test-vlek.der")),
                 "no ASVK", Code::kInvalidArgument);
  // Evidence carrying a foreign ARK.
  SnpInput in;
  Bytes report = Vector("test-report.bin");
  in.report = report;
  in.vek_der = Vector("test-vcek.der");
  in.at_unix = kMid2025;
  in.certs.push_back({"ARK", *genoa->ark->ToDer()});
  ExpectRejected(v.Verify(in), "ARK in the evidence is not the trusted ARK-Milan");
}

TEST(SnpVerifier, InvalidVceksAreRejectedButParse) {
  SnpVerifier v({});
  for (const char* f : {"test-vcek-invalid-legacy.der", "test-vcek-invalid-new.der"}) {
    ExpectRejected(Check(v, Vector("test-report.bin"), Vector(f)),
                   "VCEK chain: VCEK signature invalid (not signed by SEV-Milan)");
  }
}

TEST(SnpVerifier, ValidityTimes) {
  SnpVerifier v({});
  Bytes report = Vector("test-report.bin");
  Bytes vcek = Vector("test-vcek.der");
  // test-vcek.der: 2023-01-24T17:58:26Z .. 2030-01-24T17:58:26Z.
  ExpectRejected(Check(v, report, vcek, 1674583106 - 1),
                 "VCEK chain: VCEK not yet valid at 2023-01-24T17:58:25Z (notBefore "
                 "2023-01-24T17:58:26Z)");
  EXPECT_TRUE(Check(v, report, vcek, 1674583106));
  ExpectRejected(Check(v, report, vcek, 1895507906 + 1),
                 "VCEK chain: VCEK expired at 2030-01-24T17:58:27Z (notAfter "
                 "2030-01-24T17:58:26Z)");
  // The VLEK expired 2025-12-10: rejected now, accepted when validity is not checked.
  ExpectRejected(Check(v, Vector("test-vlek-report.bin"), Vector("test-vlek.der"), std::nullopt),
                 "VLEK chain: VLEK expired at");
  SnpOptions no_time_options;
  no_time_options.check_validity = false;
  SnpVerifier no_time(no_time_options);
  EXPECT_TRUE(
      Check(no_time, Vector("test-vlek-report.bin"), Vector("test-vlek.der"), std::nullopt));
}

TEST(SnpVerifier, VersionAndAlgorithmGates) {
  SnpOptions trustee_options;
  trustee_options.min_version = 3;
  SnpVerifier trustee(trustee_options);
  ExpectRejected(Check(trustee, Vector("test-report.bin"), Vector("test-vcek.der")),
                 "report version 2 < minimum 3");
  SnpVerifier v({});
  SnpInput in;
  Bytes report = Vector("test-report.bin");
  in.report = report;
  ExpectRejected(v.Verify(in), "VCEK fetch: unknown AMD product", Code::kFailedPrecondition);
}

TEST(SnpVerifier, OfflineAcceptsRawOrJson) {
  OfflineVerifyOptions o;
  o.evidence = Vector("evidence-genoa-v3.report.bin");
  o.cert_path = std::string(COCOON_TESTDATA_DIR) + "/snp/evidence-genoa-v3.vcek.der";
  auto raw = VerifyOffline(o);
  ASSERT_TRUE(raw) << raw.error().ToString();
  o.evidence = Vector("evidence-genoa-v3.json");
  o.cert_path.reset();
  auto json = VerifyOffline(o);
  ASSERT_TRUE(json) << json.error().ToString();
  EXPECT_EQ(*raw, *json);
  o.evidence = ToBytes("{not json");
  EXPECT_EQ(VerifyOffline(o).error().code(), Code::kInvalidArgument);
  o.evidence = Vector("evidence-genoa-v3.json");
  o.chain_path = std::string(COCOON_TESTDATA_DIR) + "/snp/amd-roots/milan_ask_ark_asvk.pem";
  auto wrong = VerifyOffline(o);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message().find("VCEK chain: VCEK signature invalid (not signed by "
                                         "SEV-Milan)"),
            std::string::npos)
      << wrong.error().message();
}

}  // namespace
}  // namespace cocoon::tee::snp
