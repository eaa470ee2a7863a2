// The SEV-SNP guest attester: a report bound to the caller's report_data, with the host's
// certificates, as guest-components' evidence JSON. Two kernel interfaces, tried in order:
// configfs-tsm (/sys/kernel/config/tsm/report, Linux ≥ 6.7) and the /dev/sev-guest ioctl
// SNP_GET_EXT_REPORT. Paths and the ioctl are injectable so tests replay recorded output.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "tee/tee.h"

namespace cocoon::tee::snp {

// The filesystem operations the configfs-tsm path needs (configfs creates an entry's attribute
// files on mkdir, which tests emulate).
class TsmFs {
 public:
  virtual ~TsmFs() = default;
  virtual Status Mkdir(const std::string& path) = 0;
  virtual Status Rmdir(const std::string& path) = 0;
  virtual Result<Bytes> Read(const std::string& path, size_t max_bytes) = 0;
  virtual Status Write(const std::string& path, ByteSpan data) = 0;
  virtual bool Exists(const std::string& path) = 0;
};
std::unique_ptr<TsmFs> NewPosixTsmFs();

// ioctl(2) as the kernel sees it; tests replace it with a recorded device.
using IoctlFn = std::function<int(int fd, unsigned long request, void* arg)>;

struct AttesterOptions {
  std::string tsm_root = "/sys/kernel/config/tsm/report";
  std::string sev_guest = "/dev/sev-guest";
  uint32_t vmpl = 0;          // privlevel / req.vmpl
  std::shared_ptr<TsmFs> fs;  // default: NewPosixTsmFs()
  IoctlFn ioctl;              // default: ::ioctl
};

// Linux uapi <linux/sev-guest.h>, re-declared so the layout is visible and tested.
inline constexpr unsigned long kSnpGetExtReport = 0xC0205302;  // _IOWR('S', 0x2, 32 bytes)
inline constexpr size_t kSnpReportReqSize = 96;                // user_data[64] vmpl u32 rsvd[28]
inline constexpr size_t kSnpExtReportReqSize = 112;  // + certs_address u64, certs_len u32, pad
inline constexpr size_t kSnpGuestRequestSize =
    32;  // msg_version u8, req_data, resp_data, exitinfo2
inline constexpr size_t kSnpReportRespSize = 4000;  // MSG_REPORT_RSP: status, size, rsvd, report

// The report through configfs-tsm: mkdir, check provider "sev_guest", privlevel, inblob,
// outblob + auxblob, generation check, rmdir. Returns {report, auxblob}.
Result<std::pair<Bytes, Bytes>> TsmReport(const AttesterOptions& o, ByteSpan report_data64);
// The report through SNP_GET_EXT_REPORT (retrying once with the size the kernel asks for).
Result<std::pair<Bytes, Bytes>> IoctlReport(const AttesterOptions& o, ByteSpan report_data64);

// tee() == "snp". GetEvidence: report_data ≤ 64 bytes (zero-padded), else InvalidArgument.
std::unique_ptr<Attester> NewAttester(AttesterOptions options = {});

}  // namespace cocoon::tee::snp
