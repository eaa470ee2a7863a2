#!/usr/bin/env bash
# A pod through containerd's CRI (the kubelet's calls: RunPodSandbox → PullImage →
# CreateContainer → StartContainer) against `cocoon run` of the same encrypted, signed image,
# alternated run by run so both see the same machine load: wall time to the container's first
# output line. Then N pods started at once (time until all print), and the host-side memory per
# pod (shim daemons + the snapshotter, QEMU excluded) while they run.
# usage: bench/cri_run.sh [RUNS] [PODS]
#   (after building cocoon cocoon-kbs cocoon-agent containerd-shim-cocoon-v2 cocoon-snapshotter
#    cri_pods_bench; as root: containerd and the CNI bridge)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
bin="$build/cmd"
driver="$build/bench/cri_pods_bench"
runs="${1:-5}"
npods="${2:-4}"
work="$(mktemp -d /tmp/cocoon-cri-bench.XXXXXX)"
bridge="cni-cb$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip link del "$bridge" 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
# The KBS, the registry and the owner's encrypted, signed image (bench/pod_env.sh).
source "$here/bench/pod_env.sh"
skopeo copy --insecure-policy --dest-tls-verify=false oci:app:latest "docker://$reg/pause:3.6" > /dev/null

# A private containerd with its CRI plugin, set up by `cocoon install --containerd` under node/.
node="$work/node"
snap_sock="/tmp/cocoon-cri-bench-$$.sock"
mkdir -p "$node/etc/containerd" "$node/etc/cocoon" cni ctd logs
printf '[vm]\nmemory_mib = 1024\n' > "$node/etc/cocoon/shim.toml"
cat > cni/10-bench.conflist <<JSON
{"cniVersion": "0.4.0", "name": "cocoon-bench", "plugins": [{"type": "bridge", "bridge": "$bridge",
 "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.88.$(( $$ % 200 + 20 )).0/24"}]]}}]}
JSON
cat > "$node/etc/containerd/config.toml" <<TOML
version = 2
root = "$work/ctd/root"
state = "$work/ctd/state"
[grpc]
  address = "$work/ctd/c.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$reg/pause:3.6"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$work/cni"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."$reg"]
    endpoint = ["http://$reg"]
TOML
"$bin/cocoon" install --containerd --no-restart --from "$bin" --prefix "$node/opt/cocoon" \
  --containerd-config "$node/etc/containerd/config.toml" --shim-config "$node/etc/cocoon/shim.toml" \
  --shim-link "$node/usr/local/bin/containerd-shim-cocoon-v2" --systemd-dir "$node/etc/systemd/system" \
  --snapshotter-socket "$snap_sock" --snapshotter-root "$node/var/lib/cocoon-snapshotter" > install.log
exec_start="$(sed -n 's/^ExecStart=//p' "$node/etc/systemd/system/cocoon-snapshotter.service")"
$exec_start > snapshotter.log 2>&1 &
snap_pid=$!
pids+=($snap_pid)
for _ in $(seq 100); do [ -S "$snap_sock" ] && break; sleep 0.05; done
PATH="$node/usr/local/bin:$PATH" /usr/bin/containerd --config "$node/etc/containerd/config.toml" > containerd.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S ctd/c.sock ] && break; sleep 0.1; done
sleep 1

ms() { date +%s%3N; }
first_line_ms() {  # runs "$@", prints ms from start to its first stdout line
  local t0 t1
  t0=$(ms)
  "$@" | { read -r _; t1=$(ms); echo $((t1 - t0)); cat > /dev/null; }
}
run_pod() {
  first_line_ms "$bin/cocoon" run --quiet --kbs "$kbs" --policy policy.json "$reg/app:enc" /bin/sh -c 'echo bench-output'
}
run_cri() {
  "$driver" --address ctd/c.sock --image "$reg/app:enc" --initdata "$ann" --log-dir "$work/logs/$1" --pods 1 \
    | python3 -c 'import json,sys; rows=[json.loads(l) for l in sys.stdin]; p=rows[0]; assert "error" not in p, p; print(int(p["first_output_ms"]))'
}
run_pod > /dev/null  # warm-up: builds (or finds) the guest image for this cocoon-agent
run_cri warm > /dev/null
for i in $(seq "$runs"); do
  a=$(run_pod); b=$(run_cri "$i")
  echo "$a $b" >> times
  echo "run $i: cocoon run $a ms, CRI pod $b ms (to the first output line)"
done

# N pods at once; the host-side memory per pod while they run.
"$driver" --address ctd/c.sock --image "$reg/app:enc" --initdata "$ann" --log-dir "$work/logs/many" \
  --pods "$npods" --hold-seconds 8 > many.json &
driver_pid=$!
for _ in $(seq 1200); do grep -q all_running_ms many.json 2>/dev/null && break; sleep 0.5; done
sleep 3
shim_kib=0; shim_pss=0; shim_anon=0; shims=0
rollup() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
for p in $(pgrep -f "containerd-shim-cocoon-v2 -namespace k8s.io -address $work/ctd/c.sock" || true); do
  shim_kib=$((shim_kib + $(rollup "$p" Rss))); shim_pss=$((shim_pss + $(rollup "$p" Pss)))
  shim_anon=$((shim_anon + $(rollup "$p" Anonymous))); shims=$((shims + 1))
done
snap_kib=$(rollup "$snap_pid" Rss); snap_pss=$(rollup "$snap_pid" Pss); snap_anon=$(rollup "$snap_pid" Anonymous)
wait $driver_pid || true

python3 - "$npods" "$shims" "$shim_kib" "$snap_kib" "$shim_pss" "$snap_pss" "$shim_anon" "$snap_anon" <<'PY'
import json, statistics, sys
npods, shims, shim_kib, snap_kib, shim_pss, snap_pss, shim_anon, snap_anon = map(int, sys.argv[1:])
rows = [tuple(map(int, l.split())) for l in open("times") if l.strip()]
pod = [r[0] for r in rows]; cri = [r[1] for r in rows]
ratios = [c / p for p, c in rows]
print(f"cocoon run -> first output:  median {statistics.median(pod):7.0f} ms  {pod}")
print(f"CRI pod -> first output:     median {statistics.median(cri):7.0f} ms  {cri}")
print(f"CRI / cocoon run: median {statistics.median(ratios):.2f}x (per run {[round(r, 2) for r in ratios]})")
many = [json.loads(l) for l in open("many.json")]
summary = many[-1]
print(f"{npods} pods at once: all running after {summary['all_running_ms']} ms, failed {summary['failed']}; "
      f"per pod {[p['first_output_ms'] for p in many[:-1]]} ms")
n = max(npods, 1)
print(f"host memory while {npods} pods run ({shims} shim daemons + the snapshotter, QEMU excluded):")
print(f"  RSS: shims {shim_kib/1024:.1f} MiB, snapshotter {snap_kib/1024:.1f} MiB; "
      f"per pod {(shim_kib + snap_kib) / n / 1024:.1f} MiB")
print(f"  PSS (shared pages split between processes): shims {shim_pss/1024:.1f} MiB, snapshotter "
      f"{snap_pss/1024:.1f} MiB; per pod {(shim_pss + snap_pss) / n / 1024:.1f} MiB")
print(f"  anonymous (private heap and stacks): shims {shim_anon/1024:.1f} MiB, snapshotter "
      f"{snap_anon/1024:.1f} MiB; per pod {(shim_anon + snap_anon) / n / 1024:.1f} MiB")
PY
