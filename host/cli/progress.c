/* Terminal progress line: see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void c2d_progress_start(struct c2d_progress *p, const char *what, uint64_t total,
			uint64_t min_bytes)
{
	p->on = isatty(STDERR_FILENO) && total >= min_bytes;
	p->what = what;
	p->total = total;
	p->t0 = p->last = now();
}

static void draw(struct c2d_progress *p, uint64_t bytes, uint64_t rows, double t)
{
	double mb = (double)bytes / 1e6, el = t - p->t0;
	double rate = el > 0 ? mb / el : 0;
	fprintf(stderr, "\r%s: %llu rows  %.1f", p->what, (unsigned long long)rows, mb);
	if (p->total > 0)
		fprintf(stderr, "/%.1f MB (%3.0f%%)", (double)p->total / 1e6,
			100.0 * (double)bytes / (double)p->total);
	else
		fprintf(stderr, " MB");
	fprintf(stderr, "  %.1f MB/s", rate);
	if (p->total > bytes && rate > 0)
		fprintf(stderr, "  ETA %.0f s", ((double)(p->total - bytes) / 1e6) / rate);
	fprintf(stderr, "\033[K");
}

void c2d_progress_update(struct c2d_progress *p, uint64_t bytes, uint64_t rows)
{
	if (!p->on)
		return;
	double t = now();
	if (t - p->last < 0.1)
		return;
	p->last = t;
	draw(p, bytes, rows, t);
}

void c2d_progress_end(struct c2d_progress *p, uint64_t bytes, uint64_t rows)
{
	if (!p->on)
		return;
	draw(p, bytes, rows, now());
	fputc('\n', stderr);
}
