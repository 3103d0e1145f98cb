#!/bin/sh
# contracts/build: the artifact depends on the source and the settings only (not
# on the checkout's path or umask), warnings are refused, and a changed bytecode
# is refused until its hash is recorded on purpose.
. "$(dirname "$0")/lib.sh"
[ -f "$ARTIFACT" ] || fail "no $ARTIFACT (run make contracts)"
npm=$top/out/deps/npm
c=$T/another/much/longer/checkout/contracts
mkdir -p "$c"
cp "$top/contracts/build" "$top/contracts/C2DConsortium.sol" "$top/contracts/C2DConsortium.bytecode.sha256" "$c/"
(umask 077 && cd "$T" && expect_rc 0 "$c/build" "$npm" "$T/a.json")
cmp -s "$T/a.json" "$ARTIFACT" || fail "the artifact built from another path differs from $ARTIFACT"
[ "$(jq -r .bytecode "$T/a.json" | cut -c3- | xxd -r -p | sha256sum | cut -c1-64)" = \
	"$(cat "$top/contracts/C2DConsortium.bytecode.sha256")" ] || fail "the recorded hash is not the bytecode's SHA-256"
is_settings=$(jq -c '[.settings.optimizer, .settings.evmVersion, .settings.metadata.bytecodeHash, (.solc | startswith("0.8.37+"))]' "$T/a.json")
[ "$is_settings" = '[{"enabled":true,"runs":200},"cancun","none",true]' ] || fail "settings: $is_settings"
if grep -F -e "$top" -e "$T" "$T/a.json" >/dev/null; then fail "the artifact holds a path"; fi
ok "the same artifact from another path and umask; the recorded hash is its creation bytecode's SHA-256"

# A warning (an unused local variable) fails the build and writes nothing.
sed 's/uint256 n = owners.length;/uint256 n = owners.length; uint256 unused;/' "$top/contracts/C2DConsortium.sol" >"$c/C2DConsortium.sol"
expect_rc 1 "$c/build" "$npm" "$T/b.json"
expect_out 'Warning: Unused local variable'
expect_out 'contracts/build: solc reported 1 warning\(s\) or error\(s\) in contracts/C2DConsortium.sol; none are accepted'
[ ! -e "$T/b.json" ] || fail "an artifact was written despite the warning"
ok "a compiler warning fails the build, with solc's message, and writes no artifact"

# A change to the bytecode is refused, then recorded on request.
sed 's/"c2d: not an owner"/"c2d: not an owner!"/' "$top/contracts/C2DConsortium.sol" >"$c/C2DConsortium.sol"
expect_rc 1 "$c/build" "$npm" "$T/b.json"
expect_out "^contracts/build: the creation bytecode's SHA-256 is [0-9a-f]{64}, contracts/C2DConsortium.bytecode.sha256 records $(cat "$top/contracts/C2DConsortium.bytecode.sha256"); if the change is intended, rebuild with C2D_UPDATE_CONTRACT_HASH=1"
[ ! -e "$T/b.json" ] || fail "an artifact was written despite the hash mismatch"
expect_rc 0 env C2D_UPDATE_CONTRACT_HASH=1 "$c/build" "$npm" "$T/b.json"
new=$(jq -r .bytecode "$T/b.json" | cut -c3- | xxd -r -p | sha256sum | cut -c1-64)
[ "$(cat "$c/C2DConsortium.bytecode.sha256")" = "$new" ] || fail "C2D_UPDATE_CONTRACT_HASH=1 did not record the new hash"
[ "$new" != "$(cat "$top/contracts/C2DConsortium.bytecode.sha256")" ] || fail "a changed revert string left the bytecode unchanged"
ok "a changed bytecode is refused naming both hashes, and recorded with C2D_UPDATE_CONTRACT_HASH=1"
