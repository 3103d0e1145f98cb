#!/bin/sh
# reproducible/deps refuses tampered inputs and names what is wrong: a
# changed lock entry, a changed source tarball, a malformed line, a tool at
# another version, a package that is not installed.
. "$(dirname "$0")/../lib.sh"
cache=${C2D_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/c2d}
[ -d "$cache/dl" ] || fail "no fetched inputs in $cache/dl: run 'make deps' first"

# A copy of reproducible/ in a scratch tree, with its own cache and output.
setup() {
	rm -rf "$T/top" "$T/cache"
	mkdir -p "$T/top/reproducible" "$T/cache/dl"
	cp "$top/reproducible/deps" "$top/reproducible/enable-deb-src" \
		"$top/reproducible/packages" "$top/reproducible/inputs.lock" "$T/top/reproducible/"
	for f in "$cache"/dl/*; do ln "$f" "$T/cache/dl/" 2>/dev/null || cp "$f" "$T/cache/dl/"; done
}
deps() { expect_rc "$1" env C2D_CACHE="$T/cache" C2D_DEPS="$T/deps" sh "$T/top/reproducible/deps"; }
lock=$T/top/reproducible/inputs.lock
line_of() { grep -n "$1" "$lock" | head -1 | cut -d: -f1; }

setup
n=$(line_of 'bearssl_0.6+dfsg.1.orig.tar.xz')
sed -i "${n}s/ 102a625b/ 002a625b/" "$lock"
deps 1
expect_out "^deps: reproducible/inputs.lock:$n: .*/bearssl_0.6\+dfsg.1.orig.tar.xz: SHA-256 mismatch: the lock says 002a625b"
ok "a tampered lock entry stops the build, naming the line and file"

setup
f=$T/cache/dl/libsecp256k1_0.2.0.orig.tar.xz
cp "$f" "$T/copy" && rm "$f" && mv "$T/copy" "$f"    # break the hard link first
printf 'X' | dd of="$f" bs=1 seek=1000 conv=notrunc status=none
deps 1
expect_out "^deps: reproducible/inputs.lock:$(line_of 'libsecp256k1_0.2.0.orig'): $f: SHA-256 mismatch"
[ -f "$f" ] || fail "the tampered file was deleted (it is evidence; the user decides)"
ok "a tampered source tarball stops the build, naming the file"

setup
n=$(line_of '^src bearssl')
sed -i "${n}s/ [0-9a-f]*\$//" "$lock"
deps 1
expect_out "^deps: reproducible/inputs.lock:$n: expected 'KIND NAME VERSION FILE SHA256', found 4 fields$"
setup
sed -i "${n}s/^src /zip /" "$lock"
deps 1
expect_out "^deps: reproducible/inputs.lock:$n: unknown kind 'zip'"
setup
sed -i "${n}s/ 9bd17e07/ 9BD17E07/" "$lock"
deps 1
expect_out "is not a SHA-256 in lowercase hex"
ok "malformed lock lines are reported with their line number"

setup
n=$(line_of '^tool gcc-12')
sed -i "${n}s/ 12.2.0-14+deb12u1 / 99.0-1 /" "$lock"
deps 1
expect_out "^deps: reproducible/inputs.lock:$n: gcc-12 must be version 99.0-1 to reproduce the image, this machine has '12.2.0-14\+deb12u1'"
ok "a toolchain at another version is refused"

# Not root: a missing package is named with the command that installs it;
# one that an installed package provides (gcc-12 provides c-compiler) is not.
setup
printf 'c-compiler\nc2d-no-such-package\n' >>"$T/top/reproducible/packages"
chmod -R a+rX "$T"
if [ "$(id -u)" = 0 ]; then
	expect_rc 1 runuser -u nobody -- env C2D_CACHE="$T/cache" C2D_DEPS="$T/deps" sh "$T/top/reproducible/deps"
else
	deps 1
fi
expect_out "^deps: missing Debian packages: c2d-no-such-package \(install them as root: apt-get install c2d-no-such-package\)$"
ok "a missing package is named with its install command, a provided one is not"

# The launcher names the package that provides QEMU.
mkdir -p "$T/img" && : >"$T/img/bzImage" && : >"$T/img/initrd.cpio" && : >"$T/img/cmdline"
expect_rc 126 env QEMU=qemu-system-nonexistent "$top/qemu/run" --image "$T/img"
expect_out "qemu-system-nonexistent not found \(apt-get install qemu-system-x86\)"
ok "a missing QEMU names its package"
