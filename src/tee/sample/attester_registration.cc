// The sample attester: never detected, the fallback when the guest has no TEE device.
#include "tee/sample/registration.h"
#include "tee/sample/sample.h"

namespace cocoon::tee::sample {

AttesterFactory AttesterRegistration() {
  return {.name = "sample",
          .detect = nullptr,
          .create = [](const tee::AttesterOptions&) -> Result<std::unique_ptr<Attester>> {
            return NewAttester();
          }};
}

}  // namespace cocoon::tee::sample
