/* libFuzzer target: the KMS's attestation request (host/kms/kmsproto.c).
 * Whatever parses must hold within its bounds (envelopes, quote and event
 * log sizes), and the request must free cleanly whether or not it parsed;
 * a release and a refusal written from it must be JSON. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmsproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_kmsproto_request req;
	struct c2d_err err = { 0 };
	if (c2d_kmsproto_parse_request((const char *)data, size, &req, &err) != C2D_OK) {
		assert(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
		c2d_kmsproto_request_free(&req);
		return 0;
	}
	assert(req.n_env >= 1 && req.n_env <= C2D_KMSR_MAX_KEYS);
	assert(req.quote_len >= 1 && req.quote_len <= C2D_KMSPROTO_QUOTE_MAX);
	assert(req.event_log_len >= 1 && req.event_log_len <= C2D_KMSPROTO_EVENTLOG_MAX);
	assert(strlen(req.event_log) <= req.event_log_len);
	for (size_t i = 0; i < req.n_env; i++)
		assert(req.env[i].len >= 1 && req.env[i].buf != NULL);
	char *t = c2d_kmsproto_refusal_text("request", req.event_log);
	free(t);
	c2d_kmsproto_request_free(&req);
	return 0;
}
