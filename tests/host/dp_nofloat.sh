#!/bin/sh
# No floating point reaches the DP noise path (c2d/dp.h): guest/runtime/dp/dp.c
# compiles with -mgeneral-regs-only (gcc then refuses any float or double
# in it), and its built objects hold no x87, SSE or AVX instruction and no
# vector or x87 register. Each check is first shown to catch a float.
. "$(dirname "$0")/../lib.sh"
obj=$top/out/obj/host/guest/runtime/dp/dp.o
[ -f "$obj" ] || fail "$obj not built (make out/bin/c2d)"

# Floating-point code in objdump -d: x87 (f*), conversions (cvt*), scalar
# and packed SSE (*ss *sd *ps *pd), any VEX/EVEX instruction (v*), and any
# x87/MMX/XMM/YMM/ZMM register operand.
fp_insns() {
	objdump -d --no-show-raw-insn "$1" |
		awk -F'\t' 'NF >= 2 { split($2, w, " "); m = w[1]
			if (m ~ /^(cs|ds|data16|rep|repz|repnz|lock)$/) m = w[2]
			if (m ~ /^(f|cvt|v)/ || m ~ /(ss|sd|ps|pd)$/ || $2 ~ /%(st|mm|xmm|ymm|zmm)/) print }'
}

printf 'long half(long x);\nlong half(long x) { double y = (double)x; return (long)(y * 0.5); }\n' >"$T/fl.c"
gcc -O2 -c "$T/fl.c" -o "$T/fl.o"
[ -n "$(fp_insns "$T/fl.o")" ] || fail "the instruction check misses a double multiply"
expect_rc 1 gcc -O2 -mgeneral-regs-only -c "$T/fl.c" -o "$T/fl2.o"

for o in "$obj" "$top/out/obj/guest/guest/runtime/dp/dp.o" "$top/out/obj/test/guest/runtime/dp/dp.o"; do
	[ -f "$o" ] || continue
	bad=$(fp_insns "$o")
	[ -z "$bad" ] || { echo "$bad" >&2; fail "${o#"$top"/} has floating-point instructions"; }
done
ok "dp.o: no floating-point instruction or register"

expect_rc 0 gcc -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$top/guest/runtime/include" -O2 -mgeneral-regs-only \
	-c "$top/guest/runtime/dp/dp.c" -o "$T/dp.o"
[ -z "$(fp_insns "$T/dp.o")" ] || fail "dp.c at -O2 -mgeneral-regs-only has floating-point instructions"
ok "dp.c compiles with -mgeneral-regs-only"
