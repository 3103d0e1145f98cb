/* libFuzzer target: the quote-channel frame decoder (guest/runtime/tdx/simproto.c).
 * Whatever it accepts lies inside the input, satisfies the protocol's
 * rules, and encodes back to the same bytes. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "c2d/simproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN(p, n) assert((const uint8_t *)(p) >= data && (const uint8_t *)(p) + (n) <= data + size)

static uint8_t again[C2D_SIMPROTO_MAX_FRAME];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_simproto_msg m;
	if (c2d_simproto_decode(data, size, &m, NULL) != C2D_OK)
		return 0;
	assert(size >= C2D_SIMPROTO_HDR_LEN && size <= C2D_SIMPROTO_MAX_FRAME);
	switch (m.type) {
	case C2D_SIMPROTO_EXTEND:
		assert(m.rtmr == C2D_SIMPROTO_RTMR);
		assert(m.name_len >= 1 && m.name_len <= C2D_SIMPROTO_MAX_NAME);
		IN(m.digest, 48);
		IN(m.name, m.name_len);
		IN(m.event, m.event_len);
		break;
	case C2D_SIMPROTO_QUOTE:
		IN(m.report_data, 64);
		break;
	case C2D_SIMPROTO_QUOTE_RESP:
	case C2D_SIMPROTO_ERROR:
		assert(m.data_len > 0);
		IN(m.data, m.data_len);
		break;
	default:
		assert(m.type == C2D_SIMPROTO_OK && size == C2D_SIMPROTO_HDR_LEN);
	}
	size_t len;
	assert(c2d_simproto_encode(&m, again, sizeof(again), &len, NULL) == C2D_OK);
	assert(len == size && memcmp(again, data, size) == 0);
	return 0;
}
