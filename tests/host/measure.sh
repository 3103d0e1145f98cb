#!/bin/sh
# c2d measure: the compose-hash as docs/compose-hash.md defines it,
# recomputed here with coreutils alone; any byte changes it.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
img=$T/img
mkdir -p "$img"
model=$top/tests/tools/tdx_model.py
/usr/bin/python3 "$model" mkkernel "$img/bzImage" 100000
printf 'console=ttyS0 panic=-1' >"$img/cmdline"
head -c 5000 /dev/urandom >"$img/initrd.cpio"

# The documented recomputation.
doc() {
	printf 'c2d-compose-v1\n'
	for f in bzImage:kernel cmdline:cmdline initrd.cpio:initrd; do
		printf '%s sha256:%s %s\n' "${f#*:}" "$(sha256sum "$img/${f%%:*}" | cut -d' ' -f1)" \
			"$(stat -c %s "$img/${f%%:*}")"
	done
}
want=$(doc | sha256sum | cut -d' ' -f1)
expect_rc 0 "$c2d" measure "$img"
expect_out "^compose-hash  $want$"
grep -q "\"compose_hash\": \"$want\"" "$img/measurements.json" || fail "measurements.json disagrees"
grep -q "\"sha384\": \"$(sha384sum "$img/bzImage" | cut -d' ' -f1)\"" "$img/measurements.json" ||
	fail "kernel SHA-384 missing or wrong"
expect_rc 0 "$c2d" measure --json "$img"
cmp "$T/out" "$img/measurements.json" || fail "--json output differs from the file"
ok "compose-hash matches the documented recomputation"

# Any byte of any part changes it (I2).
for f in bzImage cmdline initrd.cpio; do
	cp "$img/$f" "$T/saved"
	printf '\001' | dd of="$img/$f" bs=1 seek=3 conv=notrunc status=none
	"$c2d" measure --out "$T/m.json" "$img" >/dev/null
	grep -q "\"compose_hash\": \"$want\"" "$T/m.json" && fail "changing $f left the compose-hash unchanged"
	cp "$T/saved" "$img/$f"
done
"$c2d" measure --out "$T/m.json" "$img" >/dev/null
grep -q "\"compose_hash\": \"$want\"" "$T/m.json" || fail "restoring the bytes did not restore the hash"
ok "one changed byte in any part changes the compose-hash"

# TDX registers, against the independent Python model (tests/tools/tdx_model.py).
tdx() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tdx"].get(sys.argv[2]))' "$@"; }
for mem in 2G:2147483648 1G:1073741824 8G:8589934592; do
	for mode in patched as-is; do
		"$c2d" measure --memory "${mem%%:*}" --qemu-header $mode --out "$T/m.json" "$img" >/dev/null
		set -- $(/usr/bin/python3 "$model" rtmr12 "$img" "${mem#*:}" $mode)
		[ "$(tdx "$T/m.json" kernel_authenticode)" = "$1" ] || fail "kernel Authenticode differs ($mem, $mode)"
		[ "$(tdx "$T/m.json" rtmr1)" = "$2" ] || fail "RTMR1 differs from the model ($mem, $mode)"
		[ "$(tdx "$T/m.json" rtmr2)" = "$3" ] || fail "RTMR2 differs from the model ($mem, $mode)"
		[ "$(tdx "$T/m.json" memory)" = "${mem#*:}" ] || fail "memory not recorded"
	done
done
# The default is 2 GiB, QEMU 8.0-10.1 header patching.
"$c2d" measure --out "$T/d.json" "$img" >/dev/null
"$c2d" measure --memory 2G --out "$T/m.json" "$img" >/dev/null
[ "$(tdx "$T/d.json" rtmr1)" = "$(tdx "$T/m.json" rtmr1)" ] || fail "default memory is not 2G"
[ "$(tdx "$T/d.json" mrtd)" = None ] || fail "mrtd without --firmware"
# The patched header depends on RAM size below 2.75 GiB only.
"$c2d" measure --memory 1G --out "$T/m.json" "$img" >/dev/null
[ "$(tdx "$T/d.json" rtmr1)" != "$(tdx "$T/m.json" rtmr1)" ] || fail "RTMR1 ignores the memory size"
ok "RTMR1 and RTMR2 agree with the independent model (1, 2, 8 GiB; patched and as-is headers)"

/usr/bin/python3 "$model" mktdvf "$T/tdvf.fd"
for order in single-pass two-pass; do
	expect_rc 0 "$c2d" measure --firmware "$T/tdvf.fd" --cpus 2 --mrtd-order $order --out "$T/m.json" "$img"
	expect_out "^mrtd          [0-9a-f]{96}$"
	[ "$(tdx "$T/m.json" mrtd)" = "$(/usr/bin/python3 "$model" mrtd "$T/tdvf.fd" $order)" ] ||
		fail "MRTD ($order) differs from the model"
	[ "$(tdx "$T/m.json" rtmr0)" = None ] || fail "rtmr0 without ACPI digests"
done
[ "$(tdx "$T/m.json" cfv_event)" = "$(dd if="$T/tdvf.fd" bs=4096 skip=4 count=1 status=none | sha384sum | cut -d' ' -f1)" ] ||
	fail "CFV event is not the SHA-384 of the CFV"
a=$(printf '%096d' 1); b=$(printf '%096d' 2); c=$(printf '%096d' 3)
expect_rc 0 "$c2d" measure --firmware "$T/tdvf.fd" --acpi "$a,$b,$c" --out "$T/m.json" "$img"
expect_out "^rtmr0         [0-9a-f]{96}$"
r0=$(tdx "$T/m.json" rtmr0)
"$c2d" measure --firmware "$T/tdvf.fd" --acpi "$a,$c,$b" --out "$T/m.json" "$img" >/dev/null
[ "$(tdx "$T/m.json" rtmr0)" != "$r0" ] || fail "RTMR0 ignores the ACPI digests' order"
ok "MRTD (both orders) agrees with the independent model; RTMR0 needs and uses the ACPI digests"

# RTMR3 as init leaves it (docs/attestation.md, "Boot attestation"):
# /init is read out of the initrd, here by an independent newc reader.
head -c 3000 /dev/urandom >"$T/init.bin"
printf 'dir /dev 0755\nfile /init 0500 init.bin\n' >"$T/spec"
cp "$img/initrd.cpio" "$T/random.cpio"
"$top/out/bin/c2d-mkimage" initramfs --spec "$T/spec" --root "$T" --epoch 0 --out "$img/initrd.cpio"
"$c2d" measure --out "$T/m.json" "$img" >/dev/null
set -- $(/usr/bin/python3 - "$img/initrd.cpio" <<'PY'
import hashlib, sys
b = open(sys.argv[1], "rb").read()
off, init = 0, None
while True:
    assert b[off:off + 6] == b"070701"
    f = [int(b[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
    namesize, size, mode = f[11], f[6], f[1]
    name = b[off + 110:off + 110 + namesize - 1].decode()
    data = off + 110 + namesize
    data += -data % 4
    if name == "TRAILER!!!":
        break
    if name == "init" and mode & 0o170000 == 0o100000:
        init = b[data:data + size]
    off = data + size
    off += -off % 4
sha = hashlib.sha256(init).digest()
def ev(name, payload):
    return hashlib.sha384(b"\x01\x00\x00\x08:" + name + b":" + payload).digest()
r = bytes(48)
for d in (ev(b"c2d.init", sha), ev(b"c2d.boot-done", b"")):
    r = hashlib.sha384(r + d).digest()
print(sha.hex(), r.hex())
PY
)
[ "$1" = "$(sha256sum "$T/init.bin" | cut -d' ' -f1)" ] || fail "the Python reader found another /init"
[ "$(tdx "$T/m.json" init_sha256)" = "$1" ] || fail "init_sha256 differs from the initrd's /init"
[ "$(tdx "$T/m.json" rtmr3)" = "$2" ] || fail "RTMR3 differs from the independent replay of the boot events"
expect_rc 0 "$c2d" measure --out "$T/m.json" "$img"
expect_out "^rtmr3         $2$"
cp "$img/initrd.cpio" "$T/good.cpio"
# Zero padding after the trailer is harmless; anything else could be a
# second archive whose /init replaces the first.
head -c 512 /dev/zero >>"$img/initrd.cpio"
"$c2d" measure --out "$T/m.json" "$img" >/dev/null
[ "$(tdx "$T/m.json" rtmr3)" = "$2" ] || fail "zero padding after the trailer changed RTMR3"
cat "$T/good.cpio" >>"$img/initrd.cpio"
"$c2d" measure --out "$T/m.json" "$img" >/dev/null
[ "$(tdx "$T/m.json" rtmr3)" = None ] || fail "rtmr3 despite data after the cpio trailer"
tdx "$T/m.json" rtmr3_missing | grep -q "data after the trailer" || fail "rtmr3_missing reason (trailer)"
cp "$T/random.cpio" "$img/initrd.cpio"
"$c2d" measure --out "$T/m.json" "$img" >/dev/null
[ "$(tdx "$T/m.json" rtmr3)" = None ] || fail "rtmr3 for an initrd that is not a cpio archive"
tdx "$T/m.json" rtmr3_missing | grep -q "bad magic" || fail "rtmr3_missing reason (not cpio)"
ok "RTMR3 after init's boot events agrees with an independent reading of /init and replay; unreadable initrds give null"

# One image per analysis (image/analyses/): the initrds the Makefile builds
# from the same specs and guest binaries, around the same kernel and
# cmdline. The two analyses' images differ; so does an image whose
# /analysis or /etc/c2d/analysis.conf differs in one byte; the same inputs
# give the same hash.
mkdir -p "$T/root/guest"
cp "$top/out/guest/init" "$top/out/guest/cohort-stats" "$top/out/guest/risk-model" "$T/root/guest/"
for a in cohort-stats risk-model; do cp "$top/image/analyses/$a.conf" "$T/root/guest/$a.conf"; done
hash_of() {   # ANALYSIS: the compose-hash of that analysis's image from $T/root
	"$top/out/bin/c2d-mkimage" initramfs --spec "$top/image/initramfs.spec" \
		--spec "$top/image/analyses/$1.spec" --root "$T/root" --epoch 1735689600 --out "$img/initrd.cpio"
	"$c2d" measure --out "$T/m.json" "$img" >/dev/null
	jq -r .compose_hash "$T/m.json"
}
flip() {   # FILE OFFSET: one byte of FILE changed
	printf '\377' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
hc=$(hash_of cohort-stats)
hr=$(hash_of risk-model)
[ "$hc" != "$hr" ] || fail "the cohort-stats and risk-model images have one compose-hash"
[ "$(hash_of cohort-stats)" = "$hc" ] || fail "the same inputs gave another compose-hash"
"$top/out/bin/c2d-mkimage" list "$img/initrd.cpio" >"$T/list"
grep -Eq "^100555 0:0 .* sha256=$(sha256sum "$top/out/guest/cohort-stats" | cut -d' ' -f1) /analysis$" "$T/list" ||
	fail "/analysis is not the cohort-stats child, mode 0555"
grep -Eq "^100400 0:0 .* sha256=$(sha256sum "$top/image/analyses/cohort-stats.conf" | cut -d' ' -f1) /etc/c2d/analysis.conf$" \
	"$T/list" || fail "/etc/c2d/analysis.conf is not the cohort-stats recipe, mode 0400"
cp "$T/root/guest/cohort-stats" "$T/saved"
flip "$T/root/guest/cohort-stats" 4096
[ "$(hash_of cohort-stats)" != "$hc" ] || fail "one byte of /analysis left the compose-hash unchanged"
cp "$T/saved" "$T/root/guest/cohort-stats"
# A change that keeps the recipe valid: a comment's letter.
sed '2s/cohort-stats:/cohort-stats;/' "$top/image/analyses/cohort-stats.conf" >"$T/root/guest/cohort-stats.conf"
cmp -s "$T/root/guest/cohort-stats.conf" "$top/image/analyses/cohort-stats.conf" && fail "the recipe did not change"
[ "$(hash_of cohort-stats)" != "$hc" ] || fail "one byte of the recipe left the compose-hash unchanged"
cp "$top/image/analyses/cohort-stats.conf" "$T/root/guest/cohort-stats.conf"
[ "$(hash_of cohort-stats)" = "$hc" ] || fail "restoring the bytes did not restore the hash"
ok "each analysis's image has its own compose-hash; one byte of /analysis or of its recipe changes it"

expect_rc 2 "$c2d" measure --cpus 2 "$img"
expect_out "need --firmware"
expect_rc 2 "$c2d" measure --memory 2X "$img"
expect_rc 2 "$c2d" measure --firmware "$T/tdvf.fd" --acpi "$a,$b" "$img"
expect_rc 3 "$c2d" measure --firmware "$img/cmdline" "$img"
expect_out "cmdline: firmware"
cp "$img/bzImage" "$T/k"
head -c 100000 /dev/urandom >"$img/bzImage"
expect_rc 3 "$c2d" measure "$img"
expect_out "no Linux boot protocol header"
cp "$T/k" "$img/bzImage"
ok "TDX options: usage errors and unmeasurable inputs are refused"

expect_rc 0 "$c2d" measure --help
expect_out '^usage: c2d measure'
expect_rc 0 "$c2d" --help
expect_out 'measure'
expect_rc 2 "$c2d" measure --bogus "$img"
expect_rc 2 "$c2d" frobnicate
rm "$img/cmdline"
expect_rc 4 "$c2d" measure "$img"
expect_out "^c2d measure: $img/cmdline: cannot open: No such file or directory$"
ok "usage and errors with documented exit codes"
