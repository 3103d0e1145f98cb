#!/bin/sh
# The closed set of lines init may write past the point of no return
# (docs/boot.md, "What leaves the CVM"), read from the code and compared
# with the documented list: the failure kinds' table, init's fixed lines,
# the guard on its formatted ones, its other writers, and no writer to the
# console anywhere else in what init links. Then init itself, run past the
# point: every line it prints from there on is one of the list.
. "$(dirname "$0")/../lib.sh"
cd "$top"
doc=docs/boot.md
init=guest/init/init.c
table=guest/runtime/protocol/failure.c

# The kinds: "CODE|EXIT|LINE" from the table, and from the docs.
n=$(grep -c '^	\[C2D_FAILURE_[A-Z_]*\] = ' "$table")
sed -n 's/^	\[C2D_FAILURE_[A-Z_]*\] = { \(C2D_E_[A-Z]*\), "\(F[0-9][0-9]\) \([^"%\\]*\)" },$/\1 \2 \3/p' "$table" |
	while read -r st code sentence; do
		case $st in
		C2D_E_REFUSED) x=1 ;; C2D_E_USAGE) x=2 ;; C2D_E_INPUT) x=3 ;; C2D_E_IO) x=4 ;;
		C2D_E_NOMEM) x=5 ;; C2D_E_UNAVAILABLE) x=6 ;; *) x=70 ;;
		esac
		echo "$code|$x|c2d-init: $code $sentence"
	done | sort >"$T/code.kinds"
[ "$n" -gt 0 ] && [ "$(wc -l <"$T/code.kinds")" = "$n" ] ||
	fail "$table: $n entries, $(wc -l <"$T/code.kinds") of them one line of a fixed code and sentence"
sed -n 's/^| \(F[0-9][0-9]\) | \([0-9]*\) | `\(c2d-init: [^`]*\)` |$/\1|\2|\3/p' "$doc" | sort >"$T/doc.kinds"
diff "$T/doc.kinds" "$T/code.kinds" >"$T/d" || { cat "$T/d" >&2; fail "$doc's kinds (<) are not $table's (>)"; }
ok "the $n failure kinds of $table are the ones $doc lists, with their codes and exit codes"

# init's fixed lines: every say_fixed() takes a literal or a kind's
# message; the literals are the documented lines.
grep -n 'say_fixed(' "$init" | grep -v 'static void say_fixed(const char \*line)$' |
	grep -Ev 'say_fixed\(("[^"%\\]*"|c2d_failure_msg\(k\))\);$' >"$T/bad" &&
	{ cat "$T/bad" >&2; fail "$init: a say_fixed() of something else than a literal or a kind's message"; }
grep -o 'say_fixed("[^"]*")' "$init" | sed 's/^say_fixed("\(.*\)")$/c2d-init: \1/' | sort -u >"$T/code.lines"
sed -n 's/^| `\(c2d-init: [^`]*\)` | .*/\1/p' "$doc" | grep -vx 'c2d-init: exit N' | sort -u >"$T/doc.lines"
diff "$T/doc.lines" "$T/code.lines" >"$T/d" || { cat "$T/d" >&2; fail "$doc's fixed lines (<) are not $init's (>)"; }
ok "every say_fixed() in init is a literal of the list or a kind's message"

# say() writes nothing past the point: its first statement is the guard.
awk '/^static void say\(const struct init_ctx \*c, const char \*fmt, \.\.\.\)$/ { f = 1 }
     f && /^{$/ { getline a; getline b; print a; print b; exit }' "$init" >"$T/guard"
printf '\tif (c->closed)\n\t\treturn;\n' | cmp -s - "$T/guard" ||
	{ cat "$T/guard" >&2; fail "$init: say() does not start with the guard on c->closed"; }
ok "say(), the formatted line, starts with the guard that silences it past the point"

# The writers in init: say's, say_fixed's, the status lines, and the
# usage lines printed before anything runs. Any other is a new way out.
writers='(^|[^a-z_])(v?d?printf|fprintf|puts|fputs|putchar|perror|v?syslog|write|writev|pwrite)[[:space:]]*\('
grep -En "$writers" "$init" | grep -v '^[0-9]*:[[:space:]]*/\?\*' | sed 's/^[0-9]*:[[:space:]]*//' >"$T/writers"
cat >"$T/allowed" <<'EOF'
dprintf(STDERR_FILENO, "c2d-init: %s\n", line);
dprintf(STDERR_FILENO, "c2d-init: %.*s\n", n, line);
dprintf(STDERR_FILENO, "c2d-init: exit %d\n", code);
dprintf(fd, "c2d-status: %d\n", code);
dprintf(STDERR_FILENO,
dprintf(STDERR_FILENO, "init: not PID 1; pass --host to run the logic here\n");
dprintf(STDERR_FILENO, "init: --sysroot too long\n");
EOF
sort "$T/writers" >"$T/w1"
sort "$T/allowed" >"$T/w2"
diff "$T/w2" "$T/w1" >"$T/d" || { cat "$T/d" >&2; fail "$init writes other lines (>) than the allowed (<)"; }
ok "init writes only through say(), say_fixed(), the status lines and its usage"

# Nothing else that init links writes to descriptors 0-2 or the kernel's
# log: the runner, the supervisor, the attestation, the runtime. (Their
# write()s go to descriptors they opened: the memfd, pipes, the ports.)
console='(^|[^a-z_])(v?d?printf|fprintf|puts|fputs|putchar|perror|v?syslog)[[:space:]]*\('
make -s --no-print-directory print-init-objs | tr ' ' '\n' |
	sed -n 's|^out/obj/guest/\(.*\)\.o$|\1.c|p' | grep -vx "$init" >"$T/srcs"
[ -s "$T/srcs" ] || fail "make print-init-objs named no source"
: >"$T/hits"
while read -r f; do
	grep -EnH "$console|write\([[:space:]]*(0|1|2|STD(IN|OUT|ERR)_FILENO)[[:space:]]*,|(^|[^a-z_])(stdout|stderr)([^a-z_]|$)|/dev/(console|kmsg|tty)" "$f" |
		grep -v ':[0-9]*:[[:space:]]*/\?\*' >>"$T/hits" || :
done <"$T/srcs"
[ ! -s "$T/hits" ] || { cat "$T/hits" >&2; fail "a file linked into init writes to the console"; }
# Control: the same search finds init's own writers.
grep -Eq "$console" "$init" || fail "control: the search finds no writer in $init"
ok "no other file linked into init ($(wc -l <"$T/srcs") of them) writes to descriptors 0-2"

# init itself, past the point: every line from the first of the list on.
bin=$top/out/guest/init
[ -x "$bin" ] || fail "no $bin: run make out/guest/init"
root=$T/sysroot
mkdir -p "$root/etc/c2d" "$root/sys/class/virtio-ports/vport0p1" "$root/dev"
cp "$top/out/guest/cohort-stats" "$root/analysis" 2>/dev/null || cp "$bin" "$root/analysis"
cp image/analyses/cohort-stats.conf "$root/etc/c2d/analysis.conf"
echo c2d.status >"$root/sys/class/virtio-ports/vport0p1/name"
: >"$root/dev/vport0p1"
expect_rc 0 "$bin" --host --sysroot "$root"
sed -n '/^c2d-init: analysis not run: no key release yet$/,$p' "$T/out" >"$T/past"
[ -s "$T/past" ] || fail "init never reached the point"
{ cut -d'|' -f3 "$T/doc.kinds"; cat "$T/doc.lines"; echo 'c2d-init: exit 0'; } >"$T/set"
grep -vxF -f "$T/set" "$T/past" >"$T/d" && { cat "$T/d" >&2; fail "init printed past the point lines not in the list"; }
[ "$(cat "$root/dev/vport0p1")" = "c2d-status: 0" ] || fail "the status port holds more than its status"
ok "init past the point printed only lines of the list ($(wc -l <"$T/past")), the port only its status"
