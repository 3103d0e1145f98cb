/*
 * host/util/fsutil.h: file output that never leaves a half-written file behind.
 *
 * c2d_fs_write_atomic() writes to a temporary file beside the destination,
 * fsyncs it, gives it its final mode (independent of the umask, so artifacts
 * do not depend on who built them), renames it over the destination and
 * fsyncs the directory. On any failure the temporary file is removed and the
 * destination is untouched.
 *
 * c2d_fs_open_input() opens a file that the user named as input; every host
 * input path goes through it (c2d_fs_read_file() included), so that no
 * command waits on a FIFO or reads a device (docs/cli.md, "Input files").
 *
 * c2d_fs_read_file() reads a whole (small) file into a malloc'd buffer that the
 * caller frees; it refuses files over max bytes.
 *
 * Prefix: c2d_fs_
 */
#ifndef C2D_HOST_FSUTIL_H
#define C2D_HOST_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "c2d/err.h"
#include "c2d/fdio.h"

C2D_MUST_CHECK c2d_status c2d_fs_write_atomic(const char *path, const void *data, size_t len,
					   mode_t mode, struct c2d_err *err);

/* The same, for output written in pieces: c2d_fs_tmp_open() creates the
 * temporary file beside path; c2d_fs_tmp_commit() gives it mode, syncs it,
 * renames it over path and syncs the directory (closing fd either way);
 * c2d_fs_tmp_abort() closes and removes it. */
struct c2d_tmp {
	int fd;
	char *tmp;          /* the temporary name (malloc'd) */
	const char *path;   /* the destination */
};
C2D_MUST_CHECK c2d_status c2d_fs_tmp_open(struct c2d_tmp *t, const char *path, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_fs_tmp_commit(struct c2d_tmp *t, mode_t mode, struct c2d_err *err);
void c2d_fs_tmp_abort(struct c2d_tmp *t);

/* Whole writes are c2d_fdio_write_all() of c2d/fdio.h. */

/* Opens path read-only as an input file; refuses anything but a regular
 * file. The open itself never waits: it is made with O_NONBLOCK, since
 * open() of a FIFO without a writer (or of some devices) blocks until one
 * comes; fstat() then refuses a non-regular file before anything is read,
 * and O_NONBLOCK is cleared, so reads behave as on any file. flags adds
 * open flags (O_NOFOLLOW) or is 0. On success *fd (close-on-exec) is the
 * caller's to close and *st holds its status. Errors, naming path:
 * C2D_E_IO when open, fstat or fcntl fails (with errno), C2D_E_INPUT for
 * "not a regular file" (nothing is then left open). */
C2D_MUST_CHECK c2d_status c2d_fs_open_input(const char *path, int flags, int *fd, struct stat *st,
					    struct c2d_err *err);

C2D_MUST_CHECK c2d_status c2d_fs_read_file(const char *path, size_t max, uint8_t **data, size_t *len,
					struct c2d_err *err);

#endif
