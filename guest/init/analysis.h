/*
 * guest/init/analysis.h: running the fixed analysis on the rows, failing closed.
 *
 * init collects every owner's authenticated rows into one memfd
 * (c2d/rowfile.h layout), seals it (F_SEAL_SHRINK, F_SEAL_GROW,
 * F_SEAL_WRITE, F_SEAL_SEAL: nobody, init included, can change it any
 * more), and runs the analysis binary under the supervisor's deadline with
 * that memfd as its fd 3, the write end of a pipe as its fd 4, nothing else
 * open and an empty environment. The child writes one aggregate
 * (c2d/aggfmt.h) and exits 0. init reads at most the output schema's byte
 * size, then decodes and checks the aggregate against that schema and the
 * number of input rows.
 *
 * Before exec, init confines the child: no_new_privs; RLIMIT_NOFILE just
 * above its descriptors, RLIMIT_FSIZE and RLIMIT_CORE 0 (limits are only
 * ever lowered); and, when init runs as root (in the CVM), no
 * supplementary groups, gid and uid ANALYSIS_UID with RLIMIT_NPROC
 * ANALYSIS_MAX_TASKS for that uid. Each step is checked; the first that
 * fails ends the child with ANALYSIS_EXIT_CONFINE before the analysis
 * runs (the child reports the step and its errno as supervise.h says:
 * spec->result holds them). As another user (c2d run on the host, the
 * tests) the uid stays.
 * The binary is opened before the uid drop and executed by descriptor, so
 * only its own mode must let ANALYSIS_UID run it (0555 in the image). The
 * child then installs its own seccomp filter (guest/analysis/child.h).
 *
 * Any other outcome is refused, each with one fixed message of
 * c2d/failure.h and nothing else: what the child did is counted in kinds,
 * never described (docs/boot.md, "What leaves the CVM"). START for a child
 * that could not be confined or started, SECCOMP for SIGSYS (its filter's
 * kill), SIGNAL for any other signal, TIME for the time limit, EXIT for a
 * non-zero exit status, OVERFLOW for more bytes than the schema allows,
 * HELD for a pipe still open after the exit, AGG_FORMAT (C2D_E_INPUT) for
 * an aggregate that does not decode, AGG_SCHEMA and AGG_BOUND for one that
 * does not match its schema or the number of rows; all C2D_E_REFUSED but
 * AGG_FORMAT. A dataset of another schema is INPUT. init's own failures
 * are fixed messages too (INTERNAL, NOMEM, IO), but for the writes into
 * the memfd (c2d/fdio.h) and the supervisor's calls (supervise.h), which
 * name only the call, the binary's path and the errno. On any refusal no
 * aggregate is returned. Exact
 * aggregates are not for release: the caller adds noise (c2d/dp.h) before
 * anything leaves.
 *
 * Ownership: the input owns its memfd (analysis_input_close() releases it,
 * whatever state it is in); a returned aggregate is the caller's
 * (c2d_agg_free()). No global state; not thread-safe (the supervisor
 * blocks SIGCHLD for the process).
 *
 * Prefix: analysis_
 */
#ifndef C2D_INIT_ANALYSIS_H
#define C2D_INIT_ANALYSIS_H

#include <stdint.h>

#include "c2d/aggfmt.h"
#include "c2d/err.h"
#include "c2d/rowgroup.h"
#include "c2d/schema.h"
#include "supervise.h"

#define ANALYSIS_SEALS 0x000f   /* F_SEAL_SEAL | SHRINK | GROW | WRITE */

/* The analysis child's uid and gid under a root init: nobody's, owning no
 * file in the image. */
#define ANALYSIS_UID 65534
#define ANALYSIS_GID 65534
/* RLIMIT_NPROC of ANALYSIS_UID: the analyses start at most 16 threads. */
#define ANALYSIS_MAX_TASKS 64
/* The child's exit status when init could not confine it before exec
 * (supervise.h uses 126 and 127 for the steps around it). */
#define ANALYSIS_EXIT_CONFINE SUPERVISE_EXIT_PRE_EXEC

struct analysis_input {
	int fd;                     /* the memfd; -1 once closed */
	uint8_t *schema_bin;        /* the schema every group must have */
	size_t schema_len;
	uint64_t rows;
	int sealed;
};

/* Creates the memfd and writes the header for schema s. */
C2D_MUST_CHECK c2d_status analysis_input_open(struct analysis_input *in, const struct c2d_schema *s,
					      struct c2d_err *err);

/* Appends one checked row group; a c2d_rows_fn (c2d/unseal.h), so that
 * c2d_unseal_body() can deliver into the input directly (arg is the
 * input). Refuses a group whose schema is not the input's. */
C2D_MUST_CHECK c2d_status analysis_input_rows(void *arg, const struct c2d_schema *s, uint32_t nrows,
					      const struct c2d_rg_col *cols, struct c2d_err *err);

/* Writes the end record and seals. No rows can be added after. */
C2D_MUST_CHECK c2d_status analysis_input_seal(struct analysis_input *in, struct c2d_err *err);

void analysis_input_close(struct analysis_input *in);

struct analysis_spec {
	const char *path;                   /* the analysis binary */
	char *const *argv;                  /* NULL: { path, NULL } */
	const struct c2d_outschema *schema; /* built into the image with it */
	long deadline_ms;
	/* NULL, or where the child's fate is copied once it was forked:
	 * which step failed before exec and its errno, for the tests and
	 * the host (numbers from init's own tables, never text). */
	struct supervise_result *result;
};

/* Runs the analysis on a sealed input. On success *out holds the checked
 * aggregate; on failure it is empty. */
C2D_MUST_CHECK c2d_status analysis_run(const struct analysis_spec *spec,
				       const struct analysis_input *in, struct c2d_agg *out,
				       struct c2d_err *err);

/*
 * A conversation in rounds (risk-model): the child also gets, as its fd 5,
 * the read end of a request channel from init (a socketpair shut down to
 * one direction, so that a child that has gone away makes init's write
 * fail with EPIPE instead of raising SIGPIPE in PID 1). init writes a
 * request, the child answers one aggregate on fd 4, init checks it against
 * that round's schema (exact byte size, c2d_agg_check against the number
 * of input rows) and hands it to the driver, which returns the next
 * request or ends the conversation. Bytes beyond the expected round are
 * an overflow; more than max_rounds answers, a request the child does not
 * take, a round left incomplete at the exit (each ROUNDS), and everything
 * analysis_run() refuses are refused. The driver's own refusals pass
 * through as it wrote them. The deadline covers the whole conversation.
 */
struct analysis_rounds {
	unsigned max_rounds;
	size_t max_request;
	/* The schema of round r's answer. */
	const struct c2d_outschema *(*schema)(void *ctx, unsigned round);
	/* Takes round r's checked aggregate (r = UINT_MAX before the first:
	 * agg is NULL) and writes the next request into req (max_request
	 * bytes), setting *req_len; *req_len = 0 ends the conversation (no
	 * further answer is accepted). A negative return refuses the run. */
	int (*step)(void *ctx, unsigned round, const struct c2d_agg *agg, uint8_t *req,
		    size_t *req_len, struct c2d_err *err);
	void *ctx;
};

/* Runs it; returns 0 only when the conversation ended as the driver said
 * and the child exited 0. *rounds_done: the answers accepted. */
C2D_MUST_CHECK c2d_status analysis_run_rounds(const struct analysis_spec *spec,
					      const struct analysis_input *in,
					      const struct analysis_rounds *ops,
					      unsigned *rounds_done, struct c2d_err *err);

#endif
