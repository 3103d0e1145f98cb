#!/bin/sh
# A second opinion: c2d quote verify and Phala's dcap-qvl (its WebAssembly
# build, pinned in contracts/package-lock.json, run by bench/quote_qvl.mjs)
# reach the same verdict, TCB status and advisory IDs, on the real quote
# whose collateral both read (dcap-qvl's own sample), at a time inside its
# collateral's window, after it, and with one byte of the quote
# or of the signed collateral changed (docs/performance.md, "Quote
# verification"). go-tdx-guest's quotes come with Intel PCS responses as
# separate files, a form dcap-qvl's verify() does not take.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
npm=$top/out/deps/npm
v=$top/tests/vectors/tdx
[ -f "$npm/node_modules/@phala/dcap-qvl-web/dcap-qvl-web_bg.wasm" ] ||
	fail "dcap-qvl-web is not installed in out/deps/npm (make deps)"

# c2d's verdict in bench-quote's words: the converged status (set even when
# the policy then refuses it), or "refused" when verification stopped
# first; the advisories sorted, comma-separated, or -.
c2d_verdict() {
	"$c2d" quote verify --json --quote "$1" --collateral "$2" --now "$3" >"$T/v.json" 2>"$T/v.err" || :
	jq -e . "$T/v.json" >/dev/null 2>&1 || { cat "$T/v.err" >&2; fail "c2d quote verify $1: no JSON verdict"; }
	jq -r '"verdict " + (.status // "refused") + " " +
		(if .status == null or (.advisories | length) == 0 then "-" else (.advisories | sort | join(",")) end)' \
		"$T/v.json"
}
# agree QUOTE COLLATERAL TIME WANT: both verifiers say WANT.
agree() {
	mine=$(c2d_verdict "$1" "$2" "$3")
	theirs=$(node "$top/bench/quote_qvl.mjs" "$npm" "$1" "$2" "$3" 0 2>"$T/qvl.err") ||
		{ cat "$T/qvl.err" >&2; fail "dcap-qvl did not run on $1"; }
	[ "$mine" = "$theirs" ] || fail "$(basename "$1") at $3: c2d says '$mine', dcap-qvl '$theirs'"
	[ "$mine" = "verdict $4" ] || fail "$(basename "$1") at $3: both say '$mine', expected 'verdict $4'"
}

quote=$v/dcapqvl_tdx_quote
coll=$v/dcapqvl_tdx_quote_collateral.json
agree "$quote" "$coll" 2025-07-01T00:00:00Z "UpToDate -"
agree "$quote" "$coll" 2025-07-20T00:00:00Z "refused -"
ok "dcap-qvl's real quote: both say UpToDate inside the collateral's window, both refuse after it"
# The one known difference, kept visible: before the collateral was issued
# (TCB info, QE identity and CRLs all date from 2025-06-19) c2d refuses it
# as not yet valid, as Intel's QVL does; dcap-qvl 0.3.3 checks only the end
# of each window. Should dcap-qvl start refusing, this says so.
[ "$(c2d_verdict "$quote" "$coll" 2025-06-01T00:00:00Z)" = "verdict refused -" ] ||
	fail "c2d accepts collateral before its issue date"
[ "$(node "$top/bench/quote_qvl.mjs" "$npm" "$quote" "$coll" 2025-06-01T00:00:00Z 0 2>/dev/null)" = \
	"verdict UpToDate -" ] || fail "dcap-qvl now refuses collateral before its issue date: make this an agree line"
ok "before the collateral's issue date c2d refuses and dcap-qvl 0.3.3 accepts (the one known difference)"

# One byte of report_data (TD report offset 520, after the 48-byte header),
# which the quote's signature covers.
cp "$quote" "$T/quote"
printf '\125' | dd of="$T/quote" bs=1 seek=568 conv=notrunc 2>/dev/null
agree "$T/quote" "$coll" 2025-07-01T00:00:00Z "refused -"
# One digit of the signed TCB info's TCB evaluation number.
jq '.tcb_info |= sub("\"tcbEvaluationDataNumber\":(?<n>[0-9]+)"; "\"tcbEvaluationDataNumber\":1\(.n)")' \
	"$coll" >"$T/coll.json"
cmp -s "$coll" "$T/coll.json" && fail "the TCB info edit changed nothing"
agree "$quote" "$T/coll.json" 2025-07-01T00:00:00Z "refused -"
ok "one byte changed in the signed quote or the signed TCB info: both refuse"
