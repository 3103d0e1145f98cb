/*
 * host/measure/eventlog_json.h: dstack's JSON event log, as a guest's GetQuote
 * answer carries it (the "event_log" string of the answer holds this JSON
 * text): an array of objects, one per measurement, in the order extended:
 *
 *   imr            integer 0..3: the RTMR (dstack numbers them from 0; the
 *                  binary CCEL log numbers the same registers 1..4)
 *   event_type     integer 0..2^32-1
 *   digest         hex, 96 digits (SHA-384), or "" where dstack stripped it
 *   event          string: the event's name ("" for firmware events)
 *   event_payload  hex, any even length, "" where stripped
 *   version        optional; 1 (dstack's "v1" runtime digest) is the only
 *                  one c2d reads; v2 is refused rather than misread
 *   hash_input     optional, ignored (dstack derives it from the others)
 * No other key is accepted.
 *
 * dstack strips what a verifier can recompute: a runtime event (type
 * C2D_EVENT_RUNTIME) keeps its name and payload and may drop its digest; a
 * firmware event keeps its digest and drops its payload. The reader
 * recomputes every runtime event's digest from name and payload; a logged
 * digest that differs is refused (C2D_E_REFUSED, naming the event's index
 * and name), so that the names and payloads a verifier reads (app-id,
 * compose-hash, ...) are the ones that were extended. A firmware event
 * without a digest cannot be replayed and is malformed.
 *
 * Errors: C2D_E_INPUT for malformed text or fields (naming the JSON line
 * and column, or the event index and field), C2D_E_REFUSED as above,
 * C2D_E_NOMEM. On failure nothing is left allocated.
 *
 * Prefix: c2d_eventlog_json_
 */
#ifndef C2D_HOST_EVENTLOG_JSON_H
#define C2D_HOST_EVENTLOG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/eventlog.h"

struct c2d_json_event {
	uint32_t imr;                    /* 0..3: RTMR0..3 */
	uint32_t type;
	uint8_t digest[C2D_RTMR_LEN];    /* logged, or recomputed for runtime events */
	char *name;                      /* NUL-terminated, no NUL inside */
	uint8_t *payload;
	size_t payload_len;
};

struct c2d_json_eventlog {
	struct c2d_json_event *ev;
	size_t n;
	size_t n_runtime;                /* events of type C2D_EVENT_RUNTIME */
};

/* Parses text[0..len) into *log (which the caller frees with
 * c2d_eventlog_json_free, on success only). */
C2D_MUST_CHECK c2d_status c2d_eventlog_json_parse(const char *text, size_t len,
						  struct c2d_json_eventlog *log,
						  struct c2d_err *err);

void c2d_eventlog_json_free(struct c2d_json_eventlog *log);

/* Replays the log into *out (zeroed first): event i extends RTMR imr. */
C2D_MUST_CHECK c2d_status c2d_eventlog_json_replay(const struct c2d_json_eventlog *log,
						   struct c2d_rtmrs *out, struct c2d_err *err);

#endif
