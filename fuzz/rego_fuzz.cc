// Fuzz target: Rego lexer, parser and compiler on arbitrary source, then one evaluation of
// `data.policy.allow` when it compiles (evaluation must never crash either).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "policy/rego_engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* engine = cocoon::policy::NewRegoEngine().release();
  std::string_view src(reinterpret_cast<const char*>(data), size);
  auto p = engine->Compile("fuzz.rego", src);
  if (!p) return 0;
  cocoon::Json input = {{"submods", {{"cpu0", {{"ear.status", "affirming"}}}}}};
  cocoon::Json d = {{"plugin", "resource"}, {"resource-path", {"a", "b", "c"}}};
  (void)(*p)->Query("data.policy.allow", input, d);
  return 0;
}
