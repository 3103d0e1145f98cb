#!/bin/sh
# The tree and the Makefile: no binary package is committed (inputs are
# fetched and hash-checked: reproducible/inputs.lock), and make expands no
# undefined variable in any of the README's targets.
. "$(dirname "$0")/../lib.sh"
cd "$top"
[ -d .git ] || [ -f .git ] || { echo "skipped: not a git checkout"; exit 77; }
pkgs=$(git ls-files | grep -E '\.(deb|udeb|ddeb|rpm|apk|whl|egg|jar|tgz|crate|nupkg)$' || true)
[ -z "$pkgs" ] || fail "binary packages are committed: $pkgs"
ok "git ls-files lists no binary package"

for t in all image demo test unit fuzz tcb bench reproduce; do
	make --no-print-directory --warn-undefined-variables -n "$t" >"$T/make.out" 2>&1 || {
		tail -5 "$T/make.out" >&2; fail "make -n $t failed"; }
	if grep -q 'warning: undefined variable' "$T/make.out"; then
		grep 'warning: undefined variable' "$T/make.out" | sort -u >&2
		fail "make $t expands an undefined variable"
	fi
done
# The check itself: a reference to an undefined variable is reported.
printf 'all:\n\t@echo $(NO_SUCH_VARIABLE)\n' >"$T/Makefile"
make -C "$T" --no-print-directory --warn-undefined-variables -n 2>&1 | grep -q 'warning: undefined variable' ||
	fail "control: make did not report an undefined variable"
ok "make --warn-undefined-variables: no warning for all, image, demo, test, unit, fuzz, tcb, bench, reproduce"
