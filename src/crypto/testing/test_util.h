// Test-only helpers for crypto tests: reading fixtures under COCOON_TESTDATA_DIR and hex literals.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/encoding.h"

namespace cocoon::crypto::testing {

// Contents of COCOON_TESTDATA_DIR/<rel>; empty if unreadable (the test's assertions then fail).
inline std::string ReadTestData(std::string_view rel) {
  std::ifstream in(std::string(COCOON_TESTDATA_DIR) + "/" + std::string(rel), std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline Bytes Unhex(std::string_view hex) { return base::HexDecode(hex).value_or(Bytes{}); }

}  // namespace cocoon::crypto::testing
