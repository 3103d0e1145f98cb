#!/bin/sh
# The regression vectors in tests/unit/test_dp.c are what the independent
# Python reference (tests/tools/dp_ref.py) draws from the same stream.
. "$(dirname "$0")/../lib.sh"
/usr/bin/python3 "$top/tests/tools/dp_ref.py" >"$T/ref"
sed -n '/BEGIN dp_ref.py/,/END dp_ref.py/p' "$top/tests/unit/test_dp.c" | sed '1d;$d' >"$T/held"
[ -s "$T/held" ] || fail "no vectors between the markers in test_dp.c"
diff -u "$T/ref" "$T/held" >&2 || fail "test_dp.c's vectors differ from dp_ref.py's"
ok "test_dp.c vectors = dp_ref.py"
