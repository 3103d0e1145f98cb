/* Typed value text forms: see values.h. */
#include "values.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

c2d_status c2d_values_parse_int64(const char *s, size_t len, int64_t *out, struct c2d_err *err)
{
	size_t i = 0;
	int neg = 0;
	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len || len - i > 19)
		return c2d_fail(err, C2D_E_INPUT, "expected an int64");
	uint64_t v = 0;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return c2d_fail(err, C2D_E_INPUT, "expected an int64");
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* At most 19 digits: v < 10^19 < 2^64, so no overflow above. */
	if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
		return c2d_fail(err, C2D_E_INPUT, "expected an int64");
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return C2D_OK;
}

/* Exact powers of ten: every 10^k for k <= 22 is a double without rounding. */
static const double pow10_exact[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

c2d_status c2d_values_parse_float64(const char *s, size_t len, double *out, struct c2d_err *err)
{
	char buf[64];
	size_t i = 0, digits = 0, frac = 0;
	int neg = 0, exp_neg = 0;
	uint64_t mant = 0;
	long ex = 0;
	if (len == 0 || len >= sizeof(buf))
		return c2d_fail(err, C2D_E_INPUT, "expected a finite float64");
	/* Validate the shape first: strtod would also take "inf", "nan",
	 * hex floats and leading spaces. Collect the digits on the way. */
	if (s[i] == '+' || s[i] == '-')
		neg = s[i++] == '-';
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		if (digits < 19)
			mant = mant * 10 + (uint64_t)(s[i] - '0');
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++, frac++)
			if (digits < 19)
				mant = mant * 10 + (uint64_t)(s[i] - '0');
	}
	if (digits == 0)
		return c2d_fail(err, C2D_E_INPUT, "expected a finite float64");
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			exp_neg = s[i++] == '-';
		size_t ed = 0;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, ed++)
			if (ex < 100000)
				ex = ex * 10 + (s[i] - '0');
		if (ed == 0)
			return c2d_fail(err, C2D_E_INPUT, "expected a finite float64");
	}
	if (i != len)
		return c2d_fail(err, C2D_E_INPUT, "expected a finite float64");
	/* Clinger's fast path: a mantissa below 2^53 and a power of ten up to
	 * 10^22 are both exact doubles, so one IEEE multiplication or division
	 * rounds correctly, as strtod would. Everything else goes to strtod. */
	long e10 = (exp_neg ? -ex : ex) - (long)frac;
	if (digits <= 19 && mant < (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
		double v = (double)mant;
		v = e10 < 0 ? v / pow10_exact[-e10] : v * pow10_exact[e10];
		*out = neg ? -v : v;
		return C2D_OK;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	double v = strtod(buf, NULL);
	if (!isfinite(v))
		return c2d_fail(err, C2D_E_INPUT, "expected a finite float64");
	*out = v;
	return C2D_OK;
}

c2d_status c2d_values_parse_bool(const char *s, size_t len, int *out, struct c2d_err *err)
{
	static const struct { const char *text; size_t len; int value; } forms[] = {
		{ "true", 4, 1 }, { "false", 5, 0 }, { "1", 1, 1 }, { "0", 1, 0 },
		{ "TRUE", 4, 1 }, { "FALSE", 5, 0 }, { "True", 4, 1 }, { "False", 5, 0 },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		if (forms[i].len == len && memcmp(s, forms[i].text, len) == 0) {
			*out = forms[i].value;
			return C2D_OK;
		}
	}
	return c2d_fail(err, C2D_E_INPUT, "expected true or false");
}

c2d_status c2d_values_parse_date(const char *s, size_t len, int32_t *days, struct c2d_err *err)
{
	if (len != 10 || s[4] != '-' || s[7] != '-')
		return c2d_fail(err, C2D_E_INPUT, "expected a date YYYY-MM-DD");
	unsigned v[3] = { 0, 0, 0 };
	static const int start[3] = { 0, 5, 8 }, width[3] = { 4, 2, 2 };
	for (int f = 0; f < 3; f++)
		for (int i = 0; i < width[f]; i++) {
			char c = s[start[f] + i];
			if (c < '0' || c > '9')
				return c2d_fail(err, C2D_E_INPUT, "expected a date YYYY-MM-DD");
			v[f] = v[f] * 10 + (unsigned)(c - '0');
		}
	if (v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > c2d_date_days_in_month(v[0], v[1]))
		return c2d_fail(err, C2D_E_INPUT, "expected a date YYYY-MM-DD");
	*days = (int32_t)c2d_date_days_from_civil(v[0], v[1], v[2]);
	return C2D_OK;
}

void c2d_values_format_date(int32_t days, char out[16])
{
	int64_t y;
	unsigned m, d;
	c2d_date_civil_from_days(days, &y, &m, &d);
	snprintf(out, 16, "%04lld-%02u-%02u", (long long)y, m, d);
}

void c2d_values_format_float64(double v, char out[32])
{
	/* The shortest "%.*g" that reads back to the same double: 61.3, not
	 * 61.299999999999997. At most 17 digits always suffice. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}
