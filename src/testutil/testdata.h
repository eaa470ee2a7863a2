// Test support: files from testdata/ (the recorded vectors every test reads; see testdata/MANIFEST.md).
#pragma once

#include <string>
#include <string_view>

#include "base/json.h"

namespace cocoon::testutil {

// Bytes of <testdata>/<rel>; empty if missing (the test's assertions then fail).
std::string ReadTestdata(std::string_view rel);
// <testdata>/<rel> parsed as JSON; null if missing or malformed.
Json TestdataJson(std::string_view rel);

}  // namespace cocoon::testutil
