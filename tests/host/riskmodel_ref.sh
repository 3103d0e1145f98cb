#!/bin/sh
# The reference coefficients in tests/unit/riskmodel_ref.h are what
# scikit-learn gives (tests/tools/riskmodel_ref.py), and the central,
# non-private fit is not in the guest's init (it is in the analysis child,
# which the driver in init only talks to).
. "$(dirname "$0")/../lib.sh"
/usr/bin/python3 "$top/tests/tools/riskmodel_ref.py" >"$T/ref"
# The rows must be the same to the byte; the coefficients within 10^-9,
# relative: numpy's BLAS and the CPU's vector width change their last
# digits from machine to machine (a fresh bookworm gave 1 ulp apart), and
# test_riskmodel compares c2d's fit with them to 10^-6.
/usr/bin/python3 - "$T/ref" "$top/tests/unit/riskmodel_ref.h" <<'PY' >&2 ||
import re, sys
num = re.compile(r"^\t(-?[0-9][0-9.e+-]*),$")
a, b = (open(f).read().splitlines() for f in sys.argv[1:3])
if len(a) != len(b):
    sys.exit(f"riskmodel_ref.py gives {len(a)} lines, the header has {len(b)}")
coef = False
for i, (x, y) in enumerate(zip(a, b), 1):
    coef = coef or "rm_ref_coef" in x
    mx, my = num.match(x), num.match(y)
    if coef and mx and my:
        u, v = float(mx.group(1)), float(my.group(1))
        if abs(u - v) > 1e-9 * max(1.0, abs(v)):
            sys.exit(f"line {i}: coefficient {v!r} in the header, {u!r} from scikit-learn")
    elif x != y:
        sys.exit(f"line {i}: {y!r} in the header, {x!r} from riskmodel_ref.py")
PY
	fail "riskmodel_ref.h differs from riskmodel_ref.py's output"
ok "riskmodel_ref.h = scikit-learn's fit (riskmodel_ref.py; coefficients to 10^-9)"
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
