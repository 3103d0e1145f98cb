/* Unit tests of runtime/: errors, digests (including the SHA-NI SHA-256
 * backend), the compose-hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bearssl_hash.h>
#include <bearssl_hmac.h>
#include <bearssl_kdf.h>

#include "c2d/compose.h"
#include "c2d/digest.h"
#include "c2d/err.h"
#include "c2d/grow.h"
#include "c2d/sha_ni.h"

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

/* ------------------------------------------------------------------------
 * SHA-256 with SHA-NI (c2d/sha_ni.h), through its vtable directly.
 */

/* 1 if this CPU runs the SHA-NI class; otherwise says so and returns 0, and
 * the caller must skip() (never let an unexercised test pass). */
static int have_shani(void)
{
	if (c2d_sha_ni_get_vtable() == &c2d_sha_ni_vtable)
		return 1;
	print_message("skipped: no SHA-NI\n");
	return 0;
}

/* SHA-256 of the concatenation of parts[0..n-1] with class vt, as hex. */
static void sha256_hex_parts(const br_hash_class *vt, const void *const *parts, const size_t *lens,
			     size_t n, char hex[65])
{
	c2d_sha256_context c;
	uint8_t h[32];
	vt->init(&c.vtable);
	assert_ptr_equal(c.vtable, vt);
	for (size_t i = 0; i < n; i++)
		c.vtable->update(&c.vtable, parts[i], lens[i]);
	c.vtable->out(&c.vtable, h);
	c2d_hex(h, 32, hex);
}

static void sha256_hex(const br_hash_class *vt, const void *data, size_t len, char hex[65])
{
	sha256_hex_parts(vt, &data, &len, 1, hex);
}

static void test_shani_vtable_shape(void **state)
{
	(void)state;
	const br_hash_class *vt = c2d_sha_ni_get_vtable();
	assert_true(vt == &c2d_sha_ni_vtable || vt == &br_sha256_vtable);
	assert_string_equal(c2d_digest_sha256_impl(), vt == &br_sha256_vtable ? "bearssl" : "sha-ni");
	if (!have_shani())
		skip();
	assert_int_equal(c2d_sha_ni_vtable.desc, br_sha256_vtable.desc);
	assert_int_equal(c2d_sha_ni_vtable.context_size, sizeof(c2d_sha256_context));
	assert_true(sizeof(c2d_sha256_context) <= sizeof(br_hash_compat_context));
	assert_int_equal((c2d_sha_ni_vtable.desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK, 32);
	assert_string_equal(c2d_digest_sha256_impl(), "sha-ni");
}

static void test_shani_fips_vectors(void **state)
{
	(void)state;
	if (!have_shani())
		skip();
	const br_hash_class *vt = &c2d_sha_ni_vtable;
	char hex[65];

	/* FIPS 180-2 appendix B.1, B.2, B.3. */
	sha256_hex(vt, "abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_hex(vt, NULL, 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_hex(vt, m448, strlen(m448), hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

	/* One million 'a': in one call, and in pieces of 1000 (block-unaligned). */
	size_t mlen = 1000000;
	char *a = malloc(mlen);
	assert_non_null(a);
	memset(a, 'a', mlen);
	sha256_hex(vt, a, mlen, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	c2d_sha256_context c;
	uint8_t h[32];
	vt->init(&c.vtable);
	for (size_t i = 0; i < mlen; i += 1000)
		vt->update(&c.vtable, a, 1000);
	vt->out(&c.vtable, h);
	c2d_hex(h, 32, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);

	/* The padding edge: lengths 55, 56, 63, 64, 65 ('a' repeated), against
	 * BearSSL. */
	static const size_t edge[] = { 55, 56, 57, 63, 64, 65, 119, 120, 127, 128 };
	char ref[65], buf[128];
	memset(buf, 'a', sizeof(buf));
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		sha256_hex(vt, buf, edge[i], hex);
		sha256_hex(&br_sha256_vtable, buf, edge[i], ref);
		assert_string_equal(hex, ref);
	}

	/* The digest API uses it too. */
	struct c2d_digests d;
	c2d_digest_buf(m448, strlen(m448), &d);
	c2d_hex(d.sha256, 32, hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* xorshift64*: reproducible test data; the seed is printed on failure. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

/* Random data of random lengths 0..10000, fed to both classes in random
 * pieces (0 to 200 bytes, sometimes several blocks), so partial blocks
 * carried across updates are covered; out() mid-stream must not disturb
 * the computation; state() must agree whenever both are at the same count. */
static void test_shani_matches_bearssl(void **state)
{
	(void)state;
	if (!have_shani())
		skip();
	const br_hash_class *vt = &c2d_sha_ni_vtable;
	uint64_t seed = 0x9E3779B97F4A7C15ULL, s = seed;
	size_t cap = 10001;
	uint8_t *data = malloc(cap);
	assert_non_null(data);

	for (int iter = 0; iter < 400; iter++) {
		size_t len = (size_t)(rng_next(&s) % cap);
		for (size_t i = 0; i < len; i++)
			data[i] = (uint8_t)rng_next(&s);
		c2d_sha256_context a;
		br_sha256_context b;
		uint8_t ha[32], hb[32], sa[32], sb[32];
		vt->init(&a.vtable);
		br_sha256_init(&b);
		size_t off = 0;
		while (off < len) {
			uint64_t r = rng_next(&s);
			size_t piece = (r & 7) == 0 ? (size_t)(r >> 8) % 700 : (size_t)(r >> 8) % 201;
			if (piece > len - off)
				piece = len - off;
			vt->update(&a.vtable, data + off, piece);
			b.vtable->update(&b.vtable, data + off, piece);
			off += piece;
			if ((r >> 40) % 5 == 0) {
				vt->out(&a.vtable, ha);
				br_sha256_out(&b, hb);
				if (memcmp(ha, hb, 32) != 0)
					fail_msg("mid-stream out differs: seed %llx iter %d off %zu",
						 (unsigned long long)seed, iter, off);
			}
			assert_int_equal(vt->state(&a.vtable, sa), b.vtable->state(&b.vtable, sb));
			assert_memory_equal(sa, sb, 32);
		}
		vt->out(&a.vtable, ha);
		br_sha256_out(&b, hb);
		if (memcmp(ha, hb, 32) != 0)
			fail_msg("digest differs: seed %llx iter %d len %zu", (unsigned long long)seed, iter,
				 len);
	}
	free(data);
}

/* state()/set_state() round trip at block boundaries, across the two
 * classes in both directions: a state saved from one class and restored in
 * the other continues the same computation. */
static void test_shani_state_round_trip(void **state)
{
	(void)state;
	if (!have_shani())
		skip();
	const br_hash_class *vt = &c2d_sha_ni_vtable;
	uint8_t data[1000], st[32], h1[32], h2[32], h3[32];
	uint64_t s = 12345;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)rng_next(&s);

	for (size_t cut = 0; cut <= 896; cut += 64) {
		c2d_sha256_context a, a2;
		br_sha256_context b, b2;
		vt->init(&a.vtable);
		vt->update(&a.vtable, data, cut);
		assert_int_equal(vt->state(&a.vtable, st), cut);

		/* SHA-NI -> BearSSL */
		br_sha256_init(&b2);
		br_sha256_set_state(&b2, st, cut);
		br_sha256_update(&b2, data + cut, sizeof(data) - cut);
		br_sha256_out(&b2, h1);

		/* BearSSL -> SHA-NI */
		br_sha256_init(&b);
		br_sha256_update(&b, data, cut);
		assert_int_equal(br_sha256_state(&b, st), cut);
		vt->init(&a2.vtable);
		vt->set_state(&a2.vtable, st, cut);
		vt->update(&a2.vtable, data + cut, sizeof(data) - cut);
		vt->out(&a2.vtable, h2);

		br_sha256_init(&b);
		br_sha256_update(&b, data, sizeof(data));
		br_sha256_out(&b, h3);
		assert_memory_equal(h1, h3, 32);
		assert_memory_equal(h2, h3, 32);
	}
}

/* The class works where BearSSL takes a const br_hash_class * (HMAC, with
 * keys longer than a block too, constant-time HMAC, HKDF). */
static void test_shani_in_bearssl_hmac_hkdf(void **state)
{
	(void)state;
	if (!have_shani())
		skip();
	const br_hash_class *vt = &c2d_sha_ni_vtable;
	uint8_t key[100], msg[300], t1[32], t2[32];
	uint64_t s = 777;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)rng_next(&s);
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)rng_next(&s);

	/* RFC 4231 test case 2. */
	br_hmac_key_context kc;
	br_hmac_context hc;
	br_hmac_key_init(&kc, vt, "Jefe", 4);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, "what do ya want for nothing?", 28);
	assert_int_equal(br_hmac_out(&hc, t1), 32);
	char hex[65];
	c2d_hex(t1, 32, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	static const size_t klens[] = { 0, 20, 64, 65, 100 };
	for (size_t k = 0; k < sizeof(klens) / sizeof(klens[0]); k++) {
		br_hmac_key_init(&kc, vt, key, klens[k]);
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, msg, sizeof(msg));
		br_hmac_out(&hc, t1);
		br_hmac_key_init(&kc, &br_sha256_vtable, key, klens[k]);
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, msg, sizeof(msg));
		br_hmac_out(&hc, t2);
		assert_memory_equal(t1, t2, 32);

		/* br_hmac_outCT: 250 bytes now, of which 0..50 are hidden. */
		for (size_t extra = 0; extra <= 50; extra += 7) {
			br_hmac_key_init(&kc, vt, key, klens[k]);
			br_hmac_init(&hc, &kc, 0);
			br_hmac_update(&hc, msg, 30);
			br_hmac_outCT(&hc, msg + 30, 200 + extra, 200, 250, t1);
			br_hmac_key_init(&kc, &br_sha256_vtable, key, klens[k]);
			br_hmac_init(&hc, &kc, 0);
			br_hmac_update(&hc, msg, 230 + extra);
			br_hmac_out(&hc, t2);
			assert_memory_equal(t1, t2, 32);
		}
	}

	uint8_t o1[100], o2[100];
	const br_hash_class *classes[2] = { vt, &br_sha256_vtable };
	uint8_t *outs[2] = { o1, o2 };
	for (int i = 0; i < 2; i++) {
		br_hkdf_context kd;
		br_hkdf_init(&kd, classes[i], "salt", 4);
		br_hkdf_inject(&kd, key, sizeof(key));
		br_hkdf_flip(&kd);
		br_hkdf_produce(&kd, "info", 4, outs[i], 100);
	}
	assert_memory_equal(o1, o2, sizeof(o1));
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
	c2d_digest_sha256(doc, n, h2);
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

/* c2d/grow.h: doubling from the first capacity, contents kept, and every
 * overflow refused with the array left as it was. */
static void test_grow(void **state)
{
	(void)state;
	size_t cap = 0;
	uint32_t *a = c2d_grow(NULL, &cap, 0, 0, sizeof(*a), 8);
	assert_non_null(a);   /* an empty array is always allocated */
	assert_int_equal(cap, 8);
	for (uint32_t i = 0; i < 5; i++)
		a[i] = 0x01020304u * i;
	assert_ptr_equal(c2d_grow(a, &cap, 5, 3, sizeof(*a), 8), a);   /* fits */
	assert_int_equal(cap, 8);
	a = c2d_grow(a, &cap, 5, 4, sizeof(*a), 8);
	assert_non_null(a);
	assert_int_equal(cap, 16);
	a = c2d_grow(a, &cap, 16, 100, sizeof(*a), 8);
	assert_non_null(a);
	assert_int_equal(cap, 128);   /* 16, 32, 64, 128: the least doubling that fits 116 */
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(a[i], 0x01020304u * i);
	a[127] = 7;   /* ASan: the whole capacity is there */

	/* The count, and the bytes, past size_t; no element size. */
	assert_null(c2d_grow(a, &cap, 128, SIZE_MAX - 64, sizeof(*a), 8));
	assert_null(c2d_grow(a, &cap, 128, SIZE_MAX / 4, sizeof(*a), 8));
	assert_null(c2d_grow(a, &cap, 128, 1, 0, 8));
	assert_int_equal(cap, 128);
	assert_int_equal(a[4], 0x01020304u * 4);   /* still the caller's */
	free(a);

	/* No first capacity: from one element. */
	cap = 0;
	uint8_t *b = c2d_grow(NULL, &cap, 0, 3, 1, 0);
	assert_non_null(b);
	assert_int_equal(cap, 4);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha_known_answers),
		cmocka_unit_test(test_shani_vtable_shape),
		cmocka_unit_test(test_shani_fips_vectors),
		cmocka_unit_test(test_shani_matches_bearssl),
		cmocka_unit_test(test_shani_state_round_trip),
		cmocka_unit_test(test_shani_in_bearssl_hmac_hkdf),
		cmocka_unit_test(test_digest_file_matches_buffer),
		cmocka_unit_test(test_compose_document_exact),
		cmocka_unit_test(test_compose_hash_binds_every_part),
		cmocka_unit_test(test_err_messages),
		cmocka_unit_test(test_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
