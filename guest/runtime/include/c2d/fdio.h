/*
 * c2d/fdio.h: whole writes to a descriptor, and reading a small file.
 *
 * write() may write less than asked (pipes, signals); every caller that
 * hands bytes across a process boundary (init to the analysis's memfd, the
 * analysis to its output pipe) needs the same loop. Blocking descriptors
 * only: EAGAIN is an error here. Reading likewise loops over short reads
 * (sysfs and configfs attributes, the image's configuration files).
 * Errors: C2D_E_IO naming what (the caller's label, or the path) and
 * errno. Not constant-time in the length.
 *
 * Prefix: c2d_fdio_
 */
#ifndef C2D_FDIO_H
#define C2D_FDIO_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

C2D_MUST_CHECK c2d_status c2d_fdio_write_all(int fd, const void *p, size_t len, const char *what,
					struct c2d_err *err);

/* Reads path into buf until end of file or cap bytes; *len is what was
 * read. A file of exactly cap bytes and a longer one both give cap: callers
 * that need to tell them apart pass one byte more than they accept. */
C2D_MUST_CHECK c2d_status c2d_fdio_read_upto(const char *path, uint8_t *buf, size_t cap, size_t *len,
					struct c2d_err *err);

#endif
