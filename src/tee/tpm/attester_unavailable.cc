// Built without tpm2-tss (libtss2-dev missing): the attester reports it is unavailable.
#include "tee/tpm/attester.h"

namespace cocoon::tee::tpm {

struct TpmAttester::State {};
TpmAttester::TpmAttester(std::unique_ptr<State> s) : s_(std::move(s)) {}
TpmAttester::~TpmAttester() = default;
const Bytes& TpmAttester::ak_tpmt_public() const {
  static const Bytes kEmpty;
  return kEmpty;
}
std::string TpmAttester::ak_public_pem() const { return {}; }
Status TpmAttester::ExtendPcr(uint32_t, ByteSpan) {
  return Unimplemented("TPM attester: cocoon was built without tpm2-tss (libtss2-dev)");
}
Result<Json> TpmAttester::GetEvidence(ByteSpan) {
  return Unimplemented("TPM attester: cocoon was built without tpm2-tss (libtss2-dev)");
}
Result<std::unique_ptr<TpmAttester>> NewAttester(const AttesterOptions&) {
  return Unimplemented("TPM attester: cocoon was built without tpm2-tss (libtss2-dev)");
}

}  // namespace cocoon::tee::tpm
