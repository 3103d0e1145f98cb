/* Running the analysis child: see analysis.h. */
#include "analysis.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "c2d/fdio.h"
#include "c2d/rowfile.h"
#include "supervise.h"

int analysis_input_open(struct analysis_input *in, const struct c2d_schema *s,
			struct c2d_err *err)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	size_t hl = c2d_rowfile_header_len(s);
	uint8_t *h = malloc(hl);
	in->schema_len = c2d_schema_encoded_len(s);
	in->schema_bin = malloc(in->schema_len);
	if (h == NULL || in->schema_bin == NULL) {
		free(h);
		analysis_input_close(in);
		return c2d_fail(err, C2D_E_NOMEM, "analysis input: out of memory");
	}
	c2d_schema_encode(s, in->schema_bin);
	c2d_rowfile_header(s, h);
	/* CLOEXEC: only the analysis gets it, as its fd 3, and only through
	 * the supervisor's explicit placement. */
	in->fd = memfd_create("c2d-rows", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	int r = in->fd < 0 ? c2d_fail_errno(err, C2D_E_IO, "analysis input: memfd_create")
			   : c2d_write_all(in->fd, h, hl, "analysis input", err);
	free(h);
	if (r < 0)
		analysis_input_close(in);
	return r;
}

int analysis_input_rows(void *arg, const struct c2d_schema *s, uint32_t nrows,
			const struct c2d_rg_col *cols, struct c2d_err *err)
{
	struct analysis_input *in = arg;
	if (in->fd < 0 || in->sealed)
		return c2d_fail(err, C2D_E_INTERNAL, "analysis input: rows after sealing");
	/* One analysis reads one schema: every owner must have sealed the
	 * same columns, labels and bounds. */
	size_t sl = c2d_schema_encoded_len(s);
	uint8_t *sb = malloc(sl);
	if (sb == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "analysis input: out of memory");
	c2d_schema_encode(s, sb);
	int same = sl == in->schema_len && memcmp(sb, in->schema_bin, sl) == 0;
	free(sb);
	if (!same)
		return c2d_fail(err, C2D_E_REFUSED,
				"analysis input: a dataset's schema differs from the first one's");
	size_t len = C2D_RG_HEADER_LEN + c2d_rg_body_len(s, nrows);
	uint8_t *g = malloc(len);
	if (g == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "analysis input: out of memory");
	c2d_rg_encode(s, nrows, cols, g);
	int r = c2d_write_all(in->fd, g, len, "analysis input", err);
	explicit_bzero(g, len);
	free(g);
	if (r == C2D_OK)
		in->rows += nrows;
	return r;
}

int analysis_input_seal(struct analysis_input *in, struct c2d_err *err)
{
	uint8_t end[C2D_RG_END_LEN];
	if (in->fd < 0 || in->sealed)
		return c2d_fail(err, C2D_E_INTERNAL, "analysis input: sealed twice");
	c2d_rg_end_record(in->rows, end);
	int r = c2d_write_all(in->fd, end, sizeof(end), "analysis input", err);
	if (r < 0)
		return r;
	if (fcntl(in->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return c2d_fail_errno(err, C2D_E_IO, "analysis input: F_ADD_SEALS");
	/* Checked, not assumed: the child relies on exactly these. */
	if (fcntl(in->fd, F_GET_SEALS) != ANALYSIS_SEALS)
		return c2d_fail(err, C2D_E_IO, "analysis input: seals are not in place");
	in->sealed = 1;
	return C2D_OK;
}

void analysis_input_close(struct analysis_input *in)
{
	if (in->fd >= 0)
		close(in->fd);
	free(in->schema_bin);
	memset(in, 0, sizeof(*in));
	in->fd = -1;
}

static const char *signal_name(int sig, char buf[16])
{
	static const struct { int sig; const char *name; } names[] = {
		{ SIGSEGV, "SIGSEGV" }, { SIGBUS, "SIGBUS" }, { SIGILL, "SIGILL" },
		{ SIGFPE, "SIGFPE" },   { SIGABRT, "SIGABRT" }, { SIGKILL, "SIGKILL" },
		{ SIGTERM, "SIGTERM" }, { SIGPIPE, "SIGPIPE" }, { SIGSYS, "SIGSYS" },
		{ SIGTRAP, "SIGTRAP" }, { SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].sig == sig)
			return names[i].name;
	snprintf(buf, 16, "signal %d", sig);
	return buf;
}

/* Turns the child's fate into a verdict. */
static int judge(const struct analysis_spec *spec, const struct supervise_result *res,
		 const struct supervise_io *io, struct c2d_err *err)
{
	const char *p = spec->path;
	char sb[16];
	if (res->timed_out)
		return c2d_fail(err, C2D_E_REFUSED, "analysis %s: time limit of %ld ms reached; killed",
				p, spec->deadline_ms);
	if (io->overflow)
		return c2d_fail(err, C2D_E_REFUSED,
				"analysis %s: writes more than its schema allows (%zu bytes); killed", p,
				spec->schema->max_bytes);
	if (res->signaled)
		return c2d_fail(err, C2D_E_REFUSED, "analysis %s: killed by %s", p,
				signal_name(res->term_signal, sb));
	if (!res->exited || res->exit_code != 0)
		return c2d_fail(err, C2D_E_REFUSED, "analysis %s: exited with status %d", p,
				res->exit_code);
	if (io->out_open)
		return c2d_fail(err, C2D_E_REFUSED,
				"analysis %s: its output is still open after it exited", p);
	return C2D_OK;
}

int analysis_run(const struct analysis_spec *spec, const struct analysis_input *in,
		 struct c2d_agg *out, struct c2d_err *err)
{
	int r, pfd[2];
	memset(out, 0, sizeof(*out));
	if (in->fd < 0 || !in->sealed)
		return c2d_fail(err, C2D_E_INTERNAL, "analysis %s: input not sealed", spec->path);
	if ((r = c2d_outschema_check(spec->schema, err)) < 0)
		return r;
	uint8_t *buf = malloc(spec->schema->max_bytes);
	if (buf == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "analysis %s: out of memory", spec->path);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(buf);
		return c2d_fail_errno(err, C2D_E_IO, "analysis %s: pipe", spec->path);
	}
	const int fds[2] = { in->fd, pfd[1] };
	struct supervise_io io = { .fds = fds, .nfds = 2, .close_after_fork = pfd[1],
				   .out_fd = pfd[0], .out = buf, .out_cap = spec->schema->max_bytes };
	char *const dflt[] = { (char *)spec->path, NULL };
	struct supervise_result res;
	r = supervise_run_io(spec->path, spec->argv ? spec->argv : dflt, spec->deadline_ms, &io,
			     &res, err);
	if (r < 0)
		close(pfd[1]);   /* not started: the parent still holds it */
	close(pfd[0]);
	if (r == C2D_OK && (r = judge(spec, &res, &io, err)) == C2D_OK) {
		if ((r = c2d_agg_decode(buf, io.out_len, out, err)) == C2D_OK &&
		    (r = c2d_agg_check(spec->schema, out, in->rows, err)) < 0)
			c2d_agg_free(out);
		if (r < 0)
			c2d_err_prefix(err, "analysis %s", spec->path);
	}
	explicit_bzero(buf, spec->schema->max_bytes);
	free(buf);
	return r;
}
