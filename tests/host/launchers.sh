#!/bin/sh
# The TDX and dstack launchers, without a TDX host: the command line they
# would run, and the image directory they lay out.
. "$(dirname "$0")/../lib.sh"
img=$T/img
mkdir -p "$img"
/usr/bin/python3 "$top/tests/tools/tdx_model.py" mkkernel "$img/bzImage" 65536
printf 'initrd' >"$img/initrd.cpio"
printf 'console=ttyS0 quiet' >"$img/cmdline"
printf 'tdvf' >"$T/tdvf.fd"
"$top/out/bin/c2d" measure "$img" >/dev/null

expect_rc 0 "$top/qemu/run-tdx" --image "$img" --bios "$T/tdvf.fd" --qgs 2:4050 \
	--disk "$T/d 1.img" --port c2d.kms="$T/kms.sock"
expect_out "'-object' '\\{\"qom-type\":\"tdx-guest\",\"id\":\"tdx0\",\"sept-ve-disable\":true,\"quote-generation-socket\":\\{\"type\":\"vsock\",\"cid\":\"2\",\"port\":\"4050\"\\}\\}'"
expect_out "'-machine' 'q35,kernel-irqchip=split,confidential-guest-support=tdx0,hpet=off'"
expect_out "'-bios' '$T/tdvf.fd'"
expect_out "'-append' 'console=ttyS0 quiet'"
expect_out "'-drive' 'file=$T/d 1.img,format=raw,if=none,id=disk0,readonly=on'"
expect_out "name=c2d.status' .*name=c2d.kms'"
grep -q isa-debug-exit "$T/out" && fail "TDX command line has port-I/O exit device"
# The printed line is a valid shell command: eval it into words again.
eval "set -- $(cat "$T/out")"
[ "$1" = qemu-system-x86_64 ] || fail "printed command does not start with QEMU"
expect_rc 126 "$top/qemu/run-tdx" --image "$img"
ok "QEMU-TDX command line"

expect_rc 0 "$top/qemu/dstack/mkimage" --image "$img" --bios "$T/tdvf.fd" --out "$T/dstack"
for f in bzImage initrd.cpio ovmf.fd metadata.json; do [ -f "$T/dstack/$f" ] || fail "dstack image lacks $f"; done
hash=$(jq -r .compose_hash "$img/measurements.json")
[ "$(jq -r .version "$T/dstack/metadata.json")" = "c2d-$(printf '%.16s' "$hash")" ] || fail "metadata version"
[ "$(jq -r .cmdline "$T/dstack/metadata.json")" = "console=ttyS0 quiet" ] || fail "metadata cmdline"
[ "$(jq -r '.kernel + " " + .initrd + " " + .bios' "$T/dstack/metadata.json")" = "bzImage initrd.cpio ovmf.fd" ] ||
	fail "metadata file names"
cmp "$T/dstack/bzImage" "$img/bzImage" || fail "dstack kernel differs from the image's"
ok "dstack VMM image directory"
