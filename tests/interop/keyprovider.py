#!/usr/bin/python3
"""An ocicrypt key provider (the `cmd` protocol: one JSON request on stdin, one JSON reply on
stdout) that wraps layer keys the way Confidential Containers' attestation-agent provider does.

Formats, from the ocicrypt keyprovider protocol and the CoCo AnnotationPacket:
* request {"op": "keywrap", "keywrapparams": {"ec": {"Parameters": {"attestation-agent":
  [base64 "keyid=<kid>::algorithm=A256GCM"]}}, "optsdata": base64 layer options}}
  -> {"keywrapresults": {"annotation": base64 packet}};
* request {"op": "keyunwrap", "keyunwrapparams": {"annotation": base64 packet}}
  -> {"keyunwrapresults": {"optsdata": base64 layer options}};
* packet {"kid": "kbs:///<repo>/<type>/<tag>", "wrapped_data": base64(AES-256-GCM ciphertext
  with its 16-byte tag appended), "iv": base64 12 bytes, "wrap_type": "A256GCM"}.

The KEKs come from the JSON file named by $KP_KEYS: {"<repo>/<type>/<tag>": base64 32 bytes}.

usage: KP_KEYS=keys.json keyprovider.py < request.json"""
import base64
import json
import os
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PROVIDER = "attestation-agent"


def b64(data):
    return base64.b64encode(data).decode()


def resource_path(kid):
    """kbs:///default/key/1 and kbs://host/default/key/1 both name default/key/1."""
    if "://" in kid:
        kid = kid.split("://", 1)[1]
        kid = kid.split("/", 1)[1] if "/" in kid else ""
    return kid.strip("/")


def kek(keys, kid):
    path = resource_path(kid)
    if path not in keys:
        raise KeyError("no KEK for %s in $KP_KEYS" % path)
    value = base64.b64decode(keys[path])
    if len(value) != 32:
        raise ValueError("KEK for %s is %d bytes, not 32" % (path, len(value)))
    return value


def wrap_params(params):
    """keyid and algorithm from "keyid=...::algorithm=..." (the first provider parameter)."""
    text = base64.b64decode(params["ec"]["Parameters"][PROVIDER][0]).decode()
    fields = dict(item.split("=", 1) for item in text.split("::") if "=" in item)
    if fields.get("algorithm", "A256GCM") != "A256GCM":
        raise ValueError("unsupported algorithm %s" % fields["algorithm"])
    return fields["keyid"]


def keywrap(keys, params):
    kid = wrap_params(params)
    iv = os.urandom(12)
    wrapped = AESGCM(kek(keys, kid)).encrypt(iv, base64.b64decode(params["optsdata"]), None)
    packet = {"kid": kid, "wrapped_data": b64(wrapped), "iv": b64(iv), "wrap_type": "A256GCM"}
    return {"keywrapresults": {"annotation": b64(json.dumps(packet).encode())}}


def keyunwrap(keys, params):
    packet = json.loads(base64.b64decode(params["annotation"]))
    if packet.get("wrap_type") != "A256GCM":
        raise ValueError("unsupported wrap_type %s" % packet.get("wrap_type"))
    opts = AESGCM(kek(keys, packet["kid"])).decrypt(
        base64.b64decode(packet["iv"]), base64.b64decode(packet["wrapped_data"]), None)
    return {"keyunwrapresults": {"optsdata": b64(opts)}}


def main():
    if "KP_KEYS" not in os.environ:
        sys.exit(__doc__)
    with open(os.environ["KP_KEYS"]) as f:
        keys = json.load(f)
    request = json.loads(sys.stdin.buffer.read())
    if request.get("op") == "keywrap":
        reply = keywrap(keys, request["keywrapparams"])
    elif request.get("op") == "keyunwrap":
        reply = keyunwrap(keys, request["keyunwrapparams"])
    else:
        sys.exit("keyprovider: unknown op %r" % request.get("op"))
    sys.stdout.write(json.dumps(reply))


if __name__ == "__main__":
    try:
        main()
    except InvalidTag:
        sys.exit("keyprovider: the KEK does not open the packet (wrong key or tampered data)")
    except (KeyError, ValueError) as e:
        sys.exit("keyprovider: %s" % e)

