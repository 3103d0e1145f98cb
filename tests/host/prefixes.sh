#!/bin/sh
# Every name that an object of the product exports starts with its
# module's prefix, and no other module's longer prefix matches it, so
# that the name leads to its file (docs/architecture.md, "Names"). A
# module declares its prefix in its header's comment: "Prefix: P" in the
# header named like it (beside it, or in guest/runtime/include/c2d or
# host/include/c2d), or "Prefix of FILE: P" in a header that serves
# files without their own. main is exempt, and so are tests/ and bench/.
# The objects are make's, under out/obj/host and out/obj/guest.
. "$(dirname "$0")/../lib.sh"

# prefix_of SRC FILE: FILE's prefix, from the declarations in $T/decl.
prefix_of() {
	_p=$(sed -n "s|^[^:]*: \* Prefix of $2: \([A-Za-z0-9_]*\)\$|\1|p" "$T/decl" | head -n 1)
	if [ -z "$_p" ]; then
		_d=$(dirname "$2")
		_b=$(basename "$2")
		_b=${_b%.*}
		for _h in "$_d/$_b.h" "guest/runtime/include/c2d/$_b.h" "host/include/c2d/$_b.h"; do
			[ -f "$1/$_h" ] || continue
			_p=$(sed -n 's/^ \* Prefix: \([A-Za-z0-9_]*\).*/\1/p' "$1/$_h" | head -n 1)
			break
		done
	fi
	[ -n "$_p" ] && echo "$_p"
}

# check SRC OBJ: the objects under OBJ/host and OBJ/guest against the
# sources and headers under SRC. Prints one line per offence, naming the
# file and the name; fails if there is one.
check() {
	: >"$T/table"
	: >"$T/nodecl"
	_dirs=
	for _x in guest host image mod; do [ -d "$1/$_x" ] && _dirs="$_dirs $1/$_x"; done
	# shellcheck disable=SC2086
	grep -r --include='*.h' -e '^ \* Prefix of ' $_dirs 2>/dev/null >"$T/decl" || :
	for _o in $(cd "$2" && find host guest -name '*.o' 2>/dev/null | sort); do
		_r=${_o#*/}
		_r=${_r%.o}
		case $_r in tests/* | bench/*) continue ;; esac
		if [ -f "$1/$_r.c" ]; then _f=$_r.c
		elif [ -f "$1/$_r.S" ]; then _f=$_r.S
		else continue   # an object whose source has gone
		fi
		# An object older than its source says nothing about the source.
		[ "$2/$_o" -ot "$1/$_f" ] && continue
		_s=$(nm --defined-only -g "$2/$_o" | awk 'NF == 3 && $3 != "main" { print $3 }')
		[ -n "$_s" ] || continue
		if ! _p=$(prefix_of "$1" "$_f"); then
			echo "$_f: no header declares its prefix" >>"$T/nodecl"
			continue
		fi
		for _n in $_s; do echo "$_f $_p $_n"; done >>"$T/table"
	done
	[ -s "$T/table" ] || { echo "no objects under $2/host or $2/guest"; return 1; }
	sort -u "$T/nodecl"
	sort -u "$T/table" | awk '
		{ file[NR] = $1; pre[NR] = $2; sym[NR] = $3; n = NR
		  if (($2 in owner) && owner[$2] != $1) {
			printf "%s: its prefix %s is also %s'"'"'s\n", $1, $2, owner[$2]; bad = 1 }
		  owner[$2] = $1 }
		END {
			for (i = 1; i <= n; i++) {
				s = sym[i]; p = pre[i]
				if (index(s, p) != 1) {
					printf "%s: %s does not start with its prefix %s\n", file[i], s, p
					bad = 1
					continue
				}
				for (q in owner)
					if (length(q) > length(p) && index(s, q) == 1) {
						printf "%s: %s also starts with %s, the longer prefix of %s\n",
							file[i], s, q, owner[q]
						bad = 1
					}
			}
			exit bad
		}' || return 1
	[ ! -s "$T/nodecl" ]
}

# Controls on crafted modules: one that keeps the rule passes; a stray
# name, and a name that another module's longer prefix claims, fail and
# are named with their files.
cc_obj() { mkdir -p "$T/craft/obj/host/mod" && cc -c -o "$T/craft/obj/host/mod/$1.o" "$T/craft/src/mod/$1.c"; }
mkdir -p "$T/craft/src/mod"
printf '/*\n * mod/good.h: a crafted module.\n *\n * Prefix: good_\n */\n' >"$T/craft/src/mod/good.h"
printf 'int good_one(void);\nint good_one(void) { return 1; }\nint main(void) { return good_one(); }\n' \
	>"$T/craft/src/mod/good.c"
cc_obj good
check "$T/craft/src" "$T/craft/obj" >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "a module that keeps the rule was refused (control)"; }
printf 'int stray_name(void);\nint stray_name(void) { return 2; }\n' >>"$T/craft/src/mod/good.c"
cc_obj good
if check "$T/craft/src" "$T/craft/obj" >"$T/out" 2>&1; then fail "a stray name passed (control)"; fi
expect_out '^mod/good\.c: stray_name does not start with its prefix good_$'
printf 'int good_one(void);\nint good_one(void) { return 1; }\n' >"$T/craft/src/mod/good.c"
cc_obj good
printf 'int good_once(void);\nint good_once(void) { return 3; }\n' >"$T/craft/src/mod/other.c"
printf '/*\n * mod/good.h: a crafted module.\n *\n * Prefix: good_\n * Prefix of mod/other.c: good_on\n */\n' \
	>"$T/craft/src/mod/good.h"
cc_obj other
if check "$T/craft/src" "$T/craft/obj" >"$T/out" 2>&1; then fail "a name that another module's prefix claims passed (control)"; fi
expect_out '^mod/good\.c: good_one also starts with good_on, the longer prefix of mod/other\.c$'
ok "crafted objects: a stray name and an ambiguous one are named with their files (controls)"

if ! check "$top" "$top/out/obj" >"$T/out" 2>&1; then
	sed 's/^/  /' "$T/out" >&2
	fail "exported names without their module's prefix (build first: make out/bin/c2d out/guest/init)"
fi
ok "every exported name of $(sort -u "$T/table" | wc -l | tr -d ' ') starts with its module's prefix, and no other's"
