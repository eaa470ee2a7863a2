// The registry remaps `cocoon run` writes into initdata (initdata::WriteDocument), read back as
// the agent reads them, rewrite image references and registry options as the in-guest pull uses
// them (guest/guest_pull.h). The document itself is tested in src/initdata/initdata_test.cc.
#include <gtest/gtest.h>

#include "guest/guest_pull.h"
#include "image/registry/registry_remap.h"
#include "initdata/initdata.h"

namespace cocoon {
namespace {

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

  // The entry as the pull applies it (image/registry/registry_remap.h; its own tests there).
  auto where = image::RemapReference(image::ParseImageRef("docker://reg.example:5000/team/app:v1"),
                                     guest::ToImageRemaps(cfg->registries));
  EXPECT_EQ(where.ref.String(), "docker://reg.example:5000/team/app:v1");
  image::RegistryOptions o = image::OptionsFor(where, image::RegistryOptions());
  EXPECT_TRUE(o.tls_verify);
  EXPECT_EQ(o.ca_pem, in.registries[0].ca_certs);
  EXPECT_EQ(o.connect_to, std::vector<std::string>{"reg.example::10.0.2.100:5000"});
}

}  // namespace
}  // namespace cocoon
