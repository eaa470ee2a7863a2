// `cocoon verify-evidence --tee snp` through the built binary: exit 0 with the claims JSON, 1
// with the failed check on stderr, 2 on usage errors.
#include <gtest/gtest.h>

#include "base/json.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

using harness::BinaryPath;

std::string Vec(const std::string& name) {
  return std::string(COCOON_TESTDATA_DIR) + "/snp/" + name;
}

harness::CommandResult Verify(std::vector<std::string> args) {
  std::vector<std::string> argv = {BinaryPath("cocoon"), "verify-evidence", "--tee", "snp"};
  argv.insert(argv.end(), args.begin(), args.end());
  return harness::Run(argv);
}

TEST(SnpCli, GenoaEvidenceJsonVerifies) {
  auto r = Verify({"--evidence", Vec("evidence-genoa-v3.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto claims = base::ParseJson(r.out);
  ASSERT_TRUE(claims) << r.out;
  EXPECT_EQ((*claims)["measurement"],
            "6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd5"
            "0b315506e73e");
  EXPECT_EQ((*claims)["reported_tcb_snp"], 23);
  EXPECT_EQ((*claims)["product"], "Genoa");
}

TEST(SnpCli, RawReportWithCertAndReportData) {
  std::string rd = "ec6c52d7533cc2c4f45be7849cf112ab82b2009fe7bd43e71ed08c14400ad7e2";
  auto ok = Verify(
      {"--evidence", Vec("test-report.bin"), "--cert", Vec("test-vcek.der"), "--report-data", rd});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  auto claims = base::ParseJson(ok.out);
  ASSERT_TRUE(claims);
  EXPECT_EQ((*claims)["report_data"], rd + std::string(64, '0'));

  std::string other(64, 'a');
  auto bad = Verify({"--evidence", Vec("test-report.bin"), "--cert", Vec("test-vcek.der"),
                     "--report-data", other});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("report_data mismatch: expected aaaa"), std::string::npos) << bad.err;
  EXPECT_TRUE(bad.out.empty());
}

TEST(SnpCli, VlekWithTimeAndChain) {
  auto expired =
      Verify({"--evidence", Vec("test-vlek-report.bin"), "--cert", Vec("test-vlek.der")});
  EXPECT_EQ(expired.exit_code, 1);
  EXPECT_NE(expired.err.find("VLEK chain: VLEK expired at"), std::string::npos) << expired.err;
  auto ok =
      Verify({"--evidence", Vec("test-vlek-report.bin"), "--cert", Vec("test-vlek.der"), "--time",
              "2025-06-01T00:00:00Z", "--chain", Vec("amd-roots/milan_ask_ark_asvk.pem")});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"signing_key\": \"VLEK\""), std::string::npos);
  auto early = Verify({"--evidence", Vec("test-vlek-report.bin"), "--cert", Vec("test-vlek.der"),
                       "--time", "2024-01-01T00:00:00Z"});
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_NE(early.err.find("VLEK chain: VLEK not yet valid at 2024-01-01T00:00:00Z"),
            std::string::npos)
      << early.err;
}

TEST(SnpCli, FailuresExitOne) {
  auto wrong_chain = Verify({"--evidence", Vec("evidence-genoa-v3.json"), "--chain",
                             Vec("amd-roots/turin_ask_ark_asvk.pem")});
  EXPECT_EQ(wrong_chain.exit_code, 1);
  EXPECT_NE(wrong_chain.err.find("VCEK chain: VCEK signature invalid (not signed by SEV-Turin)"),
            std::string::npos)
      << wrong_chain.err;
  auto invalid =
      Verify({"--evidence", Vec("test-report.bin"), "--cert", Vec("test-vcek-invalid-new.der")});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find("VCEK signature invalid"), std::string::npos) << invalid.err;
  auto no_vcek = Verify({"--evidence", Vec("test-report.bin")});
  EXPECT_EQ(no_vcek.exit_code, 1);
  EXPECT_NE(no_vcek.err.find("VCEK fetch"), std::string::npos) << no_vcek.err;
  auto garbage = Verify({"--evidence", Vec("MANIFEST.md")});
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("neither a 1184-byte report nor JSON"), std::string::npos)
      << garbage.err;
  auto missing = Verify({"--evidence", Vec("no-such-file")});
  EXPECT_EQ(missing.exit_code, 1);
}

TEST(SnpCli, UsageErrorsExitTwo) {
  auto no_evidence = Verify({});
  EXPECT_EQ(no_evidence.exit_code, 2);
  auto bad_hex = Verify({"--evidence", Vec("test-report.bin"), "--report-data", "xyz"});
  EXPECT_EQ(bad_hex.exit_code, 2);
  EXPECT_NE(bad_hex.err.find("--report-data"), std::string::npos);
  auto bad_time = Verify({"--evidence", Vec("test-report.bin"), "--time", "yesterday"});
  EXPECT_EQ(bad_time.exit_code, 2);
}

}  // namespace
}  // namespace cocoon
