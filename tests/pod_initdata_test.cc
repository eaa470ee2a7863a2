// The registry remaps `cocoon run` writes into initdata (initdata::WriteDocument), read back as
// the agent reads them, rewrite image references and registry options as the in-guest pull uses
// them (guest/guest_pull.h). The document itself is tested in src/initdata/initdata_test.cc.
#include <gtest/gtest.h>

#include "guest/guest_pull.h"
#include "initdata/initdata.h"

namespace cocoon {
namespace {

TEST(RegistryRemap, RewritesOnlyAtComponentBoundaries) {
  std::vector<initdata::RegistryRemap> r = {{"127.0.0.1:5000", "10.0.2.100:5000", true}};
  auto a = guest::RemapReference("docker://127.0.0.1:5000/app:v1", r);
  EXPECT_EQ(a.transport_ref, "docker://10.0.2.100:5000/app:v1");
  EXPECT_TRUE(a.insecure);
  auto b = guest::RemapReference("docker://127.0.0.1:50001/app:v1", r);  // another port
  EXPECT_EQ(b.transport_ref, "docker://127.0.0.1:50001/app:v1");
  EXPECT_FALSE(b.insecure);
  auto c = guest::RemapReference("oci:/images/app:v1", r);
  EXPECT_EQ(c.transport_ref, "oci:/images/app:v1");
  auto d = guest::RemapReference("docker://127.0.0.1:5000@sha256:00", r);
  EXPECT_EQ(d.transport_ref, "docker://10.0.2.100:5000@sha256:00");
}

// A registry beyond this host: the guest keeps its name (TLS verifies it), connects to the
// forward and trusts the CA bundle from the initdata.
TEST(PodInitData, ForwardedRegistryReachesThePull) {
  initdata::Document in;
  in.registries.push_back({"reg.example:5000", "reg.example:5000", false, "10.0.2.100:5000",
                           "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"});
  auto toml = initdata::WriteDocument(in);
  ASSERT_TRUE(toml) << toml.error().ToString();
  auto cfg = initdata::ParseDocument(*toml);
  ASSERT_TRUE(cfg) << cfg.error().ToString();
  ASSERT_EQ(cfg->registries.size(), 1u);

  auto where = guest::RemapReference("docker://reg.example:5000/team/app:v1", cfg->registries);
  EXPECT_EQ(where.transport_ref, "docker://reg.example:5000/team/app:v1");
  image::RegistryOptions base;
  base.authfile = "/run/auth.json";
  image::RegistryOptions o = guest::OptionsFor(where, base);
  EXPECT_TRUE(o.tls_verify);
  EXPECT_EQ(o.ca_pem, in.registries[0].ca_certs);
  EXPECT_EQ(o.connect_to, std::vector<std::string>{"reg.example::10.0.2.100:5000"});
  EXPECT_EQ(o.authfile, "/run/auth.json");
  where.insecure = true;
  EXPECT_FALSE(guest::OptionsFor(where, base).tls_verify);
  // A registry without a remap is fetched as it is.
  auto plain =
      guest::OptionsFor(guest::RemapReference("docker://quay.io/a/b", cfg->registries), base);
  EXPECT_TRUE(plain.connect_to.empty());
  EXPECT_TRUE(plain.ca_pem.empty());
}

}  // namespace
}  // namespace cocoon
