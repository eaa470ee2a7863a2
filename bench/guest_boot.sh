#!/usr/bin/env bash
# Bare QEMU TCG boot of the `cocoon guest build` kernel + initramfs (smoke /init): wall time from
# launch to the COCOON-GUEST-UP console line (modules loaded), median of N runs.
# usage: bench/guest_boot.sh [IMAGE_DIR] [RUNS]   (IMAGE_DIR default: built now with build/cmd/cocoon)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs="${2:-5}"
dir="${1:-}"
if [ -z "$dir" ]; then
  dir="$(mktemp -d /tmp/cocoon-guest-bench.XXXXXX)"
  trap 'rm -rf "$dir"' EXIT
  "$here/build/cmd/cocoon" guest build --out "$dir" >/dev/null
fi
append='console=ttyS0 panic=-1 quiet mitigations=off cryptomgr.notests'
times=()
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  up=""
  # QEMU is the only writer of the pipe; it powers off after the marker (or dies at the timeout).
  while IFS= read -r line; do
    case "$line" in *COCOON-GUEST-UP*) up=$(date +%s%N) ;; esac
  done < <(timeout 60 qemu-system-x86_64 -accel tcg -M q35 -m 512 -nographic -no-reboot \
             -kernel "$dir/vmlinuz" -initrd "$dir/initramfs.cpio.gz" -append "$append" </dev/null)
  end=$(date +%s%N)
  if [ -z "$up" ]; then echo "run $i: no COCOON-GUEST-UP within 60 s" >&2; exit 1; fi
  t=$(( (up - start) / 1000000 ))
  times+=("$t")
  echo "run $i: marker at ${t} ms, exit at $(( (end - start) / 1000000 )) ms"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "guest boot (TCG q35, bzImage): median ${median} ms to COCOON-GUEST-UP over $runs runs"
