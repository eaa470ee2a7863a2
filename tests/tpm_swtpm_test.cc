// The TPM attester against swtpm (TPM 2.0 simulator over TCP, one instance per test, stopped by
// pid), the verifier on its evidence, and `cocoon verify-evidence --tee tpm` on the result.
#include "tee/tpm/tpm.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "tee/tpm/attester.h"
#include "tee/tpm/testing/synthetic_quote.h"
#include "tee/tpm/registration.h"
#include "tests/harness.h"
#include "testutil/testdata.h"

namespace cocoon::tee::tpm {
namespace {

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

std::string SwtpmPath() {
  for (const char* p : {"/usr/bin/swtpm", "/usr/local/bin/swtpm"}) {
    if (std::filesystem::exists(p)) return p;
  }
  return "";
}

class Swtpm : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string swtpm = SwtpmPath();
    ASSERT_FALSE(swtpm.empty()) << "swtpm is not installed (scripts/setup installs it)";
    std::filesystem::create_directories(dir_.path() / "state");
    // Two consecutive free ports: server and control channel. Another process may take one
    // between the probe and swtpm's bind ("Address already in use"): then try a new pair.
    std::string log;
    for (int attempt = 0; attempt < 5 && !CanConnect(port_); ++attempt) {
      for (int tries = 0; tries < 20; ++tries) {
        port_ = harness::FreePort();
        if (port_ > 0 && port_ < 65535 && !CanConnect(port_ + 1)) break;
      }
      std::string ports = std::to_string(port_);
      proc_ = std::make_unique<harness::Process>(std::vector<std::string>{
          swtpm, "socket", "--tpm2", "--tpmstate", "dir=" + (dir_.path() / "state").string(),
          "--server", "type=tcp,port=" + ports + ",bindaddr=127.0.0.1", "--ctrl",
          "type=tcp,port=" + std::to_string(port_ + 1) + ",bindaddr=127.0.0.1", "--flags",
          "not-need-init,startup-clear"});
      ASSERT_GT(proc_->pid(), 0);
      for (int i = 0; i < 300 && !CanConnect(port_); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // readiness poll, not timing
      }
      if (!CanConnect(port_)) {
        log += harness::ReadFile(proc_->stderr_path());
        proc_.reset();
      }
    }
    ASSERT_TRUE(proc_ && CanConnect(port_)) << log;
  }
  void TearDown() override { proc_.reset(); }  // SIGTERM by pid

  AttesterOptions Options(std::string alg = "rsa") {
    AttesterOptions o;
    o.tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(port_);
    o.ak_algorithm = std::move(alg);
    o.event_log_path = "";
    return o;
  }

  static VerifierOptions Trust(const TpmAttester& a) {
    VerifierOptions o;
    o.trusted_aks.push_back(*LoadAk(a.ak_tpmt_public()));
    return o;
  }

  harness::TempDir dir_;
  int port_ = 0;
  std::unique_ptr<harness::Process> proc_;
};

const Bytes kReportData = crypto::Sha384(ToBytes("runtime data"));

TEST_F(Swtpm, RoundTripAndRejections) {
  auto att = NewAttester(Options("rsa"));
  ASSERT_TRUE(att) << att.error().ToString();
  auto ev = (*att)->GetEvidence(kReportData);
  ASSERT_TRUE(ev) << ev.error().ToString();
  ASSERT_EQ((*ev)["tpm_quote"]["pcrs"].size(), 24u);
  auto verifier = NewVerifier(Trust(**att));
  auto ok = verifier->Evaluate({&*ev, kReportData, std::nullopt});
  ASSERT_TRUE(ok) << ok.error().ToString();
  const Json& c = (*ok)[0].claims;
  EXPECT_EQ(c["report_data"], base::HexEncode(ByteSpan(kReportData).first(32)));
  EXPECT_EQ(c["ak_trust"], "key");
  EXPECT_EQ(c["quote"]["sig_alg"], "rsassa");
  EXPECT_EQ(c["pcr16"], std::string(64, '0'));
  EXPECT_EQ(c["pcr23"], std::string(64, '0'));
  EXPECT_TRUE(c.contains("ak_name"));
  // Trustee's verifier only reads these members; the evidence carries them in its format.
  EXPECT_TRUE((*ev)["ak_public"].is_string());
  EXPECT_TRUE((*ev)["tpm_quote"]["message"].is_string());

  // Wrong nonce.
  Bytes other = crypto::Sha384(ToBytes("other runtime data"));
  auto r1 = verifier->Evaluate({&*ev, other, std::nullopt});
  ASSERT_FALSE(r1);
  EXPECT_EQ(r1.error().code(), Code::kUnauthenticated);
  EXPECT_NE(r1.error().message().find("TPM: nonce mismatch"), std::string::npos);
  // Tampered PCR value.
  Json pcr = *ev;
  pcr["tpm_quote"]["pcrs"][16] = std::string(63, '0') + "1";
  auto r2 = verifier->Evaluate({&pcr, kReportData, std::nullopt});
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message().find("TPM: PCR digest mismatch: quote "), std::string::npos)
      << r2.error().message();
  // Tampered quote: its extraData made to match other runtime data.
  Json quote = *ev;
  Bytes msg = *base::Base64Decode((*ev)["tpm_quote"]["message"].get<std::string>());
  Attest a = *ParseAttest(msg);
  size_t extra_at = 6 + 2 + a.qualified_signer.size() + 2;
  std::copy_n(other.begin(), 32, msg.begin() + static_cast<long>(extra_at));
  quote["tpm_quote"]["message"] = base::Base64Encode(msg);
  auto r3 = verifier->Evaluate({&quote, other, std::nullopt});
  ASSERT_FALSE(r3);
  EXPECT_NE(r3.error().message().find("TPM: quote signature invalid"), std::string::npos)
      << r3.error().message();
  // Wrong AK: a verifier that trusts another TPM's key.
  auto stranger = crypto::PrivateKey::Generate(crypto::KeyType::kRsa, 2048);
  VerifierOptions wrong;
  wrong.trusted_aks.push_back(stranger->public_key());
  auto r4 = NewVerifier(wrong)->Evaluate({&*ev, kReportData, std::nullopt});
  ASSERT_FALSE(r4);
  EXPECT_NE(r4.error().message().find("TPM: AK not trusted"), std::string::npos);
}

TEST_F(Swtpm, EccAndRsaPssAks) {
  for (const char* alg : {"ecc", "rsapss"}) {
    auto att = NewAttester(Options(alg));
    ASSERT_TRUE(att) << alg << ": " << att.error().ToString();
    auto ev = (*att)->GetEvidence(kReportData);
    ASSERT_TRUE(ev) << ev.error().ToString();
    auto ok = NewVerifier(Trust(**att))->Evaluate({&*ev, kReportData, std::nullopt});
    ASSERT_TRUE(ok) << alg << ": " << ok.error().ToString();
    EXPECT_EQ((*ok)[0].claims["quote"]["sig_alg"], alg == std::string("ecc") ? "ecdsa" : "rsapss");
  }
}

TEST_F(Swtpm, InitDataAndEventLog) {
  std::vector<internal::SyntheticEvent> events = {{0, 0x8, ToBytes("crtm")},
                                                  {4, 0x80000003, ToBytes("kernel")},
                                                  {4, 0x80000003, ToBytes("initrd")}};
  dir_.Write("log.bin", AsString(internal::MakeEventLog(events)));
  AttesterOptions o = Options("ecc");
  o.event_log_path = dir_.File("log.bin");
  auto att = NewAttester(o);
  ASSERT_TRUE(att) << att.error().ToString();
  for (const auto& e : events) ASSERT_TRUE((*att)->ExtendPcr(e.pcr, crypto::Sha256(e.data)));
  Bytes init_digest = crypto::Sha256(ToBytes("algorithm = \"sha256\"\nversion = \"0.1.0\"\n"));
  ASSERT_TRUE((*att)->ExtendPcr(kInitDataPcr, init_digest));
  auto ev = (*att)->GetEvidence(kReportData);
  ASSERT_TRUE(ev) << ev.error().ToString();
  ASSERT_TRUE(ev->contains("eventlog"));
  auto v = NewVerifier(Trust(**att));
  auto ok = v->Evaluate({&*ev, kReportData, init_digest});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ((*ok)[0].claims["uefi_event_logs"].size(), 3u);
  EXPECT_EQ((*ok)[0].claims["pcr04"], base::HexEncode(internal::ReplayedPcrs(events)[4]));
  auto wrong_init = v->Evaluate({&*ev, kReportData, crypto::Sha256(ToBytes("x"))});
  ASSERT_FALSE(wrong_init);
  EXPECT_NE(wrong_init.error().message().find("TPM: init-data mismatch"), std::string::npos);
  // PCR 4 extended once more outside the log: the replay no longer matches the quote.
  ASSERT_TRUE((*att)->ExtendPcr(4, crypto::Sha256(ToBytes("unlogged"))));
  auto ev2 = (*att)->GetEvidence(kReportData);
  ASSERT_TRUE(ev2);
  auto bad = v->Evaluate({&*ev2, kReportData, std::nullopt});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("TPM: event log replay of PCR 4 (sha256) gives " +
                                       base::HexEncode(internal::ReplayedPcrs(events)[4]) +
                                       ", quote has "),
            std::string::npos)
      << bad.error().message();
}

// The TPM's registration (tee/tpm/registration.h) as the guest agent uses it: the initdata's
// digest lands in PCR 8, once per boot however many attesters are made.
TEST_F(Swtpm, RegistrationBindsTheInitdataInPcr8) {
  const std::string toml = "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n";
  tee::AttesterOptions o;
  o.tpm_tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(port_);
  o.init_data_toml = toml;
  tee::AttesterFactory factory = AttesterRegistration();
  EXPECT_EQ(factory.name, "tpm");
  for (int i = 0; i < 2; ++i) {
    auto att = factory.create(o);
    ASSERT_TRUE(att) << att.error().ToString();
    auto* tpm = dynamic_cast<TpmAttester*>(att->get());
    ASSERT_NE(tpm, nullptr);
    auto ev = (*att)->GetEvidence(kReportData);
    ASSERT_TRUE(ev) << ev.error().ToString();
    auto ok = NewVerifier(Trust(*tpm))->Evaluate({&*ev, kReportData, crypto::Sha256(ToBytes(toml))});
    ASSERT_TRUE(ok) << "attester " << i << ": " << ok.error().ToString();
  }
}

// Initdata a TPM cannot bind (sha384 does not fit the SHA-256 bank): the attester is refused.
TEST_F(Swtpm, RegistrationRefusesSha384Initdata) {
  tee::AttesterOptions o;
  o.tpm_tcti = "swtpm:host=127.0.0.1,port=" + std::to_string(port_);
  o.init_data_toml = "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n";
  auto att = AttesterRegistration().create(o);
  ASSERT_FALSE(att);
  EXPECT_EQ(att.error().code(), Code::kInvalidArgument);
  EXPECT_NE(att.error().message().find("initdata for a TPM must use algorithm sha256"),
            std::string::npos)
      << att.error().message();
}

TEST_F(Swtpm, PersistentAkIsReused) {
  AttesterOptions o = Options("ecc");
  o.ak_handle = 0x81010002;
  std::string first;
  {
    auto att = NewAttester(o);
    ASSERT_TRUE(att) << att.error().ToString();
    first = (*att)->ak_public_pem();
  }
  auto again = NewAttester(o);
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ((*again)->ak_public_pem(), first);
  EXPECT_NE(first.find("BEGIN PUBLIC KEY"), std::string::npos);
}

// `cocoon verify-evidence --tee tpm`: exit 0 with claims JSON, 1 naming the failed check, 2 for
// usage errors.
TEST_F(Swtpm, Cli) {
  auto att = NewAttester(Options("rsa"));
  ASSERT_TRUE(att) << att.error().ToString();
  auto ev = (*att)->GetEvidence(kReportData);
  ASSERT_TRUE(ev);
  dir_.Write("evidence.json", base::DumpJson(*ev));
  dir_.Write("ak.tpmt", AsString((*att)->ak_tpmt_public()));
  dir_.Write("ak.pem", (*att)->ak_public_pem());
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {
        harness::BinaryPath("cocoon"), "verify-evidence", "--tee", "tpm", "--evidence",
        dir_.File("evidence.json")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return harness::Run(argv);
  };
  std::string rd = base::HexEncode(kReportData);
  for (const char* ak : {"ak.tpmt", "ak.pem"}) {
    auto ok = run({"--ak", dir_.File(ak), "--report-data", rd});
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    auto claims = base::ParseJson(ok.out);
    ASSERT_TRUE(claims) << ok.out;
    EXPECT_EQ((*claims)["report_data"], rd.substr(0, 64));
    EXPECT_EQ((*claims)["ak_trust"], "key");
  }
  auto nonce = run({"--ak", dir_.File("ak.pem"), "--nonce", rd.substr(0, 64)});
  EXPECT_EQ(nonce.exit_code, 0) << nonce.err;
  auto bad = run({"--ak", dir_.File("ak.pem"), "--report-data", std::string(96, 'a')});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("TPM: nonce mismatch"), std::string::npos) << bad.err;
  auto no_ak = run({"--report-data", rd});
  EXPECT_EQ(no_ak.exit_code, 1);
  EXPECT_NE(no_ak.err.find("TPM: AK not trusted"), std::string::npos) << no_ak.err;
  auto usage = run({"--ak", dir_.File("ak.pem"), "--nonce", "xyz"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
  // Trustee's recorded vector with its own AK (PEM) and its 64-byte extraData as --nonce.
  dir_.Write("vector.json", testutil::ReadTestdata("tpm/tpm_evidence.json"));
  Evidence vec = *ParseEvidence(testutil::TestdataJson("tpm/tpm_evidence.json"));
  dir_.Write("vector_ak.pem", *crypto::PublicKey::FromDer(vec.ak_spki)->ToPem());
  Bytes extra = ParseAttest(vec.message)->extra_data;
  auto v = harness::Run({harness::BinaryPath("cocoon"), "verify-evidence", "--tee", "tpm",
                         "--evidence", dir_.File("vector.json"), "--ak", dir_.File("vector_ak.pem"),
                         "--nonce", base::HexEncode(extra)});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  auto vr =
      harness::Run({harness::BinaryPath("cocoon"), "verify-evidence", "--tee", "tpm", "--evidence",
                    dir_.File("vector.json"), "--ak", dir_.File("vector_ak.pem"), "--report-data",
                    base::HexEncode(ByteSpan(extra).first(48))});
  EXPECT_EQ(vr.exit_code, 1);  // MANIFEST: the 64-byte extraData fails the resize-to-32 rule
  EXPECT_NE(vr.err.find("TPM: nonce mismatch"), std::string::npos) << vr.err;
}

}  // namespace
}  // namespace cocoon::tee::tpm
