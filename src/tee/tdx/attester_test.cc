// configfs-tsm attester against a plain directory standing in for /sys/kernel/config/tsm/report,
// with the recorded quote 4 as outblob and CCEL_data as the firmware event log.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/encoding.h"
#include "tee/tdx/eventlog.h"
#include "tee/tdx/tdx.h"
#include "tee/tdx/testing/test_pki.h"
#include "testutil/temp_dir.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tdx {
namespace {

TEST(TdxAttester, ConfigfsTsmReport) {
  testutil::TempDir dir;
  std::filesystem::create_directories(dir.File("tsm"));
  std::string quote = testutil::ReadTestdata("tdx/tdx_quote_4.dat");
  std::string entry_seen;
  AttesterOptions o;
  o.tsm_root = dir.File("tsm");
  o.ccel_path = std::string(COCOON_TESTDATA_DIR) + "/tdx/CCEL_data";
  o.aael_path = dir.File("no-aael");
  o.after_mkdir = [&](const std::string& entry) {
    entry_seen = entry;
    testing::WriteText(entry + "/provider", "tdx_guest\n");
    testing::WriteText(entry + "/outblob", quote);
    testing::WriteText(entry + "/generation", "1\n");
  };
  EXPECT_TRUE(Detect(o));
  auto att = NewAttester(o);
  EXPECT_EQ(att->tee(), "tdx");
  Bytes rd(48, 0xAB);
  auto ev = att->GetEvidence(rd);
  ASSERT_TRUE(ev) << ev.error().ToString();
  EXPECT_EQ((*ev)["quote"], base::Base64Encode(quote));
  Bytes inblob = ToBytes(testing::ReadText(entry_seen + "/inblob"));
  Bytes want = rd;
  want.resize(64, 0);
  EXPECT_EQ(inblob, want);
  // cc_eventlog = trimmed CCEL (5 events) + FF x 8.
  Bytes log = base::Base64Decode((*ev)["cc_eventlog"].get<std::string>()).value();
  ASSERT_GT(log.size(), 8u);
  EXPECT_EQ(Bytes(log.end() - 8, log.end()), Bytes(8, 0xFF));
  auto parsed = ParseEventLog(log);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->events.size(), 5u);
  EXPECT_LT(log.size(), 10000u);

  EXPECT_EQ(att->GetEvidence(Bytes(65, 0)).error().code(), Code::kInvalidArgument);
}

TEST(TdxAttester, WrongProviderAndNoCcel) {
  testutil::TempDir dir;
  std::filesystem::create_directories(dir.File("tsm"));
  AttesterOptions o;
  o.tsm_root = dir.File("tsm");
  o.ccel_path = dir.File("none");
  std::string provider = "sev_guest\n";
  o.after_mkdir = [&](const std::string& entry) {
    testing::WriteText(entry + "/provider", provider);
    testing::WriteText(entry + "/outblob", testutil::ReadTestdata("tdx/tdx_quote_5.dat"));
    testing::WriteText(entry + "/generation", "1\n");
  };
  auto att = NewAttester(o);
  auto r = att->GetEvidence(Bytes(32, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  provider = "tdx_guest\n";
  auto ok = att->GetEvidence(Bytes(32, 1));
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_TRUE((*ok)["cc_eventlog"].is_null());
  AttesterOptions missing;
  missing.tsm_root = dir.File("absent");
  EXPECT_FALSE(Detect(missing));
  EXPECT_EQ(NewAttester(missing)->GetEvidence(Bytes(1, 0)).error().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace cocoon::tee::tdx
