// Issue 11 against the real cocoon-kbs binary on a loopback port: a TEE is accepted at /auth only
// if the operator allowed it and its verifier has its roots of trust. The attack that started it:
// a Trustee-minimal config and a TPM quote signed by a key the client made up.
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/file.h"
#include "kbs/admin_client.h"
#include "tee/tdx/intel_root.h"
#include "tee/tpm/testing/synthetic_quote.h"
#include "tee/tpm/tpm.h"
#include "tests/harness.h"
#include "tests/rcar_raw.h"

namespace cocoon {
namespace {

using harness::BinaryPath;
using harness::Process;
using harness::TempDir;
using rcar_test::RawRcarClient;

// A cocoon-kbs with `as_section` as its [attestation_service] body (and `flags`), run in `dir`
// (where the default ./cocoon-kbs.sqlite may be created), with an Ed25519 admin key.
class Kbs {
 public:
  Kbs(const TempDir& dir, const std::string& as_section, std::vector<std::string> flags = {})
      : port_(harness::FreePort()) {
    auto r = harness::Run(
        {"/usr/bin/openssl", "genpkey", "-algorithm", "ed25519", "-out", dir.File("admin.key")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    r = harness::Run({"/usr/bin/openssl", "pkey", "-in", dir.File("admin.key"), "-pubout", "-out",
                      dir.File("admin.pub")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string c = "[http_server]\nsockets = [\"127.0.0.1:" + std::to_string(port_) +
                    "\"]\ninsecure_http = true\n\n[admin]\nauth_public_key = \"" +
                    dir.File("admin.pub") + "\"\n";
    if (!as_section.empty()) c += "\n[attestation_service]\n" + as_section;
    dir.Write("kbs.toml", c);
    std::string cmd = "cd '" + dir.path().string() + "' && exec " + BinaryPath("cocoon-kbs") +
                      " --config-file kbs.toml";
    for (const auto& f : flags) cmd += " '" + f + "'";
    proc_ = std::make_unique<Process>(std::vector<std::string>{"/bin/sh", "-c", cmd});
    up_ = proc_->WaitForLine("listening on", std::chrono::seconds(20));
    key_ = base::ReadFile(dir.File("admin.key"));
  }
  bool up() const { return up_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return harness::ReadFile(proc_->stderr_path()); }
  Status SetResource(const std::string& path, std::string_view value) {
    if (!key_) return std::unexpected(key_.error());
    ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::FromPem(*key_));
    kbs::AdminClientOptions o;
    o.url = url();
    o.key = std::move(key);
    kbs::AdminClient admin(std::move(o));
    return admin.SetResource(path, AsBytes(value));
  }

 private:
  int port_;
  std::unique_ptr<Process> proc_;
  bool up_ = false;
  Result<std::string> key_;
};

// What a client with no TPM sends: a well-formed quote over made-up PCRs, bound to the session,
// signed by an RSA key generated a moment ago.
Result<Json> ForgedTpmEvidence(ByteSpan report_data) {
  ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate(crypto::KeyType::kRsa));
  Bytes extra(report_data.begin(), report_data.end());
  extra.resize(tee::tpm::kReportDataSize, 0);
  auto ev = tee::tpm::internal::MakeEvidence(key, tee::tpm::kAlgRsaSsa, tee::tpm::kAlgSha256, extra,
                                             tee::tpm::internal::SamplePcrs());
  return tee::tpm::EvidenceToJson(ev);
}

Result<Json> SampleEvidence(ByteSpan report_data) {
  return Json{{"svn", "1"}, {"report_data", base::Base64Encode(report_data)}};
}

bool Contains(const std::string& s, std::string_view needle) {
  return s.find(needle) != std::string::npos;
}

// The attack of issue 11: [http_server] + [admin] only, the default resource policy, a made-up AK.
TEST(TrustKbs, ForgedTpmQuoteGetsNoSecret) {
  TempDir d;
  Kbs kbs(d, "");
  ASSERT_TRUE(kbs.up()) << kbs.log();
  ASSERT_TRUE(kbs.SetResource("default/key/1", "the secret"));
  RawRcarClient client(kbs.url());
  auto r = client.Fetch("tpm", "default/key/1", ForgedTpmEvidence);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->status, 401) << r->body;
  EXPECT_TRUE(Contains(r->body, "trusted_ak_keys or trusted_ak_roots")) << r->body;
  EXPECT_FALSE(Contains(r->body, "the secret"));
  // Even past /auth (a session opened for another TEE cannot carry tpm evidence): nothing.
  auto resource = client.Resource("default/key/1");
  ASSERT_TRUE(resource);
  EXPECT_EQ(resource->status, 401) << resource->body;
  EXPECT_TRUE(Contains(kbs.log(), "TEE \"tpm\" is allowed but refused at /auth")) << kbs.log();
}

TEST(TrustKbs, SampleTeeIsRefusedUnlessInsecureSampleTee) {
  TempDir strict_dir;
  Kbs strict(strict_dir, "");
  ASSERT_TRUE(strict.up()) << strict.log();
  auto refused = RawRcarClient(strict.url()).Auth("sample");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401) << refused->body;
  EXPECT_TRUE(Contains(refused->body, "insecure_sample_tee = true")) << refused->body;
  EXPECT_FALSE(Contains(strict.log(), "the sample TEE's evidence proves nothing"));

  TempDir demo_dir;
  Kbs demo(demo_dir, "insecure_sample_tee = true\n");
  ASSERT_TRUE(demo.up()) << demo.log();
  ASSERT_TRUE(demo.SetResource("default/key/1", "demo secret"));
  RawRcarClient client(demo.url());
  auto auth = client.Auth("sample");
  ASSERT_TRUE(auth);
  ASSERT_EQ(auth->status, 200) << auth->body;
  auto att = client.Attest(auth->body, SampleEvidence);
  ASSERT_TRUE(att);
  EXPECT_EQ(att->status, 200) << att->body;
  EXPECT_TRUE(Contains(demo.log(),
                       "insecure_sample_tee = true: the sample TEE's evidence proves "
                       "nothing"))
      << demo.log();
}

// Without DCAP collateral the QE identity cannot be checked: TDX is refused at /auth naming the
// setting (it used to be attested with tcb_status "NotEvaluated"). SNP has AMD's roots built in.
TEST(TrustKbs, TdxWithoutCollateralIsRefusedAtAuth) {
  TempDir d;
  Kbs kbs(d, "");
  ASSERT_TRUE(kbs.up()) << kbs.log();
  auto tdx = RawRcarClient(kbs.url()).Auth("tdx");
  ASSERT_TRUE(tdx);
  EXPECT_EQ(tdx->status, 401) << tdx->body;
  EXPECT_TRUE(Contains(tdx->body, "tdx_verifier] collateral")) << tdx->body;
  auto snp = RawRcarClient(kbs.url()).Auth("snp");
  ASSERT_TRUE(snp);
  EXPECT_EQ(snp->status, 200) << snp->body;
}

// Intel's root as DER (TrustedRootCA.der) with collateral: the KBS starts and accepts TDX.
TEST(TrustKbs, DerTdxRootAndCollateralEnableTdx) {
  TempDir d;
  d.Write("root.pem", tee::tdx::kIntelSgxRootCaPem);
  auto conv = harness::Run({"/usr/bin/openssl", "x509", "-in", d.File("root.pem"), "-outform",
                            "DER", "-out", d.File("TrustedRootCA.der")});
  ASSERT_EQ(conv.exit_code, 0) << conv.err;
  ASSERT_EQ(harness::Run({"/bin/mkdir", d.File("col")}).exit_code, 0);
  Kbs flags(d, "", {"--tdx-root", d.File("TrustedRootCA.der"), "--tdx-collateral", d.File("col")});
  ASSERT_TRUE(flags.up()) << flags.log();
  auto tdx = RawRcarClient(flags.url()).Auth("tdx");
  ASSERT_TRUE(tdx);
  EXPECT_EQ(tdx->status, 200) << tdx->body;

  TempDir toml_dir;
  auto copy = harness::Run({"/bin/cp", d.File("TrustedRootCA.der"), toml_dir.File("r.der")});
  ASSERT_EQ(copy.exit_code, 0);
  Kbs toml(toml_dir,
           "[attestation_service.verifier_config.tdx_verifier]\nroot = \"r.der\"\n"
           "collateral = \"https://pccs.invalid:8081\"\n");
  ASSERT_TRUE(toml.up()) << toml.log();
  auto tdx2 = RawRcarClient(toml.url()).Auth("tdx");
  ASSERT_TRUE(tdx2);
  EXPECT_EQ(tdx2->status, 200) << tdx2->body;
}

// A TEE left out of allowed_tees is refused at /auth naming the key; "sample" cannot be listed
// without the insecure switch.
TEST(TrustKbs, AllowedTeesIsHonoured) {
  TempDir d;
  Kbs kbs(d, "allowed_tees = [\"tdx\"]\n");
  ASSERT_TRUE(kbs.up()) << kbs.log();
  auto snp = RawRcarClient(kbs.url()).Auth("snp");
  ASSERT_TRUE(snp);
  EXPECT_EQ(snp->status, 401);
  EXPECT_TRUE(Contains(snp->body, "not in [attestation_service] allowed_tees")) << snp->body;
  d.Write("bad.toml", "[attestation_service]\nallowed_tees = [\"sample\"]\n");
  auto bad = harness::Run({BinaryPath("cocoon-kbs"), "--config-file", d.File("bad.toml")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(Contains(bad.err, "insecure_sample_tee")) << bad.err;
}

}  // namespace
}  // namespace cocoon
