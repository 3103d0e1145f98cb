/*
 * host/gpu/cudadrv.h: the CUDA driver API, just enough to run the
 * analyses' kernels (host/gpu/kernels.cu) on one GPU.
 *
 * No CUDA runtime and no link-time dependency: cudadrv_open() loads the
 * driver (libcuda.so.1) with dlopen, takes the entry points it needs by
 * their versioned names, retains the primary context of device 0 and loads
 * the kernels with cuModuleLoadData from a fatbin embedded in this binary
 * at build time (SASS for sm_90, PTX for later GPUs, which the driver
 * compiles on load). A binary built where nvcc was missing embeds an empty
 * fatbin and says so. The driver is a glibc shared library: this module is
 * for host tools and the CUDA variant of an analysis, never for the static
 * musl children of the CPU image.
 *
 * Errors: C2D_E_UNAVAILABLE when the build has no kernels, the driver
 * cannot be loaded, cuInit fails or no device is present (the caller may
 * fall back to the CPU path and must say that it did); C2D_E_IO for a
 * driver call that fails later (named, with the driver's message);
 * C2D_E_NOMEM for host allocation. Device memory is the caller's to free
 * (cudadrv_free); cudadrv_close() releases the module, the context and
 * the library. Not thread-safe: one handle per thread. Not constant-time.
 *
 * Prefix: cudadrv_
 * Prefix of host/gpu/kernels_blob.S: c2d_kernels_
 */
#ifndef C2D_ANALYSIS_CUDADRV_H
#define C2D_ANALYSIS_CUDADRV_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

struct cudadrv;

struct cudadrv_info {
	char name[128];            /* the device's name */
	int cc_major, cc_minor;    /* compute capability */
	int sms;                   /* multiprocessors */
	int driver_version;        /* e.g. 13000 */
	uint64_t mem_bytes;        /* device memory */
	double peak_bytes_per_s;   /* 2 x memory clock x bus width: the data sheet's figure */
};

C2D_MUST_CHECK c2d_status cudadrv_open(struct cudadrv **out, struct c2d_err *err);
void cudadrv_close(struct cudadrv *d);
void cudadrv_info(const struct cudadrv *d, struct cudadrv_info *info);

/* Device memory, as the driver's 64-bit device addresses. */
C2D_MUST_CHECK c2d_status cudadrv_alloc(struct cudadrv *d, size_t n, uint64_t *dptr,
					struct c2d_err *err);
void cudadrv_free(struct cudadrv *d, uint64_t dptr);
C2D_MUST_CHECK c2d_status cudadrv_upload(struct cudadrv *d, uint64_t dst, const void *src, size_t n,
					 struct c2d_err *err);
C2D_MUST_CHECK c2d_status cudadrv_download(struct cudadrv *d, void *dst, uint64_t src, size_t n,
					   struct c2d_err *err);
C2D_MUST_CHECK c2d_status cudadrv_zero(struct cudadrv *d, uint64_t dst, size_t n,
				       struct c2d_err *err);

/* Launches kernel `name` (one of gpu_abi.h's) on a 1-D grid and waits for
 * it: args as cuLaunchKernel takes them (an array of pointers to each
 * argument). A fault in the kernel is reported here. */
C2D_MUST_CHECK c2d_status cudadrv_launch(struct cudadrv *d, const char *name, unsigned grid,
					 unsigned block, void **args, struct c2d_err *err);

#endif
