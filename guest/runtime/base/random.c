/* Kernel randomness: see c2d/random.h. */
#include "c2d/random.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

c2d_status c2d_random(void *buf, size_t len, struct c2d_err *err)
{
	uint8_t *p = buf;
	while (len > 0) {
		/* getrandom returns at most 33554431 bytes per call, and may
		 * be interrupted by a signal before the pool is ready. */
		ssize_t n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return c2d_fail_errno(err, C2D_E_IO, "getrandom failed");
		p += n;
		len -= (size_t)n;
	}
	return C2D_OK;
}
