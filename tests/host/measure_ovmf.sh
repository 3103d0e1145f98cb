#!/bin/sh
# MRTD and the TD HOB event from real firmware: Debian's OVMF.fd (package
# ovmf) is edk2's combined build for plain, SEV and TDX guests and carries
# TDVF metadata. MRTD is compared with the independent Python model
# (tests/tools/tdx_model.py), which walks OVMF's GUIDed table itself; the
# TD HOB event at 2 GiB with dstack's published event log, from another
# OVMF build with the same TDVF memory layout.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
fw=/usr/share/ovmf/OVMF.fd
[ -r "$fw" ] || fail "$fw missing: 'make deps' installs the ovmf package"
mkdir "$T/img"
/usr/bin/python3 "$top/tests/tools/tdx_model.py" mkkernel "$T/img/bzImage" 65536
printf 'console=ttyS0' >"$T/img/cmdline"
head -c 4096 /dev/zero >"$T/img/initrd.cpio"
for order in single-pass two-pass; do
	expect_rc 0 "$c2d" measure --json --out "$T/m.json" --firmware "$fw" --mrtd-order "$order" \
		--memory 2G "$T/img"
	got=$(jq -r .tdx.mrtd "$T/m.json")
	want=$(/usr/bin/python3 "$top/tests/tools/tdx_model.py" mrtd "$fw" "$order")
	[ "$got" = "$want" ] || fail "MRTD ($order) of $fw: c2d $got, model $want"
done
# dstack's first RTMR0 event is the TD HOB (EV_EFI_HANDOFF_TABLES2) of a 2 GiB guest.
hob=$(jq -r '.event_log | fromjson | .[0].digest' "$top/tests/vectors/tdx/dstack_tdx-lite-getquote.json")
[ "$(jq -r .tdx.td_hob_event "$T/m.json")" = "$hob" ] || fail "TD HOB event differs from dstack's ($hob)"
ok "Debian's OVMF.fd: MRTD (both orders) equals the independent model; the TD HOB event equals dstack's"
