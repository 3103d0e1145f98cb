#!/bin/sh
# c2d quote verify: real quotes with their real collateral, and everything
# that must make verification fail: tampering, time, revocation, a debug
# TD, another root, the policy, bad input (docs/attestation.md).
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
v=$top/tests/vectors/tdx
quote=$v/dcapqvl_tdx_quote
coll=$v/dcapqvl_tdx_quote_collateral.json
inside=2025-07-01T00:00:00Z   # the collateral is valid 2025-06-19 .. 2025-07-19

# --- the real quotes ------------------------------------------------------
expect_rc 0 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside"
expect_out '^verified +yes$'
expect_out '^root +Intel SGX Root CA$'
expect_out '^status +UpToDate$'
expect_out '^mrtd +91eb2b44d141d4ec'
expect_rc 0 "$c2d" quote verify --json --quote "$quote" --collateral "$coll" --now "$inside"
# The JSON verdict (stdout); a refusal adds its one line on stderr.
j() { sed -n '/^{/,/^}$/p' "$T/out" | jq -r "$1"; }
[ "$(j .verified)" = true ] && [ "$(j .simulated)" = false ] || fail "--json verdict"
[ "$(j .status)" = UpToDate ] || fail "status $(j .status), upstream expects UpToDate"
[ "$(j .qe_status)" = UpToDate ] && [ "$(j .platform_status)" = UpToDate ] || fail "part statuses"
[ "$(j .tcb_date)" = 2024-03-13T00:00:00Z ] || fail "TCB date $(j .tcb_date)"
[ "$(j .fmspc)" = b0c06f000000 ] && [ "$(j .pceid)" = 0000 ] || fail "FMSPC/PCEID"
[ "$(j '.rtmr | length')" = 4 ] && [ "$(j .debug)" = false ] || fail "registers"
# The pinned root may also be named explicitly, as PEM.
expect_rc 0 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" \
	--root "$v/gotdx_trusted_root.pem"
ok "dcap-qvl's real quote verifies with its collateral at $inside: UpToDate, TCB date 2024-03-13"

# go-tdx-guest's quote with Intel PCS responses from 2023, as separate files.
# Every signature holds, but its TEE TCB SVN (03 00 04 ...) is below the
# lowest TDX level of that TCB info (03 00 05 ...): QVL's TCB_NOT_SUPPORTED.
# Upstream's own test says the same (verify_test.go, TestVerifyUsingTcbInfoV4:
# "Due to updated SVN values in the sample response, it will result in TCB
# status failure"; it zeroes the level's SVNs to get past it).
set -- --tcb-info "$v/gotdx_sample_tcbInfo_response" --qe-identity "$v/gotdx_sample_qeIdentity_response" \
	--pck-crl "$v/gotdx_pckcrl" --root-crl "$v/gotdx_rootcrl.der" \
	--tcb-chain "$v/gotdx_tcb_info_issuer_chain.pem" --qe-chain "$v/gotdx_qe_identity_issuer_chain.pem" \
	--pck-crl-chain "$v/gotdx_pck_crl_issuer_chain.pem"
expect_rc 1 "$c2d" quote verify --json --quote "$v/gotdx_tdx_prod_quote_SPR_E4.dat" "$@" --now 2023-07-01T00:00:00Z
[ "$(j .signatures_ok)" = true ] && [ "$(j .verified)" = false ] || fail "gotdx verdict"
[ "$(j .fmspc)" = 50806f000000 ] || fail "gotdx FMSPC"
expect_out 'TCB info: no TCB level matches'
ok "go-tdx-guest's quote: chain, CRLs and signatures verify from separate files; its TCB matches no level"

# --- one-byte changes ------------------------------------------------------
/usr/bin/python3 "$top/tests/tools/mutate_verify.py" "$c2d" "$quote" "$coll" "$inside" "$T" ||
	fail "a one-byte change went unnoticed"
# The separate-file form reads CRLs as DER: a changed byte there is named.
cp "$v/gotdx_pckcrl" "$T/pckcrl"
printf '\377' | dd of="$T/pckcrl" bs=1 seek=300 conv=notrunc 2>/dev/null
shift 6   # keep the CRL, chain and root CRL options but --pck-crl
expect_rc 1 "$c2d" quote verify --quote "$v/gotdx_tdx_prod_quote_SPR_E4.dat" \
	--tcb-info "$v/gotdx_sample_tcbInfo_response" --qe-identity "$v/gotdx_sample_qeIdentity_response" \
	--pck-crl "$T/pckcrl" "$@" --now 2023-07-01T00:00:00Z
expect_out 'PCK CRL: .*signature'
ok "one-byte changes in the signed region, certificates, collateral JSON and CRLs all fail, naming what"

# --- time -------------------------------------------------------------------
expect_rc 1 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now 2025-07-20T00:00:00Z
expect_out 'PCK CRL: .*stale at 2025-07-20T00:00:00Z \(nextUpdate 2025-07-19'
expect_rc 1 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now 2025-06-01T00:00:00Z
expect_out 'not yet valid at 2025-06-01'
ok "outside the collateral's window, verification fails naming the stale part"

# --- debug TD ---------------------------------------------------------------
# TD attributes are at offset 48 + 120; bit 0 is TUD.DEBUG.
cp "$quote" "$T/debug"
printf '\001' | dd of="$T/debug" bs=1 seek=168 conv=notrunc 2>/dev/null
expect_rc 1 "$c2d" quote verify --quote "$T/debug" --collateral "$coll" --now "$inside"
expect_out 'TD attributes: debug TD'
expect_rc 1 "$c2d" quote verify --quote "$T/debug"
expect_out 'TD attributes: debug TD'
expect_rc 1 "$c2d" quote verify --quote "$quote"
expect_out 'no collateral'
ok "a debug TD is refused by name, with or without collateral"

# --- simulation, roots, revocation -----------------------------------------
st=$T/sim
"$c2d" sim-quoter quote --state "$st" --report-data "$(printf '%0128d' 1)" --out "$T/sq" >/dev/null
"$c2d" sim-quoter collateral --state "$st" --now 2026-01-01T00:00:00Z --out "$T/sc.json"
"$c2d" sim-quoter collateral --state "$st" --now 2026-01-01T00:00:00Z --revoke-pck --out "$T/sc-revoked.json"
"$c2d" sim-quoter root --state "$st" --out "$T/sroot.der"
sim_now=2026-01-02T00:00:00Z
expect_rc 0 "$c2d" quote verify --json --quote "$T/sq" --collateral "$T/sc.json" --root "$T/sroot.der" \
	--allow-simulated --now "$sim_now"
[ "$(j .simulated)" = true ] && [ "$(j .status)" = UpToDate ] || fail "simulated verdict"
expect_rc 0 "$c2d" quote verify --quote "$T/sq" --collateral "$T/sc.json" --root "$T/sroot.der" \
	--allow-simulated --now "$sim_now"
expect_out '^root +simulated'
expect_rc 1 "$c2d" quote verify --quote "$T/sq" --collateral "$T/sc.json" --root "$T/sroot.der" --now "$sim_now"
expect_out 'root: not the Intel SGX Root CA \(a simulation root needs --allow-simulated\)'
expect_rc 1 "$c2d" quote verify --quote "$T/sq" --collateral "$T/sc.json" --now "$sim_now"
expect_out 'PCK chain: .*not the pinned root'
expect_rc 1 "$c2d" quote verify --quote "$quote" --collateral "$coll" --root "$T/sroot.der" \
	--allow-simulated --now "$inside"
expect_out 'root CA CRL|PCK chain'
expect_rc 1 "$c2d" quote verify --quote "$T/sq" --collateral "$T/sc-revoked.json" --root "$T/sroot.der" \
	--allow-simulated --now "$sim_now"
expect_out 'PCK CRL: the PCK certificate is revoked'
ok "a simulated quote verifies only with --allow-simulated and its root; a wrong root and a revoked PCK are refused"

# --- policy -------------------------------------------------------------------
expect_rc 1 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" --accept OutOfDate
expect_out 'policy: TCB status UpToDate is not accepted'
expect_rc 0 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" --accept UpToDate
expect_rc 2 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" --accept Fine
expect_out "unknown TCB status 'Fine'"
ok "the policy decides which TCB statuses pass"

# --- TD policy (--policy) ---------------------------------------------------
# MRTD and RTMR0-2 from a measurements file beside the policy, as c2d measure
# writes it; here the real quote's own registers.
"$c2d" quote show --json "$quote" >"$T/show.json"
r() { jq -r ".td_report.$1" "$T/show.json"; }
printf '{"c2d_measurements": 1, "tdx": {"mrtd": "%s", "rtmr0": "%s", "rtmr1": "%s", "rtmr2": "%s"}}\n' \
	"$(r mrtd)" "$(r 'rtmr[0]')" "$(r 'rtmr[1]')" "$(r 'rtmr[2]')" >"$T/m.json"
echo '{"c2d_td_policy": 1, "measurements": "m.json"}' >"$T/policy.json"
expect_rc 0 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" --policy "$T/policy.json"
expect_out "^policy +$T/policy.json\$"
expect_rc 0 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside"
expect_out '^policy +defaults; MRTD and RTMR0-2 NOT checked'
# refused RC PATTERN POLICY: the real quote under that policy.
refused() {
	echo "$3" >"$T/policy.json"
	expect_rc "$1" "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" \
		--policy "$T/policy.json"
	expect_out "$2"
}
sed 's/"rtmr1": "./"rtmr1": "f/' "$T/m.json" >"$T/m2.json"
refused 1 'TD policy: RTMR1 bytes 0-7 ' '{"c2d_td_policy": 1, "measurements": "m2.json"}'
refused 1 'policy: TCB info tcbEvaluationDataNumber 17 is below the minimum 18' \
	'{"c2d_td_policy": 1, "measurements": "m.json", "min_tcb_evaluation_data_number": 18}'
refused 1 'TD policy: TDATTRIBUTES 0000001000000000 are not the policy.s 0000001000000001 \(differs in bit 56\)' \
	'{"c2d_td_policy": 1, "measurements": "m.json", "td_attributes": "0000001000000001"}'
ok "--policy pins the TD: registers from measurements.json, TD attributes, the evaluation number"
refused 3 "$T/policy.json: unknown key \"tcb_status\"" \
	'{"c2d_td_policy": 1, "measurements": "m.json", "tcb_status": ["OutOfDate"]}'
refused 3 'MRTD is not pinned' '{"c2d_td_policy": 1}'
expect_rc 4 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" --policy "$T/none.json"
expect_rc 2 "$c2d" quote verify --quote "$quote" --collateral "$coll" --now "$inside" --policy "$T/m.json" \
	--accept UpToDate
ok "a policy with an unknown key or an unpinned register is malformed (3); --policy and --accept exclude each other"

# --- bad input ----------------------------------------------------------------
expect_rc 2 "$c2d" quote verify --collateral "$coll"
expect_out '--quote FILE is required'
expect_rc 2 "$c2d" quote verify --quote "$quote" --collateral "$coll" --tcb-info "$coll"
expect_rc 2 "$c2d" quote verify --quote "$quote" --tcb-info "$coll"
expect_rc 2 "$c2d" quote verify --quote "$quote" --now yesterday
expect_rc 4 "$c2d" quote verify --quote "$T/nothing" --collateral "$coll"
head -c 2000 "$coll" >"$T/cut.json"
expect_rc 3 "$c2d" quote verify --quote "$quote" --collateral "$T/cut.json" --now "$inside"
expect_out "$T/cut.json"
expect_rc 0 "$c2d" quote verify --help
ok "usage errors exit 2, unreadable files 4, malformed collateral 3 naming the file"
