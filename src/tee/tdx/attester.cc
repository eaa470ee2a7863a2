// configfs-tsm attester (Linux Documentation/ABI/testing/configfs-tsm): one report entry per
// request under the tsm root, removed afterwards. The event log is the trimmed CCEL area plus
// the attestation agent's AAEL file, as guest-components sends it.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/encoding.h"
#include "base/file.h"
#include "crypto/random.h"
#include "tee/tdx/eventlog.h"
#include "tee/tdx/quote.h"
#include "tee/tdx/tdx.h"

namespace cocoon::tee::tdx {
namespace {

Status WriteAll(const std::string& path, ByteSpan data) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return Unavailable("configfs-tsm: cannot open " + path);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return Unavailable("configfs-tsm: cannot write " + path);
  return Ok();
}

// The CCEL area up to the end of the last event (the rest is 0xFF/0x00 fill).
Result<Bytes> TrimmedCcel(const std::string& path) {
  ASSIGN_OR_RETURN(std::string raw, base::ReadFile(path, "CCEL", kEventLogMaxBytes));
  ByteSpan bytes = AsBytes(raw);
  ASSIGN_OR_RETURN(EventLog log, ParseEventLog(bytes));
  size_t end = 0;
  if (!log.events.empty()) {
    const LogEvent& last = log.events.back();
    end = last.data_offset + last.data.size();
  }
  return Bytes(bytes.begin(), bytes.begin() + static_cast<long>(end));
}

class TsmAttester : public Attester {
 public:
  explicit TsmAttester(AttesterOptions o) : o_(std::move(o)) {}
  std::string_view tee() const override { return "tdx"; }

  Result<Json> GetEvidence(ByteSpan report_data) override {
    if (report_data.size() > 64) {
      return InvalidArgument("TDX: report data is " + std::to_string(report_data.size()) +
                             " bytes (at most 64)");
    }
    Bytes inblob(report_data.begin(), report_data.end());
    inblob.resize(64, 0);
    ASSIGN_OR_RETURN(Bytes quote, Report(inblob));
    Json ev = {{"quote", base::Base64Encode(quote)}, {"cc_eventlog", nullptr}};
    std::error_code ec;
    if (std::filesystem::exists(o_.ccel_path, ec)) {
      ASSIGN_OR_RETURN(Bytes log, TrimmedCcel(o_.ccel_path));
      if (std::filesystem::exists(o_.aael_path, ec)) {
        ASSIGN_OR_RETURN(std::string aael, base::ReadFile(o_.aael_path, "AAEL", kEventLogMaxBytes));
        log.insert(log.end(), aael.begin(), aael.end());
      }
      log.insert(log.end(), 8, 0xFF);
      ev["cc_eventlog"] = base::Base64Encode(log);
    }
    return ev;
  }

 private:
  Result<Bytes> Report(ByteSpan inblob) {
    ASSIGN_OR_RETURN(Bytes rnd, crypto::RandomBytes(8));
    std::string entry = o_.tsm_root + "/cocoon-" + base::HexEncode(rnd);
    if (::mkdir(entry.c_str(), 0700) != 0) {
      return Unavailable("configfs-tsm: mkdir " + entry + ": " + std::strerror(errno));
    }
    if (o_.after_mkdir) o_.after_mkdir(entry);
    auto result = ReportIn(entry, inblob);
    ::rmdir(entry.c_str());
    return result;
  }

  Result<Bytes> ReportIn(const std::string& entry, ByteSpan inblob) {
    ASSIGN_OR_RETURN(std::string provider, base::ReadFile(entry + "/provider", "provider", 4096));
    if (provider != "tdx_guest\n") {
      return FailedPrecondition("configfs-tsm: provider is '" + provider + "', not tdx_guest");
    }
    TRY(WriteAll(entry + "/inblob", inblob));
    ASSIGN_OR_RETURN(std::string out,
                     base::ReadFile(entry + "/outblob", "outblob", kQuoteMaxBytes));
    ASSIGN_OR_RETURN(std::string gen, base::ReadFile(entry + "/generation", "generation", 64));
    if (std::atoi(gen.c_str()) > 1) {
      return Unavailable("configfs-tsm: generation " + gen + " (a concurrent writer raced us)");
    }
    if (out.empty()) return Unavailable("configfs-tsm: empty outblob");
    return ToBytes(out);
  }

  AttesterOptions o_;
};

}  // namespace

std::unique_ptr<Attester> NewAttester(AttesterOptions options) {
  return std::make_unique<TsmAttester>(std::move(options));
}

bool Detect(const AttesterOptions& options) {
  std::error_code ec;
  return std::filesystem::is_directory(options.tsm_root, ec);
}

}  // namespace cocoon::tee::tdx
