# Shared helpers of the shell-level tests. Each test file sources this,
# runs in its own temporary directory, and exits non-zero on the first
# failed expectation, saying which.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/c2d-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
name=$(basename "$0" .sh)
fail() { echo "FAIL $name: $*" >&2; exit 1; }
ok() { echo "ok   $name: $*"; }
# expect_rc WANT CMD...: runs CMD, stdout+stderr to $T/out, checks its status.
expect_rc() {
	_want=$1; shift
	_rc=0
	"$@" >"$T/out" 2>&1 || _rc=$?
	[ "$_rc" = "$_want" ] || { cat "$T/out" >&2; fail "'$*' exited $_rc, expected $_want"; }
}
# expect_out PATTERN: the last command's output matches the extended regex.
expect_out() {
	grep -Eq -- "$1" "$T/out" || { cat "$T/out" >&2; fail "output lacks /$1/"; }
}
