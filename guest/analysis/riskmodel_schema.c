/* The messages and output schemas of risk-model: see riskmodel.h. Part of
 * the image and so of the compose-hash. The privacy parameters init applies
 * are the image's recipe, image/analyses/risk-model.conf (guest/init/riskmodel_dp.h,
 * docs/privacy.md). */
#include "riskmodel.h"

#define VEC 1, { RM_DIM }
#define ONE 1, { 1 }

/* Weights are not released and not noised; the bound (n_rows = 1) is the
 * largest weight vector the child accepts. */
static const struct c2d_outspec weights[] = {
	{ "weights", C2D_AGG_SUM, RM_W_SCALE, VEC, (uint64_t)RM_DIM * RM_W_MAX },
};
static const struct c2d_outspec final[] = {
	{ "final", C2D_AGG_SUM, RM_W_SCALE, VEC, (uint64_t)RM_DIM * RM_W_MAX },
};
static const struct c2d_outspec grad[RM_GRAD_NOUTPUTS] = {
	[RM_OUT_GRAD] = { "grad", C2D_AGG_SUM, RM_G_SCALE, VEC, RM_GRAD_L1 },
	[RM_OUT_LOSS] = { "loss", C2D_AGG_SUM, RM_LOSS_SCALE, ONE, RM_LOSS_BOUND },
	[RM_OUT_ROWS] = { "rows", C2D_AGG_COUNT, 0, ONE, 1 },
};
static const struct c2d_outspec confusion[] = {
	{ "confusion", C2D_AGG_COUNT, 0, 2, { 2, 2 }, 1 },
};

const struct c2d_outschema riskmodel_schema_weights = {
	.analysis = "risk-model weights",
	.noutputs = 1,
	.outputs = weights,
	.max_bytes = C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(7, 1, RM_DIM),
};
const struct c2d_outschema riskmodel_schema_final = {
	.analysis = "risk-model final",
	.noutputs = 1,
	.outputs = final,
	.max_bytes = C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(5, 1, RM_DIM),
};
const struct c2d_outschema riskmodel_schema_grad = {
	.analysis = "risk-model gradient",
	.noutputs = RM_GRAD_NOUTPUTS,
	.outputs = grad,
	.max_bytes = C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(4, 1, RM_DIM) +
		     C2D_AGG_OUTPUT_LEN(4, 1, 1) + C2D_AGG_OUTPUT_LEN(4, 1, 1),
};
const struct c2d_outschema riskmodel_schema_confusion = {
	.analysis = "risk-model confusion",
	.noutputs = 1,
	.outputs = confusion,
	.max_bytes = C2D_AGG_HEADER_LEN + C2D_AGG_OUTPUT_LEN(9, 2, 4),
};
