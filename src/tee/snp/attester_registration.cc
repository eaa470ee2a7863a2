// The SEV-SNP attester, detected by the guest's /dev/sev-guest.
#include <sys/stat.h>

#include "tee/snp/attester.h"
#include "tee/snp/registration.h"

namespace cocoon::tee::snp {

AttesterFactory AttesterRegistration() {
  return {.name = "snp",
          .detect =
              [] {
                struct stat st{};
                return ::stat("/dev/sev-guest", &st) == 0;
              },
          .create = [](const tee::AttesterOptions&) -> Result<std::unique_ptr<Attester>> {
            return NewAttester();
          }};
}

}  // namespace cocoon::tee::snp
