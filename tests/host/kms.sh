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

# Five lines: the KMS's start, two refusals, a release anchored to the head
# after the second line, and a refusal whose spend was sent (its answer
# lost), anchored to the head before it.
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
line({"outcome": "start", "kms": "5a" * 20, "app_id": "c2" * 20,
      "images": [{"compose_hash": "ec" * 32, "micro_eps": 1000000, "micro_rho": 500000}],
      "confirmations": "finalized", "allow_simulated": False, "policy_sha256": "90" * 32})
line({"outcome": "refusal", "check": "request", "reason": "request: challenge: missing"})
line({"outcome": "refusal", "check": "quorum", "reason": "1 of the 2 approvals", "block": 1000})
line({"outcome": "release", "block": 1001, "compose_hash": "ec" * 32, "app_id": "c2" * 20,
      "datasets": [{"owner": "a1" * 20, "dataset_id": "d5" * 32}], "run_id": "11" * 32,
      "run_signer": "55" * 20, "spend_tx": "7a" * 32, "anchor": heads[2].hex()})
line({"outcome": "refusal", "check": "spend", "reason": "rpc: no answer", "block": 1002,
      "compose_hash": "ec" * 32, "app_id": "c2" * 20,
      "datasets": [{"owner": "a1" * 20, "dataset_id": "d5" * 32}], "run_id": "12" * 32,
      "run_signer": "55" * 20, "spend_tx": "7b" * 32, "anchor": head.hex()})
open(sys.argv[1], "w").write("".join(l + "\n" for l in lines))
open(sys.argv[1] + ".head", "w").write(head.hex())
PY
expect_rc 0 "$c2d" kms log verify "$T/release.log"
expect_out '^lines 5$'
expect_out '^starts 1$'
expect_out "^head  $(cat "$T/release.log.head")\$"
ok "a log written from the specification (a start line, refusals, a release, a refusal naming its spend) verifies, to the same head"

sed '3s/approvals/approval/' "$T/release.log" >"$T/changed.log"
expect_rc 3 "$c2d" kms log verify "$T/changed.log"
expect_out "^c2d kms: $T/changed.log:4: \"prev\" is not the head of the lines before it: the log was changed\$"
sed '3d' "$T/release.log" >"$T/dropped.log"
expect_rc 3 "$c2d" kms log verify "$T/dropped.log"
expect_out "^c2d kms: $T/dropped.log:3: \"seq\" out of order\$"
sed '4s/"anchor":"[0-9a-f]*"/"anchor":"'"$(printf '%064d' 0 | tr 0 f)"'"/' "$T/release.log" >"$T/anchor.log"
expect_rc 3 "$c2d" kms log verify "$T/anchor.log"
expect_out "^c2d kms: $T/anchor.log:4: the release.s anchor is no earlier head of the log$"
sed '5s/"anchor":"[0-9a-f]*"/"anchor":"'"$(printf '%064d' 0 | tr 0 f)"'"/' "$T/release.log" >"$T/ranchor.log"
expect_rc 3 "$c2d" kms log verify "$T/ranchor.log"
expect_out "^c2d kms: $T/ranchor.log:5: the refusal.s anchor is no earlier head of the log$"
sed '2s/{"check"/{ "check"/' "$T/release.log" >"$T/spaced.log"
expect_rc 3 "$c2d" kms log verify "$T/spaced.log"
expect_out "^c2d kms: $T/spaced.log:2: not in canonical form"
head -c -1 "$T/release.log" >"$T/torn.log"
expect_rc 3 "$c2d" kms log verify "$T/torn.log"
expect_out "torn write"
expect_rc 4 "$c2d" kms log verify "$T/missing.log"
ok "a changed, dropped, re-anchored (a release's, a refusal's), re-spaced or torn line is refused, by line"

# c2d kms serve, without a chain: a stub RPC answers eth_chainId only, so
# every decision that reaches the chain would be refused. What is tested
# here is the daemon around the core: the key file, start, transport,
# bounds, stop, and that no output names the root key.
img=$T/img
mkdir -p "$img" "$T/col"
/usr/bin/python3 "$top/tests/tools/tdx_model.py" mkkernel "$img/bzImage" 100000
printf 'console=ttyS0' >"$img/cmdline"
# An initramfs (newc, as image/cpio.c writes it) holding the recipe.
mkcpio() {
	/usr/bin/python3 - "$@" <<'PY'
import sys
out, members = sys.argv[1], sys.argv[2:]
b = b""
def entry(name, data, mode):
    global b
    n = name.encode() + b"\0"
    f = [len(b) + 1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(n), 0]
    b += b"070701" + b"".join(b"%08x" % v for v in f) + n
    b += b"\0" * (-len(b) % 4) + data
    b += b"\0" * (-len(b) % 4)
for m in members:
    name, path = m.split("=")
    entry(name, open(path, "rb").read(), 0o100400)
entry("TRAILER!!!", b"", 0)
open(out, "wb").write(b)
PY
}
mkcpio "$img/initrd.cpio" "init=$img/cmdline" "etc/c2d/analysis.conf=$top/image/analyses/risk-model.conf"
"$c2d" measure "$img" >/dev/null
# The published form: measurements.json and the recipe beside it.
pub=$T/pub
mkdir -p "$pub"
cp "$img/measurements.json" "$pub/"
cp "$top/image/analyses/risk-model.conf" "$pub/analysis.conf"
echo '{"c2d_td_policy":1}' >"$T/policy.json"
/usr/bin/python3 "$top/tests/tools/rpc_stub.py" >"$T/rpc.port" &
rpc_pid=$!
kms_pid=
trap 'for p in $rpc_pid $kms_pid; do kill "$p" 2>/dev/null || :; done; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/rpc.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/rpc.port" ] || fail "the RPC stub did not start"
app=0x$(printf 'c2%.0s' $(seq 20))
# serve_exec becomes the daemon (so that $! of "serve_exec ... &" is its
# pid); serve runs it in a subshell.
serve_exec() {
	exec "$c2d" kms serve --key "$T/kms.key" --rpc "http://127.0.0.1:$(cat "$T/rpc.port")" --app "$app" \
		--policy "$T/policy.json" --collateral "$T/col" --image "$img" --log "$T/serve.log" "$@"
}
serve() { (serve_exec "$@"); }
nokey() { ! grep -q "$secret" "$@" || fail "the secret key was printed"; }

for m in 644 400; do
	chmod "$m" "$T/kms.key"
	expect_rc 3 serve --listen 127.0.0.1:0
	[ "$(wc -l <"$T/out")" = 1 ] || fail "more than one line for a refused key file"
	expect_out "^c2d kms: $T/kms.key: the KMS key file must have mode 0600, not 0$m\$"
	nokey "$T/out"
done
chmod 600 "$T/kms.key"
ok "serve refuses a key file of mode 0644 or 0400 with one line naming it"

expect_rc 4 "$c2d" kms serve --key "$T/kms.key" --rpc http://127.0.0.1:1 --app "$app" --policy "$T/policy.json" \
	--collateral "$T/col" --image "$img" --log "$T/serve.log" --listen 127.0.0.1:0
expect_out '^c2d kms: http://127\.0\.0\.1:1: eth_chainId: '
# One hex digit of the compose-hash changed: no longer the hash of its parts.
sed 's/"compose_hash": "0/"compose_hash": "X/; s/"compose_hash": "[1-9a-f]/"compose_hash": "0/; s/"compose_hash": "X/"compose_hash": "1/' \
	"$img/measurements.json" >"$T/m.json"
! cmp -s "$T/m.json" "$img/measurements.json" || fail "the compose-hash was not changed"
mkdir -p "$T/bad" && cp "$T/m.json" "$T/bad/measurements.json" && cp "$pub/analysis.conf" "$T/bad/"
expect_rc 3 serve --listen 127.0.0.1:0 --image "$T/bad"
expect_out "^c2d kms: $T/bad/measurements.json: compose_hash is not the hash of its kernel, cmdline and initrd\$"
cp "$img/measurements.json" "$T/bad/" && rm "$T/bad/analysis.conf"
cp "$img/initrd.cpio" "$T/bad/" && printf 'x' >>"$T/bad/initrd.cpio"
expect_rc 3 serve --listen 127.0.0.1:0 --image "$T/bad"
expect_out "^c2d kms: $T/bad/initrd.cpio: not the initrd that measurements.json measured\$"
rm "$T/bad/initrd.cpio"
expect_rc 4 serve --listen 127.0.0.1:0 --image "$T/bad"
expect_out "^c2d kms: $T/bad/analysis.conf: "
mkdir -p "$T/noconf"
cp "$img/bzImage" "$img/cmdline" "$T/noconf/"
mkcpio "$T/noconf/initrd.cpio" "init=$img/cmdline"
"$c2d" measure "$T/noconf" >/dev/null
expect_rc 3 serve --listen 127.0.0.1:0 --image "$T/noconf"
expect_out "^c2d kms: $T/noconf/initrd.cpio: holds no /etc/c2d/analysis.conf\$"
ok "an unreachable chain, an image whose compose-hash is not its parts', an initrd not measured or without the recipe stop the start"

serve_exec --listen 127.0.0.1:0 --image "$pub" >"$T/serve.out" 2>"$T/serve.err" &
kms_pid=$!
i=0
while ! grep -q '^listening on ' "$T/serve.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
grep -Eq '^listening on 127\.0\.0\.1:[1-9][0-9]*$' "$T/serve.out" || fail "no 'listening on' line"
[ "$(wc -l <"$T/serve.out")" = 1 ] || fail "more than the one line on stdout"
port=$(sed 's/.*://' "$T/serve.out")
http() { /usr/bin/python3 "$top/tests/tools/kms_http.py" "$port" "$@" >"$T/out" 2>&1 || fail "no answer to $*"; }
answer() {
	[ "$(sed -n 1p "$T/out")" = "$1" ] || { cat "$T/out" >&2; fail "status not $1"; }
	[ "$(sed -n 2p "$T/out")" = application/json ] || fail "not application/json"
	sed -n 3p "$T/out" | grep -Eq -- "$2" || { cat "$T/out" >&2; fail "answer lacks /$2/"; }
	cat "$T/out" >>"$T/all"
}
http POST /v1/challenge '{"c2d_kms":1}'
answer 200 '^\{"c2d_kms":1,"challenge":"[0-9a-f]{64}","expires_in":60,"type":"challenge"\}$'
http POST /v1/challenge '{"c2d_kms":2}'
answer 400 '"check":"request"'
http POST /v1/attest '{"c2d_kms":1,"challenge":"00"}'
answer 400 '^\{"c2d_kms":1,"check":"request","reason":"request: .*","type":"refusal"\}$'
http POST /v1/attest 'not json'
answer 400 '"check":"request"'
http POST /v1/keys '{}'
answer 404 '^\{"c2d_kms":1,"check":"request","reason":"no such endpoint","type":"refusal"\}$'
http GET /v1/attest
answer 405 '"check":"request"'
http POST /v1/attest --declare 8388609
answer 413 '"check":"request","reason":"the body is over its bound"'
head -c 8388609 /dev/zero | tr '\0' ' ' >"$T/big"
/usr/bin/python3 - "$port" "$T/big" >"$T/out" <<'PY' || fail "no answer to a chunked 8 MiB + 1 body"
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
c.request("POST", "/v1/attest", body=open(sys.argv[2], "rb"), encode_chunked=True,
          headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
r = c.getresponse()
print(r.status); print(r.getheader("Content-Type")); print(r.read().decode())
PY
answer 413 '"check":"request"'
ok "serve answers a challenge, and 400, 404, 405 and 413 (declared or chunked) with a refusal in JSON"

kill -TERM $kms_pid
i=0
while kill -0 $kms_pid 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $kms_pid 2>/dev/null && { kill -KILL $kms_pid; fail "serve did not stop on SIGTERM"; }
rc=0
wait $kms_pid || rc=$?
[ $rc = 0 ] || fail "serve exited $rc on SIGTERM"
expect_rc 0 "$c2d" kms log verify "$T/serve.log"
# The start line (two images: serve_exec's and "$pub"), then the two
# attestation requests that were read (a 413's body is not).
expect_out '^lines 3$'
expect_out '^starts 1$'
[ "$(head -n 1 "$T/serve.log" | jq -r '.outcome + " " + .kms + " " + (.images | length | tostring) + " " + .policy_sha256')" = \
	"start $("$c2d" kms pubkey --key "$T/kms.key" | sed -n 's/^address *0x//p') 2 $(sha256sum "$T/policy.json" | cut -c1-64)" ] ||
	fail "serve's first line is not its start line: $(head -n 1 "$T/serve.log")"
nokey "$T/all" "$T/serve.out" "$T/serve.err" "$T/serve.log"
ok "serve stops on SIGTERM with status 0; its log holds its start line (key address, images, policy hash), then one line per attestation request; no output names the key"
