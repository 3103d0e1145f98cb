/* libFuzzer target: the newc cpio reader must never read outside its input,
 * and every member it returns must lie wholly inside it. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_err err;
	struct cpio_entry e;
	size_t off = 0;
	int r;
	while ((r = cpio_read_entry(data, size, &off, &e, &err)) == 1) {
		assert(e.data >= data && e.data + e.size <= data + size);
		assert((const uint8_t *)e.name >= data &&
		       (const uint8_t *)e.name + strlen(e.name) < data + size);
		assert(off <= size);
	}
	assert(r == 0 || r == C2D_E_INPUT);
	return 0;
}
