// DigestInitData (see initdata.h), as Trustee's attestation service computes it.
#include "crypto/digest.h"

#include "initdata/initdata.h"
#include "initdata/internal/toml.h"

namespace cocoon::initdata {

Result<InitDataDigest> DigestInitData(const InitData& init) {
  if (init.format != "toml") {
    return InvalidArgument("Unsupported initdata format \"" + init.format + "\" (expected toml)");
  }
  ASSIGN_OR_RETURN(internal::ParsedToml doc, internal::ParseInitDataToml(init.body));
  ASSIGN_OR_RETURN(crypto::HashAlg alg, crypto::ParseHashAlg(doc.algorithm));
  InitDataDigest out;
  out.algorithm = std::move(doc.algorithm);
  out.digest = crypto::Digest(alg, AsBytes(init.body));
  out.claims = std::move(doc.data);
  return out;
}

}  // namespace cocoon::initdata
