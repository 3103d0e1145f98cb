/*
 * host/cli/progress.h: a one-line progress display on standard error, shown
 * only when standard error is a terminal and the work is large enough to be
 * worth watching; silent otherwise (pipes, logs, CI).
 *
 * Prefix: c2d_progress_
 */
#ifndef C2D_HOST_PROGRESS_H
#define C2D_HOST_PROGRESS_H

#include <stdint.h>

struct c2d_progress {
	int on;
	const char *what;
	uint64_t total;       /* bytes expected, 0 if unknown */
	double t0, last;
};

/* Shown when stderr is a tty and total is at least min_bytes. */
void c2d_progress_start(struct c2d_progress *p, const char *what, uint64_t total,
			uint64_t min_bytes);
/* Cheap to call often: redraws at most ten times a second. */
void c2d_progress_update(struct c2d_progress *p, uint64_t bytes, uint64_t rows);
void c2d_progress_end(struct c2d_progress *p, uint64_t bytes, uint64_t rows);

#endif
