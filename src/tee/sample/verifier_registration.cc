// The sample verifier: enabled only by insecure_sample_tee (its evidence proves nothing).
#include "tee/sample/registration.h"
#include "tee/sample/sample.h"

namespace cocoon::tee::sample {

VerifierFactory VerifierRegistration() {
  return {.name = "sample",
          .proves_nothing = true,
          .create = [](const VerifierSettings&) -> Result<std::unique_ptr<Verifier>> {
            return NewVerifier();
          },
          .verify_offline = &VerifyOffline};
}

}  // namespace cocoon::tee::sample
