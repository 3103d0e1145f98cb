/* See testfile.h: c2d_fs_read_file() (host/util/fsutil.c), failing the test. */
#include "testfile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

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
