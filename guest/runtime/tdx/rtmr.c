/* RTMR extension and runtime event digests: see c2d/rtmr.h. */
#include "c2d/rtmr.h"

#include <string.h>

#include <bearssl_hash.h>

#include "c2d/bytes.h"

void c2d_rtmr_extend(uint8_t rtmr[C2D_RTMR_LEN], const uint8_t digest[C2D_RTMR_LEN])
{
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, rtmr, C2D_RTMR_LEN);
	br_sha384_update(&c, digest, C2D_RTMR_LEN);
	br_sha384_out(&c, rtmr);
}

void c2d_rtmr_event_digest(uint32_t type, const char *name, const uint8_t *payload,
			      size_t len, uint8_t out[C2D_RTMR_LEN])
{
	uint8_t t[4];
	br_sha384_context c;
	c2d_put_le32(t, type);
	br_sha384_init(&c);
	br_sha384_update(&c, t, 4);
	br_sha384_update(&c, ":", 1);
	br_sha384_update(&c, name, strlen(name));
	br_sha384_update(&c, ":", 1);
	if (len > 0)
		br_sha384_update(&c, payload, len);
	br_sha384_out(&c, out);
}
