// Initdata as a Kubernetes pod annotation. CoCo's format (kata's runtime reads it):
// `io.katacontainers.config.hypervisor.cc_init_data` = base64 of the gzip'd initdata TOML. The
// value reaches the host from the pod spec and is bound into the evidence by its digest, so a
// host that changes it changes what the guest attests to; decoding still bounds what it
// inflates.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace cocoon::initdata {

inline constexpr std::string_view kCocoAnnotation =
    "io.katacontainers.config.hypervisor.cc_init_data";
inline constexpr size_t kMaxAnnotationTomlBytes = 1024 * 1024;

// base64(gzip(toml)): the annotation value for `toml`.
std::string EncodeAnnotation(std::string_view toml);

// The TOML an annotation value holds: base64 of gzip'd text, or (when `allow_plain`) of the text
// itself. InvalidArgument naming what is wrong: not base64, not gzip, truncated, more than
// kMaxAnnotationTomlBytes once inflated, or not text.
Result<std::string> DecodeAnnotation(std::string_view value, bool allow_plain = false);

// gzip (RFC 1952) of `data` / its inverse, refusing more than `max_bytes` of output.
std::string Gzip(std::string_view data);
Result<std::string> Gunzip(std::string_view data, size_t max_bytes);

}  // namespace cocoon::initdata
