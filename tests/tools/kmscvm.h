/*
 * tests/tools/kmscvm.h: the CVM's side of the KMS protocol
 * (docs/kms-protocol.md) as c2d-kmscvm's subcommands share it: `attest`
 * (kmscvm.c, one CVM, with faults) and `load` (kmsload.c, many CVMs at
 * once). Test-only; docs/testing.md, "Contract tests (anvil)".
 *
 * A struct kmscvm is one CVM: its simulated quoter, its sealed files, the
 * measurements its quotes carry. It is used by one thread at a time; the
 * load test gives each client thread its own. Nothing here is global
 * except libcurl's, which main initialises once.
 *
 * Errors: c2d_status, the reason in err (c2d/err.h); an HTTP answer that is
 * not the expected one is not an error here, the caller judges it.
 *
 * Prefix: kmscvm_
 */
#ifndef C2D_TEST_KMSCVM_H
#define C2D_TEST_KMSCVM_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>
#include <secp256k1.h>

#include "c2d/err.h"
#include "c2d/kmsrelease.h"
#include "c2d/unseal.h"
#include "simca.h"
#include "simquote.h"

/* An answer's bytes, NUL-terminated (malloc'd; the caller frees p). */
struct kmscvm_buf {
	char *p;
	size_t n;
};

/* What `attest` is told; `load` fills the fields it needs (url, sim_state,
 * measurements, sealed) and leaves the faults off. */
struct kmscvm_opts {
	const char *url, *sim_state, *measurements, *compose, *app, *tdattr, *xfam, *keys_out;
	const char *reg[4];   /* --mrtd, --rtmr0..2 */
	const char *sealed[C2D_KMSR_MAX_KEYS];
	size_t n_sealed;
	int bind_other, debug_td, bad_rtmr3, reuse;
	unsigned wait;
};

struct kmscvm_envelope {
	int fd;
	struct c2d_seal_header h;
	uint8_t *raw;         /* the header's bytes: what the request carries */
};

struct kmscvm {
	const struct kmscvm_opts *o;
	CURL *http;           /* the caller's handle (keep-alive), or NULL: one per request */
	long timeout_ms;      /* of each HTTP request */
	secp256k1_context *secp;
	struct c2d_simca ca;
	int ca_open;
	struct kmscvm_envelope env[C2D_KMSR_MAX_KEYS];
	size_t n;
	uint8_t e_sk[32], r_sk[32], E[33], R[33];
	uint8_t challenge[32];
	uint8_t compose[32], app[20];   /* what the event log claims */
	struct c2d_simregs regs;
	uint8_t init_sha[32];
};

/* POSTs body[0..len) (JSON) to url over h (NULL: a handle of its own,
 * closed after), within timeout_ms; *status the HTTP status, *out the
 * answer (the caller frees out->p). A transport error, a timeout or an
 * empty answer: C2D_E_IO or C2D_E_INPUT, out->p NULL. */
C2D_MUST_CHECK c2d_status kmscvm_post(CURL *h, const char *url, const char *body, size_t len, long timeout_ms,
				      long *status, struct kmscvm_buf *out, struct c2d_err *err);

/* Opens the CVM that o describes (o must outlive c): the simulated CA of
 * o->sim_state, each sealed file's header, o->measurements' registers, the
 * compose-hash and app id of the first recipe (or of o's overrides). On
 * failure c holds what was opened: call kmscvm_close in every case. */
C2D_MUST_CHECK c2d_status kmscvm_open(struct kmscvm *c, const struct kmscvm_opts *o, struct c2d_err *err);

/* Wipes the CVM's keys, closes its files. */
void kmscvm_close(struct kmscvm *c);

/* Fresh keys E and R, then POST /v1/challenge: *status, *answer (the
 * caller's reference); on 200 the challenge is kept for kmscvm_request. */
C2D_MUST_CHECK c2d_status kmscvm_challenge(struct kmscvm *c, long *status, json_t **answer, struct c2d_err *err);

/* The attestation request's text (malloc'd) for the kept challenge, E and
 * R: the event log, a simulated quote over report_data (over another,
 * throw-away ephemeral key instead of E when bind_other), the headers.
 * NULL on failure, the reason in err. */
char *kmscvm_request(struct kmscvm *c, int bind_other, struct c2d_err *err);

/* POST /v1/attest with text: *status, *answer (the caller's reference). */
C2D_MUST_CHECK c2d_status kmscvm_send(struct kmscvm *c, const char *text, long *status, json_t **answer,
				      struct c2d_err *err);

/* Takes a release answer a: opens every sealed wrap key with e, unwraps
 * each dataset key, reads each sealed file to its end (authenticated),
 * appends its row count to rows, and checks the run certificate. Any
 * mismatch is an error (C2D_E_REFUSED or C2D_E_INPUT). Wipes what it
 * opened. */
C2D_MUST_CHECK c2d_status kmscvm_take_release(struct kmscvm *c, json_t *a, json_t *rows, struct c2d_err *err);

/* c2d-kmscvm load ARGS (kmsload.c): argv[0] is "load". *exit_code 0 when
 * every answer was the expected one within the bounds, 1 otherwise. */
C2D_MUST_CHECK c2d_status kmscvm_load(int argc, char **argv, int *exit_code, struct c2d_err *err);

#endif
