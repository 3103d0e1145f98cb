/* Unit tests of the crypto backends' self-tests (docs/architecture.md,
 * "Crypto self-tests"): every backend this CPU has reproduces its known
 * answers; a backend that answers wrongly (the test build's
 * C2D_TEST_CORRUPT hook) is never selected: the host falls back to
 * BearSSL's portable code and says so, the guest's policy fails closed, and
 * a broken portable backend stops everyone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "c2d/aead.h"
#include "c2d/digest.h"
#include "c2d/hex.h"
#include "c2d/sha_ni.h"

static const enum c2d_gcm_impl fast[] = { C2D_GCM_VAES, C2D_GCM_X86NI };

/* The fastest accelerated AES-GCM this CPU has, or C2D_GCM_AUTO for none. */
static enum c2d_gcm_impl best_fast(void)
{
	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
		if (c2d_gcm_kat(fast[i], NULL) != C2D_E_UNAVAILABLE)
			return fast[i];
	return C2D_GCM_AUTO;
}

static const char *gcm_name(enum c2d_gcm_impl impl)
{
	struct c2d_gcm g = { .impl = impl };
	return c2d_gcm_impl_name(&g);
}

static int teardown(void **state)
{
	(void)state;
	unsetenv("C2D_TEST_CORRUPT");
	return 0;
}

static void test_every_backend_passes(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_gcm_kat(C2D_GCM_CT64, &err), C2D_OK);
	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++) {
		int r = c2d_gcm_kat(fast[i], &err);
		if (r == C2D_E_UNAVAILABLE)
			print_message("skipped: no %s on this CPU\n", gcm_name(fast[i]));
		else
			assert_int_equal(r, C2D_OK);
	}
	assert_int_equal(c2d_gcm_kat(C2D_GCM_AUTO, &err), C2D_E_UNAVAILABLE);
	assert_int_equal(c2d_sha_ni_kat(&br_sha256_vtable, &err), C2D_OK);
	if (c2d_sha_ni_cpu())
		assert_int_equal(c2d_sha_ni_kat(&c2d_sha_ni_vtable, &err), C2D_OK);
	else
		print_message("skipped: no SHA-NI on this CPU\n");
	assert_int_equal(c2d_gcm_selftest(0, &err), 0);
	assert_int_equal(c2d_digest_selftest(0, &err), 0);
}

/* A wrong accelerated AES-GCM: refused by name, skipped by AUTO (whose
 * output is still right), reported for the host's warning, fatal to the
 * guest's policy. Without the known answers AUTO would pick it. */
static void test_gcm_wrong_backend_falls_back(void **state)
{
	(void)state;
	enum c2d_gcm_impl impl = best_fast();
	if (impl == C2D_GCM_AUTO) {
		print_message("skipped: no accelerated AES-GCM on this CPU\n");
		skip();
	}
	static const uint8_t key[32];
	uint8_t buf[16] = { 0 }, tag[16], want[16];
	struct c2d_err err = { 0 };
	struct c2d_gcm g;

	/* Test case 14 of McGrew and Viega: a zero key, nonce and block. */
	assert_int_equal(c2d_hex_decode("cea7403d4d606b6e074ec5d3baf39d18", 32, want, 16, NULL), C2D_OK);
	setenv("C2D_TEST_CORRUPT", gcm_name(impl), 1);
	assert_int_equal(c2d_gcm_kat(impl, &err), C2D_E_INTERNAL);
	assert_non_null(strstr(err.msg, gcm_name(impl)));
	assert_int_equal(c2d_gcm_init(&g, key, impl, &err), C2D_E_INTERNAL);
	assert_int_equal(c2d_gcm_init(&g, key, C2D_GCM_AUTO, &err), C2D_OK);
	assert_string_equal(c2d_gcm_impl_name(&g), "ct64");
	c2d_gcm_seal(&g, buf, NULL, 0, buf, sizeof(buf), tag);
	assert_memory_equal(buf, want, 16);
	c2d_gcm_wipe(&g);

	memset(&err, 0, sizeof(err));
	assert_int_equal(c2d_gcm_selftest(1, &err), 1);
	assert_non_null(strstr(err.msg, gcm_name(impl)));
	assert_int_equal(c2d_gcm_selftest(0, &err), C2D_E_INTERNAL);

	/* Nothing is remembered: the same process, the backend right again. */
	unsetenv("C2D_TEST_CORRUPT");
	assert_int_equal(c2d_gcm_init(&g, key, C2D_GCM_AUTO, &err), C2D_OK);
	assert_int_equal(g.impl, impl);
	c2d_gcm_wipe(&g);
}

static void test_gcm_wrong_portable_stops(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	setenv("C2D_TEST_CORRUPT", "ct64", 1);
	assert_int_equal(c2d_gcm_selftest(1, &err), C2D_E_INTERNAL);
	assert_string_equal(err.msg, "AES-GCM: the ct64 backend fails known answer 1 of 2");
	assert_int_equal(c2d_gcm_selftest(0, &err), C2D_E_INTERNAL);
}

/* A wrong SHA-NI: never returned by c2d_sha_ni_get_vtable(), so every
 * digest is still right; reported for the host, fatal to the guest. */
static void test_sha_wrong_backend_falls_back(void **state)
{
	(void)state;
	if (!c2d_sha_ni_cpu()) {
		print_message("skipped: no SHA-NI on this CPU\n");
		skip();
	}
	struct c2d_err err = { 0 };
	uint8_t h[32];
	char hex[65];

	setenv("C2D_TEST_CORRUPT", "sha-ni", 1);
	assert_int_equal(c2d_sha_ni_kat(&c2d_sha_ni_vtable, &err), C2D_E_INTERNAL);
	assert_string_equal(err.msg, "SHA-256: the sha-ni backend fails known answer 1 of 3");
	assert_ptr_equal(c2d_sha_ni_get_vtable(), &br_sha256_vtable);
	assert_string_equal(c2d_digest_sha256_impl(), "bearssl");
	c2d_digest_sha256("abc", 3, h);
	c2d_hex(h, sizeof(h), hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(c2d_digest_selftest(1, &err), 1);
	assert_int_equal(c2d_digest_selftest(0, &err), C2D_E_INTERNAL);

	unsetenv("C2D_TEST_CORRUPT");
	assert_ptr_equal(c2d_sha_ni_get_vtable(), &c2d_sha_ni_vtable);
}

static void test_sha_wrong_portable_stops(void **state)
{
	(void)state;
	struct c2d_err err = { 0 };
	setenv("C2D_TEST_CORRUPT", "bearssl", 1);
	assert_int_equal(c2d_digest_selftest(1, &err), C2D_E_INTERNAL);
	assert_string_equal(err.msg, "SHA-256: the bearssl backend fails known answer 1 of 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_every_backend_passes, teardown),
		cmocka_unit_test_teardown(test_gcm_wrong_backend_falls_back, teardown),
		cmocka_unit_test_teardown(test_gcm_wrong_portable_stops, teardown),
		cmocka_unit_test_teardown(test_sha_wrong_backend_falls_back, teardown),
		cmocka_unit_test_teardown(test_sha_wrong_portable_stops, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
