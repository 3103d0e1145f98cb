/* The closed set of failures: see c2d/failure.h. docs/boot.md lists the
 * same lines ("What leaves the CVM"); tests/host/closedset.sh checks that
 * the two agree. */
#include "c2d/failure.h"

static const struct {
	c2d_status status;
	const char *msg;
} table[C2D_FAILURE_COUNT] = {
	[C2D_FAILURE_INTERNAL] = { C2D_E_INTERNAL, "F01 init broke one of its own invariants" },
	[C2D_FAILURE_NOMEM] = { C2D_E_NOMEM, "F02 init ran out of memory" },
	[C2D_FAILURE_IO] = { C2D_E_IO, "F03 a system call of init failed" },
	[C2D_FAILURE_KEY] = { C2D_E_REFUSED, "F04 no dataset key was released to this run" },
	[C2D_FAILURE_UNSEAL] = { C2D_E_REFUSED, "F05 a sealed dataset did not open" },
	[C2D_FAILURE_INPUT] = { C2D_E_REFUSED, "F06 the datasets do not fit the analysis" },
	[C2D_FAILURE_START] = { C2D_E_REFUSED, "F07 the analysis could not be confined or started" },
	[C2D_FAILURE_TIME] = { C2D_E_REFUSED, "F08 the analysis reached its time limit" },
	[C2D_FAILURE_SECCOMP] = { C2D_E_REFUSED, "F09 the analysis made a forbidden system call" },
	[C2D_FAILURE_SIGNAL] = { C2D_E_REFUSED, "F10 the analysis was killed by a signal" },
	[C2D_FAILURE_EXIT] = { C2D_E_REFUSED, "F11 the analysis exited with a non-zero status" },
	[C2D_FAILURE_OVERFLOW] = { C2D_E_REFUSED, "F12 the analysis wrote more than its schema allows" },
	[C2D_FAILURE_HELD] = { C2D_E_REFUSED, "F13 the analysis left its output open after its exit" },
	[C2D_FAILURE_AGG_FORMAT] = { C2D_E_INPUT, "F14 the analysis's aggregate is malformed" },
	[C2D_FAILURE_AGG_SCHEMA] = { C2D_E_REFUSED, "F15 the analysis's aggregate is not its schema's" },
	[C2D_FAILURE_AGG_BOUND] = { C2D_E_REFUSED, "F16 the analysis's aggregate exceeds what its rows allow" },
	[C2D_FAILURE_ROUNDS] = { C2D_E_REFUSED, "F17 the analysis broke off its rounds" },
	[C2D_FAILURE_BUDGET] = { C2D_E_REFUSED, "F18 the privacy budget does not cover the run" },
	[C2D_FAILURE_NOISE] = { C2D_E_INTERNAL, "F19 the noise could not be drawn" },
	[C2D_FAILURE_SIGN] = { C2D_E_INTERNAL, "F20 the receipt could not be signed" },
	[C2D_FAILURE_OUTPUT] = { C2D_E_IO, "F21 the receipt could not be written" },
};

static enum c2d_failure valid(enum c2d_failure k)
{
	return k > C2D_FAILURE_NONE && k < C2D_FAILURE_COUNT ? k : C2D_FAILURE_INTERNAL;
}

const char *c2d_failure_msg(enum c2d_failure k)
{
	return table[valid(k)].msg;
}

c2d_status c2d_failure_status(enum c2d_failure k)
{
	return table[valid(k)].status;
}

c2d_status c2d_failure_set(struct c2d_err *err, enum c2d_failure k)
{
	c2d_status st = c2d_fail(err, c2d_failure_status(k), "%s", c2d_failure_msg(k));
	if (err != NULL)
		err->failure = (int)valid(k);
	return st;
}

enum c2d_failure c2d_failure_or(const struct c2d_err *err, enum c2d_failure step)
{
	if (err == NULL || err->failure <= C2D_FAILURE_NONE || err->failure >= C2D_FAILURE_COUNT)
		return step;
	return (enum c2d_failure)err->failure;
}
