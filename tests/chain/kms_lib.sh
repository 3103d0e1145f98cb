# The setup that the tests of c2d kms serve share (sourced by kms_serve.sh
# and kms_load.sh; docs/testing.md, "Contract tests (anvil)"): anvil, the
# KMS's key, the consortium (owners ADDR1..ADDR3, threshold 2, the KMS's
# account paying for its spends), two served images, the recipe of image 1,
# the simulated platform's collateral, the TD policy, and the functions
# that seal, budget, approve and run the daemon. The sourcing test sets
# KMS_TEST (the consortium's name) first; files go to $T.
. "$(dirname "$0")/lib.sh"
c2d=$top/out/bin/c2d
cvm=${KMS_CVM:-$top/out/test/c2d-kmscvm}   # bench/kmsload: its build without the sanitizers
for f in "$c2d" "$cvm"; do [ -x "$f" ] || fail "no $f (make chain-test builds it)"; done
"$c2d" kms --help 2>&1 | grep -q 'c2d kms serve' ||
	fail "c2d kms serve is missing from $c2d: this test needs the KMS daemon"

# Daemons and relays this test started, stopped (and reaped) on any exit.
PIDS=
stop_all() {
	for _p in $PIDS; do kill "$_p" 2>/dev/null || true; done
	for _p in $PIDS; do wait "$_p" 2>/dev/null || true; done
	PIDS=
}
trap 'stop_all; anvil_stop; rm -rf "$T"' EXIT

anvil_start
export C2D_RPC=$RPC
is() { [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"; }
key() { printf '%s\n' "$2" >"$T/$1"; chmod 600 "$T/$1"; }
key k1 "$KEY1"; key k2 "$KEY2"; key k3 "$KEY3"

# --- the KMS's key, the contract, the images ---------------------------------------------
"$c2d" keygen --out "$T/kms.key" >/dev/null
KMS_HEX=$(tr -d '\n' <"$T/kms.key")
KMS_ADDR=$("$c2d" kms pubkey --key "$T/kms.key" | sed -n 's/^address *//p')
APP=$(consortium_deploy "$KEY0" "$KMS_TEST" "[$ADDR1,$ADDR2,$ADDR3]" '["US","DE","CH"]' \
	'["a","b","c"]' 2 "$KMS_ADDR")
# The KMS pays for its spends.
"$CAST" send --private-key "$KEY0" --value 10ether "$KMS_ADDR" >/dev/null

# An image as a release publishes it, without its boot files: measurements.json
# (the three parts' digests, the compose-hash they make, the registers of a
# CVM of it) and the analysis's recipe, risk-model's, which charges both
# epsilon and rho. The parts are made-up files; nothing here boots them.
# make_image DIR SEED: prints the compose-hash (docs/compose-hash.md).
make_image() {
	mkdir -p "$1/parts"
	_doc=c2d-compose-v1
	_json='{"c2d_measurements":1}'
	for _p in kernel cmdline initrd; do
		printf '%s %s' "$2" "$_p" >"$1/parts/$_p"
		_s256=$(sha256sum "$1/parts/$_p" | cut -c1-64)
		_s384=$(sha384sum "$1/parts/$_p" | cut -c1-96)
		_n=$(stat -c %s "$1/parts/$_p")
		_doc="$_doc
$_p sha256:$_s256 $_n"
		_json=$(printf '%s' "$_json" | jq -c --arg p "$_p" --arg a "$_s256" --arg b "$_s384" --argjson n "$_n" \
			'.[$p] = {sha256: $a, sha384: $b, size: $n}')
	done
	_h=$(printf '%s\n' "$_doc" | sha256sum | cut -c1-64)
	_r() { printf "%096d" 0 | tr 0 "$1"; }
	printf '%s' "$_json" | jq --arg doc "$_doc
" --arg h "$_h" --arg mrtd "$(_r 1)" --arg r0 "$(_r 2)" --arg r1 "$(_r 3)" --arg r2 "$(_r 4)" \
		'. + {compose_document: $doc, compose_hash: $h,
		      tdx: {mrtd: $mrtd, rtmr0: $r0, rtmr1: $r1, rtmr2: $r2, rtmr3: null,
		            init_sha256: ("00" * 32)}}' >"$1/measurements.json"
	cp "$top/image/analyses/risk-model.conf" "$1/analysis.conf"
	printf '%s\n' "$_h"
}
H=$(make_image "$T/img1" one)
H2=$(make_image "$T/img2" two)

# The datasets, sealed to image 1 by their owners.
"$c2d" recipe --measurements "$T/img1/measurements.json" --kms-pub "$T/kms.key.pub" --app "$APP" \
	--out "$T/recipe.json" >/dev/null
ROWS=$(($(wc -l <"$top/tests/vectors/seal/rows.csv") - 1))
seal() { # seal OWNER ID FILE
	"$c2d" seal --owner "$1" --dataset-id "$2" --in "$top/tests/vectors/seal/rows.csv" \
		--schema "$top/tests/vectors/seal/schema.json" --recipe "$T/recipe.json" --out "$3" >/dev/null ||
		fail "c2d seal of $3 failed"
}
budget() { "$c2d" budget set --key "$T/$1" --app "$APP" --dataset "$2" --epsilon "$3" --rho "$4" >/dev/null; }
approve() { _k=$1; shift; "$c2d" approve --key "$T/$_k" --app "$APP" --compose "$H" "$@" >/dev/null; }

# The simulated platform's collateral, where the KMS looks for it (by FMSPC).
SIM=$T/sim
mkdir -p "$T/coll/fmspc/00c0de000000"
"$c2d" sim-quoter collateral --state "$SIM" --out "$T/coll/fmspc/00c0de000000/collateral.json" >/dev/null
# The TD policy: the strict defaults (the registers come from each image),
# and the simulation's root, which only --allow-simulated trusts.
printf '{"c2d_td_policy":1}\n' >"$T/policy.json"
"$c2d" sim-quoter root --state "$SIM" --out "$T/simroot.der" >/dev/null

# --- the daemon ------------------------------------------------------------------------------
# kms_serve NAME [ARGS...]: c2d kms serve in the foreground with the common
# arguments (ARGS after them, so that a later --rpc wins; $SIMULATED is
# --allow-simulated or empty), its log in $T/NAME.log, its output in
# $T/NAME.out and .err. In a subshell with KMS_EXEC=exec, the daemon
# replaces it, so that its pid is the one to signal.
SIMULATED=--allow-simulated KMS_EXEC=
kms_serve() {
	_n=$1; shift
	# shellcheck disable=SC2086 # $KMS_EXEC and $SIMULATED are one word or none
	$KMS_EXEC "$c2d" kms serve --key "$T/kms.key" --rpc "$RPC" --app "$APP" --policy "$T/policy.json" \
		--collateral "$T/coll" --root "$T/simroot.der" --image "$T/img1" --image "$T/img2" $SIMULATED \
		--listen 127.0.0.1:0 --confirmations 0 --log "$T/$_n.log" "$@" >"$T/$_n.out" 2>"$T/$_n.err"
}
# wait_listening PID OUT ERR WHAT: until OUT says where it listens (10 s at
# most); sets ADDR.
wait_listening() {
	_i=0
	until ADDR=$(sed -n 's/^listening on \(127\.0\.0\.1:[0-9][0-9]*\)$/\1/p' "$2") && [ -n "$ADDR" ]; do
		kill -0 "$1" 2>/dev/null || { cat "$3" >&2; fail "$4 exited at start"; }
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "$4 did not say where it listens within 10 s"
		sleep 0.1
	done
}
# kms_start NAME [ARGS...]: kms_serve in the background; sets URL and KMS_PID
# once it listens.
kms_start() {
	(KMS_EXEC=exec; kms_serve "$@") &
	KMS_PID=$!
	PIDS="$PIDS $KMS_PID"
	wait_listening "$KMS_PID" "$T/$1.out" "$T/$1.err" "c2d kms serve ($1)"
	URL=http://$ADDR
}
# kms_fails NAME WHY [ARGS...]: the daemon refuses to start: a non-zero exit,
# WHY on stderr, and no listening.
kms_fails() {
	_n=$1 _why=$2; shift 2
	_rc=0
	kms_serve "$_n" "$@" || _rc=$?
	[ "$_rc" != 0 ] || fail "$_n: c2d kms serve exited 0"
	grep -q "$_why" "$T/$_n.err" || { cat "$T/$_n.err" >&2; fail "$_n: the error does not say '$_why'"; }
	! grep -q '^listening on' "$T/$_n.out" || fail "$_n: the daemon listened"
}
# kms_stop: SIGTERM, which must stop it cleanly.
kms_stop() {
	kill "$KMS_PID"
	_rc=0
	wait "$KMS_PID" || _rc=$?
	PIDS=$(printf '%s\n' $PIDS | grep -vx "$KMS_PID" | tr '\n' ' ')
	is "c2d kms serve's exit after SIGTERM" "$_rc" 0
}

