#!/bin/sh
# C2DConsortium on a local anvil, driven by cast: the quorum, revocation, per-owner
# consent, budgets and every revert reason, with each event's fields checked.
# Owners ADDR1..ADDR4 in three jurisdictions, threshold 3, KMS ADDR5; ADDR6 is
# no owner; ADDR0 deploys.
. "$(dirname "$0")/lib.sh"
anvil_start

BOOT='(address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[])'
Z32=0x$(printf '%064d' 0)
h() { printf '0x%064x' "$1"; } # a bytes32 from a small number
H1=$("$CAST" keccak "compose one")
H2=$("$CAST" keccak "compose two")
H3=$("$CAST" keccak "compose three")
H4=$("$CAST" keccak "compose four")
D1=$(h 0xd1) D2=$(h 0xd2) D3=$(h 0xd3) D4=$(h 0xd4) D5=$(h 0xd5) D9=$(h 0xd9)
R1=$(h 0x101) R2=$(h 0x102) R3=$(h 0x103) R4=$(h 0x104) R5=$(h 0x105) R6=$(h 0x106)
lc() { printf %s "$1" | tr 'A-F' 'a-f'; }
topic_addr() { printf '0x%024d%s' 0 "$(lc "$1" | cut -c3-)"; }

# send KEY SIG ARGS...: a transaction to $APP that must succeed; its receipt in $T/receipt.json.
send() {
	_k=$1; shift
	"$CAST" send --private-key "$_k" --json "$APP" "$@" >"$T/receipt.json" 2>"$T/send.err" ||
		{ cat "$T/send.err" >&2; fail "'$*' failed"; }
	[ "$(jq -r .status "$T/receipt.json")" = 0x1 ] || fail "'$*' reverted on chain"
}
gas() { "$CAST" to-dec "$(jq -r .gasUsed "$T/receipt.json")"; }
# reverts REASON KEY SIG ARGS...: the transaction is refused with exactly Error(REASON).
reverts() {
	_why=$1 _k=$2; shift 2
	_rc=0
	"$CAST" send --private-key "$_k" "$APP" "$@" >"$T/out" 2>&1 || _rc=$?
	[ "$_rc" != 0 ] || fail "'$*' succeeded, expected a revert with \"$_why\""
	_data=$("$CAST" calldata "Error(string)" "$_why")
	grep -Fq "execution reverted: $_why, data: \"$_data\"" "$T/out" ||
		{ cat "$T/out" >&2; fail "'$*' did not revert with Error(\"$_why\")"; }
}
# view SIG ARGS...: prints the call's result (one line per returned value).
view() { "$CAST" call "$APP" "$@" || fail "call '$*' failed"; }
is() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }
# event SIG TOPIC... -- DATA: the last receipt has exactly one log with SIG's topic 0,
# emitted by $APP, with these further topics and this data.
event() {
	_sig=$1; shift
	_t0=$("$CAST" keccak "$_sig")
	_topics="\"$_t0\""
	while [ "$1" != -- ]; do _topics="$_topics,\"$(lc "$1")\""; shift; done
	_want_data=$(lc "$2")
	jq -c --arg t "$_t0" '[.logs[] | select(.topics[0] == $t)]' "$T/receipt.json" >"$T/ev.json"
	is "$_sig: number of logs" "$(jq length "$T/ev.json")" 1
	is "$_sig: emitter" "$(jq -r '.[0].address' "$T/ev.json")" "$(lc "$APP")"
	is "$_sig: topics" "$(jq -c '.[0].topics' "$T/ev.json")" "[$_topics]"
	is "$_sig: data" "$(jq -r '.[0].data' "$T/ev.json")" "$_want_data"
}
no_event() {
	is "no $1 expected" "$(jq --arg t "$("$CAST" keccak "$1")" '[.logs[] | select(.topics[0] == $t)] | length' "$T/receipt.json")" 0
}
enc() { "$CAST" abi-encode "$@"; }
# state HASH ALLOWED REASON: allowedComposeHashes and isAppAllowed agree on HASH.
state() {
	is "allowedComposeHashes($1)" "$(view "allowedComposeHashes(bytes32)(bool)" "$1")" "$2"
	view "isAppAllowed($BOOT)(bool,string)" "($APP,$1,$ADDR7,$Z32,$Z32,$Z32,$Z32,UpToDate,[])" >"$T/ok"
	is "isAppAllowed($1)" "$(tr '\n' ' ' <"$T/ok")" "$2 \"$3\" "
}
budget() { view "budgetOf(bytes32)(address,uint64,uint64)" "$1" | sed 's/ .*//' | tr '\n' ' '; }

# --- the constructor refuses bad arguments ------------------------------------------
ctor_reverts() {
	_why=$1; shift
	_args=$(enc "constructor(string,address[],string[],string[],uint256,address)" "$@")
	_rc=0
	"$CAST" send --private-key "$KEY0" --create "$(jq -r .bytecode "$ARTIFACT")$(echo "$_args" | cut -c3-)" \
		>"$T/out" 2>&1 || _rc=$?
	[ "$_rc" != 0 ] || fail "constructor($*) succeeded, expected \"$_why\""
	grep -Fq "execution reverted: $_why, data: \"$("$CAST" calldata "Error(string)" "$_why")\"" "$T/out" ||
		{ cat "$T/out" >&2; fail "constructor($*) did not revert with \"$_why\""; }
}
O4="[$ADDR1,$ADDR2,$ADDR3,$ADDR4]"
J4='["US","DE","DE","CH"]'
L4='["hospital records=412000 HIPAA","clinic records=98000 GDPR","registry records=1200000 GDPR","insurer records=300000 FADP"]'
ctor_reverts "c2d: threshold out of range" "C" "$O4" "$J4" "$L4" 0 "$ADDR5"
ctor_reverts "c2d: threshold out of range" "C" "$O4" "$J4" "$L4" 5 "$ADDR5"
ctor_reverts "c2d: threshold out of range" "C" "[]" "[]" "[]" 1 "$ADDR5"
ctor_reverts "c2d: duplicate owner" "C" "[$ADDR1,$ADDR2,$ADDR3,$ADDR1]" "$J4" "$L4" 3 "$ADDR5"
ctor_reverts "c2d: zero owner address" "C" "[$ADDR1,0x0000000000000000000000000000000000000000,$ADDR3,$ADDR4]" \
	"$J4" "$L4" 3 "$ADDR5"
ctor_reverts "c2d: owners, jurisdictions and labels differ in length" "C" "$O4" '["US","DE","DE"]' "$L4" 3 "$ADDR5"
ctor_reverts "c2d: owners, jurisdictions and labels differ in length" "C" "$O4" "$J4" '["a","b","c","d","e"]' 3 "$ADDR5"
ctor_reverts "c2d: zero KMS address" "C" "$O4" "$J4" "$L4" 3 0x0000000000000000000000000000000000000000
many=$(i=1; while [ $i -le 65 ]; do printf '0x%040x,' $i; i=$((i + 1)); done)
strs=$(i=1; while [ $i -le 65 ]; do printf '"x",'; i=$((i + 1)); done)
ctor_reverts "c2d: too many owners" "C" "[${many%,}]" "[${strs%,}]" "[${strs%,}]" 3 "$ADDR5"
ok "the constructor refuses threshold 0 and > n, no owners, a duplicate or zero owner, unequal lengths, a zero KMS, > 64 owners"

# --- deployment ------------------------------------------------------------------------
APP=$(consortium_deploy "$KEY0" "Rare disease consortium" "$O4" "$J4" "$L4" 3 "$ADDR5")
cp "$T/deploy.json" "$T/receipt.json"
deploy_gas=$(gas)
event "Constituted(string,uint256,address,uint256)" -- \
	"$(enc "f(string,uint256,address,uint256)" "Rare disease consortium" 3 "$ADDR5" 4)"
jq -c --arg t "$("$CAST" keccak "OwnerRegistered(address,uint256,string,string)")" \
	'[.logs[] | select(.topics[0] == $t) | .topics[1], .data]' "$T/receipt.json" >"$T/ev.json"
is "OwnerRegistered logs" "$(jq -c . "$T/ev.json")" "[\"$(topic_addr "$ADDR1")\",\"$(enc "f(uint256,string,string)" 0 US "hospital records=412000 HIPAA")\",\"$(topic_addr "$ADDR2")\",\"$(enc "f(uint256,string,string)" 1 DE "clinic records=98000 GDPR")\",\"$(topic_addr "$ADDR3")\",\"$(enc "f(uint256,string,string)" 2 DE "registry records=1200000 GDPR")\",\"$(topic_addr "$ADDR4")\",\"$(enc "f(uint256,string,string)" 3 CH "insurer records=300000 FADP")\"]"
is "name" "$(view "name()(string)")" '"Rare disease consortium"'
is "threshold" "$(view "threshold()(uint256)")" 3
is "kms" "$(view "kms()(address)")" "$ADDR5"
is "ownerCount" "$(view "ownerCount()(uint256)")" 4
is "ownerAt(1)" "$(view "ownerAt(uint256)(address,string,string)" 1 | tr '\n' '|')" \
	"$ADDR2|\"DE\"|\"clinic records=98000 GDPR\"|"
is "ownerAt(3)" "$(view "ownerAt(uint256)(address,string,string)" 3 | tr '\n' '|')" \
	"$ADDR4|\"CH\"|\"insurer records=300000 FADP\"|"
rc=0
"$CAST" call "$APP" "ownerAt(uint256)(address,string,string)" 4 >"$T/out" 2>&1 || rc=$?
[ $rc != 0 ] && grep -Fq "$("$CAST" calldata "Panic(uint256)" 50)" "$T/out" || fail "ownerAt(4) did not fail with an index panic"
is "isOwner(owner)" "$(view "isOwner(address)(bool)" "$ADDR4")" true
is "isOwner(KMS)" "$(view "isOwner(address)(bool)" "$ADDR5")" false
ok "deployed: name, threshold, KMS, owners in order with jurisdictions and labels; Constituted and OwnerRegistered logs"

# --- the quorum ---------------------------------------------------------------------
state "$H1" false "compose hash not approved by the quorum"
send "$KEY1" "approve(bytes32)" "$H1"
approve_gas=$(gas)
event "Approved(bytes32,address,uint256)" "$H1" "$(topic_addr "$ADDR1")" -- "$(enc "f(uint256)" 1)"
no_event "ComposeHashAdded(bytes32)"
send "$KEY2" "approve(bytes32)" "$H1"
event "Approved(bytes32,address,uint256)" "$H1" "$(topic_addr "$ADDR2")" -- "$(enc "f(uint256)" 2)"
no_event "ComposeHashAdded(bytes32)"
is "approvalCount after 2" "$(view "approvalCount(bytes32)(uint256)" "$H1")" 2
state "$H1" false "compose hash not approved by the quorum"
is "hasApproved(H1, owner 2)" "$(view "hasApproved(bytes32,address)(bool)" "$H1" "$ADDR2")" true
is "hasApproved(H1, owner 3)" "$(view "hasApproved(bytes32,address)(bool)" "$H1" "$ADDR3")" false
ok "k-1 approvals: not allowed, in allowedComposeHashes and isAppAllowed"

reverts "c2d: already approved" "$KEY2" "approve(bytes32)" "$H1"
reverts "c2d: already approved" "$KEY2" "addComposeHash(bytes32)" "$H1"
send "$KEY3" "addComposeHash(bytes32)" "$H1" # the dstack name: exactly approve
quorum_gas=$(gas)
event "Approved(bytes32,address,uint256)" "$H1" "$(topic_addr "$ADDR3")" -- "$(enc "f(uint256)" 3)"
event "ComposeHashAdded(bytes32)" -- "$H1"
state "$H1" true ""
send "$KEY4" "approve(bytes32)" "$H1"
event "Approved(bytes32,address,uint256)" "$H1" "$(topic_addr "$ADDR4")" -- "$(enc "f(uint256)" 4)"
no_event "ComposeHashAdded(bytes32)"
state "$H1" true ""
is "ComposeHashAdded(H1) in the whole history" \
	"$("$CAST" logs --json --from-block 0 --address "$APP" "ComposeHashAdded(bytes32)" | jq length)" 1
is "isAppAllowed with another appId" \
	"$(view "isAppAllowed($BOOT)(bool,string)" "($ADDR0,$H1,$ADDR7,$Z32,$Z32,$Z32,$Z32,UpToDate,[])" | tr '\n' ' ')" \
	'false "wrong app" '
ok "k approvals (the k-th through addComposeHash): allowed, ComposeHashAdded once; a 4th keeps it; a second approval and another app refused"

for f in approve addComposeHash revoke removeComposeHash; do
	reverts "c2d: not an owner" "$KEY6" "$f(bytes32)" "$H1"
	reverts "c2d: not an owner" "$KEY5" "$f(bytes32)" "$H1" # the KMS is no owner
done
reverts "c2d: not an owner" "$KEY6" "setBudget(bytes32,uint64)" "$D9" 1
state "$H1" true ""
ok "approve, addComposeHash, revoke, removeComposeHash and setBudget by a non-owner (and by the KMS) revert"

# H2: approved by owners 1-3, not 4.  H3: by owners 1 and 2 only.
for k in "$KEY1" "$KEY2" "$KEY3"; do send "$k" "approve(bytes32)" "$H2"; done
send "$KEY1" "approve(bytes32)" "$H3"
send "$KEY2" "approve(bytes32)" "$H3"
state "$H2" true ""
state "$H3" false "compose hash not approved by the quorum"

# --- budgets ------------------------------------------------------------------------
send "$KEY1" "setBudget(bytes32,uint64)" "$D1" 1000
event "BudgetSet(bytes32,address,uint64)" "$D1" "$(topic_addr "$ADDR1")" -- "$(enc "f(uint64)" 1000)"
send "$KEY2" "setBudget(bytes32,uint64)" "$D2" 300
send "$KEY3" "setBudget(bytes32,uint64)" "$D3" 500
send "$KEY4" "setBudget(bytes32,uint64)" "$D4" 500
reverts "c2d: dataset owned by another owner" "$KEY2" "setBudget(bytes32,uint64)" "$D1" 5
is "budgetOf(D1)" "$(budget "$D1")" "$ADDR1 1000 0 "
is "budgetOf(unset)" "$(budget "$D9")" "0x0000000000000000000000000000000000000000 0 0 "
ok "setBudget: the first owner owns the dataset id, another owner's setBudget on it reverts"

reverts "c2d: only the KMS" "$KEY1" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1]" 1 "$R1"
reverts "c2d: only the KMS" "$KEY0" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1]" 1 "$R1"
send "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1,$D2]" 200 "$R1"
jq -c --arg t "$("$CAST" keccak "Spent(bytes32,bytes32,bytes32,uint64,uint64)")" \
	'[.logs[] | select(.topics[0] == $t) | .topics[1:], .data]' "$T/receipt.json" >"$T/ev.json"
is "Spent logs" "$(jq -c . "$T/ev.json")" \
	"[[\"$R1\",\"$H1\",\"$D1\"],\"$(enc "f(uint64,uint64)" 200 200)\",[\"$R1\",\"$H1\",\"$D2\"],\"$(enc "f(uint64,uint64)" 200 200)\"]"
send "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1,$D2,$D3,$D4]" 100 "$R2"
spend4_gas=$(gas)
is "budgetOf(D1)" "$(budget "$D1")" "$ADDR1 1000 300 "
is "budgetOf(D2)" "$(budget "$D2")" "$ADDR2 300 300 "
is "budgetOf(D4)" "$(budget "$D4")" "$ADDR4 500 100 "
ok "spend by the KMS charges every dataset, Spent per dataset with the running total; anyone else's spend reverts"

# D1 has room, D2 (second) does not: nothing is charged. Once refused at estimation,
# once mined with a fixed gas limit (status 0), state unchanged both times.
reverts "c2d: budget exceeded" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1,$D2]" 1 "$R3"
rc=0
"$CAST" send --private-key "$KEY5" --gas-limit 300000 --json "$APP" "spend(bytes32,bytes32[],uint64,bytes32)" \
	"$H1" "[$D1,$D2]" 1 "$R3" >"$T/receipt.json" 2>"$T/out" || rc=$?
is "mined over-budget spend: status" "$(jq -r .status "$T/receipt.json" 2>/dev/null || echo "cast rc $rc")" 0x0
is "mined over-budget spend: logs" "$(jq '.logs | length' "$T/receipt.json")" 0
is "budgetOf(D1) after refused spends" "$(budget "$D1")" "$ADDR1 1000 300 "
is "budgetOf(D2) after refused spends" "$(budget "$D2")" "$ADDR2 300 300 "
send "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1]" 1 "$R3" # R3 was never spent
reverts "c2d: run already spent" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1]" 1 "$R1"
reverts "c2d: no datasets" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[]" 1 "$R4"
reverts "c2d: duplicate dataset" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1,$D3,$D1]" 1 "$R4"
reverts "c2d: no budget for dataset" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D1,$D9]" 1 "$R4"
ids=$(i=1; while [ $i -le 65 ]; do printf '0x%064x,' $i; i=$((i + 1)); done)
reverts "c2d: too many datasets" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[${ids%,}]" 1 "$R4"
reverts "c2d: compose hash not allowed" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H3" "[$D1]" 1 "$R4"
reverts "c2d: compose hash not allowed" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H4" "[$D1]" 1 "$R4"
# H2 is allowed, but D4's owner (owner 4) did not approve it: no key, no spend.
reverts "c2d: dataset owner has not approved" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H2" "[$D1,$D4]" 1 "$R4"
send "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H2" "[$D1,$D3]" 1 "$R4"
is "budgetOf(D1)" "$(budget "$D1")" "$ADDR1 1000 302 "
ok "all-or-nothing: a spend over one cap, on an unallowed hash, a dataset whose owner did not approve, a reused run, none, a duplicate, an unbudgeted or > 64 datasets reverts and charges nothing"

reverts "c2d: cap below spent" "$KEY1" "setBudget(bytes32,uint64)" "$D1" 301
send "$KEY1" "setBudget(bytes32,uint64)" "$D1" 302
event "BudgetSet(bytes32,address,uint64)" "$D1" "$(topic_addr "$ADDR1")" -- "$(enc "f(uint64)" 302)"
MAX64=18446744073709551615
send "$KEY1" "setBudget(bytes32,uint64)" "$D5" "$MAX64"
send "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D5]" "$MAX64" "$R5"
reverts "c2d: budget exceeded" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D5]" 1 "$R6"
is "budgetOf(D5)" "$(budget "$D5")" "$ADDR1 $MAX64 $MAX64 "
ok "a cap below spent reverts, equal to it is accepted; at 2^64-1 spent, one more micro-epsilon is 'budget exceeded', not an overflow"

# --- revocation ---------------------------------------------------------------------
send "$KEY1" "removeComposeHash(bytes32)" "$H2" # the dstack name: exactly revoke
event "Revoked(bytes32,address)" "$H2" "$(topic_addr "$ADDR1")" -- 0x
event "ComposeHashRemoved(bytes32)" -- "$H2"
state "$H2" false "compose hash revoked"
is "isRevoked(H2)" "$(view "isRevoked(bytes32)(bool)" "$H2")" true
reverts "c2d: compose hash revoked" "$KEY4" "approve(bytes32)" "$H2"
reverts "c2d: compose hash revoked" "$KEY4" "addComposeHash(bytes32)" "$H2"
reverts "c2d: already revoked" "$KEY2" "revoke(bytes32)" "$H2"
reverts "c2d: already revoked" "$KEY3" "removeComposeHash(bytes32)" "$H2"
reverts "c2d: compose hash not allowed" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H2" "[$D3]" 1 "$R6"
state "$H2" false "compose hash revoked"
is "approvalCount(H2) after revoke" "$(view "approvalCount(bytes32)(uint256)" "$H2")" 3

send "$KEY4" "revoke(bytes32)" "$H1"
revoke_gas=$(gas)
event "Revoked(bytes32,address)" "$H1" "$(topic_addr "$ADDR4")" -- 0x
event "ComposeHashRemoved(bytes32)" -- "$H1"
state "$H1" false "compose hash revoked"
reverts "c2d: compose hash not allowed" "$KEY5" "spend(bytes32,bytes32[],uint64,bytes32)" "$H1" "[$D3]" 1 "$R6"

# H3 revoked below the quorum: the approvals that would reach it are refused.
send "$KEY3" "revoke(bytes32)" "$H3"
reverts "c2d: compose hash revoked" "$KEY3" "approve(bytes32)" "$H3"
reverts "c2d: compose hash revoked" "$KEY4" "approve(bytes32)" "$H3"
state "$H3" false "compose hash revoked"
# H4, never approved, revoked pre-emptively by an owner who never approved anything of it.
send "$KEY2" "revoke(bytes32)" "$H4"
state "$H4" false "compose hash revoked"
for k in "$KEY1" "$KEY3" "$KEY4"; do reverts "c2d: compose hash revoked" "$k" "approve(bytes32)" "$H4"; done
state "$H4" false "compose hash revoked"
ok "one revoke (by any owner, revoke or removeComposeHash): not allowed for ever, approvals and spends refused, ComposeHashRemoved emitted"

# --- the history in the logs ----------------------------------------------------------
"$CAST" logs --json --from-block 0 --address "$APP" "Approved(bytes32 indexed,address indexed,uint256)" "$H1" >"$T/h.json"
is "Approved(H1) logs" "$(jq length "$T/h.json")" 4
is "ComposeHashRemoved logs" \
	"$("$CAST" logs --json --from-block 0 --address "$APP" "ComposeHashRemoved(bytes32)" | jq length)" 4
is "Spent logs" \
	"$("$CAST" logs --json --from-block 0 --address "$APP" "Spent(bytes32 indexed,bytes32 indexed,bytes32 indexed,uint64,uint64)" | jq length)" 10
ok "the logs hold every approval, revocation and charge"

echo "gas: deploy (4 owners) $deploy_gas, approve $approve_gas, approve reaching the quorum $quorum_gas, revoke $revoke_gas, spend with 4 datasets $spend4_gas"
