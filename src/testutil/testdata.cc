// Reading the recorded test vectors under testdata/ (see testdata/MANIFEST.md).
#include "testutil/testdata.h"

#include "base/file.h"

namespace cocoon::testutil {

std::string ReadTestdata(std::string_view rel) {
  auto text = base::ReadFile(std::string(COCOON_TESTDATA_DIR) + "/" + std::string(rel), "testdata");
  return text ? *text : std::string();
}

Json TestdataJson(std::string_view rel) {
  auto j = base::ParseJson(ReadTestdata(rel));
  return j ? *j : Json(nullptr);
}

}  // namespace cocoon::testutil
