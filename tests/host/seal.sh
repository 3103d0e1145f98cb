#!/bin/sh
# c2d keygen / recipe / seal / inspect, and the test-only unseal: round
# trips at the edges, clear errors on bad input with nothing left behind,
# and the tamper matrix: every kind of change fails and releases nothing.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
tool=$top/out/test/c2d-sealtool
cd "$T"
owner=0x2222222222222222222222222222222222222222

# --- keys and recipes --------------------------------------------------
expect_rc 0 "$c2d" keygen --out kms.key
[ "$(stat -c %a kms.key)" = 600 ] || fail "key file mode is not 0600"
grep -Eqx '[0-9a-f]{64}' kms.key || fail "key file is not 64 hex digits"
grep -Eqx '0[23][0-9a-f]{64}' kms.key.pub || fail "public key file"
expect_rc 2 "$c2d" keygen --out kms.key
expect_out "kms.key: already exists; refusing to overwrite"
"$c2d" keygen --out other.key >/dev/null
printf '{"compose_hash": "%s"}' "$(printf 'x' | sha256sum | cut -d' ' -f1)" >m.json
expect_rc 0 "$c2d" recipe --measurements m.json --kms-pub kms.key.pub \
	--app 0x1111111111111111111111111111111111111111 --out recipe.json
"$c2d" recipe --measurements m.json --kms-pub other.key.pub \
	--app 0x1111111111111111111111111111111111111111 --out other-recipe.json
expect_rc 2 "$c2d" recipe --measurements m.json --kms-pub kms.key.pub --app 0x11 --out r.json
expect_out "--app: expected a 20-byte address"
ok "keygen refuses to overwrite; recipe from measurements"

# --- round trips ---------------------------------------------------------
cat >one.json <<'S'
{"columns": [{"name": "v", "type": "int64"}]}
S
seal() { "$c2d" seal --owner "$owner" --recipe recipe.json "$@"; }
roundtrip() { # NAME ROWS CHUNK
	{ echo v; i=0; while [ $i -lt "$2" ]; do echo $((i * 7 - 3)); i=$((i + 1)); done; } >"$1.csv"
	seal --in "$1.csv" --schema one.json --out "$1.sealed" --chunk-size "$3" >/dev/null ||
		fail "sealing $1 failed"
	"$tool" unseal --kms-key kms.key --in "$1.sealed" --out "$1.back" || fail "unsealing $1 failed"
	cmp -s "$1.csv" "$1.back" || fail "$1: rows differ after the round trip"
}
roundtrip empty 0 4096
roundtrip one 1 4096
# One int64 column in one group: plaintext = 8 + 8n + 16 bytes. n = 509
# fills exactly one 4096-byte chunk, 1021 exactly two, 510 spills 8 bytes.
roundtrip exact1 509 4096
roundtrip exact2 1021 4096
roundtrip spill 510 4096
len() { stat -c %s "$1"; }
hl=$("$c2d" inspect exact2.sealed | jq .header_len)
[ "$(len exact2.sealed)" = $((hl + 2 * (4096 + 16))) ] || fail "exact2 is not exactly two full chunks"
[ "$(len spill.sealed)" = $((hl + 4096 + 16 + 8 + 16)) ] || fail "spill's last chunk is not 8 bytes"
ok "round trips: empty, one row, exact chunk boundaries, a spilled chunk"

"$c2d" gen-cohort --rows 30000 --seed 3 --out cohort.csv --schema cohort.json
seal --in cohort.csv --schema cohort.json --out cohort.sealed --chunk-size 65536 --dataset-id \
	0x00000000000000000000000000000000000000000000000000000000000000aa >/dev/null
impls=ct64
grep -qw aes /proc/cpuinfo && grep -qw pclmulqdq /proc/cpuinfo && impls="$impls x86ni"
grep -qw vaes /proc/cpuinfo && grep -qw vpclmulqdq /proc/cpuinfo && impls="$impls vaes"
for impl in $impls; do
	rm -f cohort.back
	"$tool" unseal --kms-key kms.key --in cohort.sealed --out cohort.back --impl $impl ||
		fail "unseal with $impl"
	cmp -s cohort.csv cohort.back || fail "cohort differs after the round trip ($impl)"
done
tr ',' '\t' <cohort.csv >cohort.tsv
seal --in cohort.tsv --tsv --schema cohort.json --out tsv.sealed >/dev/null
"$tool" unseal --kms-key kms.key --in tsv.sealed --out tsv.back
cmp -s cohort.csv tsv.back || fail "TSV input differs after the round trip"
ok "a 30000-row cohort (CSV and TSV) round-trips with every AES-GCM implementation this CPU has ($impls)"

expect_rc 0 "$c2d" inspect cohort.sealed
[ "$(jq -r .owner "$T/out")" = "$owner" ] || fail "inspect: owner"
[ "$(jq -r .row_count "$T/out")" = 30000 ] || fail "inspect: row_count"
[ "$(jq -r .dataset_id "$T/out")" = 00000000000000000000000000000000000000000000000000000000000000aa ] ||
	fail "inspect: dataset_id"
[ "$(jq -r '.schema.columns[2].name + " " + .schema.columns[2].type' "$T/out")" = "egfr float64" ] ||
	fail "inspect: schema"
[ "$(jq -r .recipe.compose_hash "$T/out")" = "$(jq -r .compose_hash recipe.json)" ] || fail "inspect: recipe"
ok "inspect shows the public header without a key"

# Labels are bytes: inspect shows every one, well-formed UTF-8 as itself, a
# backslash doubled and any other byte as \xHH, so no two labels look alike.
# The sealer reads schemas as JSON (UTF-8 only), so the other bytes are
# written into a sealed header afterwards, each over a marker label.
cat >lab.json <<'S'
{"columns": [{"name": "lab", "type": "category", "labels":
 ["plain", "a\\b", "\u00e9", "\ud83d\ude00", "@1x", "\\xe91x", "@2ab", "@3a", "@4ab"]}]}
S
printf 'lab\nplain\n' >lab.csv
seal --in lab.csv --schema lab.json --out lab.sealed >/dev/null
patch_label() { # MARKER OCTAL-BYTES: overwrite the marker's first bytes in the schema
	at=$(LC_ALL=C grep -obUa -- "$1" lab.sealed | cut -d: -f1)
	[ "$(echo "$at" | wc -l)" = 1 ] && [ "$at" -gt 261 ] || fail "marker $1 at '$at'"
	printf "$2" | dd of=lab.sealed bs=1 seek="$at" conv=notrunc status=none
}
patch_label @1x '\351'              # Latin-1 e-acute
patch_label @2ab '\355\240\200'     # a UTF-16 surrogate, U+D800
patch_label @3a '\300\257'          # an overlong '/'
patch_label @4ab '@\342\202'        # a sequence cut short
expect_rc 0 "$c2d" inspect lab.sealed
/usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$T/out" ||
	fail "inspect: output with non-UTF-8 labels is not strict JSON"
got=$(jq -c '.schema.columns[0].labels' "$T/out")
want='["plain","a\\\\b","é","😀","\\xe91x","\\\\xe91x","\\xed\\xa0\\x80b","\\xc0\\xafa","@\\xe2\\x82b"]'
[ "$got" = "$want" ] || { printf 'got:  %s\nwant: %s\n' "$got" "$want" >&2; fail "inspect: category labels"; }
# What a reader of the output sees, as printed.
grep -qF '"\\xe91x",' "$T/out" || fail "inspect: the Latin-1 label is not printed escaped"
grep -qF '"\\\\xe91x",' "$T/out" || fail "inspect: a label with a backslash is not told apart"
ok "inspect shows every category label, bytes that are not UTF-8 escaped, unambiguously"

# --- bad input: file:line:column, no output left behind ----------------------
cat >s.json <<'S'
{"columns": [
 {"name": "age", "type": "int64", "min": 0, "max": 120},
 {"name": "sex", "type": "category", "labels": ["F", "M"]},
 {"name": "when", "type": "date"},
 {"name": "x", "type": "float64", "nullable": true}
]}
S
badrow() { # CSV-TEXT EXPECTED-MESSAGE
	printf "$1" >bad.csv
	expect_rc 3 "$c2d" seal --owner "$owner" --recipe recipe.json --schema s.json --in bad.csv --out bad.sealed
	expect_out "$2"
	[ ! -e bad.sealed ] || fail "output left behind after: $2"
	ls | grep -q 'bad.sealed.tmp' && fail "temporary file left behind"
	return 0
}
badrow 'age,sex,when,x\n30,F,2020-01-01,1.5\n31,F,2020-01-02,abc\n' \
	"^c2d seal: bad.csv:3:17: column 'x': expected a finite float64, found 'abc'$"
badrow 'age,sex,when,x\n130,F,2020-01-01,\n' \
	"^c2d seal: bad.csv:2:1: column 'age': expected a value at most 120, found '130'$"
badrow 'age,sex,when,x\n30,Q,2020-01-01,\n' \
	"bad.csv:2:4: column 'sex': expected one of the schema's labels, found 'Q'"
badrow 'age,sex,when,x\n30,F,2021-02-29,\n' \
	"bad.csv:2:6: column 'when': expected a date YYYY-MM-DD, found '2021-02-29'"
badrow 'age,sex,when,x\n,F,2020-01-01,\n' \
	"bad.csv:2:1: column 'age': expected int64, found ''"
badrow 'age,sex,when,x\n30,F,2020-01-01\n' "bad.csv:2: expected 4 fields, found 3"
badrow 'age,sex,when\n' "bad.csv:1: expected 4 columns in the header row, found 3"
badrow 'age,sex,when,y\n' "bad.csv:1:14: expected a column of the schema, found 'y'"
badrow 'age,sex,when,x\n30,"F,2020-01-01,\n' "quoted field is not closed"
badrow '' "bad.csv:1: empty input"
printf '{"columns": [{"name": "a", "type": "int64", "mni": 3}]}' >typo.json
expect_rc 3 "$c2d" seal --owner "$owner" --recipe recipe.json --schema typo.json --in one.csv --out x.sealed
expect_out "typo.json: column 1: unknown key 'mni'"
printf '{"columns": [' >broken.json
expect_rc 3 "$c2d" seal --owner "$owner" --recipe recipe.json --schema broken.json --in one.csv --out x.sealed
expect_out "broken.json:1:1[0-9]: "
expect_rc 2 "$c2d" seal --owner 0x12 --recipe recipe.json --schema one.json --in one.csv --out x.sealed
expect_rc 4 "$c2d" seal --owner "$owner" --recipe recipe.json --schema one.json --in missing.csv --out x.sealed
expect_out "missing.csv: cannot open"
chmod 644 other.key
expect_rc 3 "$tool" unseal --kms-key other.key --in one.sealed --out x.csv
expect_out "other.key: key file is readable or writable by others \(mode 644\)"
chmod 600 other.key
[ ! -e x.sealed ] && [ ! -e x.csv ] || fail "output left behind"
ok "bad rows, schemas, keys and arguments: one line naming the place, nothing written"

# --- the tamper matrix -------------------------------------------------------
# A sealed file of several 4096-byte chunks.
"$c2d" gen-cohort --rows 400 --seed 9 --out small.csv >/dev/null
seal --in small.csv --schema cohort.json --out good.sealed --chunk-size 4096 >/dev/null
seal --in small.csv --schema cohort.json --out twin.sealed --chunk-size 4096 >/dev/null
hl=$("$c2d" inspect good.sealed | jq .header_len)
size=$(len good.sealed)
full=$((4096 + 16))
nchunks=$(( (size - hl + full - 1) / full ))
[ "$nchunks" -ge 3 ] || fail "tamper fixture has only $nchunks chunks"
tampered() { # NAME EXIT EXPECTED-MESSAGE
	rm -f t.csv
	expect_rc "$2" "$tool" unseal --kms-key kms.key --in "$1" --out t.csv
	expect_out "$3"
	[ ! -e t.csv ] || fail "plaintext released for $1"
	ls | grep -q '^t.csv.tmp' && fail "temporary plaintext left for $1"
	return 0
}
flip() { # FILE OFFSET OUT
	cp "$1" "$3"
	b=$(dd if="$1" bs=1 skip="$2" count=1 status=none | od -An -tu1 | tr -d ' ')
	printf "$(printf '\\%03o' $(( (b ^ 1) & 255 )))" | dd of="$3" bs=1 seek="$2" conv=notrunc status=none
}
# Every byte of the header that is under the digest (and the wrapped key,
# which the KMS opens first) fails authentication; the counts fail the
# consistency checks; structure bytes fail parsing.
for off in 43 60 76 95 96 127 128 147 148 179 180 212 213 260 261 $((hl - 1)); do
	flip good.sealed $off h.sealed
	rm -f t.csv
	rc=0
	"$tool" unseal --kms-key kms.key --in h.sealed --out t.csv >"$T/out" 2>&1 || rc=$?
	[ "$rc" != 0 ] || fail "header byte $off changed, still opened"
	[ ! -e t.csv ] || fail "plaintext released with header byte $off changed"
done
for off in 0 8 10 12 16 24 32 36; do
	flip good.sealed $off h.sealed
	rc=0
	"$tool" unseal --kms-key kms.key --in h.sealed --out t.csv >"$T/out" 2>&1 || rc=$?
	[ "$rc" != 0 ] && [ ! -e t.csv ] || fail "header byte $off changed, still opened"
done
flip good.sealed 36 h.sealed
tampered h.sealed 1 "chunk 0 does not authenticate"
flip good.sealed 24 h.sealed
tampered h.sealed 3 "row count mismatch"
flip good.sealed 213 h.sealed
tampered h.sealed 1 "does not unwrap"
ok "every header byte is bound"

flip good.sealed $((hl + full + 100)) c.sealed
tampered c.sealed 1 "chunk 1 does not authenticate"
flip good.sealed $((hl + 2 * full - 3)) c.sealed
tampered c.sealed 1 "chunk 1 does not authenticate"
ok "a changed ciphertext or tag byte"

chunk() { dd if="$1" bs=1 skip=$((hl + $2 * full)) count="${3:-$full}" status=none; }
{ head -c "$hl" good.sealed; chunk good.sealed 1; chunk good.sealed 0; tail -c +$((hl + 2 * full + 1)) good.sealed; } >r.sealed
tampered r.sealed 1 "chunk 0 does not authenticate"
ok "reordered chunks"

{ head -c "$hl" good.sealed; chunk good.sealed 0; chunk good.sealed 0; tail -c +$((hl + full + 1)) good.sealed; } >d.sealed
tampered d.sealed 1 "chunk 1 does not authenticate"
ok "a duplicated chunk"

head -c $((hl + 2 * full)) good.sealed >cut.sealed
tampered cut.sealed 3 "truncated"
# Cut at a chunk boundary and the total length fixed to match: the new last
# chunk was not sealed as last.
python_free_patch() { # FILE OFFSET LE64
	v=$3
	for i in 0 1 2 3 4 5 6 7; do
		printf "$(printf '\\%03o' $(( (v >> (8 * i)) & 255 )))"
	done | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
python_free_patch cut.sealed 16 $((hl + 2 * full))
tampered cut.sealed 1 "chunk 1 does not authenticate"
head -c $((size - 5)) good.sealed >cut2.sealed
tampered cut2.sealed 3 "truncated"
ok "truncation, at a boundary and inside a chunk"

{ cat good.sealed; printf 'extra'; } >x.sealed
tampered x.sealed 3 "data after total length"
ok "extension"

{ head -c "$hl" good.sealed; tail -c +$((hl + 1)) twin.sealed; } >s1.sealed
tampered s1.sealed 1 "chunk 0 does not authenticate"
{ head -c $((hl + full)) good.sealed; chunk twin.sealed 1; tail -c +$((hl + 2 * full + 1)) good.sealed; } >s2.sealed
tampered s2.sealed 1 "chunk 1 does not authenticate"
ok "splicing two files (same owner, recipe and rows)"

rm -f t.csv
expect_rc 1 "$tool" unseal --kms-key other.key --in good.sealed --out t.csv
expect_out "does not unwrap: sealed for another recipe, owner or dataset"
[ ! -e t.csv ] || fail "plaintext released with the wrong KMS key"
ok "another KMS key opens nothing"

# --- progress: on a terminal only --------------------------------------------
"$c2d" gen-cohort --rows 200000 --seed 4 --out prog.csv >/dev/null   # ~9 MB
seal --in prog.csv --schema cohort.json --out p1.sealed >p1.out 2>&1
grep -q 'MB/s' p1.out && fail "progress shown without a terminal"
script -qec "$c2d seal --owner $owner --recipe recipe.json --in prog.csv --schema cohort.json --out p2.sealed" /dev/null >p2.out 2>&1
grep -q 'sealing: 200000 rows .*MB (100%) .*MB/s' p2.out || { cat p2.out >&2; fail "no progress line on a terminal"; }
ok "progress line on a terminal, silence otherwise"
