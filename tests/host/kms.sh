#!/bin/sh
# c2d kms pubkey and c2d kms log verify (docs/cli.md, "c2d kms"): the key
# file's one accepted mode, the public key recipes carry, and a release log
# written by an independent implementation of docs/kms-protocol.md
# ("Release log", Python's hashlib and json) verified, then changed.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
v=$top/tests/vectors/seal
cp "$v/kms.key" "$T/kms.key"
secret=$(head -c 64 "$v/kms.key")

chmod 600 "$T/kms.key"
expect_rc 0 "$c2d" kms pubkey --key "$T/kms.key"
expect_out "^public_key $(jq -r .kms_public_key "$v/recipe.json")\$"
expect_out '^address    0x[0-9a-f]{40}$'
! grep -q "$secret" "$T/out" || fail "the secret key was printed"
ok "pubkey prints the recipe's KMS key and an address, not the secret"

for m in 644 640 400 700; do
	chmod "$m" "$T/kms.key"
	expect_rc 3 "$c2d" kms pubkey --key "$T/kms.key"
	expect_out "^c2d kms: $T/kms.key: the KMS key file must have mode 0600, not 0$m\$"
	! grep -q "$secret" "$T/out" || fail "the secret key was printed"
done
chmod 600 "$T/kms.key"
ln -s "$T/kms.key" "$T/link.key"
expect_rc 4 "$c2d" kms pubkey --key "$T/link.key"
expect_rc 2 "$c2d" kms pubkey "$T/kms.key"
ok "any mode but 0600 is refused, and a symbolic link"

# Three lines: two refusals, then a release anchored to the head after the
# first line.
python3 - "$T/release.log" <<'PY'
import hashlib, json, sys
head, heads, lines = bytes(32), [], []
def line(d):
    global head
    d.update(v=1, seq=len(lines), prev=head.hex(), time=1767312000 + len(lines))
    t = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    heads.append(head)
    head = hashlib.sha256(b"c2d-kms-log-v1" + head + t.encode()).digest()
    lines.append(t)
line({"outcome": "refusal", "check": "request", "reason": "request: challenge: missing"})
line({"outcome": "refusal", "check": "quorum", "reason": "1 of the 2 approvals", "block": 1000})
line({"outcome": "release", "block": 1001, "compose_hash": "ec" * 32, "app_id": "c2" * 20,
      "datasets": [{"owner": "a1" * 20, "dataset_id": "d5" * 32}], "run_id": "11" * 32,
      "run_signer": "55" * 20, "spend_tx": "7a" * 32, "anchor": heads[1].hex()})
open(sys.argv[1], "w").write("".join(l + "\n" for l in lines))
open(sys.argv[1] + ".head", "w").write(head.hex())
PY
expect_rc 0 "$c2d" kms log verify "$T/release.log"
expect_out '^lines 3$'
expect_out "^head  $(cat "$T/release.log.head")\$"
ok "a log written from the specification verifies, to the same head"

sed '2s/approvals/approval/' "$T/release.log" >"$T/changed.log"
expect_rc 3 "$c2d" kms log verify "$T/changed.log"
expect_out "^c2d kms: $T/changed.log:3: \"prev\" is not the head of the lines before it: the log was changed\$"
sed '2d' "$T/release.log" >"$T/dropped.log"
expect_rc 3 "$c2d" kms log verify "$T/dropped.log"
expect_out "^c2d kms: $T/dropped.log:2: \"seq\" out of order\$"
sed '3s/"anchor":"[0-9a-f]*"/"anchor":"'"$(printf '%064d' 0 | tr 0 f)"'"/' "$T/release.log" >"$T/anchor.log"
expect_rc 3 "$c2d" kms log verify "$T/anchor.log"
expect_out "^c2d kms: $T/anchor.log:3: the release.s anchor is no earlier head of the log$"
sed '1s/{"check"/{ "check"/' "$T/release.log" >"$T/spaced.log"
expect_rc 3 "$c2d" kms log verify "$T/spaced.log"
expect_out "^c2d kms: $T/spaced.log:1: not in canonical form"
head -c -1 "$T/release.log" >"$T/torn.log"
expect_rc 3 "$c2d" kms log verify "$T/torn.log"
expect_out "torn write"
expect_rc 4 "$c2d" kms log verify "$T/missing.log"
ok "a changed, dropped, re-anchored, re-spaced or torn line is refused, by line"
