#!/bin/sh
# init's logic as an ordinary process (--host): fake sysfs trees, the status
# it reports, and its refusal to run as a non-PID-1 without the flag.
. "$(dirname "$0")/../lib.sh"
init=$top/out/guest/init

expect_rc 2 "$init"
expect_out 'not PID 1; pass --host'

mkdir -p "$T/sysroot/sys/block/vda" "$T/sysroot/sys/class/virtio-ports/vport0p1" "$T/sysroot/dev"
echo 2048 >"$T/sysroot/sys/block/vda/size"
echo 1 >"$T/sysroot/sys/block/vda/ro"
echo c2d.status >"$T/sysroot/sys/class/virtio-ports/vport0p1/name"
: >"$T/sysroot/dev/vport0p1"
expect_rc 0 "$init" --host --sysroot "$T/sysroot"
expect_out '^c2d-init: disk vda bytes=1048576 ro$'
expect_out '^c2d-init: port vport0p1 name=c2d.status$'
expect_out '^c2d-init: platform no-tdx$'
expect_out '^c2d-init: exit 0$'
# The status line also went to the port named c2d.status.
grep -qx 'c2d-status: 0' "$T/sysroot/dev/vport0p1" || fail "no status line on the c2d.status port"
# It measured the payload it was told to, with the same digest as sha256sum.
want=$(sha256sum "$init" | cut -d' ' -f1)
expect_rc 0 "$init" --host --sysroot "$T/sysroot" --self "$init"
expect_out "measured .* sha256=$want "
ok "probes, reports and measures"

mkdir -p "$T/sysroot/sys/devices/virtual/misc/tdx_guest"
expect_rc 0 "$init" --host --sysroot "$T/sysroot"
expect_out '^c2d-init: platform tdx$'
ok "recognises a TDX guest"

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
