#!/bin/sh
# The chain client's encoders against foundry's cast (out/deps/npm), on
# random inputs: Keccak-256, RLP integers, EIP-55, contract addresses,
# signed EIP-1559 transactions (RFC 6979 makes signatures deterministic, so
# the bytes must be equal), the calls and constructor of the consortium
# contract, the AppBootInfo tuple, return data and revert reasons. No chain.
. "$(dirname "$0")/../lib.sh"
tool=$top/out/test/c2d-ethtool
cast=$top/out/deps/npm/node_modules/.bin/cast
[ -x "$cast" ] || { echo "skip $name: no cast (make deps)"; exit 0; }
[ -x "$tool" ] || fail "build out/test/c2d-ethtool first"
rhex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
rnum() { od -An -tu8 -N8 /dev/urandom | tr -d ' ' | cut -c1-"$1"; }
lower() { tr 'A-F' 'a-f'; }
same() { [ "$(printf %s "$2" | lower)" = "$(printf %s "$3" | lower)" ] || fail "$1: c2d $2, cast $3"; }
exact() { [ "$2" = "$3" ] || fail "$1: c2d $2, cast $3"; }

for n in 0 1 31 64 135 136 137 200 271 272 273 1000; do
	d=0x$(rhex $n)
	exact "keccak of $n bytes" "$($tool keccak "$d")" "$($cast keccak "$d")"
done
ok "keccak-256 equals cast's on random inputs of 0 to 1000 bytes, across the 136-byte rate"

for v in 0 1 127 128 255 256 1024 $(rnum 3) $(rnum 10) $(rnum 19) 18446744073709551615; do
	h=$(printf %x "$v"); [ "$v" = 0 ] && h=; [ $((${#h} % 2)) = 1 ] && h=0$h
	exact "rlp of $v" "$($tool rlp-uint "$v")" "$($cast to-rlp "0x$h")"
done
ok "RLP of integers equals cast to-rlp"

for i in 1 2 3 4 5; do
	k=$(rhex 32)
	a=$($cast wallet address --private-key "0x$k")
	exact "address of key $i" "$($tool address "$k")" "$a"
	for nonce in 0 1 127 128 $(rnum 5); do
		exact "create address $nonce" "$($tool create-address "$a" "$nonce")" \
			"$($cast compute-address "$a" --nonce "$nonce" | sed 's/.*: //')"
	done
done
ok "addresses (EIP-55) and contract-creation addresses equal cast's"

for i in 1 2 3 4 5 6; do
	k=$(rhex 32); to=0x$(rhex 20); data=0x$(rhex $((i * 37)))
	chain=$(rnum 5); nonce=$(rnum 4); tip=$(rnum 10); fee=$(rnum 12); gas=$(rnum 6); value=$(rnum 15)
	mine=$($tool sign "$k" "$chain" "$nonce" "$tip" "$fee" "$gas" "$to" "$value" "$data")
	theirs=$($cast mktx --private-key "0x$k" --chain "$chain" --nonce "$nonce" --gas-limit "$gas" \
		--priority-gas-price "$tip" --gas-price "$fee" --value "$value" --rpc-url http://127.0.0.1:1 \
		"$to" "$data" 2>/dev/null | tail -1)
	exact "signed tx $i" "$mine" "$theirs"
	signer=$($cast decode-transaction "$mine" | jq -r . | jq -r .signer | lower)
	same "signer of tx $i" "$signer" "$($cast wallet address --private-key "0x$k")"
done
k=$(rhex 32)
exact "creation tx" "$($tool sign "$k" 31337 0 1 2 500000 - 0 0x6080604052)" \
	"$($cast mktx --private-key "0x$k" --chain 31337 --nonce 0 --gas-limit 500000 --priority-gas-price 1 \
		--gas-price 2 --rpc-url http://127.0.0.1:1 --create 0x6080604052 2>/dev/null | tail -1)"
ok "signed EIP-1559 transactions (calls and a creation) equal cast mktx byte for byte"

h=0x$(rhex 32)
exact "approve" "$($tool calldata-approve "$h")" "$($cast calldata 'approve(bytes32)' "$h")"
m=$(rnum 12); r=$(rnum 19)
exact "approveUntil" "$($tool calldata-approve-until "$h" "$m")" "$($cast calldata 'approveUntil(bytes32,uint64)' "$h" "$m")"
exact "setBudget" "$($tool calldata-budget "$h" "$m" "$r")" "$($cast calldata 'setBudget(bytes32,uint64,uint64)' "$h" "$m" "$r")"
exact "setBudget at 2^64-1" "$($tool calldata-budget "$h" 18446744073709551615 0)" \
	"$($cast calldata 'setBudget(bytes32,uint64,uint64)' "$h" 18446744073709551615 0)"
o=$($cast to-check-sum-address 0x$(rhex 20))
exact "budgetOf" "$($tool calldata-budget-of "$o" "$h")" "$($cast calldata 'budgetOf(address,bytes32)' "$o" "$h")"
o1=$($cast to-check-sum-address 0x$(rhex 20)); o2=$($cast to-check-sum-address 0x$(rhex 20))
o3=$($cast to-check-sum-address 0x$(rhex 20)); kms=0x$(rhex 20)
exact "constructor" \
	"$($tool ctor "Cardio-renal consortium" 2 "$kms" "$o1:US:hospital records=412000 HIPAA" "$o2::" "$o3:DE:GDPR")" \
	"$($cast abi-encode 'f(string,address[],string[],string[],uint256,address)' "Cardio-renal consortium" \
		"[$o1,$o2,$o3]" '["US","","DE"]' '["hospital records=412000 HIPAA","","GDPR"]' 2 "$kms")"
app=0x$(rhex 20); inst=0x$(rhex 20)
d1=0x$(rhex 32); d2=0x$(rhex 32); d3=0x$(rhex 32); d4=0x$(rhex 32)
exact "isAppAllowed" \
	"$($tool calldata-bootinfo "$app" "$h" "$inst" "$d1" "$d2" "$d3" "$d4" UpToDate INTEL-SA-00837 INTEL-SA-00960)" \
	"$($cast calldata 'isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))' \
		"($app,$h,$inst,$d1,$d2,$d3,$d4,UpToDate,[INTEL-SA-00837,INTEL-SA-00960])")"
exact "isAppAllowed, no advisories" \
	"$($tool calldata-bootinfo "$app" "$h" "$inst" "$d1" "$d2" "$d3" "$d4" OutOfDate)" \
	"$($cast calldata 'isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))' \
		"($app,$h,$inst,$d1,$d2,$d3,$d4,OutOfDate,[])")"
ok "call data of approve, approveUntil, setBudget, budgetOf, isAppAllowed(AppBootInfo) and the constructor equal cast's"

ret=$($cast abi-encode 'f(address,string,string)' "$o1" "DE" "hospital records=7 GDPR")
exact "ownerAt return" "$($tool decode-owner "$ret")" "$o1|DE|hospital records=7 GDPR"
expect_rc 1 "$tool" decode-owner "${ret}00"
expect_out 'bytes after the end'
err=0x08c379a0$($cast abi-encode 'f(string)' "c2d: dataset owner has not approved" | cut -c3-)
exact "Error(string)" "$($tool revert "$err")" "c2d: dataset owner has not approved"
exact "Panic(uint256)" "$($tool revert 0x4e487b71$($cast abi-encode 'f(uint256)' 50 | cut -c3-))" \
	"panic 0x32 (array index out of bounds)"
exact "custom error" "$($tool revert "$($cast sig 'Unauthorized()')")" "revert data $($cast sig 'Unauthorized()')"
ok "return data and revert reasons encoded by cast decode as written"
