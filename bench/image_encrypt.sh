#!/bin/bash
# `cocoon image encrypt` vs `skopeo copy --encryption-key` on the same 100 MiB random layer,
# oci: layout → oci: layout, JWE (RSA-2048) recipient, same run, medians of 3; also peak RSS.
# Usage: bench/image_encrypt.sh [build-dir] [work-dir]   (needs skopeo, openssl, GNU time)
set -euo pipefail
B=$(cd "${1:-build}" && pwd); W=${2:-$(mktemp -d /tmp/cocoon-encbench.XXXXXX)}
COCOON=$B/cmd/cocoon; MIB=${MIB:-100}
mkdir -p "$W"; cd "$W"; rm -rf src enc-* rootfs
mkdir -p rootfs src/blobs/sha256
head -c $((MIB << 20)) /dev/urandom > rootfs/random.bin
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2024-01-01 00:00:00' -C rootfs -cf layer.tar .
LDIG=$(sha256sum layer.tar | cut -d' ' -f1); LSIZE=$(stat -c%s layer.tar); mv layer.tar src/blobs/sha256/$LDIG
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' $LDIG > config.json
CDIG=$(sha256sum config.json | cut -d' ' -f1); CSIZE=$(stat -c%s config.json); cp config.json src/blobs/sha256/$CDIG
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' $CDIG $CSIZE $LDIG $LSIZE > manifest.json
MDIG=$(sha256sum manifest.json | cut -d' ' -f1); MSIZE=$(stat -c%s manifest.json); cp manifest.json src/blobs/sha256/$MDIG
printf '{"imageLayoutVersion":"1.0.0"}' > src/oci-layout
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' $MDIG $MSIZE > src/index.json
openssl genrsa -out priv.pem 2048 2>/dev/null; openssl rsa -in priv.pem -pubout -out pub.pem 2>/dev/null

# run NAME CMD... : wall seconds and max RSS (KiB) of one run, appended to NAME.times
run() {
  local name=$1; shift; rm -rf enc-$name
  /usr/bin/time -f '%e %M' -o t.out "$@" >/dev/null 2>err.out || { cat err.out; exit 1; }
  cat t.out >> $name.times
}
rm -f cocoon.times skopeo.times
for i in 1 2 3; do
  run cocoon "$COCOON" image encrypt --encryption-key jwe:pub.pem oci:src:v1 oci:enc-cocoon:v1
  run skopeo skopeo copy --insecure-policy --encryption-key jwe:pub.pem oci:src:v1 oci:enc-skopeo:v1
done
# the two outputs must both decrypt back to the plaintext layer
skopeo copy --insecure-policy --decryption-key priv.pem oci:enc-cocoon:v1 oci:dec:v1 >/dev/null
grep -q "$LDIG" dec/index.json 2>/dev/null || ls dec/blobs/sha256 | grep -q "$LDIG" || { echo "decrypt check failed"; exit 1; }
median() { sort -n | sed -n 2p; }
echo "layer: ${MIB} MiB uncompressed tar, RSA-2048 JWE recipient, oci: -> oci: ($(nproc) cores)"
for n in cocoon skopeo; do
  echo "$n: runs $(cut -d' ' -f1 $n.times | tr '\n' ' ')s; median $(cut -d' ' -f1 $n.times | median) s; peak RSS median $(( $(cut -d' ' -f2 $n.times | median) / 1024 )) MiB"
done
