/*
 * init/supervise.h: run one child to completion under a deadline.
 *
 * The analysis runs as a child of init; init must get control back whatever
 * the child does (exit, crash, loop, fork and exit), and as PID 1 it must
 * also reap every orphan the kernel re-parents to it, or zombies pile up.
 *
 * supervise_run() forks, execs path with argv and an empty environment and
 * the signal state reset, waits until the child exits or deadline_ms pass
 * (then kills it with SIGKILL and reaps it), and reaps any other zombie seen
 * on the way. It blocks SIGCHLD for its own duration and restores the
 * caller's mask. Not thread-safe (nothing in init is threaded).
 *
 * Result: 0 with *res filled when the child was started (whatever its
 * fate), a negative status when it could not be started (C2D_E_IO).
 */
#ifndef C2D_INIT_SUPERVISE_H
#define C2D_INIT_SUPERVISE_H

#include "c2d/err.h"

struct supervise_result {
	int exited;      /* 1: exited normally with exit_code */
	int exit_code;
	int signaled;    /* 1: killed by signal term_signal */
	int term_signal;
	int timed_out;   /* 1: the deadline passed and init killed it */
	long elapsed_ms;
};

int supervise_run(const char *path, char *const argv[], long deadline_ms,
		  struct supervise_result *res, struct c2d_err *err);

/* Reaps every zombie child without blocking; returns how many. */
int supervise_reap_all(void);

#endif
