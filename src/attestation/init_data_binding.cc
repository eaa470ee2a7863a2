// Init-data field of SNP and TDX claims versus the init-data digest the request sent.
#include "attestation/init_data_binding.h"

#include <algorithm>

#include "base/encoding.h"

namespace cocoon::attestation {
namespace {

// The evidence field that carries the init-data digest, by TEE (the claim is "init_data").
std::optional<std::string_view> FieldName(std::string_view tee) {
  if (tee == "snp") return "HOSTDATA";
  if (tee == "tdx") return "MRCONFIGID";
  return std::nullopt;
}

}  // namespace

Status CheckInitDataBinding(const tee::TeeClaims& claims, const std::optional<Bytes>& sent) {
  auto field = FieldName(claims.tee);
  if (!field) return Ok();
  auto it = claims.claims.find("init_data");
  if (it == claims.claims.end() || !it->is_string()) {
    return Internal(claims.tee + " claims carry no init_data");
  }
  auto value = base::HexDecode(it->get<std::string>());
  if (!value) return Internal(claims.tee + " claim init_data is not hex");
  Bytes want(value->size(), 0);
  if (sent) std::copy_n(sent->begin(), std::min(sent->size(), want.size()), want.begin());
  if (*value == want) return Ok();
  if (!sent) {
    return Unauthenticated("init-data mismatch: the evidence's " + std::string(*field) + " is " +
                           base::HexEncode(*value) +
                           " but the request sent no init-data: the guest's configuration "
                           "would be hidden from the policy");
  }
  return Unauthenticated("init-data mismatch: the evidence's " + std::string(*field) + " is " +
                         base::HexEncode(*value) + ", the init-data sent has digest " +
                         base::HexEncode(want));
}

}  // namespace cocoon::attestation
