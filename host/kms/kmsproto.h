/*
 * host/kms/kmsproto.h: the KMS's messages, version 1 (docs/kms-protocol.md):
 * parsing the attestation request and writing the answers, as JSON text.
 *
 * The attestation request, one JSON object with exactly these members:
 *   "c2d_kms"        1 (the protocol version)
 *   "challenge"      64 hex digits: the challenge the KMS issued
 *   "quote"          hex: the TDX quote, 1 .. C2D_KMSPROTO_QUOTE_MAX bytes
 *   "event_log"      string: dstack's JSON event log (host/measure/
 *                    eventlog_json.h), 1 .. C2D_KMSPROTO_EVENTLOG_MAX bytes
 *   "ephemeral_key"  66 hex digits: the CVM's ephemeral key E, compressed
 *   "run_key"        66 hex digits: the CVM's run signing key R, compressed
 *   "envelopes"      array of 1 .. C2D_KMSR_MAX_KEYS hex strings: each the
 *                    public header of one sealed dataset, as in the file,
 *                    1 .. C2D_SEAL_HEADER_MAX bytes
 * The whole text is at most C2D_KMSPROTO_REQUEST_MAX bytes. A missing,
 * unknown or repeated member, a wrong type, a size out of bounds or hex
 * that is not is C2D_E_INPUT with one line naming the member ("request:
 * envelopes[2]: not hex"). Points and headers are checked later, by the
 * decision (they are what it refuses by name).
 *
 * The parser copies what it keeps (the request owns its buffers; free it
 * with c2d_kmsproto_request_free, also after a failed parse). The writers
 * return malloc'd, NUL-terminated compact JSON with sorted keys, or NULL
 * when out of memory. Nothing here is secret: the wrap keys travel only
 * sealed to the CVM (c2d/kmsrelease.h). Not constant-time. No global state.
 *
 * Prefix: c2d_kmsproto_
 */
#ifndef C2D_HOST_KMSPROTO_H
#define C2D_HOST_KMSPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/kmsrelease.h"

#define C2D_KMSPROTO_VERSION 1
#define C2D_KMSPROTO_REQUEST_MAX (8u << 20)
#define C2D_KMSPROTO_QUOTE_MAX (64u << 10)
#define C2D_KMSPROTO_EVENTLOG_MAX (1u << 20)

struct c2d_kmsproto_envelope {
	uint8_t *buf;
	size_t len;
};

struct c2d_kmsproto_request {
	uint8_t challenge[C2D_KMSR_CHALLENGE_LEN];
	uint8_t *quote;
	size_t quote_len;
	char *event_log;        /* NUL-terminated copy */
	size_t event_log_len;
	uint8_t eph_pub[C2D_KMSR_PUB_LEN];
	uint8_t run_pub[C2D_KMSR_PUB_LEN];
	size_t n_env;
	struct c2d_kmsproto_envelope env[C2D_KMSR_MAX_KEYS];
};

/* The run certificate (host/kms/kmskey.h) as the release carries it. */
struct c2d_kmsproto_cert {
	uint8_t app_id[20];
	uint8_t compose_hash[32];
	uint8_t run_signer[20];
	uint8_t run_id[32];
	uint8_t signature[65];
};

/* What a release answers: one sealed wrap key per envelope, in order. */
struct c2d_kmsproto_release {
	uint8_t kms_eph_pub[C2D_KMSR_PUB_LEN];
	size_t n;
	uint8_t sealed[C2D_KMSR_MAX_KEYS][C2D_KMSR_SEALED_LEN];
	struct c2d_kmsproto_cert cert;
	uint64_t block;            /* the block the decision read */
	uint8_t spend_tx[32];
};

/* Parses the attestation request text[0..len) into *req (zeroed first). */
C2D_MUST_CHECK c2d_status c2d_kmsproto_parse_request(const char *text, size_t len,
						     struct c2d_kmsproto_request *req,
						     struct c2d_err *err);

void c2d_kmsproto_request_free(struct c2d_kmsproto_request *req);

/* {"c2d_kms":1,"challenge":HEX,"expires_in":SECONDS,"type":"challenge"} */
C2D_MUST_CHECK char *c2d_kmsproto_challenge_text(const uint8_t challenge[C2D_KMSR_CHALLENGE_LEN],
						 int64_t expires_in);

/* {"c2d_kms":1,"type":"release",...}: see docs/kms-protocol.md. */
C2D_MUST_CHECK char *c2d_kmsproto_release_text(const struct c2d_kmsproto_release *rel);

/* {"c2d_kms":1,"check":CHECK,"reason":REASON,"type":"refusal"} */
C2D_MUST_CHECK char *c2d_kmsproto_refusal_text(const char *check, const char *reason);

#endif
