/* libFuzzer target: the PE/COFF Authenticode parser. Either it refuses the
 * input or both digests are computed over bytes inside it (ASan checks
 * that), and the two agree on success or failure. */
#include <assert.h>
#include <stdint.h>

#include "c2d/pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t h384[48], h256[32];
	int a = c2d_pe_authenticode_sha384(data, size, h384, NULL);
	int b = c2d_pe_authenticode_sha256(data, size, h256, NULL);
	assert(a == b);
	assert(a == C2D_OK || a == C2D_E_INPUT);
	return 0;
}
