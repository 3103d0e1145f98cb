/*
 * c2d/date.h: calendar arithmetic and the one timestamp form of Intel's
 * attestation collateral.
 *
 * Dates are proleptic Gregorian; times are Unix seconds (int64, UTC, no
 * leap seconds, as POSIX counts them). c2d_date_rfc3339_parse accepts exactly
 * "YYYY-MM-DDTHH:MM:SSZ": the subset of RFC 3339 section 5.6 that Intel's
 * PCS writes in issueDate, nextUpdate and tcbDate. Lowercase 't'/'z',
 * fractional seconds, numeric offsets and second 60 are refused: a
 * verifier compares these times, so it accepts one spelling of each.
 * Hand-written: libc's strptime is locale- and platform-dependent and
 * timegm is not in C17. No state, not constant-time (dates are public).
 *
 * Prefix: c2d_date_
 */
#ifndef C2D_DATE_H
#define C2D_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t c2d_date_days_from_civil(int64_t y, unsigned m, unsigned d);
void c2d_date_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Days in month m (1-12) of year y. */
unsigned c2d_date_days_in_month(int64_t y, unsigned m);

/* Parses a NUL-terminated "YYYY-MM-DDTHH:MM:SSZ" (years 0000-9999) into
 * Unix seconds. C2D_E_INPUT (and *t left alone) for anything else; the
 * message does not quote s, the caller names the field. */
C2D_MUST_CHECK c2d_status c2d_date_rfc3339_parse(const char *s, int64_t *t, struct c2d_err *err);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" and a NUL. For a t whose year is
 * outside 0000-9999 (never one that c2d_date_rfc3339_parse returned, nor the
 * clock's), out is "": a formatter for messages and reports, whose times
 * were parsed or read from the clock, so it does not fail. */
#define C2D_RFC3339_LEN 21
void c2d_date_rfc3339_format(int64_t t, char out[C2D_RFC3339_LEN]);

#endif
