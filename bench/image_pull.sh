#!/usr/bin/env bash
# Pull + decrypt + unpack of an encrypted 100 MiB-layer image from a local docker-registry:
# `cocoon image pull --unpack` against `skopeo copy --decryption-key` + `umoci unpack` (the
# upstream tools doing the same work), in the same run; prints the median of N runs of each.
# usage: bench/image_pull.sh [build-dir] [runs]
set -euo pipefail
BUILD=${1:-build}; RUNS=${2:-3}
COCOON=$(cd "$BUILD" && pwd)/cmd/cocoon
W=$(mktemp -d /tmp/cocoon-pull-bench.XXXXXX)
cleanup() { [ -n "${REG_PID:-}" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$W/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $W/registry-data}}
http: {addr: 127.0.0.1:$PORT}
YML
docker-registry serve "$W/registry.yml" >/dev/null 2>&1 & REG_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done

cd "$W"
mkdir -p rootfs/data src/blobs/sha256
head -c $((100 << 20)) /dev/urandom > rootfs/data/random.bin; echo hi > rootfs/hello.txt
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=2024-01-01 -C rootfs -cf layer.tar .
gzip -1 -n -c layer.tar > layer.tar.gz
D=$(sha256sum layer.tar | cut -d' ' -f1); B=$(sha256sum layer.tar.gz | cut -d' ' -f1); S=$(stat -c%s layer.tar.gz)
cp layer.tar.gz src/blobs/sha256/$B
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' $D > config.json
C=$(sha256sum config.json | cut -d' ' -f1); cp config.json src/blobs/sha256/$C
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' $C $(stat -c%s config.json) $B $S > manifest.json
M=$(sha256sum manifest.json | cut -d' ' -f1); cp manifest.json src/blobs/sha256/$M
printf '{"imageLayoutVersion":"1.0.0"}' > src/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $M $(stat -c%s manifest.json) > src/index.json
openssl genrsa -out priv.pem 2048 2>/dev/null; openssl rsa -in priv.pem -pubout -out pub.pem 2>/dev/null
skopeo copy -q --insecure-policy --dest-tls-verify=false --encryption-key jwe:pub.pem oci:src:v1 \
  "docker://127.0.0.1:$PORT/bench:enc"
echo '{}' > auth.json

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cocoon_runs=(); skopeo_runs=()
for i in $(seq "$RUNS"); do
  rm -rf store b-cocoon oci-dec b-umoci
  cocoon_runs+=("$(ms "$COCOON" image pull -q --insecure-policy --tls-verify=false --authfile auth.json \
      --store store --decryption-key priv.pem --unpack b-cocoon "docker://127.0.0.1:$PORT/bench:enc")")
  skopeo_runs+=("$(ms sh -c "skopeo copy -q --insecure-policy --src-tls-verify=false --decryption-key priv.pem \
      docker://127.0.0.1:$PORT/bench:enc oci:oci-dec:1 && umoci unpack --rootless --image oci-dec:1 b-umoci")")
done
cmp b-cocoon/rootfs/data/random.bin rootfs/data/random.bin
# Peak RSS of one more cocoon pull (from /proc via a poller: no GNU time needed).
rm -rf store b-cocoon
"$COCOON" image pull -q --insecure-policy --tls-verify=false --authfile auth.json --store store \
  --decryption-key priv.pem --unpack b-cocoon "docker://127.0.0.1:$PORT/bench:enc" & P=$!
peak=0
while kill -0 $P 2>/dev/null; do
  r=$(awk '/VmHWM/ {print $2}' /proc/$P/status 2>/dev/null || echo 0); [ "${r:-0}" -gt "$peak" ] && peak=$r
  sleep 0.02
done
wait $P
echo "cocoon peak RSS: $((peak / 1024)) MiB"
c=$(printf '%s\n' "${cocoon_runs[@]}" | median); s=$(printf '%s\n' "${skopeo_runs[@]}" | median)
echo "cocoon image pull --unpack: ${cocoon_runs[*]} ms (median $c ms)"
echo "skopeo copy + umoci unpack: ${skopeo_runs[*]} ms (median $s ms)"
awk -v c="$c" -v s="$s" 'BEGIN { printf "ratio skopeo+umoci / cocoon: %.2fx\n", s / c }'
