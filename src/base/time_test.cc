#include "base/time.h"

#include <gtest/gtest.h>

namespace cocoon::base {
namespace {

TEST(TimeTest, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339("2026-08-21T12:00:00Z"), 1787313600);
  EXPECT_EQ(*ParseRfc3339("2026-08-21T12:00:00.999999Z"), 1787313600);
  EXPECT_EQ(*ParseRfc3339("2026-08-21T14:00:00+02:00"), 1787313600);
  EXPECT_EQ(*ParseRfc3339("2026-08-21t07:30:00-04:30"), 1787313600);
  EXPECT_EQ(*ParseRfc3339("2024-02-29T00:00:00Z"), 1709164800);
}

TEST(TimeTest, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-08-21", "2026-08-21T12:00:00", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-08-21T24:00:00Z", "2026-08-21T12:00:00.Z", "2026-08-21T12:00:00+2:00",
        "2026-08-21T12:00:00Zjunk", "20260821T120000Z"}) {
    auto r = ParseRfc3339(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
  }
}

TEST(TimeTest, FormatsRoundTrip) {
  EXPECT_EQ(FormatRfc3339(1787313600), "2026-08-21T12:00:00Z");
  EXPECT_EQ(*ParseRfc3339(FormatRfc3339(1234567890)), 1234567890);
}

}  // namespace
}  // namespace cocoon::base
