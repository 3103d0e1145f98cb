/* Exact discrete Laplace and Gaussian noise in constant time, and the ε/ρ
 * accountant: see c2d/dp.h and docs/privacy.md, "The samplers", whose
 * proofs the comments here cite. Hand-written: no library we depend on
 * samples these, and none samples them in constant time. */
#include "c2d/dp.h"

#include <string.h>

#include "c2d/random.h"

typedef unsigned __int128 u128;

#define ALL (~(u128)0)
/* Every fixed-point value below is within 2^31 units of 2^-128 of the real
 * number it stands for; a comparison closer than BAND to its threshold is
 * undecided and fails the sample (docs/privacy.md, "Error bounds"). */
#define BAND ((u128)1 << 32)
#define TAYLOR_TERMS 12
/* q^(2^bits) <= e^-64: the geometric's top bit and the noise bound. */
#define GEOM_TAIL 64

#ifdef C2D_DP_COUNT_LOOPS
uint64_t c2d_dp_loops;
#define LOOP() (c2d_dp_loops++)
#else
#define LOOP() ((void)0)
#endif

static int rng_system_fill(void *ctx, uint8_t *buf, size_t len, struct c2d_err *err)
{
	(void)ctx;
	return c2d_random(buf, len, err);
}

void c2d_dp_rng_system(struct c2d_rng *rng)
{
	rng->fill = rng_system_fill;
	rng->ctx = NULL;
}

/* --- constant-time 128-bit arithmetic ------------------------------------ */
/* Secret values never meet a branch, a memory index or a division: only
 * multiplications (constant time on x86-64), additions, shifts by public
 * amounts and masks (the carry formulas of Hacker's Delight, 2-13). */

static u128 mul64(uint64_t a, uint64_t b)
{
	return (u128)a * b;
}

/* a·b = *hi·2^128 + *lo. */
static void mul256(u128 a, u128 b, u128 *hi, u128 *lo)
{
	u128 p00 = mul64((uint64_t)a, (uint64_t)b), p01 = mul64((uint64_t)a, (uint64_t)(b >> 64));
	u128 p10 = mul64((uint64_t)(a >> 64), (uint64_t)b);
	u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
	*lo = mid << 64 | (uint64_t)p00;
	*hi = mul64((uint64_t)(a >> 64), (uint64_t)(b >> 64)) + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
}

/* Fixed point: x stands for x/2^128. floor(a·b/2^128). */
static u128 fmul(u128 a, u128 b)
{
	u128 hi, lo;
	mul256(a, b, &hi, &lo);
	return hi;
}

/* 1 if a < b, else 0. */
static u128 lt(u128 a, u128 b)
{
	return ((~a & b) | ((~a | b) & (a - b))) >> 127;
}

/* bit 1: x; bit 0: y. */
static u128 sel(u128 bit, u128 x, u128 y)
{
	return y ^ ((0 - bit) & (x ^ y));
}

/* Whether U < v, for the uniform real U in [r, r + 1)/2^128 and a threshold
 * known as v to within BAND/2: 1 or 0, and *fail set when undecided. */
static u128 below(u128 r, u128 v, u128 *fail)
{
	u128 lo = (v - BAND) & (lt(v, BAND) - 1), hi = v + BAND;
	hi |= 0 - lt(hi, v);
	u128 yes = lt(r, lo), no = 1 ^ lt(r, hi);
	*fail |= 1 ^ (yes | no);
	return yes;
}

static u128 load128(const uint8_t *p)
{
	u128 v = 0;
	for (int i = 15; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* --- e^-x ---------------------------------------------------------------- */

/* e^-g for g <= 2^-8 (0.128 fixed point): the Taylor series to
 * TAYLOR_TERMS terms in Horner's form, 1/0! - g(1/1! - g(1/2! - ...)). */
static u128 exp_small(const struct c2d_dp_exp *c, u128 g)
{
	u128 s = c->ifact[TAYLOR_TERMS];
	for (int k = TAYLOR_TERMS - 1; k >= 0; k--) {
		LOOP();
		s = c->ifact[k] - fmul(g, s);
	}
	return s;
}

/* The constants: 1/k!, and e^-(2^(i-8)) for i = 0..14 by squaring. */
static void exp_init(struct c2d_dp_exp *c)
{
	uint64_t f = 1;
	for (unsigned k = 0; k <= TAYLOR_TERMS; k++) {
		f *= k > 0 ? k : 1;
		c->ifact[k] = ALL / f;
	}
	c->e[0] = exp_small(c, (u128)1 << 120);
	for (int i = 1; i < 15; i++)
		c->e[i] = fmul(c->e[i - 1], c->e[i - 1]);
}

/* e^-x for x in 7.121 fixed point (x/2^121 < 128): bit 113 + i of x
 * selects the factor e^-(2^(i-8)), the 113 bits below go to exp_small. */
static u128 exp_neg(const struct c2d_dp_exp *c, u128 x)
{
	u128 r = exp_small(c, (x & (((u128)1 << 113) - 1)) << 7);
	for (int i = 0; i < 15; i++) {
		LOOP();
		r = sel(x >> (113 + i) & 1, fmul(r, c->e[i]), r);
	}
	return r;
}

/* floor(num·2^k/den), den <= 2^126, when it fits: public values only. */
static u128 div_shift(u128 num, unsigned k, u128 den)
{
	u128 q = num / den, rem = num % den;
	while (k-- > 0) {
		rem <<= 1;
		q = q << 1 | (rem >= den);
		rem -= rem >= den ? den : 0;
	}
	return q;
}

/* --- the geometric ------------------------------------------------------- */

/* The geometric of ratio q = e^-(d/n): q^(2^j) for j < bits, the smallest
 * bits with q^(2^bits) <= e^-GEOM_TAIL, and top = q^(2^bits).
 * d/n >= 2^-56 (then bits <= 62). */
static void geom_init(struct c2d_dp_geom *g, uint64_t n, uint64_t d)
{
	struct c2d_dp_exp c;
	exp_init(&c);
	unsigned bits = 0;
	while (((u128)d << bits) < (u128)GEOM_TAIL * n)
		bits++;
	g->bits = bits;
	for (unsigned j = 0; j <= bits; j++) {
		u128 num = (u128)d << j;
		/* x >= 128: e^-x < 2^-184, 0 to the last unit. */
		u128 v = num >= (u128)128 * n ? 0 : exp_neg(&c, div_shift(num, 121, n));
		*(j < bits ? &g->q[j] : &g->top) = v;
	}
}

/* G with P(G >= k) = q^k, by inversion of the uniform U that r begins: G is
 * the largest k with U < q^k, found bit by bit from the top; the last test
 * fails the sample when G >= 2^bits. */
static uint64_t geometric(const struct c2d_dp_geom *g, u128 r, u128 *fail)
{
	u128 acc = ALL;
	uint64_t k = 0;
	for (unsigned j = g->bits; j-- > 0;) {
		LOOP();
		u128 cand = fmul(acc, g->q[j]), take = below(r, cand, fail);
		acc = sel(take, cand, acc);
		k |= (uint64_t)take << j;
	}
	*fail |= below(r, g->top, fail);
	return k;
}

static int sample_failed(struct c2d_err *err, const char *what)
{
	return c2d_fail(err, C2D_E_INTERNAL,
			"dp: %s: sample undecided within its fixed work (probability below 2^-64; broken random source?)",
			what);
}

/* --- discrete Laplace ------------------------------------------------------ */

static uint64_t gcd64(uint64_t a, uint64_t b)
{
	while (b != 0) {
		uint64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

c2d_status c2d_dp_laplace_init(struct c2d_dp_laplace *s, uint64_t t_num, uint64_t t_den,
			       struct c2d_err *err)
{
	if (t_num == 0 || t_den == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: discrete Laplace: scale %llu/%llu is not positive",
				(unsigned long long)t_num, (unsigned long long)t_den);
	uint64_t g = gcd64(t_num, t_den);
	if (t_num / g > C2D_DP_LAPLACE_MAX_NUM)
		return c2d_fail(err, C2D_E_USAGE, "dp: discrete Laplace: scale numerator %llu above 2^56",
				(unsigned long long)(t_num / g));
	geom_init(&s->geom, t_num / g, t_den / g);
	return C2D_OK;
}

/* Y = G1 - G2 for two independent geometrics of ratio q = e^-1/t:
 * P(Y = y) = (1 - q)/(1 + q)·q^|y|. */
c2d_status c2d_dp_laplace_draw(const struct c2d_dp_laplace *s, const struct c2d_rng *rng,
			       int64_t *out, struct c2d_err *err)
{
	uint8_t buf[C2D_DP_LAPLACE_BYTES];
	int rc = rng->fill(rng->ctx, buf, sizeof(buf), err);
	if (rc < 0)
		return rc;
	u128 fail = 0;
	uint64_t g1 = geometric(&s->geom, load128(buf), &fail);
	uint64_t g2 = geometric(&s->geom, load128(buf + 16), &fail);
	explicit_bzero(buf, sizeof(buf));
	if (fail)
		return sample_failed(err, "discrete Laplace");
	*out = (int64_t)(g1 - g2);
	return C2D_OK;
}

/* --- discrete Gaussian ----------------------------------------------------- */

/* floor(sqrt(n/d)): the largest r < 2^64 with r²·d <= n, by bisection. */
static uint64_t isqrt_frac(u128 n, uint64_t d)
{
	uint64_t lo = 0, hi = UINT64_MAX;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if ((u128)mid * mid <= n / d)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

c2d_status c2d_dp_gaussian_init(struct c2d_dp_gaussian *s, uint64_t sigma2_num, uint64_t sigma2_den,
				struct c2d_err *err)
{
	uint64_t a = sigma2_num, b = sigma2_den;
	if (a == 0 || b == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: discrete Gaussian: variance %llu/%llu is not positive",
				(unsigned long long)a, (unsigned long long)b);
	uint64_t g = gcd64(a, b);
	a /= g;
	b /= g;
	if (a > C2D_DP_GAUSS_MAX || b > C2D_DP_GAUSS_MAX)
		return c2d_fail(err, C2D_E_USAGE,
				"dp: discrete Gaussian: variance %llu/%llu has a term above 2^58",
				(unsigned long long)a, (unsigned long long)b);
	/* t = floor(σ) + 1 <= 2^29 + 1; D = 2ab·t² <= 2^120 (docs/privacy.md). */
	uint64_t t = isqrt_frac(a, b) + 1;
	u128 dd = (u128)2 * a * b * t * t;
	unsigned e = 0;
	while (dd >> (e + 1) != 0)
		e++;
	geom_init(&s->geom, t, 1);
	exp_init(&s->exp);
	s->a = a;
	s->bt = (u128)b * t;
	/* 1/D as recip/2^(128+e), recip in [2^127 - 1, 2^128). */
	s->recip = dd == (u128)1 << e ? ALL : div_shift(1, 128 + e, dd);
	s->shift = 7 + e;
	/* w <= wmax iff w² < 128·D, i.e. γ < 128. */
	s->wmax = isqrt_frac((u128)128 * dd - 1, 1);
	return C2D_OK;
}

/* One round of Algorithm 3 of Canonne, Kamath and Steinke: Y from the
 * discrete Laplace of scale t, kept with probability e^-γ,
 * γ = (|Y| - σ²/t)²/(2σ²) = (|Y|·b·t - a)²/D: γ in 7.121 fixed point from
 * w = ||Y|·b·t - a| by the reciprocal of D, 128 when w > wmax. The first
 * kept round is the sample. */
c2d_status c2d_dp_gaussian_draw(const struct c2d_dp_gaussian *s, const struct c2d_rng *rng,
				int64_t *out, struct c2d_err *err)
{
	uint8_t buf[C2D_DP_GAUSS_BYTES];
	int rc = rng->fill(rng->ctx, buf, sizeof(buf), err);
	if (rc < 0)
		return rc;
	u128 fail = 0, done = 0, y_out = 0;
	for (int i = 0; i < C2D_DP_GAUSS_ROUNDS; i++) {
		LOOP();
		const uint8_t *p = buf + 48 * i;
		uint64_t y = geometric(&s->geom, load128(p), &fail) -
			     geometric(&s->geom, load128(p + 16), &fail);
		uint64_t neg = 0 - (y >> 63);
		u128 ybt = ((y ^ neg) - neg) * s->bt, under = lt(ybt, s->a);
		u128 w = sel(under, s->a - ybt, ybt - s->a), hi, lo;
		mul256(w * w, s->recip, &hi, &lo);
		u128 gamma = sel(lt(s->wmax, w), ALL, hi << (128 - s->shift) | lo >> s->shift);
		u128 keep = below(load128(p + 32), exp_neg(&s->exp, gamma), &fail) & ~done;
		y_out = sel(keep, y, y_out);
		done |= keep;
	}
	explicit_bzero(buf, sizeof(buf));
	if (fail | (done ^ 1))
		return sample_failed(err, "discrete Gaussian");
	*out = (int64_t)(uint64_t)y_out;
	return C2D_OK;
}

/* --- the accountant ------------------------------------------------------- */

void c2d_dp_accountant_init(struct c2d_dp_accountant *a, uint64_t budget_ueps)
{
	c2d_dp_accountant_init_zcdp(a, budget_ueps, 0);
}

void c2d_dp_accountant_init_zcdp(struct c2d_dp_accountant *a, uint64_t budget_ueps,
				 uint64_t budget_urho)
{
	*a = (struct c2d_dp_accountant){ .budget_ueps = budget_ueps, .budget_urho = budget_urho };
}

static int charge_check(uint64_t budget, uint64_t spent, uint64_t amount, const char *unit,
			struct c2d_err *err)
{
	if (amount == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: a release must spend a positive %s", unit);
	if (spent > budget || amount > budget - spent)
		return c2d_fail(err, C2D_E_REFUSED,
				"dp: budget exceeded: %llu %s asked, %llu of %llu already spent",
				(unsigned long long)amount, unit, (unsigned long long)spent,
				(unsigned long long)budget);
	return C2D_OK;
}

c2d_status c2d_dp_charge_eps(struct c2d_dp_accountant *a, uint64_t eps_ueps, struct c2d_err *err)
{
	int rc = charge_check(a->budget_ueps, a->spent_ueps, eps_ueps, "micro-epsilon", err);
	if (rc < 0)
		return rc;
	a->spent_ueps += eps_ueps;
	return C2D_OK;
}

c2d_status c2d_dp_charge_rho(struct c2d_dp_accountant *a, uint64_t rho_urho, struct c2d_err *err)
{
	int rc = charge_check(a->budget_urho, a->spent_urho, rho_urho, "micro-rho", err);
	if (rc < 0)
		return rc;
	a->spent_urho += rho_urho;
	return C2D_OK;
}

/* --- vectors ---------------------------------------------------------------- */

/* Every |value| leaves room for the largest noise the sampler can return
 * (max_noise < 2^63), so that value + noise cannot overflow. */
static int check_room(const int64_t *values, size_t n, uint64_t max_noise, const char *what,
		      struct c2d_err *err)
{
	uint64_t room = (uint64_t)INT64_MAX - max_noise;
	for (size_t i = 0; i < n; i++) {
		uint64_t mag = values[i] < 0 ? -(uint64_t)values[i] : (uint64_t)values[i];
		if (mag > room)
			return c2d_fail(err, C2D_E_USAGE,
					"dp: %s: value %zu (%lld) too close to the int64 range for noise up to %llu",
					what, i, (long long)values[i], (unsigned long long)max_noise);
	}
	return C2D_OK;
}

enum mech { MECH_LAPLACE, MECH_GAUSSIAN };

/* A release's sampler, set up once from its public parameters. */
struct plan {
	enum mech m;
	union {
		struct c2d_dp_laplace l;
		struct c2d_dp_gaussian g;
	} s;
};

/* Noises values[0..n); the charge has been made. On failure the whole
 * vector is zeroed. */
static int noise_all(const struct c2d_rng *rng, const struct plan *pl, int64_t *values, size_t n,
		     struct c2d_err *err)
{
	for (size_t i = 0; i < n; i++) {
		int64_t z = 0;
		int rc = pl->m == MECH_LAPLACE ? c2d_dp_laplace_draw(&pl->s.l, rng, &z, err)
					       : c2d_dp_gaussian_draw(&pl->s.g, rng, &z, err);
		if (rc < 0) {
			memset(values, 0, n * sizeof(*values));
			c2d_err_prefix(err, "dp: noising value %zu of %zu", i, n);
			return rc;
		}
		values[i] += z;
	}
	return C2D_OK;
}

/* num·factor / den reduced into p/q, refused when p is above limit;
 * sens is the caller's sensitivity, for the message. */
static int ratio_micro(uint64_t num, uint64_t factor, uint64_t den, uint64_t limit, uint64_t sens,
		       uint64_t *p, uint64_t *q, const char *what, struct c2d_err *err)
{
	u128 n = (u128)num * factor;
	uint64_t g = gcd64((uint64_t)(n % den), den);   /* gcd(n, den) */
	n /= g;
	*q = den / g;
	if (n > limit)
		return c2d_fail(err, C2D_E_USAGE,
				"dp: %s: sensitivity %llu too large for this privacy parameter (numerator above 2^%d); coarsen the lattice",
				what, (unsigned long long)sens, limit == C2D_DP_LAPLACE_MAX_NUM ? 56 : 58);
	*p = (uint64_t)n;
	return C2D_OK;
}

/* The ledger entry of a release of this kind in *out: the existing one,
 * or a new one (times 0) when there is room. Refuses (C2D_E_USAGE) an
 * unfit label or a full ledger; the caller then charges nothing. */
static int ledger_slot(struct c2d_dp_accountant *a, const char *label, uint8_t mech,
		       uint64_t sens, uint64_t amount, size_t n, struct c2d_dp_release **out,
		       struct c2d_err *err)
{
	size_t len = label == NULL ? 0 : strlen(label);
	if (len == 0 || len >= C2D_DP_LABEL_MAX)
		return c2d_fail(err, C2D_E_USAGE, "dp: a release label must have 1 to %d bytes",
				C2D_DP_LABEL_MAX - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return c2d_fail(err, C2D_E_USAGE, "dp: a release label has a control character");
	for (size_t i = 0; i < a->nreleases; i++) {
		struct c2d_dp_release *e = &a->releases[i];
		if (strcmp(e->label, label) == 0 && e->mechanism == mech && e->sensitivity == sens &&
		    e->amount == amount && e->values == n) {
			*out = e;
			return C2D_OK;
		}
	}
	if (a->nreleases == C2D_DP_LEDGER_MAX)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: the ledger holds %d kinds of release at most",
				label, C2D_DP_LEDGER_MAX);
	struct c2d_dp_release *e = &a->releases[a->nreleases];
	memset(e, 0, sizeof(*e));
	memcpy(e->label, label, len);
	e->mechanism = mech;
	e->sensitivity = sens;
	e->amount = amount;
	e->values = n;
	*out = e;
	return C2D_OK;
}

/* Enters a charged release: a new kind takes its slot. */
static void ledger_enter(struct c2d_dp_accountant *a, struct c2d_dp_release *e)
{
	if (e->times++ == 0)
		a->nreleases++;
}

/* What both vector functions do once their sampler is set up, in this
 * order: room for the largest noise, 2^bits - 1 (docs/privacy.md, "Noise
 * bound"), in every value, the ledger's slot, the charge of amount (ε or
 * ρ by mechanism), the ledger entry, the noise. Anything refused before
 * the charge changes nothing. */
static int release(const struct c2d_rng *rng, struct c2d_dp_accountant *a, const char *label,
		   const struct plan *pl, uint64_t sensitivity, uint64_t amount, int64_t *values,
		   size_t n, struct c2d_err *err)
{
	struct c2d_dp_release *e = NULL;
	enum mech m = pl->m;
	unsigned bits = m == MECH_LAPLACE ? pl->s.l.geom.bits : pl->s.g.geom.bits;
	int rc;
	if ((rc = check_room(values, n, ((uint64_t)1 << bits) - 1, label != NULL ? label : "release",
			     err)) < 0 ||
	    (rc = ledger_slot(a, label, m == MECH_LAPLACE ? C2D_DP_LAPLACE : C2D_DP_GAUSSIAN,
			      sensitivity, amount, n, &e, err)) < 0)
		return rc;
	rc = m == MECH_LAPLACE ? c2d_dp_charge_eps(a, amount, err) : c2d_dp_charge_rho(a, amount, err);
	if (rc < 0)
		return rc;
	ledger_enter(a, e);
	return noise_all(rng, pl, values, n, err);
}

/* The Laplace vector's scale t/s = Δ₁·10^6 / eps_ueps, reduced. */
static int laplace_scale(const char *what, uint64_t l1_sensitivity, uint64_t eps_ueps, uint64_t *t,
			 uint64_t *s, struct c2d_err *err)
{
	if (l1_sensitivity == 0 || eps_ueps == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: sensitivity %llu and epsilon %llu must be positive",
				what, (unsigned long long)l1_sensitivity, (unsigned long long)eps_ueps);
	return ratio_micro(l1_sensitivity, 1000000, eps_ueps, C2D_DP_LAPLACE_MAX_NUM, l1_sensitivity,
			   t, s, what, err);
}

c2d_status c2d_dp_laplace_check(uint64_t l1_sensitivity, uint64_t eps_ueps, struct c2d_err *err)
{
	uint64_t t, s;
	return laplace_scale("Laplace vector", l1_sensitivity, eps_ueps, &t, &s, err);
}

c2d_status c2d_dp_laplace_vector(const struct c2d_rng *rng, struct c2d_dp_accountant *a,
				 const char *label, uint64_t l1_sensitivity, uint64_t eps_ueps,
				 int64_t *values, size_t n, struct c2d_err *err)
{
	const char *what = label != NULL ? label : "release";
	uint64_t t = 0, s = 1;
	struct plan pl = { .m = MECH_LAPLACE };
	int rc;
	if ((rc = laplace_scale(what, l1_sensitivity, eps_ueps, &t, &s, err)) < 0 ||
	    (rc = c2d_dp_laplace_init(&pl.s.l, t, s, err)) < 0)
		return rc;
	return release(rng, a, label, &pl, l1_sensitivity, eps_ueps, values, n, err);
}

/* The Gaussian vector's variance sa/sb = Δ₂²·10^6 / (2·rho_urho), reduced. */
static int gaussian_variance(const char *what, uint64_t l2_sensitivity, uint64_t rho_urho,
			     uint64_t *sa, uint64_t *sb, struct c2d_err *err)
{
	if (l2_sensitivity == 0 || rho_urho == 0)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: sensitivity %llu and rho %llu must be positive",
				what, (unsigned long long)l2_sensitivity, (unsigned long long)rho_urho);
	if (l2_sensitivity > UINT32_MAX || rho_urho > UINT64_MAX / 2)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: sensitivity %llu or rho %llu out of range",
				what, (unsigned long long)l2_sensitivity, (unsigned long long)rho_urho);
	/* σ² = Δ²·10^6 / (2ρ); Δ² < 2^64. */
	int rc = ratio_micro(l2_sensitivity * l2_sensitivity, 1000000, 2 * rho_urho, C2D_DP_GAUSS_MAX,
			     l2_sensitivity, sa, sb, what, err);
	if (rc < 0)
		return rc;
	if (*sb > C2D_DP_GAUSS_MAX)
		return c2d_fail(err, C2D_E_USAGE, "dp: %s: rho %llu gives a variance denominator above 2^58",
				what, (unsigned long long)rho_urho);
	return C2D_OK;
}

c2d_status c2d_dp_gaussian_check(uint64_t l2_sensitivity, uint64_t rho_urho, struct c2d_err *err)
{
	uint64_t sa, sb;
	return gaussian_variance("Gaussian vector", l2_sensitivity, rho_urho, &sa, &sb, err);
}

c2d_status c2d_dp_gaussian_vector(const struct c2d_rng *rng, struct c2d_dp_accountant *a,
				  const char *label, uint64_t l2_sensitivity, uint64_t rho_urho,
				  int64_t *values, size_t n, struct c2d_err *err)
{
	const char *what = label != NULL ? label : "release";
	uint64_t sa = 0, sb = 1;
	struct plan pl = { .m = MECH_GAUSSIAN };
	int rc;
	if ((rc = gaussian_variance(what, l2_sensitivity, rho_urho, &sa, &sb, err)) < 0 ||
	    (rc = c2d_dp_gaussian_init(&pl.s.g, sa, sb, err)) < 0)
		return rc;
	return release(rng, a, label, &pl, l2_sensitivity, rho_urho, values, n, err);
}
