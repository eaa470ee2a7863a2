// Shared libraries of a host binary (as the dynamic loader resolves them, via ldd) and the Debian
// package that owns a host file (dpkg-query), to copy a dynamic binary into the guest and record
// exactly which package versions went in. Trusts the host's loader and dpkg database.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace cocoon::runtime {

// Absolute paths of the libraries `binary` loads, including the dynamic loader, sorted and
// without duplicates; empty for a static binary. Errors: NotFound when ldd is missing or a library
// is "not found"; FailedPrecondition when ldd cannot inspect the file.
Result<std::vector<std::string>> SharedLibraries(const std::string& binary);

struct HostPackage {
  std::string package;  // "libc6:amd64"
  std::string version;  // "2.36-9+deb12u14"
};

// The installed package owning `path` (tried as given, under /usr for merged-/usr systems, and
// resolved through symlinks). NotFound when dpkg knows no owner.
Result<HostPackage> OwningPackage(const std::string& path);

}  // namespace cocoon::runtime
