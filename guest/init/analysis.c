/* Running the analysis child: see analysis.h. */
#include "analysis.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "c2d/failure.h"
#include "c2d/fdio.h"
#include "c2d/rowfile.h"
#include "supervise.h"

c2d_status analysis_input_open(struct analysis_input *in, const struct c2d_schema *s,
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
		return c2d_failure_set(err, C2D_FAILURE_NOMEM);
	}
	c2d_schema_encode(s, in->schema_bin);
	c2d_rowfile_header(s, h);
	/* CLOEXEC: only the analysis gets it, as its fd 3, and only through
	 * the supervisor's explicit placement. */
	in->fd = memfd_create("c2d-rows", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	int r = in->fd < 0 ? c2d_failure_set(err, C2D_FAILURE_IO)
			   : c2d_fdio_write_all(in->fd, h, hl, "analysis input", err);
	free(h);
	if (r < 0)
		analysis_input_close(in);
	return r;
}

c2d_status analysis_input_rows(void *arg, const struct c2d_schema *s, uint32_t nrows,
			       const struct c2d_rg_col *cols, struct c2d_err *err)
{
	struct analysis_input *in = arg;
	if (in->fd < 0 || in->sealed)
		return c2d_failure_set(err, C2D_FAILURE_INTERNAL);
	/* One analysis reads one schema: every owner must have sealed the
	 * same columns, labels and bounds. */
	size_t sl = c2d_schema_encoded_len(s);
	uint8_t *sb = malloc(sl);
	if (sb == NULL)
		return c2d_failure_set(err, C2D_FAILURE_NOMEM);
	c2d_schema_encode(s, sb);
	int same = sl == in->schema_len && memcmp(sb, in->schema_bin, sl) == 0;
	free(sb);
	if (!same)
		return c2d_failure_set(err, C2D_FAILURE_INPUT);
	size_t len = C2D_RG_HEADER_LEN + c2d_rg_body_len(s, nrows);
	uint8_t *g = malloc(len);
	if (g == NULL)
		return c2d_failure_set(err, C2D_FAILURE_NOMEM);
	c2d_rg_encode(s, nrows, cols, g);
	int r = c2d_fdio_write_all(in->fd, g, len, "analysis input", err);
	explicit_bzero(g, len);
	free(g);
	if (r == C2D_OK)
		in->rows += nrows;
	return r;
}

c2d_status analysis_input_seal(struct analysis_input *in, struct c2d_err *err)
{
	uint8_t end[C2D_RG_END_LEN];
	if (in->fd < 0 || in->sealed)
		return c2d_failure_set(err, C2D_FAILURE_INTERNAL);
	c2d_rg_end_record(in->rows, end);
	int r = c2d_fdio_write_all(in->fd, end, sizeof(end), "analysis input", err);
	if (r < 0)
		return r;
	if (fcntl(in->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return c2d_failure_set(err, C2D_FAILURE_IO);
	/* Checked, not assumed: the child relies on exactly these. */
	if (fcntl(in->fd, F_GET_SEALS) != ANALYSIS_SEALS)
		return c2d_failure_set(err, C2D_FAILURE_IO);
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

/* Sets resource res to v, soft and hard, or to the hard limit already in
 * place when that is lower: a limit is never raised. Returns 0, or the
 * step that failed (set_step for the setrlimit) with errno set. */
static int lower_limit(int res, rlim_t v, int set_step)
{
	struct rlimit cur;
	if (getrlimit(res, &cur) != 0)
		return SUPERVISE_STEP_GETRLIMIT;
	if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < v)
		v = cur.rlim_max;
	const struct rlimit l = { v, v };
	return setrlimit(res, &l) != 0 ? set_step : 0;
}

/* The supervisor's pre_exec hook (see analysis.h): in the child between
 * fork and exec, system calls only. Returns 0, or the step that failed
 * with errno as it left it (supervise.h), for init to name. The
 * credentials change through raw system calls: they act on the calling
 * thread, which in a fresh child is the whole process, whereas libc's
 * wrappers may broadcast to threads through signals, nothing that belongs
 * between fork and exec. */
static int confine_child(const struct supervise_io *io)
{
	int step;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return SUPERVISE_STEP_NO_NEW_PRIVS;
	/* Descriptors 3 .. 3 + nfds - 1 are the child's; none can be made
	 * above them. No file can grow (the child has none to write), and a
	 * crash leaves no core with rows in it. */
	if ((step = lower_limit(RLIMIT_NOFILE, 3 + (rlim_t)io->nfds, SUPERVISE_STEP_RLIMIT_NOFILE)) != 0 ||
	    (step = lower_limit(RLIMIT_FSIZE, 0, SUPERVISE_STEP_RLIMIT_FSIZE)) != 0 ||
	    (step = lower_limit(RLIMIT_CORE, 0, SUPERVISE_STEP_RLIMIT_CORE)) != 0)
		return step;
	if (geteuid() != 0)
		return 0;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if ((step = lower_limit(RLIMIT_NPROC, ANALYSIS_MAX_TASKS, SUPERVISE_STEP_RLIMIT_NPROC)) != 0)
		return step;
	if (syscall(SYS_setgroups, 0, NULL) != 0)
		return SUPERVISE_STEP_SETGROUPS;
	if (syscall(SYS_setresgid, ANALYSIS_GID, ANALYSIS_GID, ANALYSIS_GID) != 0)
		return SUPERVISE_STEP_SETRESGID;
	if (syscall(SYS_setresuid, ANALYSIS_UID, ANALYSIS_UID, ANALYSIS_UID) != 0)
		return SUPERVISE_STEP_SETRESUID;
	/* Checked, not assumed: all three ids, so that none leads back. */
	if (getresuid(&ru, &eu, &su) != 0)
		return SUPERVISE_STEP_GETRESUID;
	if (getresgid(&rg, &eg, &sg) != 0)
		return SUPERVISE_STEP_GETRESGID;
	int ngroups = getgroups(0, NULL);
	if (ngroups < 0)
		return SUPERVISE_STEP_GETGROUPS;
	if (ru != ANALYSIS_UID || eu != ANALYSIS_UID || su != ANALYSIS_UID ||
	    rg != ANALYSIS_GID || eg != ANALYSIS_GID || sg != ANALYSIS_GID || ngroups != 0) {
		errno = 0;
		return SUPERVISE_STEP_ID_CHECK;
	}
	return 0;
}

/* Turns the child's fate into a verdict: one fixed kind each. What the
 * child did is counted in kinds, never described: the kind is all that
 * leaves (c2d/failure.h). */
static int judge(const struct supervise_result *res, const struct supervise_io *io,
		 struct c2d_err *err)
{
	enum c2d_failure k = C2D_FAILURE_NONE;
	if (res->start_failed)
		k = C2D_FAILURE_START;
	else if (res->timed_out)
		k = C2D_FAILURE_TIME;
	else if (io->overflow)
		k = C2D_FAILURE_OVERFLOW;
	/* The child's filter allows no call that sends a signal: a SIGSYS is
	 * its kill. */
	else if (res->signaled)
		k = res->term_signal == SIGSYS ? C2D_FAILURE_SECCOMP : C2D_FAILURE_SIGNAL;
	else if (!res->exited || res->exit_code != 0)
		k = C2D_FAILURE_EXIT;
	else if (io->out_open)
		k = C2D_FAILURE_HELD;
	return k == C2D_FAILURE_NONE ? C2D_OK : c2d_failure_set(err, k);
}

/* The fate, for a caller that asked for it (spec->result). */
static void tell(const struct analysis_spec *spec, const struct supervise_result *res)
{
	if (spec->result != NULL)
		*spec->result = *res;
}

c2d_status analysis_run(const struct analysis_spec *spec, const struct analysis_input *in,
			struct c2d_agg *out, struct c2d_err *err)
{
	int r, pfd[2];
	memset(out, 0, sizeof(*out));
	if (in->fd < 0 || !in->sealed)
		return c2d_failure_set(err, C2D_FAILURE_INTERNAL);
	if ((r = c2d_agg_schema_check(spec->schema, err)) < 0)
		return r;
	uint8_t *buf = malloc(spec->schema->max_bytes);
	if (buf == NULL)
		return c2d_failure_set(err, C2D_FAILURE_NOMEM);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(buf);
		return c2d_failure_set(err, C2D_FAILURE_IO);
	}
	const int fds[2] = { in->fd, pfd[1] };
	struct supervise_io io = { .fds = fds, .nfds = 2, .close_after_fork = pfd[1],
				   .out_fd = pfd[0], .out = buf, .out_cap = spec->schema->max_bytes,
				   .pre_exec = confine_child };
	char *const dflt[] = { (char *)spec->path, NULL };
	struct supervise_result res;
	r = supervise_run_io(spec->path, spec->argv ? spec->argv : dflt, spec->deadline_ms, &io,
			     &res, err);
	if (r < 0)
		close(pfd[1]);   /* not started: the parent still holds it */
	close(pfd[0]);
	if (r == C2D_OK)
		tell(spec, &res);
	if (r == C2D_OK && (r = judge(&res, &io, err)) == C2D_OK &&
	    (r = c2d_agg_decode(buf, io.out_len, out, err)) == C2D_OK &&
	    (r = c2d_agg_check(spec->schema, out, in->rows, err)) < 0)
		c2d_agg_free(out);
	explicit_bzero(buf, spec->schema->max_bytes);
	free(buf);
	return r;
}

/* --- rounds --------------------------------------------------------------- */

struct conv {
	const struct analysis_spec *spec;
	const struct analysis_input *in;
	const struct analysis_rounds *ops;
	int req_fd;
	unsigned round;       /* answers accepted */
	int done;             /* the driver ended the conversation */
	uint8_t *req;
	int status;           /* why the hook refused */
	struct c2d_err err;
};

/* Sends the driver's next request; sets out_cap for the answer. */
static int conv_next(struct conv *c, unsigned round, const struct c2d_agg *agg,
		     struct supervise_io *io)
{
	size_t rl = 0;
	int r = c->ops->step(c->ops->ctx, round, agg, c->req, &rl, &c->err);
	if (r < 0)
		return r;
	io->out_len = 0;
	if (rl == 0) {
		c->done = 1;
		io->out_cap = 0;   /* one byte more is an overflow */
		return C2D_OK;
	}
	if (rl > c->ops->max_request)
		return c2d_failure_set(&c->err, C2D_FAILURE_INTERNAL);
	if (c->round >= c->ops->max_rounds)
		return c2d_failure_set(&c->err, C2D_FAILURE_ROUNDS);
	const struct c2d_outschema *s = c->ops->schema(c->ops->ctx, c->round);
	if ((r = c2d_agg_schema_check(s, &c->err)) < 0)
		return r;
	io->out_cap = s->max_bytes;
	/* Requests are small and the channel holds at most one unread one
	 * per answer: a full buffer means a child that does not read. */
	ssize_t n = send(c->req_fd, c->req, rl, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t)rl)
		return c2d_failure_set(&c->err, C2D_FAILURE_ROUNDS);
	return C2D_OK;
}

static int conv_output(void *ctx, struct supervise_io *io)
{
	struct conv *c = ctx;
	if (c->done || io->out_len < io->out_cap)
		return C2D_OK;   /* nothing complete yet (or an overflow to come) */
	const struct c2d_outschema *s = c->ops->schema(c->ops->ctx, c->round);
	struct c2d_agg a;
	int r;
	if ((r = c2d_agg_decode(io->out, io->out_len, &a, &c->err)) == C2D_OK &&
	    (r = c2d_agg_check(s, &a, c->in->rows, &c->err)) == C2D_OK) {
		unsigned round = c->round++;
		r = conv_next(c, round, &a, io);
	}
	c2d_agg_free(&a);
	if (r < 0)
		c->status = r;
	return r;
}

c2d_status analysis_run_rounds(const struct analysis_spec *spec, const struct analysis_input *in,
			       const struct analysis_rounds *ops, unsigned *rounds_done,
			       struct c2d_err *err)
{
	int r, pfd[2], sv[2];
	*rounds_done = 0;
	if (in->fd < 0 || !in->sealed)
		return c2d_failure_set(err, C2D_FAILURE_INTERNAL);
	size_t cap = 0;
	for (unsigned k = 0; k < ops->max_rounds; k++) {
		const struct c2d_outschema *s = ops->schema(ops->ctx, k);
		if ((r = c2d_agg_schema_check(s, err)) < 0)
			return r;
		if (s->max_bytes > cap)
			cap = s->max_bytes;
	}
	struct conv c = { .spec = spec, .in = in, .ops = ops };
	uint8_t *buf = malloc(cap ? cap : 1);
	c.req = malloc(ops->max_request ? ops->max_request : 1);
	if (buf == NULL || c.req == NULL) {
		free(buf);
		free(c.req);
		return c2d_failure_set(err, C2D_FAILURE_NOMEM);
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = c2d_failure_set(err, C2D_FAILURE_IO);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		r = c2d_failure_set(err, C2D_FAILURE_IO);
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	/* sv[0] init's, write only; sv[1] the child's, read only. */
	shutdown(sv[0], SHUT_RD);
	shutdown(sv[1], SHUT_WR);
	c.req_fd = sv[0];
	const int fds[3] = { in->fd, pfd[1], sv[1] };
	struct supervise_io io = { .fds = fds, .nfds = 3, .close_after_fork = pfd[1],
				   .close_also = &sv[1], .nclose_also = 1, .out_fd = pfd[0],
				   .out = buf, .out_cap = 0, .on_output = conv_output, .ctx = &c,
				   .pre_exec = confine_child };
	/* The first request goes out before the child starts: it sits in the
	 * channel until the child reads it. */
	if ((r = conv_next(&c, UINT_MAX, NULL, &io)) < 0) {
		if (err != NULL)
			*err = c.err;
		close(pfd[0]);
		close(pfd[1]);
		close(sv[0]);
		close(sv[1]);
		goto out;
	}
	char *const dflt[] = { (char *)spec->path, NULL };
	struct supervise_result res;
	r = supervise_run_io(spec->path, spec->argv ? spec->argv : dflt, spec->deadline_ms, &io,
			     &res, err);
	if (r < 0) {
		close(pfd[1]);
		close(sv[1]);
	}
	close(pfd[0]);
	close(sv[0]);
	if (r == C2D_OK)
		tell(spec, &res);
	if (r == C2D_OK && io.hook_failed) {
		r = c.status;
		if (err != NULL)
			*err = c.err;
	} else if (r == C2D_OK && (r = judge(&res, &io, err)) == C2D_OK &&
		   (!c.done || io.out_len != 0)) {
		r = c2d_failure_set(err, C2D_FAILURE_ROUNDS);
	}
	*rounds_done = c.round;
out:
	explicit_bzero(buf, cap ? cap : 1);
	free(buf);
	free(c.req);
	return r;
}
