/* Unit tests of runtime/: errors, digests, the compose-hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "c2d/compose.h"
#include "c2d/digest.h"
#include "c2d/err.h"

static void test_sha_known_answers(void **state)
{
	(void)state;
	struct c2d_digests d;
	char hex[97];
	/* FIPS 180-2 appendix vectors for "abc". */
	c2d_digest_buf("abc", 3, &d);
	c2d_hex(d.sha256, 32, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	c2d_hex(d.sha384, 48, hex);
	assert_string_equal(hex, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
				 "8086072ba1e7cc2358baeca134c825a7");
	assert_int_equal(d.size, 3);
	c2d_digest_buf(NULL, 0, &d);
	c2d_hex(d.sha256, 32, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_digest_file_matches_buffer(void **state)
{
	(void)state;
	char path[] = "/tmp/c2d-test-digest.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* Longer than the 64 KiB read block, and not a multiple of it. */
	size_t len = 200000;
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);

	struct c2d_digests a, b;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_digest_file(path, &a, &err), C2D_OK);
	c2d_digest_buf(buf, len, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	unlink(path);
	free(buf);

	assert_int_equal(c2d_digest_file(path, &a, &err), C2D_E_IO);
	assert_int_equal(err.status, C2D_E_IO);
	assert_non_null(strstr(err.msg, path));
}

static void fill(struct c2d_digests *d, const char *s)
{
	c2d_digest_buf(s, strlen(s), d);
}

static void test_compose_document_exact(void **state)
{
	(void)state;
	struct c2d_digests k, c, i;
	fill(&k, "kernel");
	fill(&c, "console=ttyS0");
	fill(&i, "");
	char doc[C2D_COMPOSE_DOC_MAX];
	size_t n = c2d_compose_doc(&k, &c, &i, doc);
	char kh[65], ch[65], ih[65], want[C2D_COMPOSE_DOC_MAX];
	c2d_hex(k.sha256, 32, kh);
	c2d_hex(c.sha256, 32, ch);
	c2d_hex(i.sha256, 32, ih);
	snprintf(want, sizeof(want),
		 "c2d-compose-v1\nkernel sha256:%s 6\ncmdline sha256:%s 13\ninitrd sha256:%s 0\n",
		 kh, ch, ih);
	assert_string_equal(doc, want);
	assert_int_equal(n, strlen(want));

	uint8_t h[32], h2[32];
	c2d_compose_hash(&k, &c, &i, h);
	c2d_sha256(doc, n, h2);
	assert_memory_equal(h, h2, 32);
}

/* I2: any change to any part changes the compose-hash, including a change
 * of size alone and a swap of two parts. */
static void test_compose_hash_binds_every_part(void **state)
{
	(void)state;
	struct c2d_digests p[3], q[3];
	uint8_t base[32], other[32];
	fill(&p[0], "kernel-bytes");
	fill(&p[1], "cmdline-bytes");
	fill(&p[2], "initrd-bytes");
	c2d_compose_hash(&p[0], &p[1], &p[2], base);
	for (int part = 0; part < 3; part++) {
		for (int field = 0; field < 2; field++) {
			memcpy(q, p, sizeof(q));
			if (field == 0)
				q[part].sha256[31] ^= 1;
			else
				q[part].size += 1;
			c2d_compose_hash(&q[0], &q[1], &q[2], other);
			assert_memory_not_equal(base, other, 32);
		}
	}
	c2d_compose_hash(&p[1], &p[0], &p[2], other);
	assert_memory_not_equal(base, other, 32);
}

static void test_err_messages(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_fail(&err, C2D_E_INPUT, "%s:%d: bad\nforged line", "f", 3), C2D_E_INPUT);
	assert_string_equal(err.msg, "f:3: bad forged line");
	c2d_err_prefix(&err, "spec:%u", 9u);
	assert_int_equal(err.status, C2D_E_INPUT);
	assert_string_equal(err.msg, "spec:9: f:3: bad forged line");

	char big[600];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c2d_fail(&err, C2D_E_IO, "%s", big);
	assert_int_equal(strlen(err.msg), C2D_ERR_MSG_MAX - 1);
	c2d_err_prefix(&err, "p");
	assert_int_equal(strlen(err.msg), C2D_ERR_MSG_MAX - 1);
	assert_memory_equal(err.msg, "p: xxx", 6);

	assert_int_equal(c2d_fail(NULL, C2D_E_IO, "dropped"), C2D_E_IO);
	assert_int_equal(c2d_exit_code(C2D_OK), 0);
	assert_int_equal(c2d_exit_code(C2D_E_REFUSED), 1);
	assert_int_equal(c2d_exit_code(C2D_E_USAGE), 2);
	assert_int_equal(c2d_exit_code(C2D_E_INPUT), 3);
	assert_int_equal(c2d_exit_code(C2D_E_IO), 4);
	assert_int_equal(c2d_exit_code(C2D_E_NOMEM), 5);
	assert_int_equal(c2d_exit_code(C2D_E_INTERNAL), 70);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha_known_answers),
		cmocka_unit_test(test_digest_file_matches_buffer),
		cmocka_unit_test(test_compose_document_exact),
		cmocka_unit_test(test_compose_hash_binds_every_part),
		cmocka_unit_test(test_err_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
