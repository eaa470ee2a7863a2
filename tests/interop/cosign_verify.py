#!/usr/bin/python3
"""Checks <repo>:<tag> in a plain-HTTP registry against a cosign public key, as a
containers-policy.json `sigstoreSigned` requirement with keyPath and a `matchRepository`
identity does: some signature in `sha256-<hex>.sig` must verify with the key, name the image's
manifest digest, and carry an identity in the same repository.

usage: cosign_verify.py <host:port> <repo> <tag> <key.pub>
Prints VALID (exit 0) or INVALID with the reason for each signature (exit 1)."""
import base64
import json
import sys
import urllib.error

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import cosign_format
from oci_registry import Registry, RegistryError, sha256_digest


def check_payload(body, digest, repository):
    """The reason the (already verified) payload does not match the image, or None."""
    doc = json.loads(body)
    critical = doc["critical"]
    if critical["type"] != cosign_format.SIGNATURE_KIND:
        return "payload type %r" % critical["type"]
    if critical["image"]["docker-manifest-digest"] != digest:
        return "payload names manifest %s" % critical["image"]["docker-manifest-digest"]
    signed = cosign_format.repository_of(critical["identity"]["docker-reference"])
    if signed != repository:
        return "identity %s is not repository %s" % (signed, repository)
    return None


def check_layer(registry, layer, key, digest):
    if layer.get("mediaType") != cosign_format.PAYLOAD_TYPE:
        return "not a simple-signing payload (%s)" % layer.get("mediaType")
    body = registry.blob(layer["digest"])
    signature = base64.b64decode(layer["annotations"][cosign_format.SIGNATURE_ANNOTATION])
    try:
        key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "signature does not verify with the key"
    return check_payload(body, digest, "%s/%s" % (registry.host, registry.repo))


def main(argv):
    if len(argv) != 5:
        sys.exit(__doc__)
    host, repo, tag, pub_path = argv[1:5]
    with open(pub_path, "rb") as f:
        key = serialization.load_pem_public_key(f.read())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        sys.exit("cosign_verify: %s is not an ECDSA public key" % pub_path)
    registry = Registry(host, repo)
    manifest = registry.manifest(tag)
    if manifest is None:
        sys.exit("cosign_verify: %s/%s:%s not found" % (host, repo, tag))
    digest = sha256_digest(manifest)
    signatures = registry.manifest(cosign_format.signature_tag(digest))
    if signatures is None:
        print("INVALID: no signature image for %s" % digest)
        return 1
    for layer in json.loads(signatures)["layers"]:
        reason = check_layer(registry, layer, key, digest)
        if reason is None:
            print("VALID: %s/%s@%s" % (host, repo, digest))
            return 0
        print("INVALID: layer %s: %s" % (layer.get("digest"), reason))
    return 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (RegistryError, urllib.error.HTTPError) as e:
        sys.exit("cosign_verify: registry: %s" % e)
