#!/usr/bin/env python3
"""Generates the synthetic AMD-shaped chain the SNP tests use where no real vector exists
(Turin TCB encoding, v5 reports, CRLs): ARK-Turin → SEV-Turin (ASK) → SEV-VCEK, RSA-PSS SHA-384
like AMD's, a P-384 VCEK whose private key is kept so tests can sign reports, and two CRLs from
the ARK (one revoking the ASK, one empty). Not AMD's keys: only for tests. Run once; outputs are
committed."""
import datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

NB = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
NA = datetime.datetime(2049, 1, 1, tzinfo=datetime.timezone.utc)
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)
HWID = bytes(range(0x40, 0x80))  # chip_id the tests put in their reports


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Engineering"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Synthetic Test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def der_int(v):
    b = v.to_bytes(1, "big") if v < 0x80 else b"\x00" + v.to_bytes(1, "big")
    return b"\x02" + bytes([len(b)]) + b


def ext(oid, value):
    return x509.UnrecognizedExtension(x509.ObjectIdentifier(oid), value)


def cert(subject, issuer, pub, signer, serial, exts=(), ca=False):
    b = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer))
         .public_key(pub).serial_number(serial).not_valid_before(NB).not_valid_after(NA))
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    for e in exts:
        b = b.add_extension(e, critical=False)
    return b.sign(signer, hashes.SHA384(), rsa_padding=PSS)


ark_key = rsa.generate_private_key(65537, 2048)
ask_key = rsa.generate_private_key(65537, 2048)
vcek_key = ec.generate_private_key(ec.SECP384R1())
ark = cert("ARK-Turin", "ARK-Turin", ark_key.public_key(), ark_key, 1, ca=True)
ask = cert("SEV-Turin", "ARK-Turin", ask_key.public_key(), ark_key, 2, ca=True)
spl = {"1.3.6.1.4.1.3704.1.3.1": 2, "1.3.6.1.4.1.3704.1.3.2": 1, "1.3.6.1.4.1.3704.1.3.3": 24,
       "1.3.6.1.4.1.3704.1.3.8": 200, "1.3.6.1.4.1.3704.1.3.9": 5}
exts = [ext("1.3.6.1.4.1.3704.1.2", b"\x16\x05Turin")]
exts += [ext(o, der_int(v)) for o, v in spl.items()]
exts.append(ext("1.3.6.1.4.1.3704.1.4", b"\x04\x40" + HWID))
vcek = cert("SEV-VCEK", "SEV-Turin", vcek_key.public_key(), ask_key, 3, exts)

pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
open("turin_chain.pem", "wb").write(pem(ask) + pem(ark))
open("turin_vcek.der", "wb").write(vcek.public_bytes(serialization.Encoding.DER))
open("turin_vcek_key.pem", "wb").write(vcek_key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def crl(revoked):
    b = (x509.CertificateRevocationListBuilder().issuer_name(name("ARK-Turin"))
         .last_update(NB).next_update(NA))
    for serial in revoked:
        b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(serial)
                                      .revocation_date(NB).build())
    return b.sign(ark_key, hashes.SHA384(), rsa_padding=PSS)


open("turin_crl_revokes_ask.pem", "wb").write(crl([2]).public_bytes(serialization.Encoding.PEM))
open("turin_crl_empty.pem", "wb").write(crl([]).public_bytes(serialization.Encoding.PEM))
