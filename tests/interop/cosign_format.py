"""Cosign's on-registry signature format and its encrypted key file, for the interop scripts.

Formats (not code) from the sigstore/cosign documentation and the containers/image
"sigstore signatures" description:
* a signature of image manifest M (digest sha256:H) lives in the same repository under the tag
  `sha256-H.sig`: an OCI image whose layers are "simple signing" payloads
  (application/vnd.dev.cosign.simplesigning.v1+json), each carrying its base64 signature in the
  annotation dev.cosignproject.cosign/signature;
* the payload is JSON {"critical": {"identity": {"docker-reference": R}, "image":
  {"docker-manifest-digest": "sha256:H"}, "type": "cosign container image signature"},
  "optional": ...}, signed with ECDSA P-256 / SHA-256 (ASN.1 DER signature);
* `cosign generate-key-pair` writes the private key as PEM "ENCRYPTED COSIGN PRIVATE KEY" whose
  body is JSON {"kdf": scrypt(N, r, p, salt), "cipher": nacl/secretbox(nonce), "ciphertext"}
  over the PKCS#8 DER key; the public key is a PEM SubjectPublicKeyInfo.
"""
import base64
import hashlib
import json
import os

import nacl.exceptions
import nacl.secret
from cryptography.hazmat.primitives import serialization

PAYLOAD_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
SIGNATURE_KIND = "cosign container image signature"
KEY_LABEL = "ENCRYPTED COSIGN PRIVATE KEY"
SCRYPT = {"N": 32768, "r": 8, "p": 1}


def signature_tag(manifest_digest):
    algo, hexpart = manifest_digest.split(":", 1)
    return "%s-%s.sig" % (algo, hexpart)


def payload(identity, manifest_digest):
    doc = {"critical": {"identity": {"docker-reference": identity},
                        "image": {"docker-manifest-digest": manifest_digest},
                        "type": SIGNATURE_KIND},
           "optional": None}
    return json.dumps(doc, separators=(",", ":")).encode()


def _box_key(passphrase, salt, params):
    return hashlib.scrypt(passphrase, salt=salt, n=params["N"], r=params["r"], p=params["p"],
                          maxmem=128 * 1024 * 1024, dklen=nacl.secret.SecretBox.KEY_SIZE)


def encrypt_private_key(key, passphrase):
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    salt = os.urandom(32)
    nonce = os.urandom(nacl.secret.SecretBox.NONCE_SIZE)
    sealed = nacl.secret.SecretBox(_box_key(passphrase, salt, SCRYPT)).encrypt(der, nonce)
    envelope = {"kdf": {"name": "scrypt", "params": SCRYPT,
                        "salt": base64.b64encode(salt).decode()},
                "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
                "ciphertext": base64.b64encode(sealed.ciphertext).decode()}
    body = base64.encodebytes(json.dumps(envelope).encode()).decode()
    return "-----BEGIN %s-----\n%s-----END %s-----\n" % (KEY_LABEL, body, KEY_LABEL)


def decrypt_private_key(pem_text, passphrase):
    begin, end = "-----BEGIN %s-----" % KEY_LABEL, "-----END %s-----" % KEY_LABEL
    if begin not in pem_text or end not in pem_text:
        raise ValueError("not an %s file" % KEY_LABEL)
    body = pem_text.split(begin, 1)[1].split(end, 1)[0]
    envelope = json.loads(base64.b64decode("".join(body.split())))
    if envelope["kdf"]["name"] != "scrypt" or envelope["cipher"]["name"] != "nacl/secretbox":
        raise ValueError("unsupported key encryption %s + %s" %
                         (envelope["kdf"]["name"], envelope["cipher"]["name"]))
    box = nacl.secret.SecretBox(_box_key(passphrase, base64.b64decode(envelope["kdf"]["salt"]),
                                         envelope["kdf"]["params"]))
    try:
        der = box.decrypt(base64.b64decode(envelope["ciphertext"]),
                          base64.b64decode(envelope["cipher"]["nonce"]))
    except nacl.exceptions.CryptoError:
        raise ValueError("wrong passphrase, or the key file is damaged") from None
    return serialization.load_der_private_key(der, password=None)


def repository_of(reference):
    """host/path of a docker reference without its tag or digest."""
    name = reference.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name
