#!/bin/sh
# The KMS's side of the chain (host/chain/kmschain.c, through the test tool
# out/test/c2d-kmschaintool) against the contract on anvil: reads pinned to
# one block (an older block keeps its older state; confirmations set how old),
# bounded timeouts, the spend that carries the release log's head and waits
# for its depth, the anchors checked against the Released events, and the
# chain failing at each step. Owners ADDR1..ADDR4, threshold 3, KMS ADDR5.
. "$(dirname "$0")/lib.sh"
tool=$top/out/test/c2d-kmschaintool
[ -x "$tool" ] || fail "no $tool (make chain-test builds it)"
anvil_start

APP=$(consortium_deploy "$KEY0" "KMS test" "[$ADDR1,$ADDR2,$ADDR3,$ADDR4]" '["US","DE","DE","CH"]' \
	'["a","b","c","d"]' 3 "$ADDR5")
h() { printf '0x%064x' "$1"; }
H=$("$CAST" keccak "kms compose") H2=$("$CAST" keccak "kms compose two")
D1=$(h 0xd1) D2=$(h 0xd2)
R1=$(h 0x201) R2=$(h 0x202) R3=$(h 0x203) R4=$(h 0x204) R5=$(h 0x205) R9=$(h 0x209)
LH1=$("$CAST" keccak "head one") LH2=$("$CAST" keccak "head two") LH3=$("$CAST" keccak "head three")
LH4=$("$CAST" keccak "head four") LH5=$("$CAST" keccak "head five")
lc() { printf %s "$1" | tr 'A-F' 'a-f'; }
send() {
	_k=$1; shift
	"$CAST" send --private-key "$_k" --json "$APP" "$@" >"$T/receipt.json" 2>"$T/send.err" ||
		{ cat "$T/send.err" >&2; fail "'$*' failed"; }
	[ "$(jq -r .status "$T/receipt.json")" = 0x1 ] || fail "'$*' reverted on chain"
}
is() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }
latest() { "$CAST" block-number; }
# kc ARGS...: the tool, which must succeed; its output in $T/out.
kc() { "$tool" "$@" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "c2d-kmschaintool $1 failed"; }; }
# kc_fails ARGS...: the tool, which must fail with exit 1; its error in $T/err.
kc_fails() {
	_rc=0
	"$tool" "$@" >"$T/out" 2>"$T/err" || _rc=$?
	[ "$_rc" = 1 ] || { cat "$T/out" "$T/err" >&2; fail "c2d-kmschaintool $1: exit $_rc, expected 1"; }
}
err_has() { grep -Eq "$1" "$T/err" || { cat "$T/err" >&2; fail "error does not match '$1'"; }; }
ms() { date +%s%3N; }

send "$KEY1" "setBudget(bytes32,uint64,uint64)" "$D1" 1000 1000
send "$KEY2" "setBudget(bytes32,uint64,uint64)" "$D2" 1000 1000
send "$KEY1" "approve(bytes32)" "$H"
send "$KEY2" "approve(bytes32)" "$H"

# --- pinned reads ---------------------------------------------------------------------
kc pin "$RPC" "$APP" 0
read -r N0 B0 <"$T/out"
is "pin with 0 confirmations" "$N0" "$(latest)"
send "$KEY3" "approve(bytes32)" "$H" # the quorum, after the pinned block
kc compose "$RPC" "$APP" "$B0" "$H"
is "compose at the pinned block" "$(cat "$T/out")" \
	"allowed 0 reason 'compose hash not approved by the quorum' revoked 0 approvals 2 threshold 3"
kc dataset "$RPC" "$APP" "$B0" "$H" "$ADDR3" "$D1"
is "owner 3 at the pinned block" "$(cat "$T/out")" "approved 0 expires 0 budget 0 0 0 0 0"
kc pin "$RPC" "$APP" 0
read -r N1 B1 <"$T/out"
kc compose "$RPC" "$APP" "$B1" "$H"
is "compose at the next pin" "$(cat "$T/out")" "allowed 1 reason '' revoked 0 approvals 3 threshold 3"
kc dataset "$RPC" "$APP" "$B1" "$H" "$ADDR1" "$D1"
is "owner 1's dataset at the next pin" "$(cat "$T/out")" "approved 1 expires 0 budget 1 1000 0 1000 0"
ok "reads pinned to a block: an approval mined after the pin is not seen there, and is at the next pin"

# Confirmations: three approvals of H2 in three blocks; 2 confirmations see the first only.
for k in "$KEY1" "$KEY2" "$KEY3"; do send "$k" "approve(bytes32)" "$H2"; done
kc pin "$RPC" "$APP" 2
read -r N2 B2 <"$T/out"
is "pin with 2 confirmations" "$N2" "$(($(latest) - 2))"
kc compose "$RPC" "$APP" "$B2" "$H2"
is "H2, 2 blocks deep" "$(cat "$T/out")" \
	"allowed 0 reason 'compose hash not approved by the quorum' revoked 0 approvals 1 threshold 3"
"$CAST" rpc anvil_mine 0x2 >/dev/null
kc pin "$RPC" "$APP" 2
read -r N2 B2 <"$T/out"
kc compose "$RPC" "$APP" "$B2" "$H2"
is "H2, 2 blocks deep after 2 more blocks" "$(cat "$T/out")" "allowed 1 reason '' revoked 0 approvals 3 threshold 3"
kc_fails pin "$RPC" "$APP" 100000
err_has "fewer than the 100000 confirmations"
kc pin "$RPC" "$APP" finalized
is "pin finalized" "$(cut -d' ' -f1 "$T/out")" "$("$CAST" block finalized -f number)"
# A block hash that is not on the chain is refused, not read as another block.
kc_fails compose "$RPC" "$APP" "$(h 0xbad)" "$H"
err_has "eth_call: node error"
ok "confirmations: N blocks below the latest (the state there), more than the chain has refused; finalized is the node's; an unknown block refused"

# --- timeouts -------------------------------------------------------------------------
t0=$(ms)
KC_TIMEOUT_MS=1000 kc_fails pin http://127.0.0.1:1 "$APP" 0
err_has "^c2d-kmschaintool: http://127.0.0.1:1: eth_chainId: "
# A node that accepts the connection and never answers: anvil, stopped.
kill -STOP "$ANVIL_PID"
t1=$(ms)
KC_TIMEOUT_MS=1500 kc_fails pin "$RPC" "$APP" 0
t2=$(ms)
kill -CONT "$ANVIL_PID"
err_has "eth_chainId: Timeout was reached"
[ $((t2 - t1)) -ge 1400 ] && [ $((t2 - t1)) -lt 4000 ] || fail "a silent node took $((t2 - t1)) ms, expected about 1500"
[ $((t1 - t0)) -lt 4000 ] || fail "an unreachable node took $((t1 - t0)) ms"
ok "an unreachable node fails at once, a silent one after the timeout ($((t2 - t1)) ms for 1500), never a hang"

# --- spend with the release log's head --------------------------------------------------
kc spend "$RPC" "$APP" 0 "$KEY5" "$H" 100 50 "$R1" "$LH1" "$ADDR1:$D1" "$ADDR2:$D2"
read -r _ TX1 _ BLK1 <"$T/out"
"$CAST" receipt --json "$TX1" >"$T/r1.json"
is "spend receipt status" "$(jq -r .status "$T/r1.json")" 0x1
is "spend block" "$("$CAST" to-dec "$(jq -r .blockNumber "$T/r1.json")")" "$BLK1"
is "Released log" "$(jq -c '.logs[-1] | [.topics, .data]' "$T/r1.json")" \
	"[[\"$("$CAST" keccak "Released(bytes32,bytes32,bytes32)")\",\"$R1\",\"$H\"],\"$LH1\"]"
is "logHeadOf(R1)" "$("$CAST" call "$APP" "logHeadOf(bytes32)(bytes32)" "$R1")" "$LH1"
kc pin "$RPC" "$APP" 0
kc dataset "$RPC" "$APP" "$(cut -d' ' -f2 "$T/out")" "$H" "$ADDR2" "$D2"
is "owner 2's dataset after the spend" "$(cat "$T/out")" "approved 1 expires 0 budget 1 1000 100 1000 50"
ok "spend sends spend(compose, pairs, eps, rho, run, head) from the KMS key: Released carries the head, logHeadOf keeps it, both budgets charged"

kc verify "$RPC" "$APP" run "$R1" "$LH1" tx "$TX1" "$LH1"
is "verify by run and by tx" "$(cat "$T/out")" "$(printf 'match run %s head %s tx %s block %s\n' "$R1" "$LH1" "$TX1" "$BLK1")
$(printf 'match run %s head %s tx %s block %s' "$R1" "$LH1" "$TX1" "$BLK1")"
kc_fails verify "$RPC" "$APP" run "$R1" "$LH1" run "$R1" "$LH2"
is "verify, second head changed" "$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" "match mismatch "
err_has "^c2d-kmschaintool: anchor 2: the release log says head $LH2, the chain $LH1 \(block $BLK1\)$"
kc_fails verify "$RPC" "$APP" tx "$TX1" "$LH2"
is "verify by tx, head changed" "$(cut -d' ' -f1 "$T/out")" mismatch
kc_fails verify "$RPC" "$APP" run "$R9" "$LH1"
is "verify of a run never spent" "$(cat "$T/out")" missing
err_has "anchor 1 \(head $LH1\): no spend of that run on chain"
kc_fails verify "$RPC" "$APP" tx "$(h 0x7)" "$LH1"
is "verify of an unknown transaction" "$(cat "$T/out")" unmined
err_has "anchor 1 \(head $LH1\): the transaction is not mined"
ok "verify: the heads of a release log match the Released events, by run and by transaction; a changed head, an unspent run and an unknown transaction are refused, naming the anchor"

kc_fails spend "$RPC" "$APP" 0 "$KEY6" "$H" 1 1 "$R2" "$LH2" "$ADDR1:$D1"
err_has "eth_estimateGas: reverted: c2d: only the KMS$"
kc_fails spend "$RPC" "$APP" 0 "$KEY5" "$H" 1 1 "$R1" "$LH2" "$ADDR1:$D1"
err_has "reverted: c2d: run already spent$"
kc_fails spend "$RPC" "$APP" 0 "$KEY5" "$H" 1 1 "$R2" "$(h 0)" "$ADDR1:$D1"
err_has "spend: the release log's head is zero$"
ok "a spend the contract refuses is an error with its reason, and nothing is sent"

# --- the wait for depth -----------------------------------------------------------------
# 2 confirmations: the spend is mined at once (automine), then waits for two more blocks.
"$tool" spend "$RPC" "$APP" 2 "$KEY5" "$H" 1 1 "$R2" "$LH2" "$ADDR1:$D1" >"$T/deep.out" 2>"$T/deep.err" &
deep=$!
i=0
until [ "$("$CAST" call "$APP" "logHeadOf(bytes32)(bytes32)" "$R2")" = "$LH2" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the spend of R2 was not mined within 10 s"; sleep 0.1
done
sleep 1
kill -0 "$deep" 2>/dev/null || { cat "$T/deep.out" "$T/deep.err" >&2; fail "the spend returned before 2 confirmations"; }
"$CAST" rpc anvil_mine 0x2 >/dev/null
rc=0; wait "$deep" || rc=$?
[ $rc = 0 ] || { cat "$T/deep.err" >&2; fail "the spend with 2 confirmations failed"; }
read -r _ _ _ BLK2 <"$T/deep.out"
is "latest when the spend returned" "$(latest)" "$((BLK2 + 2))"
ok "a spend with 2 confirmations returns only once two blocks lie on its own"

# No block mined: the wait ends at its deadline, with an error.
"$CAST" rpc evm_setAutomine false >/dev/null
t1=$(ms)
KC_WAIT_MS=1500 kc_fails spend "$RPC" "$APP" 0 "$KEY5" "$H" 1 1 "$R3" "$LH3" "$ADDR1:$D1"
t2=$(ms)
err_has "spend 0x[0-9a-f]{64}: not deep enough within 1500 ms$"
[ $((t2 - t1)) -lt 5000 ] || fail "the wait took $((t2 - t1)) ms for a deadline of 1500"
"$CAST" rpc evm_setAutomine true >/dev/null
"$CAST" rpc evm_mine >/dev/null
ok "with no block mined the spend's wait ends at its deadline ($((t2 - t1)) ms for 1500) as an error"

# --- the chain drops out between the read and the spend ------------------------------------
mkfifo "$T/go"
"$tool" read-then-spend "$RPC" "$APP" 0 "$KEY5" "$H" 1 1 "$R4" "$LH4" "$ADDR1:$D1" <"$T/go" >"$T/rs.out" 2>"$T/rs.err" &
rs=$!
exec 3>"$T/go"
i=0
until grep -q '^read at' "$T/rs.out"; do i=$((i + 1)); [ $i -lt 100 ] || fail "no read within 10 s"; sleep 0.1; done
echo go >&3
exec 3>&-
rc=0; wait "$rs" || rc=$?
[ $rc = 0 ] || { cat "$T/rs.err" >&2; fail "read, then spend, with the chain up"; }
is "R4's head" "$("$CAST" call "$APP" "logHeadOf(bytes32)(bytes32)" "$R4")" "$LH4"

# --- c2d kms log verify --rpc -----------------------------------------------------------
# A release log written from docs/kms-protocol.md: a refusal, then a release
# whose spend (sent here) carried the head after the refusal.
mklog() {
	python3 - "$@" <<'PY'
import hashlib, json, sys
path, step = sys.argv[1], sys.argv[2]
head, lines = bytes(32), []
def line(d):
    global head
    d.update(v=1, seq=len(lines), prev=head.hex(), time=1767312000 + len(lines))
    t = json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    head = hashlib.sha256(b"c2d-kms-log-v1" + head + t.encode()).digest()
    lines.append(t)
line({"outcome": "refusal", "check": "quorum", "reason": "2 of the 3 approvals", "block": 1})
if step == "head":
    print(head.hex())
    sys.exit(0)
tx, anchor = sys.argv[3], sys.argv[4]
line({"outcome": "release", "block": 2, "compose_hash": "ab" * 32, "app_id": "c2" * 20,
      "datasets": [{"owner": "a1" * 20, "dataset_id": "d1" * 32}], "run_id": "07" * 32,
      "run_signer": "55" * 20, "spend_tx": tx, "anchor": anchor})
open(path, "w").write("".join(l + "\n" for l in lines))
PY
}
LOGH=$(mklog "$T/rl.log" head)
kc spend "$RPC" "$APP" 0 "$KEY5" "$H" 1 1 "$(h 0x207)" "0x$LOGH" "$ADDR1:$D1"
read -r _ TX7 _ _ <"$T/out"
c2d=$top/out/bin/c2d
mklog "$T/rl.log" log "${TX7#0x}" "$LOGH"
"$c2d" kms log verify "$T/rl.log" --rpc "$RPC" --app "$APP" >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "log verify --rpc"; }
grep -q '^lines 2$' "$T/out" || fail "log verify --rpc: not 2 lines"
# The same release claiming the empty log's head: offline that is an
# earlier head, but the chain carries another.
mklog "$T/rl0.log" log "${TX7#0x}" "$(printf '%064d' 0)"
"$c2d" kms log verify "$T/rl0.log" >/dev/null || fail "the re-anchored log should verify offline"
rc=0; "$c2d" kms log verify "$T/rl0.log" --rpc "$RPC" --app "$APP" >"$T/out" 2>&1 || rc=$?
[ $rc = 1 ] || { cat "$T/out" >&2; fail "log verify --rpc of a re-anchored release: exit $rc, expected 1"; }
grep -q "rl0.log:2: " "$T/out" || { cat "$T/out" >&2; fail "the refusal does not name line 2"; }
ok "log verify --rpc checks each release's anchor against its spend on chain; another head is refused by line"

"$tool" read-then-spend "$RPC" "$APP" 0 "$KEY5" "$H" 1 1 "$R5" "$LH5" "$ADDR1:$D1" <"$T/go" >"$T/rs.out" 2>"$T/rs.err" &
rs=$!
exec 3>"$T/go"
i=0
until grep -q '^read at .* allowed 1 approved 1$' "$T/rs.out"; do i=$((i + 1)); [ $i -lt 100 ] || fail "no read within 10 s"; sleep 0.1; done
anvil_stop
echo go >&3
exec 3>&-
rc=0; wait "$rs" || rc=$?
[ $rc = 1 ] || { cat "$T/rs.out" "$T/rs.err" >&2; fail "spend after the chain dropped out: exit $rc, expected 1"; }
grep -q "Connection refused" "$T/rs.err" || { cat "$T/rs.err" >&2; fail "the error does not say the node is gone"; }
grep -q '^tx ' "$T/rs.out" && fail "a spend reported success without a chain"
ok "the chain dropping out between the read (which allowed) and the spend is an error, not a release"
