#!/bin/sh
# c2d kms serve with real processes (docs/testing.md, "The KMS with real
# processes"): anvil with the consortium contract, the daemon, and
# out/test/c2d-kmscvm playing the CVM (a simulated quote, the event log, the
# ephemeral and run keys). Every case of docs/kms-protocol.md's checks that
# a CVM or the chain can cause: for each refusal the check named is the
# expected one, the client opened nothing, the budget on chain is unchanged,
# and the release log has the line and still verifies (against the chain's
# spends too). Last, nothing the KMS wrote holds its root key or a wrap key.
#
# Owners ADDR1..ADDR3, threshold 2; the KMS's account is its own root key's.
# Datasets (the image charges 1 epsilon and 0.5 rho a run):
#   D1 owner 1, room for many runs    D2 owner 2, epsilon 0.5 (too little)
#   D3 owner 2, rho 0.25 (too little) D4 owner 3, who approves late, with expiry
KMS_TEST="KMS serve test"
. "$(dirname "$0")/kms_lib.sh"
h32() { printf '%064x' "$1"; }
D1=$(h32 0xd1) D2=$(h32 0xd2) D3=$(h32 0xd3) D4=$(h32 0xd4)

seal "$ADDR1" "$D1" "$T/d1.sealed"
seal "$ADDR2" "$D2" "$T/d2.sealed"
seal "$ADDR2" "$D3" "$T/d3.sealed"
seal "$ADDR3" "$D4" "$T/d4.sealed"
budget k1 "$D1" 100 100
budget k2 "$D2" 0.5 100
budget k2 "$D3" 100 0.25
budget k3 "$D4" 100 100

# --- the CVM ---------------------------------------------------------------------------------
# cvm NAME ARGS...: c2d-kmscvm attest against $URL; its exit in $RC, its
# JSON line in $T/NAME.json (kept: the final search reads every answer).
cvm() {
	_n=$1; shift
	RC=0
	"$cvm" attest --url "$URL" --sim-state "$SIM" --measurements "$T/img1/measurements.json" "$@" \
		>"$T/cvm-$_n.json" 2>"$T/cvm-$_n.err" || RC=$?
}
field() { jq -r "$1" "$T/cvm-$2.json"; }
onchain() { "$CAST" call "$APP" 'budgetOf(address,bytes32)(bool,uint64,uint64,uint64,uint64)' "$1" "0x$2" |
	sed 's/ \[.*\]$//' | tr '\n' ' '; }
last_line() { tail -n 1 "$1"; }
# refused NAME CHECK LOG OWNER DATASET ARGS...: the CVM is refused by CHECK and
# opens nothing, the dataset's budget on chain is unchanged, and the log's
# last line is that refusal.
refused() {
	_n=$1 _c=$2 _log=$3 _o=$4 _d=$5; shift 5
	_before=$(onchain "$_o" "$_d")
	_lines=$(wc -l <"$_log")
	cvm "$_n" --sealed "$T/$_d.sealed" "$@"
	[ "$RC" = 3 ] || { cat "$T/cvm-$_n.json" "$T/cvm-$_n.err" >&2; fail "$_n: c2d-kmscvm exit $RC, expected 3 (a refusal)"; }
	is "$_n: check" "$(field .check "$_n")" "$_c"
	is "$_n: datasets opened" "$(field .released "$_n")" 0
	is "$_n: budget of $_d on chain" "$(onchain "$_o" "$_d")" "$_before"
	is "$_n: lines added to the log" "$(($(wc -l <"$_log") - _lines))" 1
	is "$_n: the log's last line" "$(last_line "$_log" | jq -r '.outcome + " " + .check')" "refusal $_c"
}
ln -s d1.sealed "$T/$D1.sealed"; ln -s d2.sealed "$T/$D2.sealed"
ln -s d3.sealed "$T/$D3.sealed"; ln -s d4.sealed "$T/$D4.sealed"
reason() { field .reason "$1"; }
has() { case "$2" in *"$3"*) ;; *) fail "$1: '$2' does not say '$3'" ;; esac; }

LOG=$T/main.log
approve k1
kms_start main

# --- the chain's checks ------------------------------------------------------------------------
refused quorum quorum "$LOG" "$ADDR1" "$D1"
has quorum "$(reason quorum)" "1 of the 2"
ok "k-1 approvals: refused by quorum, nothing opened, budget unchanged, logged"

approve k2
refused owner owner-approval "$LOG" "$ADDR3" "$D4"
ok "the owner of the dataset did not approve the image: refused by owner-approval"

cvm release --sealed "$T/d1.sealed" --wrap-keys-out "$T/wrap1"
[ "$RC" = 0 ] || { cat "$T/cvm-release.json" "$T/cvm-release.err" >&2; fail "full approval: exit $RC, expected a release"; }
is "release: datasets opened" "$(field .released release)" 1
is "release: rows read" "$(field '.rows[0]' release)" "$ROWS"
is "release: budget of D1" "$(onchain "$ADDR1" "$D1")" "true 100000000 1000000 100000000 500000 "
is "release: log line" "$(last_line "$LOG" | jq -r '.outcome + " " + .spend_tx')" "release $(field .spend_tx release)"
is "release: the spend's receipt" "$("$CAST" receipt --json "0x$(field .spend_tx release)" | jq -r .status)" 0x1
ok "full approval: the key is released, the sealed dataset opens ($ROWS rows), the certificate checks, one spend"

# --- the CVM's evidence ----------------------------------------------------------------------
cvm replay --sealed "$T/d1.sealed" --reuse-challenge
[ "$RC" = 3 ] || fail "replay: exit $RC, expected 3"
is "replay: first answer" "$(field .first.type replay)" release
is "replay: check" "$(field .check replay)" challenge
is "replay: datasets opened by the replay" "$(field .released replay)" 0
is "replay: budget spent once" "$(onchain "$ADDR1" "$D1")" "true 100000000 2000000 100000000 1000000 "
is "replay: log" "$(tail -n 2 "$LOG" | jq -r '.outcome + " " + (.check // "")' | tr '\n' ' ')" \
	"release  refusal challenge "
ok "a replayed challenge: the first request released, the replay refused by challenge and not charged"

refused rdata report-data "$LOG" "$ADDR1" "$D1" --bind-other-key
ok "report_data bound to another key: refused by report-data"
refused debug quote "$LOG" "$ADDR1" "$D1" --debug-td
has debug "$(reason debug)" debug
ok "a debug TD: refused by quote"
refused tdattr quote "$LOG" "$ADDR1" "$D1" --tdattr 0000005000000000
has tdattr "$(reason tdattr)" TDATTRIBUTES
ok "a TDATTRIBUTES mismatch: refused by quote"
refused xfam quote "$LOG" "$ADDR1" "$D1" --xfam e302060000000000
has xfam "$(reason xfam)" XFAM
ok "an XFAM mismatch: refused by quote"
refused other-image recipe "$LOG" "$ADDR1" "$D1" --compose "$H2" --measurements "$T/img2/measurements.json"
ok "a quote from another image the KMS serves (compose-hash mismatch with the recipe): refused by recipe"
refused unknown-image measurements "$LOG" "$ADDR1" "$D1" --compose "$(h32 0xbad)"
ok "a compose-hash the KMS does not serve: refused by measurements"
refused other-app measurements "$LOG" "$ADDR1" "$D1" --app "$ADDR9"
has other-app "$(reason other-app)" app
ok "an event log naming another app (contract): refused by measurements"
refused rtmr1 measurements "$LOG" "$ADDR1" "$D1" --rtmr1 "$(printf '%096d' 5)"
ok "RTMR1 other than the image's published value: refused by measurements"
refused rtmr3 event-log "$LOG" "$ADDR1" "$D1" --bad-rtmr3
ok "an event log that does not replay to RTMR3: refused by event-log"

# --- budgets, expiry, revocation ---------------------------------------------------------------
refused eps budget-epsilon "$LOG" "$ADDR2" "$D2"
ok "epsilon budget exhausted: refused by budget-epsilon"
refused rho budget-rho "$LOG" "$ADDR2" "$D3"
ok "rho budget exhausted: refused by budget-rho"
now=$("$CAST" block latest -f timestamp)
approve k3 --expires $((now + 60))
"$CAST" rpc evm_increaseTime 120 >/dev/null
"$CAST" rpc evm_mine >/dev/null
refused expired approval-expired "$LOG" "$ADDR3" "$D4"
ok "an approval that expired (anvil's clock moved past it): refused by approval-expired"

# --- the daemon's own settings ---------------------------------------------------------------
kms_stop
kms_start short --challenge-lifetime 1
refused challenge-expired challenge "$T/short.log" "$ADDR1" "$D1" --challenge-wait 3
has challenge-expired "$(reason challenge-expired)" expired
kms_stop
ok "an expired challenge (lifetime 1 s, the CVM waited 3 s): refused by challenge"

# Without --allow-simulated: the same arguments, less that one.
SIMULATED=
kms_start nosim
SIMULATED=--allow-simulated
refused nosim quote "$T/nosim.log" "$ADDR1" "$D1"
has nosim "$(reason nosim)" allow-simulated
kms_stop
ok "a simulated quote without --allow-simulated: refused by quote"

# The chain unreachable. At start the daemon refuses to run without it,
kms_fails norpc-start 'eth_chainId: .*Connection refused' --rpc http://127.0.0.1:1
# and once running, a chain that goes away is a refusal: the daemon reaches
# anvil through a relay (c2d-kmscvm proxy), which then stops.
# proxy_start [ARGS...]: sets PROXY_URL and PROXY_PID.
proxy_start() {
	"$cvm" proxy --listen 127.0.0.1:0 --to "$RPC" "$@" >"$T/proxy.out" 2>"$T/proxy.err" &
	PROXY_PID=$!
	PIDS="$PIDS $PROXY_PID"
	wait_listening "$PROXY_PID" "$T/proxy.out" "$T/proxy.err" "the relay"
	PROXY_URL=http://$ADDR
}
proxy_stop() {
	kill "$PROXY_PID"
	wait "$PROXY_PID" || fail "the relay did not stop cleanly"
	PIDS=$(printf '%s\n' $PIDS | grep -vx "$PROXY_PID" | tr '\n' ' ')
}
proxy_start
kms_start norpc --rpc "$PROXY_URL"
proxy_stop
refused norpc chain "$T/norpc.log" "$ADDR1" "$D1"
kms_stop
ok "the chain unreachable: the daemon does not start without it, and refuses by chain when it goes away"

# The chain drops out between the reads and the spend: the relay cuts every
# call that would price or send the spend before it reaches anvil.
proxy_start --drop-methods eth_sendRawTransaction,eth_estimateGas
kms_start drop --rpc "$PROXY_URL"
# The first request of a fresh KMS: its start line gives the log a head to
# anchor to.
refused drop spend "$T/drop.log" "$ADDR1" "$D1"
grep -q '^c2d-kmscvm proxy: cut ' "$T/proxy.err" || fail "drop: the relay cut nothing"
is "drop: the refusal names no spend (none was signed)" "$(last_line "$T/drop.log" | jq -r '.spend_tx // "none"')" none
kms_stop
proxy_stop
ok "the chain drops out between the read and the spend: refused by spend, no spend mined, budget unchanged"

# The answer to the spend lost: the relay forwards eth_sendRawTransaction
# and cuts its answer. The spend is mined (the budget is charged), but the
# KMS cannot know that it was: it fails closed, refusing by spend, and no
# key leaves. The budget pays for a run that never gets its keys; the
# charge and its Released event are on chain for the owners to see.
proxy_start --lose-answers eth_sendRawTransaction
kms_start lose --rpc "$PROXY_URL"
cvm lose --sealed "$T/d1.sealed"
[ "$RC" = 3 ] || { cat "$T/cvm-lose.json" "$T/cvm-lose.err" >&2; fail "lost answer: exit $RC, expected 3"; }
is "lost answer: check" "$(field .check lose)" spend
is "lost answer: datasets opened" "$(field .released lose)" 0
is "lost answer: budget of D1, charged once" "$(onchain "$ADDR1" "$D1")" "true 100000000 3000000 100000000 1500000 "
is "lost answer: the log's last line" "$(last_line "$T/lose.log" | jq -r '.outcome + " " + .check')" "refusal spend"
grep -q '^c2d-kmscvm proxy: cut the answer to eth_sendRawTransaction' "$T/proxy.err" ||
	fail "lost answer: the relay cut nothing"
# The refusal names the spend, which is on chain, and the head it carried.
LOST_TX=$(last_line "$T/lose.log" | jq -r '.spend_tx // empty')
[ -n "$LOST_TX" ] || fail "lost answer: the refusal names no spend_tx: $(last_line "$T/lose.log")"
"$CAST" receipt --json "0x$LOST_TX" >"$T/lost.json" || fail "lost answer: spend_tx 0x$LOST_TX is not on chain"
is "lost answer: the named spend's receipt" "$(jq -r .status "$T/lost.json")" 0x1
is "lost answer: the head the spend carried (Released)" "$(jq -r '.logs[-1].data' "$T/lost.json")" \
	"0x$(last_line "$T/lose.log" | jq -r .anchor)"
kms_stop
proxy_stop
ok "the answer to the spend lost: the spend is mined, the KMS refuses by spend, releases nothing, and logs the spend and its anchor"

kms_start main
"$c2d" revoke --key "$T/k1" --app "$APP" --compose "$H" >/dev/null
refused revoked revoked "$LOG" "$ADDR1" "$D1"
kms_stop
ok "revoked after approval: refused by revoked"

# The root key file with another mode: the daemon does not start, and says why.
chmod 0640 "$T/kms.key"
kms_fails mode 'must have mode 0600'
chmod 0600 "$T/kms.key"
ok "a root key file of mode 0640: the daemon refuses to start and says so"

# --- the logs and what left the KMS -------------------------------------------------------------
for l in main short nosim norpc drop lose; do
	"$c2d" kms log verify "$T/$l.log" --rpc "$RPC" --app "$APP" >"$T/verify.out" 2>&1 ||
		{ cat "$T/verify.out" >&2; fail "c2d kms log verify $l.log --rpc failed"; }
done
is "releases in the main log" "$(jq -r 'select(.outcome == "release") | .seq' "$LOG" | wc -l)" 2
for l in main short nosim norpc drop lose; do
	is "$l.log's first line" "$(head -n 1 "$T/$l.log" | jq -r '.outcome + " " + .kms')" "start ${KMS_ADDR#0x}"
done
"$c2d" kms log verify "$LOG" >"$T/verify.out" || fail "c2d kms log verify main.log failed"
grep -qx 'starts 2' "$T/verify.out" || fail "main.log: two starts (a restart), not: $(cat "$T/verify.out")"
ok "every log starts with its start line, records each restart, and verifies, with each release's anchor against its spend on chain"

# The lost answer's refusal is checked on chain too: rewritten (and
# re-chained, so that only the chain can tell) to claim an earlier head,
# it fails; naming a spend never mined, it is reported, not an error.
# rechain IN OUT LINE MEMBER VALUE: IN with LINE's MEMBER set, every head after it recomputed.
rechain() {
	python3 - "$@" <<'PY'
import hashlib, json, sys
src, dst, at, member, value = sys.argv[1:]
head, out = bytes(32), []
for i, l in enumerate(open(src).read().splitlines()):
    d = json.loads(l)
    if i + 1 == int(at):
        d[member] = value
    d["prev"] = head.hex()
    t = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    head = hashlib.sha256(b"c2d-kms-log-v1" + head + t.encode()).digest()
    out.append(t)
open(dst, "w").write("".join(l + "\n" for l in out))
PY
}
LOST_LINE=$(wc -l <"$T/lose.log")
rechain "$T/lose.log" "$T/lose-head0.log" "$LOST_LINE" anchor "$(h32 0)"
"$c2d" kms log verify "$T/lose-head0.log" >/dev/null || fail "the rewritten log does not verify offline"
_rc=0
"$c2d" kms log verify "$T/lose-head0.log" --rpc "$RPC" --app "$APP" >"$T/verify.out" 2>&1 || _rc=$?
is "verify --rpc of a refusal with another anchor: exit" "$_rc" 1
grep -q ":$LOST_LINE: anchor 1: the release log says head 0x$(h32 0), the chain 0x" "$T/verify.out" ||
	{ cat "$T/verify.out" >&2; fail "verify --rpc does not name the refusal's anchor"; }
rechain "$T/lose.log" "$T/lose-unmined.log" "$LOST_LINE" spend_tx "$(h32 0x5e)"
"$c2d" kms log verify "$T/lose-unmined.log" --rpc "$RPC" --app "$APP" >"$T/verify.out" 2>&1 ||
	{ cat "$T/verify.out" >&2; fail "verify --rpc fails on a refusal whose spend was never mined"; }
grep -qx "line $LOST_LINE: the refusal's spend 0x$(h32 0x5e) is not mined" "$T/verify.out" ||
	{ cat "$T/verify.out" >&2; fail "verify --rpc does not report the unmined spend"; }
ok "verify --rpc checks a refusal's anchor against its mined spend, and reports one never mined"

# D1's wrap key, as the CVM opened it (each release of D1 carries the same
# one: it is derived from the root key and D1's header).
[ "$(wc -l <"$T/wrap1")" = 1 ] || fail "expected the wrap key the CVM opened"
for f in "$T"/*.log "$T"/*.out "$T"/*.err "$T"/cvm-*.json; do
	! grep -qi "$KMS_HEX" "$f" || fail "$f holds the KMS root key"
	! grep -qiF -f "$T/wrap1" "$f" || fail "$f holds a wrap key"
done
ok "no output, log line or answer of the KMS holds the root key or a wrap key"
