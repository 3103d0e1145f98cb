#!/bin/sh
# The published test vector of the sealed format: c2d reproduces it byte
# for byte, and an independent implementation (Python's cryptography, that
# is OpenSSL) and c2d's reader both decrypt it to the original rows.
. "$(dirname "$0")/../lib.sh"
v=$top/tests/vectors/seal
cp "$v/kms.key" "$T/kms.key"
chmod 600 "$T/kms.key"
expect_rc 0 "$top/out/test/c2d-sealtool" vector --secrets "$(cat "$v/secrets.hex")" \
	--owner 0x000000000000000000000000000000000000a11c \
	--dataset-id "$(printf 'c2d test vector: dataset' | sha256sum | cut -c1-64)" \
	--in "$v/rows.csv" --schema "$v/schema.json" --recipe "$v/recipe.json" \
	--out "$T/again.sealed" --chunk-size 4096
cmp "$T/again.sealed" "$v/vector.sealed" || fail "sealing with the vector's secrets no longer gives vector.sealed"
ok "c2d reproduces the vector byte for byte"

/usr/bin/python3 "$v/check.py" "$T/kms.key" "$v/vector.sealed" >"$T/py.csv" || fail "check.py failed"
cmp -s "$T/py.csv" "$v/rows.csv" || fail "the independent reader disagrees"
ok "an independent implementation (Python cryptography/OpenSSL) decrypts it"

"$top/out/test/c2d-sealtool" unseal --kms-key "$T/kms.key" --in "$v/vector.sealed" --out "$T/c.csv"
cmp -s "$T/c.csv" "$v/rows.csv" || fail "c2d's reader disagrees"
ok "c2d's reader decrypts it"

# The independent reader rejects what c2d rejects: one flipped byte.
cp "$v/vector.sealed" "$T/bad.sealed"
printf 'Z' | dd of="$T/bad.sealed" bs=1 seek=5000 conv=notrunc status=none
expect_rc 1 /usr/bin/python3 "$v/check.py" "$T/kms.key" "$T/bad.sealed"
expect_out "InvalidTag"
ok "the independent reader refuses a changed byte too"
