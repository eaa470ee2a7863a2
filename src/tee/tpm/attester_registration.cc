// The TPM attester, detected by the guest's /dev/tpmrm0 (e.g. the vTPM `cocoon run --vtpm`
// gives). With initdata, its digest is extended into PCR 8 once per boot: what the verifier
// checks the evidence's init_data against.
#include <sys/stat.h>

#include <mutex>

#include "initdata/initdata.h"
#include "tee/tpm/attester.h"
#include "tee/tpm/registration.h"

namespace cocoon::tee::tpm {
namespace {

// Extends PCR 8 with the initdata's digest, at most once per process (per boot: the initdata
// does not change); every later call reports how the one extension went.
Status ExtendInitData(TpmAttester& attester, const std::string& toml) {
  ASSIGN_OR_RETURN(initdata::InitDataDigest d, initdata::DigestInitData({"toml", toml}));
  if (d.digest.size() != 32) return InvalidArgument("initdata for a TPM must use algorithm sha256");
  static std::once_flag extended;
  static Status extend_status = Ok();
  std::call_once(extended, [&] { extend_status = attester.ExtendPcr(8, d.digest); });
  return extend_status;
}

}  // namespace

AttesterFactory AttesterRegistration() {
  return {.name = "tpm",
          .detect =
              [] {
                struct stat st{};
                return ::stat("/dev/tpmrm0", &st) == 0;
              },
          .create = [](const tee::AttesterOptions& options) -> Result<std::unique_ptr<Attester>> {
            AttesterOptions o;
            o.tcti = options.tpm_tcti;
            ASSIGN_OR_RETURN(std::unique_ptr<TpmAttester> a, NewAttester(o));
            if (!options.init_data_toml.empty()) {
              if (auto st = ExtendInitData(*a, options.init_data_toml); !st) {
                return std::unexpected(st.error().WithContext("PCR 8 (initdata)"));
              }
            }
            return std::unique_ptr<Attester>(std::move(a));
          }};
}

}  // namespace cocoon::tee::tpm
