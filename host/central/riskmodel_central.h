/*
 * host/central/riskmodel_central.h: the central, non-private fit of
 * risk-model (guest/analysis/riskmodel.h gives the features and the
 * objective J), on plaintext rows: the baseline of `c2d run --central`
 * and of the tests. Host only: it gives row-level access by construction
 * and is never linked into the guest (tests/host/riskmodel_ref.sh checks
 * that no guest binary has its symbols).
 *
 * No clipping, no noise: Newton's method in double until the gradient
 * norm of J over all rows is below RM_CENTRAL_TOL. The rows are decoded
 * once into a table held for the fit (about 33 bytes a row); a pass sums,
 * per cell of the 0/1 features, 20 products a row instead of the 119 of
 * x·xᵀ and x. From 2^15 rows the fit starts from the fit on a 1/32 sample
 * (only the starting point; the criterion is on all rows; from 0 again
 * when Newton fails from there). Decoding and passes run on every CPU by
 * row group, the groups' partial sums added in file order: the result does
 * not depend on the thread count.
 *
 * Ownership: no allocation survives a call. Errors: C2D_E_INPUT for rows
 * that do not decode, C2D_E_NOMEM; C2D_E_INTERNAL when the fit does not
 * converge in RM_CENTRAL_MAX_ITER iterations. Not constant-time.
 *
 * Prefix: riskmodel_central_
 */
#ifndef C2D_HOST_RISKMODEL_CENTRAL_H
#define C2D_HOST_RISKMODEL_CENTRAL_H

#include "c2d/err.h"
#include "riskmodel.h"

#define RM_CENTRAL_TOL 1e-10
#define RM_CENTRAL_MAX_ITER 100

struct riskmodel_result {
	double coef[RM_DIM];    /* [0] intercept, then the features above */
	unsigned iterations;
	double grad_norm;       /* ||∇J|| at coef */
	uint64_t rows;
};

/*
 * The central, non-private fit on plaintext rows (a c2d/rowfile.h buffer):
 * minimises J above exactly (to RM_CENTRAL_TOL), with λ = RM_LAMBDA. For
 * the baseline of `c2d run --central` and for tests only; never in init.
 */
C2D_MUST_CHECK c2d_status riskmodel_central_fit(const uint8_t *rowfile, size_t len,
						struct riskmodel_result *out, struct c2d_err *err);

/* The same with another λ (> 0). */
C2D_MUST_CHECK c2d_status riskmodel_central_fit_lambda(const uint8_t *rowfile, size_t len,
						       double lambda, struct riskmodel_result *out,
						       struct c2d_err *err);

/* The same on `threads` threads (1 to 16; 0 counts as 1, more as 16);
 * the two above use one per online CPU. The result, coefficients to the
 * last bit, is the same for every thread count (see above). */
C2D_MUST_CHECK c2d_status riskmodel_central_fit_threads(const uint8_t *rowfile, size_t len,
							double lambda, unsigned threads,
							struct riskmodel_result *out,
							struct c2d_err *err);

#endif
