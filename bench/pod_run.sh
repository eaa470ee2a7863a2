#!/usr/bin/env bash
# `cocoon run` from start to the container's first output line, split into stages, against a
# bare boot of the same kernel + initramfs under the same QEMU config (bench/pod_boot_bench.cc),
# interleaved run by run so that both see the same machine load. Each pod run is a full
# `cocoon demo` (KBS + registry + encrypted, signed sample image); the stage timings come from
# `cocoon run --timings` and exclude the demo's own setup.
# usage: bench/pod_run.sh [RUNS]      (after building: cocoon cocoon-kbs cocoon-agent pod_boot_bench)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
runs="${1:-5}"
work="$(mktemp -d /tmp/cocoon-pod-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# Warm-up: builds (or finds) the guest image for this cocoon-agent and names its directory.
"$build/cmd/cocoon" demo --timings "$work/warmup.json" > "$work/warmup.log" 2>&1 ||
  { cat "$work/warmup.log"; exit 1; }
guest="$(sed -n 's/^ *guest image: \([^ ]*\).*/\1/p' "$work/warmup.log" | head -1)"
[ -d "$guest" ] || { echo "no guest image directory in the demo's output" >&2; exit 1; }

for i in $(seq "$runs"); do
  "$build/bench/pod_boot_bench" "$guest" 1 > "$work/bare.$i"
  "$build/cmd/cocoon" demo --timings "$work/pod.$i.json" > "$work/pod.$i.log" 2>&1 ||
    { cat "$work/pod.$i.log"; exit 1; }
  grep -o 'peak RSS [0-9]* kB' "$work/pod.$i.log" | tail -1 | awk '{print $3}' > "$work/rss.$i"
  echo "run $i: bare $(cat "$work/bare.$i") ms; pod $(cat "$work/pod.$i.json")"
done

python3 - "$work" "$runs" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
bare = [int(open(f"{work}/bare.{i}").read()) for i in range(1, runs + 1)]
pods = [json.load(open(f"{work}/pod.{i}.json")) for i in range(1, runs + 1)]
rss = [int(open(f"{work}/rss.{i}").read() or 0) for i in range(1, runs + 1)]
med = lambda xs: statistics.median(xs)
stages = {
  "VM boot -> agent ready": [p["agent_ready_ms"] for p in pods],
  "attestation + key (incl. manifest, signature)": [p["key_released_ms"] - p["agent_ready_ms"] for p in pods],
  "image pull + decrypt + unpack": [p["container_created_ms"] - p["key_released_ms"] for p in pods],
  "container start -> first output": [p["first_output_ms"] - p["container_created_ms"] for p in pods],
  "total: cocoon run -> first output": [p["first_output_ms"] for p in pods],
}
print(f"\nbare boot (same kernel + initramfs, /init = marker): median {med(bare)} ms  {bare}")
for name, xs in stages.items():
    print(f"{name:48s} median {med(xs):7.0f} ms  {xs}")
ratios = [p["agent_ready_ms"] / b for p, b in zip(pods, bare)]
print(f"agent ready / bare boot: median {med(ratios):.2f}x (per-run {[round(r, 2) for r in ratios]}); target <= 1.3x")
print(f"cocoon-agent peak RSS (VmHWM): median {med(rss) / 1024:.1f} MiB {rss}; target <= 16 MiB")
PY
