/*
 * host/seal/csv.h: a streaming reader of CSV (RFC 4180) and TSV, in constant
 * memory, that knows the line and column of every field.
 *
 * Written by hand because the sealer needs what libraries do not combine:
 * exact physical line and byte column for every field (for errors such as
 * "rows.csv:12:17: ..."), fields handed out in place without a copy per
 * byte, and a bound on memory whatever the input.
 *
 * CSV: fields separated by ',', records by LF or CRLF; a field may be
 * enclosed in double quotes, inside which '""' is a quote and separators
 * and line breaks are data. TSV: fields separated by tabs, no quoting.
 * A UTF-8 byte order mark at the start is skipped. The last record may
 * lack its line break. A record may be at most
 * C2D_CSV_MAX_RECORD bytes.
 *
 * Fields point into the reader's buffer and are valid until the next call.
 * The reader never interprets values; it only splits.
 *
 * Prefix: c2d_csv_
 */
#ifndef C2D_HOST_CSV_H
#define C2D_HOST_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_CSV_MAX_RECORD (16u << 20)

struct c2d_csv_field {
	const char *p;
	size_t len;
	uint64_t line;      /* 1-based physical line where the field starts */
	uint64_t col;       /* 1-based byte column where the field starts */
	int quoted;
};

struct c2d_csv {
	int fd;
	const char *path;
	char sep;
	int quoting;
	char *buf;
	size_t cap, start, end;
	int eof;
	uint64_t line;          /* line of buf[start] */
	long long line_start;   /* offset in buf of the first byte of that line
				   (negative when it was before the buffer) */
	uint64_t consumed;      /* bytes of input fully parsed */
	int bom_checked;        /* the start was checked for a UTF-8 BOM */
	struct c2d_csv_field *fields;
	size_t nfields, fcap;
};

/* tsv selects TSV. fd stays the caller's. */
C2D_MUST_CHECK c2d_status c2d_csv_open(struct c2d_csv *c, int fd, const char *path, int tsv,
				       struct c2d_err *err);

/* Reads the next record: 1 when c->fields/c->nfields hold one, 0 at end of
 * input, or a negative status (malformed quoting, a record too long, a read
 * error), with the message naming path:line:column. */
C2D_MUST_CHECK int c2d_csv_next(struct c2d_csv *c, struct c2d_err *err);

void c2d_csv_close(struct c2d_csv *c);

#endif
