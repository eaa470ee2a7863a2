// RegisterBuiltinVerifiers (see builtin.h).
#include "tee/builtin.h"
#include "tee/sample/registration.h"
#include "tee/snp/registration.h"
#include "tee/tdx/registration.h"
#include "tee/tpm/registration.h"

namespace cocoon::tee {

void RegisterBuiltinVerifiers(VerifierTable& table) {
  table.Register(snp::VerifierRegistration());
  table.Register(tdx::VerifierRegistration());
  table.Register(tpm::VerifierRegistration());
  table.Register(sample::VerifierRegistration());
}

}  // namespace cocoon::tee
