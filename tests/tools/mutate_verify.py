#!/usr/bin/python3
"""One-byte changes to a verified quote and its collateral must each make
`c2d quote verify` fail, with a message naming what failed.

usage: mutate_verify.py C2D QUOTE COLLATERAL NOW WORKDIR

Changes, one at a time:
  - every byte of the signed region (header and TD report);
  - every 5th byte of the signature data: signatures, attestation key, QE
    report and its signature, QE authentication data, the PEM chain of
    certificates (each certificate, its base64 and its armour);
  - in the collateral JSON (dcap-qvl layout), spread characters of every
    field: the signed TCB info and QE identity text, their signatures, the
    hex DER of both CRLs, and the three PEM issuer chains.
Bytes after the signature data are padding: changing them must NOT matter.

Exit 0 when every expectation holds; the first failure is printed.
"""
import json
import os
import subprocess
import sys

c2d, quote_path, coll_path, now, work = sys.argv[1:6]
quote = open(quote_path, "rb").read()
coll = json.load(open(coll_path))


def verify(qbytes, cdict):
    q = os.path.join(work, "q.bin")
    c = os.path.join(work, "c.json")
    with open(q, "wb") as f:
        f.write(qbytes)
    with open(c, "w") as f:
        json.dump(cdict, f)
    p = subprocess.run([c2d, "quote", "verify", "--quote", q, "--collateral", c, "--now", now],
                       capture_output=True, text=True)
    return p.returncode, p.stderr.strip()


def fail(msg):
    print("FAIL mutate_verify: " + msg, file=sys.stderr)
    sys.exit(1)


rc, msg = verify(quote, coll)
if rc != 0:
    fail("the unchanged quote does not verify: " + msg)

sig_len = int.from_bytes(quote[632:636], "little")
used = 636 + sig_len
checked = 0


def flip(b, i):
    out = bytearray(b)
    out[i] ^= 0x01
    return bytes(out)


for i in list(range(0, 632)) + list(range(632, used, 5)):
    rc, msg = verify(flip(quote, i), coll)
    # 1: verification refused; 3: the change made the quote malformed.
    if rc not in (1, 3) or not msg:
        fail(f"quote byte {i} changed: exit {rc} ({msg})")
    checked += 1
for i in range(used, len(quote)):
    rc, msg = verify(flip(quote, i), coll)
    if rc != 0:
        fail(f"padding byte {i} changed: the quote no longer verifies ({msg})")

# What each field's failure must name.
names = {
    "tcb_info": ("TCB info", "tcb_info"),
    "tcb_info_signature": ("TCB info", "tcb_info_signature"),
    "qe_identity": ("QE identity", "qe_identity"),
    "qe_identity_signature": ("QE identity", "qe_identity_signature"),
    "pck_crl": ("PCK CRL", "pck_crl"),
    "root_ca_crl": ("root CA CRL", "root_ca_crl"),
    "pck_crl_issuer_chain": ("PCK CRL issuer chain", "pck_crl_issuer_chain"),
    "tcb_info_issuer_chain": ("TCB info issuer chain", "tcb_info_issuer_chain"),
    "qe_identity_issuer_chain": ("QE identity issuer chain", "qe_identity_issuer_chain"),
}
HEX = "0123456789abcdef"
for field, expect in names.items():
    value = coll[field]
    positions = sorted(set(range(0, len(value), max(1, len(value) // 12))) | {len(value) - 1})
    for i in positions:
        ch = value[i]
        if ch.lower() in HEX:
            new = HEX[(HEX.index(ch.lower()) + 1) % 16]
        elif ch.isalpha():
            new = ch.swapcase()
        elif ch == "\n":
            new = "A"
        else:
            new = "Z"
        changed = dict(coll)
        changed[field] = value[:i] + new + value[i + 1:]
        rc, msg = verify(quote, changed)
        if rc not in (1, 3):
            fail(f"{field}[{i}] {ch!r}->{new!r}: exit {rc} ({msg})")
        if not any(e in msg for e in expect):
            fail(f"{field}[{i}] {ch!r}->{new!r}: the message does not name {expect[0]}: {msg}")
        checked += 1
print(f"ok   mutate_verify: {checked} one-byte changes refused, padding ignored")
