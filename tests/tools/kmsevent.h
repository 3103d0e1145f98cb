/*
 * tests/tools/kmsevent.h: the pieces of a KMS attestation request that
 * test_kms and c2d-kmscvm both build (docs/kms-protocol.md): dstack's JSON
 * event log entries of RTMR3 runtime events, hex strings, and the request
 * itself. Test-only.
 *
 * Each returns a new jansson reference (NULL when out of memory).
 *
 * Prefix: kmsevent_
 */
#ifndef C2D_TEST_KMSEVENT_H
#define C2D_TEST_KMSEVENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* p[0..n) as a lowercase hex string. */
json_t *kmsevent_hex(const uint8_t *p, size_t n);

/* The runtime event (type 0x08000001, imr 3) name with payload[0..n),
 * extended into rtmr3. with_digest 0 leaves "digest" empty, as dstack
 * strips what a verifier recomputes; 1 writes it. */
json_t *kmsevent_runtime(const char *name, const uint8_t *payload, size_t n, int with_digest,
			 uint8_t rtmr3[48]);

/* The event log of a booted image's RTMR3, as text (malloc'd; NULL when
 * out of memory): init's "c2d.init" (init_sha) and "c2d.boot-done", then
 * the run step's "c2d.compose-hash" and "c2d.app-id". rtmr3 is reset and
 * extended by the four, so it is the register the log replays to. */
char *kmsevent_boot_log(const uint8_t init_sha[32], const uint8_t compose[32], const uint8_t app[20],
			int with_digest, uint8_t rtmr3[48]);

/* The attestation request's object: "c2d_kms" 1, the challenge, the quote
 * quote[0..qlen), the event log's text, E and R (compressed points) and
 * envelopes, an array of hex strings, whose reference it steals. */
json_t *kmsevent_request(const uint8_t challenge[32], const uint8_t *quote, size_t qlen, const char *event_log,
			 const uint8_t eph_pub[33], const uint8_t run_pub[33], json_t *envelopes);

#endif
