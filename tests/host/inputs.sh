#!/bin/sh
# Inputs that are not files, and inputs that are malformed in ways that
# once gave the wrong answer (docs/cli.md, "Input files"). Every command
# given a FIFO with no writer must refuse it at once: each runs under
# timeout, so that a command that waits in open() fails this test (exit
# 124) instead of hanging the suite.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
v=$top/tests/vectors/tdx
quote=$v/dcapqvl_tdx_quote
coll=$v/dcapqvl_tdx_quote_collateral.json
inside=2025-07-01T00:00:00Z
cd "$T"

# --- FIFOs and devices ---------------------------------------------------
mkfifo fifo
# fifo_refused CMD...: CMD names the FIFO as an input; it exits 3 within
# the time limit, saying that the FIFO is not a regular file.
fifo_refused() {
	expect_rc 3 timeout -k 2 10 "$@"
	expect_out ": $T/fifo: not a regular file$"
}
fifo_refused "$c2d" quote show "$T/fifo"
fifo_refused "$c2d" quote replay "$T/fifo"
fifo_refused "$c2d" quote replay --ccel "$T/fifo" --quote "$v/gotdx_cos-113-tdx-quote.dat"
fifo_refused "$c2d" quote verify --quote "$T/fifo"
fifo_refused "$c2d" quote verify --quote "$quote" --root "$T/fifo"
fifo_refused "$c2d" quote verify --quote "$quote" --collateral "$T/fifo"
fifo_refused "$c2d" inspect "$T/fifo"
fifo_refused "$c2d" approve --key "$T/fifo" --app 0x1111111111111111111111111111111111111111 \
	--compose "0x$(printf 'ab%.0s' $(seq 32))" --rpc http://127.0.0.1:1
fifo_refused "$c2d" recipe --measurements "$T/fifo" \
	--kms-pub 02"$(printf '11%.0s' $(seq 32))" --app 0x1111111111111111111111111111111111111111 --out r.json
"$c2d" keygen --out kms.key >/dev/null
printf '{"compose_hash": "%s"}' "$(printf 'x' | sha256sum | cut -d' ' -f1)" >m.json
"$c2d" recipe --measurements m.json --kms-pub kms.key.pub \
	--app 0x1111111111111111111111111111111111111111 --out recipe.json >/dev/null
printf '{"columns": [{"name": "v", "type": "int64"}]}\n' >one.json
printf 'v\n1\n' >one.csv
owner=0x2222222222222222222222222222222222222222
fifo_refused "$c2d" seal --owner $owner --recipe recipe.json --schema one.json --in "$T/fifo" --out o.sealed
fifo_refused "$c2d" seal --owner $owner --recipe recipe.json --schema "$T/fifo" --in one.csv --out o.sealed
fifo_refused "$c2d" seal --owner $owner --recipe "$T/fifo" --schema one.json --in one.csv --out o.sealed
[ ! -e o.sealed ] || fail "a refused seal left output"
fifo_refused "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
	--in one.csv --dp --conf "$T/fifo"
fifo_refused "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json --in "$T/fifo"
fifo_refused "$c2d" run --central --analysis cohort-stats --schema one.json --in "$T/fifo"
mkdir img
printf 'k' >img/bzImage; printf 'i' >img/initrd.cpio; mkfifo img/cmdline
expect_rc 3 timeout -k 2 10 "$c2d" measure "$T/img"
expect_out ": $T/img/cmdline: not a regular file$"
# A character device and a directory are refused the same way; stdin
# stays available to seal as "-".
expect_rc 3 timeout -k 2 10 "$c2d" quote show /dev/null
expect_out '^c2d quote: /dev/null: not a regular file$'
expect_rc 3 timeout -k 2 10 "$c2d" quote show "$T"
expect_out ": $T: not a regular file$"
expect_rc 0 sh -c "printf 'v\n1\n' | timeout -k 2 10 '$c2d' seal --owner $owner --recipe recipe.json --schema one.json --in - --out s.sealed"
ok "a FIFO without a writer, a device or a directory named as input is refused at once (exit 3)"

# --- malformed inputs, each named as what it is -------------------------
# A byte of 0x80 or above in a PEM BEGIN label: the label is quoted with
# '?' for it, exit 3 (it once made the JSON verdict fail: "out of memory").
sed '1s/BEGIN CERTIFICATE/BEGIN CERT\x80IFICATE/' "$v/gotdx_tcb_info_issuer_chain.pem" >hi.pem
set -- --quote "$v/gotdx_tdx_prod_quote_SPR_E4.dat" --tcb-info "$v/gotdx_sample_tcbInfo_response" \
	--qe-identity "$v/gotdx_sample_qeIdentity_response" --pck-crl "$v/gotdx_pckcrl" \
	--root-crl "$v/gotdx_rootcrl.der" --tcb-chain hi.pem --qe-chain "$v/gotdx_qe_identity_issuer_chain.pem" \
	--now 2023-07-01T00:00:00Z
expect_rc 3 "$c2d" quote verify "$@"
expect_out 'PEM chain offset 0: a CERT\?IFICATE object, only CERTIFICATE is accepted$'
LC_ALL=C grep -q "$(printf '\200')" "$T/out" && fail "a byte of the label reached the message"
"$c2d" quote verify --json "$@" >v.json 2>v.err || true
jq -e '.verified == false and (.error | test("CERT\\?IFICATE"))' v.json >/dev/null ||
	{ cat v.json v.err >&2; fail "--json verdict with the PEM error"; }
sed '1s/BEGIN CERTIFICATE/BEGIN \xff\xfe/' "$v/gotdx_trusted_root.pem" >hiroot.pem
expect_rc 3 "$c2d" quote verify --quote "$quote" --root hiroot.pem
expect_out "^c2d quote: hiroot.pem: PEM chain offset 0: a \?\? object, only CERTIFICATE is accepted$"
ok "a PEM label with bytes above 0x7f is malformed input, quoted as '?' (text and JSON)"

# A --root that is no certificate is malformed input (exit 3), not a root
# that is "not the Intel SGX Root CA"; a real certificate that is not
# Intel's root still is refused as such (exit 1).
head -c 300 "$quote" >garbage.der
expect_rc 3 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" --root garbage.der
expect_out '^c2d quote: garbage.der: not an X.509 certificate: '
grep -q 'not the Intel SGX Root CA' "$T/out" && fail "garbage --root reported as another root"
expect_rc 3 "$c2d" quote verify --quote "$quote" --root "$quote"
expect_out "^c2d quote: $quote: not an X.509 certificate: "
expect_rc 1 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" \
	--root "$top/tests/vectors/x509/ca.der"
expect_out 'root: not the Intel SGX Root CA'
ok "a --root that is no certificate exits 3 naming the file; another real root is still refused (exit 1)"

# A GetQuote answer without "event_log" names "event_log", not "quote".
jq 'del(.event_log)' "$v/dstack_tdx-lite-getquote.json" >noevents.json
expect_rc 3 "$c2d" quote replay noevents.json
expect_out '^c2d quote: noevents.json: "event_log" missing or not a string$'
jq 'del(.quote)' "$v/dstack_tdx-lite-getquote.json" >noquote.json
expect_rc 3 "$c2d" quote replay noquote.json
expect_out '^c2d quote: noquote.json: "quote" missing or not a string$'
jq '.event_log = 7' "$v/dstack_tdx-lite-getquote.json" >badevents.json
expect_rc 3 "$c2d" quote replay badevents.json
expect_out '^c2d quote: badevents.json: "event_log" missing or not a string$'
ok "a GetQuote answer without its event log is named as such"
