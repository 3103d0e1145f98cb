/*
 * A risk-model child that misbehaves on purpose, for test_riskmodel: it
 * computes the honest answer (guest/analysis/riskmodel.c) and then, by argv[1]:
 *   big-grad    grad[0] = rows x C + 1 (inside the L1 bound, above L2)
 *   rows-short  one row fewer than the input has
 *   stall       reads the first request and never answers
 *   twice       answers the first request twice
 *   quit        answers one round, then exits 0
 *   mute        reads the first request and exits 0 without an answer
 * under the seccomp filter of child_start(), as the real one runs; where it
 * never answers, it waits on the request channel (until init kills it, or
 * exits 0 at its end).
 */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "c2d/fdio.h"
#include "child.h"
#include "riskmodel.h"

/* Reads and ignores requests until the channel ends. */
static void __attribute__((noreturn)) wait_for_init(void)
{
	uint8_t b[256];
	while (read(5, b, sizeof(b)) > 0)
		;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct c2d_err err = { 0 };
	const uint8_t *p;
	size_t len;
	const char *mode = argc > 1 ? argv[1] : "";
	child_start(&p, &len);
	uint8_t req[256], out[2 * 512];   /* twice: two answers */
	_Static_assert(sizeof(out) <= PIPE_BUF, "twice's answers must fit one atomic write");
	size_t rl = riskmodel_schema_weights.max_bytes;
	if (read(5, req, rl) != (ssize_t)rl)
		return 3;
	if (strcmp(mode, "mute") == 0)
		return 0;
	if (strcmp(mode, "stall") == 0)
		wait_for_init();
	struct riskmodel_round rd;
	int64_t w[RM_DIM] = { 0 };
	if (riskmodel_pass(p, len, w, &rd, &err) < 0)
		return 3;
	if (strcmp(mode, "big-grad") == 0) {
		memset(rd.grad, 0, sizeof(rd.grad));
		rd.grad[0] = rd.rows * RM_CLIP_LAT + 1;
	} else if (strcmp(mode, "rows-short") == 0) {
		rd.rows--;
	}
	const int64_t *v[RM_GRAD_NOUTPUTS] = { rd.grad, &rd.loss, &rd.rows };
	size_t n = c2d_agg_encode(&riskmodel_schema_grad, v, out);
	/* Twice: both answers in one write of at most PIPE_BUF bytes, which a
	 * pipe delivers whole, so that init always finds the second answer
	 * with the first. Two writes would let init take the second for the
	 * answer to its next request when this child is preempted between
	 * them, and the test's verdict would depend on the scheduler. */
	if (strcmp(mode, "twice") == 0) {
		memcpy(out + n, out, n);
		n *= 2;
	}
	if (c2d_fdio_write_all(CHILD_OUT_FD, out, n, "output", &err) < 0)
		return 3;
	if (strcmp(mode, "quit") == 0 || strcmp(mode, "twice") == 0)
		return 0;
	wait_for_init();
}
