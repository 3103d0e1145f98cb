#!/bin/sh
# c2d chain deploy / status, approve, revoke, budget set against the real
# contract on anvil (tests/chain/lib.sh starts it on a free loopback port
# and stops it on exit). Results are checked through c2d and, independently,
# through cast call. Then the bad inputs: each is one line and its exit code.
. "$(dirname "$0")/lib.sh"
c2d=$top/out/bin/c2d
cast=$CAST
artifact=$ARTIFACT
[ -f "$artifact" ] || fail "no $artifact (run make contracts)"
[ -x "$c2d" ] || fail "no $c2d (run make)"
anvil_start
export C2D_RPC=$RPC

key() { printf '%s\n' "$2" >"$T/$1"; chmod 600 "$T/$1"; }
key deployer "$KEY0"; key k1 "$KEY1"; key k2 "$KEY2"; key k3 "$KEY3"; key k4 "$KEY4"; key outsider "$KEY5"
call() { "$cast" call "$app" "$@" --rpc-url "$RPC"; }

cat >"$T/owners" <<EOT
# the demo consortium: four sites, two jurisdictions, one without
$ADDR1  US  hospital records=412000 HIPAA
$ADDR2  DE  university-hospital records=98000 GDPR
$ADDR3  US  hospital records=250000
$ADDR4  -   research-institute
EOT
expect_rc 0 "$c2d" chain deploy --key "$T/deployer" --owners "$T/owners" --threshold 3 --kms "$ADDR9" \
	--name "Cardio-renal consortium" --artifact "$artifact" --chain-id 31337 --json
app=$(jq -r .address "$T/out")
[ "$(call 'threshold()(uint256)')" = 3 ] || fail "threshold on chain"
[ "$(call 'ownerCount()(uint256)')" = 4 ] || fail "ownerCount on chain"
[ "$(call 'kms()(address)')" = "$ADDR9" ] || fail "kms on chain"
call 'ownerAt(uint256)(address,string,string)' 1 >"$T/o1"
grep -q "university-hospital records=98000 GDPR" "$T/o1" || fail "owner 1 labels on chain"
ok "deploy: the contract at $app holds the owners file, threshold 3 of 4 and the KMS"

H=0x$(printf 'c0de%.0s' $(seq 16))
expect_rc 0 "$c2d" approve --key "$T/k1" --app "$app" --compose "$H"
expect_out '1 / 3 quorum · awaiting'
expect_rc 0 "$c2d" approve --key "$T/k2" --app "$app" --compose "$H" --chain-id 31337
expect_rc 0 "$c2d" chain status --app "$app" --compose "$H"
expect_out '^  2 / 3 quorum · awaiting$'
expect_out "^  $ADDR3  not approved$"
[ "$(call 'allowedComposeHashes(bytes32)(bool)' "$H")" = false ] || fail "k-1 approvals allowed"
expect_rc 0 "$c2d" approve --key "$T/k3" --app "$app" --compose "$H" --json
[ "$(jq -r .approvals "$T/out")" = 3 ] || fail "approvals after k"
expect_rc 0 "$c2d" chain status --app "$app" --compose "$H"
expect_out '^  3 / 3 quorum · allowed$'
[ "$(call 'allowedComposeHashes(bytes32)(bool)' "$H")" = true ] || fail "k approvals not allowed"
ok "approve: k-1 approvals leave the hash awaiting, the k-th allows it (status and cast agree)"

expect_rc 0 "$c2d" chain status --app "$app"
expect_out '^consortium  Cardio-renal consortium$'
expect_out '^threshold   3 of 4 owners$'
expect_out "^  $ADDR1  US +records 412000 +budget - +hospital records=412000 HIPAA$"
expect_out "^  $ADDR4  - +records - "
expect_out '^  match    at least 3 owners \(4 owners\)$'
expect_out '^  match    owners in more than one jurisdiction \(2 distinct jurisdictions, 1 owners without one\)$'
expect_out '^  miss     HIPAA/GDPR-grade'
ok "status: name, owners with jurisdiction, records and labels, three criteria"

budget_of() { call 'budgetOf(address,bytes32)(bool,uint64,uint64,uint64,uint64)' "$1" "$2" | sed 's/ \[.*//' | tr '\n' ' '; }
id=0x$("$cast" keccak cohort-us-1 | cut -c3-)
# Owner 2 sets a budget for owner 1's dataset id first: it gets a budget of its own.
expect_rc 0 "$c2d" budget set --key "$T/k2" --app "$app" --dataset cohort-us-1 --epsilon 2 --rho 0.1
expect_out "^budget of dataset $id of $ADDR2: epsilon 2, rho 0.1 \(2000000 micro-epsilon, 100000 micro-rho\) \(tx "
expect_rc 0 "$c2d" budget set --key "$T/k1" --app "$app" --dataset cohort-us-1 --epsilon 1.5 --rho 0.5 --json
[ "$(jq -c '[.owner, .cap_micro_epsilon, .cap_micro_rho, .epsilon, .rho]' "$T/out")" = "[\"$ADDR1\",1500000,500000,\"1.5\",\"0.5\"]" ] ||
	fail "budget set --json: $(cat "$T/out")"
[ "$(budget_of "$ADDR1" "$id")" = "true 1500000 0 500000 0 " ] || fail "budgetOf(owner 1) after budget set: $(budget_of "$ADDR1" "$id")"
[ "$(budget_of "$ADDR2" "$id")" = "true 2000000 0 100000 0 " ] || fail "budgetOf(owner 2) after budget set: $(budget_of "$ADDR2" "$id")"
expect_rc 0 "$c2d" budget show --app "$app" --owner "$ADDR1" --dataset cohort-us-1
expect_out "^dataset $id of $ADDR1: epsilon 0 spent of 1.5, rho 0 spent of 0.5$"
expect_rc 0 "$c2d" budget show --app "$app" --owner "$ADDR3" --dataset "$id" --json
[ "$(jq -c '[.set, .cap_micro_epsilon, .spent_micro_rho]' "$T/out")" = "[false,0,0]" ] || fail "budget show --json: $(cat "$T/out")"
expect_rc 0 "$c2d" budget show --app "$app" --owner "$ADDR3" --dataset "$id"
expect_out "^dataset $id of $ADDR3: no budget set$"
expect_rc 3 "$c2d" budget set --key "$T/k2" --app "$app" --dataset x --epsilon 0.0000001 --rho 1
expect_out "^c2d budget: epsilon '0.0000001' has 7 decimals; budgets are in micro-units \(at most 6\)$"
expect_rc 3 "$c2d" budget set --key "$T/k2" --app "$app" --dataset x --epsilon 1 --rho 1e3
expect_out "^c2d budget: rho '1e3' is not a decimal number"
expect_rc 2 "$c2d" budget set --key "$T/k2" --app "$app" --dataset x --epsilon 1
expect_out '--rho R is required'
for k in 3 4; do
	expect_rc 0 "$c2d" budget set --key "$T/k$k" --app "$app" --dataset "0x$(printf "0$k%.0s" $(seq 32))" --epsilon 0.25 --rho 0.25
done
expect_rc 0 "$c2d" chain status --app "$app" --json
[ "$(jq -r '.criteria[2].grade' "$T/out")" = partial ] || fail "budgets without n of n: partial"
[ "$(jq -r '[.owners[].budget_set] | all' "$T/out")" = true ] || fail "every owner has a budget"
[ "$(jq -r '.owners[0].records' "$T/out")" = 412000 ] || fail "records in JSON"
[ "$(jq -c '[.owners[].labels]' "$T/out")" = \
	'[["hospital","records=412000","HIPAA"],["university-hospital","records=98000","GDPR"],["hospital","records=250000"],["research-institute"]]' ] ||
	fail "labels in JSON: $(jq -c '[.owners[].labels]' "$T/out")"
[ "$(jq -r '.owners[3].jurisdiction' "$T/out")" = "" ] || fail "no jurisdiction in JSON"
ok "budget set: epsilon and rho to micro-units on chain, per (owner, dataset): another owner's set of the same id is its own budget; budget show; BudgetSet logs feed the criterion"

expect_rc 0 "$c2d" revoke --key "$T/k4" --app "$app" --compose "$H"
expect_out '· revoked'
[ "$(call 'allowedComposeHashes(bytes32)(bool)' "$H")" = false ] || fail "revoked hash still allowed"
expect_rc 0 "$c2d" chain status --app "$app" --compose "$H" --json
[ "$(jq -r .compose.state "$T/out")" = revoked ] || fail "JSON compose state"
[ "$(jq -r '[.owners[].approved] | map(select(.)) | length' "$T/out")" = 3 ] || fail "JSON approvals"
expect_rc 1 "$c2d" approve --key "$T/k4" --app "$app" --compose "$H"
expect_out 'reverted: c2d: compose hash revoked$'
ok "revoke: one owner's revoke disallows the hash for good; approving it again reverts"

# An approval with an expiry: it counts until then, on anvil's clock.
HX=0x$(printf 'e1%.0s' $(seq 32))
now=$("$cast" block latest -f timestamp --rpc-url "$RPC")
expect_rc 1 "$c2d" approve --key "$T/k1" --app "$app" --compose "$HX" --expires "$now"
expect_out 'reverted: c2d: expiry not in the future$'
expect_rc 0 "$c2d" approve --key "$T/k1" --app "$app" --compose "$HX"
expect_rc 0 "$c2d" approve --key "$T/k2" --app "$app" --compose "$HX" --expires 0 --json
[ "$(jq -r .expires "$T/out")" = 0 ] || fail "approve --expires 0 --json"
until=$((now + 1000))
expect_rc 0 "$c2d" approve --key "$T/k3" --app "$app" --compose "$HX" --expires "$until"
iso=$(date -u -d "@$until" +%Y-%m-%dT%H:%M:%SZ)
expect_out "^approved $HX by $ADDR3 until $until \($iso\): 3 / 3 quorum · allowed \(tx "
[ "$(call 'approvalExpiry(bytes32,address)(uint64)' "$HX" "$ADDR3" | sed 's/ .*//')" = "$until" ] || fail "approvalExpiry on chain"
expect_rc 0 "$c2d" chain status --app "$app" --compose "$HX"
expect_out "^  $ADDR3  approved until $iso$"
expect_out "^  $ADDR2  approved$"
"$cast" rpc evm_increaseTime 2000 --rpc-url "$RPC" >/dev/null
"$cast" rpc evm_mine --rpc-url "$RPC" >/dev/null
expect_rc 0 "$c2d" chain status --app "$app" --compose "$HX"
expect_out "^  $ADDR3  approval expired at $iso$"
expect_out '^  2 / 3 quorum · awaiting$'
expect_rc 0 "$c2d" chain status --app "$app" --compose "$HX" --json
[ "$(jq -c '[.owners[2].approved, .owners[2].approval_expires, .compose.state]' "$T/out")" = "[false,$until,\"awaiting\"]" ] ||
	fail "status --json after the expiry: $(jq -c . "$T/out")"
[ "$(call 'allowedComposeHashes(bytes32)(bool)' "$HX")" = false ] || fail "an expired approval still counts"
expect_rc 2 "$c2d" revoke --key "$T/k1" --app "$app" --compose "$HX" --expires "$until"
expect_out "unknown option '--expires'"
ok "approve --expires: refused in the past; counts until then (status: approved until), and after anvil's clock passes it, no longer (status: expired, awaiting)"

# A transaction that passes its estimate but reverts when mined: k1's approve
# waits in the pool (automine off) while another owner's revoke with a higher
# tip is mined before it in the same block. The receipt has status 0 and the
# reason comes from replaying the call.
H2=0x$(printf 'be%.0s' $(seq 32))
"$cast" rpc evm_setAutomine false --rpc-url "$RPC" >/dev/null
"$c2d" approve --key "$T/k1" --app "$app" --compose "$H2" >"$T/mined" 2>&1 &
pid=$!
i=0
until [ "$("$cast" rpc txpool_status --rpc-url "$RPC" | jq -r .pending)" = 0x1 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "the approve never reached the pool"; sleep 0.1
done
"$cast" send --async --private-key "$KEY2" --priority-gas-price 100gwei --gas-price 200gwei --rpc-url "$RPC" \
	"$app" 'revoke(bytes32)' "$H2" >/dev/null
"$cast" rpc evm_mine --rpc-url "$RPC" >/dev/null
"$cast" rpc evm_setAutomine true --rpc-url "$RPC" >/dev/null
rc=0; wait $pid || rc=$?
[ $rc = 1 ] || { cat "$T/mined" >&2; fail "a reverted mined transaction exited $rc"; }
grep -Eq '^c2d approve: transaction 0x[0-9a-f]{64} in block [0-9]+: .*reverted: c2d: compose hash revoked$' "$T/mined" ||
	{ cat "$T/mined" >&2; fail "mined revert message"; }
ok "a transaction reverted in its block (status 0) is refused with the reason found by replaying it"

# n of n with every budget set: HIPAA/GDPR-grade
grep -v -e "^#" -e research "$T/owners" >"$T/owners3"
expect_rc 0 "$c2d" chain deploy --key "$T/deployer" --owners "$T/owners3" --threshold 3 --kms "$ADDR9" \
	--name "Three sites" --artifact "$artifact"
app3=$(tail -1 "$T/out")
for k in 1 2 3; do
	expect_rc 0 "$c2d" budget set --key "$T/k$k" --app "$app3" --dataset "site-$k" --epsilon 1 --rho 1
done
expect_rc 0 "$c2d" chain status --app "$app3"
expect_out '^  match    HIPAA/GDPR-grade.*\(threshold 3 of 3; 3 of 3 owners set a DP budget\)$'
expect_rc 0 "$c2d" chain status --app "$app3" --json
[ "$(jq -r '[.criteria[].grade] | join(" ")' "$T/out")" = "match match match" ] || fail "JSON criteria"
ok "status: threshold n of n and every budget set is HIPAA/GDPR-grade; text and JSON agree"

# --name is optional: the address identifies a consortium, the name labels it.
expect_rc 0 "$c2d" chain deploy --key "$T/deployer" --owners "$T/owners3" --threshold 2 --kms "$ADDR9" \
	--artifact "$artifact"
expect_rc 0 "$c2d" chain status --app "$(tail -1 "$T/out")"
expect_out '^consortium +c2d consortium$'
ok "deploy without --name labels the consortium 'c2d consortium'"

# --- bad input: one line each, and its exit code ---------------------------------------
printf 'not a key\n' >"$T/badkey"; chmod 600 "$T/badkey"
expect_rc 3 "$c2d" approve --key "$T/badkey" --app "$app" --compose "$H"
expect_out "^c2d approve: $T/badkey: expected 64 hex digits of a secret key$"
key openkey "$KEY1"; chmod 644 "$T/openkey"
expect_rc 3 "$c2d" approve --key "$T/openkey" --app "$app" --compose "$H"
expect_out "^c2d approve: $T/openkey: key file is readable or writable by others"
expect_rc 4 "$c2d" approve --key "$T/missing" --app "$app" --compose "$H"
expect_out "^c2d approve: $T/missing: cannot open: No such file or directory$"
expect_rc 4 "$c2d" chain status --app "$app" --rpc http://127.0.0.1:1
expect_out '^c2d chain: http://127.0.0.1:1: eth_chainId: .*Connection refused$'
expect_rc 1 "$c2d" approve --key "$T/outsider" --app "$app" --compose "0x$(printf 'ab%.0s' $(seq 32))"
expect_out '^c2d approve: .*reverted: c2d: not an owner$'
expect_rc 1 "$c2d" revoke --key "$T/outsider" --app "$app" --compose "$H"
expect_out 'reverted: c2d: not an owner$'
expect_rc 1 "$c2d" chain status --app "$app" --chain-id 1
expect_out 'chain id 31337, not 1 \(--chain-id\)$'
expect_rc 1 "$c2d" approve --key "$T/k1" --app "$app" --compose "$H" --chain-id 5
expect_out 'chain id 31337, not 5'
expect_rc 3 "$c2d" chain status --app "$ADDR5"
expect_out 'returned nothing: is .* a consortium contract\?$'
printf '%s US\n0x12345 DE\n' "$ADDR1" >"$T/badowners"
expect_rc 3 "$c2d" chain deploy --key "$T/deployer" --owners "$T/badowners" --threshold 1 --kms "$ADDR9" --name x \
	--artifact "$artifact"
expect_out "^c2d chain: $T/badowners:2:1: owner: expected an address"
expect_rc 3 "$c2d" chain deploy --key "$T/deployer" --owners "$T/owners" --threshold 5 --kms "$ADDR9" --name x \
	--artifact "$artifact"
expect_out 'between 1 and the 4 owners'
expect_rc 2 "$c2d" approve --app "$app" --compose "$H" --bogus 1
expect_rc 2 "$c2d" approve --key "$T/k1" --app "$app"
expect_out '--compose HASH is required'
for f in "$T"/out; do [ "$(wc -l <"$f")" = 1 ] || fail "error output is not one line"; done
ok "bad input: malformed, exposed and missing key files, unreachable RPC, non-owner, wrong chain id, not a contract, bad owners file: one line and the documented exit code"
