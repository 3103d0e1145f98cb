/*
 * c2d/failure.h: the closed set of failures that may leave the CVM as text.
 *
 * Once init holds a key or a row (docs/boot.md, "What leaves the CVM"),
 * nothing it writes as text may carry what the analysis chose or what the
 * rows determine: no output name, no value, no cell index, no round, no
 * row count. A run that fails from then on ends with one line from this
 * set on the console and its exit code on the status port, and nothing
 * else. Each kind has a fixed code ("F08") and a fixed sentence, written
 * once in the table of failure.c: no runtime value is ever formatted into
 * them, so the set is closed and an auditor reads all of it there. The
 * code is the kind's number and stays the same from release to release: a
 * signed failure record will carry it.
 *
 * The analysis's refusals are kinds of their own (it can choose among
 * them, so a hostile analysis can signal at most log2(C2D_FAILURE_COUNT)
 * bits per run this way, as through its exit or its timing); the other
 * kinds name the step of the run that failed.
 *
 * The runner (guest/init/analysis.h, riskmodel_dp.h) and the aggregate's
 * checks (c2d/aggfmt.h) report every refusal of the child or its aggregate
 * with c2d_failure_set(), so that err->msg is exactly one kind's fixed
 * message, for init and for `c2d run` alike. Init never prints err->msg
 * past the point: it prints the kind c2d_failure_or() finds, whatever the
 * message holds.
 *
 * Not constant-time: a kind is public once it is printed. No allocation,
 * no global mutable state.
 *
 * Prefix: c2d_failure_
 */
#ifndef C2D_FAILURE_H
#define C2D_FAILURE_H

#include "c2d/err.h"

enum c2d_failure {
	C2D_FAILURE_NONE = 0,       /* no failure; no message of the set */
	C2D_FAILURE_INTERNAL = 1,   /* an invariant of init's own code broke */
	C2D_FAILURE_NOMEM = 2,
	C2D_FAILURE_IO = 3,         /* a system call of init's failed */
	C2D_FAILURE_KEY = 4,        /* the key release: no key came */
	C2D_FAILURE_UNSEAL = 5,     /* a sealed dataset did not open */
	C2D_FAILURE_INPUT = 6,      /* datasets of different schemas, too many rows */
	C2D_FAILURE_START = 7,      /* the child could not be confined or started */
	C2D_FAILURE_TIME = 8,
	C2D_FAILURE_SECCOMP = 9,    /* killed by its filter: SIGSYS */
	C2D_FAILURE_SIGNAL = 10,    /* any other signal */
	C2D_FAILURE_EXIT = 11,      /* a non-zero exit status */
	C2D_FAILURE_OVERFLOW = 12,  /* more bytes than the schema's */
	C2D_FAILURE_HELD = 13,      /* its output open after its exit */
	C2D_FAILURE_AGG_FORMAT = 14, /* the aggregate does not decode */
	C2D_FAILURE_AGG_SCHEMA = 15, /* not the schema's outputs, kinds, shapes */
	C2D_FAILURE_AGG_BOUND = 16, /* values the input rows could not give */
	C2D_FAILURE_ROUNDS = 17,    /* a conversation left or broken mid-way */
	C2D_FAILURE_BUDGET = 18,    /* the run needs more than the budget left */
	C2D_FAILURE_NOISE = 19,     /* a noise mechanism failed or refused */
	C2D_FAILURE_SIGN = 20,      /* the receipt */
	C2D_FAILURE_OUTPUT = 21,
	C2D_FAILURE_COUNT
};

/* Kind k's fixed message, "Fnn sentence" (no newline); kind INTERNAL's for
 * NONE or a value outside the enum. */
const char *c2d_failure_msg(enum c2d_failure k);

/* The status of kind k (C2D_E_*, hence its exit code); as for
 * c2d_failure_msg() outside the enum. */
c2d_status c2d_failure_status(enum c2d_failure k);

/* Records kind k: err gets its status and its fixed message. Returns the
 * status. err may be NULL. */
c2d_status c2d_failure_set(struct c2d_err *err, enum c2d_failure k);

/* The kind that c2d_failure_set() last recorded in err, carried as a value
 * (err->failure) so that no message text is ever parsed; step (the kind of
 * the step that failed) when err's last failure came from c2d_fail() or
 * err is NULL. */
enum c2d_failure c2d_failure_or(const struct c2d_err *err, enum c2d_failure step);

#endif
