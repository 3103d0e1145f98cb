/*
 * tests/tools/simtdrv.cc: host/gpu/cudadrv.h implemented on the CPU, with
 * the kernels of host/gpu/kernels.cu compiled by g++ and run by a small
 * SIMT emulator, for tests on machines without a GPU (CI never has one).
 *
 * What it runs is the kernels' own source: their indexing, tiling, shared
 * memory, barriers, atomics and warp shuffles, and host/gpu/gpu.c above
 * them unchanged (device addresses are host pointers). What it cannot
 * show is the hardware: the driver calls of cudadrv.c, nvcc's code
 * generation, CUDA's exp() and timing. Those are tested where a GPU is
 * lent (tests/host/gpu.sh, bench/gpu).
 *
 * The emulation: a grid's blocks run one after another; a block's threads
 * run as real threads, so __syncthreads() is a barrier of blockDim.x
 * threads and __shfl_xor_sync() exchanges through a per-warp slot between
 * two barriers of the warp's 32 threads (every kernel here calls it with a
 * full mask and warp-uniform control flow, as CUDA requires). __shared__
 * variables are function statics: one block at a time uses them, and every
 * kernel initialises its shared memory before use, as on a GPU.
 */
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <pthread.h>
#include <vector>

extern "C" {
#include "cudadrv.h"
}

/* --- the CUDA dialect, for g++ ---------------------------------------------- */
#define __CUDACC__ 1
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __shared__ static

struct dim3 {
	unsigned x, y, z;
};
struct float2 {
	float x, y;
};
static inline float2 make_float2(float x, float y)
{
	return float2{ x, y };
}

static thread_local dim3 threadIdx, blockIdx;
static dim3 blockDim, gridDim;

namespace simt {
struct block {
	pthread_barrier_t all;
	std::vector<pthread_barrier_t> warp;
	std::vector<float> slot;     /* one a thread, for shuffles */
};
static block *cur;
}

static void __syncthreads(void)
{
	pthread_barrier_wait(&simt::cur->all);
}

static float __shfl_xor_sync(unsigned mask, float v, unsigned lanemask)
{
	(void)mask;
	unsigned t = threadIdx.x, w = t / 32, partner = (t & ~31u) | ((t & 31u) ^ lanemask);
	simt::cur->slot[t] = v;
	pthread_barrier_wait(&simt::cur->warp[w]);
	float r = simt::cur->slot[partner];
	pthread_barrier_wait(&simt::cur->warp[w]);
	return r;
}

static unsigned long long atomicAdd(unsigned long long *p, unsigned long long v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

using std::exp;
using std::fabs;
using std::log1p;
using std::sqrt;

#include "kernels.cu"

/* --- the grid --------------------------------------------------------------- */

namespace simt {
struct thread_arg {
	void (*body)(void **);
	void **args;
	unsigned t, b;
};

static void *run_thread(void *p)
{
	thread_arg *a = static_cast<thread_arg *>(p);
	threadIdx = dim3{ a->t, 0, 0 };
	blockIdx = dim3{ a->b, 0, 0 };
	a->body(a->args);
	return nullptr;
}

/* Returns 0, or -1 if a thread could not be started (the launch fails). */
static int launch(void (*body)(void **), void **args, unsigned grid, unsigned threads)
{
	gridDim = dim3{ grid, 1, 1 };
	blockDim = dim3{ threads, 1, 1 };
	for (unsigned b = 0; b < grid; b++) {
		block blk;
		blk.slot.assign(threads, 0.0f);
		blk.warp.resize((threads + 31) / 32);
		pthread_barrier_init(&blk.all, nullptr, threads);
		for (unsigned w = 0; w < blk.warp.size(); w++) {
			unsigned n = threads - 32 * w < 32 ? threads - 32 * w : 32;
			pthread_barrier_init(&blk.warp[w], nullptr, n);
		}
		cur = &blk;
		std::vector<pthread_t> tid(threads);
		std::vector<thread_arg> ta(threads);
		for (unsigned t = 0; t < threads; t++) {
			ta[t] = thread_arg{ body, args, t, b };
			if (pthread_create(&tid[t], nullptr, run_thread, &ta[t]) != 0)
				abort();   /* a half-started block would wait for ever */
		}
		for (unsigned t = 0; t < threads; t++)
			pthread_join(tid[t], nullptr);
		pthread_barrier_destroy(&blk.all);
		for (auto &w : blk.warp)
			pthread_barrier_destroy(&w);
		cur = nullptr;
	}
	return 0;
}

template <typename T> static T arg(void **args, int i)
{
	T v;
	memcpy(&v, args[i], sizeof(v));
	return v;
}

static void cs_body(void **a)
{
	c2d_cs_tiles(arg<const uint8_t *>(a, 0), arg<const gpu_cs_tile *>(a, 1),
		     arg<gpu_cs_params>(a, 2), arg<unsigned long long *>(a, 3));
}

static void rm_body(void **a)
{
	c2d_rm_tiles(arg<const uint8_t *>(a, 0), arg<const gpu_rm_tile *>(a, 1),
		     arg<gpu_rm_params>(a, 2), arg<unsigned long long *>(a, 3));
}

static void fill_body(void **a)
{
	c2d_dense_fill(arg<float *>(a, 0), arg<uint8_t *>(a, 1), arg<uint64_t>(a, 2),
		       arg<uint64_t>(a, 3));
}

static void grad_body(void **a)
{
	c2d_dense_grad(arg<const float2 *>(a, 0), arg<const uint8_t *>(a, 1),
		       arg<gpu_dense_params>(a, 2), arg<double *>(a, 3));
}
} // namespace simt

/* --- cudadrv.h ---------------------------------------------------------------- */

struct cudadrv {
	struct cudadrv_info info;
	std::atomic<long> live;      /* allocations not freed: checked by the test */
};

extern "C" {

int cudadrv_open(struct cudadrv **out, struct c2d_err *err)
{
	(void)err;
	cudadrv *d = new cudadrv();
	strcpy(d->info.name, "SIMT emulator (tests/tools/simtdrv.cc)");
	d->info.sms = 2;
	d->live = 0;
	*out = d;
	return C2D_OK;
}

void cudadrv_close(struct cudadrv *d)
{
	if (d != nullptr && d->live != 0)
		abort();   /* device memory leaked */
	delete d;
}

void cudadrv_info(const struct cudadrv *d, struct cudadrv_info *info)
{
	*info = d->info;
}

int cudadrv_alloc(struct cudadrv *d, size_t n, uint64_t *dptr, struct c2d_err *err)
{
	/* 256-byte aligned, as cuMemAlloc promises. */
	void *p = aligned_alloc(256, (n + 255) / 256 * 256 + 256);
	if (p == nullptr)
		return c2d_fail(err, C2D_E_NOMEM, "simt: out of memory");
	memset(p, 0xa5, n);   /* device memory is not zeroed */
	d->live++;
	*dptr = (uint64_t)(uintptr_t)p;
	return C2D_OK;
}

void cudadrv_free(struct cudadrv *d, uint64_t dptr)
{
	if (dptr != 0) {
		d->live--;
		free((void *)(uintptr_t)dptr);
	}
}

int cudadrv_upload(struct cudadrv *d, uint64_t dst, const void *src, size_t n,
		   struct c2d_err *err)
{
	(void)d, (void)err;
	memcpy((void *)(uintptr_t)dst, src, n);
	return C2D_OK;
}

int cudadrv_download(struct cudadrv *d, void *dst, uint64_t src, size_t n, struct c2d_err *err)
{
	(void)d, (void)err;
	memcpy(dst, (const void *)(uintptr_t)src, n);
	return C2D_OK;
}

int cudadrv_zero(struct cudadrv *d, uint64_t dst, size_t n, struct c2d_err *err)
{
	(void)d, (void)err;
	memset((void *)(uintptr_t)dst, 0, n);
	return C2D_OK;
}

int cudadrv_launch(struct cudadrv *d, const char *name, unsigned grid, unsigned block,
		   void **args, struct c2d_err *err)
{
	(void)d;
	void (*body)(void **) = nullptr;
	if (strcmp(name, GPU_CS_KERNEL) == 0)
		body = simt::cs_body;
	else if (strcmp(name, GPU_RM_KERNEL) == 0)
		body = simt::rm_body;
	else if (strcmp(name, GPU_DENSE_FILL_KERNEL) == 0)
		body = simt::fill_body;
	else if (strcmp(name, GPU_DENSE_GRAD_KERNEL) == 0)
		body = simt::grad_body;
	else
		return c2d_fail(err, C2D_E_INTERNAL, "simt: no kernel %s", name);
	simt::launch(body, args, grid, block);
	return C2D_OK;
}

} // extern "C"
