#!/usr/bin/python3
"""Writes the X.509 fixtures of test_x509 into this directory.

Intel's real CRLs revoke no certificate we hold, so these make one that
does: a self-signed P-256 CA ("c2d test CA"), a leaf it issues (serial
0x00c2d0...: a leading sign octet in its DER), and a v2 CRL by the CA
revoking that leaf. Also a CA whose critical keyUsage lacks keyCertSign,
with a leaf of its own: c2d's own parse does not read keyUsage, so only
BearSSL's engine can refuse that chain. ECDSA signatures are randomised,
so each run writes different bytes; the tests depend on none of them.

Run from the repository root: /usr/bin/python3 tests/vectors/x509/make.py
"""
import datetime as dt
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
UTC = dt.timezone.utc
NOT_BEFORE = dt.datetime(2024, 1, 1, tzinfo=UTC)
NOT_AFTER = dt.datetime(2034, 1, 1, tzinfo=UTC)
LEAF_SERIAL = 0xC2D0C2D0C2D0C2D0C2D0C2D0C2D0C2D0C2D0C2


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "c2d tests")])


def cert(subject, issuer, key, signer, serial, ca, key_usage):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(key_usage, critical=True))
    return b.sign(signer, hashes.SHA256())


def usage(sign, cert_sign):
    return x509.KeyUsage(digital_signature=sign, content_commitment=False,
                         key_encipherment=False, data_encipherment=False,
                         key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         encipher_only=False, decipher_only=False)


def write(fname, data):
    with open(os.path.join(HERE, fname), "wb") as f:
        f.write(data)


def der(c):
    return c.public_bytes(serialization.Encoding.DER)


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def main():
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ca = cert(name("c2d test CA"), name("c2d test CA"), ca_key, ca_key, 1, True,
              usage(False, True))
    leaf = cert(name("c2d test leaf"), ca.subject, leaf_key, ca_key, LEAF_SERIAL, False,
                usage(True, False))
    crl = (x509.CertificateRevocationListBuilder().issuer_name(ca.subject)
           .last_update(dt.datetime(2025, 1, 1, tzinfo=UTC))
           .next_update(dt.datetime(2025, 2, 1, tzinfo=UTC))
           .add_revoked_certificate(x509.RevokedCertificateBuilder()
                                    .serial_number(12345)
                                    .revocation_date(dt.datetime(2024, 6, 1, tzinfo=UTC))
                                    .build())
           .add_revoked_certificate(x509.RevokedCertificateBuilder()
                                    .serial_number(LEAF_SERIAL)
                                    .revocation_date(dt.datetime(2024, 12, 1, tzinfo=UTC))
                                    .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise),
                                                   critical=False)
                                    .build())
           .add_extension(x509.CRLNumber(7), critical=False)
           .sign(ca_key, hashes.SHA256()))
    write("ca.der", der(ca))
    write("leaf.der", der(leaf))
    write("chain.pem", pem(leaf, ca))
    write("crl.der", crl.public_bytes(serialization.Encoding.DER))

    bad_key = ec.generate_private_key(ec.SECP256R1())
    bad_ca = cert(name("c2d test CA without keyCertSign"), ca.subject, bad_key, ca_key, 2,
                  True, usage(True, False))
    bad_leaf = cert(name("c2d test leaf 2"), bad_ca.subject, leaf_key, bad_key, 3, False,
                    usage(True, False))
    write("badku_chain.pem", pem(bad_leaf, bad_ca))


if __name__ == "__main__":
    main()
