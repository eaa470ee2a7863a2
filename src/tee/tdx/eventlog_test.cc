// CCEL event-log parsing and RTMR replay against the MANIFEST's table and trustee's expected
// parser output (*_out.json: index, type name, digests, event bytes, digest_matches_event).
#include "tee/tdx/eventlog.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tdx {
namespace {

const std::string kZero(96, '0');

TEST(TdxEventLog, ReplayMatchesManifest) {
  struct Case {
    const char* file;
    std::string rtmr[4];
  } cases[] = {
      {"tdx/CCEL_data",
       {"2dc712306a963eadb894ad47dbaa17df44814151555aee11cbb843becca88950ffd079664902e6f22c66f7c821"
        "3543f4",
        "0fa3be56af61208bbd179dc7b124988eb929319154663c539d6f46445ecac2fec287075047ff7bd1922829fec2"
        "8cd3cf",
        kZero, kZero}},
      {"tdx/CCEL_data_ovmf",
       {"8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9cc90"
        "abe193",
        "775b9f6bfe99f8a31396f0d0218e67ffa796d3b96ccf961cbb0deba48c79c00f082cda1a5567c1c16305f1fc21"
        "0c13c6",
        "94eaf7a7bf398ed8d888c91057ae0261802e4f3df084213a76ca7f0b5055ac9d2241de43cd58d9e8b49c503bbf"
        "25f34a",
        kZero}},
      {"tdx/eventlog/CCEL_data_grub",
       {"cec0a104f691f60da2387fea3c2de00c4ac035e2bb479ff02edcce69039d9e9907f0b3e55031da3dc7038f423a"
        "debd79",
        "6c289e0c62182d41ebe97bdbc9872d10998a08eaa86adcdc684001a363207ee72942c7522cdf00a4bbc3d784be"
        "d7b670",
        "08919d017ba0e52cd6d966351c7de16fe76c1d3d3d3da4554239e4c7d16cb8b82a94e7eaea3a0e6e18eb690b99"
        "9fd31e",
        kZero}},
      {"tdx/eventlog/CCEL_data_gcp",
       {"3300980705adf09d28b707b79699d9874892164280832be2c386a715b6e204e0897fb564a064f810659207ba86"
        "2b304f",
        "204d49f78d29918fe7b2f694e76653861a0c2a018987d2c3a54266eff737232524cf0af68c4d180e2f8c2c0937"
        "f21967",
        kZero, kZero}},
      {"tdx/eventlog/CCEL_data_grub_gke",
       {"bc9945139042cf2cc75caf920aa57f14884ecfd7e893bccc51250c8ce90eb53ce72741e6adaa18183eb1331a87"
        "d4544a",
        "c17cb288a4dee302bb9ed8d27257a168f3264ad68cab53757f37eeaa7039657fa887cad65cf910e0fdc435ff11"
        "0f8a7b",
        "334aeba2c985f8886cea97d1ecffbd512769d528b9a94009583db667ad7d2faa7d37fa145d75b192ceee2d2f10"
        "b2eb6d",
        kZero}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    std::string raw = testutil::ReadTestdata(c.file);
    ASSERT_FALSE(raw.empty());
    auto log = ParseEventLog(AsBytes(raw));
    ASSERT_TRUE(log) << log.error().ToString();
    auto rtmr = ReplayRtmrs(*log);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(base::HexEncode(rtmr[i]), c.rtmr[i]) << "RTMR" << i;
  }
}

TEST(TdxEventLog, EntriesMatchTrusteeParser) {
  for (const char* name : {"CCEL_data", "CCEL_data_ovmf", "CCEL_data_grub", "CCEL_data_grub_gke",
                           "CCEL_AAEL_alibabacloud", "CCEL_data_csv"}) {
    SCOPED_TRACE(name);
    std::string dir = std::string(name) == "CCEL_data" || std::string(name) == "CCEL_data_ovmf"
                          ? "tdx/"
                          : "tdx/eventlog/";
    std::string raw = testutil::ReadTestdata(dir + name);
    Json expected = testutil::TestdataJson(std::string("tdx/eventlog/") + name + "_out.json");
    ASSERT_TRUE(expected.is_object());
    auto log = ParseEventLog(AsBytes(raw));
    ASSERT_TRUE(log) << log.error().ToString();
    Json got = EventLogClaims(*log);
    const Json& want = expected["uefi_event_logs"];
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      for (const char* k : {"index", "type_name", "digests", "event"}) {
        EXPECT_EQ(got[i][k], want[i][k]) << "event " << i << " " << k;
      }
      if (got[i]["digests"][0]["alg"] != "SM3") {
        EXPECT_EQ(got[i]["digest_matches_event"], want[i]["digest_matches_event"]) << i;
      }
    }
  }
}

TEST(TdxEventLog, QuoteFourClaimsLogEntries) {
  Json expected = testutil::TestdataJson("tdx/parse_tdx_claims_expected.json");
  std::string raw = testutil::ReadTestdata("tdx/CCEL_data");  // the log views into it
  auto log = ParseEventLog(AsBytes(raw));
  ASSERT_TRUE(log);
  Json got = EventLogClaims(*log);
  ASSERT_EQ(got.size(), expected["uefi_event_logs"].size());
  for (size_t i = 0; i < got.size(); ++i) {
    for (const char* k : {"index", "type_name", "digests", "event", "digest_matches_event"}) {
      EXPECT_EQ(got[i][k], expected["uefi_event_logs"][i][k]) << i << " " << k;
    }
  }
}

// Issue 11 item 5: only RTMR (CC MR 1..4) events with SHA-384 digests are proved by the replay;
// an event for MRTD or an index no RTMR covers, and a digest in another bank, are left out.
TEST(TdxEventLog, VerifiedClaimsCarryOnlyReplayedRtmrsAndBank) {
  std::string raw = testutil::ReadTestdata("tdx/CCEL_data_ovmf");
  auto log = ParseEventLog(AsBytes(raw));
  ASSERT_TRUE(log);
  size_t measured = 0;
  for (const LogEvent& e : log->events) {
    measured += e.type != eventlog::kEvNoAction && e.pcr >= 1 && e.pcr <= 4 ? 1 : 0;
  }
  ASSERT_GT(measured, 0u);
  const Bytes injected = ToBytes("injected: trusted kernel");
  for (uint32_t index : {0u, 5u, 9u}) {
    LogEvent e;
    e.pcr = index;
    e.type = 0xd;  // EV_IPL
    e.digests.push_back({eventlog::kAlgSha384, crypto::Sha384(injected)});
    e.data = injected;
    log->events.push_back(e);
  }
  // A SHA-256 digest beside a real event's SHA-384 one: that bank is never replayed.
  for (LogEvent& e : log->events) {
    if (e.pcr == 2 && e.type != eventlog::kEvNoAction) {
      e.digests.push_back({eventlog::kAlgSha256, crypto::Sha256(injected)});
      break;
    }
  }
  Json got = VerifiedRtmrEventClaims(*log);
  ASSERT_EQ(got.size(), measured);
  for (const Json& e : got) {
    EXPECT_GE(e["index"].get<int>(), 1);
    EXPECT_LE(e["index"].get<int>(), 4);
    for (const Json& d : e["digests"]) EXPECT_EQ(d["alg"], "SHA-384") << e.dump();
  }
  EXPECT_EQ(got.dump().find(base::Base64Encode(injected)), std::string::npos);
  EXPECT_EQ(got.dump().find(base::HexEncode(crypto::Sha256(injected))), std::string::npos);
}

TEST(TdxEventLog, MalformedNamed) {
  std::string raw = testutil::ReadTestdata("tdx/CCEL_data_ovmf");
  auto full = ParseEventLog(AsBytes(raw));
  ASSERT_TRUE(full);
  // Cut inside the 3rd event: the error names it.
  const LogEvent& e = full->events[2];
  size_t cut = e.data_offset + 1;
  auto r = ParseEventLog(AsBytes(raw.substr(0, cut)));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("event 2"), std::string::npos) << r.error().message();
  EXPECT_FALSE(ParseEventLog(AsBytes(std::string(64, '\0'))));
  Bytes big(kEventLogMaxBytes + 1, 0);
  EXPECT_EQ(ParseEventLog(big).error().code(), Code::kResourceExhausted);
}

}  // namespace
}  // namespace cocoon::tee::tdx
