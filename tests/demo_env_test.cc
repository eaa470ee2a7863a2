// `cocoon demo`'s services without the pod: the real cocoon-kbs and docker-registry on free
// loopback ports, private key files, and nothing left behind.
#include "runtime/demo_env.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "net/http_client.h"
#include "tests/harness.h"

namespace cocoon {
namespace {

namespace fs = std::filesystem;

TEST(DemoEnv, ServesTheKbsAndTheRegistryThenCleansUp) {
  std::string dir;
  {
    runtime::DemoEnv env({.kbs_binary = harness::BinaryPath("cocoon-kbs")});
    auto st = env.Start();
    ASSERT_TRUE(st) << st.error().ToString();
    dir = env.dir();
    EXPECT_TRUE(fs::path(dir).filename().string().starts_with("cocoon-demo-"));
    for (const char* f : {"admin.key", "admin.pub", "cosign.key", "cosign.pub", "kbs.toml"}) {
      auto perms = fs::status(env.File(f)).permissions();
      EXPECT_EQ(perms, fs::perms::owner_read | fs::perms::owner_write) << f;
    }
    EXPECT_TRUE(std::regex_match(env.kbs_url(), std::regex(R"(http://127\.0\.0\.1:[0-9]+)")))
        << env.kbs_url();
    EXPECT_TRUE(std::regex_match(env.registry(), std::regex(R"(127\.0\.0\.1:[0-9]+)")))
        << env.registry();
    net::HttpClient http;
    // The KBS answers its API (an unauthenticated resource read is refused, not unreachable).
    auto kbs = http.Get(env.kbs_url() + "/kbs/v0/resource/default/image-key/demo");
    ASSERT_TRUE(kbs) << kbs.error().ToString();
    EXPECT_EQ(kbs->status, 401);
    auto registry = http.Get("http://" + env.registry() + "/v2/");
    ASSERT_TRUE(registry) << registry.error().ToString();
    EXPECT_EQ(registry->status, 200);
  }
  EXPECT_FALSE(fs::exists(dir)) << "the demo left " << dir;
}

TEST(DemoEnv, KeptDirectorySurvivesAndAMissingKbsIsNamed) {
  std::string dir;
  {
    runtime::DemoEnv env({.kbs_binary = "/nonexistent/cocoon-kbs", .keep = true});
    auto st = env.Start();
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code(), Code::kNotFound);
    EXPECT_EQ(st.error().message(), "/nonexistent/cocoon-kbs is missing (build or install it)");
    dir = env.dir();
  }
  EXPECT_TRUE(fs::exists(dir + "/admin.key"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace cocoon
