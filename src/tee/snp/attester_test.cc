// The SNP attester against recorded device output: a configfs-tsm tree emulated in a temp dir
// (the real Genoa report as outblob, a GHCB certificate table as auxblob) and a recorded
// /dev/sev-guest answering SNP_GET_EXT_REPORT. The evidence it writes must verify.
#include "tee/snp/attester.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "tee/snp/cert_table.h"
#include "tee/snp/testing/test_util.h"
#include "tee/snp/verifier.h"
#include "testutil/temp_dir.h"

namespace cocoon::tee::snp {
namespace {

using testing::Vector;

Bytes Auxblob() { return EncodeCertTable({{"VCEK", Vector("evidence-genoa-v3.vcek.der")}}); }

void WriteFile(const std::string& path, ByteSpan data) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// configfs emulation: mkdir creates the attribute files; writing inblob produces outblob
// (the recorded report), auxblob and bumps generation.
class FakeConfigfs : public TsmFs {
 public:
  explicit FakeConfigfs(std::string provider) : provider_(std::move(provider)) {}
  Status Mkdir(const std::string& path) override {
    TRY(posix_->Mkdir(path));
    created_.push_back(path);
    WriteFile(path + "/provider", AsBytes(provider_));
    WriteFile(path + "/generation", AsBytes("0\n"));
    WriteFile(path + "/privlevel", {});
    WriteFile(path + "/inblob", {});
    return Ok();
  }
  Status Rmdir(const std::string& path) override {
    // configfs removes the attributes with the directory.
    std::error_code ec;
    for (const char* f : {"provider", "generation", "privlevel", "inblob", "outblob", "auxblob"}) {
      std::filesystem::remove(path + "/" + f, ec);
    }
    removed_.push_back(path);
    return posix_->Rmdir(path);
  }
  Result<Bytes> Read(const std::string& path, size_t max) override {
    return posix_->Read(path, max);
  }
  Status Write(const std::string& path, ByteSpan data) override {
    TRY(posix_->Write(path, data));
    if (path.ends_with("/inblob")) {
      inblob_ = Bytes(data.begin(), data.end());
      std::string dir = path.substr(0, path.size() - 7);
      WriteFile(dir + "/outblob", Vector("evidence-genoa-v3.report.bin"));
      WriteFile(dir + "/auxblob", Auxblob());
      WriteFile(dir + "/generation", AsBytes(generation_after_write_));
    }
    if (path.ends_with("/privlevel")) privlevel_ = ToString(data);
    return Ok();
  }
  bool Exists(const std::string& path) override { return posix_->Exists(path); }

  std::string provider_;
  std::string generation_after_write_ = "1\n";
  std::unique_ptr<TsmFs> posix_ = NewPosixTsmFs();
  std::vector<std::string> created_, removed_;
  Bytes inblob_;
  std::string privlevel_;
};

AttesterOptions Options(std::string root, std::string device, std::shared_ptr<TsmFs> fs,
                        IoctlFn ioctl = nullptr) {
  AttesterOptions o;
  o.tsm_root = std::move(root);
  o.sev_guest = std::move(device);
  if (fs) o.fs = std::move(fs);
  o.ioctl = std::move(ioctl);
  return o;
}

Status VerifyEvidence(const Json& evidence) {
  SnpOptions options;
  options.required_vmpl = 0;
  auto verifier = NewVerifier(options);
  auto claims = verifier->Evaluate({&evidence, {}, std::nullopt});
  if (!claims) return std::unexpected(claims.error());
  return Ok();
}

TEST(SnpAttester, ConfigfsTsmRecordedOutput) {
  testutil::TempDir dir;
  auto fs = std::make_shared<FakeConfigfs>("sev_guest\n");
  auto attester = NewAttester(Options(dir.path().string(), "/nonexistent", fs));
  EXPECT_EQ(attester->tee(), "snp");
  Bytes report_data(48, 0xAB);
  auto ev = attester->GetEvidence(report_data);
  ASSERT_TRUE(ev) << ev.error().ToString();
  // The kernel got the report data zero-padded to 64 bytes and VMPL 0.
  Bytes padded = report_data;
  padded.resize(64, 0);
  EXPECT_EQ(fs->inblob_, padded);
  EXPECT_EQ(fs->privlevel_, "0");
  ASSERT_EQ(fs->created_.size(), 1u);
  EXPECT_EQ(fs->removed_, fs->created_);  // the entry is removed again
  EXPECT_FALSE(std::filesystem::exists(fs->created_[0]));
  // The evidence JSON is the guest-components format, re-encodes to the recorded bytes and
  // verifies with the VCEK from the auxblob.
  auto parsed = ParseEvidence(*ev);
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  EXPECT_EQ(parsed->report_bytes, Vector("evidence-genoa-v3.report.bin"));
  ASSERT_EQ((*ev)["cert_chain"].size(), 1u);
  EXPECT_EQ((*ev)["cert_chain"][0]["cert_type"], "VCEK");
  EXPECT_EQ((*ev)["attestation_report"],
            testutil::TestdataJson("snp/evidence-genoa-v3.json")["attestation_report"]);
  EXPECT_TRUE(VerifyEvidence(*ev));
}

TEST(SnpAttester, ConfigfsTsmFailures) {
  testutil::TempDir dir;
  auto tdx = std::make_shared<FakeConfigfs>("tdx_guest\n");
  auto r = NewAttester(Options(dir.path().string(), "/dev/null", tdx))->GetEvidence(Bytes(8, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("not sev_guest"), std::string::npos);
  EXPECT_EQ(tdx->removed_.size(), 1u);  // cleaned up on failure too

  auto racy = std::make_shared<FakeConfigfs>("sev_guest\n");
  racy->generation_after_write_ = "2\n";
  auto g = NewAttester(Options(dir.path().string(), "/dev/null", racy))->GetEvidence(Bytes(8, 1));
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message().find("generation is 2"), std::string::npos);

  auto fs = std::make_shared<FakeConfigfs>("sev_guest\n");
  auto big = NewAttester(Options(dir.path().string(), "/dev/null", fs))->GetEvidence(Bytes(65, 1));
  EXPECT_EQ(big.error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(
      NewAttester(Options(dir.path().string(), "/dev/null", fs))->GetEvidence(Bytes(64, 1)));
}

// A recorded /dev/sev-guest: checks the request layout (uapi sev-guest.h) and answers with the
// recorded report; the first call says the certificate buffer is too small.
struct RecordedDevice {
  int calls = 0;
  uint32_t first_certs_len = 0;
  Bytes user_data;
  uint32_t vmpl = 99;
  Bytes table = Auxblob();

  int operator()(int, unsigned long request, void* arg) {
    ++calls;
    if (request != kSnpGetExtReport) return -1;
    auto* g = static_cast<uint8_t*>(arg);
    if (g[0] != 1) return -1;  // msg_version
    uint64_t req_addr, resp_addr;
    std::memcpy(&req_addr, g + 8, 8);
    std::memcpy(&resp_addr, g + 16, 8);
    auto* req = reinterpret_cast<uint8_t*>(req_addr);
    auto* resp = reinterpret_cast<uint8_t*>(resp_addr);
    user_data.assign(req, req + 64);
    std::memcpy(&vmpl, req + 64, 4);
    uint64_t certs_addr;
    uint32_t certs_len;
    std::memcpy(&certs_addr, req + 96, 8);
    std::memcpy(&certs_len, req + 104, 4);
    if (calls == 1) first_certs_len = certs_len;
    if (certs_len < table.size()) {
      uint32_t need = static_cast<uint32_t>((table.size() + 4095) / 4096 * 4096);
      std::memcpy(req + 104, &need, 4);
      uint32_t vmm_error = 1;  // SNP_GUEST_VMM_ERR_INVALID_LEN
      std::memcpy(g + 28, &vmm_error, 4);
      errno = EIO;
      return -1;
    }
    std::memcpy(reinterpret_cast<uint8_t*>(certs_addr), table.data(), table.size());
    Bytes report = Vector("evidence-genoa-v3.report.bin");
    uint32_t status = 0, size = static_cast<uint32_t>(report.size());
    std::memcpy(resp, &status, 4);
    std::memcpy(resp + 4, &size, 4);
    std::memcpy(resp + 32, report.data(), report.size());
    return 0;
  }
};

TEST(SnpAttester, SevGuestIoctlRecordedOutput) {
  testutil::TempDir dir;
  std::string device = dir.File("sev-guest");
  dir.Write("sev-guest", "");
  auto fs = std::shared_ptr<TsmFs>(NewPosixTsmFs());
  auto recorded = std::make_shared<RecordedDevice>();
  // Pad the certificate table past the first buffer so the retry path runs.
  recorded->table.resize(5 * 4096, 0);
  auto attester = NewAttester(Options(
      dir.File("no-configfs"), device, fs,
      [recorded](int fd, unsigned long req, void* arg) { return (*recorded)(fd, req, arg); }));
  Bytes report_data = {1, 2, 3};
  auto ev = attester->GetEvidence(report_data);
  ASSERT_TRUE(ev) << ev.error().ToString();
  EXPECT_EQ(recorded->calls, 2);
  EXPECT_EQ(recorded->first_certs_len, 4u * 4096);
  Bytes padded = report_data;
  padded.resize(64, 0);
  EXPECT_EQ(recorded->user_data, padded);
  EXPECT_EQ(recorded->vmpl, 0u);
  EXPECT_EQ((*ev)["cert_chain"][0]["cert_type"], "VCEK");
  EXPECT_TRUE(VerifyEvidence(*ev));
}

TEST(SnpAttester, SevGuestFailures) {
  auto missing = NewAttester(Options("/nonexistent-tsm", "/nonexistent-dev", nullptr));
  auto r = missing->GetEvidence(Bytes(4, 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Code::kUnavailable);
  EXPECT_NE(r.error().message().find("/nonexistent-dev"), std::string::npos);

  testutil::TempDir dir;
  dir.Write("sev-guest", "");
  auto failing = NewAttester(
      Options(dir.File("none"), dir.File("sev-guest"), nullptr, [](int, unsigned long, void* arg) {
        uint32_t fw_error = 0x16;
        std::memcpy(static_cast<uint8_t*>(arg) + 24, &fw_error, 4);
        errno = EINVAL;
        return -1;
      }));
  auto f = failing->GetEvidence(Bytes(4, 0));
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("fw_error 22"), std::string::npos) << f.error().message();
}

}  // namespace
}  // namespace cocoon::tee::snp
