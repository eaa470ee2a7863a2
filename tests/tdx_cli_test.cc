// `cocoon verify-evidence --tee tdx` through the built binary: claims on stdout with exit 0,
// the failed check on stderr with exit 1, usage errors with exit 2.
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/json.h"
#include "tee/tdx/intel_root.h"
#include "tests/harness.h"
#include "testutil/testdata.h"

namespace cocoon {
namespace {

using harness::BinaryPath;

std::string Td(const std::string& f) { return std::string(COCOON_TESTDATA_DIR) + "/tdx/" + f; }

harness::CommandResult Verify(std::vector<std::string> args) {
  std::vector<std::string> argv = {BinaryPath("cocoon"), "verify-evidence", "--tee", "tdx"};
  argv.insert(argv.end(), args.begin(), args.end());
  return harness::Run(argv);
}

TEST(TdxCli, RawQuoteVerifies) {
  auto r = Verify({"--evidence", Td("tdx_quote_6.dat"), "--time", "2026-01-15T00:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto claims = base::ParseJson(r.out);
  ASSERT_TRUE(claims) << r.out;
  EXPECT_EQ((*claims)["tcb_status"], "NotEvaluated");
  EXPECT_EQ((*claims)["fmspc"], "00a06d080000");
  EXPECT_EQ((*claims)["quote"]["header"]["version"], "0400");
}

TEST(TdxCli, EvidenceJsonWithReportData) {
  harness::TempDir dir;
  std::string quote = testutil::ReadTestdata("tdx/tdx_quote_5.dat");
  Json ev = {{"cc_eventlog", nullptr}, {"quote", base::Base64Encode(quote)}};
  dir.Write("ev.json", base::DumpJson(ev));
  // quote 5's report_data (64 bytes) from its claims.
  auto first = Verify({"--evidence", dir.File("ev.json"), "--time", "2026-01-15T00:00:00Z"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string rd = (*base::ParseJson(first.out))["report_data"].get<std::string>();
  auto ok = Verify(
      {"--evidence", dir.File("ev.json"), "--report-data", rd, "--time", "2026-01-15T00:00:00Z"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  auto bad = Verify({"--evidence", dir.File("ev.json"), "--report-data", std::string(128, '0'),
                     "--time", "2026-01-15T00:00:00Z"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("TDX: report_data mismatch"), std::string::npos) << bad.err;
}

TEST(TdxCli, FailingCheckOnStderr) {
  harness::TempDir dir;
  std::string quote = testutil::ReadTestdata("tdx/tdx_quote_4.dat");
  quote[200] ^= 1;  // inside the TD report body
  dir.Write("q.dat", quote);
  auto r = Verify({"--evidence", dir.File("q.dat"), "--time", "2026-01-15T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("TDX: quote signature by the attestation key invalid"), std::string::npos)
      << r.err;
  auto late = Verify({"--evidence", Td("tdx_quote_4.dat"), "--time", "2100-01-01T00:00:00Z"});
  EXPECT_EQ(late.exit_code, 1);
  EXPECT_NE(late.err.find("TDX: PCK chain: certificate"), std::string::npos) << late.err;
  auto missing = Verify({"--evidence", Td("tdx_quote_4.dat"), "--collateral", dir.File("none"),
                         "--time", "2026-01-15T00:00:00Z"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("TDX: collateral tcb_info.json missing"), std::string::npos)
      << missing.err;
}

// Intel publishes its SGX root as DER (TrustedRootCA.der): --root reads it like the PEM.
TEST(TdxCli, DerRootIsAccepted) {
  harness::TempDir dir;
  dir.Write("root.pem", tee::tdx::kIntelSgxRootCaPem);
  auto conv = harness::Run({"/usr/bin/openssl", "x509", "-in", dir.File("root.pem"), "-outform",
                            "DER", "-out", dir.File("TrustedRootCA.der")});
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  auto r = Verify({"--evidence", Td("tdx_quote_6.dat"), "--root", dir.File("TrustedRootCA.der"),
                   "--time", "2026-01-15T00:00:00Z"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // A DER file that is not a certificate names the file and the form.
  dir.Write("bad.der", std::string("\x30\x03\x02\x01", 4));
  auto bad = Verify({"--evidence", Td("tdx_quote_6.dat"), "--root", dir.File("bad.der"), "--time",
                     "2026-01-15T00:00:00Z"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("bad.der: neither PEM nor DER"), std::string::npos) << bad.err;
}

TEST(TdxCli, UsageErrors) {
  EXPECT_EQ(Verify({"--evidence", Td("tdx_quote_4.dat"), "--time", "yesterday"}).exit_code, 2);
  EXPECT_EQ(Verify({"--evidence", Td("tdx_quote_4.dat"), "--report-data", "xyz"}).exit_code, 2);
  EXPECT_EQ(Verify({}).exit_code, 2);
}

}  // namespace
}  // namespace cocoon
