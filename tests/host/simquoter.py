#!/usr/bin/python3
"""Independent checks of c2d sim-quoter, with Python's `cryptography`.

  simquoter.py pki QUOTE COLLATERAL ROOT_DER NOW_EPOCH REVOKED REAL_COLLATERAL
      every certificate verifies against its issuer and has Intel's profile,
      the CRLs parse and are signed, TCB info and QE identity signatures
      cover their exact JSON bytes, and quote, PCK certificate and
      collateral agree with each other.
  simquoter.py guest SOCKET LOG OUT MODE -- DAEMON_ARGV...
      plays the guest: listens on SOCKET (as QEMU would), starts the daemon,
      talks the quote-channel protocol, checks the answers. MODE: dialogue
      (EXTEND twice, a malformed request, QUOTE, then close) or badheader.
Exits non-zero with a message on the first failed check.
"""
import datetime
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import ExtensionOID, NameOID

SGX = "1.2.840.113741.1.13.1"


def utc(obj, name):
    """obj.name as an aware UTC datetime (cryptography >= 42 has name_utc)."""
    v = getattr(obj, name + "_utc", None)
    return v if v is not None else getattr(obj, name).replace(tzinfo=datetime.timezone.utc)


def fail(msg):
    sys.exit("simquoter.py: " + msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def verify_raw(pub, sig, data):
    r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    pub.verify(utils.encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))


def verify_cert(cert, issuer):
    check(cert.issuer == issuer.subject, f"{cert.subject}: issuer name is not {issuer.subject}")
    issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                               ec.ECDSA(hashes.SHA256()))
    aki = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
    ski = issuer.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
    check(aki.key_identifier == ski.digest, f"{cert.subject}: AKI is not the issuer's SKI")


def profile(cert, ca, pathlen):
    cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    check("simulated" in cn and "NOT Intel" in cn, f"CN {cn!r} does not say simulated")
    check(cert.version == x509.Version.v3, f"{cn}: not X.509 v3")
    check(isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
          and cert.public_key().curve.name == "secp256r1", f"{cn}: not a P-256 key")
    check(cert.signature_algorithm_oid.dotted_string == "1.2.840.10045.4.3.2", f"{cn}: not ECDSA-SHA256")
    nb, na = utc(cert, "not_valid_before"), utc(cert, "not_valid_after")
    check(nb == datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
          and na == datetime.datetime(2049, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc),
          f"{cn}: validity {nb}..{na}")
    bc = cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS)
    check(bc.critical and bc.value.ca == ca and bc.value.path_length == pathlen,
          f"{cn}: basicConstraints {bc}")
    ku = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE)
    check(ku.critical, f"{cn}: keyUsage not critical")
    if ca:
        check(ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature,
              f"{cn}: CA key usage")
    else:
        check(ku.value.digital_signature and ku.value.content_commitment and not ku.value.key_cert_sign,
              f"{cn}: leaf key usage")
    cert.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS)
    return cn


def der_items(buf):
    """Top-level TLVs of a DER buffer: (tag, content) pairs."""
    out, i = [], 0
    while i < len(buf):
        tag, n = buf[i], buf[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7f
            n = int.from_bytes(buf[i:i + k], "big")
            i += k
        out.append((tag, buf[i:i + n]))
        i += n
    return out


def decode_oid(c):
    arcs, v = [], 0
    for b in c:
        v = (v << 7) | (b & 0x7f)
        if not b & 0x80:
            arcs.append(v)
            v = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in [first, arcs[0] - 40 * first] + arcs[1:])


def sgx_extension(cert):
    """The PCK certificate's SGX extension: {sub-oid: value content}, and
    the TCB item's {component: value content}."""
    ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(SGX))
    check(not ext.critical, "SGX extension is critical (Intel's is not)")
    (tag, seq), = der_items(ext.value.value)
    check(tag == 0x30, "SGX extension is not a SEQUENCE")

    def pairs(content, prefix):
        out = {}
        for _, item in der_items(content):
            (_, oid), (_, val) = der_items(item)
            out[decode_oid(oid)[len(prefix) + 1:]] = val
        return out
    items = pairs(seq, SGX)
    return items, pairs(items["2"], SGX + ".2")


def split_pem(text):
    certs, cur = [], []
    for line in text.splitlines(keepends=True):
        cur.append(line)
        if line.startswith("-----END"):
            certs.append(x509.load_pem_x509_certificate("".join(cur).encode()))
            cur = []
    return certs


def cmd_pki(quote_path, coll_path, root_path, now, revoked, real_path):
    q = open(quote_path, "rb").read()
    coll = json.load(open(coll_path))
    real = json.load(open(real_path))
    check(sorted(coll) == sorted(real), f"collateral keys {sorted(coll)} differ from the real layout")
    for k, v in coll.items():
        check(isinstance(v, str), f"collateral {k} is not a string, as in the real layout")

    # The quote: header, signature, QE report, binding, PCK chain.
    ver, kt, tee = struct.unpack_from("<HHI", q, 0)
    check((ver, kt, tee) == (4, 2, 0x81), "header")
    check(q[12:28].hex() == "939a7233f79c4ca9940a0db3957f0607", "QE vendor id")
    (sig_len,) = struct.unpack_from("<I", q, 632)
    check(636 + sig_len == len(q), "signature data length")
    sig, ak = q[636:700], q[700:764]
    akpub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + ak)
    verify_raw(akpub, sig, q[:632])
    ctype, clen = struct.unpack_from("<HI", q, 764)
    check(ctype == 6 and clen == len(q) - 770, "certification data type 6")
    rep, rep_sig = q[770:1154], q[1154:1218]
    (alen,) = struct.unpack_from("<H", q, 1218)
    auth = q[1220:1220 + alen]
    check(rep[320:352] == hashlib.sha256(ak + auth).digest() and rep[352:384] == bytes(32),
          "QE report does not bind the attestation key")
    itype, ilen = struct.unpack_from("<HI", q, 1220 + alen)
    pem = q[1226 + alen:]
    check(itype == 5 and ilen == len(pem) and pem.endswith(b"\0"), "PCK chain type 5, NUL-terminated")
    leaf, pca, root = split_pem(pem[:-1].decode())
    verify_raw(leaf.public_key(), rep_sig, rep)

    root_der = open(root_path, "rb").read()
    from cryptography.hazmat.primitives.serialization import Encoding
    check(root.public_bytes(Encoding.DER) == root_der, "quote's root is not `sim-quoter root`'s")
    verify_cert(root, root)
    verify_cert(pca, root)
    verify_cert(leaf, pca)
    check(profile(root, True, 1) == "c2d simulated TDX root CA (NOT Intel)", "root CN")
    check(profile(pca, True, 0) == "c2d simulated PCK Platform CA (NOT Intel)", "platform CA CN")
    check(profile(leaf, False, None) == "c2d simulated PCK Certificate (NOT Intel)", "PCK CN")

    sgx, tcb = sgx_extension(leaf)
    check(set(sgx) == {"1", "2", "3", "4", "5", "6", "7"}, f"SGX extension items {sorted(sgx)}")
    check(len(sgx["1"]) == 16, "PPID length")
    svns = [int.from_bytes(tcb[str(i)], "big") for i in range(1, 17)]
    pcesvn = int.from_bytes(tcb["17"], "big")
    cpusvn = tcb["18"]
    check(rep[:16] == cpusvn, "QE report CPUSVN is not the PCK certificate's")

    # Collateral: chains, signatures over exact bytes, CRLs.
    tcb_chain = split_pem(coll["tcb_info_issuer_chain"])
    check(len(tcb_chain) == 2 and tcb_chain[1] == root, "TCB info chain: signer, root")
    check(split_pem(coll["qe_identity_issuer_chain"]) == tcb_chain, "QE identity chain")
    signer = tcb_chain[0]
    verify_cert(signer, root)
    check("TCB Signing" in profile(signer, False, None), "TCB signing CN")
    crl_chain = split_pem(coll["pck_crl_issuer_chain"])
    check(crl_chain == [pca, root], "PCK CRL chain: platform CA, root")
    for key in ("tcb_info", "qe_identity"):
        verify_raw(signer.public_key(), bytes.fromhex(coll[key + "_signature"]), coll[key].encode())
        try:
            verify_raw(signer.public_key(), bytes.fromhex(coll[key + "_signature"]),
                       coll[key].encode() + b" ")
            fail(key + " signature covers more than its bytes")
        except Exception as e:  # noqa: BLE001 - InvalidSignature expected
            if "covers more" in str(e):
                raise
    when = datetime.datetime.fromtimestamp(int(now), datetime.timezone.utc)
    nxt = when + datetime.timedelta(days=30)
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    ti, qi = json.loads(coll["tcb_info"]), json.loads(coll["qe_identity"])
    check(list(ti) == list(json.loads(real["tcb_info"])), f"TCB info fields {list(ti)}")
    check(list(qi) == list(json.loads(real["qe_identity"])), f"QE identity fields {list(qi)}")
    for obj in (ti, qi):
        check(obj["issueDate"] == stamp(when) and obj["nextUpdate"] == stamp(nxt), "issue/next dates")
    check(ti["id"] == "TDX" and ti["version"] == 3, "TCB info id/version")
    check(ti["fmspc"] == sgx["4"].hex().upper() and ti["pceId"] == sgx["3"].hex().upper(),
          "TCB info fmspc/pceId differ from the PCK certificate")
    lvl = ti["tcbLevels"][0]
    check(lvl["tcbStatus"] == "UpToDate", "first TCB level is not UpToDate")
    check([c["svn"] for c in lvl["tcb"]["sgxtcbcomponents"]] == svns and lvl["tcb"]["pcesvn"] == pcesvn,
          "TCB level does not match the PCK certificate's TCB")
    tee_tcb_svn = q[48:64]
    check([c["svn"] for c in lvl["tcb"]["tdxtcbcomponents"]] == list(tee_tcb_svn),
          "TCB level does not match the quote's TEE_TCB_SVN")
    mod = ti["tdxModuleIdentities"][0]
    check(mod["id"] == "TDX_%02X" % tee_tcb_svn[1]
          and mod["tcbLevels"][0]["tcb"]["isvsvn"] == tee_tcb_svn[0], "TDX module identity")
    check(ti["tdxModule"]["mrsigner"] == q[48 + 64:48 + 112].hex().upper(), "mrsignerseam")
    check(q[48 + 120] & 1 == 0, "TD is in debug mode")
    check(qi["id"] == "TD_QE" and qi["version"] == 2, "QE identity id/version")
    check(qi["mrsigner"] == rep[128:160].hex().upper(), "QE mrsigner")
    check(qi["isvprodid"] == struct.unpack_from("<H", rep, 256)[0], "QE isvprodid")
    check(qi["tcbLevels"][0]["tcb"]["isvsvn"] == struct.unpack_from("<H", rep, 258)[0], "QE isvsvn")
    amask = bytes.fromhex(qi["attributesMask"])
    check(bytes(a & m for a, m in zip(rep[48:64], amask)) == bytes.fromhex(qi["attributes"]),
          "QE attributes under the mask")
    check(struct.unpack_from("<I", rep, 16)[0] & int(qi["miscselectMask"], 16) == int(qi["miscselect"], 16),
          "QE miscselect")

    for key, issuer in (("root_ca_crl", root), ("pck_crl", pca)):
        crl = x509.load_der_x509_crl(bytes.fromhex(coll[key]))
        check(crl.issuer == issuer.subject and crl.is_signature_valid(issuer.public_key()),
              f"{key}: not signed by {issuer.subject}")
        check(utc(crl, "last_update") == when and utc(crl, "next_update") == nxt, f"{key}: dates")
        crl.extensions.get_extension_for_oid(ExtensionOID.CRL_NUMBER)
    pck_crl = x509.load_der_x509_crl(bytes.fromhex(coll["pck_crl"]))
    hit = pck_crl.get_revoked_certificate_by_serial_number(leaf.serial_number)
    check((hit is not None) == (revoked == "1"), f"PCK revoked in CRL: {hit is not None}, wanted {revoked}")
    root_crl = x509.load_der_x509_crl(bytes.fromhex(coll["root_ca_crl"]))
    check(len(list(root_crl)) == 0, "root CRL revokes something")


# --- the guest side of the quote channel ---------------------------------------

def frame(t, payload):
    return b"c2dQ\x01" + bytes([t]) + struct.pack("<I", len(payload)) + payload


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        check(chunk, "daemon closed the channel mid-frame")
        buf += chunk
    return buf


def recv_frame(s):
    hdr = recv_exact(s, 10)
    check(hdr[:5] == b"c2dQ\x01", f"bad answer header {hdr.hex()}")
    (n,) = struct.unpack_from("<I", hdr, 6)
    return hdr[5], recv_exact(s, n)


def extend_req(digest, name, payload, index=3):
    return frame(1, bytes([index]) + digest + bytes([len(name)]) + name + payload)


def cmd_guest(sock_path, log_path, out_path, mode, daemon):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(1)
    srv.settimeout(30)
    proc = subprocess.Popen(daemon)
    try:
        conn, _ = srv.accept()
        conn.settimeout(30)
        if mode == "badheader":
            conn.sendall(b"XXXX" + bytes(6))
            t, msg = recv_frame(conn)
            check(t == 0xFF and b"bad magic" in msg, f"bad header answered {t:#x} {msg!r}")
            rc = proc.wait(timeout=30)
            check(rc == 3, f"daemon exited {rc} after a bad header, expected 3")
            return
        events = [(hashlib.sha384(b"compose-hash").digest(), b"compose-hash", b"\x01\x02"),
                  (hashlib.sha384(b"nonce").digest(), b"run-nonce", b"")]
        for d, name, payload in events:
            conn.sendall(extend_req(d, name, payload))
            t, body = recv_frame(conn)
            check(t == 0x81 and body == b"", f"EXTEND answered {t:#x}")
        # Malformed requests get ERROR and change nothing.
        conn.sendall(extend_req(bytes(48), b"x", b"", index=2))
        t, msg = recv_frame(conn)
        check(t == 0xFF and b"only RTMR3" in msg, f"RTMR2 extend answered {t:#x} {msg!r}")
        conn.sendall(frame(2, bytes(63)))
        t, msg = recv_frame(conn)
        check(t == 0xFF and b"report_data is 64" in msg, f"short QUOTE answered {t:#x} {msg!r}")
        conn.sendall(frame(0x81, b""))
        t, msg = recv_frame(conn)
        check(t == 0xFF and b"not a request" in msg, f"OK from the guest answered {t:#x}")
        rd = hashlib.sha512(b"challenge").digest()
        # Sent in small pieces: the daemon must reassemble.
        req = frame(2, rd)
        for i in range(0, len(req), 5):
            conn.sendall(req[i:i + 5])
        t, quote = recv_frame(conn)
        check(t == 0x82, f"QUOTE answered {t:#x}")
        open(out_path, "wb").write(quote)
        rtmr3 = bytes(48)
        for d, _, _ in events:
            rtmr3 = hashlib.sha384(rtmr3 + d).digest()
        body = quote[48:48 + 584]
        check(body[328 + 3 * 48:328 + 4 * 48] == rtmr3, "quote RTMR3 is not the SHA-384 chain of the extensions")
        check(body[520:584] == rd, "report_data not echoed")
        lines = [json.loads(x) for x in open(log_path)]
        check([(e["index"], e["name"], e["payload"], e["digest"]) for e in lines]
              == [(3, n.decode(), p.hex(), d.hex()) for d, n, p in events], f"event log {lines}")
        conn.close()
        rc = proc.wait(timeout=30)
        check(rc == 0, f"daemon exited {rc} after the guest closed, expected 0")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        srv.close()


def main():
    a = sys.argv[1:]
    if a and a[0] == "pki" and len(a) == 7:
        cmd_pki(*a[1:])
    elif a and a[0] == "guest" and len(a) > 6 and a[5] == "--":
        cmd_guest(a[1], a[2], a[3], a[4], a[6:])
    else:
        fail(__doc__)


main()
