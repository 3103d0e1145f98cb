/* See fakeschema.h. */
#include "fakeschema.h"

static const struct c2d_outspec outputs[] = {
	{ "rows", C2D_AGG_COUNT, 0, 1, { 2 }, 1 },
	{ "total", C2D_AGG_SUM, 4, 2, { 1, 2 }, FAKE_SUM_BOUND },
};

const struct c2d_outschema fake_schema = {
	.analysis = "fake",
	.noutputs = 2,
	.outputs = outputs,
	.max_bytes = C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(4, 1, 2) + C2D_AGG_OUTPUT_LEN(5, 2, 2),
};
