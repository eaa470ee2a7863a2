#!/usr/bin/env bash
# The first hour of a newcomer, on every CI run: clone the repository's HEAD into an empty
# directory and run the README's first command, `scripts/setup && scripts/demo`, with an empty
# HOME, COCOON_CACHE and COCOON_DEB_CACHE (fresh temp dirs) and a clean environment; pass when it
# exits 0 and prints the demo's greeting. The clone has nothing beside it and no build directory, so
# this proves that the repository stands alone and that setup fetches everything the demo needs.
#
# Shared with the machine, on purpose: the installed Debian packages (setup only checks them) and
# the compiler cache (CCACHE_DIR is the caller's, with paths made relative to the clone), so the
# full build inside the clone takes minutes only the first time. Only committed work is tested:
# the clone is of HEAD, not of the working tree.
#
# usage: firsthour_test.sh <source dir> <log dir>
set -uo pipefail
src="$1"
logdir="$2"
log="$logdir/firsthour.log"
greeting="Hello from a confidential container!"

fail() {
  echo "firsthour: $*" >&2
  exit 1
}

head_commit="$(git -C "$src" rev-parse HEAD)" || fail "$src is not a git repository"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/cocoon-firsthour.XXXXXX")" || fail "cannot create a temp dir"
inner=""
cleanup() {
  # The inner run is its own process group (setsid): stop it by its pid if it is still running
  # (a CTest timeout), then remove the clone, the caches and the build.
  if [ -n "$inner" ] && kill -0 "$inner" 2>/dev/null; then
    kill -TERM -- "-$inner" 2>/dev/null
    sleep 2
    kill -KILL -- "-$inner" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

git clone --quiet "$src" "$tmp/cocoon" || fail "git clone $src failed"
git -C "$tmp/cocoon" checkout --quiet --detach "$head_commit" ||
  fail "cannot check out $head_commit in the clone"
mkdir -p "$tmp/home" "$tmp/cache" "$tmp/debs"
ccache_dir="$(ccache -k cache_dir 2>/dev/null || true)"

echo "firsthour: $head_commit cloned into $tmp/cocoon; running scripts/setup && scripts/demo" \
  "(log: $log)"
start=$(date +%s)
(
  cd "$tmp/cocoon" &&
    exec setsid env -i \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME="$tmp/home" COCOON_CACHE="$tmp/cache" COCOON_DEB_CACHE="$tmp/debs" \
      ${ccache_dir:+CCACHE_DIR="$ccache_dir"} CCACHE_BASEDIR="$tmp/cocoon" CCACHE_NOHASHDIR=true \
      bash -c 'scripts/setup && scripts/demo'
) >"$log" 2>&1 &
inner=$!
wait "$inner"
status=$?
inner=""
elapsed=$(($(date +%s) - start))

if [ "$status" -ne 0 ]; then
  tail -n 60 "$log" >&2
  fail "scripts/setup && scripts/demo exited with status $status after ${elapsed}s (full log: $log)"
fi
grep -qF "$greeting" "$log" || {
  tail -n 60 "$log" >&2
  fail "exit 0 but no greeting \"$greeting\" (full log: $log)"
}
echo "firsthour: passed in ${elapsed}s: the demo printed \"$greeting\""
