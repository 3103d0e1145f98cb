/*
 * c2d/fdio.h: writing a whole buffer to a descriptor.
 *
 * write() may write less than asked (pipes, signals); every caller that
 * hands bytes across a process boundary (init to the analysis's memfd, the
 * analysis to its output pipe) needs the same loop. Blocking descriptors
 * only: EAGAIN is an error here. Errors: C2D_E_IO naming what (the
 * caller's label) and errno. Not constant-time in the length.
 */
#ifndef C2D_FDIO_H
#define C2D_FDIO_H

#include <stddef.h>

#include "c2d/err.h"

int c2d_write_all(int fd, const void *p, size_t len, const char *what, struct c2d_err *err);

#endif
