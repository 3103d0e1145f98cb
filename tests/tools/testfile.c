/* See testfile.h: c2d_fs_read_file() (host/util/fsutil.c), failing the test. */
#include "testfile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsutil.h"

void *testfile_load(const char *path, size_t *len)
{
	uint8_t *buf = NULL;
	struct c2d_err err = { 0 };
	if (c2d_fs_read_file(path, (size_t)16 << 20, &buf, len, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	return buf;
}

void testfile_console_grab(struct testfile_console *c)
{
	char path[] = "/tmp/c2d-console.XXXXXX";
	c->fd = mkstemp(path);
	assert_true(c->fd >= 0);
	unlink(path);
	fflush(stdout);
	fflush(stderr);
	c->saved_out = dup(1);
	c->saved_err = dup(2);
	assert_true(c->saved_out >= 0 && c->saved_err >= 0);
	assert_int_equal(dup2(c->fd, 1), 1);
	assert_int_equal(dup2(c->fd, 2), 2);
}

size_t testfile_console_release(struct testfile_console *c)
{
	fflush(stdout);
	fflush(stderr);
	assert_int_equal(dup2(c->saved_out, 1), 1);
	assert_int_equal(dup2(c->saved_err, 2), 2);
	close(c->saved_out);
	close(c->saved_err);
	off_t size = lseek(c->fd, 0, SEEK_END);
	close(c->fd);
	assert_true(size >= 0);
	return (size_t)size;
}
