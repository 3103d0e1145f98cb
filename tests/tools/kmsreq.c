/* Pieces of a CVM's attestation request: see kmsreq.h. */
#include "kmsreq.h"

#include <stdlib.h>

#include "c2d/hex.h"
#include "c2d/rtmr.h"

json_t *kmsreq_hex(const uint8_t *p, size_t n)
{
	char *h = malloc(2 * n + 1);
	if (h == NULL)
		return NULL;
	c2d_hex(p, n, h);
	json_t *s = json_string(h);
	free(h);
	return s;
}

json_t *kmsreq_event(const char *name, const uint8_t *payload, size_t n, uint8_t rtmr3[48])
{
	uint8_t d[48];
	c2d_rtmr_event_digest(C2D_EVENT_RUNTIME, name, payload, n, d);
	c2d_rtmr_extend(rtmr3, d);
	return json_pack("{s:i, s:I, s:s, s:s, s:o}", "imr", 3, "event_type", (json_int_t)C2D_EVENT_RUNTIME,
			 "digest", "", "event", name, "event_payload", kmsreq_hex(payload, n));
}
