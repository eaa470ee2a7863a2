// Fuzz target: what the containerd shim reads about a task — the bundle's config.json (OCI spec
// and annotations, written by containerd from the pod spec) and the pod's initdata annotation
// (base64 of gzip'd TOML, from the pod spec). Parse the spec, decode its initdata; an encoded
// annotation decodes to what was encoded.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "initdata/annotation.h"
#include "shim/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = cocoon::shim::ParseBundleSpec(text, "task");
  if (spec) (void)cocoon::shim::InitDataFromAnnotations(spec->annotations);
  (void)cocoon::initdata::DecodeAnnotation(text, /*allow_plain=*/true);
  (void)cocoon::initdata::Gunzip(text, 64 * 1024);
  if (size <= 4096 && text.find('\0') == std::string_view::npos) {
    auto back = cocoon::initdata::DecodeAnnotation(cocoon::initdata::EncodeAnnotation(text));
    if (!back || *back != text) {
      std::fprintf(stderr, "annotation round trip changed %zu bytes\n", size);
      std::abort();
    }
  }
  return 0;
}
