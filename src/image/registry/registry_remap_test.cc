// Table tests for registry remapping: which references a remap entry rewrites (prefixes end at a
// component boundary, the first match wins, oci: is never touched) and the registry options a
// remapped location gets (insecure, CA bundle, connect_to for forwarded registries).
#include "image/registry/registry_remap.h"

#include <gtest/gtest.h>

namespace cocoon::image {
namespace {

TEST(RegistryRemap, RewritesOnlyAtComponentBoundaries) {
  const std::vector<RegistryRemap> remaps = {
      {"127.0.0.1:5000", "10.0.2.100:5000", true},
      {"quay.io/team/", "mirror.example/quay-team/"},
      {"quay.io/team", "other.example/never"},  // shadowed for quay.io/team/… by the entry above
      {"quay.io/org", "mirror.example/org"},
      {"docker.io/library", "hub-mirror.example/library"},
  };
  struct Case {
    std::string image;
    std::string fetch_from;
    bool insecure;
  };
  const Case cases[] = {
      {"docker://127.0.0.1:5000/app:v1", "docker://10.0.2.100:5000/app:v1", true},
      {"docker://127.0.0.1:50001/app:v1", "docker://127.0.0.1:50001/app:v1", false},  // port
      {"docker://127.0.0.1:5000@sha256:00", "docker://10.0.2.100:5000@sha256:00", true},
      {"docker://127.0.0.1:5000", "docker://10.0.2.100:5000", true},  // the prefix itself
      {"docker://quay.io/team/app:v1", "docker://mirror.example/quay-team/app:v1", false},
      {"docker://quay.io/org/app", "docker://mirror.example/org/app", false},
      {"docker://quay.io/orgx/app", "docker://quay.io/orgx/app", false},  // not a component
      {"docker://quay.io/org:v1", "docker://mirror.example/org:v1", false},
      // Prefixes match the reference as written, before docker.io normalisation.
      {"docker://busybox", "docker://busybox", false},
      {"docker://docker.io/library/busybox", "docker://hub-mirror.example/library/busybox", false},
      {"oci:/images/app:v1", "oci:/images/app:v1", false},
      {"oci:127.0.0.1:5000/app", "oci:127.0.0.1:5000/app", false},  // a directory, not a host
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.image);
    RemappedRef where = RemapReference(ParseImageRef(c.image), remaps);
    EXPECT_EQ(where.ref.String(), c.fetch_from);
    EXPECT_EQ(where.insecure, c.insecure);
    EXPECT_TRUE(where.connect_to.empty());
  }
  EXPECT_EQ(RemapReference(ParseImageRef("quay.io/team/app"), {}).ref.String(),
            "docker://quay.io/team/app");
}

TEST(RegistryRemap, ForwardedRegistryOptions) {
  const std::string ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const std::vector<RegistryRemap> remaps = {
      {"reg.example:5000", "reg.example:5000", false, "10.0.2.100:5000", ca},
      {"docker.io", "docker.io", false, "10.0.2.100:6000"},
      {"127.0.0.1:7000", "127.0.0.1:7000", true, "10.0.2.100:7000"},
  };
  RegistryOptions base;
  base.authfile = "/run/auth.json";

  RemappedRef where = RemapReference(ParseImageRef("reg.example:5000/team/app:v1"), remaps);
  EXPECT_EQ(where.ref.String(), "docker://reg.example:5000/team/app:v1");
  RegistryOptions o = OptionsFor(where, base);
  EXPECT_TRUE(o.tls_verify);
  EXPECT_EQ(o.ca_pem, ca);
  // The host without its port: any port of it goes to the forward, TLS still checks its name.
  EXPECT_EQ(o.connect_to, std::vector<std::string>{"reg.example::10.0.2.100:5000"});
  EXPECT_EQ(o.authfile, "/run/auth.json");
  where.insecure = true;
  EXPECT_FALSE(OptionsFor(where, base).tls_verify);

  // Docker Hub is served by registry-1.docker.io; an insecure forwarded registry.
  EXPECT_EQ(OptionsFor(RemapReference(ParseImageRef("docker.io/library/busybox"), remaps), base)
                .connect_to,
            std::vector<std::string>{"registry-1.docker.io::10.0.2.100:6000"});
  RegistryOptions local =
      OptionsFor(RemapReference(ParseImageRef("127.0.0.1:7000/a"), remaps), base);
  EXPECT_FALSE(local.tls_verify);
  EXPECT_EQ(local.connect_to, std::vector<std::string>{"127.0.0.1::10.0.2.100:7000"});
  // A reference that does not parse gets no forward (opening the image reports it).
  RemappedRef bad = RemapReference(ParseImageRef("reg.example:5000/Bad"), remaps);
  EXPECT_TRUE(OptionsFor(bad, base).connect_to.empty());

  // A registry without a remap is fetched as it is.
  RegistryOptions plain = OptionsFor(RemapReference(ParseImageRef("quay.io/a/b"), remaps), base);
  EXPECT_TRUE(plain.tls_verify);
  EXPECT_TRUE(plain.connect_to.empty());
  EXPECT_TRUE(plain.ca_pem.empty());
}

}  // namespace
}  // namespace cocoon::image
