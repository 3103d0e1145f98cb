#!/bin/sh
# c2d-mkimage: a deterministic initramfs, checked with an independent reader
# (GNU cpio), made from one spec or several, clear errors on bad specs that
# leave no output behind; its check of an analysis's recipe.
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
bad 'dir /dev 0700' "bad:2: /dev listed twice \\(first at .*/bad:1\\)"
bad 'link /x 0755' "bad:2: expected dir, file or nod, found 'link'"
bad 'dir /a/../b 0755' "bad:2: '/a/../b' is not a clean absolute path"
bad 'dir /x 0999' "bad:2: expected an octal mode, found '0999'"
bad 'file /a/b 0500 guest/init' "bad:2: parent directory of /a/b is not listed"
bad 'nod /dev/x 0600 p 1 2' "bad:2: expected c or b, found 'p'"
ok "bad specs name file and line, leave nothing behind"

# Several specs make the archive one spec would: the common members, then
# an analysis's own; a path in two of them is refused, naming both.
sed -n '1,3p' "$T/spec" >"$T/common"
sed -n '4,$p' "$T/spec" >"$T/own"
expect_rc 0 "$mk" initramfs --spec "$T/common" --spec "$T/own" --root "$T/src" --epoch 1735689600 \
	--out "$T/c.cpio"
cmp "$T/a.cpio" "$T/c.cpio" || fail "two specs give another archive than their concatenation"
printf 'dir /dev 0700\n' >"$T/again"
expect_rc 3 "$mk" initramfs --spec "$T/common" --spec "$T/own" --spec "$T/again" --root "$T/src" \
	--epoch 0 --out "$T/d.cpio"
expect_out "again:1: /dev listed twice \\(first at .*/common:3\\)"
[ ! -e "$T/d.cpio" ] || fail "output left behind"
printf 'file /etc/x 0400 guest/init\n' >"$T/bad2"
expect_rc 3 "$mk" initramfs --spec "$T/common" --spec "$T/bad2" --root "$T/src" --epoch 0 --out "$T/d.cpio"
expect_out "bad2:1: parent directory of /etc/x is not listed"
ok "several specs: one archive, duplicates across them refused"

# conf: the build's check of a recipe before it enters its image.
conf=$top/image/analyses
expect_rc 0 "$mk" conf --analysis cohort-stats "$conf/cohort-stats.conf"
expect_out "cohort-stats.conf: analysis cohort-stats, epsilon 1\\.000000, rho 0\\.000000$"
expect_rc 0 "$mk" conf --analysis risk-model "$conf/risk-model.conf"
expect_out "risk-model.conf: analysis risk-model, epsilon 1\\.000000, rho 0\\.500000$"
expect_rc 3 "$mk" conf --analysis risk-model "$conf/cohort-stats.conf"
expect_out "cohort-stats.conf: analysis cohort-stats, but this is the risk-model image's"
sed 's/^eps_rows 0.1$/eps_rows 0.2/' "$conf/risk-model.conf" >"$T/rm.conf"
expect_rc 3 "$mk" conf --analysis risk-model "$T/rm.conf"
expect_out "rm.conf:9: epsilon: 1\\.000000, but eps_rows \\+ epochs x eps_loss_per_epoch \\+ eps_confusion sum to 1\\.100000"
expect_rc 2 "$mk" conf "$conf/risk-model.conf"
ok "conf accepts the shipped recipes, refuses another analysis's and a bad sum"

# A damaged archive is refused with the offset, not listed.
head -c 200 "$T/a.cpio" >"$T/cut.cpio"
expect_rc 3 "$mk" list "$T/cut.cpio"
expect_out "cut.cpio: cpio: offset [0-9]+: "
ok "list refuses a truncated archive"
