#!/usr/bin/python3
"""Writes a cosign key pair, as `cosign generate-key-pair` does: <prefix>.private (ECDSA P-256,
encrypted with the passphrase; see cosign_format.py) and <prefix>.pub (PEM public key).

usage: cosign_keygen.py <prefix> <passphrase>"""
import os
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import cosign_format


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    prefix, passphrase = argv[1], argv[2].encode()
    key = ec.generate_private_key(ec.SECP256R1())
    fd = os.open(prefix + ".private", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(cosign_format.encrypt_private_key(key, passphrase))
    with open(prefix + ".pub", "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    print("wrote %s.private and %s.pub" % (prefix, prefix))


if __name__ == "__main__":
    main(sys.argv)
