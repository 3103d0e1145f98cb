#!/bin/sh
# c2d kms serve under load (docs/testing.md, "Contract tests (anvil)"): K
# client threads of c2d-kmscvm load send exactly N requests on loopback, in
# its mix of challenges, releases that go all the way (quote, checks, spend
# on anvil, wrap keys opened by the client) and refusals by report-data;
# every answer must be the one the mix predicts, within a time limit, and
# after a warm-up the daemon's VmRSS may grow by at most a bound
# (tests/tools/kmsload.c says why). Then the release log holds one line per attestation and
# verifies against the chain, and the budget on chain was charged once per
# release.
#
# make chain-test runs the short version: N 1,000, 8 clients, 90 s, 3 MiB
# (a leaked attestation body, 13 KiB, is 4.7 MiB over the 360 attestations
# after the warm-up); make bench the full one (bench/kmsload: N 10,000,
# 32 MiB), through these
# variables: KMS_LOAD_N, KMS_LOAD_K, KMS_LOAD_TIME (s), KMS_LOAD_RSS (MiB),
# KMS_LOAD_OUT (a file for the load's JSON line), KMS_CVM (the client).
KMS_TEST="KMS load test"
. "$(dirname "$0")/kms_lib.sh"
n=${KMS_LOAD_N:-1000} k=${KMS_LOAD_K:-8} limit=${KMS_LOAD_TIME:-90} bound=${KMS_LOAD_RSS:-3}
D1=$(printf '%064x' 0xd1)
seal "$ADDR1" "$D1" "$T/d1.sealed"
# A release charges 1 epsilon and 0.5 rho; a fifth of the requests are releases.
budget k1 "$D1" 1000000 1000000
approve k1
approve k2
kms_start load
LOG=$T/load.log

rc=0
"$cvm" load --url "$URL" --sim-state "$SIM" --measurements "$T/img1/measurements.json" --sealed "$T/d1.sealed" \
	--pid "$KMS_PID" --requests "$n" --clients "$k" --time-limit "$limit" --rss-bound "$bound" \
	>"$T/load.json" 2>"$T/load.err" || rc=$?
[ -z "${KMS_LOAD_OUT:-}" ] || cp "$T/load.json" "$KMS_LOAD_OUT"
[ "$rc" = 0 ] || { cat "$T/load.json" "$T/load.err" >&2; fail "c2d-kmscvm load: exit $rc"; }
j() { jq -r "$1" "$T/load.json"; }
rel=$((n * 2 / 10))
is "answers" "$(j .answered)" "$n"
is "releases" "$(j '.answers[] | select(.kind == "release" and .status == 200) | .count')" "$rel"
is "refusals by report-data" \
	"$(j '.answers[] | select(.kind == "refusal" and .status == 403 and .check == "report-data") | .count')" "$rel"
ok "$n requests from $k clients in $(j '.wall_s | floor') s on $(j .connections) connections:" \
	"every answer the predicted one; VmRSS $(j .rss_kib.before), $(j .rss_kib.warm) after the warm-up," \
	"$(j .rss_kib.after) KiB at the end (bound: $bound MiB of growth after the warm-up)"

kms_stop
# The daemon's start line, then one line per attestation of the load.
is "start lines in the release log" "$(jq -r 'select(.outcome == "start") | .seq' "$LOG" | tr '\n' ' ')" "0 "
is "lines in the release log" "$(wc -l <"$LOG")" $((1 + 2 * rel))
is "releases in the log" "$(jq -r 'select(.outcome == "release") | .seq' "$LOG" | wc -l)" "$rel"
"$c2d" kms log verify "$LOG" --rpc "$RPC" --app "$APP" >"$T/verify.out" 2>&1 ||
	{ cat "$T/verify.out" >&2; fail "c2d kms log verify --rpc failed"; }
is "D1's budget on chain" "$("$CAST" call "$APP" 'budgetOf(address,bytes32)(bool,uint64,uint64,uint64,uint64)' \
	"$ADDR1" "0x$D1" | sed 's/ \[.*\]$//' | tr '\n' ' ')" \
	"true 1000000000000 $((rel * 1000000)) 1000000000000 $((rel * 500000)) "
ok "the release log has one line per attestation and verifies on chain; the budget was charged once per release"
