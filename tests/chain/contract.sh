#!/bin/sh
# C2DConsortium on a local anvil, driven by cast: the quorum, expiring approvals
# (with anvil's clock), revocation, per-owner consent, budgets of (owner, dataset)
# in epsilon and rho, a squatted dataset id, and every revert reason, with each
# event's fields checked. Owners ADDR1..ADDR4 in three jurisdictions, threshold 3,
# KMS ADDR5; ADDR6 is no owner; ADDR0 deploys.
. "$(dirname "$0")/lib.sh"
anvil_start

BOOT='(address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[])'
Z32=0x$(printf '%064d' 0)
h() { printf '0x%064x' "$1"; } # a bytes32 from a small number
H1=$("$CAST" keccak "compose one")
H2=$("$CAST" keccak "compose two")
H3=$("$CAST" keccak "compose three")
H4=$("$CAST" keccak "compose four")
H5=$("$CAST" keccak "compose five")
H6=$("$CAST" keccak "compose six")
H7=$("$CAST" keccak "compose seven")
D1=$(h 0xd1) D2=$(h 0xd2) D3=$(h 0xd3) D4=$(h 0xd4) D5=$(h 0xd5) D9=$(h 0xd9)
R1=$(h 0x101) R2=$(h 0x102) R3=$(h 0x103) R4=$(h 0x104) R5=$(h 0x105) R6=$(h 0x106)
# Release-log heads that spends carry (any non-zero bytes32).
LH=$("$CAST" keccak "release log head") LH2=$("$CAST" keccak "another head")
R7=$(h 0x107) R8=$(h 0x108) R9=$(h 0x109) R10=$(h 0x10a) R11=$(h 0x10b) R12=$(h 0x10c)
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
# budget OWNER ID: "set capEps spentEps capRho spentRho " of OWNER's dataset ID.
budget() { view "budgetOf(address,bytes32)(bool,uint64,uint64,uint64,uint64)" "$1" "$2" | sed 's/ .*//' | tr '\n' ' '; }
SETB="setBudget(bytes32,uint64,uint64)"
SPEND="spend(bytes32,(address,bytes32)[],uint64,uint64,bytes32,bytes32)"
APPROVED="Approved(bytes32,address,uint256,uint64)"
# anvil's clock: the timestamp of the latest block, and of the next one to be mined.
now() { "$CAST" block latest -f timestamp; }
next_block_at() { "$CAST" rpc evm_setNextBlockTimestamp "$1" >/dev/null; }
mine_at() { next_block_at "$1"; "$CAST" rpc evm_mine >/dev/null; is "block time" "$(now)" "$1"; }

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
event "$APPROVED" "$H1" "$(topic_addr "$ADDR1")" -- "$(enc "f(uint256,uint64)" 1 0)"
no_event "ComposeHashAdded(bytes32)"
send "$KEY2" "approve(bytes32)" "$H1"
event "$APPROVED" "$H1" "$(topic_addr "$ADDR2")" -- "$(enc "f(uint256,uint64)" 2 0)"
no_event "ComposeHashAdded(bytes32)"
is "approvalCount after 2" "$(view "approvalCount(bytes32)(uint256)" "$H1")" 2
state "$H1" false "compose hash not approved by the quorum"
is "hasApproved(H1, owner 2)" "$(view "hasApproved(bytes32,address)(bool)" "$H1" "$ADDR2")" true
is "hasApproved(H1, owner 3)" "$(view "hasApproved(bytes32,address)(bool)" "$H1" "$ADDR3")" false
is "approvalExpiry(H1, owner 2)" "$(view "approvalExpiry(bytes32,address)(uint64)" "$H1" "$ADDR2")" 0
ok "k-1 approvals: not allowed, in allowedComposeHashes and isAppAllowed"

reverts "c2d: already approved" "$KEY2" "approve(bytes32)" "$H1"
reverts "c2d: already approved" "$KEY2" "addComposeHash(bytes32)" "$H1"
send "$KEY3" "addComposeHash(bytes32)" "$H1" # the dstack name: exactly approve
quorum_gas=$(gas)
event "$APPROVED" "$H1" "$(topic_addr "$ADDR3")" -- "$(enc "f(uint256,uint64)" 3 0)"
event "ComposeHashAdded(bytes32)" -- "$H1"
state "$H1" true ""
send "$KEY4" "approve(bytes32)" "$H1"
event "$APPROVED" "$H1" "$(topic_addr "$ADDR4")" -- "$(enc "f(uint256,uint64)" 4 0)"
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
reverts "c2d: not an owner" "$KEY6" "approveUntil(bytes32,uint64)" "$H1" 0
reverts "c2d: not an owner" "$KEY5" "approveUntil(bytes32,uint64)" "$H1" 0
reverts "c2d: not an owner" "$KEY6" "$SETB" "$D9" 1 1
reverts "c2d: not an owner" "$KEY5" "$SETB" "$D9" 1 1
state "$H1" true ""
ok "approve, approveUntil, addComposeHash, revoke, removeComposeHash and setBudget by a non-owner (and by the KMS) revert"

# H2: approved by owners 1-3, not 4.  H3: by owners 1 and 2 only.  H5: by owners 2-4, not 1.
for k in "$KEY1" "$KEY2" "$KEY3"; do send "$k" "approve(bytes32)" "$H2"; done
send "$KEY1" "approve(bytes32)" "$H3"
send "$KEY2" "approve(bytes32)" "$H3"
for k in "$KEY2" "$KEY3" "$KEY4"; do send "$k" "approve(bytes32)" "$H5"; done
state "$H2" true ""
state "$H3" false "compose hash not approved by the quorum"
state "$H5" true ""

# --- budgets of (owner, dataset) ----------------------------------------------------------
# Owner 2 sets a budget for D1 first (D1 is public: every sealed header of owner 1's
# dataset carries it). That gives owner 2 a budget of its own, (owner 2, D1); owner 1's
# (owner 1, D1) is another budget, which owner 2 can neither set nor spend.
send "$KEY2" "$SETB" "$D1" 5 7
event "BudgetSet(address,bytes32,uint64,uint64)" "$(topic_addr "$ADDR2")" "$D1" -- "$(enc "f(uint64,uint64)" 5 7)"
send "$KEY1" "$SETB" "$D1" 1000 500
event "BudgetSet(address,bytes32,uint64,uint64)" "$(topic_addr "$ADDR1")" "$D1" -- "$(enc "f(uint64,uint64)" 1000 500)"
send "$KEY2" "$SETB" "$D2" 300 300
send "$KEY3" "$SETB" "$D3" 500 500
send "$KEY4" "$SETB" "$D4" 500 500
is "budgetOf(owner 1, D1)" "$(budget "$ADDR1" "$D1")" "true 1000 0 500 0 "
is "budgetOf(owner 2, D1)" "$(budget "$ADDR2" "$D1")" "true 5 0 7 0 "
is "budgetOf(owner 3, D1)" "$(budget "$ADDR3" "$D1")" "false 0 0 0 0 "
is "budgetOf(unset)" "$(budget "$ADDR1" "$D9")" "false 0 0 0 0 "
ok "setBudget keys the budget by (caller, id): owner 2 setting owner 1's id first gets its own budget, and owner 1's setBudget of that id still succeeds, apart"

reverts "c2d: only the KMS" "$KEY1" "$SPEND" "$H1" "[($ADDR1,$D1)]" 1 1 "$R1" "$LH"
reverts "c2d: only the KMS" "$KEY0" "$SPEND" "$H1" "[($ADDR1,$D1)]" 1 1 "$R1" "$LH"
reverts "c2d: only the KMS" "$KEY2" "$SPEND" "$H1" "[($ADDR1,$D1)]" 1 1 "$R1" "$LH" # the squatter
is "logHeadOf(R1) before its spend" "$(view "logHeadOf(bytes32)(bytes32)" "$R1")" "$Z32"
reverts "c2d: zero log head" "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1)]" 1 1 "$R1" "$Z32"
send "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1),($ADDR2,$D2)]" 200 100 "$R1" "$LH"
event "Released(bytes32,bytes32,bytes32)" "$R1" "$H1" -- "$LH"
is "the last log of a spend is Released" "$(jq -r '.logs[-1].topics[0]' "$T/receipt.json")" \
	"$("$CAST" keccak "Released(bytes32,bytes32,bytes32)")"
is "logHeadOf(R1)" "$(view "logHeadOf(bytes32)(bytes32)" "$R1")" "$LH"
jq -c --arg t "$("$CAST" keccak "Spent(address,bytes32,bytes32,bytes32,uint64,uint64,uint64,uint64)")" \
	'[.logs[] | select(.topics[0] == $t) | .topics[1:], .data]' "$T/receipt.json" >"$T/ev.json"
is "Spent logs" "$(jq -c . "$T/ev.json")" \
	"[[\"$(topic_addr "$ADDR1")\",\"$D1\",\"$H1\"],\"$(enc "f(bytes32,uint64,uint64,uint64,uint64)" "$R1" 200 100 200 100)\",[\"$(topic_addr "$ADDR2")\",\"$D2\",\"$H1\"],\"$(enc "f(bytes32,uint64,uint64,uint64,uint64)" "$R1" 200 100 200 100)\"]"
send "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1),($ADDR2,$D2),($ADDR3,$D3),($ADDR4,$D4)]" 100 50 "$R2" "$LH"
spend4_gas=$(gas)
is "budgetOf(owner 1, D1)" "$(budget "$ADDR1" "$D1")" "true 1000 300 500 150 "
is "budgetOf(owner 2, D2)" "$(budget "$ADDR2" "$D2")" "true 300 300 300 150 "
is "budgetOf(owner 4, D4)" "$(budget "$ADDR4" "$D4")" "true 500 100 500 50 "
is "budgetOf(owner 2, D1)" "$(budget "$ADDR2" "$D1")" "true 5 0 7 0 "
ok "spend by the KMS charges epsilon and rho to every (owner, dataset), Spent per dataset with the running totals; anyone else's spend reverts"
ok "spend records the release log's head: Released(run, compose-hash, head) once, after the Spent logs, and logHeadOf(run); a zero head reverts"

# D1 has room, D2 (second) has no epsilon left: nothing is charged. Once refused at
# estimation, once mined with a fixed gas limit (status 0), state unchanged both times.
reverts "c2d: epsilon budget exceeded" "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1),($ADDR2,$D2)]" 1 0 "$R3" "$LH"
rc=0
"$CAST" send --private-key "$KEY5" --gas-limit 300000 --json "$APP" "$SPEND" \
	"$H1" "[($ADDR1,$D1),($ADDR2,$D2)]" 1 0 "$R3" "$LH" >"$T/receipt.json" 2>"$T/out" || rc=$?
is "mined over-budget spend: status" "$(jq -r .status "$T/receipt.json" 2>/dev/null || echo "cast rc $rc")" 0x0
is "mined over-budget spend: logs" "$(jq '.logs | length' "$T/receipt.json")" 0
is "budgetOf(owner 1, D1) after refused spends" "$(budget "$ADDR1" "$D1")" "true 1000 300 500 150 "
is "budgetOf(owner 2, D2) after refused spends" "$(budget "$ADDR2" "$D2")" "true 300 300 300 150 "
# D3 has room for 400 more rho, D1 (second) has 350: nothing is charged.
reverts "c2d: rho budget exceeded" "$KEY5" "$SPEND" "$H1" "[($ADDR3,$D3),($ADDR1,$D1)]" 0 400 "$R3" "$LH"
is "budgetOf(owner 3, D3) after a refused spend" "$(budget "$ADDR3" "$D3")" "true 500 100 500 50 "
send "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1)]" 1 0 "$R3" "$LH" # R3 was never spent
reverts "c2d: run already spent" "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1)]" 1 1 "$R1" "$LH2"
is "logHeadOf(R1) after a second spend of R1 with another head" "$(view "logHeadOf(bytes32)(bytes32)" "$R1")" "$LH"
reverts "c2d: no datasets" "$KEY5" "$SPEND" "$H1" "[]" 1 1 "$R4" "$LH"
reverts "c2d: duplicate dataset" "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1),($ADDR3,$D3),($ADDR1,$D1)]" 1 1 "$R4" "$LH"
reverts "c2d: no budget for dataset" "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1),($ADDR1,$D9)]" 1 1 "$R4" "$LH"
reverts "c2d: no budget for dataset" "$KEY5" "$SPEND" "$H1" "[($ADDR3,$D1)]" 1 1 "$R4" "$LH" # D1 is not owner 3's
pairs=$(i=1; while [ $i -le 65 ]; do printf '(%s,0x%064x),' "$ADDR1" $i; i=$((i + 1)); done)
reverts "c2d: too many datasets" "$KEY5" "$SPEND" "$H1" "[${pairs%,}]" 1 1 "$R4" "$LH"
reverts "c2d: compose hash not allowed" "$KEY5" "$SPEND" "$H3" "[($ADDR1,$D1)]" 1 1 "$R4" "$LH"
reverts "c2d: compose hash not allowed" "$KEY5" "$SPEND" "$H4" "[($ADDR1,$D1)]" 1 1 "$R4" "$LH"
# H2 is allowed, but D4's owner (owner 4) did not approve it: no key, no spend.
reverts "c2d: dataset owner has not approved" "$KEY5" "$SPEND" "$H2" "[($ADDR1,$D1),($ADDR4,$D4)]" 1 1 "$R4" "$LH"
send "$KEY5" "$SPEND" "$H2" "[($ADDR1,$D1),($ADDR3,$D3)]" 1 1 "$R4" "$LH"
is "budgetOf(owner 1, D1)" "$(budget "$ADDR1" "$D1")" "true 1000 302 500 151 "
ok "all-or-nothing: a spend over one epsilon or rho cap, on an unallowed hash, a dataset whose owner did not approve, a reused run, none, a duplicate, an unbudgeted (owner, id) or > 64 datasets reverts and charges nothing"

# H5 is allowed by owners 2-4. Owner 1 did not approve it; owner 2, who set a budget
# for D1 too, did. The spend of (owner 1, D1) asks owner 1, whatever owner 2 did.
reverts "c2d: dataset owner has not approved" "$KEY5" "$SPEND" "$H5" "[($ADDR1,$D1)]" 1 1 "$R7" "$LH"
send "$KEY5" "$SPEND" "$H5" "[($ADDR2,$D1)]" 2 3 "$R7" "$LH"
event "Spent(address,bytes32,bytes32,bytes32,uint64,uint64,uint64,uint64)" \
	"$(topic_addr "$ADDR2")" "$D1" "$H5" -- "$(enc "f(bytes32,uint64,uint64,uint64,uint64)" "$R7" 2 3 2 3)"
is "budgetOf(owner 1, D1) after a spend of (owner 2, D1)" "$(budget "$ADDR1" "$D1")" "true 1000 302 500 151 "
is "budgetOf(owner 2, D1)" "$(budget "$ADDR2" "$D1")" "true 5 2 7 3 "
# One run may read both owners' datasets of the same id: two budgets, two charges.
send "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D1),($ADDR2,$D1)]" 1 1 "$R8" "$LH"
is "budgetOf(owner 1, D1)" "$(budget "$ADDR1" "$D1")" "true 1000 303 500 152 "
is "budgetOf(owner 2, D1)" "$(budget "$ADDR2" "$D1")" "true 5 3 7 4 "
ok "a squatted id: spending (owner 1, D1) needs owner 1's approval, not the squatter's; (owner 2, D1) is charged apart, also in the same run"

reverts "c2d: epsilon cap below spent" "$KEY1" "$SETB" "$D1" 302 500
reverts "c2d: rho cap below spent" "$KEY1" "$SETB" "$D1" 1000 151
send "$KEY1" "$SETB" "$D1" 303 152
event "BudgetSet(address,bytes32,uint64,uint64)" "$(topic_addr "$ADDR1")" "$D1" -- "$(enc "f(uint64,uint64)" 303 152)"
is "budgetOf(owner 1, D1)" "$(budget "$ADDR1" "$D1")" "true 303 303 152 152 "
MAX64=18446744073709551615
send "$KEY1" "$SETB" "$D5" "$MAX64" "$MAX64"
send "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D5)]" "$MAX64" "$MAX64" "$R5" "$LH"
reverts "c2d: epsilon budget exceeded" "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D5)]" 1 0 "$R6" "$LH"
reverts "c2d: rho budget exceeded" "$KEY5" "$SPEND" "$H1" "[($ADDR1,$D5)]" 0 1 "$R6" "$LH"
is "budgetOf(owner 1, D5)" "$(budget "$ADDR1" "$D5")" "true $MAX64 $MAX64 $MAX64 $MAX64 "
ok "a cap below spent (epsilon or rho) reverts, equal to it is accepted; at 2^64-1 spent, one more micro-unit is 'budget exceeded', not an overflow"

# --- expiring approvals (anvil's clock) -----------------------------------------------------
t=$(now)
reverts "c2d: expiry not in the future" "$KEY1" "approveUntil(bytes32,uint64)" "$H6" "$t"
reverts "c2d: expiry not in the future" "$KEY1" "approveUntil(bytes32,uint64)" "$H6" 1
T0=$((t + 1000))
send "$KEY1" "approve(bytes32)" "$H6"
send "$KEY2" "approveUntil(bytes32,uint64)" "$H6" 0 # 0: no expiry, as approve
event "$APPROVED" "$H6" "$(topic_addr "$ADDR2")" -- "$(enc "f(uint256,uint64)" 2 0)"
next_block_at "$T0"
send "$KEY3" "approveUntil(bytes32,uint64)" "$H6" $((T0 + 100))
event "$APPROVED" "$H6" "$(topic_addr "$ADDR3")" -- "$(enc "f(uint256,uint64)" 3 $((T0 + 100)))"
event "ComposeHashAdded(bytes32)" -- "$H6"
state "$H6" true ""
is "approvalExpiry(H6, owner 3)" "$(view "approvalExpiry(bytes32,address)(uint64)" "$H6" "$ADDR3" | sed 's/ .*//')" $((T0 + 100))
reverts "c2d: already approved" "$KEY3" "approveUntil(bytes32,uint64)" "$H6" $((T0 + 50))
reverts "c2d: already approved" "$KEY3" "approveUntil(bytes32,uint64)" "$H6" $((T0 + 100))
reverts "c2d: already approved" "$KEY2" "approveUntil(bytes32,uint64)" "$H6" $((T0 + 5000))
# The last second it counts: a spend mined at T0+99 needs owner 3's approval twice
# (the quorum, and owner 3's consent for its D3).
next_block_at $((T0 + 99))
send "$KEY5" "$SPEND" "$H6" "[($ADDR3,$D3)]" 1 1 "$R9" "$LH"
mine_at $((T0 + 100))
state "$H6" false "compose hash not approved by the quorum"
is "hasApproved(H6, owner 3) at its expiry" "$(view "hasApproved(bytes32,address)(bool)" "$H6" "$ADDR3")" false
is "hasApproved(H6, owner 2)" "$(view "hasApproved(bytes32,address)(bool)" "$H6" "$ADDR2")" true
is "approvalCount(H6) at the expiry" "$(view "approvalCount(bytes32)(uint256)" "$H6")" 2
is "approvalExpiry(H6, owner 3) after it" "$(view "approvalExpiry(bytes32,address)(uint64)" "$H6" "$ADDR3" | sed 's/ .*//')" $((T0 + 100))
reverts "c2d: compose hash not allowed" "$KEY5" "$SPEND" "$H6" "[($ADDR3,$D3)]" 1 1 "$R10" "$LH"
ok "an approval counts until its expiry (a spend mined the second before), then allowedComposeHashes, isAppAllowed, hasApproved, approvalCount and spend stop counting it"

# An expired approval may be given again; a live one may be extended, never shortened.
send "$KEY3" "approveUntil(bytes32,uint64)" "$H6" $((T0 + 200))
event "$APPROVED" "$H6" "$(topic_addr "$ADDR3")" -- "$(enc "f(uint256,uint64)" 3 $((T0 + 200)))"
event "ComposeHashAdded(bytes32)" -- "$H6"
state "$H6" true ""
send "$KEY3" "approveUntil(bytes32,uint64)" "$H6" $((T0 + 300))
event "$APPROVED" "$H6" "$(topic_addr "$ADDR3")" -- "$(enc "f(uint256,uint64)" 3 $((T0 + 300)))"
no_event "ComposeHashAdded(bytes32)"
send "$KEY3" "approve(bytes32)" "$H6"
event "$APPROVED" "$H6" "$(topic_addr "$ADDR3")" -- "$(enc "f(uint256,uint64)" 3 0)"
no_event "ComposeHashAdded(bytes32)"
is "approvalExpiry(H6, owner 3) extended to none" "$(view "approvalExpiry(bytes32,address)(uint64)" "$H6" "$ADDR3")" 0
reverts "c2d: already approved" "$KEY3" "approve(bytes32)" "$H6"
reverts "c2d: already approved" "$KEY3" "approveUntil(bytes32,uint64)" "$H6" $((T0 + 100000))
is "ComposeHashAdded(H6) in the whole history" \
	"$("$CAST" logs --json --from-block 0 --address "$APP" "ComposeHashAdded(bytes32)" | jq --arg h "$H6" '[.[] | select(.data == $h)] | length')" 2
ok "an expired approval can be given again (ComposeHashAdded again); a live one can be extended, not shortened"

# The quorum outlives one owner's expired approval; that owner's consent does not.
for k in "$KEY1" "$KEY2" "$KEY3"; do send "$k" "approve(bytes32)" "$H7"; done
send "$KEY4" "approveUntil(bytes32,uint64)" "$H7" $(($(now) + 60))
send "$KEY5" "$SPEND" "$H7" "[($ADDR4,$D4)]" 1 1 "$R11" "$LH"
"$CAST" rpc evm_increaseTime 3600 >/dev/null
"$CAST" rpc evm_mine >/dev/null
state "$H7" true ""
is "hasApproved(H7, owner 4) an hour later" "$(view "hasApproved(bytes32,address)(bool)" "$H7" "$ADDR4")" false
is "approvalCount(H7) an hour later" "$(view "approvalCount(bytes32)(uint256)" "$H7")" 3
reverts "c2d: dataset owner has not approved" "$KEY5" "$SPEND" "$H7" "[($ADDR4,$D4)]" 1 1 "$R12" "$LH"
is "budgetOf(owner 4, D4)" "$(budget "$ADDR4" "$D4")" "true 500 101 500 51 "
ok "after evm_increaseTime past owner 4's expiry the hash stays allowed by the other three, but spending owner 4's dataset is refused"

# --- revocation ---------------------------------------------------------------------
send "$KEY1" "removeComposeHash(bytes32)" "$H2" # the dstack name: exactly revoke
event "Revoked(bytes32,address)" "$H2" "$(topic_addr "$ADDR1")" -- 0x
event "ComposeHashRemoved(bytes32)" -- "$H2"
state "$H2" false "compose hash revoked"
is "isRevoked(H2)" "$(view "isRevoked(bytes32)(bool)" "$H2")" true
reverts "c2d: compose hash revoked" "$KEY4" "approve(bytes32)" "$H2"
reverts "c2d: compose hash revoked" "$KEY4" "addComposeHash(bytes32)" "$H2"
reverts "c2d: compose hash revoked" "$KEY4" "approveUntil(bytes32,uint64)" "$H2" $(($(now) + 100000))
reverts "c2d: already revoked" "$KEY2" "revoke(bytes32)" "$H2"
reverts "c2d: already revoked" "$KEY3" "removeComposeHash(bytes32)" "$H2"
reverts "c2d: compose hash not allowed" "$KEY5" "$SPEND" "$H2" "[($ADDR3,$D3)]" 1 1 "$R6" "$LH"
state "$H2" false "compose hash revoked"
is "approvalCount(H2) after revoke" "$(view "approvalCount(bytes32)(uint256)" "$H2")" 3

send "$KEY4" "revoke(bytes32)" "$H1"
revoke_gas=$(gas)
event "Revoked(bytes32,address)" "$H1" "$(topic_addr "$ADDR4")" -- 0x
event "ComposeHashRemoved(bytes32)" -- "$H1"
state "$H1" false "compose hash revoked"
reverts "c2d: compose hash not allowed" "$KEY5" "$SPEND" "$H1" "[($ADDR3,$D3)]" 1 1 "$R6" "$LH"

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
"$CAST" logs --json --from-block 0 --address "$APP" "Approved(bytes32 indexed,address indexed,uint256,uint64)" "$H1" >"$T/h.json"
is "Approved(H1) logs" "$(jq length "$T/h.json")" 4
is "ComposeHashRemoved logs" \
	"$("$CAST" logs --json --from-block 0 --address "$APP" "ComposeHashRemoved(bytes32)" | jq length)" 4
is "Spent logs" \
	"$("$CAST" logs --json --from-block 0 --address "$APP" "Spent(address indexed,bytes32 indexed,bytes32 indexed,bytes32,uint64,uint64,uint64,uint64)" | jq length)" 15
ok "the logs hold every approval, revocation and charge"

echo "gas: deploy (4 owners) $deploy_gas, approve $approve_gas, approve reaching the quorum $quorum_gas, revoke $revoke_gas, spend with 4 datasets $spend4_gas"
