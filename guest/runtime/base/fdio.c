/* Whole writes and small reads: see c2d/fdio.h. */
#include "c2d/fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

c2d_status c2d_fdio_write_all(int fd, const void *p, size_t len, const char *what, struct c2d_err *err)
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

c2d_status c2d_fdio_read_upto(const char *path, uint8_t *buf, size_t cap, size_t *len, struct c2d_err *err)
{
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open", path);
	while (*len < cap) {
		ssize_t n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot read", path);
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return C2D_OK;
}
