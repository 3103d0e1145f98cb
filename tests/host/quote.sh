#!/bin/sh
# c2d quote show on real TDX quotes (tests/vectors/tdx).
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
v=$top/tests/vectors/tdx
expect_rc 0 "$c2d" quote show "$v/dcapqvl_tdx_quote"
expect_out '^mrtd +91eb2b44d141d4ec'
expect_out '^td_attributes +0000001000000000$'
expect_out '^debug +no$'
expect_out 'of 5006 bytes used$'
expect_rc 0 "$c2d" quote show --json "$v/gotdx_tdx_prod_quote_SPR_E4.dat"
[ "$(jq -r .td_report.mrtd "$T/out" | cut -c1-16)" = 6363b8043668a3ad ] || fail "--json mrtd"
[ "$(jq -r '.td_report.rtmr | length' "$T/out")" = 4 ] || fail "--json rtmr"
[ "$(jq -r .used_len "$T/out")" = 4935 ] || fail "--json used_len"
[ "$(jq -r .qe_report.report_data "$T/out" | cut -c65-)" = "$(printf '%064d' 0)" ] || fail "QE report_data"
ok "shows registers and report data of real v4 quotes, text and JSON"
head -c 700 "$v/dcapqvl_tdx_quote" >"$T/cut"
expect_rc 3 "$c2d" quote show "$T/cut"
expect_out "^c2d quote: $T/cut: quote offset 632: signature data of 4300 bytes runs past the end$"
expect_rc 2 "$c2d" quote verify "$v/dcapqvl_tdx_quote"
expect_rc 0 "$c2d" quote --help
ok "a truncated quote is refused with its offset; unknown subcommands are usage errors"
