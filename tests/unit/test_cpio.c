/* Unit tests of the newc cpio writer and reader (image/cpio.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cpio.h"

struct archive {
	char *buf;
	size_t len;
};

static const uint8_t payload[] = "\x7f" "ELF and some bytes";

static struct archive build(void)
{
	struct archive a = { 0 };
	struct c2d_err err = { 0 };
	FILE *f = open_memstream(&a.buf, &a.len);
	assert_non_null(f);
	struct cpio_entry dir = { .name = "dev", .ino = 1, .mode = S_IFDIR | 0755,
				  .nlink = 2, .mtime = 1735689600 };
	struct cpio_entry nod = { .name = "dev/console", .ino = 2, .mode = S_IFCHR | 0600,
				  .nlink = 1, .mtime = 1735689600, .rdev_major = 5,
				  .rdev_minor = 1 };
	struct cpio_entry file = { .name = "init", .ino = 3, .mode = S_IFREG | 0500,
				   .nlink = 1, .mtime = 1735689600, .data = payload,
				   .size = sizeof(payload) - 1 };
	assert_int_equal(cpio_write_entry(f, &dir, &err), C2D_OK);
	assert_int_equal(cpio_write_entry(f, &nod, &err), C2D_OK);
	assert_int_equal(cpio_write_entry(f, &file, &err), C2D_OK);
	assert_int_equal(cpio_write_trailer(f, &err), C2D_OK);
	fclose(f);
	return a;
}

static void test_header_bytes(void **state)
{
	(void)state;
	struct archive a = build();
	/* The first header, field by field (buffer-format.rst). */
	const char *want = "070701"
			   "00000001" "000041ED" "00000000" "00000000" "00000002"
			   "67748580" "00000000" "00000000" "00000000" "00000000"
			   "00000000" "00000004" "00000000" "dev";
	assert_memory_equal(a.buf, want, strlen(want) + 1);
	/* Every member starts on a 4-byte boundary; the archive ends with the
	 * trailer's padding. */
	assert_int_equal(a.len % 4, 0);
	free(a.buf);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct archive a = build();
	struct c2d_err err = { 0 };
	struct cpio_entry e;
	size_t off = 0;

	assert_int_equal(cpio_read_entry((uint8_t *)a.buf, a.len, &off, &e, &err), 1);
	assert_string_equal(e.name, "dev");
	assert_int_equal(e.mode, S_IFDIR | 0755);
	assert_int_equal(off % 4, 0);
	assert_int_equal(cpio_read_entry((uint8_t *)a.buf, a.len, &off, &e, &err), 1);
	assert_string_equal(e.name, "dev/console");
	assert_int_equal(e.rdev_major, 5);
	assert_int_equal(e.rdev_minor, 1);
	assert_int_equal(cpio_read_entry((uint8_t *)a.buf, a.len, &off, &e, &err), 1);
	assert_string_equal(e.name, "init");
	assert_int_equal(e.ino, 3);
	assert_int_equal(e.uid, 0);
	assert_int_equal(e.gid, 0);
	assert_int_equal(e.mtime, 1735689600);
	assert_int_equal(e.size, sizeof(payload) - 1);
	assert_memory_equal(e.data, payload, e.size);
	assert_int_equal(cpio_read_entry((uint8_t *)a.buf, a.len, &off, &e, &err), 0);
	free(a.buf);
}

/* Every prefix of a valid archive is either read to a clean error or to a
 * member wholly inside the prefix: never past the end. */
static void test_truncations_fail_cleanly(void **state)
{
	(void)state;
	struct archive a = build();
	for (size_t cut = 0; cut < a.len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, a.buf, cut);
		struct c2d_err err = { 0 };
		struct cpio_entry e;
		size_t off = 0;
		int r;
		while ((r = cpio_read_entry(copy, cut, &off, &e, &err)) == 1)
			assert_true(e.data + e.size <= copy + cut);
		assert_true(r == 0 || r == C2D_E_INPUT);
		if (r < 0)
			assert_non_null(strstr(err.msg, "cpio: offset"));
		free(copy);
	}
	free(a.buf);
}

static void expect_bad(const char *buf, size_t len, const char *what)
{
	struct c2d_err err = { 0 };
	struct cpio_entry e;
	size_t off = 0;
	assert_int_equal(cpio_read_entry((const uint8_t *)buf, len, &off, &e, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, what));
}

static void test_malformed_headers(void **state)
{
	(void)state;
	struct archive a = build();
	char *b = malloc(a.len);

	memcpy(b, a.buf, a.len);
	b[5] = '2'; /* 070702: the CRC variant, not ours */
	expect_bad(b, a.len, "bad magic");

	memcpy(b, a.buf, a.len);
	b[6 + 8 * 6] = 'g'; /* filesize not hex */
	expect_bad(b, a.len, "not hex");

	memcpy(b, a.buf, a.len);
	memcpy(b + 6 + 8 * 11, "00000003", 8); /* namesize 3 cuts "dev" before NUL */
	expect_bad(b, a.len, "NUL-terminated");

	memcpy(b, a.buf, a.len);
	memcpy(b + 6 + 8 * 11, "00000000", 8);
	expect_bad(b, a.len, "name runs past");

	memcpy(b, a.buf, a.len);
	memcpy(b + 6 + 8 * 6, "FFFFFFFF", 8); /* directory claiming 4 GiB of data */
	expect_bad(b, a.len, "data runs past");
	free(b);
	free(a.buf);
}

static void test_writer_refuses_impossible(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct c2d_err err = { 0 };
	struct cpio_entry d = { .name = "d", .mode = S_IFDIR | 0755, .size = 1,
				.data = (const uint8_t *)"x" };
	assert_int_equal(cpio_write_entry(f, &d, &err), C2D_E_INTERNAL);
	fclose(f);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncations_fail_cleanly),
		cmocka_unit_test(test_malformed_headers),
		cmocka_unit_test(test_writer_refuses_impossible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
