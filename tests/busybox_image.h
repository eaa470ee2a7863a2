// Test fixture: a minimal busybox OCI image layout (one uncompressed layer with /bin/busybox and
// /bin/sh), for containers run by the agent on the host or in the pod VM.
#pragma once

#include <string>

#include "tests/harness.h"

namespace cocoon {

// Writes the layout under dir/layout and returns "oci:<dir>/layout:latest".
std::string BuildBusyboxLayout(const harness::TempDir& dir);

}  // namespace cocoon
