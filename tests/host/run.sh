#!/bin/sh
# c2d run: --central on plaintext and --sealed on the same rows sealed give
# the same aggregate (in-process and through init's runner with the static
# child); the central banner is always said; bad input gives one line, a
# non-zero exit and nothing on stdout.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
child=$top/out/guest/cohort-stats
cd "$T"
owner=0x2222222222222222222222222222222222222222
banner='^CENTRAL MODE: row-level access on this host \(no CVM, no attestation, no DP noise\)$'

# Two owners' cohorts of different sizes and seeds (not a multiple of a
# row group), sealed to one recipe.
"$c2d" gen-cohort --rows 30011 --seed 7 --out a.csv --schema cohort.json >/dev/null
"$c2d" gen-cohort --rows 9001 --seed 8 --out b.csv >/dev/null
"$c2d" keygen --out kms.key >/dev/null
"$c2d" keygen --out other.key >/dev/null
printf '{"compose_hash": "%064d"}' 0 >m.json
"$c2d" recipe --measurements m.json --kms-pub kms.key.pub \
	--app 0x1111111111111111111111111111111111111111 --out recipe.json
for f in a b; do
	"$c2d" seal --owner $owner --in $f.csv --schema cohort.json --recipe recipe.json \
		--out $f.sealed >/dev/null
done

# Bad input: one line, non-zero, nothing on stdout.
one_line() {
	[ "$(wc -l <"$T/out")" = "$1" ] || { cat "$T/out" >&2; fail "expected $1 line(s) of output"; }
}
run_quiet() {   # WANT CMD...: the status, stdout empty, stderr into $T/out
	_want=$1; shift
	_rc=0
	"$@" >stdout 2>"$T/out" || _rc=$?
	[ "$_rc" = "$_want" ] || { cat "$T/out" >&2; fail "'$*' exited $_rc, expected $_want"; }
	[ ! -s stdout ] || fail "'$*' printed on stdout after failing"
}

# --- agreement ---------------------------------------------------------------
"$c2d" run --central --analysis cohort-stats --schema cohort.json --in a.csv b.csv --json \
	>central.json 2>central.err
grep -Eq "$banner" central.err || fail "central mode without its banner"
"$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
	--in a.sealed b.sealed --json >sealed.json 2>sealed.err
! grep -q "CENTRAL MODE" sealed.err || fail "sealed mode said it was central"
[ "$(jq .rows central.json)" = 39012 ] || fail "central counted $(jq .rows central.json) rows"
[ "$(jq '.outputs.pooled_rows | add' central.json)" = 39012 ] || fail "pooled cells do not add up to the rows"
jq -S '{rows, outputs}' central.json >c.out
jq -S '{rows, outputs}' sealed.json >s.out
cmp -s c.out s.out || fail "--central and --sealed disagree"
ok "--central on the CSVs and --sealed on the sealed files give the same aggregate"

if [ -x "$child" ]; then
	"$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
		--in a.sealed b.sealed --child "$child" --json >child.json
	jq -S '{rows, outputs}' child.json >k.out
	cmp -s c.out k.out || fail "--child (init's runner) disagrees with --central"
	ok "--sealed --child (static child through init's runner) agrees too"
else
	echo "skip $name: $child not built (make out/guest/cohort-stats)"
fi

# risk-model: the same non-private fit from the CSVs and from the sealed
# files, and scikit-learn's on the same rows (features built from the CSVs
# by numpy, tests/tools/riskmodel_csv.py) to 1e-6.
"$c2d" run --central --analysis risk-model --schema cohort.json --in a.csv b.csv --json \
	>rm-central.json 2>rm-central.err
grep -Eq "$banner" rm-central.err || fail "central risk-model without its banner"
"$c2d" run --sealed --analysis risk-model --kms-key kms.key --recipe recipe.json \
	--in a.sealed b.sealed --json >rm-sealed.json
[ "$(jq .rows rm-central.json)" = 39012 ] || fail "risk-model fitted $(jq .rows rm-central.json) rows"
[ "$(jq '.coefficients | length' rm-central.json)" = 14 ] || fail "risk-model: not 14 coefficients"
jq -S '{rows, coefficients, iterations}' rm-central.json >rc.out
jq -S '{rows, coefficients, iterations}' rm-sealed.json >rs.out
cmp -s rc.out rs.out || fail "risk-model: --central and --sealed give different coefficients"
/usr/bin/python3 "$top/tests/tools/riskmodel_csv.py" 1 cohort.json a.csv b.csv >rm-sk.json
diff=$(jq -n --slurpfile s rm-sk.json --slurpfile c rm-central.json \
	'if ($s[0].coefficients | keys) != ($c[0].coefficients | keys) then "names differ"
	 else [$s[0].coefficients | to_entries[] | (.value - $c[0].coefficients[.key]) | fabs] | max end')
[ "$(jq -n "$diff < 1e-6")" = true ] || fail "risk-model: scikit-learn differs by $diff"
# Control: the comparison sees a coefficient that is off by 1e-5.
jq '.coefficients.age += 1e-5' rm-central.json >rm-off.json
off=$(jq -n --slurpfile s rm-sk.json --slurpfile c rm-off.json \
	'[$s[0].coefficients | to_entries[] | (.value - $c[0].coefficients[.key]) | fabs] | max')
[ "$(jq -n "$off < 1e-6")" = false ] || fail "the 1e-6 comparison cannot fail"
ok "risk-model: --central = --sealed, and scikit-learn's coefficients to 1e-6 (max diff $diff)"
expect_rc 0 "$c2d" run --central --analysis risk-model --schema cohort.json --in a.csv
expect_out "$banner"
expect_out "^risk-model, central mode, 30011 rows: non-private fit"
expect_out "^diabetes +-?[0-9]+\.[0-9]{8}$"
# The private fit needs the child (as in the CVM), the child needs --dp.
run_quiet 2 "$c2d" run --sealed --analysis risk-model --kms-key kms.key --recipe recipe.json \
	--in a.sealed --dp --conf "$top/image/analyses/risk-model.conf"
expect_out "--dp with risk-model: the private fit runs as in the CVM"
one_line 1
run_quiet 2 "$c2d" run --central --analysis risk-model --schema cohort.json --in a.csv \
	--dp --conf "$top/image/analyses/risk-model.conf"
run_quiet 2 "$c2d" run --sealed --analysis risk-model --kms-key kms.key --recipe recipe.json \
	--in a.sealed --child "$top/out/guest/risk-model"
expect_out "--child with risk-model runs the private fit: give --dp --conf FILE"
ok "risk-model: the table; --dp without --child and --child without --dp are usage errors"

# The private fit as init runs it, with the static child of the image and
# the image's recipe: 20 epochs, every released number from noised values,
# the ledger adding up to the recipe's epsilon 1 and rho 0.5.
"$c2d" run --sealed --analysis risk-model --kms-key kms.key --recipe recipe.json --in a.sealed \
	--dp --conf "$top/image/analyses/risk-model.conf" --child "$top/out/guest/risk-model" \
	--json >rm-dp.json
jq -e '.epochs == 20 and (.loss_curve | length) == 20 and .rows == 30011
	and (.rows_noised - 30011 | fabs) < 300
	and ([.noise.ledger[] | .output] == ["rows", "gradient", "loss", "confusion"])
	and ([.noise.ledger[] | select(.epsilon) | (.epsilon | tonumber) * .times] | add * 1e6 | round) == 1000000
	and ([.noise.ledger[] | select(.rho) | (.rho | tonumber) * .times] | add * 1e6 | round) == 500000
	and ([.coefficients[] | fabs] | max) <= 256
	and .loss_curve[0] > .loss_curve[19]
	and (.confusion.tn + .confusion.fp + .confusion.fn + .confusion.tp - 30011 | fabs) < 300' \
	rm-dp.json >/dev/null || { cat rm-dp.json >&2; fail "risk-model --dp: the private fit's release"; }
ok "risk-model --dp --child: the private fit as in the CVM, its loss falls, its ledger adds up"

# The aggregate is the rows', not the files': the same rows split the other
# way round give the same answer.
"$c2d" run --central --analysis cohort-stats --schema cohort.json --in b.csv a.csv --json 2>/dev/null |
	jq -S '{rows, outputs}' >c2.out
cmp -s c.out c2.out || fail "the order of the inputs changed the aggregate"
# An independent count from the CSV text: rows per sex and outcome.
want=$(awk -F, 'NR > 1 && $2 == "F" && $8 == "true" { n++ } END { print n }' a.csv)
"$c2d" run --central --analysis cohort-stats --schema cohort.json --in a.csv --json 2>/dev/null >a.json
got=$(jq '[.outputs.pooled_outcome as $o | range(0; 48) | select(. % 2 == 0) | $o[.]] | add' a.json)
[ "$got" = "$want" ] || fail "female outcomes: $got, awk counts $want"
ok "input order does not matter; a cell count matches awk on the CSV"

# --repeat: the same answer, the first run's time and the steady state's.
for a in cohort-stats risk-model; do
	"$c2d" run --central --analysis $a --schema cohort.json --in a.csv b.csv --json >once.json 2>/dev/null
	"$c2d" run --central --analysis $a --schema cohort.json --in a.csv b.csv --json --timing \
		--repeat 3 >rep.json 2>rep.err
	cmp -s once.json rep.json || fail "$a: --repeat 3 changed the answer"
	grep -Eq '^timing: rows 39012 load_s [0-9.]+ analysis_s [0-9.]+ steady_s [0-9.]+$' rep.err ||
		{ cat rep.err >&2; fail "$a: --repeat 3 printed no steady_s"; }
done
"$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json --in a.sealed b.sealed \
	--json --timing --repeat 2 2>rep.err | jq -S '{rows, outputs}' >rep.out
cmp -s c.out rep.out || fail "--sealed --repeat 2 changed the answer"
grep -q ' steady_s ' rep.err || fail "--sealed --repeat 2 printed no steady_s"
ok "--repeat gives the same answer and times the steady state apart"

# The table and the labelled noise, with the image's analysis conf.
conf=$top/image/analyses/cohort-stats.conf
expect_rc 0 "$c2d" run --central --analysis cohort-stats --schema cohort.json --in a.csv
expect_out "$banner"
expect_out "^G3a +60-74 +F +[0-9]+ +0\.[0-9]{4} +[0-9]+\.[0-9]{2}$"
expect_rc 0 "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
	--in a.sealed --dp --conf "$conf"
expect_out "DP DEMONSTRATION"
expect_out "^epsilon 1\.000000 in all, split over the outputs as $conf says$"
# Another analysis conf's numbers are the ones used: epsilon 0.5, and the pooled
# counts' share 1/10 of the per-site counts' (noise scale t = 1/share).
sed -e 's/^epsilon 1.0$/epsilon 0.5/' -e 's/^eps.site_\(rows\|outcome\|egfr_null\) 0.125$/eps.site_\1 0.1/' \
	-e 's/^eps.site_egfr_sum 0.125$/eps.site_egfr_sum 0.11/' \
	-e 's/^eps.pooled_\(rows\|outcome\|egfr_null\) 0.125$/eps.pooled_\1 0.01/' \
	-e 's/^eps.pooled_egfr_sum 0.125$/eps.pooled_egfr_sum 0.06/' "$conf" >half.conf
"$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
	--in a.sealed --dp --conf half.conf --json >dp.json
[ "$(jq -r .noise.epsilon dp.json)" = 0.500000 ] || fail "--dp output does not say the conf's epsilon"
[ "$(jq -r .noise.conf dp.json)" = half.conf ] || fail "--dp output does not name its analysis conf"
# The ledger: one Laplace release per output, with the schema's
# sensitivities, the conf's shares, summing to its epsilon.
[ "$(jq '.noise.ledger | length' dp.json)" = 8 ] || fail "--dp ledger: not one entry per output"
[ "$(jq -r '.noise.ledger[] | select(.output == "pooled_rows") | "\(.epsilon) \(.l1_sensitivity) \(.values) \(.times)"' dp.json)" = \
	"0.010000 1 48 1" ] || fail "--dp ledger: pooled_rows is not the conf's share of a count"
[ "$(jq -r '.noise.ledger[] | select(.output == "site_egfr_sum") | .l1_sensitivity' dp.json)" = 51200 ] ||
	fail "--dp ledger: the eGFR sum's sensitivity is not 200 x 2^8"
[ "$(jq '[.noise.ledger[].epsilon | tonumber] | add * 1000000 | round' dp.json)" = 500000 ] ||
	fail "--dp ledger: the parts do not add up to the conf's epsilon"
jq -S .outputs dp.json >d.out
jq -S .outputs a.json >e.out
! cmp -s d.out e.out || fail "--dp released the exact values"
# The noise follows the shares: the mean |noise| of the 240 per-site row
# counts (t = 10) is far below that of the 48 pooled ones (t = 100).
jq -n --slurpfile d dp.json --slurpfile e a.json '
	def mad(o): [range(0; $e[0].outputs[o] | length) as $i
		| ($d[0].outputs[o][$i] - $e[0].outputs[o][$i]) | fabs] | add / length;
	mad("site_rows") < 20 and mad("pooled_rows") > 40' | grep -qx true ||
	fail "--dp noise does not follow the conf's shares"
ok "table of pooled cells; --dp takes epsilon and its split from the analysis conf, is labelled and noised, its ledger adds up"

# A child that misbehaves, through init's runner: one line, its kind's
# fixed message as docs/boot.md lists it ("What leaves the CVM"), and
# nothing of the rows or of what the child wrote: the row count as an
# output's name, crafted bytes, a flood, a crash, lines on its stdout and
# stderr. Each mode is c2d-fakeanalysis under the mode's name.
fake=$top/out/test/c2d-fakeanalysis
if [ -x "$fake" ]; then
	for c in leak-name:F15:1 crafted:F14:3 flood:F12:1 crash:F10:1 console:F15:1 exit3:F11:1; do
		m=${c%%:*}; k=${c#*:}; k=${k%:*}
		ln -sf "$fake" "$T/$m"
		run_quiet "${c##*:}" "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key \
			--recipe recipe.json --in a.sealed --child "$T/$m" --json
		one_line 1
		want=$(sed -n "s/^| $k | [0-9]* | \`c2d-init: \($k [^\`]*\)\` |\$/\1/p" "$top/docs/boot.md")
		[ -n "$want" ] || fail "docs/boot.md lists no $k"
		grep -qxF "c2d run: $want" "$T/out" || { cat "$T/out" >&2; fail "$m: not the line of $k"; }
		! grep -q LEAK "$T/out" || fail "$m: the child's own lines came through"
	done
	ok "children that misbehave through init's runner: one fixed line each, nothing of theirs"
else
	echo "skip $name: $fake not built (make out/test/c2d-fakeanalysis)"
fi

# --- bad input: one line, non-zero, nothing on stdout -----------------------
run_quiet 1 "$c2d" run --sealed --analysis cohort-stats --kms-key other.key --recipe recipe.json \
	--in a.sealed b.sealed --json
expect_out "a.sealed: the KMS key does not open its dataset key"
one_line 1
ok "a wrong KMS key is refused, nothing printed"

# Tampering, after a good file, with the exit code docs/cli.md gives for
# each: 1 where a key or a tag says no, 3 where the file does not parse or
# its lengths and counts disagree, 4 where it cannot be read. Four chunks
# and a remainder, so chunks can be moved.
"$c2d" gen-cohort --rows 400 --seed 9 --out small.csv >/dev/null
"$c2d" seal --owner $owner --in small.csv --schema cohort.json --recipe recipe.json \
	--out good.sealed --chunk-size 4096 >/dev/null
"$c2d" seal --owner $owner --in small.csv --schema cohort.json --recipe recipe.json \
	--out twin.sealed --chunk-size 4096 >/dev/null
hl=$("$c2d" inspect good.sealed | jq .header_len)
size=$(stat -c %s good.sealed)
full=$((4096 + 16))
last=$(( (size - hl + full - 1) / full - 1 ))
[ "$last" -ge 3 ] || fail "tamper fixture has only $((last + 1)) chunks"
tampered() {   # STATUS MESSAGE: c2d run --sealed on a.sealed and t.sealed
	cmp -s good.sealed t.sealed && fail "tampering changed nothing ($2)"
	run_quiet "$1" "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
		--in a.sealed t.sealed --json
	expect_out "^c2d run: t.sealed: .*$2"
	one_line 1
}
flip() {   # OFFSET: good.sealed with one bit of the byte at OFFSET changed, as t.sealed
	cp good.sealed t.sealed
	_b=$(dd if=good.sealed bs=1 skip="$1" count=1 status=none | od -An -tu1 | tr -d ' ')
	printf "$(printf '\\%03o' $((_b ^ 1)))" | dd of=t.sealed bs=1 seek="$1" conv=notrunc status=none
}
chunk() { dd if="$1" bs=1 skip=$((hl + $2 * full)) count=$full status=none; }
le64() {   # FILE OFFSET VALUE: writes VALUE as 8 little-endian bytes
	for i in 0 1 2 3 4 5 6 7; do printf "$(printf '\\%03o' $(( ($3 >> (8 * i)) & 255 )))"; done |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# Refused by a key or a tag: exit 1.
flip 43;  tampered 1 "sealed to another recipe than --recipe"
flip 128; tampered 1 "the KMS key does not open its dataset key"   # the owner
flip 213; tampered 1 "the KMS key does not open its dataset key"   # the wrapped key
flip 36;  tampered 1 "chunk 0 does not authenticate"               # the nonce prefix
flip $((hl + full + 100)); tampered 1 "chunk 1 does not authenticate"
flip $((size - 1)); tampered 1 "chunk $last does not authenticate"  # the last tag
{ head -c "$hl" good.sealed; chunk good.sealed 1; chunk good.sealed 0
  tail -c +$((hl + 2 * full + 1)) good.sealed; } >t.sealed
tampered 1 "chunk 0 does not authenticate"                         # reordered
{ head -c "$hl" good.sealed; chunk good.sealed 0; chunk good.sealed 0
  tail -c +$((hl + 2 * full + 1)) good.sealed; } >t.sealed
tampered 1 "chunk 1 does not authenticate"                         # duplicated
{ head -c $((hl + full)) good.sealed; tail -c +$((hl + full + 1)) twin.sealed; } >t.sealed
tampered 1 "chunk 1 does not authenticate"                         # spliced
head -c $((hl + 2 * full)) good.sealed >t.sealed
le64 t.sealed 16 $((hl + 2 * full))
tampered 1 "chunk 1 does not authenticate"                         # cut, total_len to match
# Malformed, or lengths and counts that disagree: exit 3.
flip 0;   tampered 3 "not a c2d sealed file"
flip 261; tampered 3 "schema at offset [0-9]+: column [0-9]+ is malformed"
cp good.sealed t.sealed; le64 t.sealed 16 $((size + 1))
tampered 3 "truncated: chunk $last ends at byte $size of $((size + 1))"   # total_len
cp good.sealed t.sealed; le64 t.sealed 24 401
tampered 3 "row count mismatch: header says 401"                      # row_count
head -c 100 good.sealed >t.sealed;               tampered 3 "header truncated"
head -c $((hl + 2 * full)) good.sealed >t.sealed; tampered 3 "truncated: chunk 2 ends"
head -c $((size - 5)) good.sealed >t.sealed;      tampered 3 "truncated: chunk $last ends"
{ cat good.sealed; printf x; } >t.sealed;         tampered 3 "data after total length $size"
# Not a file: exit 3 (docs/cli.md, "Input files"); missing: exit 4.
rm -f t.sealed; mkdir t.sealed
run_quiet 3 "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
	--in a.sealed t.sealed --json
expect_out "^c2d run: t.sealed: not a regular file$"
one_line 1
rmdir t.sealed
run_quiet 4 "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
	--in a.sealed t.sealed --json
expect_out "^c2d run: t.sealed: cannot open: No such file or directory$"
one_line 1
ok "tampered sealed files: each refused with its documented exit code, naming the file, nothing printed"

"$c2d" recipe --measurements m.json --kms-pub kms.key.pub \
	--app 0x3333333333333333333333333333333333333333 --out other-recipe.json
run_quiet 1 "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe other-recipe.json \
	--in a.sealed
expect_out "a.sealed: sealed to another recipe"
one_line 1

run_quiet 2 "$c2d" run --central --analysis risk-modle --schema cohort.json --in a.csv
expect_out "unknown analysis 'risk-modle'"
expect_out "$banner"
one_line 2   # the banner, said whatever happens, and the error
run_quiet 2 "$c2d" run --sealed --analysis nope --kms-key kms.key --recipe recipe.json --in a.sealed
expect_out "unknown analysis 'nope'"
one_line 1
run_quiet 2 "$c2d" run --central --sealed --analysis cohort-stats --in a.csv
sealed_fails() {   # STATUS MESSAGE ARGS...: c2d run --sealed on a.sealed fails with one line
	_rc=$1 _msg=$2; shift 2
	run_quiet "$_rc" "$c2d" run --sealed --analysis cohort-stats --kms-key kms.key --recipe recipe.json \
		--in a.sealed "$@"
	expect_out "$_msg"
	one_line 1
}
sealed_fails 2 "--dp and --conf FILE go together" --dp
sealed_fails 2 "--dp and --conf FILE go together" --conf "$conf"
for n in 1 101 x 3x ''; do
	sealed_fails 2 "--repeat: '$n' is not a count from 2 to 100" --timing --repeat "$n"
done
sealed_fails 2 "--repeat times the in-process analysis: give --timing" --repeat 3
sealed_fails 2 "--repeat times the in-process analysis" --timing --repeat 3 --child "$child"
ok "unknown analyses, mixed modes, --dp without an analysis conf and bad --repeat are usage errors"

# An analysis conf that is malformed, another analysis's, or not the schema's
# outputs is refused, naming file, line and key, before any work.
sed 's/^epsilon 1.0$/epsilon 1.1/' "$conf" >sum.conf
sealed_fails 3 "^c2d run: sum.conf:9: epsilon: 1.100000, but the outputs' eps shares sum to 1.000000$" \
	--dp --conf sum.conf
sed 's/^eps.site_rows /eps.site_rowz /' "$conf" >name.conf
sealed_fails 3 "name.conf: line 10: eps.site_rowz: the cohort-stats schema's output 1 is 'site_rows'" \
	--dp --conf name.conf
sealed_fails 3 "risk-model.conf: the analysis conf of risk-model, not of cohort-stats" \
	--dp --conf "$top/image/analyses/risk-model.conf"
sealed_fails 4 "missing.conf: cannot open" --dp --conf missing.conf
ok "a bad analysis conf is refused with its file, line and key"

awk -F, -v OFS=, 'NR == 3 { $2 = "Q" } { print }' a.csv >bad.csv
run_quiet 3 "$c2d" run --central --analysis cohort-stats --schema cohort.json --in bad.csv
expect_out "bad.csv:3:[0-9]+: column 'sex'"
one_line 2
ok "a bad CSV row is named by file, line and column"
