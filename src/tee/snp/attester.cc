// SEV-SNP attester over configfs-tsm or /dev/sev-guest. The kernel is trusted to deliver the
// firmware's bytes; the certificate table comes from the host and is parsed defensively.
#include "tee/snp/attester.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/byte_reader.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/limits.h"
#include "crypto/random.h"
#include "tee/snp/cert_table.h"
#include "tee/snp/evidence.h"
#include "tee/snp/internal/le.h"
#include "tee/snp/report.h"

namespace cocoon::tee::snp {
namespace {

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

class PosixTsmFs : public TsmFs {
 public:
  Status Mkdir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0700) != 0) return Unavailable(Errno("mkdir", path));
    return Ok();
  }
  Status Rmdir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return Unavailable(Errno("rmdir", path));
    return Ok();
  }
  Result<Bytes> Read(const std::string& path, size_t max_bytes) override {
    ASSIGN_OR_RETURN(std::string s, base::ReadFile(path, "configfs-tsm", max_bytes));
    return ToBytes(s);
  }
  Status Write(const std::string& path, ByteSpan data) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Unavailable(Errno("open", path));
    ssize_t n = ::write(fd, data.data(), data.size());
    int saved = errno;
    ::close(fd);
    errno = saved;
    if (n != static_cast<ssize_t>(data.size())) return Unavailable(Errno("write", path));
    return Ok();
  }
  bool Exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
};

using internal::GetU32Le;
using internal::PutU32Le;
using internal::PutU64Le;

// MSG_REPORT_RSP (SNP ABI Table 25): status u32, report_size u32, reserved[24], report.
Result<Bytes> ReportFromResponse(ByteSpan resp) {
  base::ByteReader r(resp);
  ASSIGN_OR_RETURN(uint32_t status, r.U32Le("MSG_REPORT_RSP status"));
  ASSIGN_OR_RETURN(uint32_t size, r.U32Le("MSG_REPORT_RSP report_size"));
  if (status != 0) {
    return Unavailable("SNP firmware: MSG_REPORT_RSP status " + std::to_string(status));
  }
  if (size != kReportSize) {
    return Internal("SNP firmware: report_size " + std::to_string(size));
  }
  TRY(r.Skip(24, "MSG_REPORT_RSP reserved"));
  ASSIGN_OR_RETURN(ByteSpan report, r.Take(kReportSize, "MSG_REPORT_RSP report"));
  return Bytes(report.begin(), report.end());
}

class SnpAttester : public Attester {
 public:
  explicit SnpAttester(AttesterOptions o) : o_(std::move(o)) {}
  std::string_view tee() const override { return "snp"; }

  Result<Json> GetEvidence(ByteSpan report_data) override {
    if (report_data.size() > 64) {
      return InvalidArgument("SNP report_data is " + std::to_string(report_data.size()) +
                             " bytes, more than 64");
    }
    Bytes padded(64, 0);
    std::copy(report_data.begin(), report_data.end(), padded.begin());
    Result<std::pair<Bytes, Bytes>> got =
        o_.fs->Exists(o_.tsm_root) ? TsmReport(o_, padded) : IoctlReport(o_, padded);
    if (!got) return std::unexpected(got.error());
    ASSIGN_OR_RETURN(Report report, ParseReport(got->first));
    ASSIGN_OR_RETURN(std::vector<CertEntry> certs, ParseCertTable(got->second));
    return EvidenceToJson(report, certs);
  }

 private:
  AttesterOptions o_;
};

}  // namespace

std::unique_ptr<TsmFs> NewPosixTsmFs() { return std::make_unique<PosixTsmFs>(); }

Result<std::pair<Bytes, Bytes>> TsmReport(const AttesterOptions& o, ByteSpan report_data64) {
  TsmFs& fs = *o.fs;
  ASSIGN_OR_RETURN(Bytes salt, crypto::RandomBytes(8));
  std::string dir = o.tsm_root + "/cocoon-" + base::HexEncode(salt);
  TRY(fs.Mkdir(dir));
  auto run = [&]() -> Result<std::pair<Bytes, Bytes>> {
    ASSIGN_OR_RETURN(Bytes provider, fs.Read(dir + "/provider", 64));
    if (AsString(provider) != "sev_guest\n") {
      return FailedPrecondition("configfs-tsm provider is '" + ToString(provider) +
                                "', not sev_guest");
    }
    TRY(fs.Write(dir + "/privlevel", AsBytes(std::to_string(o.vmpl))));
    TRY(fs.Write(dir + "/inblob", report_data64));
    ASSIGN_OR_RETURN(Bytes out, fs.Read(dir + "/outblob", kReportSize));
    Bytes aux;
    if (fs.Exists(dir + "/auxblob")) {
      ASSIGN_OR_RETURN(aux, fs.Read(dir + "/auxblob", limits::kSnpCertTableMaxBytes));
    }
    ASSIGN_OR_RETURN(Bytes generation, fs.Read(dir + "/generation", 32));
    std::string gen = ToString(generation);
    while (!gen.empty() && (gen.back() == '\n' || gen.back() == ' ')) gen.pop_back();
    if (gen != "1") {
      return Unavailable("configfs-tsm generation is " + gen +
                         ", another writer raced this report");
    }
    return std::make_pair(std::move(out), std::move(aux));
  };
  auto result = run();
  Status removed = fs.Rmdir(dir);
  if (!result) return std::unexpected(result.error());
  if (!removed) return std::unexpected(removed.error());
  return result;
}

Result<std::pair<Bytes, Bytes>> IoctlReport(const AttesterOptions& o, ByteSpan report_data64) {
  int fd = ::open(o.sev_guest.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Unavailable(Errno("open", o.sev_guest));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  IoctlFn call =
      o.ioctl ? o.ioctl
              : IoctlFn([](int f, unsigned long req, void* arg) { return ::ioctl(f, req, arg); });
  size_t certs_len = 4 * 4096;
  for (int attempt = 0; attempt < 2; ++attempt) {
    alignas(8) uint8_t req[kSnpExtReportReqSize] = {};
    alignas(8) uint8_t resp[kSnpReportRespSize] = {};
    alignas(8) uint8_t guest[kSnpGuestRequestSize] = {};
    Bytes certs(certs_len, 0);
    std::copy(report_data64.begin(), report_data64.end(), req);     // user_data[64]
    PutU32Le(req + 64, o.vmpl);                                     // vmpl
    PutU64Le(req + 96, reinterpret_cast<uintptr_t>(certs.data()));  // certs_address
    PutU32Le(req + 104, static_cast<uint32_t>(certs.size()));       // certs_len
    guest[0] = 1;                                                   // msg_version
    PutU64Le(guest + 8, reinterpret_cast<uintptr_t>(req));          // req_data
    PutU64Le(guest + 16, reinterpret_cast<uintptr_t>(resp));        // resp_data
    int rc = call(fd, kSnpGetExtReport, guest);
    uint32_t vmm_error = GetU32Le(guest + 28);
    if (rc != 0) {
      uint32_t needed = GetU32Le(req + 104);
      // SNP_GUEST_VMM_ERR_INVALID_LEN: the kernel wrote the size it needs into certs_len.
      if (vmm_error == 1 && attempt == 0 && needed > certs_len &&
          needed <= limits::kSnpCertTableMaxBytes) {
        certs_len = needed;
        continue;
      }
      return Unavailable("SNP_GET_EXT_REPORT on " + o.sev_guest +
                         " failed: " + std::strerror(errno) + " (fw_error " +
                         std::to_string(GetU32Le(guest + 24)) + ", vmm_error " +
                         std::to_string(vmm_error) + ")");
    }
    ASSIGN_OR_RETURN(Bytes report, ReportFromResponse(ByteSpan(resp, sizeof(resp))));
    return std::make_pair(std::move(report), std::move(certs));
  }
  return Unavailable("SNP_GET_EXT_REPORT: certificate buffer size kept changing");
}

std::unique_ptr<Attester> NewAttester(AttesterOptions options) {
  if (!options.fs) options.fs = NewPosixTsmFs();
  return std::make_unique<SnpAttester>(std::move(options));
}

}  // namespace cocoon::tee::snp
