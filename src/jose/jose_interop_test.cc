// Interop tests: cocoon's JOSE against two independent implementations, in both directions —
// the `jose` CLI (latchset José, C) and npm `jose` v6 (tests/interop/jose_helper.mjs, Node).
// The tools must be installed (scripts/setup does it): a missing tool is a failure, not a skip.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "jose/testing/test_util.h"
#include "jose/jwe.h"
#include "jose/jwk.h"
#include "jose/jws.h"

extern char** environ;

namespace cocoon::jose {
namespace {

using crypto::KeyType;
using crypto::SignAlg;
using testing::ParseOrFail;

constexpr char kPlaintext[] = "interop secret \xe2\x9c\x93 with UTF-8";

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cocoon-jose-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }
  std::string Write(const std::string& name, std::string_view content) const {
    std::ofstream(PathOf(name), std::ios::binary) << content;
    return PathOf(name);
  }
  std::string Read(const std::string& name) const { return testing::ReadFileOrEmpty(PathOf(name)); }

  // Runs argv[0] (an absolute path, no shell) with `input` on stdin.
  RunResult Run(const std::vector<std::string>& argv, std::string_view input = {}) const {
    const std::string in = Write("stdin", input), out = PathOf("stdout"), err = PathOf("stderr");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    RunResult r;
    if (rc != 0) {
      r.err = "cannot run " + argv[0] + ": " + std::strerror(rc);
      return r;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) == pid && WIFEXITED(status)) r.status = WEXITSTATUS(status);
    r.out = Read("stdout");
    r.err = Read("stderr");
    return r;
  }

  // --- the `jose` CLI ---
  RunResult Cli(std::vector<std::string> args, std::string_view input = {}) const {
    args.insert(args.begin(), COCOON_JOSE_CLI);
    return Run(args, input);
  }
  // Generates a key with the CLI; returns {private JWK file, public JWK file}.
  std::pair<std::string, std::string> CliKey(const std::string& tmpl, const std::string& name) {
    const std::string priv = PathOf(name + ".priv.jwk"), pub = PathOf(name + ".pub.jwk");
    RunResult g = Cli({"jwk", "gen", "-i", tmpl, "-o", priv});
    EXPECT_EQ(g.status, 0) << g.err;
    RunResult p = Cli({"jwk", "pub", "-i", priv, "-o", pub});
    EXPECT_EQ(p.status, 0) << p.err;
    return {priv, pub};
  }

  // --- npm jose through the helper ---
  RunResult Node(std::vector<std::string> args, std::string_view input = {}) const {
    args.insert(args.begin(), COCOON_JOSE_HELPER);
    args.insert(args.begin(), COCOON_NODE);
    return Run(args, input);
  }
  std::pair<std::string, std::string> NodeKey(const std::string& alg, const std::string& crv,
                                              const std::string& name) {
    std::vector<std::string> args = {"generate", alg};
    if (!crv.empty()) args.push_back(crv);
    RunResult g = Node(args);
    EXPECT_EQ(g.status, 0) << g.err;
    Json pair = ParseOrFail(g.out);
    return {Write(name + ".priv.jwk", base::DumpJson(pair["private"])),
            Write(name + ".pub.jwk", base::DumpJson(pair["public"]))};
  }

  crypto::PublicKey PublicFromFile(const std::string& path) {
    auto key = PublicKeyFromJwk(ParseOrFail(testing::ReadFileOrEmpty(path)));
    EXPECT_TRUE(key.has_value()) << (key ? "" : key.error().ToString());
    return key ? *key : crypto::PrivateKey::Generate(KeyType::kEcP256)->public_key();
  }
  crypto::PrivateKey Generate(KeyType t) {
    auto key = crypto::PrivateKey::Generate(t);
    EXPECT_TRUE(key.has_value());
    return *key;
  }
  std::string WriteOurPublic(const crypto::PrivateKey& key, const std::string& name,
                             std::optional<std::string> alg = {}) {
    return Write(name + ".ours.jwk", base::DumpJson(PublicKeyToJwk(key.public_key(), alg)));
  }

  std::string dir_;
};

TEST_F(InteropTest, ToolsArePresent) {
  for (const char* tool : {COCOON_JOSE_CLI, COCOON_NODE, COCOON_JOSE_HELPER}) {
    EXPECT_TRUE(std::filesystem::exists(tool))
        << tool << " is missing: run scripts/setup (Debian package `jose`, nodejs, "
        << "`npm install` in tests/interop)";
  }
  RunResult node = Node({"generate", "ES256"});
  EXPECT_EQ(node.status, 0) << node.err;
  RunResult cli = Cli({"alg"});
  EXPECT_EQ(cli.status, 0) << cli.err;
}

// ---------------------------------------------------------------------------------------------
// JWE with the jose CLI: ECDH-ES+A256KW on P-256/P-384/P-521, RSA1_5.

class CliJweTest : public InteropTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(CliJweTest, CliDecryptsOurs) {
  auto [priv, pub] = CliKey(std::string(R"({"kty":"EC","crv":")") + GetParam() + "\"}", "cli");
  const crypto::PublicKey recipient = PublicFromFile(pub);
  auto flat = EncryptFlattened(recipient, KeyAlg::kEcdhEsA256kw, AsBytes(kPlaintext));
  ASSERT_OK(flat);
  RunResult r = Cli({"jwe", "dec", "-i", Write("flat.jwe", base::DumpJson(*flat)), "-k", priv});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kPlaintext);

  auto compact = EncryptCompact(recipient, KeyAlg::kEcdhEsA256kw, AsBytes(kPlaintext));
  ASSERT_OK(compact);
  RunResult c = Cli({"jwe", "dec", "-i", Write("compact.jwe", *compact), "-k", priv});
  EXPECT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(c.out, kPlaintext);

  // A tampered tag is refused by them too.
  Json t = ParseOrFail(base::DumpJson(*flat));
  t["tag"] = testing::FlipB64(t["tag"].get<std::string>());
  RunResult bad = Cli({"jwe", "dec", "-i", Write("bad.jwe", t.dump()), "-k", priv});
  EXPECT_NE(bad.status, 0);
}

TEST_P(CliJweTest, WeDecryptCli) {
  const KeyType type = std::string(GetParam()) == "P-256"   ? KeyType::kEcP256
                       : std::string(GetParam()) == "P-384" ? KeyType::kEcP384
                                                            : KeyType::kEcP521;
  const crypto::PrivateKey key = Generate(type);
  const std::string pub = WriteOurPublic(key, "ours");
  const std::string pt = Write("pt", kPlaintext);
  const std::string tmpl = R"({"protected":{"alg":"ECDH-ES+A256KW","enc":"A256GCM"}})";

  // Flattened: José puts the epk in the unprotected per-recipient header.
  RunResult f = Cli({"jwe", "enc", "-i", tmpl, "-I", pt, "-k", pub, "-o", PathOf("f.jwe")});
  ASSERT_EQ(f.status, 0) << f.err;
  auto plain = DecryptFlattened(ParseOrFail(Read("f.jwe")), key);
  ASSERT_OK(plain);
  EXPECT_EQ(plain->view(), kPlaintext);

  RunResult c = Cli({"jwe", "enc", "-i", tmpl, "-I", pt, "-k", pub, "-c", "-o", PathOf("c.jwe")});
  ASSERT_EQ(c.status, 0) << c.err;
  auto plain2 = DecryptCompact(Read("c.jwe"), key);
  ASSERT_OK(plain2);
  EXPECT_EQ(plain2->view(), kPlaintext);
}

INSTANTIATE_TEST_SUITE_P(Curves, CliJweTest, ::testing::Values("P-256", "P-384", "P-521"),
                         [](const auto& info) {
                           std::string n = info.param;
                           n.erase(n.find('-'), 1);
                           return n;
                         });

TEST_F(InteropTest, CliRsa1_5BothWays) {
  auto [priv, pub] = CliKey(R"({"kty":"RSA","bits":2048})", "cli");
  auto ours = EncryptFlattened(PublicFromFile(pub), KeyAlg::kRsa1_5, AsBytes(kPlaintext));
  ASSERT_OK(ours);
  RunResult r = Cli({"jwe", "dec", "-i", Write("ours.jwe", base::DumpJson(*ours)), "-k", priv});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kPlaintext);

  const crypto::PrivateKey key = Generate(KeyType::kRsa);
  RunResult e =
      Cli({"jwe", "enc", "-i", R"({"protected":{"alg":"RSA1_5","enc":"A256GCM"}})", "-I",
           Write("pt", kPlaintext), "-k", WriteOurPublic(key, "ours"), "-o", PathOf("theirs.jwe")});
  ASSERT_EQ(e.status, 0) << e.err;
  auto plain = DecryptFlattened(ParseOrFail(Read("theirs.jwe")), key);
  ASSERT_OK(plain);
  EXPECT_EQ(plain->view(), kPlaintext);
}

TEST_F(InteropTest, CliDecryptsTrusteeVector) {
  // The KBS wire format is accepted by an independent implementation given the guest's key.
  Json v = testing::LoadJson(std::string(COCOON_TESTDATA_DIR) +
                             "/sample/rcar-sample-synthetic-vector.json");
  auto tee = crypto::PrivateKey::FromPem(v["tee_private_key_pem"].get<std::string>());
  ASSERT_OK(tee);
  // Give the CLI the private key as a JWK: public members plus the scalar d = 0x11 * 32.
  Json jwk = v["attestation"]["runtime-data"]["tee-pubkey"];
  jwk.erase("alg");
  jwk["d"] = base::Base64UrlEncode(Bytes(32, 0x11));
  ASSERT_OK(PrivateKeyFromJwk(jwk));  // d really is the key in tee_private_key_pem
  ASSERT_TRUE(PrivateKeyFromJwk(jwk)->public_key().Equals(tee->public_key()));
  RunResult r = Cli({"jwe", "dec", "-i", Write("kbs.jwe", v["jwe"]["response"].dump()), "-k",
                     Write("tee.jwk", jwk.dump())});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "this is a test secret");
}

// ---------------------------------------------------------------------------------------------
// JWS with the jose CLI: ES256/ES384/ES512, RS256, PS256.

struct CliSigCase {
  SignAlg alg;
  const char* tmpl;
  KeyType ours;
};
class CliJwsTest : public InteropTest, public ::testing::WithParamInterface<CliSigCase> {};

TEST_P(CliJwsTest, BothWays) {
  const std::string alg(crypto::SignAlgName(GetParam().alg));
  const std::string payload = R"({"iss":"cocoon","n":1})";
  // Theirs signs, we verify.
  auto [priv, pub] = CliKey(GetParam().tmpl, "cli");
  RunResult s = Cli({"jws", "sig", "-I", Write("payload", payload), "-k", priv, "-s",
                     R"({"protected":{"alg":")" + alg + "\"}}", "-c", "-o", PathOf("t.jws")});
  ASSERT_EQ(s.status, 0) << s.err;
  auto parts = VerifyCompact(Read("t.jws"), PublicFromFile(pub), GetParam().alg);
  ASSERT_OK(parts);
  EXPECT_EQ(ToString(parts->payload), payload);

  // We sign, theirs verifies; a token signed by another key is refused by them.
  const crypto::PrivateKey key = Generate(GetParam().ours);
  auto token = SignCompact(key, GetParam().alg, AsBytes(payload));
  ASSERT_OK(token);
  const std::string our_pub = WriteOurPublic(key, "ours", alg);
  RunResult v = Cli({"jws", "ver", "-i", Write("ours.jws", *token), "-k", our_pub, "-O", "-"});
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_EQ(v.out, payload);
  RunResult bad = Cli({"jws", "ver", "-i", PathOf("t.jws"), "-k", our_pub, "-O", "-"});
  EXPECT_NE(bad.status, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Algs, CliJwsTest,
    ::testing::Values(
        CliSigCase{SignAlg::kEs256, R"({"kty":"EC","crv":"P-256"})", KeyType::kEcP256},
        CliSigCase{SignAlg::kEs384, R"({"kty":"EC","crv":"P-384"})", KeyType::kEcP384},
        CliSigCase{SignAlg::kEs512, R"({"kty":"EC","crv":"P-521"})", KeyType::kEcP521},
        CliSigCase{SignAlg::kRs256, R"({"kty":"RSA","bits":2048})", KeyType::kRsa},
        CliSigCase{SignAlg::kPs256, R"({"kty":"RSA","bits":2048})", KeyType::kRsa}),
    [](const auto& info) { return std::string(crypto::SignAlgName(info.param.alg)); });

// ---------------------------------------------------------------------------------------------
// JWE with npm jose: RSA-OAEP, RSA-OAEP-256, ECDH-ES+A256KW (P-256 incl. apu/apv, P-384, P-521).

struct NodeJweCase {
  KeyAlg alg;
  const char* crv;  // "" for RSA
  KeyType ours;
};
class NodeJweTest : public InteropTest, public ::testing::WithParamInterface<NodeJweCase> {};

TEST_P(NodeJweTest, BothWays) {
  const std::string alg(KeyAlgName(GetParam().alg));
  // Ours encrypts (flattened and compact), theirs decrypts.
  auto [priv, pub] = NodeKey(alg, GetParam().crv, "node");
  const crypto::PublicKey recipient = PublicFromFile(pub);
  auto flat = EncryptFlattened(recipient, GetParam().alg, AsBytes(kPlaintext));
  ASSERT_OK(flat);
  RunResult d = Node({"decrypt", priv, alg}, base::DumpJson(*flat));
  EXPECT_EQ(d.status, 0) << d.err;
  EXPECT_EQ(d.out, kPlaintext);
  auto compact = EncryptCompact(recipient, GetParam().alg, AsBytes(kPlaintext));
  ASSERT_OK(compact);
  RunResult dc = Node({"decrypt", priv, alg}, *compact);
  EXPECT_EQ(dc.status, 0) << dc.err;
  EXPECT_EQ(dc.out, kPlaintext);
  Json t = ParseOrFail(base::DumpJson(*flat));
  t["ciphertext"] = testing::FlipB64(t["ciphertext"].get<std::string>());
  EXPECT_NE(Node({"decrypt", priv, alg}, t.dump()).status, 0);

  // Theirs encrypts, ours decrypts.
  const crypto::PrivateKey key = Generate(GetParam().ours);
  const std::string our_pub = WriteOurPublic(key, "ours");
  RunResult e = Node({"encrypt", our_pub, alg}, kPlaintext);
  ASSERT_EQ(e.status, 0) << e.err;
  auto plain = DecryptFlattened(ParseOrFail(e.out), key);
  ASSERT_OK(plain);
  EXPECT_EQ(plain->view(), kPlaintext);
  RunResult ec = Node({"encrypt", our_pub, alg, R"({"compact":true})"}, kPlaintext);
  ASSERT_EQ(ec.status, 0) << ec.err;
  auto plain2 = DecryptCompact(ec.out, key);
  ASSERT_OK(plain2);
  EXPECT_EQ(plain2->view(), kPlaintext);
}

INSTANTIATE_TEST_SUITE_P(
    Algs, NodeJweTest,
    ::testing::Values(NodeJweCase{KeyAlg::kRsaOaep, "", KeyType::kRsa},
                      NodeJweCase{KeyAlg::kRsaOaep256, "", KeyType::kRsa},
                      NodeJweCase{KeyAlg::kEcdhEsA256kw, "P-256", KeyType::kEcP256},
                      NodeJweCase{KeyAlg::kEcdhEsA256kw, "P-384", KeyType::kEcP384},
                      NodeJweCase{KeyAlg::kEcdhEsA256kw, "P-521", KeyType::kEcP521}),
    [](const auto& info) {
      std::string n = std::string(KeyAlgName(info.param.alg)) + info.param.crv;
      for (char& c : n) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST_F(InteropTest, NodeApuApvAreHonoured) {
  const crypto::PrivateKey key = Generate(KeyType::kEcP256);
  RunResult e = Node({"encrypt", WriteOurPublic(key, "ours"), "ECDH-ES+A256KW",
                      R"({"apu":"QWxpY2U","apv":"Qm9i"})"},
                     kPlaintext);
  ASSERT_EQ(e.status, 0) << e.err;
  Json jwe = ParseOrFail(e.out);
  Json header = ParseOrFail(ToString(testing::B64(jwe["protected"].get<std::string>())));
  EXPECT_EQ(header["apu"], "QWxpY2U");
  EXPECT_EQ(header["apv"], "Qm9i");
  auto plain = DecryptFlattened(jwe, key);
  ASSERT_OK(plain);
  EXPECT_EQ(plain->view(), kPlaintext);
}

// ---------------------------------------------------------------------------------------------
// JWS with npm jose: EdDSA, PS256/PS384/PS512, ES384, RS256.

struct NodeSigCase {
  SignAlg alg;
  const char* crv;
  KeyType ours;
};
class NodeJwsTest : public InteropTest, public ::testing::WithParamInterface<NodeSigCase> {};

TEST_P(NodeJwsTest, BothWays) {
  const std::string alg(crypto::SignAlgName(GetParam().alg));
  const std::string payload = "payload \x01\x02 bytes";
  auto [priv, pub] = NodeKey(alg, GetParam().crv, "node");
  RunResult s = Node({"sign", priv, alg}, payload);
  ASSERT_EQ(s.status, 0) << s.err;
  auto parts = VerifyCompact(s.out, PublicFromFile(pub), GetParam().alg);
  ASSERT_OK(parts);
  EXPECT_EQ(ToString(parts->payload), payload);

  const crypto::PrivateKey key = Generate(GetParam().ours);
  auto token = SignCompact(key, GetParam().alg, AsBytes(payload));
  ASSERT_OK(token);
  const std::string our_pub = WriteOurPublic(key, "ours");
  RunResult v = Node({"verify", our_pub, alg}, *token);
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_EQ(v.out, payload);
  EXPECT_NE(Node({"verify", our_pub, alg}, s.out).status, 0);  // their token, our key
}

INSTANTIATE_TEST_SUITE_P(
    Algs, NodeJwsTest,
    ::testing::Values(NodeSigCase{SignAlg::kEdDsa, "Ed25519", KeyType::kEd25519},
                      NodeSigCase{SignAlg::kPs256, "", KeyType::kRsa},
                      NodeSigCase{SignAlg::kPs384, "", KeyType::kRsa},
                      NodeSigCase{SignAlg::kPs512, "", KeyType::kRsa},
                      NodeSigCase{SignAlg::kEs384, "", KeyType::kEcP384},
                      NodeSigCase{SignAlg::kRs256, "", KeyType::kRsa}),
    [](const auto& info) { return std::string(crypto::SignAlgName(info.param.alg)); });

}  // namespace
}  // namespace cocoon::jose
