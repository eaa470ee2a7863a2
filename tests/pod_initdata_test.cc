// The initdata `cocoon run` writes is read back by the agent as it would be in the guest
// (runtime::MakePodInitData → guest::ParseInitDataConfig), and the registry remaps it carries
// apply as the in-guest pull uses them.
#include <gtest/gtest.h>

#include "attestation/init_data.h"
#include "guest/initdata_config.h"
#include "image/registry/registry_remap.h"
#include "runtime/pod_initdata.h"

namespace cocoon {
namespace {

TEST(PodInitData, RoundTripsThroughTheAgentsParser) {
  runtime::PodInitData in;
  in.kbs_url = "http://10.0.2.100:8080";
  in.image_security_policy = R"({"default": [{"type": "reject"}],
    "transports": {"docker": {"127.0.0.1:5000/app": [{"type": "sigstoreSigned",
      "keyData": "a2V5\n'''\"quotes\"", "signedIdentity": {"type": "matchRepository"}}]}}})";
  in.registries.push_back({"127.0.0.1:5000", "10.0.2.100:5000", true});
  in.agent_policy = "package agent_policy\ndefault ExecProcessRequest := false\n";
  auto toml = runtime::MakePodInitData(in);
  ASSERT_TRUE(toml) << toml.error().ToString();
  auto cfg = guest::ParseInitDataConfig(*toml);
  ASSERT_TRUE(cfg) << cfg.error().ToString() << "\n" << *toml;
  EXPECT_EQ(cfg->kbs_url, "http://10.0.2.100:8080");
  EXPECT_EQ(cfg->agent_policy, in.agent_policy);
  // The policy survives as the same JSON document (re-serialised on one line).
  EXPECT_NE(cfg->image_security_policy.find(R"("keyData":"a2V5\n'''\"quotes\"")"),
            std::string::npos)
      << cfg->image_security_policy;
  ASSERT_EQ(cfg->registries.size(), 1u);
  EXPECT_EQ(cfg->registries[0].prefix, "127.0.0.1:5000");
  EXPECT_EQ(cfg->registries[0].location, "10.0.2.100:5000");
  EXPECT_TRUE(cfg->registries[0].insecure);
  // The digest algorithm is the one asked for (sha256 for SNP's 32-byte HOSTDATA).
  in.algorithm = "sha256";
  auto toml256 = runtime::MakePodInitData(in);
  ASSERT_TRUE(toml256);
  auto digest = attestation::DigestInitData({"toml", *toml256});
  ASSERT_TRUE(digest) << digest.error().ToString();
  EXPECT_EQ(digest->digest.size(), 32u);
  in.algorithm = "md5";
  EXPECT_FALSE(runtime::MakePodInitData(in));
}

TEST(PodInitData, RejectsAPolicyThatIsNotJson) {
  runtime::PodInitData in;
  in.image_security_policy = "{not json";
  auto toml = runtime::MakePodInitData(in);
  ASSERT_FALSE(toml);
  EXPECT_NE(toml.error().message().find("image signature policy"), std::string::npos);
}

TEST(PodInitData, MalformedRegistryEntriesAreNamed) {
  auto bad = guest::ParseInitDataConfig(
      "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"cdh.toml\" = '''\n"
      "[[image.registry_config.registry]]\ninsecure = \"yes\"\nprefix = \"a:1\"\n'''\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("insecure is not a boolean"), std::string::npos)
      << bad.error().message();
}

// A registry beyond this host: the guest keeps its name (TLS verifies it), connects to the
// forward and trusts the CA bundle from the initdata.
TEST(PodInitData, ForwardedRegistryRoundTrips) {
  runtime::PodInitData in;
  in.registries.push_back({"reg.example:5000", "reg.example:5000", false, "10.0.2.100:5000",
                           "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"});
  auto toml = runtime::MakePodInitData(in);
  ASSERT_TRUE(toml) << toml.error().ToString();
  auto cfg = guest::ParseInitDataConfig(*toml);
  ASSERT_TRUE(cfg) << cfg.error().ToString();
  ASSERT_EQ(cfg->registries.size(), 1u);
  EXPECT_EQ(cfg->registries[0].connect_to, "10.0.2.100:5000");
  EXPECT_EQ(cfg->registries[0].ca_certs, in.registries[0].ca_certs);

  // The entry as the pull applies it (image/registry/registry_remap.h; its own tests there).
  auto where = image::RemapReference(image::ParseImageRef("docker://reg.example:5000/team/app:v1"),
                                     cfg->registries);
  EXPECT_EQ(where.ref.String(), "docker://reg.example:5000/team/app:v1");
  image::RegistryOptions o = image::OptionsFor(where, image::RegistryOptions());
  EXPECT_TRUE(o.tls_verify);
  EXPECT_EQ(o.ca_pem, in.registries[0].ca_certs);
  EXPECT_EQ(o.connect_to, std::vector<std::string>{"reg.example::10.0.2.100:5000"});
}

}  // namespace
}  // namespace cocoon
