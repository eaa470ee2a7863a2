// The TDX attester (configfs-tsm), detected by the guest's /dev/tdx_guest.
#include <sys/stat.h>

#include "tee/tdx/registration.h"
#include "tee/tdx/tdx.h"

namespace cocoon::tee::tdx {

AttesterFactory AttesterRegistration() {
  return {.name = "tdx",
          .detect =
              [] {
                struct stat st{};
                return ::stat("/dev/tdx_guest", &st) == 0;
              },
          .create = [](const tee::AttesterOptions&) -> Result<std::unique_ptr<Attester>> {
            return NewAttester();
          }};
}

}  // namespace cocoon::tee::tdx
