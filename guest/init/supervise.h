/*
 * guest/init/supervise.h: run one child to completion under a deadline.
 *
 * The analysis runs as a child of init; init must get control back whatever
 * the child does (exit, crash, loop, fork and exit), and as PID 1 it must
 * also reap every orphan the kernel re-parents to it, or zombies pile up.
 *
 * supervise_run() forks, execs path with argv, an empty environment, the
 * signal state reset and descriptors 0, 1 and 2 closed (the console reaches
 * the host: nothing a child writes may), waits until the child exits or
 * deadline_ms pass (then kills it with SIGKILL and reaps it), and reaps any
 * other zombie seen on the way. It blocks SIGCHLD for its own duration and
 * restores the caller's mask. Not thread-safe (nothing in init is threaded).
 *
 * Result: 0 with *res filled when the child was forked (whatever its
 * fate), a negative status when it could not be (C2D_E_IO).
 *
 * A child that fails between fork and exec (placing its descriptors, the
 * pre_exec hook, opening or executing path) sends init the step that
 * failed and its errno over a close-on-exec pipe, as musl's posix_spawn
 * does, and exits: 126 (descriptors), 127 (opening or executing path) or
 * SUPERVISE_EXIT_PRE_EXEC (the hook). *res then has start_failed set. The
 * pipe closes at the exec, so nothing the program that runs writes can
 * come this way, and the step is named from init's own table
 * (supervise_step_name()): the pipe carries two numbers, never text.
 *
 * Prefix: supervise_
 */
#ifndef C2D_INIT_SUPERVISE_H
#define C2D_INIT_SUPERVISE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define SUPERVISE_EXIT_PRE_EXEC 125

/* The steps between fork and exec, and the calls of the pre_exec hook
 * (guest/init/analysis.c's confinement), by which the child says where it
 * failed. */
enum supervise_step {
	SUPERVISE_STEP_NONE = 0,
	SUPERVISE_STEP_DUPFD,          /* fcntl(F_DUPFD) */
	SUPERVISE_STEP_DUP2,
	SUPERVISE_STEP_DUP3,
	SUPERVISE_STEP_OPEN,           /* open(O_PATH) of path */
	SUPERVISE_STEP_EXECVE,
	SUPERVISE_STEP_EXECVEAT,
	SUPERVISE_STEP_NO_NEW_PRIVS,   /* prctl(PR_SET_NO_NEW_PRIVS) */
	SUPERVISE_STEP_GETRLIMIT,
	SUPERVISE_STEP_RLIMIT_NOFILE,  /* setrlimit(RLIMIT_NOFILE) */
	SUPERVISE_STEP_RLIMIT_FSIZE,
	SUPERVISE_STEP_RLIMIT_CORE,
	SUPERVISE_STEP_RLIMIT_NPROC,
	SUPERVISE_STEP_SETGROUPS,
	SUPERVISE_STEP_SETRESGID,
	SUPERVISE_STEP_SETRESUID,
	SUPERVISE_STEP_GETRESUID,
	SUPERVISE_STEP_GETRESGID,
	SUPERVISE_STEP_GETGROUPS,
	SUPERVISE_STEP_ID_CHECK,       /* the ids after the drop are not the ones asked for */
	SUPERVISE_STEP_COUNT
};

/* The step's name, from a fixed table ("setresuid", ...); "an unknown step"
 * outside it. */
const char *supervise_step_name(int step);

struct supervise_result {
	int exited;      /* 1: exited normally with exit_code */
	int exit_code;
	int signaled;    /* 1: killed by signal term_signal */
	int term_signal;
	int timed_out;   /* 1: the deadline passed and init killed it */
	long elapsed_ms;
	int start_failed;   /* 1: it failed before exec, at failed_step */
	int failed_step;    /* enum supervise_step */
	int failed_errno;   /* that step's errno; 0 when a check failed, not a call */
};

C2D_MUST_CHECK c2d_status supervise_run(const char *path, char *const argv[], long deadline_ms,
					struct supervise_result *res, struct c2d_err *err);

/*
 * supervise_run_io(): the same, for a child that must see only the
 * descriptors it is given and whose output is collected under a bound
 * (the analysis child, guest/init/analysis.h).
 *
 * The child gets fds[i] as its descriptor 3 + i and nothing else: 0, 1 and
 * 2 are closed too (the console reaches the host, and a child must not be
 * able to write rows there). While it runs, out_fd (the read end of a pipe,
 * made non-blocking here) is drained into out: at most out_cap bytes; one
 * byte more and the child is killed with SIGKILL and overflow set. After
 * the child exits, what is left in the pipe is read; if the pipe is still
 * open then (a descendant holds the write end), out_open is set.
 * close_after_fork (-1: none) is closed in the parent once the child has
 * it: the parent's copy of the write end, or the pipe would never end. (If
 * the child could not be started, it is left open for the caller.)
 */
#define SUPERVISE_MAX_FDS 8

struct supervise_io {
	const int *fds;
	int nfds;                /* 0..SUPERVISE_MAX_FDS */
	int close_after_fork;
	int out_fd;
	uint8_t *out;
	size_t out_cap;
	size_t out_len;          /* result: bytes collected */
	int overflow;            /* result: more than out_cap bytes came */
	int out_open;            /* result: the pipe was open after the exit */
	/* A conversation (guest/init/analysis.h, analysis_run_rounds): more of the
	 * parent's copies of the child's descriptors to close once it has
	 * them; and, if on_output is set, a call after every read from
	 * out_fd (also the last one, after the exit) that may consume
	 * out[0..out_len), reset out_len, change out_cap and write to the
	 * child. A negative return kills the child and sets hook_failed. */
	const int *close_also;
	int nclose_also;
	int (*on_output)(void *ctx, struct supervise_io *io);
	void *ctx;
	int hook_failed;         /* result */
	/* In the child, once its descriptors are in place and before exec
	 * (NULL: none): guest/init/analysis.c's confinement. Async-signal-safe
	 * calls only; returns 0, or the enum supervise_step that failed with
	 * errno as that call left it (0 for a failed check), after which the
	 * child reports it and exits SUPERVISE_EXIT_PRE_EXEC without running
	 * path. With a hook, path is opened (O_PATH) before it runs and
	 * executed through that descriptor: the hook may take away the right
	 * to reach path (a uid drop), not to run the file. */
	int (*pre_exec)(const struct supervise_io *io);
};

C2D_MUST_CHECK c2d_status supervise_run_io(const char *path, char *const argv[], long deadline_ms,
					   struct supervise_io *io, struct supervise_result *res,
					   struct c2d_err *err);

/* Reaps every zombie child without blocking; returns how many. */
int supervise_reap_all(void);

#endif
