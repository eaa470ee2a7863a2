// The initdata `cocoon run` writes is read back by the agent as it would be in the guest
// (runtime::MakePodInitData → guest::ParseInitDataConfig), and the registry remaps it carries
// rewrite image references as the in-guest pull uses them.
#include <gtest/gtest.h>

#include "attestation/init_data.h"
#include "guest/guest_pull.h"
#include "guest/initdata_config.h"
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

TEST(RegistryRemap, RewritesOnlyAtComponentBoundaries) {
  std::vector<guest::RegistryRemap> r = {{"127.0.0.1:5000", "10.0.2.100:5000", true}};
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
