/* Paths under a root: see c2d/path.h. */
#include "c2d/path.h"

#include <stdarg.h>
#include <stdio.h>

c2d_status c2d_path_fmt(char *buf, size_t cap, struct c2d_err *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap)
		return c2d_fail(err, C2D_E_INPUT, "path too long: %.64s...", cap ? buf : "");
	return C2D_OK;
}
