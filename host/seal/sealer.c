/* Sealing at the source: see sealer.h. */
#include "sealer.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "c2d/keywrap.h"
#include "c2d/random.h"
#include "c2d/rowgroup.h"
#include "c2d/stream.h"
#include "csv.h"
#include "fsutil.h"
#include "progress.h"
#include "values.h"

/* A category label, for binary search by (bytes, length). */
struct label {
	const char *s;
	size_t len;
	uint16_t index;
};

struct sealer {
	const struct c2d_seal_params *p;
	const struct c2d_schema *s;
	struct c2d_csv csv;
	uint32_t *map;                /* CSV field -> schema column */
	struct label **labels;        /* per column, sorted (category only) */
	struct c2d_rg_builder rg;
	uint8_t *group;               /* one flushed row group */
	c2d_group_fn sink;            /* where flushed groups go */
	void *sink_arg;
	uint8_t *chunk;               /* chunk_size plaintext + tag */
	size_t fill;
	uint32_t chunk_size;
	struct c2d_stream st;
	struct c2d_tmp out;
	uint64_t rows, chunks, written;
};

static int cmp_label(const void *a, const void *b)
{
	const struct label *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->s, y->s, n);
	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static int build_labels(struct sealer *z, struct c2d_err *err)
{
	z->labels = calloc(z->s->ncols, sizeof(*z->labels));
	if (z->labels == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	for (uint32_t i = 0; i < z->s->ncols; i++) {
		const struct c2d_column *c = &z->s->cols[i];
		if (c->type != C2D_T_CATEGORY)
			continue;
		z->labels[i] = malloc(c->ncats * sizeof(struct label));
		if (z->labels[i] == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "out of memory");
		for (uint32_t k = 0; k < c->ncats; k++)
			z->labels[i][k] = (struct label){ c->cats[k], strlen(c->cats[k]), (uint16_t)k };
		qsort(z->labels[i], c->ncats, sizeof(struct label), cmp_label);
	}
	return C2D_OK;
}

/* A field quoted for an error message: printable ASCII only, cut at 40. */
static void show(const struct c2d_csv_field *f, char out[64])
{
	size_t n = 0;
	for (size_t i = 0; i < f->len && n < 40; i++)
		out[n++] = (f->p[i] >= 0x20 && f->p[i] < 0x7f) ? f->p[i] : '?';
	if (f->len > 40) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static int bad_value(struct sealer *z, const struct c2d_csv_field *f,
		     const struct c2d_column *c, const char *expected, struct c2d_err *err)
{
	char found[64];
	show(f, found);
	return c2d_fail(err, C2D_E_INPUT, "%s:%llu:%llu: column '%s': expected %s, found '%s'",
			z->csv.path, (unsigned long long)f->line, (unsigned long long)f->col,
			c->name, expected, found);
}

/* Fails when the value is outside the column's bounds, naming the bound. */
static int in_bounds(struct sealer *z, const struct c2d_csv_field *f,
		     const struct c2d_column *c, int64_t iv, double fv, struct c2d_err *err)
{
	int where = c2d_schema_bound_check(c, iv, fv);
	if (where == 0)
		return C2D_OK;
	int below = where < 0;
	char found[64], bound[32];
	show(f, found);
	if (c->type == C2D_T_FLOAT64)
		c2d_values_format_float64(below ? c->min.f : c->max.f, bound);
	else if (c->type == C2D_T_DATE)
		c2d_values_format_date((int32_t)(below ? c->min.i : c->max.i), bound);
	else
		snprintf(bound, sizeof(bound), "%lld", (long long)(below ? c->min.i : c->max.i));
	return c2d_fail(err, C2D_E_INPUT, "%s:%llu:%llu: column '%s': expected a value %s %s, found '%s'",
			z->csv.path, (unsigned long long)f->line, (unsigned long long)f->col,
			c->name, below ? "at least" : "at most", bound, found);
}

static int put_value(struct sealer *z, uint32_t col, const struct c2d_csv_field *f,
		     struct c2d_err *err)
{
	const struct c2d_column *c = &z->s->cols[col];
	if (f->len == 0) {
		if (!(c->flags & C2D_COL_NULLABLE))
			return bad_value(z, f, c, c->type == C2D_T_CATEGORY ? "a label" : c2d_schema_type_name(c->type), err);
		c2d_rg_set_null(&z->rg, col);
		return C2D_OK;
	}
	switch (c->type) {
	case C2D_T_INT64: {
		int64_t v;
		if (c2d_values_parse_int64(f->p, f->len, &v, err) < 0)
			return bad_value(z, f, c, "an int64", err);
		int r = in_bounds(z, f, c, v, 0, err);
		if (r < 0)
			return r;
		c2d_rg_set_i64(&z->rg, col, v);
		return C2D_OK;
	}
	case C2D_T_FLOAT64: {
		double v;
		if (c2d_values_parse_float64(f->p, f->len, &v, err) < 0)
			return bad_value(z, f, c, "a finite float64", err);
		int r = in_bounds(z, f, c, 0, v, err);
		if (r < 0)
			return r;
		c2d_rg_set_f64(&z->rg, col, v);
		return C2D_OK;
	}
	case C2D_T_BOOL: {
		int v;
		if (c2d_values_parse_bool(f->p, f->len, &v, err) < 0)
			return bad_value(z, f, c, "true or false", err);
		c2d_rg_set_bool(&z->rg, col, v);
		return C2D_OK;
	}
	case C2D_T_DATE: {
		int32_t v;
		if (c2d_values_parse_date(f->p, f->len, &v, err) < 0)
			return bad_value(z, f, c, "a date YYYY-MM-DD", err);
		int r = in_bounds(z, f, c, v, 0, err);
		if (r < 0)
			return r;
		c2d_rg_set_date(&z->rg, col, v);
		return C2D_OK;
	}
	case C2D_T_CATEGORY: {
		struct label key = { f->p, f->len, 0 };
		const struct label *l = bsearch(&key, z->labels[col], c->ncats, sizeof(struct label),
						cmp_label);
		if (l == NULL)
			return bad_value(z, f, c, "one of the schema's labels", err);
		c2d_rg_set_cat(&z->rg, col, l->index);
		return C2D_OK;
	}
	}
	return c2d_fail(err, C2D_E_INTERNAL, "column '%s': unknown type", c->name);
}

static int emit_chunk(struct sealer *z, int last, struct c2d_err *err)
{
	int r = c2d_stream_seal(&z->st, z->chunk, z->fill, last, z->chunk + z->fill, err);
	if (r < 0)
		return r;
	if ((r = c2d_fdio_write_all(z->out.fd, z->chunk, z->fill + C2D_SEAL_TAG_LEN, z->out.tmp, err)) < 0)
		return r;
	z->written += z->fill + C2D_SEAL_TAG_LEN;
	z->chunks++;
	z->fill = 0;
	return C2D_OK;
}

/* Appends plaintext; a full chunk is sealed only when more bytes follow,
 * since only then is it known not to be the last. */
static int append(struct sealer *z, const uint8_t *p, size_t n, struct c2d_err *err)
{
	while (n > 0) {
		if (z->fill == z->chunk_size) {
			int r = emit_chunk(z, 0, err);
			if (r < 0)
				return r;
		}
		size_t take = z->chunk_size - z->fill;
		if (take > n)
			take = n;
		memcpy(z->chunk + z->fill, p, take);
		z->fill += take;
		p += take;
		n -= take;
	}
	return C2D_OK;
}

static int append_group(void *arg, const uint8_t *group, size_t len, struct c2d_err *err)
{
	return append(arg, group, len, err);
}

static int flush_group(struct sealer *z, struct c2d_err *err)
{
	if (z->rg.n == 0)
		return C2D_OK;
	size_t len = c2d_rg_flush(&z->rg, z->group);
	return z->sink(z->sink_arg, z->group, len, err);
}

static int read_header_row(struct sealer *z, struct c2d_err *err)
{
	int r = c2d_csv_next(&z->csv, err);
	if (r < 0)
		return r;
	if (r == 0)
		return c2d_fail(err, C2D_E_INPUT, "%s:1: empty input: expected a header row naming the columns",
				z->csv.path);
	const struct c2d_schema *s = z->s;
	if (z->csv.nfields != s->ncols)
		return c2d_fail(err, C2D_E_INPUT, "%s:1: expected %u columns in the header row, found %zu",
				z->csv.path, s->ncols, z->csv.nfields);
	z->map = calloc(s->ncols, sizeof(*z->map));
	uint8_t *seen = calloc(s->ncols, 1);
	if (z->map == NULL || seen == NULL) {
		free(seen);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	r = C2D_OK;
	for (size_t i = 0; i < z->csv.nfields && r == C2D_OK; i++) {
		const struct c2d_csv_field *f = &z->csv.fields[i];
		uint32_t k;
		for (k = 0; k < s->ncols; k++)
			if (strlen(s->cols[k].name) == f->len && memcmp(s->cols[k].name, f->p, f->len) == 0)
				break;
		char name[64];
		show(f, name);
		if (k == s->ncols)
			r = c2d_fail(err, C2D_E_INPUT, "%s:1:%llu: expected a column of the schema, found '%s'",
				     z->csv.path, (unsigned long long)f->col, name);
		else if (seen[k])
			r = c2d_fail(err, C2D_E_INPUT, "%s:1:%llu: column '%s' appears twice",
				     z->csv.path, (unsigned long long)f->col, name);
		else {
			seen[k] = 1;
			z->map[i] = k;
		}
	}
	free(seen);
	return r;
}

/* Every data row of the input into row groups handed to z->sink, the last
 * (partial) one included; the end record is the caller's. */
static int pack(struct sealer *z, uint64_t in_size, struct c2d_err *err)
{
	int r;
	if ((r = read_header_row(z, err)) < 0)
		return r;
	struct c2d_progress prog;
	c2d_progress_start(&prog, "sealing", in_size, z->p->progress ? 4u << 20 : UINT64_MAX);
	while ((r = c2d_csv_next(&z->csv, err)) == 1) {
		if (z->csv.nfields != z->s->ncols) {
			r = c2d_fail(err, C2D_E_INPUT, "%s:%llu: expected %u fields, found %zu",
				     z->csv.path, (unsigned long long)z->csv.fields[0].line,
				     z->s->ncols, z->csv.nfields);
			break;
		}
		for (size_t i = 0; i < z->csv.nfields && r >= 0; i++)
			r = put_value(z, z->map[i], &z->csv.fields[i], err);
		if (r < 0)
			break;
		z->rows++;
		if (c2d_rg_end_row(&z->rg) && (r = flush_group(z, err)) < 0)
			break;
		if ((z->rows & 0xffff) == 0)
			c2d_progress_update(&prog, z->csv.consumed, z->rows);
	}
	if (r == 0)
		r = flush_group(z, err);
	c2d_progress_end(&prog, z->csv.consumed, z->rows);
	return r;
}

static int run(struct sealer *z, const secp256k1_context *ctx, struct c2d_seal_header *h,
	       struct c2d_seal_secrets *sec, uint64_t in_size, struct c2d_seal_result *res,
	       struct c2d_err *err)
{
	int r;
	struct c2d_wrap_binding bind = { &h->recipe, h->owner, h->dataset_id };
	if ((r = c2d_kw_wrap(ctx, &bind, sec->ephemeral_sk, sec->dataset_key, h->ephemeral_pubkey,
			     h->wrapped_key, err)) < 0)
		return r;
	uint8_t *hdr;
	size_t hlen;
	if ((r = c2d_sealhdr_encode(h, &hdr, &hlen, err)) < 0)
		return r;
	uint8_t digest[32];
	c2d_sealhdr_digest(hdr, hlen, digest);
	if (c2d_stream_init(&z->st, sec->dataset_key, h->nonce_prefix, digest, z->p->impl, err) < 0) {
		free(hdr);
		return c2d_fail(err, C2D_E_USAGE, "this CPU lacks the requested AES-GCM implementation");
	}
	if (c2d_fdio_write_all(z->out.fd, hdr, hlen, z->out.tmp, err) < 0) {
		free(hdr);
		return C2D_E_IO;
	}
	z->written = hlen;

	r = pack(z, in_size, err);
	if (r == C2D_OK) {
		uint8_t end[C2D_RG_END_LEN];
		c2d_rg_end_record(z->rows, end);
		if ((r = append(z, end, sizeof(end), err)) == C2D_OK)
			r = emit_chunk(z, 1, err);
	}
	if (r == C2D_OK) {
		c2d_sealhdr_set_counts(hdr, z->written, z->rows);
		if (pwrite(z->out.fd, hdr + 16, 16, 16) != 16)
			r = c2d_fail_errno(err, C2D_E_IO, "%s: write failed", z->out.tmp);
	}
	res->rows = z->rows;
	res->input_bytes = z->csv.consumed;
	res->total_len = z->written;
	res->header_len = (uint32_t)hlen;
	res->chunks = z->chunks;
	free(hdr);
	return r;
}

/* Opens p->in and everything the packer needs; close_input() undoes it,
 * whatever was reached. */
static int open_input(struct sealer *z, int *in_fd, uint64_t *in_size, struct c2d_err *err)
{
	const struct c2d_seal_params *p = z->p;
	*in_size = 0;
	if (strcmp(p->in, "-") == 0) {
		*in_fd = STDIN_FILENO;
	} else {
		struct stat st;
		int r = c2d_fs_open_input(p->in, 0, in_fd, &st, err);
		if (r < 0)
			return r;
		*in_size = (uint64_t)st.st_size;
	}
	int r;
	if ((r = c2d_csv_open(&z->csv, *in_fd, strcmp(p->in, "-") ? p->in : "<stdin>", p->tsv, err)) < 0)
		return r;
	uint32_t cap = c2d_rg_rows_per_group(z->s);
	if ((r = build_labels(z, err)) < 0 || (r = c2d_rg_builder_init(&z->rg, z->s, cap, err)) < 0)
		return r;
	z->group = malloc(C2D_RG_HEADER_LEN + c2d_rg_body_len(z->s, cap));
	if (z->group == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	return C2D_OK;
}

static void close_input(struct sealer *z, int in_fd)
{
	if (in_fd > STDIN_FILENO)
		close(in_fd);
	if (z->labels != NULL)
		for (uint32_t i = 0; i < z->s->ncols; i++)
			free(z->labels[i]);
	free(z->labels);
	free(z->map);
	if (z->group != NULL)
		explicit_bzero(z->group, C2D_RG_HEADER_LEN + c2d_rg_body_len(z->s, z->rg.cap));
	free(z->group);
	if (z->rg.body != NULL)
		c2d_rg_builder_free(&z->rg);
	c2d_csv_close(&z->csv);
}

c2d_status c2d_sealer_pack_table(const char *in, int tsv, const struct c2d_schema *s, c2d_group_fn fn,
			  void *arg, uint64_t *rows, struct c2d_err *err)
{
	struct c2d_seal_params p = { .in = in, .tsv = tsv, .schema = s };
	struct sealer z = { .p = &p, .s = s, .sink = fn, .sink_arg = arg, .out = { .fd = -1 } };
	uint64_t in_size;
	int in_fd = -1;
	int r = open_input(&z, &in_fd, &in_size, err);
	if (r == C2D_OK)
		r = pack(&z, in_size, err);
	*rows = z.rows;
	close_input(&z, in_fd);
	return r;
}

c2d_status c2d_sealer_seal(const secp256k1_context *ctx, const struct c2d_seal_params *p,
		    const struct c2d_seal_secrets *fixed, struct c2d_seal_result *res,
		    struct c2d_err *err)
{
	struct sealer z = { .p = p, .s = p->schema, .out = { .fd = -1 } };
	struct c2d_seal_header h = { .chunk_size = p->chunk_size ? p->chunk_size : C2D_SEAL_CHUNK_DEFAULT };
	struct c2d_seal_secrets *sec = NULL;
	int in_fd = -1, r;
	memset(res, 0, sizeof(*res));

	if (h.chunk_size < C2D_SEAL_CHUNK_MIN || h.chunk_size > C2D_SEAL_CHUNK_MAX)
		return c2d_fail(err, C2D_E_USAGE, "chunk size must be %u to %u bytes",
				C2D_SEAL_CHUNK_MIN, C2D_SEAL_CHUNK_MAX);
	h.recipe = *p->recipe;
	memcpy(h.owner, p->owner, sizeof(h.owner));
	memcpy(h.dataset_id, p->dataset_id, sizeof(h.dataset_id));
	h.schema = *p->schema;   /* borrowed: not freed here */
	z.chunk_size = h.chunk_size;

	/* The secrets live in one locked page, wiped and unlocked at the end. */
	sec = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sec == MAP_FAILED)
		return c2d_fail_errno(err, C2D_E_NOMEM, "cannot map memory for keys");
	if (mlock(sec, 4096) < 0) {
		munmap(sec, 4096);
		return c2d_fail_errno(err, C2D_E_NOMEM, "cannot lock memory for keys (raise RLIMIT_MEMLOCK)");
	}
	madvise(sec, 4096, MADV_DONTDUMP);
	if (fixed != NULL) {
		*sec = *fixed;
		r = C2D_OK;
	} else if ((r = c2d_random(sec->dataset_key, 32, err)) == C2D_OK &&
		   (r = c2d_random(sec->nonce_prefix, sizeof(sec->nonce_prefix), err)) == C2D_OK) {
		/* An invalid scalar has probability about 2^-128. */
		do
			r = c2d_random(sec->ephemeral_sk, 32, err);
		while (r == C2D_OK && !secp256k1_ec_seckey_verify(ctx, sec->ephemeral_sk));
	}
	if (r < 0)
		goto out;
	memcpy(h.nonce_prefix, sec->nonce_prefix, sizeof(h.nonce_prefix));

	uint64_t in_size;
	z.sink = append_group;
	z.sink_arg = &z;
	if ((r = open_input(&z, &in_fd, &in_size, err)) < 0)
		goto out;
	z.chunk = malloc((size_t)z.chunk_size + C2D_SEAL_TAG_LEN);
	if (z.chunk == NULL) {
		r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	if ((r = c2d_fs_tmp_open(&z.out, p->out, err)) < 0)
		goto out;
	r = run(&z, ctx, &h, sec, in_size, res, err);
	if (r == C2D_OK)
		r = c2d_fs_tmp_commit(&z.out, 0644, err);
out:
	if (z.out.fd >= 0 || z.out.tmp != NULL)
		c2d_fs_tmp_abort(&z.out);
	close_input(&z, in_fd);
	if (z.chunk != NULL)
		explicit_bzero(z.chunk, (size_t)z.chunk_size + C2D_SEAL_TAG_LEN);
	free(z.chunk);
	c2d_stream_wipe(&z.st);
	explicit_bzero(sec, 4096);
	munlock(sec, 4096);
	munmap(sec, 4096);
	return r;
}
