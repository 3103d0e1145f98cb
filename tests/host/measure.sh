#!/bin/sh
# c2d measure: the compose-hash as docs/compose-hash.md defines it,
# recomputed here with coreutils alone; any byte changes it.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
img=$T/img
mkdir -p "$img"
head -c 100000 /dev/urandom >"$img/bzImage"
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
