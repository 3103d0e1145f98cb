/*
 * host/kms/kmsserve.h: the KMS's HTTP daemon, `c2d kms serve`
 * (docs/kms-protocol.md, "Transport"): libmicrohttpd around the decision
 * (host/kms/kmsdecide.h) and the challenge store.
 *
 *   POST /v1/challenge  {"c2d_kms":1}        200 challenge; 503 refusal "busy"
 *   POST /v1/attest     attestation request  200 release; 403 refusal;
 *                                            400 refusal "request"; 500 "internal"
 *   a body over its bound                    413 refusal "request"
 *   another path / another method            404 / 405 refusal "request"
 * Every answer is JSON (Content-Type: application/json) of the shapes of
 * host/kms/kmsproto.h; none carries key material.
 *
 * Resources are bounded: a pool of threads, a connection limit, a limit
 * per client address, a per-connection idle timeout, and a body bound per
 * endpoint (C2D_KMSPROTO_REQUEST_MAX for /v1/attest, checked on the
 * declared length before a byte is read and again while reading, for
 * chunked bodies).
 *
 * c2d_kmsserve_run blocks SIGTERM and SIGINT in the calling thread (the
 * pool's threads inherit the mask, so the signals can only reach the
 * sigwait below: nothing runs in a signal handler), starts the daemon,
 * writes the one line "listening on ADDR:PORT" to ready and flushes it,
 * then waits for either signal and stops: requests in flight finish (a
 * spend's wait included), new ones are not accepted. Call it before
 * starting any other thread that must not take those signals.
 *
 * Prefix: c2d_kmsserve_
 */
#ifndef C2D_HOST_KMSSERVE_H
#define C2D_HOST_KMSSERVE_H

#include <stdint.h>
#include <stdio.h>

#include "c2d/err.h"
#include "kmsdecide.h"

struct c2d_kmsserve_opts {
	const char *addr;            /* IPv4 address to bind, dotted quad */
	uint16_t port;               /* 0: an ephemeral port */
	unsigned threads;            /* the pool, 1 .. 64 */
	unsigned connections;        /* connections at once */
	unsigned per_ip;             /* connections at once from one address */
	unsigned timeout_s;          /* a connection idle this long is closed */
	int64_t challenge_lifetime;  /* what a challenge answer says (expires_in) */
};

/* Serves cfg on o until SIGTERM or SIGINT; C2D_OK after a clean stop.
 * C2D_E_USAGE for a bad address, C2D_E_IO when the daemon cannot start
 * (the port is taken). cfg must be fully set (challenges and log
 * included) and outlive the call. */
C2D_MUST_CHECK c2d_status c2d_kmsserve_run(const struct c2d_kms_config *cfg, const struct c2d_kmsserve_opts *o,
					   FILE *ready, struct c2d_err *err);

#endif
