/*
 * c2d/schema.h: the typed schema of a sealed table, and its binary form.
 *
 * A schema is a list of named, typed columns. It is public: it travels in
 * the sealed file's header (authenticated), so the CVM can read the rows
 * without parsing text and the analysis can check what it is given.
 *
 * Types:
 *   int64     signed 64-bit integer; optional inclusive bounds
 *   float64   IEEE 754 double, finite only; optional inclusive bounds
 *   bool      true / false
 *   category  one of a declared list of labels (at most 65535), coded as
 *             its index in that list; the labels are in the schema, so the
 *             data never adds vocabulary the owners did not declare
 *   date      a calendar date, days since 1970-01-01 (int32); optional bounds
 * Any column may be nullable (a missing value in the source).
 *
 * Binary form (little-endian), as it appears in the header:
 *   u16 ncols (1..C2D_SCHEMA_MAX_COLS)
 *   per column:
 *     u8 type, u8 flags (NULLABLE | HAS_MIN | HAS_MAX), u8 name_len, name
 *     [8 bytes min] [8 bytes max]   (i64, or f64 bits for float64)
 *     category only: u16 ncats, then per label: u8 len, bytes
 * Names are 1..64 bytes of [A-Za-z0-9_.-]; labels 1..255 bytes with no
 * control characters; both unique within their list.
 *
 * Ownership: c2d_schema_decode() and the host's JSON reader allocate; the
 * caller releases with c2d_schema_free(). Not constant-time (public data).
 *
 * Prefix: c2d_schema_
 */
#ifndef C2D_SCHEMA_H
#define C2D_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/bytes.h"
#include "c2d/err.h"

#define C2D_SCHEMA_MAX_COLS 1024
#define C2D_SCHEMA_NAME_MAX 64
#define C2D_SCHEMA_MAX_CATS 65535

enum c2d_type {
	C2D_T_INT64 = 1,
	C2D_T_FLOAT64 = 2,
	C2D_T_BOOL = 3,
	C2D_T_CATEGORY = 4,
	C2D_T_DATE = 5,
};

#define C2D_COL_NULLABLE 0x01
#define C2D_COL_HAS_MIN 0x02
#define C2D_COL_HAS_MAX 0x04

union c2d_bound {
	int64_t i;   /* int64, date */
	double f;    /* float64 */
};

struct c2d_column {
	char name[C2D_SCHEMA_NAME_MAX + 1];
	uint8_t type;
	uint8_t flags;
	union c2d_bound min, max;
	uint32_t ncats;
	char **cats;        /* ncats NUL-terminated labels */
};

struct c2d_schema {
	uint32_t ncols;
	struct c2d_column *cols;
};

/* Checks every rule above; names the column on failure (C2D_E_INPUT). */
C2D_MUST_CHECK c2d_status c2d_schema_check(const struct c2d_schema *s, struct c2d_err *err);

/* Size of the binary form, and writing it (out has that many bytes). */
size_t c2d_schema_encoded_len(const struct c2d_schema *s);
void c2d_schema_encode(const struct c2d_schema *s, uint8_t *out);

/* Parses and checks a binary schema from r. On failure s is left empty. */
C2D_MUST_CHECK c2d_status c2d_schema_decode(struct c2d_reader *r, struct c2d_schema *s,
					    struct c2d_err *err);

/* Releases what the schema owns; s may be zeroed or partially filled. */
void c2d_schema_free(struct c2d_schema *s);

/* Where a value stands against column c's bounds: -1 below min, 1 above
 * max, 0 within (or no bounds). iv is used for int64 and date columns, fv
 * for float64; the other is ignored. */
int c2d_schema_bound_check(const struct c2d_column *c, int64_t iv, double fv);

/* "int64", "float64", ...; NULL for an unknown type. */
const char *c2d_schema_type_name(uint8_t type);

/* The type with that name, or 0. */
uint8_t c2d_schema_type_from_name(const char *name);

/* Bytes per value in a row group (bool: 0, it is a bitmap). */
size_t c2d_schema_type_width(uint8_t type);

#endif
