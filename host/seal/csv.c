/* Streaming CSV/TSV: see csv.h. */
#include "csv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INITIAL_CAP (1u << 20)

c2d_status c2d_csv_open(struct c2d_csv *c, int fd, const char *path, int tsv,
			struct c2d_err *err)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->path = path;
	c->sep = tsv ? '\t' : ',';
	c->quoting = !tsv;
	c->cap = INITIAL_CAP;
	c->buf = malloc(c->cap);
	c->fcap = 64;
	c->fields = malloc(c->fcap * sizeof(*c->fields));
	c->line = 1;
	if (c->buf == NULL || c->fields == NULL) {
		c2d_csv_close(c);
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
	}
	return C2D_OK;
}

void c2d_csv_close(struct c2d_csv *c)
{
	free(c->buf);
	free(c->fields);
	c->buf = NULL;
	c->fields = NULL;
}

/* Moves the unparsed tail to the front and reads more; grows the buffer
 * when a single record fills it. Returns 1 if bytes were added, 0 at EOF. */
static int refill(struct c2d_csv *c, struct c2d_err *err)
{
	if (c->eof)
		return 0;
	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->line_start -= (long long)c->start;
		c->start = 0;
	}
	if (c->end == c->cap) {
		if (c->cap >= C2D_CSV_MAX_RECORD)
			return c2d_fail(err, C2D_E_INPUT, "%s:%llu: record longer than %u bytes",
					c->path, (unsigned long long)c->line, C2D_CSV_MAX_RECORD);
		char *nb = realloc(c->buf, c->cap * 2);
		if (nb == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", c->path);
		c->buf = nb;
		c->cap *= 2;
	}
	for (;;) {
		ssize_t n = read(c->fd, c->buf + c->end, c->cap - c->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return c2d_fail_errno(err, C2D_E_IO, "%s: read failed", c->path);
		if (n == 0) {
			c->eof = 1;
			return 0;
		}
		c->end += (size_t)n;
		/* Spreadsheet exports often begin with a UTF-8 byte order mark;
		 * it is not part of the first column's name. */
		if (!c->bom_checked && (c->end >= 3 || c->consumed > 0)) {
			c->bom_checked = 1;
			if (c->consumed == 0 && c->start == 0 && c->end >= 3 &&
			    memcmp(c->buf, "\xef\xbb\xbf", 3) == 0) {
				c->start = 3;
				c->consumed = 3;
				c->line_start = 3;
			}
		}
		return 1;
	}
}

static int add_field(struct c2d_csv *c, const char *p, size_t len, uint64_t line,
		     uint64_t col, int quoted, struct c2d_err *err)
{
	if (c->nfields == c->fcap) {
		struct c2d_csv_field *nf = realloc(c->fields, 2 * c->fcap * sizeof(*nf));
		if (nf == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", c->path);
		c->fields = nf;
		c->fcap *= 2;
	}
	c->fields[c->nfields++] = (struct c2d_csv_field){ p, len, line, col, quoted };
	return C2D_OK;
}

/* Tries to parse one record from buf[start..end). Returns 1 on success
 * (start advanced), 0 if more input is needed, <0 on error. At EOF, an
 * incomplete final record is complete. */
static int parse(struct c2d_csv *c, struct c2d_err *err)
{
	char *b = c->buf;
	size_t i = c->start, end = c->end;
	uint64_t line = c->line;
	long long ls = c->line_start;
	c->nfields = 0;

	for (;;) {
		/* At the start of a field. */
		uint64_t fline = line, fcol = (uint64_t)((long long)i - ls + 1);
		if (c->quoting && i < end && b[i] == '"') {
			/* First find the closing quote without writing: if the
			 * field is cut by the buffer's end we come back later and
			 * must find the bytes as they were. */
			size_t r = i + 1;
			for (;;) {
				if (r == end) {
					if (!c->eof)
						return 0;
					return c2d_fail(err, C2D_E_INPUT,
							"%s:%llu:%llu: quoted field is not closed before the end of the file",
							c->path, (unsigned long long)fline,
							(unsigned long long)fcol);
				}
				if (b[r] == '"') {
					if (r + 1 == end && !c->eof)
						return 0;
					if (r + 1 < end && b[r + 1] == '"') {
						r += 2;
						continue;
					}
					break;
				}
				if (b[r] == '\n') {
					line++;
					ls = (long long)r + 1;
				}
				r++;
			}
			/* Kept escaped until the whole record is in: unescaping
			 * now would corrupt the bytes if we had to come back. */
			int e = add_field(c, b + i + 1, r - (i + 1), fline, fcol, 1, err);
			r++;
			if (e < 0)
				return e;
			i = r;
			/* After the closing quote: separator, line end or EOF. */
			if (i == end) {
				if (!c->eof)
					return 0;
				break;
			}
			if (b[i] == c->sep) {
				i++;
				continue;
			}
			if (b[i] == '\r' && i + 1 < end && b[i + 1] == '\n')
				i++;
			if (b[i] == '\r' && i + 1 == end && !c->eof)
				return 0;
			if (b[i] == '\n') {
				i++;
				line++;
				ls = (long long)i;
				break;
			}
			return c2d_fail(err, C2D_E_INPUT,
					"%s:%llu:%llu: expected a separator or a line end after a closing quote, found '%c'",
					c->path, (unsigned long long)line,
					(unsigned long long)((long long)i - ls + 1),
					(b[i] >= 0x20 && b[i] < 0x7f) ? b[i] : '?');
		}
		/* One pass finds the field's end and any stray quote in it (TSV
		 * has no quoting, so there its "quote" is a byte that never
		 * matches: the separator). */
		size_t j = i;
		const char q = c->quoting ? '"' : c->sep;
		while (j < end && b[j] != c->sep && b[j] != '\n' && b[j] != q)
			j++;
		if (j < end && b[j] == '"' && c->quoting)
			return c2d_fail(err, C2D_E_INPUT,
					"%s:%llu:%llu: a quote inside an unquoted field (quote the whole field and double the quote)",
					c->path, (unsigned long long)line,
					(unsigned long long)((long long)j - ls + 1));
		if (j == end && !c->eof)
			return 0;
		size_t flen = j - i;
		int at_eol = j == end || b[j] == '\n';
		if (at_eol && flen > 0 && b[j - 1] == '\r')
			flen--;
		int e = add_field(c, b + i, flen, fline, fcol, 0, err);
		if (e < 0)
			return e;
		if (j < end && b[j] == c->sep) {
			i = j + 1;
			continue;
		}
		i = j < end ? j + 1 : j;
		if (j < end) {
			line++;
			ls = (long long)i;
		}
		break;
	}
	/* The record is complete: unescape "" in quoted fields, in place (the
	 * result is never longer, and fields do not overlap). */
	for (size_t k = 0; k < c->nfields; k++) {
		struct c2d_csv_field *f = &c->fields[k];
		if (!f->quoted || memchr(f->p, '"', f->len) == NULL)
			continue;
		char *w = (char *)f->p;
		size_t n = 0;
		for (size_t q = 0; q < f->len; q++) {
			w[n++] = f->p[q];
			if (f->p[q] == '"')
				q++;
		}
		f->len = n;
	}
	c->consumed += i - c->start;
	c->start = i;
	c->line = line;
	c->line_start = ls;
	return 1;
}

int c2d_csv_next(struct c2d_csv *c, struct c2d_err *err)
{
	for (;;) {
		if (c->start == c->end && c->eof)
			return 0;
		if (c->start < c->end) {
			int r = parse(c, err);
			if (r != 0)
				return r;
		}
		int r = refill(c, err);
		if (r < 0)
			return r;
		if (r == 0 && c->start == c->end)
			return 0;
		/* r == 0 with bytes left: parse() completes the record at EOF. */
	}
}
