#!/bin/sh
# The CUDA backend (host/gpu/gpu.h). Everywhere: the kernels are built by
# nvcc (or the build says it skipped them), nvcc's output does not depend
# on the source's path, the driver is found by dlopen or its absence is one
# line and exit 6, every entry point resolves against NVIDIA's stub driver
# and its cuInit failure is reported the same way, and misuse of the
# options is refused. With a GPU: cohort-stats on the GPU equals the CPU
# path cell for cell and risk-model's gradient round agrees within its
# stated bound (c2d run --compare). Without one that comparison is
# reported as "skipped: no GPU" (exit 77, counted apart by run-all), never
# as passed.
. "$(dirname "$0")/../lib.sh"
c2d=$top/out/bin/c2d
fatbin=$top/out/cuda/kernels.fatbin
cd "$T"

"$c2d" gen-cohort --rows 50021 --seed 11 --out a.csv --schema cohort.json >/dev/null
central="$c2d run --central --schema cohort.json --in a.csv"

# --- options -------------------------------------------------------------------
expect_rc 2 $central --analysis cohort-stats --compare
expect_out '^c2d run: --compare compares the cuda backend with the CPU'
expect_rc 2 $central --analysis cohort-stats --backend gpu
expect_out "^c2d run: --backend: 'gpu' is not cpu or cuda$"
expect_rc 2 $central --analysis risk-model --backend cuda
expect_out "^c2d run: --backend cuda: risk-model's GPU path is the private gradient round"
# --backend cpu is the default, spelled out.
$central --analysis cohort-stats --json >cpu.json 2>/dev/null
$central --analysis cohort-stats --backend cpu --json >cpu2.json 2>/dev/null
cmp -s cpu.json cpu2.json || fail "--backend cpu differs from the default"
ok "options"

# --- the kernels ---------------------------------------------------------------
if [ -s "$fatbin" ]; then
	for k in c2d_cs_tiles c2d_rm_tiles c2d_dense_fill c2d_dense_grad; do
		grep -q "$k" "$fatbin" || fail "the fatbin lacks kernel $k"
	done
	nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
	# The same bytes from another directory and another spelling of the path.
	mkdir -p elsewhere/host/gpu elsewhere/guest/analysis
	cp "$top/host/gpu/kernels.cu" "$top/host/gpu/gpu_abi.h" elsewhere/host/gpu/
	cp "$top/guest/analysis/rowmath.h" elsewhere/guest/analysis/
	(cd elsewhere && "$nvcc" --fatbin --fmad=false -std=c++17 -Iguest/analysis \
		-gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
		-o ../again.fatbin ./host/gpu/kernels.cu)
	cmp -s again.fatbin "$fatbin" || fail "nvcc's fatbin depends on where it was built"
	ok "kernels: four entry points, the same bytes from another directory"
else
	echo "skipped: no nvcc at build time (the fatbin is empty); the CUDA path is not built"
fi

# --- the driver ----------------------------------------------------------------
# NVIDIA's stub libcuda (from the toolkit) exports every entry point and
# fails cuInit: each dlsym must resolve, and the failure must be one line.
stub=$(ls /usr/local/cuda/lib64/stubs/libcuda.so /usr/local/cuda/targets/*/lib/stubs/libcuda.so 2>/dev/null | head -n 1 || true)
if [ -s "$fatbin" ] && [ -n "$stub" ]; then
	mkdir stub && ln -s "$stub" stub/libcuda.so.1
	LD_LIBRARY_PATH=$T/stub expect_rc 6 $central --analysis cohort-stats --backend cuda
	expect_out '^c2d run: cuda: cuInit \(no usable GPU\): error [0-9]+'
	grep -q 'lacks' "$T/out" && fail "an entry point did not resolve in the stub driver"
	ok "driver: every entry point resolves in the stub; its cuInit failure is exit 6"
fi

rc=0
$central --analysis cohort-stats --backend cuda --compare --json >gpu.json 2>err || rc=$?
if [ "$rc" = 6 ]; then
	[ ! -s gpu.json ] || fail "--backend cuda printed on stdout without a GPU"
	[ "$(grep -vc '^CENTRAL MODE' err)" = 1 ] || { cat err >&2; fail "expected one line"; }
	grep -Eq '^c2d run: cuda: ' err || { cat err >&2; fail "no cuda: line"; }
	ok "no GPU: exit 6, one line ($(grep -v '^CENTRAL MODE' err | sed 's/^c2d run: //'))"
	echo "skipped: no GPU: the GPU-CPU comparison did not run"
	exit 77
fi
[ "$rc" = 0 ] || { cat err >&2; fail "--backend cuda --compare exited $rc"; }
grep -q '^gpu check: cohort-stats: every cell equal' err || fail "no cohort-stats check line"
cmp -s gpu.json cpu.json || fail "cohort-stats JSON differs between cuda and cpu"
ok "cohort-stats: GPU and CPU equal cell for cell (50021 rows)"
$central --analysis risk-model --backend cuda --compare --json >rm.json 2>err ||
	{ cat err >&2; fail "risk-model --compare failed"; }
[ "$(grep -c '^gpu check: risk-model at .*: rows and confusion equal' err)" = 3 ] ||
	{ cat err >&2; fail "expected three risk-model rounds checked"; }
ok "risk-model: three gradient rounds agree within one lattice unit a row"
