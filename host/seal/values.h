/*
 * host/seal/values.h: the text forms of typed values, as the sealer reads them
 * from CSV and schema files and test tools print them back.
 *
 * Parsers take a byte slice (not NUL-terminated), accept exactly one form
 * each, and fail with C2D_E_INPUT saying what was expected; the caller,
 * which knows the file and place, usually replaces the message with one
 * that names them and what was found. All of them are locale-independent.
 *   int64    [+-]?[0-9]+ within range
 *   float64  decimal or scientific notation ([+-]?digits[.digits][e[+-]digits]),
 *            finite; no hex floats, inf or nan
 *   bool     true/false, TRUE/FALSE, True/False, 1/0
 *   date     YYYY-MM-DD, a real calendar date, years 0001-9999
 *
 * Prefix: c2d_values_
 */
#ifndef C2D_HOST_VALUES_H
#define C2D_HOST_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/date.h"  /* c2d_date_days_from_civil and back */
#include "c2d/err.h"

C2D_MUST_CHECK c2d_status c2d_values_parse_int64(const char *s, size_t len, int64_t *out,
					  struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_values_parse_float64(const char *s, size_t len, double *out,
					    struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_values_parse_bool(const char *s, size_t len, int *out, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_values_parse_date(const char *s, size_t len, int32_t *days,
					 struct c2d_err *err);


/* Writes YYYY-MM-DD (11 bytes with the NUL). */
void c2d_values_format_date(int32_t days, char out[16]);

/* Writes a double in the shortest "%g" form that c2d_values_parse_float64 reads
 * back to exactly the same value (the canonical text of a float64). */
void c2d_values_format_float64(double v, char out[32]);

#endif
