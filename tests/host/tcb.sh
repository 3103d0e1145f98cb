#!/bin/sh
# make tcb (image/tcb, docs/tcb.md): the guest's own lines, counted from
# the real link, and the budget that fails the build when they grow.
. "$(dirname "$0")/../lib.sh"
make -s -C "$top" --no-print-directory out/guest/init out/guest/cohort-stats out/guest/risk-model >/dev/null
cd "$top"
bins="out/guest/init out/guest/cohort-stats out/guest/risk-model"

expect_rc 0 image/tcb $bins
for b in init cohort-stats risk-model union; do expect_out "^$b +[0-9]+ \.c"; done
union=$(awk '$1 == "union" { print $NF }' "$T/out")
[ "$union" -gt 1000 ] || fail "the union is $union lines: the map or the dependency files were not read"
ok "a table per guest binary and the union ($union lines)"

# What the link took, not what the Makefile names: init takes the row
# groups out of the library (the analysis protocol needs them); no guest
# binary links the verifier, which is host code.
grep -q 'rowgroup\.o' out/guest/init.map || fail "control: init.map does not name rowgroup.o"
for b in $bins; do
	grep -q 'host/attest/' "$b.map" && fail "$b links the host's verifier"
done
ok "counted from the link map: archive members taken, host code absent"

# Comments and blank lines do not count; a comment marker inside a string
# does not start a comment.
printf '/* a */\nint a; // b\n\n#define X 1 /* c */\nconst char *s = "/* d";\nint e;\n' >"$T/x.c"
n=$(gcc -fpreprocessed -dD -E -P -x c "$T/x.c" | grep -c '[^[:space:]]')
[ "$n" = 4 ] || fail "the line count of a commented file is $n, expected 4"
ok "comments and blank lines are not counted"

# The budget: at the figure it passes, one line below it fails, naming both.
echo "$union" >"$T/budget"
expect_rc 0 image/tcb --budget "$T/budget" $bins
expect_out "^tcb: $union of $union lines"
echo $((union - 1)) >"$T/budget"
expect_rc 1 image/tcb --budget "$T/budget" $bins
expect_out "tcb: the guest's own C is $union lines, over the budget of $((union - 1))"
printf '# no number\n' >"$T/budget"
expect_rc 2 image/tcb --budget "$T/budget" $bins
expect_rc 0 image/tcb --budget image/tcb-budget $bins
ok "the budget in image/tcb-budget holds, and one line less fails"
