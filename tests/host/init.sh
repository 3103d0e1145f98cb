#!/bin/sh
# init's logic as an ordinary process (--host): fake sysfs trees, the image's
# analysis and recipe under the same root, the status it reports, and its
# refusal to run as a non-PID-1 without the flag.
. "$(dirname "$0")/../lib.sh"
init=$top/out/guest/init

expect_rc 2 "$init"
expect_out 'not PID 1; pass --host'

mkdir -p "$T/sysroot/sys/block/vda" "$T/sysroot/sys/class/virtio-ports/vport0p1" "$T/sysroot/dev"
# The image's analysis, as the cohort-stats image holds it.
mkdir -p "$T/sysroot/etc/c2d"
cp "$top/out/guest/cohort-stats" "$T/sysroot/analysis"
cp "$top/image/analyses/cohort-stats.conf" "$T/sysroot/etc/c2d/analysis.conf"
echo 2048 >"$T/sysroot/sys/block/vda/size"
echo 1 >"$T/sysroot/sys/block/vda/ro"
echo c2d.status >"$T/sysroot/sys/class/virtio-ports/vport0p1/name"
: >"$T/sysroot/dev/vport0p1"
expect_rc 0 "$init" --host --sysroot "$T/sysroot"
expect_out '^c2d-init: disk vda bytes=1048576 ro$'
expect_out '^c2d-init: port vport0p1 name=c2d.status$'
expect_out '^c2d-init: platform no-tdx$'
expect_out '^c2d-init: analysis cohort-stats, epsilon 1\.000000$'
expect_out '^c2d-init: analysis not run: no key release yet$'
expect_out '^c2d-init: exit 0$'
# The status line also went to the port named c2d.status.
grep -qx 'c2d-status: 0' "$T/sysroot/dev/vport0p1" || fail "no status line on the c2d.status port"
# It measured the payload it was told to, with the same digest as sha256sum.
want=$(sha256sum "$init" | cut -d' ' -f1)
expect_rc 0 "$init" --host --sysroot "$T/sysroot" --self "$init"
expect_out "measured .* sha256=$want "
ok "probes, reports and measures"

expect_out '^c2d-init: attestation: none '
ok "without a quote port or TDX device it says it runs unattested"

# The risk-model image's recipe: epsilon and rho.
cp "$top/image/analyses/risk-model.conf" "$T/sysroot/etc/c2d/analysis.conf"
expect_rc 0 "$init" --host --sysroot "$T/sysroot"
expect_out '^c2d-init: analysis risk-model, epsilon 1\.000000, rho 0\.500000$'
# Fail closed: a recipe that is missing, malformed or inconsistent, or no
# analysis binary; the error names file and line, and nothing else runs.
boot_fails() {   # STATUS ERROR: init stops with that status and error, first thing
	: >"$T/sysroot/dev/vport0p1"
	expect_rc "$1" "$init" --host --sysroot "$T/sysroot"
	expect_out "^c2d-init: error: $2"
	expect_out "^c2d-init: exit $1\$"
	grep -q 'c2d-init: platform' "$T/out" && fail "init went on after: $2"
	grep -qx "c2d-status: $1" "$T/sysroot/dev/vport0p1" || fail "the failure status did not reach the c2d.status port"
}
conf=$T/sysroot/etc/c2d/analysis.conf
sed 's/^epochs 20$/epochs 21/' "$top/image/analyses/risk-model.conf" >"$conf"
boot_fails 3 "$conf:10: rho: 0\.500000, but epochs x rho_per_epoch sum to 0\.525000\$"
printf 'c2d-analysis-v1\nanalysis sql\n' >"$conf"
boot_fails 3 "$conf:2: analysis: unknown analysis 'sql'"
rm "$conf"
boot_fails 4 "$conf: cannot open: No such file or directory\$"
cp "$top/image/analyses/cohort-stats.conf" "$conf"
chmod 0644 "$T/sysroot/analysis"
boot_fails 3 "$T/sysroot/analysis: the analysis binary is not a regular executable file \\(mode 100644"
rm "$T/sysroot/analysis"
boot_fails 4 "$T/sysroot/analysis: the analysis binary: No such file or directory\$"
cp "$top/out/guest/cohort-stats" "$T/sysroot/analysis"
ok "says the image's analysis and its privacy budget; a missing or bad recipe or binary fails the boot"

# A TDX guest must attest; a kernel without the RTMR ABI fails the boot.
mkdir -p "$T/sysroot/sys/devices/virtual/misc/tdx_guest"
expect_rc 4 "$init" --host --sysroot "$T/sysroot"
expect_out '^c2d-init: platform tdx$'
expect_out '^c2d-init: error: RTMR3 event c2d\.init: kernel has no RTMR extension ABI'
expect_out '^c2d-init: exit 4$'
grep -q 'attestation: none' "$T/out" && fail "a TDX guest ran unattested"
# With the ABI (a plain file here, which keeps the last write) both
# events are extended, then the quote fails closed without configfs-tsm.
mr=$T/sysroot/sys/devices/virtual/misc/tdx_guest/measurements
mkdir -p "$mr"
: >"$mr/rtmr3:sha384"
expect_rc 4 "$init" --host --sysroot "$T/sysroot" --self "$init"
expect_out 'error: configfs-tsm not available'
want=$(/usr/bin/python3 -c 'import hashlib,sys; print(hashlib.sha384(b"\x01\x00\x00\x08:c2d.boot-done:").hexdigest())')
[ "$(od -An -v -tx1 "$mr/rtmr3:sha384" | tr -d ' \n')" = "$want" ] ||
	fail "the last RTMR3 write is not the c2d.boot-done event"
rm -r "$T/sysroot/sys/devices/virtual/misc/tdx_guest"
ok "a TDX guest extends RTMR3 with the boot events and fails closed without a quote"

# A c2d.quote port selects the simulated quoter, TDX or not. A plain file
# as the port answers nothing: init writes its first request and fails
# closed; the request is the EXTEND of c2d.init with /init's SHA-256.
mkdir -p "$T/sysroot/sys/class/virtio-ports/vport0p2"
echo c2d.quote >"$T/sysroot/sys/class/virtio-ports/vport0p2/name"
: >"$T/sysroot/dev/vport0p2"
expect_rc 4 "$init" --host --sysroot "$T/sysroot" --self "$init"
expect_out '^c2d-init: error: c2d\.quote: EXTEND c2d\.init: the quoter closed the channel$'
/usr/bin/python3 - "$T/sysroot/dev/vport0p2" "$init" <<'PY' || fail "the c2d.init EXTEND frame"
import hashlib, struct, sys
f = open(sys.argv[1], "rb").read()
sha = hashlib.sha256(open(sys.argv[2], "rb").read()).digest()
payload = b"\x03" + hashlib.sha384(b"\x01\x00\x00\x08:c2d.init:" + sha).digest() + b"\x08c2d.init" + sha
assert f == b"c2dQ\x01\x01" + struct.pack("<I", len(payload)) + payload, f.hex()
PY
rm -r "$T/sysroot/sys/class/virtio-ports/vport0p2" "$T/sysroot/dev/vport0p2"
ok "a c2d.quote port selects the simulated quoter; its first request is the c2d.init event"

# A malformed attribute fails closed, naming the file, with a non-zero status.
echo 'lots' >"$T/sysroot/sys/block/vda/size"
: >"$T/sysroot/dev/vport0p1"
expect_rc 3 "$init" --host --sysroot "$T/sysroot"
expect_out "^c2d-init: error: .*/sys/block/vda/size: expected a decimal number$"
expect_out '^c2d-init: exit 3$'
grep -qx 'c2d-status: 3' "$T/sysroot/dev/vport0p1" || fail "the failure status did not reach the c2d.status port"
ok "fails closed on malformed sysfs"

expect_rc 4 "$init" --host --sysroot "$T/sysroot" --self "$T/missing"
expect_out "error: $T/missing: cannot open"
ok "fails closed when the payload cannot be measured"
