// Fuzz target: JSON parsing with the depth limit, typed access, JCS canonicalisation.
#include <cstddef>
#include <cstdint>

#include "base/jcs.h"
#include "base/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = cocoon::base::ParseJson(cocoon::ByteSpan(data, size));
  if (!j) return 0;
  (void)cocoon::base::Canonicalize(*j);
  (void)cocoon::base::DumpJson(*j);
  if (j->is_object()) {
    (void)cocoon::base::GetString(*j, "nonce");
    (void)cocoon::base::GetInt(*j, "exp");
    (void)cocoon::base::FindPointer(*j, "/a/0/b");
  }
  return 0;
}
