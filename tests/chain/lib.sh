# Helpers of the tests that need a chain: a local anvil (a real EVM) on a free
# loopback port, the pinned cast, and anvil's well-known dev accounts.
#
#   . "$(dirname "$0")/lib.sh"      (from tests/chain/; sources tests/lib.sh too)
#   anvil_start                     RPC, ETH_RPC_URL, CHAIN_ID exported; anvil stops
#                                   when the test exits, also on failure or a signal
#   consortium_deploy KEY NAME OWNERS JURISDICTIONS LABELS THRESHOLD KMS
#                                   prints the new contract's address (arrays in
#                                   cast's syntax: [0x..,0x..] and ["a b","c"])
#
# A test that sets its own EXIT trap must call anvil_stop in it.
[ -n "${top:-}" ] || . "$(dirname "$0")/../lib.sh"

NPMBIN=$top/out/deps/npm/node_modules/.bin
ANVIL=$NPMBIN/anvil
CAST=$NPMBIN/cast
ARTIFACT=$top/out/contracts/C2DConsortium.json
[ -x "$ANVIL" ] && [ -x "$CAST" ] || fail "no anvil or cast in out/deps/npm (run make deps)"

# anvil's fixed development mnemonic and its first ten accounts (m/44'/60'/0'/0/i),
# computed once with `cast wallet private-key "$MNEMONIC" i` and `cast wallet address`.
# These are public test keys: never use them on a real chain.
MNEMONIC="test test test test test test test test test test test junk"
KEY0=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
KEY1=0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d
KEY2=0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a
KEY3=0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6
KEY4=0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a
KEY5=0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba
KEY6=0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e
KEY7=0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356
KEY8=0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97
KEY9=0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6
ADDR0=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
ADDR1=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
ADDR2=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC
ADDR3=0x90F79bf6EB2c4f870365E785982E1f101E93b906
ADDR4=0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65
ADDR5=0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc
ADDR6=0x976EA74026E726554dB657fA54763abd0C3a0aa9
ADDR7=0x14dC79964da2C08b23698B3D3cc7Ca32193d9955
ADDR8=0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f
ADDR9=0xa0Ee7A142d267C1f36714E4a8F75612F20a79720
CHAIN_ID=31337
export CHAIN_ID

# anvil_stop: SIGTERM, then SIGKILL after 5 s (a TERM that arrives while anvil
# is still starting can be lost), then reap it.
ANVIL_PID=
anvil_stop() {
	[ -n "$ANVIL_PID" ] || return 0
	kill "$ANVIL_PID" 2>/dev/null || true
	_i=0
	while kill -0 "$ANVIL_PID" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$ANVIL_PID" 2>/dev/null || true
	wait "$ANVIL_PID" 2>/dev/null || true
	ANVIL_PID=
}
# dash runs the EXIT trap on exit only; a signal becomes an exit so that it runs.
trap 'anvil_stop; rm -rf "$T"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# The kernel picks the port (--port 0), so no other process can take it between
# a choice and the bind; anvil then logs "Listening on 127.0.0.1:PORT".
anvil_start() {
	[ -z "$ANVIL_PID" ] || fail "anvil_start: anvil already runs (pid $ANVIL_PID)"
	: >"$T/anvil.log"
	"$ANVIL" --host 127.0.0.1 --port 0 --mnemonic "$MNEMONIC" --accounts 10 \
		--chain-id "$CHAIN_ID" >"$T/anvil.log" 2>&1 &
	ANVIL_PID=$!
	_port= _i=0
	while [ $_i -lt 100 ]; do # 10 s at most
		_port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$T/anvil.log")
		[ -z "$_port" ] || break
		kill -0 "$ANVIL_PID" 2>/dev/null || { cat "$T/anvil.log" >&2; ANVIL_PID=; fail "anvil exited at start"; }
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -n "$_port" ] || { tail -5 "$T/anvil.log" >&2; fail "anvil did not say where it listens within 10 s"; }
	RPC=http://127.0.0.1:$_port
	ETH_RPC_URL=$RPC
	export RPC ETH_RPC_URL
	_i=0
	until [ "$("$CAST" chain-id --rpc-url "$RPC" 2>/dev/null)" = "$CHAIN_ID" ]; do
		_i=$((_i + 1))
		[ $_i -lt 50 ] || fail "anvil at $RPC does not answer eth_chainId $CHAIN_ID within 5 s"
		sleep 0.1
	done
}

# consortium_deploy KEY NAME OWNERS JURISDICTIONS LABELS THRESHOLD KMS: deploys the
# compiled C2DConsortium (make contracts) from KEY's account; prints its address.
# Fails the test if the deployment reverts.
consortium_deploy() {
	[ -f "$ARTIFACT" ] || fail "no $ARTIFACT (run make contracts)"
	_args=$("$CAST" abi-encode "constructor(string,address[],string[],string[],uint256,address)" \
		"$2" "$3" "$4" "$5" "$6" "$7") || fail "cast abi-encode of the constructor arguments failed"
	_code=$(jq -r .bytecode "$ARTIFACT")$(printf %s "$_args" | cut -c3-)
	"$CAST" send --private-key "$1" --json --create "$_code" >"$T/deploy.json" 2>"$T/deploy.err" ||
		{ cat "$T/deploy.err" >&2; fail "deployment of C2DConsortium ($2) failed"; }
	[ "$(jq -r .status "$T/deploy.json")" = 0x1 ] || fail "deployment of C2DConsortium ($2) reverted"
	jq -r .contractAddress "$T/deploy.json"
}
