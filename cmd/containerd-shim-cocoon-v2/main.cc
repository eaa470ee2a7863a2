// containerd-shim-cocoon-v2: the shim containerd starts for the runtime io.containerd.cocoon.v2
// (one daemon and one pod VM per pod sandbox). Everything is in src/shim.
#include "shim/shim_main.h"

int main(int argc, char** argv) { return cocoon::shim::ShimMain(argc, argv); }
