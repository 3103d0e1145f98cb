/* Whole writes: see c2d/fdio.h. */
#include "c2d/fdio.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

int c2d_write_all(int fd, const void *p, size_t len, const char *what, struct c2d_err *err)
{
	const uint8_t *b = p;
	while (len > 0) {
		ssize_t n = write(fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return c2d_fail_errno(err, C2D_E_IO, "%s: write", what);
		b += n;
		len -= (size_t)n;
	}
	return C2D_OK;
}
