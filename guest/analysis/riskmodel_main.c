/*
 * risk-model: the analysis child, a gradient oracle (see riskmodel.h,
 * child.h, init/riskmodel.h). Rows on fd 3 (sealed), requests from init on
 * fd 5, answers on fd 4. Each request is one aggregate of
 * riskmodel_schema_weights ("weights": answer a gradient round) or of
 * riskmodel_schema_final ("final": answer the confusion matrix and exit 0).
 * End of file on fd 5 before "final" exits CHILD_EXIT_IO. It never adds
 * noise and never sees randomness.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c2d/fdio.h"
#include "child.h"
#include "riskmodel.h"

#define CHILD_REQ_FD 5

/* Reads exactly len bytes; both request kinds have the same length. */
static int read_request(uint8_t *buf, size_t len, struct c2d_err *err)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(CHILD_REQ_FD, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return c2d_fail_errno(err, C2D_E_IO, "risk-model: request");
		if (n == 0)
			return c2d_fail(err, C2D_E_IO, "risk-model: request: end of file after %zu bytes",
					got);
		got += (size_t)n;
	}
	return C2D_OK;
}

int main(void)
{
	_Static_assert(C2D_AGG_OUTPUT_LEN(7, 1, RM_DIM) == C2D_AGG_OUTPUT_LEN(5, 1, RM_DIM) + 2,
		       "request lengths");
	const uint8_t *p;
	size_t len;
	child_start(&p, &len);
	struct c2d_err err = { 0 };
	int r;
	uint8_t req[C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(7, 1, RM_DIM)];
	uint8_t out[C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(4, 1, RM_DIM) + 2 * C2D_AGG_OUTPUT_LEN(4, 1, 1)];
	_Static_assert(sizeof(out) >= C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(9, 2, 4), "out");
	for (;;) {
		/* "final" is two bytes shorter: read its length first, then
		 * the rest only when the name says "weights". */
		size_t flen = riskmodel_schema_final.max_bytes;
		if ((r = read_request(req, flen, &err)) < 0)
			child_exit(r, &err);
		int last = req[C2D_AGG_HEADER_LEN] == 5 && memcmp(req + 9, "final", 5) == 0;
		const struct c2d_outschema *rs = last ? &riskmodel_schema_final : &riskmodel_schema_weights;
		if (!last && (r = read_request(req + flen, rs->max_bytes - flen, &err)) < 0)
			child_exit(r, &err);
		struct c2d_agg a;
		if ((r = c2d_agg_decode(req, rs->max_bytes, &a, &err)) < 0 ||
		    (r = c2d_agg_check(rs, &a, 1, &err)) < 0)
			child_exit(r, &err);
		struct riskmodel_round rd;
		r = riskmodel_pass(p, len, a.outputs[0].values, &rd, &err);
		c2d_agg_free(&a);
		if (r < 0)
			child_exit(r, &err);
		size_t n;
		if (last) {
			const int64_t *v[1] = { rd.confusion };
			n = c2d_agg_encode(&riskmodel_schema_confusion, v, out);
		} else {
			const int64_t *v[RM_GRAD_NOUTPUTS] = { rd.grad, &rd.loss, &rd.rows };
			n = c2d_agg_encode(&riskmodel_schema_grad, v, out);
		}
		if ((r = c2d_fdio_write_all(CHILD_OUT_FD, out, n, "output", &err)) < 0 || last)
			child_exit(r, &err);
	}
}
