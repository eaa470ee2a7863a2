#include "tee/tpm/event_log.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tee/tpm/testing/synthetic_quote.h"
#include "tee/tpm/tpm_types.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tpm {
namespace {

std::string Replayed(const std::map<uint32_t, Bytes>& regs, uint32_t index) {
  auto it = regs.find(index);
  return it == regs.end() ? std::string(96, '0') : base::HexEncode(it->second);
}

// tdx/MANIFEST.md "test_rtmr_integrity": SHA-384 replay of CC event-log MR index i = RTMR[i-1].
// The CCEL is a crypto-agile TCG log, so the generic parser must reproduce these values.
TEST(EventLog, ReplaysTrusteeCcelVectors) {
  struct Case {
    const char* file;
    const char* rtmr0;
    const char* rtmr1;
    const char* rtmr2;
  } cases[] = {
      {"tdx/CCEL_data_ovmf",
       "8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9cc90a"
       "be193",
       "775b9f6bfe99f8a31396f0d0218e67ffa796d3b96ccf961cbb0deba48c79c00f082cda1a5567c1c16305f1fc210"
       "c13c6",
       "94eaf7a7bf398ed8d888c91057ae0261802e4f3df084213a76ca7f0b5055ac9d2241de43cd58d9e8b49c503bbf2"
       "5f34a"},
      {"tdx/eventlog/CCEL_data_grub",
       "cec0a104f691f60da2387fea3c2de00c4ac035e2bb479ff02edcce69039d9e9907f0b3e55031da3dc7038f423ad"
       "ebd79",
       "6c289e0c62182d41ebe97bdbc9872d10998a08eaa86adcdc684001a363207ee72942c7522cdf00a4bbc3d784bed"
       "7b670",
       "08919d017ba0e52cd6d966351c7de16fe76c1d3d3d3da4554239e4c7d16cb8b82a94e7eaea3a0e6e18eb690b999"
       "fd31e"},
      {"tdx/CCEL_data",
       "2dc712306a963eadb894ad47dbaa17df44814151555aee11cbb843becca88950ffd079664902e6f22c66f7c8213"
       "543f4",
       "0fa3be56af61208bbd179dc7b124988eb929319154663c539d6f46445ecac2fec287075047ff7bd1922829fec28"
       "cd3cf",
       nullptr},
  };
  for (const Case& c : cases) {
    std::string data = testutil::ReadTestdata(c.file);
    ASSERT_FALSE(data.empty()) << c.file;
    auto log = ParseEventLog(AsBytes(data));
    ASSERT_TRUE(log) << c.file << ": " << log.error().ToString();
    EXPECT_GE(log->events.size(), 5u);
    auto regs = Replay(*log, kAlgSha384);
    ASSERT_TRUE(regs) << regs.error().ToString();
    EXPECT_EQ(Replayed(*regs, 1), c.rtmr0) << c.file;
    EXPECT_EQ(Replayed(*regs, 2), c.rtmr1) << c.file;
    EXPECT_EQ(Replayed(*regs, 3), c.rtmr2 ? std::string(c.rtmr2) : std::string(96, '0')) << c.file;
    auto sha256 = Replay(*log, kAlgSha256);
    ASSERT_FALSE(sha256);  // SHA-384 only
    EXPECT_EQ(sha256.error().code(), Code::kInvalidArgument);
  }
}

TEST(EventLog, ClaimsHaveTrusteeShape) {
  std::string data = testutil::ReadTestdata("tdx/CCEL_data_ovmf");
  auto log = ParseEventLog(AsBytes(data));
  ASSERT_TRUE(log);
  Json claims = EventLogClaims(*log);
  ASSERT_EQ(claims.size(), log->events.size());
  Json expected = testutil::TestdataJson("tdx/eventlog/CCEL_data_ovmf_out.json");
  ASSERT_TRUE(expected.contains("uefi_event_logs"));
  ASSERT_EQ(expected["uefi_event_logs"].size(), claims.size());
  for (size_t i = 0; i < claims.size(); ++i) {
    const Json& want = expected["uefi_event_logs"][i];
    EXPECT_EQ(claims[i]["index"], want["index"]) << i;
    EXPECT_EQ(claims[i]["type_name"], want["type_name"]) << i;
    EXPECT_EQ(claims[i]["digests"], want["digests"]) << i;
    EXPECT_EQ(claims[i]["event"], want["event"]) << i;
  }
}

TEST(EventLog, SyntheticReplayAndStartupLocality) {
  std::vector<internal::SyntheticEvent> events = {
      {0, kEvNoAction, ToBytes(std::string_view("StartupLocality\0\x03", 17))},
      {0, 0x8, ToBytes("crtm version")},
      {4, 0x80000003, ToBytes("kernel")},
      {4, 0x80000003, ToBytes("initrd")},
  };
  auto log = ParseEventLog(internal::MakeEventLog(events));
  ASSERT_TRUE(log) << log.error().ToString();
  ASSERT_EQ(log->events.size(), 4u);
  EXPECT_EQ(log->spec_version_major, 2);
  auto regs = Replay(*log, kAlgSha256);
  ASSERT_TRUE(regs);
  EXPECT_EQ(regs->size(), 2u);
  Bytes pcr0(32, 0);
  pcr0.back() = 3;  // locality 3 start
  Bytes d = crypto::Sha256(ToBytes("crtm version"));
  pcr0.insert(pcr0.end(), d.begin(), d.end());
  EXPECT_EQ(regs->at(0), crypto::Sha256(pcr0));
  EXPECT_EQ(regs->at(4), internal::ReplayedPcrs(events)[4]);
}

TEST(EventLog, RejectsMalformedLogs) {
  Bytes log = internal::MakeEventLog({{4, 0x1, ToBytes("abc")}});
  for (size_t n = 0; n < log.size(); ++n) {
    Bytes cut(log.begin(), log.begin() + n);
    // A cut right after the header is a valid empty log; any cut inside a record is an error.
    auto r = ParseEventLog(cut);
    if (n == log.size() - (4 + 4 + 4 + 2 + 32 + 4 + 3)) {
      EXPECT_TRUE(r) << n;
    } else {
      ASSERT_FALSE(r) << n;
      EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
    }
  }
  Bytes not_agile = log;
  not_agile[4] = 1;  // header event type EV_POST_CODE: a SHA-1 log
  EXPECT_NE(ParseEventLog(not_agile).error().message().find("not a crypto-agile log"),
            std::string::npos);
  Bytes bad_alg = log;
  bad_alg[bad_alg.size() - 3 - 4 - 32 - 2] = 0x0c;  // digest alg sha384 not in the header
  EXPECT_NE(ParseEventLog(bad_alg).error().message().find("not in the Spec ID event"),
            std::string::npos);
}

TEST(EventLog, PaddingEndsTheLogAndLimitsHold) {
  Bytes log = internal::MakeEventLog({{4, 0x1, ToBytes("abc")}});
  Bytes padded = log;
  padded.insert(padded.end(), 100, 0xFF);
  auto r = ParseEventLog(padded);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->events.size(), 1u);
  Bytes huge(limits::kTpmEventLogMaxBytes + 1, 0);
  auto big = ParseEventLog(huge);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code(), Code::kResourceExhausted);
  // An event at the data limit parses; one byte more is refused.
  Bytes at_limit = internal::MakeEventLog({{4, 0x1, Bytes(limits::kTpmEventMaxBytes, 'a')}});
  EXPECT_TRUE(ParseEventLog(at_limit));
  Bytes past = internal::MakeEventLog({{4, 0x1, Bytes(limits::kTpmEventMaxBytes + 1, 'a')}});
  auto p = ParseEventLog(past);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), Code::kResourceExhausted);
}

}  // namespace
}  // namespace cocoon::tee::tpm
