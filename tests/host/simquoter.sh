#!/bin/sh
# c2d sim-quoter: simulated quotes and collateral, checked independently
# with Python's `cryptography` (tests/host/simquoter.py), and the serve
# daemon driven by a Python stand-in for QEMU's end of the virtio-serial
# port. Every wait is bounded (timeout); the trap kills what is left.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
py="timeout 120 /usr/bin/python3 $top/tests/host/simquoter.py"
real=$top/tests/vectors/tdx/dcapqvl_tdx_quote_collateral.json
st=$T/state
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null || :; done; rm -rf "$T"' EXIT

rd=$(printf '%0128d' 0 | tr 0 a)
reg() { printf '%096d' 0 | tr 0 "$1"; }
expect_rc 0 "$c2d" sim-quoter quote --state "$st" --report-data "$rd" \
	--mrtd "$(reg 1)" --rtmr0 "$(reg 2)" --rtmr1 "$(reg 3)" --rtmr2 "$(reg 4)" --out "$T/q"
[ "$(stat -c %a "$st")" = 700 ] || fail "state directory mode"
for k in root pca pck tcb ak; do
	[ "$(stat -c %a "$st/$k.key")" = 600 ] || fail "$k.key mode"
done
expect_rc 0 "$c2d" quote show --json "$T/q"
[ "$(jq -r .td_report.mrtd "$T/out")" = "$(reg 1)" ] || fail "mrtd"
[ "$(jq -r '.td_report.rtmr[2]' "$T/out")" = "$(reg 4)" ] || fail "rtmr2"
[ "$(jq -r .td_report.report_data "$T/out")" = "$rd" ] || fail "report_data"
[ "$(jq -r .td_report.debug "$T/out")" = false ] || fail "debug"
ok "a one-shot quote parses with c2d quote show and carries the given registers"

now=2026-03-01T12:00:00Z
epoch=$(date -u -d "$now" +%s)
expect_rc 0 "$c2d" sim-quoter collateral --state "$st" --now "$now" --out "$T/coll.json"
expect_rc 0 "$c2d" sim-quoter collateral --state "$st" --now "$now" --revoke-pck --out "$T/revoked.json"
expect_rc 0 "$c2d" sim-quoter root --state "$st" --out "$T/root.der"
$py pki "$T/q" "$T/coll.json" "$T/root.der" "$epoch" 0 "$real" || fail "PKI check"
$py pki "$T/q" "$T/revoked.json" "$T/root.der" "$epoch" 1 "$real" || fail "PKI check (--revoke-pck)"
ok "chain, CRLs, TCB info and QE identity verify independently and agree with the quote"

# Keys are made once; everything else is a function of them and --now.
cp "$T/root.der" "$T/root1.der"
expect_rc 0 "$c2d" sim-quoter collateral --state "$st" --now "$now" --out "$T/coll2.json"
cmp -s "$T/coll.json" "$T/coll2.json" || fail "collateral differs between runs"
expect_rc 0 "$c2d" sim-quoter root --state "$st" --out "$T/root.der"
cmp -s "$T/root.der" "$T/root1.der" || fail "root changed on reuse"
expect_rc 0 "$c2d" sim-quoter root --state "$T/other" --out "$T/root2.der"
cmp -s "$T/root.der" "$T/root2.der" && fail "two state directories share a root key"
ok "state is created once and reused; collateral is reproducible for a given --now"

rm "$st/tcb.der"
expect_rc 3 "$c2d" sim-quoter root --state "$st" --out "$T/x"
expect_out "partial simulated-quoter state \(8 of 9 files; tcb missing\); remove the directory"
cp "$T/root.der" "$st/tcb.der"
expect_rc 3 "$c2d" sim-quoter root --state "$st" --out "$T/x"
expect_out "tcb.der: certificate does not match the key beside it"
expect_rc 2 "$c2d" sim-quoter collateral --state "$T/other" --now 2026-02-30T00:00:00Z --out "$T/x"
expect_out "expected an RFC 3339 time"
expect_rc 2 "$c2d" sim-quoter quote --state "$T/other" --report-data abcd --out "$T/x"
expect_out "report-data: expected 128 hex digits"
expect_rc 2 "$c2d" sim-quoter serve --state "$T/other" --socket "$T/s"
expect_out "^c2d sim-quoter: --kernel is required$"
expect_rc 2 "$c2d" sim-quoter serve --state "$T/other" --socket "$T/s" --mrtd "$(reg 1)"
expect_out "^c2d sim-quoter: --mrtd: registers are predicted from --kernel"
expect_rc 0 "$c2d" sim-quoter --help
expect_out "NOT Intel"
ok "partial or mismatched state, bad times, bad hex and missing registers are refused"

# The daemon, with a Python guest on the other end of the socket. Its
# registers are predicted from the files a launcher would boot: the same
# values c2d measure publishes for them.
img=$T/img
mkdir -p "$img"
/usr/bin/python3 "$top/tests/tools/tdx_model.py" mkkernel "$img/bzImage" 100000
printf 'console=ttyS0' >"$img/cmdline"
head -c 5000 /dev/urandom >"$img/initrd.cpio"
boot="--kernel $img/bzImage --initrd $img/initrd.cpio --cmdline $img/cmdline --memory 256M"
serve="$c2d sim-quoter serve --state $T/other $boot"
$py guest "$T/sock" "$T/events.log" "$T/served.q" dialogue -- \
	$serve --socket "$T/sock" --log "$T/events.log" --quote-out "$T/kept.q" 2>"$T/serve.err" &
pids="$pids $!"
wait $! || { cat "$T/serve.err" >&2; fail "quote-channel dialogue"; }
grep -q "SIMULATED quotes, not TDX" "$T/serve.err" || fail "serve does not say it simulates"
cmp -s "$T/served.q" "$T/kept.q" || fail "--quote-out does not hold the quote the guest got"
"$c2d" measure --memory 256M --out "$T/m.json" "$img" >/dev/null
expect_rc 0 "$c2d" quote show --json "$T/served.q"
for k in 1 2; do
	[ "$(jq -r ".td_report.rtmr[$k]" "$T/out")" = "$(jq -r ".tdx.rtmr$k" "$T/m.json")" ] ||
		fail "served RTMR$k is not c2d measure's prediction"
done
[ "$(jq -r .td_report.mrtd "$T/out")" = "$(reg 0)" ] || fail "served MRTD without --firmware"
[ "$(jq -r '.td_report.rtmr[0]' "$T/out")" = "$(reg 0)" ] || fail "served RTMR0 without --firmware"
# With a firmware, MRTD is its prediction too; RTMR0 needs the ACPI digests.
/usr/bin/python3 "$top/tests/tools/tdx_model.py" mktdvf "$T/tdvf.fd"
a=$(reg 1); b=$(reg 2); c=$(reg 3)
"$c2d" measure --memory 256M --firmware "$T/tdvf.fd" --acpi "$a,$b,$c" --out "$T/mf.json" "$img" >/dev/null
expect_rc 0 "$c2d" sim-quoter quote --state "$T/other" $boot --firmware "$T/tdvf.fd" --acpi "$a,$b,$c" \
	--report-data "$rd" --out "$T/fw.q"
expect_rc 0 "$c2d" quote show --json "$T/fw.q"
[ "$(jq -r .td_report.mrtd "$T/out")" = "$(jq -r .tdx.mrtd "$T/mf.json")" ] || fail "MRTD is not the prediction"
[ "$(jq -r '.td_report.rtmr[0]' "$T/out")" = "$(jq -r .tdx.rtmr0 "$T/mf.json")" ] || fail "RTMR0 is not the prediction"
[ "$(jq -r '.td_report.rtmr[3]' "$T/out")" = "$(reg 0)" ] || fail "one-shot RTMR3 not zero"
expect_rc 2 "$c2d" sim-quoter serve --state "$T/other" $boot --acpi "$a,$b,$c" --socket "$T/s"
expect_out "need --firmware"
expect_rc 2 "$c2d" sim-quoter serve --state "$T/other" $boot --memory 2X --socket "$T/s"
expect_out "memory 2X: not a size"
expect_rc 0 "$c2d" sim-quoter collateral --state "$T/other" --now "$now" --out "$T/coll3.json"
expect_rc 0 "$c2d" sim-quoter root --state "$T/other" --out "$T/root3.der"
$py pki "$T/served.q" "$T/coll3.json" "$T/root3.der" "$epoch" 0 "$real" || fail "served quote PKI"
ok "serve: EXTEND×2 then QUOTE gives RTMR3 = SHA-384 chain, report_data echoed, events logged; MRTD, RTMR0-2 are c2d measure's prediction; --quote-out keeps the quote"

rm -f "$T/sock"
$py guest "$T/sock" "$T/events2.log" "$T/x" badheader -- $serve --socket "$T/sock" 2>"$T/serve.err" &
pids="$pids $!"
wait $! || { cat "$T/serve.err" >&2; fail "bad header"; }
grep -q "bad magic" "$T/serve.err" || fail "serve did not report the bad header"
ok "serve: malformed frames get ERROR; a broken header ends the session with status 3, no crash"
