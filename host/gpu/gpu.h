/*
 * host/gpu/gpu.h: the analyses on a GPU (host/gpu/kernels.cu through
 * host/gpu/cudadrv.h), the same computations as cohort_stats.h and
 * riskmodel.h's gradient round.
 *
 * gpu_rows_open() checks the rows file on the CPU exactly as the CPU path
 * does (c2d_rowfile_decode on every group, the analysis's columns bound by
 * its own bind function) and copies the file, unchanged, to device memory
 * once; a risk-model run then makes one pass per round without copying the
 * rows again. Nothing is read on the device that the host did not check.
 *
 * Results: cohort-stats equals the CPU path exactly (integer cells; rowmath.h
 * is the shared per-row code). A risk-model round equals the CPU's row
 * count and confusion matrix exactly (w·x rounds identically) and its
 * gradient and loss sums to within one lattice unit a row: CUDA's exp()
 * and log1p() are within 1 ulp of the correctly rounded value, glibc's and
 * musl's differ from it in other places. tests/tools/gpucheck.c states
 * and checks that bound.
 *
 * Ownership: the handle owns its device memory; gpu_rows_close() frees it
 * (NULL is fine). The cudadrv handle must outlive it. Errors: those of
 * cudadrv.h, and the CPU path's C2D_E_INPUT for rows it refuses. Not
 * constant-time.
 *
 * Prefix: gpu_
 */
#ifndef C2D_ANALYSIS_GPU_H
#define C2D_ANALYSIS_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "cohort_stats.h"
#include "cudadrv.h"
#include "riskmodel.h"

enum gpu_analysis { GPU_COHORT_STATS, GPU_RISK_MODEL };

struct gpu_rows;

C2D_MUST_CHECK c2d_status gpu_rows_open(struct cudadrv *d, enum gpu_analysis a, const uint8_t *p,
					size_t len, struct gpu_rows **out, struct c2d_err *err);
void gpu_rows_close(struct gpu_rows *g);

/* cohort_stats_compute() on the GPU (the handle opened for GPU_COHORT_STATS). */
C2D_MUST_CHECK c2d_status gpu_cohort_stats(struct gpu_rows *g, struct cohort_stats *out,
					   struct c2d_err *err);

/* riskmodel_pass() on the GPU (the handle opened for GPU_RISK_MODEL). */
C2D_MUST_CHECK c2d_status gpu_riskmodel_pass(struct gpu_rows *g, const int64_t w[RM_DIM],
					     struct riskmodel_round *out, struct c2d_err *err);

#endif
