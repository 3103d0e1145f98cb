#!/bin/sh
# The crypto backends' known answers on the guest's own build (c2d-kat:
# static, musl, the guest's flags and objects; docs/testing.md, "Crypto
# self-tests"), on this CPU and under QEMU's user-mode TCG with two CPU
# models: qemu64 (no AES-NI, no SHA) and Westmere (AES-NI and PCLMULQDQ, no
# AVX2, VAES or SHA). Each time the backend selected is the one the CPU
# allows and it passes; a backend forced with C2D_CRYPTO that the CPU lacks
# is refused (exit 6, naming it), never executed.
. "$(dirname "$0")/../lib.sh"
kat=$top/out/test/c2d-kat
[ -x "$kat" ] || fail "$kat not built (make out/test/c2d-kat)"
if readelf -lW "$kat" | grep -Eq '\b(INTERP|DYNAMIC)\b'; then fail "c2d-kat is not static"; fi

# run CPU_LABEL GCM SHA FORCEABLE... -- CMD...: the selection is GCM and
# SHA; each of portable aesni vaes shani passes when listed in FORCEABLE,
# and is refused otherwise.
run() {
	label=$1 gcm=$2 sha=$3
	shift 3
	can=
	while [ "$1" != "--" ]; do can="$can $1"; shift; done
	shift
	expect_rc 0 env -u C2D_CRYPTO "$@"
	expect_out "^aes-gcm $(printf %s "$gcm" | sed 's/+/\\+/') ok\$"
	expect_out "^sha-256 $sha ok\$"
	for f in portable aesni vaes shani; do
		case "$f" in
		portable) what="aes-gcm ct64 ok" ;;
		aesni) what="aes-gcm x86ni\\+pclmul ok" ;;
		vaes) what="aes-gcm vaes\\+vpclmul ok" ;;
		shani) what="sha-256 sha-ni ok" ;;
		esac
		case " $can " in
		*" $f "*)
			expect_rc 0 env C2D_CRYPTO="$f" "$@"
			expect_out "^$what\$" ;;
		*)
			expect_rc 6 env C2D_CRYPTO="$f" "$@"
			expect_out "^c2d-kat: (AES-GCM|SHA-256): this CPU cannot run the .* implementation\$" ;;
		esac
	done
	ok "$label: selects $gcm and $sha, each backend it has passes, the others are refused"
}

# This CPU, as /proc/cpuinfo describes it.
has() { for f in "$@"; do grep -qw "$f" /proc/cpuinfo || return 1; done; }
gcm=ct64 sha=bearssl can=portable
if has aes pclmulqdq; then gcm=x86ni+pclmul can="$can aesni"; fi
if has aes pclmulqdq avx2 vaes vpclmulqdq; then gcm=vaes+vpclmul can="$can vaes"; fi
if has sha_ni ssse3 sse4_1; then sha=sha-ni can="$can shani"; fi
# shellcheck disable=SC2086
run "this CPU" "$gcm" "$sha" $can -- "$kat"

q=$(command -v qemu-x86_64-static || command -v qemu-x86_64) ||
	fail "qemu-x86_64 not found: install qemu-user-static (reproducible/packages)"
run "QEMU TCG qemu64" ct64 bearssl portable -- "$q" -cpu qemu64 "$kat"
run "QEMU TCG Westmere" x86ni+pclmul bearssl portable aesni -- "$q" -cpu Westmere "$kat"
