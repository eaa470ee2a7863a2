// Table tests for the transport reference parser: docker://REF, oci:DIR[:TAG], bare references
// where a docker reference is implied, and the errors for everything else.
#include "image/transport_ref.h"

#include <gtest/gtest.h>

#include "image/signature/signed_identity.h"

namespace cocoon::image {
namespace {

TEST(TransportRef, ParsesTheTransportsTable) {
  struct Case {
    std::string text;
    Transport transport;
    std::string name;
    std::string dir;  // oci: only
    std::string tag;  // oci: only
  };
  const Case cases[] = {
      {"docker://busybox", Transport::kDocker, "busybox", "", ""},
      {"docker://quay.io/org/app:v1", Transport::kDocker, "quay.io/org/app:v1", "", ""},
      {"docker://127.0.0.1:5000/coco/app@sha256:00", Transport::kDocker,
       "127.0.0.1:5000/coco/app@sha256:00", "", ""},
      {"docker://", Transport::kDocker, "", "", ""},  // empty: DockerReference reports it
      {"oci:/tmp/layout", Transport::kOci, "/tmp/layout", "/tmp/layout", ""},
      {"oci:/tmp/layout:v1", Transport::kOci, "/tmp/layout:v1", "/tmp/layout", "v1"},
      {"oci:rel/dir:a:b", Transport::kOci, "rel/dir:a:b", "rel/dir", "a:b"},  // first ':' splits
      {"oci:", Transport::kOci, "", "", ""},  // OpenImageSource: "needs a directory"
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto t = ParseTransportRef(c.text);
    ASSERT_TRUE(t) << t.error().ToString();
    EXPECT_EQ(t->transport, c.transport);
    EXPECT_EQ(t->name, c.name);
    EXPECT_EQ(t->String(), c.text);  // round trip
    if (c.transport == Transport::kOci) {
      EXPECT_EQ(t->Layout().dir, c.dir);
      EXPECT_EQ(t->Layout().tag, c.tag);
    }
  }
}

TEST(TransportRef, RejectsOtherTransports) {
  for (std::string text : {"busybox", "quay.io/a/b:v1", "dir:/tmp/x", "docker:/x", "DOCKER://x",
                           "containers-storage:x", "docker-archive:/x.tar", ""}) {
    SCOPED_TRACE(text);
    auto t = ParseTransportRef(text);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(t.error().message(),
              "image '" + text + "': unknown transport (want docker://REF or oci:DIR[:TAG])");
  }
}

TEST(TransportRef, ImageRefDefaultsToDocker) {
  struct Case {
    std::string text;
    Transport transport;
    std::string canonical;
  };
  const Case cases[] = {
      {"busybox", Transport::kDocker, "docker://busybox"},
      {"quay.io/org/app:v1", Transport::kDocker, "docker://quay.io/org/app:v1"},
      {"docker://busybox", Transport::kDocker, "docker://busybox"},
      {"oci:/images/app:v1", Transport::kOci, "oci:/images/app:v1"},
      {"dir:/x", Transport::kDocker, "docker://dir:/x"},  // not a reference: fails when parsed
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    TransportRef t = ParseImageRef(c.text);
    EXPECT_EQ(t.transport, c.transport);
    EXPECT_EQ(t.String(), c.canonical);
  }
}

TEST(TransportRef, DockerReferenceIsParsedAndNormalised) {
  struct Case {
    std::string text;
    std::string normalised;  // empty: InvalidArgument
  };
  const Case cases[] = {
      {"docker://busybox", "docker.io/library/busybox:latest"},
      {"docker://quay.io/org/app:v1", "quay.io/org/app:v1"},
      {"docker://127.0.0.1:5000/coco/app:v2", "127.0.0.1:5000/coco/app:v2"},
      {"docker://", ""},
      {"docker://quay.io/Upper/case", ""},  // upper case in the path
      {"docker://a/b:bad tag", ""},
      {"oci:/tmp/layout:v1", ""},  // not a registry
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto t = ParseTransportRef(c.text);
    ASSERT_TRUE(t);
    auto ref = t->DockerReference();
    if (c.normalised.empty()) {
      ASSERT_FALSE(ref);
      EXPECT_EQ(ref.error().code(), Code::kInvalidArgument);
    } else {
      ASSERT_TRUE(ref) << ref.error().ToString();
      EXPECT_EQ(ref->String(), c.normalised);
    }
  }
  EXPECT_EQ(ParseImageRef("oci:/x").DockerReference().error().message(),
            "image 'oci:/x' is not a docker://REF");
}

TEST(TransportRef, BuildsCanonicalStrings) {
  EXPECT_EQ(TransportRef::Docker("quay.io/a/b:v1").String(), "docker://quay.io/a/b:v1");
  EXPECT_EQ(TransportRef::Oci({"/l", "v1"}).String(), "oci:/l:v1");
  EXPECT_EQ(TransportRef::Oci({"/l", ""}).String(), "oci:/l");
}

TEST(TransportRef, IdentityForThePolicy) {
  ImageIdentity docker = ImageIdentity::Of(ParseImageRef("busybox:1"));
  EXPECT_EQ(docker.transport, "docker");
  EXPECT_EQ(docker.repository, "docker.io/library/busybox");
  EXPECT_EQ(docker.tag, "1");
  ImageIdentity oci = ImageIdentity::Of(ParseImageRef("oci:/images/app:v1"));
  EXPECT_EQ(oci.transport, "oci");
  EXPECT_EQ(oci.repository, "/images/app:v1");
  EXPECT_EQ(oci.tag, "");
}

}  // namespace
}  // namespace cocoon::image
