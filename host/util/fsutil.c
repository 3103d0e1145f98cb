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

c2d_status c2d_fs_tmp_open(struct c2d_tmp *t, const char *path, struct c2d_err *err)
{
	static const char suffix[] = ".tmp.XXXXXX";
	size_t plen = strlen(path);
	t->path = path;
	t->fd = -1;
	t->tmp = malloc(plen + sizeof(suffix));
	if (t->tmp == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
	memcpy(t->tmp, path, plen);
	memcpy(t->tmp + plen, suffix, sizeof(suffix));
	t->fd = mkostemp(t->tmp, O_CLOEXEC);
	if (t->fd < 0) {
		int r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot create temporary file", path);
		free(t->tmp);
		t->tmp = NULL;
		return r;
	}
	return C2D_OK;
}

void c2d_fs_tmp_abort(struct c2d_tmp *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->tmp != NULL)
		unlink(t->tmp);
	free(t->tmp);
	t->fd = -1;
	t->tmp = NULL;
}

c2d_status c2d_fs_tmp_commit(struct c2d_tmp *t, mode_t mode, struct c2d_err *err)
{
	int r = C2D_OK;
	if (fchmod(t->fd, mode) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: chmod failed", t->tmp);
	else if (fsync(t->fd) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: fsync failed", t->tmp);
	if (close(t->fd) < 0 && r == C2D_OK)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: close failed", t->tmp);
	t->fd = -1;
	if (r == C2D_OK && rename(t->tmp, t->path) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: rename failed", t->path);
	if (r == C2D_OK && sync_parent(t->path) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot sync directory", t->path);
	if (r != C2D_OK) {
		c2d_fs_tmp_abort(t);
		return r;
	}
	free(t->tmp);
	t->tmp = NULL;
	return C2D_OK;
}

c2d_status c2d_fs_write_atomic(const char *path, const void *data, size_t len,
			    mode_t mode, struct c2d_err *err)
{
	struct c2d_tmp t;
	int r = c2d_fs_tmp_open(&t, path, err);
	if (r < 0)
		return r;
	if ((r = c2d_fdio_write_all(t.fd, data, len, t.tmp, err)) < 0) {
		c2d_fs_tmp_abort(&t);
		return r;
	}
	return c2d_fs_tmp_commit(&t, mode, err);
}

c2d_status c2d_fs_open_input(const char *path, int flags, int *fd, struct stat *st,
			     struct c2d_err *err)
{
	int r, fl;
	do
		*fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | flags);
	while (*fd < 0 && errno == EINTR);
	if (*fd < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open", path);
	if (fstat(*fd, st) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot stat", path);
	else if (!S_ISREG(st->st_mode))
		r = c2d_fail(err, C2D_E_INPUT, "%s: not a regular file", path);
	else if ((fl = fcntl(*fd, F_GETFL)) < 0 || fcntl(*fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: fcntl", path);
	else
		return C2D_OK;
	close(*fd);
	*fd = -1;
	return r;
}

c2d_status c2d_fs_read_file(const char *path, size_t max, uint8_t **data, size_t *len,
			 struct c2d_err *err)
{
	struct stat st;
	int fd, r = c2d_fs_open_input(path, 0, &fd, &st, err);
	if (r < 0)
		return r;
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return c2d_fail(err, C2D_E_INPUT, "%s: larger than %zu bytes", path, max);
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
			r = c2d_fail_errno(err, C2D_E_IO, "%s: read failed", path);
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
