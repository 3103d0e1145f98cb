#!/bin/sh
# c2d-mkimage: a deterministic initramfs, checked with an independent reader
# (GNU cpio), and clear errors on bad specs that leave no output behind.
. "$(dirname "$0")/../lib.sh"
mk=$top/out/bin/c2d-mkimage
mkdir -p "$T/src/guest"
printf 'payload' >"$T/src/guest/init"
printf 'x' >"$T/src/guest/other"
cat >"$T/spec" <<'S'
# comment
file /init 0500 guest/init   # trailing comment
dir  /dev  0755
nod  /dev/console 0600 c 5 1
dir /sys 0555
S
# The same spec in another order, another umask, another file mtime.
{ sed -n '5p;4p;3p;2p' "$T/spec"; } >"$T/spec2"
expect_rc 0 "$mk" initramfs --spec "$T/spec" --root "$T/src" --epoch 1735689600 --out "$T/a.cpio"
touch -d '2001-02-03' "$T/src/guest/init"
(umask 077 && "$mk" initramfs --spec "$T/spec2" --root "$T/src" --epoch 1735689600 --out "$T/b.cpio")
cmp "$T/a.cpio" "$T/b.cpio" || fail "initramfs bytes depend on spec order, umask or mtime"
[ "$(stat -c %a "$T/b.cpio")" = 644 ] || fail "output mode depends on the umask"
ok "deterministic across order, umask and mtimes"

# GNU cpio agrees on every member.
(cd "$T" && cpio -itv --quiet <a.cpio) >"$T/out"
expect_out '^drwxr-xr-x +2 root +root +0 Jan  1  2025 dev$'
expect_out '^crw------- +1 root +root +5, +1 Jan  1  2025 dev/console$'
expect_out '^-r-x------ +1 root +root +7 Jan  1  2025 init$'
[ "$(sed -n 1p "$T/out" | awk '{print $NF}')" = dev ] || fail "members are not sorted"
mkdir "$T/x" && (cd "$T/x" && cpio -id --quiet --no-absolute-filenames <"$T/a.cpio" 2>/dev/null || true)
[ "$(cat "$T/x/init")" = payload ] || fail "GNU cpio extracts other file contents"
ok "GNU cpio reads it back"

expect_rc 0 "$mk" list "$T/a.cpio"
expect_out '^100500 0:0 nlink=1 mtime=1735689600 ino=3 .* /init$'

bad() { # LINE EXPECTED-MESSAGE [EXIT]
	printf 'dir /dev 0755\n%s\n' "$1" >"$T/bad"
	expect_rc "${3:-3}" "$mk" initramfs --spec "$T/bad" --root "$T/src" --epoch 0 --out "$T/bad.cpio"
	expect_out "$2"
	[ ! -e "$T/bad.cpio" ] || fail "output left behind after: $1"
	ls "$T" | grep -q 'bad.cpio.tmp' && fail "temporary file left behind"
	return 0
}
bad 'file /init 0500 guest/missing' "bad:2: .*guest/missing: cannot open" 4
bad 'dir /dev 0700' "bad:2: /dev listed twice \\(first at line 1\\)"
bad 'link /x 0755' "bad:2: expected dir, file or nod, found 'link'"
bad 'dir /a/../b 0755' "bad:2: '/a/../b' is not a clean absolute path"
bad 'dir /x 0999' "bad:2: expected an octal mode, found '0999'"
bad 'file /a/b 0500 guest/init' "bad:2: parent directory of /a/b is not listed"
bad 'nod /dev/x 0600 p 1 2' "bad:2: expected c or b, found 'p'"
ok "bad specs name file and line, leave nothing behind"

# A damaged archive is refused with the offset, not listed.
head -c 200 "$T/a.cpio" >"$T/cut.cpio"
expect_rc 3 "$mk" list "$T/cut.cpio"
expect_out "cut.cpio: cpio: offset [0-9]+: "
ok "list refuses a truncated archive"
