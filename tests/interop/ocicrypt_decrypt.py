#!/usr/bin/python3
"""Decrypts and checks every encrypted layer of an image in an OCI layout with a JWE private key,
independently of cocoon's C++ (Python `cryptography`, written from the specifications):

* layer keys: the annotation org.opencontainers.image.enc.keys.jwe holds comma-separated base64
  JWE JSON serialisations (RFC 7516 section 7.2, general or flattened), one per recipient key;
  key management RSA-OAEP / RSA-OAEP-256 or ECDH-ES+A128KW/A192KW/A256KW (RFC 7518 4.3, 4.6 with
  the Concat KDF), content encryption A128GCM/A192GCM/A256GCM. The plaintext is ocicrypt's private
  options JSON {"symkey", "digest", "cipheroptions": {"nonce"}};
* layer bytes: AES_256_CTR_HMAC_SHA256 (ocicrypt): AES-256-CTR with the nonce as the initial
  counter block, and HMAC-SHA256(symkey, ciphertext) equal to "hmac" in the public options
  (annotation org.opencontainers.image.enc.pubopts, base64 JSON).

For each layer it prints the recipient's algorithms and one "ok" line per check: the HMAC, the
plaintext digest against the private options, and the uncompressed digest against the config's
diff_id. Any failed check prints FAILED and exits 1.

usage: ocicrypt_decrypt.py <oci-layout-dir> <tag> <private-key.pem>"""
import base64
import gzip
import hashlib
import hmac
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

JWE_ANNOTATION = "org.opencontainers.image.enc.keys.jwe"
PUBOPTS_ANNOTATION = "org.opencontainers.image.enc.pubopts"
CURVES = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}


class CheckFailed(Exception):
    pass


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def length_prefixed(data):
    return len(data).to_bytes(4, "big") + data


def ecdh_es_kek(key, header):
    """RFC 7518 4.6: the key-wrapping key from ECDH with the sender's ephemeral key."""
    alg, epk = header["alg"], header["epk"]
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CheckFailed("%s needs an EC key" % alg)
    x, y = int.from_bytes(unb64url(epk["x"]), "big"), int.from_bytes(unb64url(epk["y"]), "big")
    peer = ec.EllipticCurvePublicNumbers(x, y, CURVES[epk["crv"]]).public_key()
    bits = int(alg[len("ECDH-ES+A"):-len("KW")])
    other_info = (length_prefixed(alg.encode()) + length_prefixed(unb64url(header.get("apu", ""))) +
                  length_prefixed(unb64url(header.get("apv", ""))) + bits.to_bytes(4, "big"))
    kdf = ConcatKDFHash(algorithm=hashes.SHA256(), length=bits // 8, otherinfo=other_info)
    return kdf.derive(key.exchange(ec.ECDH(), peer))


def content_key(key, header, encrypted_key):
    alg = header["alg"]
    if alg in ("RSA-OAEP", "RSA-OAEP-256"):
        if not isinstance(key, rsa.RSAPrivateKey):
            raise CheckFailed("%s needs an RSA key" % alg)
        digest = hashes.SHA1() if alg == "RSA-OAEP" else hashes.SHA256()
        return key.decrypt(encrypted_key, padding.OAEP(padding.MGF1(digest), digest, None))
    if alg.startswith("ECDH-ES+A") and alg.endswith("KW"):
        return aes_key_unwrap(ecdh_es_kek(key, header), encrypted_key)
    raise CheckFailed("unsupported JWE alg %s" % alg)


def recipients(jwe):
    if "recipients" in jwe:
        return jwe["recipients"]
    return [{"header": jwe.get("header", {}), "encrypted_key": jwe.get("encrypted_key", "")}]


def open_jwe(jwe, key):
    """(plaintext, header) of the first recipient the key can open."""
    protected = json.loads(unb64url(jwe["protected"]))
    errors = []
    for recipient in recipients(jwe):
        header = {**protected, **jwe.get("unprotected", {}), **recipient.get("header", {})}
        try:
            cek = content_key(key, header, unb64url(recipient["encrypted_key"]))
        except Exception as e:  # another recipient's key: try the next one
            errors.append("%s: %s" % (header.get("alg"), e))
            continue
        if header["enc"] not in ("A128GCM", "A192GCM", "A256GCM"):
            raise CheckFailed("unsupported JWE enc %s" % header["enc"])
        aad = jwe["protected"].encode()
        if "aad" in jwe:
            aad += b"." + jwe["aad"].encode()
        sealed = unb64url(jwe["ciphertext"]) + unb64url(jwe["tag"])
        return AESGCM(cek).decrypt(unb64url(jwe["iv"]), sealed, aad), header
    raise CheckFailed("no JWE recipient opens with this key (%s)" % "; ".join(errors))


def private_options(annotations, key):
    errors = []
    for part in annotations[JWE_ANNOTATION].split(","):
        try:
            plaintext, header = open_jwe(json.loads(base64.b64decode(part)), key)
            return json.loads(plaintext), header
        except CheckFailed as e:
            errors.append(str(e))
    raise CheckFailed("; ".join(errors))


def check(ok, what, detail):
    if not ok:
        raise CheckFailed("%s: %s" % (what, detail))
    print("  %s: ok (%s)" % (what, detail))


def uncompressed(media_type, data):
    if media_type.endswith("+gzip+encrypted"):
        return gzip.decompress(data)
    if media_type.endswith(".tar+encrypted"):
        return data
    raise CheckFailed("cannot decompress %s" % media_type)


def check_layer(layout, layer, diff_id, key):
    annotations = layer.get("annotations", {})
    opts, header = private_options(annotations, key)
    print("  recipient: alg=%s enc=%s" % (header["alg"], header["enc"]))
    public = json.loads(base64.b64decode(annotations[PUBOPTS_ANNOTATION]))
    if public["cipher"] != "AES_256_CTR_HMAC_SHA256":
        raise CheckFailed("unsupported layer cipher %s" % public["cipher"])
    blob = read_blob(layout, layer["digest"])
    symkey = base64.b64decode(opts["symkey"])
    mac = hmac.new(symkey, blob, hashlib.sha256).digest()
    check(hmac.compare_digest(mac, base64.b64decode(public["hmac"])), "hmac",
          "HMAC-SHA256 of the ciphertext")
    nonce = base64.b64decode(opts["cipheroptions"]["nonce"])
    decryptor = Cipher(algorithms.AES(symkey), modes.CTR(nonce)).decryptor()
    plain = decryptor.update(blob) + decryptor.finalize()
    digest = "sha256:" + hashlib.sha256(plain).hexdigest()
    check(digest == opts["digest"], "plaintext digest", digest)
    raw = "sha256:" + hashlib.sha256(uncompressed(layer["mediaType"], plain)).hexdigest()
    check(raw == diff_id, "diff_id", raw)


def read_blob(layout, digest):
    algo, hexpart = digest.split(":", 1)
    with open(os.path.join(layout, "blobs", algo, hexpart), "rb") as f:
        data = f.read()
    if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
        raise CheckFailed("blob %s does not match its digest" % digest)
    return data


def manifest_for(layout, tag):
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    for entry in index["manifests"]:
        if entry.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return json.loads(read_blob(layout, entry["digest"]))
    raise CheckFailed("no image tagged %s in %s" % (tag, layout))


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    layout, tag, key_path = argv[1:4]
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    try:
        manifest = manifest_for(layout, tag)
        config = json.loads(read_blob(layout, manifest["config"]["digest"]))
        diff_ids = config["rootfs"]["diff_ids"]
        for i, layer in enumerate(manifest["layers"]):
            print("layer %d: %s %s" % (i, layer["mediaType"], layer["digest"]))
            if JWE_ANNOTATION not in layer.get("annotations", {}):
                raise CheckFailed("layer %d has no %s annotation" % (i, JWE_ANNOTATION))
            check_layer(layout, layer, diff_ids[i], key)
    except CheckFailed as e:
        print("FAILED: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
