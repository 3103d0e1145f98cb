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
