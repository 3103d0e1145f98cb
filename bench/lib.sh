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

# machine_json: what identifies this machine, one JSON object: the CPU
# (vendor, family, model, name, and which of the flags that the figures
# depend on it has), cores, memory, kernel, the virtualisation (as
# systemd-detect-virt, the cpuinfo hypervisor flag, DMI and the kernel's
# log say it) and the memory settings that make first touches dear or cheap
# (transparent huge pages, free page reporting: docs/performance.md,
# "First touches"), and the load average now.
machine_json() {
	cpuinfo() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo | head -n 1; }
	flags=$(cpuinfo flags | tr ' ' '\n' |
		grep -E '^(aes|pclmulqdq|vaes|vpclmulqdq|sha_ni|avx2|avx512.*|hypervisor)$' | sort | tr '\n' ' ')
	virt=$(systemd-detect-virt 2>/dev/null) || virt=${virt:-none}
	thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
	pr=/sys/module/page_reporting/parameters
	jq -cn --arg vendor "$(cpuinfo vendor_id)" --arg family "$(cpuinfo 'cpu family')" \
		--arg model "$(cpuinfo model)" --arg name "$(cpuinfo 'model name')" \
		--arg stepping "$(cpuinfo stepping)" --arg flags "$flags" \
		--arg cores "$(nproc)" --arg mem "$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)" \
		--arg kernel "$(uname -r)" --arg virt "$virt" \
		--arg dmi "$(cat /sys/class/dmi/id/sys_vendor 2>/dev/null)" \
		--arg says "$(dmesg 2>/dev/null | sed -n 's/.*Hypervisor detected: //p' | head -n 1)" \
		--arg thp "$thp" --arg pro "$(cat $pr/page_reporting_order 2>/dev/null)" \
		--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" '
		def orNull: if . == "" then null else . end;
		{cpu: {vendor: $vendor, family: ($family | tonumber), model: ($model | tonumber),
		       stepping: ($stepping | orNull | if . then tonumber else . end), model_name: $name,
		       flags: ($flags | split(" ") | map(select(. != "")))},
		 cores: ($cores | tonumber), memory_kib: ($mem | tonumber), kernel: $kernel,
		 virtualisation: {systemd_detect_virt: $virt,
		                  hypervisor_flag: ($flags | split(" ") | index("hypervisor") != null),
		                  dmi_sys_vendor: ($dmi | orNull), kernel_log: ($says | orNull)},
		 memory: {transparent_hugepage: ($thp | orNull),
		          free_page_reporting_order: ($pro | orNull | if . then tonumber else . end)},
		 load_average: ($load | split(" ") | map(tonumber))}'
}

# run_record NAME BEFORE [EXTRA]: at the end of a benchmark script, writes
# out/bench/NAME.run.json: the machine as machine_json saw it at the start
# (BEFORE, its output then), the load average now, and the fields of the
# JSON object EXTRA (what the script measured about the machine itself).
run_record() {
	extra=${3:-'{}'}
	jq -cn --arg name "$1" --argjson before "$2" --argjson extra "$extra" \
		--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
		'{script: $name, machine: ($before | del(.load_average)),
		  load_average_before: $before.load_average,
		  load_average_after: ($load | split(" ") | map(tonumber))} + $extra' >"$out/$1.run.json"
}
