/*
 * host/gpu/gpu_abi.h: what the host side (host/gpu/gpu.c) and the kernels
 * (host/gpu/kernels.cu) must agree on, byte for byte: kernel names, the
 * tile descriptors, the parameter blocks and the accumulator layouts.
 * Both compilers see this one file; every struct is made of 8-byte fields
 * only, so that C and CUDA lay it out identically without packing pragmas.
 *
 * The rows reach the GPU as the rows file itself (c2d/rowfile.h), copied
 * to device memory unchanged: the host frames and checks every group with
 * c2d_rowfile_decode() first, exactly as the CPU path does, and describes
 * each group's columns by their byte offsets in the file. A group is cut
 * into tiles of at most GPU_TILE_ROWS rows, one thread block each. The
 * rows file keeps every column 8-byte aligned relative to its start
 * (c2d/rowgroup.h), and device allocations are at least 256-byte aligned,
 * so every typed load in the kernels is aligned.
 */
#ifndef C2D_ANALYSIS_GPU_ABI_H
#define C2D_ANALYSIS_GPU_ABI_H

#include <stdint.h>

#define GPU_THREADS 256             /* threads per block, every kernel */
#define GPU_TILE_ROWS 8192
#define GPU_NO_COLUMN UINT64_MAX    /* a nullable column without a validity map */

/* --- cohort-stats: c2d_cs_tiles ------------------------------------------- */

#define GPU_CS_KERNEL "c2d_cs_tiles"
#define GPU_CS_CELLS 240            /* CS_SITE_CELLS */
#define GPU_CS_ACC (4 * GPU_CS_CELLS)

/* Byte offsets in the file of the group's columns, the tile's first row
 * within the group and its row count. */
struct gpu_cs_tile {
	uint64_t age, sex, egfr, egfr_valid, stage, outcome, site;
	uint64_t row0, nrows;
};

struct gpu_cs_params {
	int64_t band_from[4];       /* cohort_stats_schema_band_from */
};

/* The accumulators: four arrays of GPU_CS_CELLS u64 in this order (rows,
 * outcome, eGFR missing, eGFR lattice sum), the site cells of
 * cohort_stats.h; pooling is done on the host. */

/* --- risk-model: c2d_rm_tiles --------------------------------------------- */

#define GPU_RM_KERNEL "c2d_rm_tiles"
#define GPU_RM_DIM 14
/* Accumulators: grad[14], loss, rows, confusion[4], as two's complement
 * u64 sums (exact, so in any order). */
#define GPU_RM_ACC (GPU_RM_DIM + 2 + 4)

struct gpu_rm_tile {
	uint64_t age, sex, egfr, egfr_valid, creat, sbp, diabetes, stage, outcome;
	uint64_t row0, nrows;
};

struct gpu_rm_params {
	double w[GPU_RM_DIM];       /* real weights (lattice / 2^24, exact) */
	double lo[4], hi[4];        /* declared bounds: age, egfr, creatinine, systolic_bp */
};

/* --- the dense benchmark: c2d_dense_fill, c2d_dense_grad ------------------ */

/*
 * n rows of GPU_DENSE_D float features, row-major, and a 0/1 label byte a
 * row, generated from a counter-based hash (gpu_dense_value below, the same
 * on the CPU), so that 78M x 64 rows need not cross the PCIe bus. The
 * gradient kernel computes, for weights w, the partial sums
 * Σ (sigmoid(w·x) - y)·x over a fixed partition of the rows into
 * GPU_DENSE_BLOCKS(sm) blocks, one row of GPU_DENSE_D doubles per block;
 * the host adds the blocks' rows in block order, so a run's result does
 * not depend on scheduling.
 */
#define GPU_DENSE_FILL_KERNEL "c2d_dense_fill"
#define GPU_DENSE_GRAD_KERNEL "c2d_dense_grad"
#define GPU_DENSE_D 64
#define GPU_DENSE_ROWS_PER_WARP_STEP 4

struct gpu_dense_params {
	uint64_t n;                 /* rows */
	uint64_t seed;
	double w[GPU_DENSE_D];
};

/* splitmix64's finaliser (Steele, Lea, Flood 2014): a bijection on 64-bit
 * words whose outputs pass BigCrush for consecutive inputs. Synthetic
 * benchmark data only: never a source of randomness for privacy. */
#ifdef __CUDACC__
#define GPU_HD static __host__ __device__ __forceinline__
#else
#define GPU_HD static inline
#endif

GPU_HD uint64_t gpu_mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Feature j of row i: uniform on [-1, 1) in steps of 2^-23 (exact in a
 * float). The label is bit 0 of the row's hash at j = GPU_DENSE_D. */
GPU_HD float gpu_dense_value(uint64_t seed, uint64_t i, uint32_t j)
{
	uint64_t h = gpu_mix64(seed ^ gpu_mix64(i * (GPU_DENSE_D + 1) + j));
	return (float)((int32_t)(h >> 40) - (1 << 23)) * (1.0f / (float)(1 << 23));
}

GPU_HD uint8_t gpu_dense_label(uint64_t seed, uint64_t i)
{
	return (uint8_t)(gpu_mix64(seed ^ gpu_mix64(i * (GPU_DENSE_D + 1) + GPU_DENSE_D)) & 1);
}

#endif
