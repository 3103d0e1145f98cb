/*
 * c2d/path.h: building a path under a root (sysfs, /dev, configfs) that
 * fails instead of truncating: a path cut short names another file.
 *
 * Every function that reads the kernel's trees takes the tree's root as a
 * parameter ("" or "/" in the CVM, a temporary directory in tests); this is
 * the one place those paths are formatted. No allocation, no state.
 *
 * Prefix: c2d_path_
 */
#ifndef C2D_PATH_H
#define C2D_PATH_H

#include <stddef.h>

#include "c2d/err.h"

/* snprintf into buf (cap bytes). C2D_E_INPUT, naming the start of the
 * truncated path, when it does not fit. */
C2D_MUST_CHECK c2d_status c2d_path_fmt(char *buf, size_t cap, struct c2d_err *err,
				       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
