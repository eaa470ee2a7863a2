// InstallVerifiers with stand-in TEEs: allowed, refused for want of roots, left out of
// allowed_tees, the insecure sample switch, and configuration errors.
#include "kbs/verifiers.h"

#include <gtest/gtest.h>

#include "tee/sample/sample.h"

namespace cocoon::kbs {
namespace {

tee::VerifierFactory Fake(std::string name, Status outcome, bool proves_nothing = false) {
  return {
      .name = std::move(name),
      .proves_nothing = proves_nothing,
      .create = [outcome](const tee::VerifierSettings&) -> Result<std::unique_ptr<tee::Verifier>> {
        if (!outcome) return std::unexpected(outcome.error());
        return tee::sample::NewVerifier();
      },
      .verify_offline = nullptr};
}

std::string Refusal(const tee::VerifierRegistry& r, std::string_view tee) {
  auto v = r.Get(tee);
  EXPECT_FALSE(v) << tee;
  if (v) return "";
  EXPECT_EQ(v.error().code(), Code::kPermissionDenied) << tee;
  return v.error().message();
}

TEST(InstallVerifiers, AllowedTeesWithRootsOfTrustOnly) {
  tee::VerifierTable table;
  table.Register(Fake("good", Ok()));
  table.Register(Fake("rootless", FailedPrecondition("no roots: set x")));
  table.Register(Fake("unlisted", Ok()));
  table.Register(Fake("sample", Ok(), /*proves_nothing=*/true));
  tee::VerifierSettings s;
  s.allowed_tees = {"good", "rootless", "sample"};
  tee::VerifierRegistry registry;
  ASSERT_TRUE(InstallVerifiers(table, s, registry));
  EXPECT_TRUE(registry.Get("good"));
  EXPECT_EQ(Refusal(registry, "rootless"), "no roots: set x");
  EXPECT_EQ(Refusal(registry, "unlisted"),
            "TEE \"unlisted\" is not in [attestation_service] allowed_tees");
  // Listing it is not enough for a TEE that proves nothing.
  EXPECT_EQ(Refusal(registry, "sample"),
            "the sample TEE proves nothing and is off; a test or demo KBS turns it on with "
            "[attestation_service] insecure_sample_tee = true");
  EXPECT_EQ(registry.Names(), std::vector<std::string>{"good"});

  s.insecure_sample_tee = true;
  tee::VerifierRegistry with_sample;
  ASSERT_TRUE(InstallVerifiers(table, s, with_sample));
  EXPECT_TRUE(with_sample.Get("sample"));
}

TEST(InstallVerifiers, AFileThatDoesNotLoadStopsTheKbs) {
  tee::VerifierTable table;
  table.Register(Fake("tpm", NotFound("trusted_ak_keys /x: no such file")));
  tee::VerifierSettings s;
  s.allowed_tees = {"tpm"};
  tee::VerifierRegistry registry;
  auto st = InstallVerifiers(table, s, registry);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kNotFound);
  EXPECT_NE(st.error().ToString().find("tpm verifier"), std::string::npos) << st.error().ToString();
  // Left out of allowed_tees, its files are not even read.
  s.allowed_tees.clear();
  EXPECT_TRUE(InstallVerifiers(table, s, registry));
}

TEST(InstallVerifiers, AnAllowedTeeWithoutAVerifierIsAConfigError) {
  tee::VerifierTable table;
  table.Register(Fake("snp", Ok()));
  table.Register(Fake("tdx", Ok()));
  table.Register(Fake("sample", Ok(), /*proves_nothing=*/true));
  tee::VerifierSettings s;
  s.allowed_tees = {"snp", "cca"};
  tee::VerifierRegistry registry;
  auto st = InstallVerifiers(table, s, registry);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), Code::kInvalidArgument);
  EXPECT_NE(st.error().message().find("allowed_tees: \"cca\" has no verifier in cocoon-kbs "
                                      "(known: snp, tdx)"),
            std::string::npos)
      << st.error().message();
}

}  // namespace
}  // namespace cocoon::kbs
