# Shared by the benchmark scripts (sourced). Each script writes its results
# as a JSON array fragment, out/bench/NAME.json; bench/merge assembles
# out/bench/results.json with the machine's description.
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/out/bench
mkdir -p "$out"

# entry NAME VALUE UNIT REFNAME REFVALUE RATIO: one result object. Ratios
# are oriented so that above 1 means c2d is ahead.
entry() {
	printf '{"name": "%s", "value": %s, "unit": "%s", "reference": {"name": "%s", "value": %s}, "ratio": %s}' \
		"$1" "$2" "$3" "$4" "$5" "$6"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }
