// RegisterBuiltinAttesters (see builtin.h). Only attester code: the guest agent links this.
#include "tee/builtin.h"
#include "tee/sample/registration.h"
#include "tee/snp/registration.h"
#include "tee/tdx/registration.h"
#include "tee/tpm/registration.h"

namespace cocoon::tee {

void RegisterBuiltinAttesters(AttesterTable& table) {
  table.Register(snp::AttesterRegistration());
  table.Register(tdx::AttesterRegistration());
  table.Register(tpm::AttesterRegistration());
  table.Register(sample::AttesterRegistration());
}

}  // namespace cocoon::tee
