/*
 * bench/gpu_dense.c: the CUDA path's memory-bandwidth benchmark (make
 * bench, through bench/gpu). One pass of the logistic-loss gradient over n
 * synthetic rows of 64 float features (78M rows by default: 20 GB), the
 * computation whose speed bounds a full-batch gradient-descent epoch.
 *
 * The rows are generated on the device and, identically, on the host
 * (gpu_abi.h's counter-based hash), so nothing crosses the PCIe bus and
 * both paths see the same numbers. Reported, as one JSON object on
 * stdout: the GPU pass time (best of 5 after a warm-up), the bytes it must
 * read over that time against the device's peak (2 x memory clock x bus
 * width), the CPU path's time on every host CPU (best of 3), the speed-up,
 * and the largest difference between the two gradients relative to n
 * (float products summed in double in a different order on each: small,
 * never zero; the run fails above 1e-6).
 *
 * Exit 77, saying why, when there is no GPU: the benchmark is then skipped,
 * not reported.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cudadrv.h"
#include "gpu_abi.h"

#define D GPU_DENSE_D
#define MAX_THREADS 256

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct cpu_job {
	float *x;
	uint8_t *y;
	const double *w;
	uint64_t from, to, seed;
	double g[D];
};

static void *cpu_fill(void *arg)
{
	struct cpu_job *j = arg;
	for (uint64_t i = j->from; i < j->to; i++) {
		for (uint32_t k = 0; k < D; k++)
			j->x[i * D + k] = gpu_dense_value(j->seed, i, k);
		j->y[i] = gpu_dense_label(j->seed, i);
	}
	return NULL;
}

/* The CPU path: the same float products, double sums, rows in order. */
static void *cpu_grad(void *arg)
{
	struct cpu_job *j = arg;
	float w[D];
	double g[D] = { 0 };
	for (int k = 0; k < D; k++)
		w[k] = (float)j->w[k];
	for (uint64_t i = j->from; i < j->to; i++) {
		const float *x = j->x + i * D;
		float z = 0;
		for (int k = 0; k < D; k++)
			z += x[k] * w[k];
		float e = 1.0f / (1.0f + expf(-z)) - (float)j->y[i];
		for (int k = 0; k < D; k++)
			g[k] += (double)(e * x[k]);
	}
	memcpy(j->g, g, sizeof(g));
	return NULL;
}

/* Runs fn on nt threads over [0, n) in contiguous ranges; sums g in
 * thread order. */
static void cpu_run(void *(*fn)(void *), struct cpu_job *jobs, unsigned nt, uint64_t n,
		    double g[D])
{
	pthread_t tid[MAX_THREADS];
	int started[MAX_THREADS];
	for (unsigned t = 0; t < nt; t++) {
		jobs[t].from = n * t / nt;
		jobs[t].to = n * (t + 1) / nt;
		started[t] = pthread_create(&tid[t], NULL, fn, &jobs[t]) == 0;
		if (!started[t])
			fn(&jobs[t]);   /* the same range, here */
	}
	for (unsigned t = 0; t < nt; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	if (g != NULL) {
		memset(g, 0, D * sizeof(double));
		for (unsigned t = 0; t < nt; t++)
			for (int k = 0; k < D; k++)
				g[k] += jobs[t].g[k];
	}
}

static int fail(const struct c2d_err *err)
{
	fprintf(stderr, "gpu-dense: %s\n", err->msg);
	return err->status == C2D_E_UNAVAILABLE ? 77 : 1;
}

int main(int argc, char **argv)
{
	uint64_t n = 78000000, seed = 0x6332642d62656e63ull;   /* "c2d-benc" */
	int skip_cpu = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--no-cpu") == 0)
			skip_cpu = 1;
		else {
			fprintf(stderr, "usage: gpu-dense [--rows N] [--no-cpu]\n");
			return 2;
		}
	}
	struct c2d_err err = { 0 };
	struct cudadrv *d;
	if (cudadrv_open(&d, &err) < 0) {
		int rc = fail(&err);
		if (rc == 77)
			fprintf(stderr, "skipped: no GPU\n");
		return rc;
	}
	struct cudadrv_info info;
	cudadrv_info(d, &info);
	unsigned blocks = (unsigned)info.sms * 8;   /* 64 resident warps an SM */
	struct gpu_dense_params prm = { .n = n, .seed = seed };
	for (uint32_t k = 0; k < D; k++)
		prm.w[k] = 0.25 * gpu_dense_value(seed + 1, 0, k);
	uint64_t dx = 0, dy = 0, dp = 0;
	double *part = calloc((size_t)blocks * D, sizeof(double)), ggpu[D] = { 0 }, best = 1e30;
	int r = part ? C2D_OK : c2d_fail(&err, C2D_E_NOMEM, "out of memory");
	if (r == C2D_OK)
		r = cudadrv_alloc(d, n * D * sizeof(float), &dx, &err);
	if (r == C2D_OK)
		r = cudadrv_alloc(d, n, &dy, &err);
	if (r == C2D_OK)
		r = cudadrv_alloc(d, (size_t)blocks * D * sizeof(double), &dp, &err);
	if (r == C2D_OK) {
		void *args[] = { &dx, &dy, &n, &seed };
		r = cudadrv_launch(d, GPU_DENSE_FILL_KERNEL, blocks, GPU_THREADS, args, &err);
	}
	for (int rep = 0; rep < 6 && r == C2D_OK; rep++) {
		void *args[] = { &dx, &dy, &prm, &dp };
		double t0 = now_s();
		r = cudadrv_launch(d, GPU_DENSE_GRAD_KERNEL, blocks, GPU_THREADS, args, &err);
		double t = now_s() - t0;
		if (rep > 0 && t < best)   /* the first is the warm-up */
			best = t;
	}
	if (r == C2D_OK)
		r = cudadrv_download(d, part, dp, (size_t)blocks * D * sizeof(double), &err);
	for (unsigned b = 0; r == C2D_OK && b < blocks; b++)
		for (int k = 0; k < D; k++)
			ggpu[k] += part[(size_t)b * D + k];
	cudadrv_free(d, dx);
	cudadrv_free(d, dy);
	cudadrv_free(d, dp);
	free(part);
	if (r < 0) {
		cudadrv_close(d);
		return fail(&err);
	}
	double bytes = (double)n * (D * sizeof(float) + 1);
	double bw = bytes / best;

	double cpu_best = 0, worst = 0;
	long nt = sysconf(_SC_NPROCESSORS_ONLN);
	nt = nt < 1 ? 1 : nt > MAX_THREADS ? MAX_THREADS : nt;
	if (!skip_cpu) {
		struct cpu_job *jobs = calloc((size_t)nt, sizeof(*jobs));
		float *x = malloc(n * D * sizeof(float));
		uint8_t *y = malloc(n);
		if (jobs == NULL || x == NULL || y == NULL) {
			fprintf(stderr, "gpu-dense: out of memory for the CPU path (%.1f GB)\n",
				(double)n * D * 4 / 1e9);
			cudadrv_close(d);
			return 1;
		}
		for (long t = 0; t < nt; t++)
			jobs[t] = (struct cpu_job){ .x = x, .y = y, .w = prm.w, .seed = seed };
		cpu_run(cpu_fill, jobs, (unsigned)nt, n, NULL);
		double gcpu[D];
		cpu_best = 1e30;
		for (int rep = 0; rep < 3; rep++) {
			double t0 = now_s();
			cpu_run(cpu_grad, jobs, (unsigned)nt, n, gcpu);
			double t = now_s() - t0;
			cpu_best = t < cpu_best ? t : cpu_best;
		}
		for (int k = 0; k < D; k++) {
			double e = fabs(ggpu[k] - gcpu[k]) / (double)n;
			worst = e > worst ? e : worst;
		}
		free(x);
		free(y);
		free(jobs);
	}
	printf("{\"device\": \"%s\", \"sms\": %d, \"driver\": %d, \"rows\": %llu, \"features\": %d,\n"
	       " \"gpu_pass_s\": %.6f, \"gpu_bytes_per_s\": %.4e, \"peak_bytes_per_s\": %.4e,\n"
	       " \"bandwidth_fraction\": %.4f, \"cpu_threads\": %ld, \"cpu_pass_s\": %.6f,\n"
	       " \"speedup\": %.2f, \"max_abs_diff_per_row\": %.3e}\n",
	       info.name, info.sms, info.driver_version, (unsigned long long)n, D, best, bw,
	       info.peak_bytes_per_s, bw / info.peak_bytes_per_s, nt, cpu_best,
	       skip_cpu ? 0.0 : cpu_best / best, worst);
	cudadrv_close(d);
	if (!skip_cpu && !(worst <= 1e-6)) {
		fprintf(stderr, "gpu-dense: the GPU and CPU gradients differ by %.3e a row (> 1e-6)\n",
			worst);
		return 1;
	}
	return 0;
}
