/* libFuzzer target: the analysis's input reader (guest/runtime/protocol/rowfile.c): the
 * header, the schema inside it, every row group and the end record, read
 * in place as the analysis child reads its sealed memfd. Properties: the
 * rows handed out add up to the end record's count, and every group body
 * lies inside the buffer (ASan checks the reads the decoder makes). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/rowfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A private copy of exactly size bytes, so that ASan sees any read
	 * past the end. */
	uint8_t *p = malloc(size ? size : 1);
	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	struct c2d_rowfile f;
	if (c2d_rowfile_open(&f, p, size, NULL) == C2D_OK) {
		struct c2d_rg_col *cols = calloc(f.schema.ncols, sizeof(*cols));
		uint32_t n;
		uint64_t rows = 0;
		int r = -1;
		while (cols != NULL && (r = c2d_rowfile_next(&f, &n, cols, NULL)) == 1) {
			assert(n >= 1);
			rows += n;
		}
		if (r == 0) {
			assert(f.off + C2D_RG_END_LEN == size);
			assert(c2d_get_le64(p + size - 8) == rows);
		}
		free(cols);
		c2d_rowfile_close(&f);
	}
	free(p);
	return 0;
}
