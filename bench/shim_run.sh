#!/usr/bin/env bash
# The containerd shim against `cocoon run` on the same encrypted, signed image, alternated run by
# run so both see the same machine load: wall time from the command to the container's exit
# (`ctr run --rm` through a private containerd 1.6 and containerd-shim-cocoon-v2, vs `cocoon run`),
# and the shim daemon's peak RSS (VmHWM, QEMU excluded) while a pod runs.
# usage: bench/shim_run.sh [RUNS]
#   (after building cocoon cocoon-kbs cocoon-agent containerd-shim-cocoon-v2; as root, for containerd)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
bin="$build/cmd"
runs="${1:-5}"
work="$(mktemp -d /tmp/cocoon-shim-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
# The KBS, the registry and the owner's encrypted, signed image (bench/pod_env.sh).
source "$here/bench/pod_env.sh"

# A private containerd without CRI.
mkdir -p ctd rootfs
cat > ctd/config.toml <<EOF
version = 2
root = "$work/ctd/root"
state = "$work/ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/ctd/c.sock"
EOF
/usr/bin/containerd --config ctd/config.toml > containerd.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do ctr --address ctd/c.sock version > /dev/null 2>&1 && break; sleep 0.1; done
printf '[vm]\nmemory_mib = 1024\n' > shim.toml

ms() { date +%s%3N; }
cmd=(/bin/sh -c 'echo bench')
run_pod() {
  "$bin/cocoon" run --quiet --kbs "$kbs" --policy policy.json "$reg/app:enc" "${cmd[@]}" > /dev/null
}
run_shim() {
  ctr --address ctd/c.sock run --rm --runtime "$bin/containerd-shim-cocoon-v2" \
    --runtime-config-path "$work/shim.toml" --annotation "io.cocoon.image=$reg/app:enc" \
    --annotation "io.katacontainers.config.hypervisor.cc_init_data=$ann" \
    --rootfs rootfs "bench-$1" "${cmd[@]}" > /dev/null
}
run_pod  # warm-up: builds (or finds) the guest image for this cocoon-agent
for i in $(seq "$runs"); do
  t0=$(ms); run_pod; t1=$(ms); run_shim "$i"; t2=$(ms)
  echo "$((t1 - t0)) $((t2 - t1))" >> times
  echo "run $i: cocoon run $((t1 - t0)) ms, ctr run + shim $((t2 - t1)) ms"
done

# The shim daemon's memory while a pod runs (its VmHWM just before the task ends).
ctr --address ctd/c.sock run -d --runtime "$bin/containerd-shim-cocoon-v2" \
  --runtime-config-path "$work/shim.toml" --annotation "io.cocoon.image=$reg/app:enc" \
  --annotation "io.katacontainers.config.hypervisor.cc_init_data=$ann" \
  --rootfs rootfs rss /bin/sh -c 'sleep 600' > /dev/null
sleep 2
shim_pid="$(pgrep -f "containerd-shim-cocoon-v2 -namespace default .* -id rss$" | head -1)"
hwm="$(awk '/VmHWM/ {print $2}' "/proc/$shim_pid/status")"
ctr --address ctd/c.sock task kill -s SIGKILL rss > /dev/null
sleep 1
ctr --address ctd/c.sock task delete rss > /dev/null 2>&1 || true
ctr --address ctd/c.sock container rm rss > /dev/null 2>&1 || true

python3 - "$hwm" <<'PY'
import statistics, sys
rows = [tuple(map(int, l.split())) for l in open("times") if l.strip()]
pod = [r[0] for r in rows]; shim = [r[1] for r in rows]
ratios = [s / p for p, s in rows]
print(f"cocoon run -> exit:      median {statistics.median(pod):7.0f} ms  {pod}")
print(f"ctr run + shim -> exit:  median {statistics.median(shim):7.0f} ms  {shim}")
print(f"shim / cocoon run: median {statistics.median(ratios):.2f}x (per run {[round(r, 2) for r in ratios]})")
print(f"shim daemon peak RSS (VmHWM): {int(sys.argv[1]) / 1024:.1f} MiB")
PY
