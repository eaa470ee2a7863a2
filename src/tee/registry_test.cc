// The TEE tables: detection order and fallback, lookup errors, replacement, the unavailable
// attester.
#include "tee/registry.h"

#include <gtest/gtest.h>

#include "tee/sample/sample.h"

namespace cocoon::tee {
namespace {

AttesterFactory Fake(std::string name, bool present, int* made = nullptr) {
  return {.name = name,
          .detect = [present] { return present; },
          .create = [made](const AttesterOptions&) -> Result<std::unique_ptr<Attester>> {
            if (made != nullptr) ++*made;
            return sample::NewAttester();
          }};
}

TEST(AttesterTable, DetectsTheFirstPresentTeeInRegistrationOrder) {
  AttesterTable t;
  EXPECT_EQ(t.Detect("sample"), "sample");
  t.Register(Fake("b", false));
  t.Register(Fake("c", true));
  t.Register(Fake("a", true));
  t.Register({.name = "never", .detect = nullptr, .create = nullptr});
  EXPECT_EQ(t.Detect("sample"), "c");
  EXPECT_EQ(t.Names(), (std::vector<std::string>{"a", "b", "c", "never"}));
  // Re-registering keeps the place in the order.
  t.Register(Fake("c", false));
  EXPECT_EQ(t.Detect("sample"), "a");
}

TEST(AttesterTable, CreatesByNameAndNamesTheKnownOnes) {
  AttesterTable t;
  int made = 0;
  t.Register(Fake("x", false, &made));
  t.Register(Fake("y", false));
  auto a = t.Create("x", {});
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(made, 1);
  auto none = t.Create("z", {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), Code::kNotFound);
  EXPECT_EQ(none.error().message(), "no attester for TEE \"z\" (registered: x, y)");
  EXPECT_EQ(AttesterTable().Create("z", {}).error().message(),
            "no attester for TEE \"z\" (registered: none)");
}

TEST(UnavailableAttester, ReportsWhyOnEveryRequest) {
  auto a = NewUnavailableAttester("tpm", Error(Code::kUnavailable, "no TPM at /dev/tpmrm0"));
  EXPECT_EQ(a->tee(), "tpm");
  for (int i = 0; i < 2; ++i) {
    auto ev = a->GetEvidence(Bytes(32, 0));
    ASSERT_FALSE(ev);
    EXPECT_EQ(ev.error().code(), Code::kUnavailable);
    EXPECT_EQ(ev.error().message(), "no TPM at /dev/tpmrm0");
  }
}

VerifierFactory Named(std::string name, bool proves_nothing = false) {
  VerifierFactory f;
  f.name = std::move(name);
  f.proves_nothing = proves_nothing;
  return f;
}

TEST(VerifierTable, FindsByNameInRegistrationOrder) {
  VerifierTable t;
  t.Register(Named("b"));
  t.Register(Named("a", /*proves_nothing=*/true));
  EXPECT_EQ(t.Names(), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(t.factories().size(), 2u);
  EXPECT_EQ(t.factories()[0].name, "b");
  ASSERT_NE(t.Find("a"), nullptr);
  EXPECT_TRUE(t.Find("a")->proves_nothing);
  EXPECT_EQ(t.Find("c"), nullptr);
  t.Register(Named("a"));
  EXPECT_FALSE(t.Find("a")->proves_nothing);
  EXPECT_EQ(t.factories().size(), 2u);
}

}  // namespace
}  // namespace cocoon::tee
