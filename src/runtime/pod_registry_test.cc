// PlanRegistryAccess: forwards, remaps, CA bundles and credentials for the pod VM's registry,
// with scratch CA files and auth.json (no network).
#include "runtime/pod_registry.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/json.h"
#include "testutil/temp_dir.h"

namespace cocoon::runtime {
namespace {

constexpr const char* kCa = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

class PodRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    o_.system_ca_bundle = dir_.File("system.pem");
    o_.certs_dirs = {dir_.File("certs.d")};
    o_.authfile = dir_.File("auth.json");
    dir_.Write("auth.json", R"({"auths":{}})");
  }
  Result<RegistryAccess> Plan(const std::string& image) {
    auto ref = image::ParseReference(image);
    EXPECT_TRUE(ref) << image;
    return PlanRegistryAccess(*ref, o_, services_);
  }
  testutil::TempDir dir_;
  RegistryAccessOptions o_;
  std::vector<ForwardedService> services_;
};

TEST_F(PodRegistry, LoopbackRegistryIsRemappedToItsForward) {
  auto a = Plan("127.0.0.1:5000/app:v1");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->remap.prefix, "127.0.0.1:5000");
  EXPECT_EQ(a->remap.location, "10.0.2.100:5000");
  EXPECT_TRUE(a->remap.insecure);
  EXPECT_TRUE(a->remap.connect_to.empty());
  ASSERT_EQ(services_.size(), 1u);
  EXPECT_EQ(services_[0].host, "127.0.0.1");
  EXPECT_EQ(services_[0].host_port, 5000);
  EXPECT_EQ(Plan("localhost/app").error().message(),
            "image localhost/app:latest: a local registry needs a port");
}

TEST_F(PodRegistry, RemoteRegistryKeepsItsNameAndGetsItsCas) {
  dir_.Write("system.pem", "system\n" + std::string(kCa));
  std::filesystem::create_directories(dir_.File("certs.d/reg.example:5000"));
  dir_.Write("certs.d/reg.example:5000/ca.crt", "own\n" + std::string(kCa));
  dir_.Write("certs.d/reg.example:5000/ignored.pem", "not a .crt");
  services_.push_back({5000, 41000});  // the guest port 5000 is taken (a loopback KBS, say)
  auto a = Plan("reg.example:5000/team/app:v1");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->remap.prefix, "reg.example:5000");
  EXPECT_EQ(a->remap.location, "reg.example:5000");  // TLS verifies this name
  EXPECT_FALSE(a->remap.insecure);
  EXPECT_EQ(a->remap.connect_to, "10.0.2.100:20000");
  EXPECT_EQ(a->remap.ca_certs, "system\n" + std::string(kCa) + "own\n" + kCa);
  ASSERT_EQ(services_.size(), 2u);
  EXPECT_EQ(services_[1].guest_port, 20000);
  EXPECT_EQ(services_[1].host, "reg.example");
  EXPECT_EQ(services_[1].host_port, 5000);
  EXPECT_TRUE(a->auth_json.empty());  // anonymous

  // Without a port: 443; --cert-dir replaces certs.d.
  std::filesystem::create_directories(dir_.File("mine"));
  dir_.Write("mine/x.crt", kCa);
  o_.cert_dir = dir_.File("mine");
  auto b = Plan("other.example/app");
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->remap.connect_to, "10.0.2.100:443");
  EXPECT_EQ(b->remap.ca_certs, "system\n" + std::string(kCa) + kCa);
  o_.cert_dir = dir_.File("absent");
  EXPECT_EQ(Plan("other.example/app").error().code(), Code::kNotFound);
}

TEST_F(PodRegistry, NoCaIsAClearError) {
  auto a = Plan("reg.example:5000/app");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code(), Code::kFailedPrecondition);
  EXPECT_EQ(a.error().message(),
            "no CA certificate to verify registry reg.example:5000 (no " + o_.system_ca_bundle +
                "; install ca-certificates, or give its CA with --cert-dir DIR)");
}

TEST_F(PodRegistry, PlainHttpOnlyWhenAskedAndWithAPort) {
  o_.insecure_registries = {"reg.example:5000"};
  auto a = Plan("reg.example:5000/app");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_TRUE(a->insecure);
  EXPECT_TRUE(a->remap.insecure);
  EXPECT_TRUE(a->remap.ca_certs.empty());
  EXPECT_FALSE(Plan("reg.example:5001/app"));  // not listed: TLS (and no CA here)
  o_.tls_verify = false;
  auto b = Plan("reg.example/app");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message(),
            "image reg.example/app:latest: plain HTTP (--tls-verify=false, --insecure-registry) "
            "needs the registry's port in the image name (HOST:PORT/…)");
}

TEST_F(PodRegistry, CredentialsOfTheImageRegistryOnly) {
  dir_.Write("system.pem", kCa);
  std::string mine = base::Base64Encode(AsBytes(std::string("me:pw")));
  std::string other = base::Base64Encode(AsBytes(std::string("them:x")));
  dir_.Write("auth.json", R"({"auths":{"reg.example:5000":{"auth":")" + mine +
                              R"("},"elsewhere.example":{"auth":")" + other + R"("}}})");
  auto a = Plan("reg.example:5000/app");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->auth_json, R"({"auths":{"reg.example:5000":{"auth":")" + mine + R"("}}})");
  dir_.Write("auth.json", "{not json");
  EXPECT_EQ(Plan("reg.example:5000/app").error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace cocoon::runtime
