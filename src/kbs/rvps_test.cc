// ReferenceValueStore tests: the Trustee sample message fixture (stored records byte-for-byte in
// Trustee's shape), version/type/payload errors, expiration arithmetic, query/get/list.
#include "kbs/rvps.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/encoding.h"

namespace cocoon::kbs {
namespace {

constexpr int64_t k2026Aug21 = 1'787'270'400;  // 2026-08-21T00:00:00Z

Json LoadFixture() {
  std::ifstream f(std::string(COCOON_TESTDATA_DIR) + "/rvps/sample-message-example.json");
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = base::ParseJson(ss.str());
  EXPECT_TRUE(j.has_value());
  return j.value_or(Json::object());
}

std::string SampleMessage(const Json& values) {
  return base::DumpJson(Json{{"version", "0.1.0"},
                             {"type", "sample"},
                             {"payload", base::Base64Encode(base::DumpJson(values))}});
}

class RvpsTest : public ::testing::Test {
 protected:
  std::unique_ptr<KvStore> kv_ = NewMemoryKvStore();
  ReferenceValueStore rvps_{kv_.get()};
};

TEST_F(RvpsTest, RegistersTrusteeSampleMessage) {
  const Json fixture = LoadFixture();
  const Json& message = fixture["register_message_POST_kbs_v0_reference-value"];
  auto names = rvps_.Register(base::DumpJson(message), k2026Aug21);
  ASSERT_TRUE(names.has_value()) << names.error().ToString();
  EXPECT_EQ(names->size(), 6u);
  for (const auto& [name, expected] : fixture["stored_reference_values_by_key"].items()) {
    auto record = rvps_.Get(name);
    ASSERT_TRUE(record.has_value()) << name;
    EXPECT_EQ(*record, expected) << name;
  }
  for (const auto& [query, expected] : fixture["query_examples"].items()) {
    auto value = rvps_.Query(query.substr(query.rfind('/') + 1), k2026Aug21);
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(*value, expected) << query;
  }
  auto list = rvps_.List();
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(*list,
            (std::vector<std::string>{"launch_digest", "major_version", "minimum_minor_version",
                                      "mr_td", "snp_launch_measurement", "svn"}));
}

TEST_F(RvpsTest, StoresRecordMembersInTrusteeOrder) {
  ASSERT_TRUE(rvps_.Register(SampleMessage({{"svn", Json::array({"1"})}}), k2026Aug21));
  auto raw = kv_->Get("reference_value", "svn");
  ASSERT_TRUE(raw.has_value() && raw->has_value());
  EXPECT_EQ(
      ToString(**raw),
      R"({"version":"0.1.0","name":"svn","expiration":"2027-08-21T00:00:00Z","value":["1"]})");
}

TEST_F(RvpsTest, VersionDefaultsAndMustMatch) {
  std::string payload = base::Base64Encode(R"({"a":1})");
  Json message = {{"type", "sample"}, {"payload", payload}};
  EXPECT_TRUE(rvps_.Register(base::DumpJson(message), k2026Aug21).has_value());
  message["version"] = "0.2.0";
  auto r = rvps_.Register(base::DumpJson(message), k2026Aug21);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "Version unmatched! Need 0.1.0, given 0.2.0");
}

TEST_F(RvpsTest, RejectsUnknownTypeAndBadPayloads) {
  Json message = {{"version", "0.1.0"}, {"type", "swid"}, {"payload", ""}};
  auto r = rvps_.Register(base::DumpJson(message), k2026Aug21);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "unsupported reference value type swid (supported: sample)");
  message["type"] = "sample";
  for (std::string payload : {std::string("not base64!"), base::Base64UrlEncode(R"({"a":1})"),
                              base::Base64Encode("[1,2]"), base::Base64Encode("{")}) {
    message["payload"] = payload;
    auto bad = rvps_.Register(base::DumpJson(message), k2026Aug21);
    ASSERT_FALSE(bad) << payload;
    EXPECT_EQ(bad.error().code(), Code::kInvalidArgument) << payload;
  }
  EXPECT_EQ(rvps_.Register("not json", k2026Aug21).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(rvps_.Register(R"({"type":"sample"})", k2026Aug21).error().code(),
            Code::kInvalidArgument);
}

// A bad name anywhere in the payload stores nothing.
TEST_F(RvpsTest, InvalidNameRejectsWholeMessage) {
  auto r = rvps_.Register(SampleMessage({{"good", 1}, {"bad name", 2}}), k2026Aug21);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  auto list = rvps_.List();
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->empty());
}

TEST_F(RvpsTest, ExpirationIsTwelveMonthsLaterClampedToMonthEnd) {
  constexpr int64_t k2024Feb29 = 1'709'212'455;  // 2024-02-29T13:14:15Z
  ASSERT_TRUE(rvps_.Register(SampleMessage({{"x", true}}), k2024Feb29));
  auto record = rvps_.Get("x");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ((*record)["expiration"], "2025-02-28T13:14:15Z");
}

TEST_F(RvpsTest, AbsentValues) {
  auto value = rvps_.Query("missing", k2026Aug21);
  ASSERT_TRUE(value.has_value());
  EXPECT_TRUE(value->is_null());
  EXPECT_EQ(rvps_.Get("missing").error().code(), Code::kNotFound);
}

TEST_F(RvpsTest, RegisterOverwrites) {
  ASSERT_TRUE(rvps_.Register(SampleMessage({{"svn", 1}}), k2026Aug21));
  ASSERT_TRUE(rvps_.Register(SampleMessage({{"svn", 2}}), k2026Aug21));
  auto value = rvps_.Query("svn", k2026Aug21);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, 2);
}

TEST_F(RvpsTest, ExpiredValuesReadAsAbsent) {
  Json message = Json::parse(SampleMessage({{"svn", Json::array({"1"})}}));
  message["expiration"] = "2026-08-22T00:00:00Z";
  ASSERT_TRUE(rvps_.Register(base::DumpJson(message), k2026Aug21));
  auto record = rvps_.Get("svn");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ((*record)["expiration"], "2026-08-22T00:00:00Z");
  const int64_t day = 86400;
  EXPECT_EQ(*rvps_.Query("svn", k2026Aug21 + day - 1), Json::array({"1"}));
  EXPECT_TRUE(rvps_.Query("svn", k2026Aug21 + day)->is_null());  // expired at that instant
  auto list = rvps_.ListRecords(k2026Aug21 + day);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0]["name"], "svn");
  EXPECT_EQ((*list)[0]["expired"], true);
  EXPECT_EQ((*rvps_.ListRecords(k2026Aug21))[0]["expired"], false);
}

TEST_F(RvpsTest, ExpirationMustBeFutureRfc3339) {
  Json message = Json::parse(SampleMessage({{"svn", 1}}));
  for (const char* bad : {"2026-08-20T00:00:00Z", "2026-08-21T00:00:00Z", "tomorrow"}) {
    message["expiration"] = bad;
    auto r = rvps_.Register(base::DumpJson(message), k2026Aug21);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << bad;
  }
  message["expiration"] = 5;
  EXPECT_EQ(rvps_.Register(base::DumpJson(message), k2026Aug21).error().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(rvps_.List()->empty());
}

TEST_F(RvpsTest, CorruptExpirationFailsClosed) {
  ASSERT_TRUE(kv_->Set("reference_value", "svn",
                       AsBytes(std::string(R"({"version":"0.1.0","name":"svn","value":1})"))));
  EXPECT_TRUE(rvps_.Query("svn", k2026Aug21)->is_null());
}

TEST_F(RvpsTest, ListsSortedAndDeletes) {
  ASSERT_TRUE(rvps_.Register(SampleMessage({{"b", 2}, {"a", 1}}), k2026Aug21));
  auto list = rvps_.ListRecords(k2026Aug21);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0]["name"], "a");
  EXPECT_EQ((*list)[1]["value"], 2);
  ASSERT_TRUE(rvps_.Delete("a"));
  EXPECT_EQ(rvps_.Delete("a").error().code(), Code::kNotFound);
  EXPECT_EQ(rvps_.ListRecords(k2026Aug21)->size(), 1u);
}

}  // namespace
}  // namespace cocoon::kbs
