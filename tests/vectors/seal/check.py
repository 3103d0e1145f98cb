#!/usr/bin/python3
"""An independent reader of c2d sealed files, written from
docs/sealed-format.md with Python's `cryptography` package (OpenSSL).
It shares no code with c2d: if both agree, the specification says what
the C code does.

usage: check.py KMS_KEY_HEX_FILE SEALED > rows.csv
Prints the table as canonical CSV; exits 1 if anything fails to verify.
"""
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TYPES = {1: "int64", 2: "float64", 3: "bool", 4: "category", 5: "date"}


def lp(b):
    return struct.pack("<I", len(b)) + b


def die(msg):
    sys.stderr.write("check.py: %s\n" % msg)
    sys.exit(1)


def parse_schema(h, off):
    (ncols,) = struct.unpack_from("<H", h, off)
    off += 2
    cols = []
    for _ in range(ncols):
        typ, flags, nl = h[off], h[off + 1], h[off + 2]
        off += 3
        name = h[off:off + nl].decode()
        off += nl
        col = {"name": name, "type": TYPES[typ], "nullable": bool(flags & 1)}
        for flag in (2, 4):
            if flags & flag:
                off += 8  # bounds: not needed to read the rows
        if typ == 4:
            (n,) = struct.unpack_from("<H", h, off)
            off += 2
            labels = []
            for _ in range(n):
                ll = h[off]
                labels.append(h[off + 1:off + 1 + ll].decode())
                off += 1 + ll
            col["labels"] = labels
        cols.append(col)
    return cols, off


def pad8(n):
    return (n + 7) & ~7


def fmt_float(v):
    for prec in range(1, 18):
        s = "%.*g" % (prec, v)
        if float(s) == v:
            return s
    return repr(v)


def fmt_date(days):
    import datetime
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()


def quote(s):
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def main():
    kms_sk = int(open(sys.argv[1]).read().strip(), 16)
    data = open(sys.argv[2], "rb").read()
    if data[:8] != b"C2DSEAL\0":
        die("bad magic")
    version, reserved, header_len = struct.unpack_from("<HHI", data, 8)
    total_len, row_count, chunk_size = struct.unpack_from("<QQI", data, 16)
    assert version == 1 and reserved == 0
    if total_len != len(data):
        die("total length %d, file %d" % (total_len, len(data)))
    h = data[:header_len]
    nonce_prefix = h[36:43]
    kms_pub, app_id, compose_hash = h[43:76], h[76:96], h[96:128]
    owner, dataset_id, eph_pub, wrapped = h[128:148], h[148:180], h[180:213], h[213:261]
    cols, end = parse_schema(h, 261)
    assert all(b == 0 for b in h[end:])

    # Key wrap: ECDH x-coordinate -> HKDF-SHA256 -> AES-256-GCM, zero nonce.
    priv = ec.derive_private_key(kms_sk, ec.SECP256K1())
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), eph_pub)
    shared = priv.exchange(ec.ECDH(), peer)
    info = b"".join(lp(x) for x in (b"c2d-seal-v1", kms_pub, app_id, compose_hash,
                                    owner, dataset_id, eph_pub))
    wrap_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"c2d-seal-v1/wrap",
                    info=info).derive(shared)
    dataset_key = AESGCM(wrap_key).decrypt(b"\0" * 12, wrapped, b"c2d-seal-v1/dataset-key")

    # Chunks: nonce = prefix || be32(i) || last; aad = SHA-256(header, counts zeroed).
    digest = hashes.Hash(hashes.SHA256())
    digest.update(h[:16] + b"\0" * 16 + h[32:])
    aad = digest.finalize()
    body = data[header_len:]
    full = chunk_size + 16
    n = (len(body) + full - 1) // full
    gcm = AESGCM(dataset_key)
    plain = bytearray()
    for i in range(n):
        c = body[i * full:(i + 1) * full]
        nonce = nonce_prefix + struct.pack(">I", i) + bytes([1 if i == n - 1 else 0])
        plain += gcm.decrypt(nonce, c, aad)

    # Row groups, then the end record.
    out = [",".join(c["name"] for c in cols)]
    off, rows = 0, 0
    while True:
        nrows, blen = struct.unpack_from("<II", plain, off)
        off += 8
        if nrows == 0:
            (end_rows,) = struct.unpack_from("<Q", plain, off)
            off += 8
            break
        g = plain[off:off + blen]
        off += blen
        p = 0
        columns = []
        for c in cols:
            valid = None
            if c["nullable"]:
                valid = g[p:p + (nrows + 7) // 8]
                p += pad8((nrows + 7) // 8)
            t = c["type"]
            if t == "bool":
                vals = g[p:p + (nrows + 7) // 8]
                p += pad8((nrows + 7) // 8)
            else:
                w = {"int64": 8, "float64": 8, "date": 4, "category": 2}[t]
                vals = g[p:p + w * nrows]
                p += pad8(w * nrows)
            columns.append((c, valid, vals))
        assert p == blen
        for r in range(nrows):
            fields = []
            for c, valid, vals in columns:
                if valid is not None and not (valid[r >> 3] >> (r & 7)) & 1:
                    fields.append("")
                    continue
                t = c["type"]
                if t == "int64":
                    fields.append(str(struct.unpack_from("<q", vals, 8 * r)[0]))
                elif t == "float64":
                    fields.append(fmt_float(struct.unpack_from("<d", vals, 8 * r)[0]))
                elif t == "date":
                    fields.append(fmt_date(struct.unpack_from("<i", vals, 4 * r)[0]))
                elif t == "bool":
                    fields.append("true" if (vals[r >> 3] >> (r & 7)) & 1 else "false")
                else:
                    fields.append(quote(c["labels"][struct.unpack_from("<H", vals, 2 * r)[0]]))
            out.append(",".join(fields))
        rows += nrows
    if off != len(plain) or end_rows != rows or row_count != rows:
        die("row counts or trailing data do not match")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
