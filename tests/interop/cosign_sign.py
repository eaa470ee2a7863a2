#!/usr/bin/python3
"""Signs <repo>:<tag> in a plain-HTTP registry the way `cosign sign --key` does, adding the
signature to the image's `sha256-<hex>.sig` signature image (created or extended).

usage: cosign_sign.py <host:port> <repo> <tag> <key.private> <passphrase> [identity]
The identity (docker-reference in the payload) defaults to <host:port>/<repo>."""
import base64
import json
import sys
import urllib.error

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import cosign_format
from oci_registry import Registry, RegistryError, sha256_digest


def signature_layers(registry, tag):
    """The layers of the existing signature image, if any (cosign appends to them)."""
    existing = registry.manifest(tag)
    return json.loads(existing)["layers"] if existing else []


def main(argv):
    if len(argv) not in (6, 7):
        sys.exit(__doc__)
    host, repo, tag, key_path, passphrase = argv[1:6]
    identity = argv[6] if len(argv) == 7 else "%s/%s" % (host, repo)
    registry = Registry(host, repo)
    manifest = registry.manifest(tag)
    if manifest is None:
        sys.exit("cosign_sign: %s/%s:%s not found" % (host, repo, tag))
    digest = sha256_digest(manifest)
    with open(key_path) as f:
        try:
            key = cosign_format.decrypt_private_key(f.read(), passphrase.encode())
        except ValueError as e:
            sys.exit("cosign_sign: %s: %s" % (key_path, e))
    body = cosign_format.payload(identity, digest)
    signature = key.sign(body, ec.ECDSA(hashes.SHA256()))

    sig_tag = cosign_format.signature_tag(digest)
    layers = signature_layers(registry, sig_tag)
    layers.append({"mediaType": cosign_format.PAYLOAD_TYPE, "size": len(body),
                   "digest": registry.push_blob(body),
                   "annotations": {cosign_format.SIGNATURE_ANNOTATION:
                                   base64.b64encode(signature).decode()}})
    config = json.dumps({"architecture": "", "os": "", "config": {},
                         "rootfs": {"type": "layers",
                                    "diff_ids": [layer["digest"] for layer in layers]}}).encode()
    sig_manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "size": len(config), "digest": registry.push_blob(config)},
                    "layers": layers}
    registry.push_manifest(sig_tag, json.dumps(sig_manifest).encode())
    print("signed %s/%s@%s as %s (identity %s)" % (host, repo, digest, sig_tag, identity))


if __name__ == "__main__":
    try:
        main(sys.argv)
    except (RegistryError, urllib.error.HTTPError) as e:
        sys.exit("cosign_sign: registry: %s" % e)
