/*
 * c2d/random.h: cryptographic randomness from the kernel (getrandom(2),
 * blocking until the pool is initialised, never a file that could be
 * missing or replaced). Keys, nonces and DP noise come from here.
 *
 * Prefix: c2d_random
 */
#ifndef C2D_RANDOM_H
#define C2D_RANDOM_H

#include <stddef.h>

#include "c2d/err.h"

/* Fills buf; fails only if the kernel refuses (C2D_E_IO). */
C2D_MUST_CHECK c2d_status c2d_random(void *buf, size_t len, struct c2d_err *err);

#endif
