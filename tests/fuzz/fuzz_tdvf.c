/* libFuzzer target: the TDVF metadata parser. Whatever it accepts, MRTD
 * (both orders), the TD HOB and CFV digests are computable without reading
 * outside the input (ASan checks that), and every section keeps the
 * invariants the model relies on. */
#include <assert.h>
#include <stdint.h>

#include "c2d/tdxmeasure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_tdvf t;
	uint8_t d[48];
	if (c2d_tdxmeasure_tdvf_parse(data, size, &t, NULL) != C2D_OK)
		return 0;
	assert(t.nsections >= 1 && t.nsections <= C2D_TDVF_MAX_SECTIONS);
	for (uint32_t i = 0; i < t.nsections; i++) {
		const struct c2d_tdvf_section *s = &t.sec[i];
		assert(s->address % 4096 == 0 && s->size % 4096 == 0);
		assert((uint64_t)s->data_offset + s->raw_size <= size);
		assert(s->raw_size <= s->size);
	}
	c2d_tdxmeasure_tdvf_mrtd(&t, data, C2D_MRTD_SINGLE_PASS, d);
	c2d_tdxmeasure_tdvf_mrtd(&t, data, C2D_MRTD_TWO_PASS, d);
	/* Any status will do: the fuzzer looks for crashes. */
	c2d_ignore(c2d_tdxmeasure_td_hob_digest(&t, 2ull << 30, d, NULL));
	c2d_ignore(c2d_tdxmeasure_td_hob_digest(&t, 8ull << 30, d, NULL));
	c2d_ignore(c2d_tdxmeasure_tdvf_cfv_digest(&t, data, d, NULL));
	return 0;
}
