/* Atomic file output and whole-file input: see fsutil.h. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Makes the rename durable; failure here is reported, not ignored, since a
 * caller that was told "written" may delete its only other copy. */
static int sync_parent(const char *path)
{
	char *copy = strdup(path);
	if (copy == NULL)
		return -1;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	close(fd);
	return r;
}

int c2d_write_atomic(const char *path, const void *data, size_t len,
		     mode_t mode, struct c2d_err *err)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
	if (tmp == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));

	int fd = mkstemp(tmp);
	if (fd < 0) {
		int r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot create temporary file", path);
		free(tmp);
		return r;
	}
	int r = C2D_OK;
	if (write_all(fd, data, len) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: write failed", tmp);
	else if (fchmod(fd, mode) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: chmod failed", tmp);
	else if (fsync(fd) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: fsync failed", tmp);
	if (close(fd) < 0 && r == C2D_OK)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: close failed", tmp);
	if (r == C2D_OK && rename(tmp, path) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: rename failed", path);
	if (r == C2D_OK && sync_parent(path) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot sync directory", path);
	if (r != C2D_OK)
		unlink(tmp);
	free(tmp);
	return r;
}

int c2d_read_file(const char *path, size_t max, uint8_t **data, size_t *len,
		  struct c2d_err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open", path);
	if (fstat(fd, &st) < 0) {
		int r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot stat", path);
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return c2d_fail(err, C2D_E_INPUT, "%s: not a regular file of at most %zu bytes",
				path, max);
	}
	size_t cap = (size_t)st.st_size, got = 0;
	uint8_t *buf = malloc(cap + 1);
	if (buf == NULL) {
		close(fd);
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
	}
	/* The size may change under us; read what is there, up to cap. */
	while (got < cap) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = c2d_fail_errno(err, C2D_E_IO, "%s: read failed", path);
			close(fd);
			free(buf);
			return r;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return C2D_OK;
}
