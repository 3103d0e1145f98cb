#!/bin/sh
# The compose-hashes recorded in the source (image/analyses/*.compose-hash,
# docs/compose-hash.md): a build that differs fails, naming both hashes;
# make image only warns.
. "$(dirname "$0")/../lib.sh"
cd "$top"
for d in out/image out/image-risk-model; do
	[ -f "$d/measurements.json" ] || { echo "skipped: $d not built (make image)"; exit 77; }
done
c2d=$top/out/bin/c2d

expect_rc 0 image/compose-hash out/image image/analyses/cohort-stats.compose-hash
expect_out "as recorded in image/analyses/cohort-stats.compose-hash"
expect_rc 0 image/compose-hash out/image-risk-model image/analyses/risk-model.compose-hash
ok "both images have their recorded compose-hash"

# An image that differs by one byte of its initramfs: refused, naming both.
cp -r out/image "$T/img"
chmod -R u+w "$T/img"
printf '\001' | dd of="$T/img/initrd.cpio" bs=1 seek=4000 conv=notrunc 2>/dev/null
"$c2d" measure "$T/img" >/dev/null
built=$(jq -r .compose_hash "$T/img/measurements.json")
want=$(sed -n '/^[0-9a-f]\{64\}$/p' image/analyses/cohort-stats.compose-hash)
[ "$built" != "$want" ] || fail "control: a changed initramfs kept the compose-hash"
expect_rc 1 image/compose-hash "$T/img" image/analyses/cohort-stats.compose-hash
expect_out "built $built, but image/analyses/cohort-stats.compose-hash records $want"
expect_rc 0 image/compose-hash --warn "$T/img" image/analyses/cohort-stats.compose-hash
expect_out "built $built, but"
ok "a changed image fails the check, naming both hashes; --warn (make image) says so and goes on"

# The other image's record is not this one's; a record that is not a hash
# is bad input.
expect_rc 1 image/compose-hash out/image image/analyses/risk-model.compose-hash
printf '# nothing\nnot-a-hash\n' >"$T/rec"
expect_rc 2 image/compose-hash out/image "$T/rec"
expect_out "expected 64 lowercase hex digits"
ok "each image is checked against its own record; a malformed record is refused"
