// `cocoon image encrypt|sign|verify|inspect` end to end against real components on loopback: a
// docker-registry, skopeo 1.9.3 (decrypts what we encrypt, standalone-verify), gpg, a real
// cocoon-kbs (provider KEKs), and tests/interop/{cosign_verify.py,keyprovider.py}.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>

#include "base/encoding.h"
#include "base/json.h"
#include "tests/image_cli_fixture.h"

namespace cocoon::image_cli {
namespace {

TEST_F(ImageCli, EncryptJweToRegistrySkopeoDecrypts) {
  auto r = Cocoon({"encrypt", "--dest-tls-verify=false", "--encryption-key",
                   "jwe:" + dir_.File("rsa-pub.pem"), Src(), Docker("x:enc")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("encrypted 1 layer(s): docker://" + host_ + "/x:enc@sha256:"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(SkopeoDecryptLayer(Docker("x:enc"), "rsa-priv.pem", "dec"), layer_digest_);
  // Wrong key: skopeo cannot decrypt.
  auto wrong =
      Skopeo({"copy", "--src-tls-verify=false", "--decryption-key", dir_.File("ec-priv.pem"),
              Docker("x:enc"), "oci:" + dir_.File("bad") + ":1"});
  EXPECT_NE(wrong.exit_code, 0);

  // The encrypted image's layer is protected and the config is the original one.
  auto inspect = Cocoon({"inspect", "--tls-verify=false", Docker("x:enc")});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto j = base::ParseJson(inspect.out);
  ASSERT_TRUE(j) << inspect.out;
  EXPECT_EQ((*j)["Name"], host_ + "/x");
  EXPECT_EQ((*j)["LayersData"][0]["MIMEType"],
            "application/vnd.oci.image.layer.v1.tar+gzip+encrypted");
  EXPECT_EQ((*j)["LayersData"][0]["Encrypted"], true);
  EXPECT_EQ((*j)["LayersData"][0]["EncryptionKeys"], Json::array({"jwe:RSA-OAEP"}));
  EXPECT_EQ((*j)["Env"], Json::array({"PATH=/bin"}));
  auto config = Cocoon({"inspect", "--config", "--tls-verify=false", Docker("x:enc")});
  EXPECT_EQ(config.out, harness::ReadFile(dir_.File("config.json")));

  // Registry → registry from a Docker schema-2 image: the result is an OCI manifest.
  auto v2s2 =
      Skopeo({"copy", "--dest-tls-verify=false", "--format", "v2s2", Src(), Docker("docker:v1")});
  ASSERT_EQ(v2s2.exit_code, 0) << v2s2.err;
  r = Cocoon({"encrypt", "--src-tls-verify=false", "--dest-tls-verify=false", "--encryption-key",
              "jwe:" + dir_.File("ec-pub.pem"), Docker("docker:v1"), Docker("docker:enc")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto raw =
      base::ParseJson(Cocoon({"inspect", "--raw", "--tls-verify=false", Docker("docker:enc")}).out);
  ASSERT_TRUE(raw);
  EXPECT_EQ((*raw)["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ((*raw)["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(SkopeoDecryptLayer(Docker("docker:enc"), "ec-priv.pem", "dec-docker"), layer_digest_);
}

TEST_F(ImageCli, EcAndRsaRecipientsAndZstd) {
  auto r = Skopeo({"copy", "--dest-compress", "--dest-compress-format", "zstd", Src(),
                   "oci:" + dir_.File("zstd") + ":v1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& src : {Src(), "oci:" + dir_.File("zstd") + ":v1"}) {
    std::string plain = LayoutLayers(src)[0].value("digest", "");
    r = Cocoon({"encrypt", "--encryption-key", "jwe:" + dir_.File("rsa-pub.pem"),
                "--encryption-key", "jwe:" + dir_.File("ec-pub.pem"), src,
                "oci:" + dir_.File("multi") + ":" + plain.substr(7, 8)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string enc = "oci:" + dir_.File("multi") + ":" + plain.substr(7, 8);
    EXPECT_EQ(SkopeoDecryptLayer(enc, "rsa-priv.pem", "dec-rsa-" + plain.substr(7, 8)), plain);
    EXPECT_EQ(SkopeoDecryptLayer(enc, "ec-priv.pem", "dec-ec-" + plain.substr(7, 8)), plain);
    auto j = base::ParseJson(Cocoon({"inspect", enc}).out);
    ASSERT_TRUE(j);
    EXPECT_EQ((*j)["LayersData"][0]["EncryptionKeys"],
              Json::array({"jwe:RSA-OAEP", "jwe:ECDH-ES+A256KW"}));
  }
  Json zstd = LayoutLayers(
      "oci:" + dir_.File("multi") + ":" +
      LayoutLayers("oci:" + dir_.File("zstd") + ":v1")[0].value("digest", "").substr(7, 8));
  EXPECT_EQ(zstd[0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd+encrypted");
}

TEST_F(ImageCli, InspectRawMatchesSkopeo) {
  PushPlain("plain:v1");
  auto ours = Cocoon({"inspect", "--raw", "--tls-verify=false", Docker("plain:v1")});
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  auto theirs = Skopeo({"inspect", "--raw", "--tls-verify=false", Docker("plain:v1")});
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  EXPECT_EQ(ours.out, theirs.out);
  EXPECT_EQ(Cocoon({"inspect", "--raw", Src()}).out, harness::ReadFile(dir_.File("manifest.json")));
  auto j = base::ParseJson(Cocoon({"inspect", Src()}).out);
  ASSERT_TRUE(j);
  EXPECT_EQ((*j)["LayersData"][0]["Encrypted"], false);
  EXPECT_EQ((*j)["Layers"], Json::array({layer_digest_}));
}

// A cocoon-kbs (HTTP, allow_all resource policy, sample attester accepted) with an Ed25519
// admin key, on a free loopback port; the KbsFixture of kbs_integration_test, cut down.
class Kbs {
 public:
  explicit Kbs(const TempDir& dir) : dir_(dir), port_(harness::FreePort()) {
    auto r = harness::Run(
        {"/usr/bin/openssl", "genpkey", "-algorithm", "ed25519", "-out", dir.File("admin.key")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = harness::Run({"/usr/bin/openssl", "pkey", "-in", dir.File("admin.key"), "-pubout", "-out",
                      dir.File("admin.pub")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string c = "[http_server]\nsockets = [\"127.0.0.1:" + std::to_string(port_) +
                    "\"]\ninsecure_http = true\n\n[attestation_service]\ntype = "
                    "\"coco_as_builtin\"\n"
                    // The CLI attests with the sample TEE (no hardware in CI): on for this test.
                    "insecure_sample_tee = true\n\n[admin]\nauthorization_mode = "
                    "\"AuthenticatedAuthorization\"\n[admin.authentication.bearer_jwt]\n"
                    "identity_providers = [ { public_key_uri = \"" +
                    dir.File("admin.pub") +
                    "\" } ]\n[admin.authorization.regex_acl]\nacls = [ { role = \"admin\", "
                    "allowed_endpoints = \"^/kbs/.+$\" } ]\n\n[storage_backend]\nstorage_type = "
                    "\"Sqlite\"\n[storage_backend.backends.sqlite]\npath = \"" +
                    dir.File("kbs.sqlite") + "\"\n\n[policy_engine]\nbuiltin = \"allow_all\"\n";
    dir.Write("kbs.toml", c);
    proc_ = std::make_unique<Process>(std::vector<std::string>{
        harness::BinaryPath("cocoon-kbs"), "--config-file", dir.File("kbs.toml")});
    up_ = proc_->WaitForLine("listening on", std::chrono::seconds(20));
  }
  bool up() const { return up_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string admin_key() const { return dir_.File("admin.key"); }

 private:
  const TempDir& dir_;
  int port_;
  bool up_ = false;
  std::unique_ptr<Process> proc_;
};

// The four steps on the host: attest to the KBS (sample TEE) → the KBS releases the image key
// → pull, decrypt and unpack. With a resource policy that denies, the key is withheld and no
// bundle appears.
TEST_F(ImageCli, ProviderEncryptedImageUnpacksOnlyWhenTheKbsReleasesTheKey) {
  Kbs kbs(dir_);
  ASSERT_TRUE(kbs.up());
  auto enc = Cocoon({"encrypt", "--dest-tls-verify=false", "--encryption-key",
                     "provider:attestation-agent:kbs:///default/image-key/app", "--kbs", kbs.url(),
                     "--admin-key", kbs.admin_key(), Src(), Docker("app:kbs")});
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  auto pull = [&](const std::string& bundle) {
    return Cocoon({"pull", "--insecure-policy", "--tls-verify=false", "--store", dir_.File("store"),
                   "--kbs", kbs.url(), "--unpack", bundle, Docker("app:kbs")});
  };
  auto ok = pull(dir_.File("bundle"));
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("layer keys unwrapped: 1"), std::string::npos) << ok.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.File("bundle/rootfs/hello.txt")));

  dir_.Write("deny.rego", "package policy\nimport rego.v1\ndefault allow := false\n");
  auto deny =
      harness::Run({harness::BinaryPath("cocoon"), "kbs", "set-policy", "--file",
                    dir_.File("deny.rego"), "--url", kbs.url(), "--admin-key", kbs.admin_key()});
  ASSERT_EQ(deny.exit_code, 0) << deny.err;
  auto denied = pull(dir_.File("bundle-denied"));
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("Access denied by policy"), std::string::npos) << denied.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("bundle-denied")));
}

// The attestation-agent provider path: the KEK lands in a real KBS, an attested (sample) guest
// can fetch it, and keyprovider.py (independent AnnotationPacket unwrap) recovers the layer
// options.
TEST_F(ImageCli, ProviderKeyStoredInKbs) {
  Kbs kbs(dir_);
  ASSERT_TRUE(kbs.up());
  auto r = Cocoon({"encrypt", "--dest-tls-verify=false", "--encryption-key",
                   "provider:attestation-agent:kbs:///default/key/img", "--kbs", kbs.url(),
                   "--admin-key", kbs.admin_key(), Src(), Docker("kp:enc")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("KEK stored in the KBS as kbs:///default/key/img"), std::string::npos);

  auto kek = harness::Run({harness::BinaryPath("cocoon"), "kbs", "get-resource",
                           "kbs:///default/key/img", "--url", kbs.url()});
  ASSERT_EQ(kek.exit_code, 0) << kek.err;
  ASSERT_EQ(kek.out.size(), 32u);

  auto inspect = base::ParseJson(Cocoon({"inspect", "--tls-verify=false", Docker("kp:enc")}).out);
  ASSERT_TRUE(inspect);
  const Json& layer = (*inspect)["LayersData"][0];
  EXPECT_EQ(layer["EncryptionKeys"],
            Json::array({"provider:attestation-agent:kbs:///default/key/img"}));
  std::string packet_b64 =
      layer["Annotations"]["org.opencontainers.image.enc.keys.provider.attestation-agent"];
  auto packet = base::ParseJson(*base::Base64Decode(packet_b64));
  ASSERT_TRUE(packet);
  EXPECT_EQ((*packet)["kid"], "kbs:///default/key/img");
  EXPECT_EQ((*packet)["wrap_type"], "A256GCM");

  dir_.Write("kp-keys.json", R"({"default/key/img":")" + base::Base64Encode(kek.out) + "\"}");
  std::string req =
      R"({"op":"keyunwrap","keywrapparams":{},"keyunwrapparams":{"dc":{"Parameters":{}},"annotation":")" +
      packet_b64 + "\"}}";
  auto kp = harness::Run({"/usr/bin/env", "KP_KEYS=" + dir_.File("kp-keys.json"),
                          "/usr/bin/python3", kInterop + "/keyprovider.py"},
                         req);
  ASSERT_EQ(kp.exit_code, 0) << kp.err;
  auto reply = base::ParseJson(kp.out);
  ASSERT_TRUE(reply) << kp.out;
  auto opts = base::ParseJson(
      *base::Base64Decode((*reply)["keyunwrapresults"]["optsdata"].get<std::string>()));
  ASSERT_TRUE(opts);
  EXPECT_EQ((*opts)["digest"], layer_digest_);

  // Without a KBS the KEK goes to a 0600 file instead.
  r = Cocoon({"encrypt", "--encryption-key",
              "provider:attestation-agent:keyid=kbs:///default/key/file::algorithm=A256GCM",
              "--key-output", dir_.File("kek.bin"), Src(), "oci:" + dir_.File("kpfile") + ":v1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(stat(dir_.File("kek.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  // A wrong admin key: the KBS refuses and nothing is pushed.
  harness::Run(
      {"/usr/bin/openssl", "genpkey", "-algorithm", "ed25519", "-out", dir_.File("rogue.key")});
  r = Cocoon({"encrypt", "--dest-tls-verify=false", "--encryption-key",
              "provider:attestation-agent:kbs:///default/key/rogue", "--kbs", kbs.url(),
              "--admin-key", dir_.File("rogue.key"), Src(), Docker("kp:rogue")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("checking the KBS for a key at kbs:///default/key/rogue"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("refused the admin token"), std::string::npos) << r.err;
  EXPECT_EQ(Cocoon({"inspect", "--raw", "--tls-verify=false", Docker("kp:rogue")}).exit_code, 1);
}

// keypath= brings the owner's own KEK: nothing is generated, so nothing needs --kbs or
// --key-output (docs/image-create.md, docs/run-encrypted-image.md).
TEST_F(ImageCli, KeypathKekNeedsNoKbsOrKeyOutput) {
  dir_.Write("own-kek.bin", std::string(32, 'k'));
  auto r = Cocoon({"encrypt", "--encryption-key",
                   "provider:attestation-agent:keyid=kbs:///default/key/own::keypath=" +
                       dir_.File("own-kek.bin"),
                   Src(), "oci:" + dir_.File("own") + ":v1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("encrypted 1 layer(s)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("KEK"), std::string::npos) << r.out;  // neither stored nor written
  auto inspect = base::ParseJson(Cocoon({"inspect", "oci:" + dir_.File("own") + ":v1"}).out);
  ASSERT_TRUE(inspect);
  EXPECT_EQ((*inspect)["LayersData"][0]["EncryptionKeys"],
            Json::array({"provider:attestation-agent:kbs:///default/key/own"}));

  dir_.Write("short-kek.bin", std::string(31, 'k'));
  r = Cocoon({"encrypt", "--encryption-key",
              "provider:attestation-agent:keyid=kbs:///default/key/own::keypath=" +
                  dir_.File("short-kek.bin"),
              Src(), "oci:" + dir_.File("short") + ":v1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("must hold exactly 32 bytes"), std::string::npos) << r.err;
}

// No silent loss: a key the KBS holds is kept unless --replace-key, and a new key is stored
// only once the push succeeded. The failing push is the one a newcomer meets: TLS to a
// plain-HTTP registry, whose error says how to allow plain HTTP.
TEST_F(ImageCli, KbsHeldKeyIsNeverReplacedSilently) {
  Kbs kbs(dir_);
  ASSERT_TRUE(kbs.up());
  const std::string kid = "kbs:///default/image-key/keep";
  auto encrypt = [&](const std::string& dst, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "encrypt",     "--encryption-key", "provider:attestation-agent:" + kid, "--kbs", kbs.url(),
        "--admin-key", kbs.admin_key()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), {Src(), Docker(dst)});
    return Cocoon(args);
  };
  auto stored_key = [&] {
    auto r = harness::Run(
        {harness::BinaryPath("cocoon"), "kbs", "get-resource", kid, "--url", kbs.url()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  auto first = encrypt("keep:v1", {"--dest-tls-verify=false"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("KEK stored in the KBS as " + kid), std::string::npos) << first.out;
  const std::string old_key = stored_key();
  ASSERT_EQ(old_key.size(), 32u);

  // Without --replace-key: refused before anything is pushed, naming the key id and the flag.
  auto again = encrypt("keep:v2", {"--dest-tls-verify=false"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("FailedPrecondition: the KBS already holds a key at " + kid),
            std::string::npos)
      << again.err;
  EXPECT_NE(again.err.find("--replace-key"), std::string::npos) << again.err;
  EXPECT_EQ(Cocoon({"inspect", "--raw", "--tls-verify=false", Docker("keep:v2")}).exit_code, 1);
  EXPECT_EQ(stored_key(), old_key);

  // With --replace-key but a push that fails: the old key stays.
  auto failed = encrypt("keep:v3", {"--replace-key"});  // TLS to the plain-HTTP registry
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("--tls-verify=false"), std::string::npos) << failed.err;
  EXPECT_EQ(failed.out.find("replaced"), std::string::npos) << failed.out;
  EXPECT_EQ(stored_key(), old_key);

  // With --replace-key and a push that succeeds: replaced, and it says so.
  auto replaced = encrypt("keep:v4", {"--dest-tls-verify=false", "--replace-key"});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_NE(replaced.out.find("replaced the key the KBS held at " + kid + " (--replace-key)"),
            std::string::npos)
      << replaced.out;
  const std::string new_key = stored_key();
  EXPECT_EQ(new_key.size(), 32u);
  EXPECT_NE(new_key, old_key);
  auto pull =
      Cocoon({"pull", "--insecure-policy", "--tls-verify=false", "--store", dir_.File("store"),
              "--kbs", kbs.url(), "--unpack", dir_.File("bundle"), Docker("keep:v4")});
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.File("bundle/rootfs/hello.txt")));
}

TEST_F(ImageCli, BadInputsNameTheProblem) {
  auto r = Cocoon({"encrypt", "--encryption-key", "jwe:" + dir_.File("missing.pem"), Src(),
                   "oci:" + dir_.File("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.pem"), std::string::npos) << r.err;
  r = Cocoon({"encrypt", "--encryption-key", "pgp:" + dir_.File("rsa-pub.pem"), Src(),
              "oci:" + dir_.File("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown scheme"), std::string::npos) << r.err;
  r = Cocoon({"encrypt", "--encryption-key", "provider:attestation-agent:kbs:///a/b", Src(),
              "oci:" + dir_.File("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("three path segments"), std::string::npos) << r.err;
  r = Cocoon({"encrypt", "--encryption-key", "provider:other:kbs:///a/b/c", Src(),
              "oci:" + dir_.File("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown key provider 'other'"), std::string::npos) << r.err;
  r = Cocoon({"encrypt", "--encryption-key", "provider:attestation-agent:kbs:///a/b/c", Src(),
              "oci:" + dir_.File("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--kbs URL"), std::string::npos) << r.err;
  r = Cocoon({"encrypt", "--encryption-key", "jwe:" + dir_.File("rsa-pub.pem"),
              "ftp://" + host_ + "/x", "oci:" + dir_.File("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown transport"), std::string::npos) << r.err;
  r = Cocoon({"encrypt", Src(), "oci:" + dir_.File("o")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--encryption-key"), std::string::npos) << r.err;
  r = Cocoon({"sign", Docker("x:v1")});
  EXPECT_EQ(r.exit_code, 2);
  r = Cocoon({"inspect", "--tls-verify=false", Docker("absent:v1")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("NotFound"), std::string::npos) << r.err;
  // Already-encrypted layers are refused, naming the layer.
  ASSERT_EQ(Cocoon({"encrypt", "--encryption-key", "jwe:" + dir_.File("rsa-pub.pem"), Src(),
                    "oci:" + dir_.File("enc") + ":v1"})
                .exit_code,
            0);
  r = Cocoon({"encrypt", "--encryption-key", "jwe:" + dir_.File("rsa-pub.pem"),
              "oci:" + dir_.File("enc") + ":v1", "oci:" + dir_.File("o")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is already encrypted"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cocoon::image_cli
