/* The previous, variable-time DP sampler (bench/dp_vartime.c): the
 * reference of `make bench`'s constant-time figures only. Same parameters
 * and results as before it was replaced. */
#ifndef DP_VARTIME_H
#define DP_VARTIME_H

#include <stdint.h>

#include "c2d/dp.h"

c2d_status vartime_discrete_laplace(const struct c2d_rng *rng, uint64_t t_num, uint64_t t_den,
				    int64_t *out, struct c2d_err *err);
c2d_status vartime_discrete_gaussian(const struct c2d_rng *rng, uint64_t sigma2_num,
				     uint64_t sigma2_den, int64_t *out, struct c2d_err *err);

#endif
