/* Calendar arithmetic and RFC 3339 timestamps: see c2d/date.h. */
#include "c2d/date.h"

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
 * calendar, no tables, no floating point. */
int64_t c2d_date_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void c2d_date_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

unsigned c2d_date_days_in_month(int64_t y, unsigned m)
{
	static const unsigned char dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return dm[m - 1] + (m == 2 && leap);
}

c2d_status c2d_date_rfc3339_parse(const char *s, int64_t *t, struct c2d_err *err)
{
	static const char bad[] = "not a UTC time of the form YYYY-MM-DDTHH:MM:SSZ";
	/* Positions of the digits of each field in "YYYY-MM-DDTHH:MM:SSZ". */
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	static const unsigned char start[6] = { 0, 5, 8, 11, 14, 17 }, width[6] = { 4, 2, 2, 2, 2, 2 };
	unsigned v[6] = { 0 };
	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (s[i] == '\0')
			return c2d_fail(err, C2D_E_INPUT, "%s", bad);
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return c2d_fail(err, C2D_E_INPUT, "%s", bad);
	}
	if (s[sizeof(shape) - 1] != '\0')
		return c2d_fail(err, C2D_E_INPUT, "%s", bad);
	for (int f = 0; f < 6; f++)
		for (int i = 0; i < width[f]; i++)
			v[f] = v[f] * 10 + (unsigned)(s[start[f] + i] - '0');
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > c2d_date_days_in_month(v[0], v[1]) ||
	    v[3] > 23 || v[4] > 59 || v[5] > 59)
		return c2d_fail(err, C2D_E_INPUT, "%s", bad);
	*t = c2d_date_days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	return C2D_OK;
}

/* Writes v as exactly n decimal digits. */
static char *digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

void c2d_date_rfc3339_format(int64_t t, char out[C2D_RFC3339_LEN])
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400), y;
	unsigned sec = (unsigned)(t - days * 86400), m, d;
	c2d_date_civil_from_days(days, &y, &m, &d);
	out[0] = '\0';
	if (y < 0 || y > 9999)
		return;
	char *p = digits(out, (unsigned)y, 4);
	*p++ = '-';
	p = digits(p, m, 2);
	*p++ = '-';
	p = digits(p, d, 2);
	*p++ = 'T';
	p = digits(p, sec / 3600, 2);
	*p++ = ':';
	p = digits(p, sec / 60 % 60, 2);
	*p++ = ':';
	p = digits(p, sec % 60, 2);
	*p++ = 'Z';
	*p = '\0';
}
