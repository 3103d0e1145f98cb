#!/bin/sh
# A multi-GB round trip: seal a cohort of about C2D_BIG_GIB GiB (default 2)
# and read it back through the streaming reader, byte for byte, in constant
# memory (checked: the sealer's and reader's peak RSS stay far below the
# data size).
. "$(dirname "$0")/../lib.sh"
gib=${C2D_BIG_GIB:-2}
c2d=$top/out/bin/c2d
cd "$T"
rows=$(( (gib << 30) / 47 ))
"$c2d" gen-cohort --rows "$rows" --seed 11 --out big.csv --schema big.json
size=$(stat -c %s big.csv)
[ "$size" -gt $(( (gib << 30) * 9 / 10 )) ] || fail "generated only $size bytes"
"$c2d" keygen --out kms.key >/dev/null
printf '{"compose_hash": "%064d"}' 7 >m.json
"$c2d" recipe --measurements m.json --kms-pub kms.key.pub \
	--app 0x0000000000000000000000000000000000000001 --out recipe.json
/usr/bin/time -f '%M' -o seal.rss "$c2d" seal --owner 0x0000000000000000000000000000000000000002 \
	--in big.csv --schema big.json --recipe recipe.json --out big.sealed >/dev/null
/usr/bin/time -f '%M' -o unseal.rss "$top/out/test/c2d-sealtool" unseal --kms-key kms.key \
	--in big.sealed --out big.back
cmp -s big.csv big.back || fail "the $gib GiB round trip differs"
# ASan's shadow memory inflates the test tool's RSS; the bound is still far
# below the data.
[ "$(cat seal.rss)" -lt 200000 ] || fail "sealing used $(cat seal.rss) KiB: not constant memory"
[ "$(cat unseal.rss)" -lt 400000 ] || fail "unsealing used $(cat unseal.rss) KiB: not constant memory"
ok "$size bytes ($rows rows) round-trip; peak RSS $(cat seal.rss) KiB sealing, $(cat unseal.rss) KiB unsealing"
