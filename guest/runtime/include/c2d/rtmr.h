/*
 * c2d/rtmr.h: extending a TD's runtime measurement registers, and the
 * digest of a runtime event, as init computes them and a verifier's replay
 * (c2d/eventlog.h, host only) recomputes them.
 *
 * A TD has four runtime measurement registers (RTMRs), 48 bytes each, zero
 * at TD start; extending one with a 48-byte digest d sets it to
 * SHA-384(rtmr ‖ d). RTMR3 holds runtime events, in dstack's "v1" form:
 *   digest = SHA-384(le32(type) ‖ ":" ‖ name ‖ ":" ‖ payload)
 * with type C2D_EVENT_RUNTIME. Not constant-time: events are public.
 *
 * Prefix: c2d_rtmr_
 */
#ifndef C2D_RTMR_H
#define C2D_RTMR_H

#include <stddef.h>
#include <stdint.h>

#define C2D_RTMR_LEN 48
#define C2D_EVENT_RUNTIME 0x08000001u  /* dstack runtime event (RTMR3) */

/* rtmr = SHA-384(rtmr ‖ digest). */
void c2d_rtmr_extend(uint8_t rtmr[C2D_RTMR_LEN], const uint8_t digest[C2D_RTMR_LEN]);

/* The digest of a runtime event (see above). name is NUL-terminated and
 * hashed without its NUL; payload may be NULL when len is 0. */
void c2d_rtmr_event_digest(uint32_t type, const char *name, const uint8_t *payload,
			      size_t len, uint8_t out[C2D_RTMR_LEN]);

#endif
