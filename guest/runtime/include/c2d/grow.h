/*
 * c2d/grow.h: room at the end of a malloc'd array that is appended to,
 * by doubling its capacity (so n appends cost O(n) copying in all), with
 * every size computation checked against overflow.
 *
 * The caller owns the array throughout: it is NULL with capacity 0 while
 * empty, and on failure it is left as it was, still to be freed. Nothing
 * is printed and no state is kept; callers name what ran out in their own
 * error. Not constant-time (sizes are not secret).
 *
 * Prefix: c2d_grow
 */
#ifndef C2D_GROW_H
#define C2D_GROW_H

#include <stddef.h>

#include "c2d/err.h"

/* Room for n more elements of size (> 0) bytes after the first len of buf, an
 * array of *cap elements (len <= *cap): returns buf when they fit, else
 * buf reallocated to the capacity doubled, from first (or *cap when not
 * 0), until they fit, with *cap updated. An empty array (buf NULL) is
 * always allocated, so the result is never NULL on success. NULL, with buf
 * and *cap unchanged, when memory is short or the size would not fit in a
 * size_t. */
C2D_MUST_CHECK void *c2d_grow(void *buf, size_t *cap, size_t len, size_t n, size_t size,
			       size_t first);

#endif
