/* The CUDA driver API through dlopen: see cudadrv.h. */
#include "cudadrv.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/*
 * The driver's ABI, declared here rather than taken from the toolkit's
 * cuda.h so that this file (and `c2d`) builds on machines without the
 * toolkit and reports "no GPU" at run time. These are the stable types of
 * the driver API (handles are opaque pointers, device addresses 64-bit on
 * x86-64) and the entry points by their versioned symbol names, the names
 * cuda.h's #defines resolve to since CUDA 3.2 (the _v2 ones).
 */
typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef unsigned long long CUdeviceptr;

enum {
	CU_SUCCESS = 0,
	CU_ATTR_MULTIPROCESSOR_COUNT = 16,
	CU_ATTR_MEMORY_CLOCK_RATE = 36,         /* kHz */
	CU_ATTR_GLOBAL_MEMORY_BUS_WIDTH = 37,   /* bits */
	CU_ATTR_COMPUTE_CAPABILITY_MAJOR = 75,
	CU_ATTR_COMPUTE_CAPABILITY_MINOR = 76,
};

/* The embedded kernels (host/gpu/kernels_blob.S): empty when nvcc was
 * missing at build time. */
extern const unsigned char c2d_kernels_fatbin[];
extern const uint64_t c2d_kernels_fatbin_size;

#define DRIVER_API(X)                                                              \
	X(cuInit, CUresult, (unsigned))                                            \
	X(cuDriverGetVersion, CUresult, (int *))                                   \
	X(cuDeviceGetCount, CUresult, (int *))                                     \
	X(cuDeviceGet, CUresult, (CUdevice *, int))                                \
	X(cuDeviceGetName, CUresult, (char *, int, CUdevice))                      \
	X(cuDeviceGetAttribute, CUresult, (int *, int, CUdevice))                  \
	X(cuDeviceTotalMem_v2, CUresult, (size_t *, CUdevice))                     \
	X(cuDevicePrimaryCtxRetain, CUresult, (CUcontext *, CUdevice))             \
	X(cuDevicePrimaryCtxRelease_v2, CUresult, (CUdevice))                      \
	X(cuCtxSetCurrent, CUresult, (CUcontext))                                  \
	X(cuCtxSynchronize, CUresult, (void))                                      \
	X(cuModuleLoadData, CUresult, (CUmodule *, const void *))                  \
	X(cuModuleUnload, CUresult, (CUmodule))                                    \
	X(cuModuleGetFunction, CUresult, (CUfunction *, CUmodule, const char *))   \
	X(cuMemAlloc_v2, CUresult, (CUdeviceptr *, size_t))                        \
	X(cuMemFree_v2, CUresult, (CUdeviceptr))                                   \
	X(cuMemcpyHtoD_v2, CUresult, (CUdeviceptr, const void *, size_t))          \
	X(cuMemcpyDtoH_v2, CUresult, (void *, CUdeviceptr, size_t))                \
	X(cuMemsetD8_v2, CUresult, (CUdeviceptr, unsigned char, size_t))           \
	X(cuLaunchKernel, CUresult, (CUfunction, unsigned, unsigned, unsigned,     \
				     unsigned, unsigned, unsigned, unsigned,       \
				     CUstream, void **, void **))                  \
	X(cuGetErrorString, CUresult, (CUresult, const char **))

struct cudadrv {
	void *lib;
	CUdevice dev;
	CUcontext ctx;
	CUmodule mod;
	struct cudadrv_info info;
#define MEMBER(name, ret, args) ret (*name) args;
	DRIVER_API(MEMBER)
#undef MEMBER
};

/* "cuMemAlloc_v2: CUDA_ERROR_OUT_OF_MEMORY (out of memory)" */
static int fail_cu(struct cudadrv *d, struct c2d_err *err, int status, CUresult r,
		   const char *what)
{
	const char *s = NULL;
	if (d->cuGetErrorString == NULL || d->cuGetErrorString(r, &s) != CU_SUCCESS || s == NULL)
		s = "unknown error";
	return c2d_fail(err, status, "cuda: %s: error %d (%s)", what, r, s);
}

#define CALL(d, err, status, name, ...)                                             \
	do {                                                                        \
		CUresult r_ = (d)->name(__VA_ARGS__);                               \
		if (r_ != CU_SUCCESS)                                               \
			return fail_cu((d), (err), (status), r_, #name);            \
	} while (0)

static int load(struct cudadrv *d, struct c2d_err *err)
{
	if (c2d_kernels_fatbin_size == 0)
		return c2d_fail(err, C2D_E_UNAVAILABLE,
				"cuda: this build has no kernels (nvcc was not found when it was built)");
	/* The soname, not libcuda.so: the unversioned link is in the
	 * development package only. */
	d->lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (d->lib == NULL)
		return c2d_fail(err, C2D_E_UNAVAILABLE, "cuda: no NVIDIA driver (%s)",
				dlerror());
#define LOOKUP(name, ret, args)                                                          \
	*(void **)&d->name = dlsym(d->lib, #name);                                      \
	if (d->name == NULL)                                                            \
		return c2d_fail(err, C2D_E_UNAVAILABLE, "cuda: the driver lacks %s", #name);
	DRIVER_API(LOOKUP)
#undef LOOKUP
	return C2D_OK;
}

static int start(struct cudadrv *d, struct c2d_err *err)
{
	int n = 0;
	CUresult r = d->cuInit(0);
	if (r != CU_SUCCESS)
		return fail_cu(d, err, C2D_E_UNAVAILABLE, r, "cuInit (no usable GPU)");
	CALL(d, err, C2D_E_UNAVAILABLE, cuDeviceGetCount, &n);
	if (n < 1)
		return c2d_fail(err, C2D_E_UNAVAILABLE, "cuda: no GPU");
	CALL(d, err, C2D_E_IO, cuDeviceGet, &d->dev, 0);
	CALL(d, err, C2D_E_IO, cuDriverGetVersion, &d->info.driver_version);
	CALL(d, err, C2D_E_IO, cuDeviceGetName, d->info.name, (int)sizeof(d->info.name) - 1, d->dev);
	CALL(d, err, C2D_E_IO, cuDeviceGetAttribute, &d->info.sms, CU_ATTR_MULTIPROCESSOR_COUNT, d->dev);
	CALL(d, err, C2D_E_IO, cuDeviceGetAttribute, &d->info.cc_major,
	     CU_ATTR_COMPUTE_CAPABILITY_MAJOR, d->dev);
	CALL(d, err, C2D_E_IO, cuDeviceGetAttribute, &d->info.cc_minor,
	     CU_ATTR_COMPUTE_CAPABILITY_MINOR, d->dev);
	size_t mem;
	CALL(d, err, C2D_E_IO, cuDeviceTotalMem_v2, &mem, d->dev);
	d->info.mem_bytes = mem;
	int khz, bits;
	CALL(d, err, C2D_E_IO, cuDeviceGetAttribute, &khz, CU_ATTR_MEMORY_CLOCK_RATE, d->dev);
	CALL(d, err, C2D_E_IO, cuDeviceGetAttribute, &bits, CU_ATTR_GLOBAL_MEMORY_BUS_WIDTH, d->dev);
	/* Double data rate: two transfers a clock. */
	d->info.peak_bytes_per_s = 2.0 * (double)khz * 1e3 * (double)bits / 8.0;
	CALL(d, err, C2D_E_IO, cuDevicePrimaryCtxRetain, &d->ctx, d->dev);
	CALL(d, err, C2D_E_IO, cuCtxSetCurrent, d->ctx);
	/* A PTX-only or too-new fatbin fails here on an older driver: say so. */
	CALL(d, err, C2D_E_UNAVAILABLE, cuModuleLoadData, &d->mod, c2d_kernels_fatbin);
	return C2D_OK;
}

c2d_status cudadrv_open(struct cudadrv **out, struct c2d_err *err)
{
	*out = NULL;
	struct cudadrv *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "cuda: out of memory");
	int r = load(d, err);
	if (r == C2D_OK)
		r = start(d, err);
	if (r < 0) {
		cudadrv_close(d);
		return r;
	}
	*out = d;
	return C2D_OK;
}

void cudadrv_close(struct cudadrv *d)
{
	if (d == NULL)
		return;
	if (d->mod != NULL)
		d->cuModuleUnload(d->mod);
	if (d->ctx != NULL)
		d->cuDevicePrimaryCtxRelease_v2(d->dev);
	if (d->lib != NULL)
		dlclose(d->lib);
	free(d);
}

void cudadrv_info(const struct cudadrv *d, struct cudadrv_info *info)
{
	*info = d->info;
}

c2d_status cudadrv_alloc(struct cudadrv *d, size_t n, uint64_t *dptr, struct c2d_err *err)
{
	CUdeviceptr p;
	CALL(d, err, C2D_E_NOMEM, cuMemAlloc_v2, &p, n ? n : 1);
	*dptr = p;
	return C2D_OK;
}

void cudadrv_free(struct cudadrv *d, uint64_t dptr)
{
	if (dptr != 0)
		d->cuMemFree_v2(dptr);
}

c2d_status cudadrv_upload(struct cudadrv *d, uint64_t dst, const void *src, size_t n,
			  struct c2d_err *err)
{
	if (n > 0)
		CALL(d, err, C2D_E_IO, cuMemcpyHtoD_v2, dst, src, n);
	return C2D_OK;
}

c2d_status cudadrv_download(struct cudadrv *d, void *dst, uint64_t src, size_t n, struct c2d_err *err)
{
	if (n > 0)
		CALL(d, err, C2D_E_IO, cuMemcpyDtoH_v2, dst, src, n);
	return C2D_OK;
}

c2d_status cudadrv_zero(struct cudadrv *d, uint64_t dst, size_t n, struct c2d_err *err)
{
	if (n > 0)
		CALL(d, err, C2D_E_IO, cuMemsetD8_v2, dst, 0, n);
	return C2D_OK;
}

c2d_status cudadrv_launch(struct cudadrv *d, const char *name, unsigned grid, unsigned block,
			  void **args, struct c2d_err *err)
{
	CUfunction f;
	CUresult r = d->cuModuleGetFunction(&f, d->mod, name);
	if (r != CU_SUCCESS)
		return fail_cu(d, err, C2D_E_INTERNAL, r, name);
	if (grid == 0)
		return C2D_OK;
	if ((r = d->cuLaunchKernel(f, grid, 1, 1, block, 1, 1, 0, NULL, args, NULL)) != CU_SUCCESS)
		return fail_cu(d, err, C2D_E_IO, r, name);
	/* Launches are asynchronous: a fault shows at the next synchronisation. */
	if ((r = d->cuCtxSynchronize()) != CU_SUCCESS)
		return fail_cu(d, err, C2D_E_IO, r, name);
	return C2D_OK;
}
