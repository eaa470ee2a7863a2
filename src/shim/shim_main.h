// containerd-shim-cocoon-v2: the runtime v2 shim containerd starts for io.containerd.cocoon.v2.
//   start   finds (or starts) the pod's shim daemon and prints its ttrpc address
//   delete  cleans up after a task whose shim connection closed; prints a DeleteResponse
//   (none)  the daemon: serves containerd.task.v2.Task on fd 3 (the socket `start` bound)
#pragma once

namespace cocoon::shim {

int ShimMain(int argc, char** argv);

}  // namespace cocoon::shim
