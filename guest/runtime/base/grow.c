/* Growing arrays: see c2d/grow.h. */
#include "c2d/grow.h"

#include <stdint.h>
#include <stdlib.h>

void *c2d_grow(void *buf, size_t *cap, size_t len, size_t n, size_t size, size_t first)
{
	if (buf != NULL && n <= *cap - len)
		return buf;
	size_t c = *cap ? *cap : first ? first : 1;
	while (c - len < n) {
		if (c > SIZE_MAX / 2)
			return NULL;
		c *= 2;
	}
	if (size == 0 || c > SIZE_MAX / size)
		return NULL;
	void *p = realloc(buf, c * size);
	if (p == NULL)
		return NULL;
	*cap = c;
	return p;
}
