// Initdata written by the host reads back as the agent parses it; the digest matches Trustee's
// for the upstream vector; the parser names what is malformed.
#include "initdata/initdata.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/file.h"

namespace cocoon::initdata {
namespace {

TEST(InitDataDigest, MatchesTrusteeForTheUpstreamVector) {
  auto toml = base::ReadFile(COCOON_TESTDATA_DIR "/initdata/init-data-with-policy.toml");
  ASSERT_TRUE(toml) << toml.error().ToString();
  auto d = DigestInitData({"toml", *toml});
  ASSERT_TRUE(d) << d.error().ToString();
  // testdata/initdata/MANIFEST.md: SHA-256 of the file's bytes.
  EXPECT_EQ(base::HexEncode(d->digest),
            "0deccded0d87ec44702c7330fac3eb936b68dcca5c9f6b5df1fb3480c0b525ac");
  EXPECT_EQ(base::Base64Encode(d->digest), "DezN7Q2H7ERwLHMw+sPrk2to3Mpcn2td8fs0gMC1Jaw=");
  EXPECT_EQ(d->algorithm, "sha256");
  ASSERT_TRUE(d->claims.contains("policy.rego"));
  EXPECT_TRUE(d->claims["policy.rego"].get<std::string>().starts_with("# Copyright"));
  auto doc = ParseDocument(*toml);
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->agent_policy, d->claims["policy.rego"].get<std::string>());
  EXPECT_TRUE(doc->kbs_url.empty());
}

TEST(InitDataDigest, AlgorithmAndFormat) {
  auto d = DigestInitData({"toml", "version = \"0.1.0\"\n[data]\n"});
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(d->algorithm, "sha384");  // the default
  EXPECT_EQ(d->digest.size(), 48u);
  EXPECT_TRUE(d->claims.is_object());
  auto other = DigestInitData({"json", "{}"});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(other.error().message(), "Unsupported initdata format \"json\" (expected toml)");
  auto md5 = DigestInitData({"toml", "algorithm = \"md5\"\n"});
  ASSERT_FALSE(md5);
  EXPECT_EQ(md5.error().code(), Code::kInvalidArgument);
  auto broken = DigestInitData({"toml", "version = "});
  ASSERT_FALSE(broken);
  EXPECT_TRUE(broken.error().message().starts_with("init-data:1:")) << broken.error().message();
}

TEST(InitDataDigest, TomlEntriesBecomeJsonAndOthersStayAsTheyAre) {
  auto d = DigestInitData({"toml", R"(algorithm = "sha256"
[data]
"aa.toml" = '''
[token_configs.kbs]
url = "http://10.0.2.100:8080"
'''
"bad.toml" = "not = = toml"
"n" = 3
)"});
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_EQ(d->claims["aa.toml"]["token_configs"]["kbs"]["url"], "http://10.0.2.100:8080");
  EXPECT_EQ(d->claims["bad.toml"], "not = = toml");
  EXPECT_EQ(d->claims["n"], 3);
}

// The exact bytes `cocoon run` writes (their digest is what the TEE binds), as the writer before
// this module (runtime/pod_initdata.cc) wrote them.
TEST(WriteDocument, WritesTheDocumentByteForByte) {
  Document in;
  in.algorithm = "sha256";
  in.kbs_url = "http://10.0.2.100:8080";
  in.image_security_policy = R"({"default": [{"type": "insecureAcceptAnything"}]})";
  in.registries.push_back({"127.0.0.1:5000", "10.0.2.100:5000", true});
  auto toml = WriteDocument(in);
  ASSERT_TRUE(toml) << toml.error().ToString();
  EXPECT_EQ(*toml, R"(version = "0.1.0"
algorithm = "sha256"

[data]
"aa.toml" = """
[token_configs.kbs]
url = 'http://10.0.2.100:8080'
"""
"cdh.toml" = """
[image]
image_security_policy = '{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}'

    [[image.registry_config.registry]]
    insecure = true
    location = '10.0.2.100:5000'
    prefix = '127.0.0.1:5000'

[kbc]
name = 'cc_kbc'
url = 'http://10.0.2.100:8080'
"""
)");
}

TEST(WriteDocument, RoundTripsThroughTheParser) {
  Document in;
  in.kbs_url = "http://10.0.2.100:8080";
  in.image_security_policy = R"({"default": [{"type": "reject"}],
    "transports": {"docker": {"127.0.0.1:5000/app": [{"type": "sigstoreSigned",
      "keyData": "a2V5\n'''\"quotes\"", "signedIdentity": {"type": "matchRepository"}}]}}})";
  in.registries.push_back({"127.0.0.1:5000", "10.0.2.100:5000", true});
  in.agent_policy = "package agent_policy\ndefault ExecProcessRequest := false\n\x01\t\\\"\"\"";
  auto toml = WriteDocument(in);
  ASSERT_TRUE(toml) << toml.error().ToString();
  auto out = ParseDocument(*toml);
  ASSERT_TRUE(out) << out.error().ToString() << "\n" << *toml;
  EXPECT_EQ(out->algorithm, "sha384");
  EXPECT_EQ(out->kbs_url, "http://10.0.2.100:8080");
  EXPECT_EQ(out->agent_policy, in.agent_policy);
  // The policy survives as the same JSON document (re-serialised on one line).
  EXPECT_NE(out->image_security_policy.find(R"("keyData":"a2V5\n'''\"quotes\"")"),
            std::string::npos)
      << out->image_security_policy;
  ASSERT_EQ(out->registries.size(), 1u);
  EXPECT_EQ(out->registries[0].prefix, "127.0.0.1:5000");
  EXPECT_EQ(out->registries[0].location, "10.0.2.100:5000");
  EXPECT_TRUE(out->registries[0].insecure);
  // The digest algorithm is the one asked for (sha256 for SNP's 32-byte HOSTDATA).
  in.algorithm = "sha256";
  auto toml256 = WriteDocument(in);
  ASSERT_TRUE(toml256);
  auto digest = DigestInitData({"toml", *toml256});
  ASSERT_TRUE(digest) << digest.error().ToString();
  EXPECT_EQ(digest->digest.size(), 32u);
  in.algorithm = "md5";
  auto md5 = WriteDocument(in);
  ASSERT_FALSE(md5);
  EXPECT_EQ(md5.error().message(), "initdata algorithm 'md5' (sha256|sha384|sha512)");
}

TEST(WriteDocument, RejectsAPolicyThatIsNotJson) {
  Document in;
  in.image_security_policy = "{not json";
  auto toml = WriteDocument(in);
  ASSERT_FALSE(toml);
  EXPECT_EQ(toml.error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(toml.error().message().starts_with("image signature policy: "))
      << toml.error().message();
}

// A registry beyond this host: the guest keeps its name, connects to the forward and trusts the
// CA bundle from the initdata.
TEST(WriteDocument, ForwardedRegistryRoundTrips) {
  Document in;
  in.registries.push_back({"reg.example:5000", "reg.example:5000", false, "10.0.2.100:5000",
                           "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"});
  auto toml = WriteDocument(in);
  ASSERT_TRUE(toml) << toml.error().ToString();
  auto out = ParseDocument(*toml);
  ASSERT_TRUE(out) << out.error().ToString();
  ASSERT_EQ(out->registries.size(), 1u);
  EXPECT_EQ(out->registries[0].connect_to, "10.0.2.100:5000");
  EXPECT_EQ(out->registries[0].ca_certs, in.registries[0].ca_certs);
  EXPECT_FALSE(out->registries[0].insecure);
}

TEST(ParseDocument, ReadsKbsUrlAndImagePolicy) {
  constexpr char kToml[] = R"(version = "0.1.0"
algorithm = "sha256"
[data]
"cdh.toml" = '''
[kbc]
name = "cc_kbc"
url = "http://10.0.2.100:8080"
[image]
image_security_policy = '{"default":[{"type":"reject"}]}'
'''
)";
  auto doc = ParseDocument(kToml);
  ASSERT_TRUE(doc) << doc.error().ToString();
  EXPECT_EQ(doc->kbs_url, "http://10.0.2.100:8080");
  EXPECT_EQ(doc->image_security_policy, R"({"default":[{"type":"reject"}]})");
  EXPECT_TRUE(doc->agent_policy.empty());
  EXPECT_EQ(doc->algorithm, "sha256");
  auto bad = ParseDocument("version = ");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
}

TEST(ParseDocument, NamesMalformedFields) {
  auto head = std::string("version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n");
  auto insecure = ParseDocument(head +
                                "\"cdh.toml\" = '''\n[[image.registry_config.registry]]\n"
                                "insecure = \"yes\"\nprefix = \"a:1\"\n'''\n");
  ASSERT_FALSE(insecure);
  EXPECT_EQ(insecure.error().message(), "initdata registry insecure is not a boolean");
  auto nameless = ParseDocument(head +
                                "\"cdh.toml\" = '''\n[[image.registry_config.registry]]\n"
                                "insecure = true\n'''\n");
  ASSERT_FALSE(nameless);
  EXPECT_EQ(nameless.error().message(), "initdata registry entry has no prefix or location");
  auto url = ParseDocument(head + "\"cdh.toml\" = '''\n[kbc]\nurl = 5\n'''\n");
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().message(), "initdata /cdh.toml/kbc/url is not a string");
  auto cert = ParseDocument(
      head + "\"cdh.toml\" = '''\n[kbc]\nurl = \"http://k\"\nkbs_cert = \"x\"\n'''\n");
  ASSERT_FALSE(cert);
  EXPECT_EQ(cert.error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(cert.error().message().starts_with("initdata cdh.toml kbc.kbs_cert: "))
      << cert.error().message();
}

TEST(ParseDocument, ALocationAloneIsItsOwnPrefix) {
  auto doc = ParseDocument(
      "[data]\n\"cdh.toml\" = '''\n[[image.registry_config.registry]]\nlocation = \"r:1\"\n'''\n");
  ASSERT_TRUE(doc) << doc.error().ToString();
  ASSERT_EQ(doc->registries.size(), 1u);
  EXPECT_EQ(doc->registries[0].prefix, "r:1");
  EXPECT_EQ(doc->registries[0].location, "r:1");
}

TEST(ChooseKbsUrl, TheInitdataDecides) {
  Document none;
  EXPECT_EQ(*ChooseKbsUrl(none, "http://h:1", "flag"), "http://h:1");
  Document d;
  d.kbs_url = "http://10.0.2.100:8080";
  EXPECT_EQ(*ChooseKbsUrl(d, "", "flag"), "http://10.0.2.100:8080");
  EXPECT_EQ(*ChooseKbsUrl(d, "http://10.0.2.100:8080/", "flag"), "http://10.0.2.100:8080");
  auto other = ChooseKbsUrl(d, "http://10.0.2.100:9999", "CreateSandbox");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), Code::kPermissionDenied);
  EXPECT_EQ(other.error().message(),
            "KBS URL 'http://10.0.2.100:9999' from CreateSandbox differs from the initdata's "
            "'http://10.0.2.100:8080': the measured initdata decides which KBS the guest trusts");
}

TEST(ServicePorts, EveryPortTheDocumentNames) {
  std::string toml =
      "url = 'http://10.0.2.100:8080/x'\nother = '10.0.2.100:5000'\nagain = '10.0.2.100:8080'\n"
      "zero = '10.0.2.100:0'\nbig = '10.0.2.100:70000'\nnone = '10.0.2.100:'\n"
      "else = '10.0.2.15:22'\n";
  EXPECT_EQ(ServicePorts(toml, "10.0.2.100"), (std::vector<uint16_t>{8080, 5000}));
  EXPECT_TRUE(ServicePorts("", "10.0.2.100").empty());
}

}  // namespace
}  // namespace cocoon::initdata

namespace cocoon::initdata {
namespace {

// toml++ writes a value holding a run of apostrophes as a multi-line literal string the run
// closes early (found by initdata_fuzz); such values must come back exactly.
TEST(WriteDocument, ValuesWithRunsOfApostrophesRoundTrip) {
  Document in;
  in.kbs_url = "http://10.0.2.100:8080/a'''''b\nc";
  in.registries.push_back({"reg.example/''''x", "10.0.2.100:5000", false, "10.0.2.100:20001", ""});
  auto toml = WriteDocument(in);
  ASSERT_TRUE(toml) << toml.error().ToString();
  auto out = ParseDocument(*toml);
  ASSERT_TRUE(out) << out.error().ToString() << "\n" << *toml;
  EXPECT_EQ(out->kbs_url, in.kbs_url);
  ASSERT_EQ(out->registries.size(), 1u);
  EXPECT_EQ(out->registries[0].prefix, in.registries[0].prefix);
}

}  // namespace
}  // namespace cocoon::initdata
