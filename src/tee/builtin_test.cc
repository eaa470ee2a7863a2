// The TEEs cocoon ships: every one on both sides, verifiers made from the KBS settings (refused
// without roots of trust, configuration errors named), offline verification wired.
#include "tee/builtin.h"

#include <gtest/gtest.h>

#include "tee/tdx/tdx.h"
#include "tee/tpm/tpm.h"

namespace cocoon::tee {
namespace {

const std::vector<std::string> kAll = {"sample", "snp", "tdx", "tpm"};

TEST(BuiltinTees, EveryTeeHasBothSides) {
  AttesterTable attesters;
  RegisterBuiltinAttesters(attesters);
  VerifierTable verifiers;
  RegisterBuiltinVerifiers(verifiers);
  EXPECT_EQ(attesters.Names(), kAll);
  EXPECT_EQ(verifiers.Names(), kAll);
  for (const VerifierFactory& f : verifiers.factories()) {
    EXPECT_TRUE(f.create) << f.name;
    EXPECT_TRUE(f.verify_offline) << f.name;
    EXPECT_EQ(f.proves_nothing, f.name == "sample") << f.name;
  }
  // The order the KBS installs them in (and the guest detects them in): sample last.
  EXPECT_EQ(verifiers.factories().back().name, "sample");
}

TEST(BuiltinTees, SampleIsTheFallbackAttester) {
  AttesterTable attesters;
  RegisterBuiltinAttesters(attesters);
  auto a = attesters.Create("sample", {});
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ((*a)->tee(), "sample");
  auto ev = (*a)->GetEvidence(Bytes(48, 7));
  ASSERT_TRUE(ev) << ev.error().ToString();
}

TEST(BuiltinTees, VerifiersNeedTheirRootsOfTrust) {
  VerifierTable verifiers;
  RegisterBuiltinVerifiers(verifiers);
  VerifierSettings s;
  EXPECT_TRUE(verifiers.Find("snp")->create(s));
  EXPECT_TRUE(verifiers.Find("sample")->create(s));
  auto tdx = verifiers.Find("tdx")->create(s);
  ASSERT_FALSE(tdx);
  EXPECT_EQ(tdx.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(tdx.error().message(), tdx::kNoCollateral);
  auto tpm = verifiers.Find("tpm")->create(s);
  ASSERT_FALSE(tpm);
  EXPECT_EQ(tpm.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(tpm.error().message(), tpm::kNoAkAnchor);
  // A file the settings name that does not load is a configuration error, not a refusal.
  s.tpm.trusted_ak_keys = {"/nonexistent/ak.pem"};
  auto missing = verifiers.Find("tpm")->create(s);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().code(), Code::kFailedPrecondition);
  s.tdx.collateral = COCOON_TESTDATA_DIR "/tdx";
  EXPECT_TRUE(verifiers.Find("tdx")->create(s));
}

TEST(BuiltinTees, OfflineVerificationNamesMalformedEvidence) {
  VerifierTable verifiers;
  RegisterBuiltinVerifiers(verifiers);
  OfflineVerifyOptions o;
  o.evidence = ToBytes("not evidence");
  for (const std::string& name : kAll) {
    auto r = verifiers.Find(name)->verify_offline(o);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument) << name << ": " << r.error().ToString();
  }
}

}  // namespace
}  // namespace cocoon::tee
