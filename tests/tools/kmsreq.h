/*
 * tests/tools/kmsreq.h: pieces of a CVM's attestation request
 * (docs/kms-protocol.md), for the KMS's unit test and bench-kms, which
 * build requests as a booted image would. Test tooling, not linked into
 * c2d. Both return a new jansson reference (the caller's), NULL when out
 * of memory.
 */
#ifndef C2D_TEST_KMSREQ_H
#define C2D_TEST_KMSREQ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* p[0..n) as a lowercase hex string. */
json_t *kmsreq_hex(const uint8_t *p, size_t n);

/* The event-log entry of a runtime event name(payload[0..n)) in RTMR3, as
 * init logs it; rtmr3 is extended by the event's digest. */
json_t *kmsreq_event(const char *name, const uint8_t *payload, size_t n, uint8_t rtmr3[48]);

#endif
