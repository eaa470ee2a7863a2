# Sourced by scripts/setup, scripts/demo and scripts/test (not run on its own): strict mode, a
# report naming the step and command whenever a script stops on an error, and build settings.

set -Eeuo pipefail
script_name="scripts/$(basename "$0")"
current_step="starting"

# Names what the script does next; an error report quotes it.
step() {
  current_step="$*"
}

# ERR trap: one line on stderr with the step, the command, its status and the line. Inside a
# subshell or command substitution it stays quiet: the enclosing command fails next and is
# reported there, so each failure is reported once.
report_error() {
  local status=$1 line=$2 command=$3
  if [ "$BASH_SUBSHELL" -gt 0 ]; then return; fi
  echo "$script_name: failed while $current_step: \`$command\` exited with status $status" \
    "(line $line)" >&2
}
trap 'report_error $? $LINENO "$BASH_COMMAND"' ERR

# CMake arguments for this project's build: Ninja, RelWithDebInfo, and ccache as the compiler
# launcher when it is installed (unless the caller chose a launcher), so rebuilds are fast.
cmake_configure_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ -z "${CMAKE_CXX_COMPILER_LAUNCHER:-}" ] && command -v ccache >/dev/null 2>&1; then
  cmake_configure_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout and no build directory in the key: another clone of the
  # repository (tests/firsthour_test.sh, a second worktree) reuses these compiles.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
  export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
fi
