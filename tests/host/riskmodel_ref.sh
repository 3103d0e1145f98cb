#!/bin/sh
# The reference coefficients in tests/unit/riskmodel_ref.h are what
# scikit-learn gives (tests/tools/riskmodel_ref.py), and the central,
# non-private fit is not in the guest's init (it is in the analysis child,
# which the driver in init only talks to).
. "$(dirname "$0")/../lib.sh"
/usr/bin/python3 "$top/tests/tools/riskmodel_ref.py" >"$T/ref"
diff -u "$T/ref" "$top/tests/unit/riskmodel_ref.h" >&2 || fail "riskmodel_ref.h differs from riskmodel_ref.py's output"
ok "riskmodel_ref.h = scikit-learn's fit (riskmodel_ref.py)"
# No guest binary links an object that defines the central fit (the guest
# binaries are stripped, so the objects are what can be checked); the
# host's c2d does.
make -s -C "$top" --no-print-directory out/guest/init out/guest/risk-model out/bin/c2d >/dev/null
defines() { (cd "$top" && nm --defined-only $(make -s --no-print-directory "$1")) | grep -Eq " T ($2)\$"; }
central='riskmodel_central_fit|riskmodel_central_fit_lambda|riskmodel_central_fit_threads'
defines print-c2d-objs "$central" || fail "c2d's objects lack the central fit (control)"
defines print-risk-objs 'riskmodel_pass' || fail "the child's objects lack riskmodel_pass (control)"
defines print-init-objs 'riskmodel_dp_run' || fail "init's objects lack riskmodel_dp_run (control)"
defines print-risk-objs "$central" && fail "the central (non-private) fit is linked into the risk-model child"
if defines print-init-objs "$central|riskmodel_pass"; then
	fail "the central (non-private) fit is linked into init"
fi
ok "the non-private fit is in no guest binary's objects"
