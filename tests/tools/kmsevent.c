/* Pieces of KMS attestation requests for the tests: see kmsevent.h. */
#include "kmsevent.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"
#include "c2d/rtmr.h"

json_t *kmsevent_hex(const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);
	if (h == NULL)
		return NULL;
	c2d_hex(p, n, h);
	json_t *s = json_string(h);
	free(h);
	return s;
}

json_t *kmsevent_runtime(const char *name, const uint8_t *payload, size_t n, int with_digest,
			 uint8_t rtmr3[48])
{
	uint8_t d[48];
	c2d_rtmr_event_digest(C2D_EVENT_RUNTIME, name, payload, n, d);
	c2d_rtmr_extend(rtmr3, d);
	return json_pack("{s:i, s:I, s:o, s:s, s:o}", "imr", 3, "event_type", (json_int_t)C2D_EVENT_RUNTIME,
			 "digest", with_digest ? kmsevent_hex(d, 48) : json_string(""), "event", name,
			 "event_payload", kmsevent_hex(payload, n));
}

char *kmsevent_boot_log(const uint8_t init_sha[32], const uint8_t compose[32], const uint8_t app[20],
			int with_digest, uint8_t rtmr3[48])
{
	memset(rtmr3, 0, 48);
	json_t *log = json_array();
	json_array_append_new(log, kmsevent_runtime("c2d.init", init_sha, 32, with_digest, rtmr3));
	json_array_append_new(log, kmsevent_runtime("c2d.boot-done", NULL, 0, with_digest, rtmr3));
	json_array_append_new(log, kmsevent_runtime("c2d.compose-hash", compose, 32, with_digest, rtmr3));
	json_array_append_new(log, kmsevent_runtime("c2d.app-id", app, 20, with_digest, rtmr3));
	char *text = json_dumps(log, JSON_COMPACT);
	json_decref(log);
	return text;
}

json_t *kmsevent_request(const uint8_t challenge[32], const uint8_t *quote, size_t qlen, const char *event_log,
			 const uint8_t eph_pub[33], const uint8_t run_pub[33], json_t *envelopes)
{
	return json_pack("{s:i, s:o, s:o, s:s, s:o, s:o, s:o}", "c2d_kms", 1, "challenge",
			 kmsevent_hex(challenge, 32), "quote", kmsevent_hex(quote, qlen), "event_log", event_log,
			 "ephemeral_key", kmsevent_hex(eph_pub, 33), "run_key", kmsevent_hex(run_pub, 33),
			 "envelopes", envelopes);
}
