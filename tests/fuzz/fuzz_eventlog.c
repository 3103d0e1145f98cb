/* libFuzzer target: the binary CCEL/TCG2 log walk and replay
 * (host/measure/eventlog.c) and dstack's JSON event-log reader
 * (host/measure/eventlog_json.c); every input goes to both. Every record the walk
 * returns lies inside the input, after the previous one; replaying the walk
 * by hand gives what c2d_eventlog_replay gives; whatever the JSON reader
 * accepts has registers 0..3 and runtime digests that are recomputed. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "c2d/eventlog.h"
#include "eventlog_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN(p, n) assert((p) >= data && (p) + (n) <= data + size)

static void binary(const uint8_t *data, size_t size)
{
	struct c2d_ccel log;
	struct c2d_ccel_event ev;
	struct c2d_rtmrs mine = { 0 }, theirs;
	size_t n = 0, last = 0;
	int rc, refused = 0;
	if (c2d_eventlog_open(&log, data, size, NULL) != C2D_OK)
		return;
	while ((rc = c2d_eventlog_next(&log, &ev, NULL)) > 0) {
		assert(ev.seq == n && ev.offset >= last && ev.mr_index <= C2D_CC_MR_MAX);
		IN(ev.sha384, C2D_RTMR_LEN);
		IN(ev.data, ev.data_len);
		assert(ev.sha384 > data + ev.offset && ev.data > ev.sha384);
		last = (size_t)(ev.data - data) + ev.data_len;
		refused |= ev.type == C2D_EVENT_RUNTIME;
		assert(c2d_eventlog_rtmrs_apply(&mine, ev.seq, ev.mr_index, ev.type, ev.sha384, NULL) >= 0);
		n++;
	}
	size_t got;
	int r = c2d_eventlog_replay(data, size, &theirs, &got, NULL);
	if (rc < 0) {
		assert(r < 0);
		return;
	}
	if (r == C2D_E_REFUSED) {
		assert(refused);
		return;
	}
	assert(r == C2D_OK && got == n);
	assert(memcmp(&mine, &theirs, sizeof(mine)) == 0);
}

static void json(const uint8_t *data, size_t size)
{
	struct c2d_json_eventlog log;
	struct c2d_rtmrs r;
	if (c2d_eventlog_json_parse((const char *)data, size, &log, NULL) != C2D_OK)
		return;
	size_t rt = 0;
	for (size_t i = 0; i < log.n; i++) {
		const struct c2d_json_event *e = &log.ev[i];
		assert(e->imr <= 3);
		if (e->type == C2D_EVENT_RUNTIME) {
			uint8_t d[C2D_RTMR_LEN];
			c2d_rtmr_event_digest(e->type, e->name, e->payload, e->payload_len, d);
			assert(memcmp(d, e->digest, C2D_RTMR_LEN) == 0);
			rt++;
		}
	}
	assert(rt == log.n_runtime);
	assert(c2d_eventlog_json_replay(&log, &r, NULL) == C2D_OK);
	c2d_eventlog_json_free(&log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	binary(data, size);
	json(data, size);
	return 0;
}
