#!/bin/sh
# MRTD and the TD HOB event from real firmware: Debian's OVMF.fd (package
# ovmf) is edk2's combined build for plain, SEV and TDX guests and carries
# TDVF metadata. MRTD is compared with the independent Python model
# (tests/tools/tdx_model.py), which walks OVMF's GUIDed table itself; the
# TD HOB event at 2 GiB with dstack's published event log, from another
# OVMF build with the same TDVF memory layout. The firmware is the one
# pinned in reproducible/inputs.lock, from the hash-checked package that
# make deps fetched, not whatever ovmf the machine has installed.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
cache=${C2D_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/c2d}
set -- $(grep '^deb ovmf ' "$top/reproducible/inputs.lock")
ver=$3
deb=$cache/dl/$4
[ -f "$deb" ] || fail "$deb missing: 'make deps' fetches the pinned ovmf"
[ "$(sha256sum "$deb" | cut -d' ' -f1)" = "$5" ] || fail "$deb: SHA-256 differs from reproducible/inputs.lock"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/ovmf/OVMF.fd >"$T/OVMF.fd"
fw=$T/OVMF.fd
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
ok "Debian's OVMF.fd ($ver): MRTD (both orders) equals the independent model; the TD HOB event equals dstack's"
