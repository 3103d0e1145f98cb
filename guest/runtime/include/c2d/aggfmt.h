/*
 * c2d/aggfmt.h: the typed aggregate an analysis child hands back to init,
 * and the output schema it is checked against.
 *
 * The analysis computes exact aggregates on an integer lattice (counts, and
 * sums of clamped values in fixed point); init checks them here and only
 * then adds noise (c2d/dp.h). Wire format, little-endian, written by the
 * child to its output pipe:
 *   "C2DA" u16 version (1) u16 n_outputs
 *   per output: u8 name_len, name ([a-z0-9_], 1..64 bytes),
 *               u8 kind (1 = count, u64 values; 2 = sum, i64 values),
 *               u8 scale (sums: value = v / 2^scale, at most 32; counts: 0),
 *               u8 ndims (1..4), u32 dims[ndims] (each >= 1),
 *               then prod(dims) values of 8 bytes, row-major (last dim
 *               fastest)
 * Nothing may follow the last output.
 *
 * The output schema is compiled into the image (one per analysis, part of
 * the compose-hash) and shared by the analysis and init, so that both use
 * one definition. Each output declares its per-row contribution bound: the
 * largest L1 norm, in lattice units, by which adding or removing one input
 * row can change the output's vector (its L1 sensitivity). It is derived
 * from the analysis's clamping bounds and its contribution rule ("each row
 * adds to one cell"), and it is what init hands the noise mechanism. The
 * share of ε each output gets is not here but in the image's privacy
 * recipe (c2d/analysisconf.h), next to the total it must add up to.
 *
 * c2d_agg_decode() checks the format alone (any n_outputs, names, shapes);
 * c2d_agg_check() then refuses anything that is not exactly the schema's
 * outputs in the schema's order, kinds, scales and shapes, with values the
 * input could have produced: counts >= 0 and the L1 norm of every output at
 * most n_rows x bound (which bounds every cell as well).
 *
 * The aggregate is the child's, and the number of rows is the data's: a
 * refusal's message is one fixed message of c2d/failure.h, never a name,
 * value, index or count from either (docs/boot.md, "What leaves the CVM").
 *
 * Ownership: c2d_agg_decode() allocates; c2d_agg_free() releases (and
 * wipes: exact aggregates are not for release). The encoder writes into the
 * caller's buffer. Errors: C2D_FAILURE_AGG_FORMAT (C2D_E_INPUT) for a
 * malformed aggregate; C2D_FAILURE_AGG_SCHEMA (C2D_E_REFUSED) for one that
 * is not its schema's outputs, kinds, scales and shapes;
 * C2D_FAILURE_AGG_BOUND (C2D_E_REFUSED) for values beyond the bound;
 * C2D_FAILURE_NOMEM. c2d_agg_schema_check()'s messages name the compiled
 * schema's own fields: nothing in it is the child's.
 * Not constant-time: the shape is public, and the values are compared
 * against public bounds only.
 *
 * Prefix: c2d_agg_
 */
#ifndef C2D_AGGFMT_H
#define C2D_AGGFMT_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_AGG_MAGIC "C2DA"
#define C2D_AGG_VERSION 1
#define C2D_AGG_HEADER_LEN 8
#define C2D_AGG_NAME_MAX 64
#define C2D_AGG_MAX_DIMS 4
#define C2D_AGG_MAX_SCALE 32

/* Wire length of one output: name_len byte, name, kind, scale, ndims,
 * dims, values. */
#define C2D_AGG_OUTPUT_LEN(name_len, ndims, cells) \
	(1 + (name_len) + 3 + 4 * (ndims) + 8 * (cells))

enum c2d_agg_kind {
	C2D_AGG_COUNT = 1,
	C2D_AGG_SUM = 2,
};

/* One declared output. */
struct c2d_outspec {
	const char *name;
	uint8_t kind;             /* enum c2d_agg_kind */
	uint8_t scale;            /* fractional bits of a sum; 0 for counts */
	uint8_t ndims;
	uint32_t dims[C2D_AGG_MAX_DIMS];
	uint64_t l1_bound;        /* per-row L1 contribution, lattice units */
};

struct c2d_outschema {
	const char *analysis;     /* for messages, e.g. "cohort-stats" */
	size_t noutputs;
	const struct c2d_outspec *outputs;
	size_t max_bytes;         /* the wire length: what init reads at most */
};

/* A decoded output. Counts are held as int64 too (the decoder refuses a
 * count above INT64_MAX), so that the noise works on one type. */
struct c2d_agg_output {
	char name[C2D_AGG_NAME_MAX + 1];
	uint8_t kind, scale, ndims;
	uint32_t dims[C2D_AGG_MAX_DIMS];
	size_t ncells;
	int64_t *values;
};

struct c2d_agg {
	size_t noutputs;
	struct c2d_agg_output *outputs;
};

/* Cells of a spec (the product of its dims); 0 if it overflows. */
size_t c2d_agg_spec_cells(const struct c2d_outspec *o);

/* Exact wire length of an aggregate of schema s; 0 if s is malformed. */
size_t c2d_agg_schema_wire_len(const struct c2d_outschema *s);

/* Checks the schema itself: names, kinds, scales, dims, bounds, and
 * max_bytes equal to the wire length (C2D_E_INTERNAL: a schema is compiled
 * in, so a bad one is a bug). */
C2D_MUST_CHECK c2d_status c2d_agg_schema_check(const struct c2d_outschema *s, struct c2d_err *err);

/* Encodes values[i] (c2d_agg_spec_cells(&s->outputs[i]) each; counts must be
 * >= 0) in schema s's shape into out, which has s->max_bytes bytes.
 * Returns the bytes written (s->max_bytes). */
size_t c2d_agg_encode(const struct c2d_outschema *s, const int64_t *const values[],
		      uint8_t *out);

/* Parses an aggregate (format only). On failure a is left empty. */
C2D_MUST_CHECK c2d_status c2d_agg_decode(const uint8_t *buf, size_t len, struct c2d_agg *a,
					 struct c2d_err *err);

/* Refuses an aggregate that is not schema s's, or that n_rows input rows
 * could not have produced. */
C2D_MUST_CHECK c2d_status c2d_agg_check(const struct c2d_outschema *s, const struct c2d_agg *a,
					uint64_t n_rows, struct c2d_err *err);

/* Wipes and frees; a may be zeroed or already freed. */
void c2d_agg_free(struct c2d_agg *a);

#endif
