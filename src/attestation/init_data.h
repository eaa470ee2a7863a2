// Init-data (the TOML document a pod is launched with) as the AS binds and reports it:
// digest = the TOML's `algorithm` over the raw bytes; claims = its `data` table.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "base/json.h"

namespace cocoon::attestation {

struct InitData {
  std::string format;  // must be "toml"
  std::string body;
};

struct InitDataDigest {
  Bytes digest;
  Json claims;  // the `data` table as JSON (values of *.toml entries parsed as TOML)
};

// InvalidArgument for other formats, malformed TOML, or an unknown algorithm.
Result<InitDataDigest> DigestInitData(const InitData& init_data);

}  // namespace cocoon::attestation
