/*
 * host/gpu/kernels.cu: the CUDA kernels of the analyses (device code only;
 * the host side is host/gpu/gpu.c, through the driver API).
 *
 * Built by nvcc into a fatbin (SASS for sm_90 and PTX for newer parts)
 * that the host binary embeds and loads with cuModuleLoadData: no CUDA
 * runtime, no files at run time. --fmad=false: rowmath.h's arithmetic
 * must round as it does on the CPU.
 *
 * cohort-stats and risk-model add integers only (u64 atomics, exact and
 * associative), so their results do not depend on how threads and blocks
 * are scheduled; the per-row arithmetic is rowmath.h's, shared with the
 * CPU path. The dense benchmark's gradient adds doubles, so it adds them
 * in a fixed order: per lane in row order, then per block in warp order,
 * then on the host in block order.
 */
#include <stdint.h>

#include "gpu_abi.h"
#include "rowmath.h"

static __device__ __forceinline__ unsigned bit_at(const uint8_t *bits, uint64_t i)
{
	return (bits[i >> 3] >> (i & 7)) & 1u;
}

/* One block per tile: per-block counters in shared memory, then one
 * global atomic per non-zero counter. */
extern "C" __global__ void __launch_bounds__(GPU_THREADS)
c2d_cs_tiles(const uint8_t *file, const struct gpu_cs_tile *tiles, struct gpu_cs_params prm,
	     unsigned long long *acc)
{
	__shared__ unsigned long long sh[GPU_CS_ACC];
	for (unsigned k = threadIdx.x; k < GPU_CS_ACC; k += blockDim.x)
		sh[k] = 0;
	__syncthreads();

	const struct gpu_cs_tile t = tiles[blockIdx.x];
	const int64_t *age = (const int64_t *)(file + t.age);
	const uint16_t *sex = (const uint16_t *)(file + t.sex);
	const double *egfr = (const double *)(file + t.egfr);
	const uint16_t *stage = (const uint16_t *)(file + t.stage);
	const uint16_t *site = (const uint16_t *)(file + t.site);
	const uint8_t *outcome = file + t.outcome;
	const uint8_t *valid = t.egfr_valid == GPU_NO_COLUMN ? NULL : file + t.egfr_valid;

	for (uint64_t k = threadIdx.x; k < t.nrows; k += blockDim.x) {
		uint64_t i = t.row0 + k;
		unsigned cell = rw_cs_cell(site[i], stage[i], rw_band(age[i], prm.band_from), sex[i]);
		int64_t v = rw_egfr_lattice(egfr[i]);
		atomicAdd(&sh[cell], 1ull);
		if (bit_at(outcome, i))
			atomicAdd(&sh[GPU_CS_CELLS + cell], 1ull);
		if (valid != NULL && !bit_at(valid, i))
			atomicAdd(&sh[2 * GPU_CS_CELLS + cell], 1ull);
		if (v != 0)
			atomicAdd(&sh[3 * GPU_CS_CELLS + cell], (unsigned long long)v);
	}
	__syncthreads();
	for (unsigned k = threadIdx.x; k < GPU_CS_ACC; k += blockDim.x)
		if (sh[k] != 0)
			atomicAdd(&acc[k], sh[k]);
}

/* One block per tile: each thread sums its rows' contributions in
 * registers, the block in shared memory, then one global atomic per
 * accumulator. Signed sums travel as two's complement u64, whose addition
 * is the same operation. */
extern "C" __global__ void __launch_bounds__(GPU_THREADS)
c2d_rm_tiles(const uint8_t *file, const struct gpu_rm_tile *tiles, struct gpu_rm_params prm,
	     unsigned long long *acc)
{
	__shared__ unsigned long long sh[GPU_RM_ACC];
	if (threadIdx.x < GPU_RM_ACC)
		sh[threadIdx.x] = 0;
	__syncthreads();

	const struct gpu_rm_tile t = tiles[blockIdx.x];
	const int64_t *age = (const int64_t *)(file + t.age);
	const int64_t *sbp = (const int64_t *)(file + t.sbp);
	const double *egfr = (const double *)(file + t.egfr);
	const double *creat = (const double *)(file + t.creat);
	const uint16_t *sex = (const uint16_t *)(file + t.sex);
	const uint16_t *stage = (const uint16_t *)(file + t.stage);
	const uint8_t *diabetes = file + t.diabetes, *outcome = file + t.outcome;
	const uint8_t *valid = t.egfr_valid == GPU_NO_COLUMN ? NULL : file + t.egfr_valid;
	struct rw_rm_bounds b;
	for (int k = 0; k < 4; k++) {
		b.lo[k] = prm.lo[k];
		b.hi[k] = prm.hi[k];
	}

	unsigned long long mine[GPU_RM_ACC];
	for (int k = 0; k < GPU_RM_ACC; k++)
		mine[k] = 0;
	for (uint64_t k = threadIdx.x; k < t.nrows; k += blockDim.x) {
		uint64_t i = t.row0 + k;
		struct rw_rm_row r;
		r.age = age[i];
		r.sbp = sbp[i];
		r.egfr = egfr[i];
		r.creat = creat[i];
		r.egfr_present = valid == NULL || bit_at(valid, i);
		r.male = sex[i] == 1;
		r.diabetes = bit_at(diabetes, i);
		r.outcome = bit_at(outcome, i);
		r.stage = stage[i];
		double x[RW_RM_DIM];
		int y = rw_rm_features(&r, &b, x);
		struct rw_rm_contrib c;
		rw_rm_contrib(prm.w, x, y, &c);
		for (int j = 0; j < GPU_RM_DIM; j++)
			mine[j] += (unsigned long long)c.grad[j];
		mine[GPU_RM_DIM] += (unsigned long long)c.loss;
		mine[GPU_RM_DIM + 1] += 1;
		mine[GPU_RM_DIM + 2 + c.cell] += 1;
	}
	for (int k = 0; k < GPU_RM_ACC; k++)
		if (mine[k] != 0)
			atomicAdd(&sh[k], mine[k]);
	__syncthreads();
	if (threadIdx.x < GPU_RM_ACC && sh[threadIdx.x] != 0)
		atomicAdd(&acc[threadIdx.x], sh[threadIdx.x]);
}

/* --- the dense benchmark -------------------------------------------------- */

extern "C" __global__ void __launch_bounds__(GPU_THREADS)
c2d_dense_fill(float *x, uint8_t *y, uint64_t n, uint64_t seed)
{
	uint64_t stride = (uint64_t)gridDim.x * blockDim.x;
	for (uint64_t e = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n * GPU_DENSE_D;
	     e += stride)
		x[e] = gpu_dense_value(seed, e / GPU_DENSE_D, (uint32_t)(e % GPU_DENSE_D));
	for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride)
		y[i] = gpu_dense_label(seed, i);
}

/* A warp walks rows (GPU_DENSE_ROWS_PER_WARP_STEP at a time, so that
 * several loads are in flight); lane l holds features 2l and 2l + 1 of a
 * row (one float2: a row is one coalesced 256-byte load for the warp).
 * w·x is reduced across the warp with shuffles, in a fixed pattern. Each
 * lane keeps its two gradient entries in double. Warp w of block b takes
 * row steps b·W + w, b·W + w + B·W, ... (B blocks of W warps): a fixed
 * partition for a given grid. */
extern "C" __global__ void __launch_bounds__(GPU_THREADS)
c2d_dense_grad(const float2 *x, const uint8_t *y, struct gpu_dense_params prm, double *partial)
{
	__shared__ double sh[GPU_THREADS / 32][GPU_DENSE_D];
	const unsigned lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	const unsigned warps = blockDim.x >> 5;
	const float w0 = (float)prm.w[2 * lane], w1 = (float)prm.w[2 * lane + 1];
	double g0 = 0, g1 = 0;
	const uint64_t R = GPU_DENSE_ROWS_PER_WARP_STEP;
	const uint64_t steps = (prm.n + R - 1) / R;
	for (uint64_t s = (uint64_t)blockIdx.x * warps + warp; s < steps;
	     s += (uint64_t)gridDim.x * warps) {
		float2 v[GPU_DENSE_ROWS_PER_WARP_STEP];
		float z[GPU_DENSE_ROWS_PER_WARP_STEP];
		for (unsigned r = 0; r < R; r++) {
			uint64_t i = s * R + r;
			v[r] = i < prm.n ? x[i * (GPU_DENSE_D / 2) + lane] : make_float2(0.f, 0.f);
			z[r] = v[r].x * w0 + v[r].y * w1;
		}
		for (unsigned off = 16; off > 0; off >>= 1)
			for (unsigned r = 0; r < R; r++)
				z[r] += __shfl_xor_sync(0xffffffffu, z[r], off);
		for (unsigned r = 0; r < R; r++) {
			uint64_t i = s * R + r;
			if (i >= prm.n)
				break;
			float e = 1.0f / (1.0f + expf(-z[r])) - (float)y[i];
			g0 += (double)(e * v[r].x);
			g1 += (double)(e * v[r].y);
		}
	}
	sh[warp][2 * lane] = g0;
	sh[warp][2 * lane + 1] = g1;
	__syncthreads();
	if (threadIdx.x < GPU_DENSE_D) {
		double sum = 0;
		for (unsigned k = 0; k < warps; k++)
			sum += sh[k][threadIdx.x];
		partial[(uint64_t)blockIdx.x * GPU_DENSE_D + threadIdx.x] = sum;
	}
}
