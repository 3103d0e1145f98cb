/* Unit tests of the sealing primitives: AES-GCM implementations, STREAM,
 * the key wrap, schemas, row groups and the header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "c2d/aead.h"
#include "c2d/aes_vaes.h"
#include "c2d/hex.h"
#include "c2d/keywrap.h"
#include "c2d/random.h"
#include "c2d/rowgroup.h"
#include "c2d/schema.h"
#include "c2d/sealfmt.h"
#include "c2d/stream.h"

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = strlen(s) / 2;
	assert_int_equal(c2d_hex_decode(s, strlen(s), out, n, NULL), 0);
	return n;
}

/* Random test data; a failing getrandom fails the test. */
static void rnd(void *p, size_t n)
{
	assert_int_equal(c2d_random(p, n, NULL), C2D_OK);
}

static const enum c2d_gcm_impl impls[] = { C2D_GCM_CT64, C2D_GCM_X86NI, C2D_GCM_VAES };

/* McGrew and Viega, "The Galois/Counter Mode of Operation", test cases
 * 13 to 15 (AES-256); test case 16 is among the backends' own known answers
 * (c2d_gcm_kat(), which test_crypto runs on every implementation). */
static const struct {
	const char *k, *iv, *a, *p, *c, *t;
} gcm_vectors[] = {
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888", "",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c" },
};

static void test_gcm_known_answers_every_impl(void **state)
{
	(void)state;
	for (size_t m = 0; m < sizeof(impls) / sizeof(impls[0]); m++) {
		for (size_t v = 0; v < sizeof(gcm_vectors) / sizeof(gcm_vectors[0]); v++) {
			uint8_t k[32], iv[12], a[64], p[64], c[64], t[16], tag[16], buf[64];
			unhex(gcm_vectors[v].k, k);
			unhex(gcm_vectors[v].iv, iv);
			size_t al = unhex(gcm_vectors[v].a, a), pl = unhex(gcm_vectors[v].p, p);
			unhex(gcm_vectors[v].c, c);
			unhex(gcm_vectors[v].t, t);
			struct c2d_gcm g;
			if (c2d_gcm_init(&g, k, impls[m], NULL) < 0) {
				print_message("skipped: %d not supported by this CPU\n", impls[m]);
				continue;
			}
			memcpy(buf, p, pl);
			c2d_gcm_seal(&g, iv, a, al, buf, pl, tag);
			assert_memory_equal(buf, c, pl);
			assert_memory_equal(tag, t, 16);
			assert_int_equal(c2d_gcm_open(&g, iv, a, al, buf, pl, tag, NULL), C2D_OK);
			assert_memory_equal(buf, p, pl);
			if (pl > 0) {
				memcpy(buf, c, pl);
				buf[pl - 1] ^= 1;
				assert_int_equal(c2d_gcm_open(&g, iv, a, al, buf, pl, tag, NULL), C2D_E_REFUSED);
				/* A failed check leaves no plaintext behind. */
				for (size_t i = 0; i < pl; i++)
					assert_int_equal(buf[i], 0);
			}
			c2d_gcm_wipe(&g);
		}
	}
}

/* Every implementation gives the same bytes on random lengths, keys, AAD. */
static void test_gcm_implementations_agree(void **state)
{
	(void)state;
	struct c2d_gcm ref, other;
	uint8_t key[32], nonce[12], aad[100], *a = malloc(70000), *b = malloc(70000);
	uint8_t ta[16], tb[16];
	for (int round = 0; round < 200; round++) {
		uint8_t len_bytes[4];
		rnd(len_bytes, sizeof(len_bytes));
		size_t len = (len_bytes[0] | len_bytes[1] << 8 | (len_bytes[2] & 1) << 16) % 70000;
		size_t alen = len_bytes[3] % sizeof(aad);
		rnd(key, 32);
		rnd(nonce, 12);
		rnd(aad, alen);
		rnd(a, len);
		memcpy(b, a, len);
		assert_int_equal(c2d_gcm_init(&ref, key, C2D_GCM_CT64, NULL), C2D_OK);
		c2d_gcm_seal(&ref, nonce, aad, alen, a, len, ta);
		for (size_t m = 1; m < sizeof(impls) / sizeof(impls[0]); m++) {
			if (c2d_gcm_init(&other, key, impls[m], NULL) < 0)
				continue;
			uint8_t *c = malloc(len ? len : 1);
			memcpy(c, b, len);
			c2d_gcm_seal(&other, nonce, aad, alen, c, len, tb);
			assert_memory_equal(a, c, len);
			assert_memory_equal(ta, tb, 16);
			free(c);
		}
	}
	free(a);
	free(b);
}

/* A uniformly random value below n (n > 0), for test parameters only. */
static size_t rand_below(size_t n)
{
	uint8_t b[4];
	rnd(b, sizeof(b));
	return ((size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16 | (size_t)b[3] << 24) % n;
}

/* The VAES counter mode and the VPCLMULQDQ GHASH, each on its own, give
 * BearSSL's constant-time results: random keys of every size, IVs, start
 * counters (a quarter of them within a few blocks of the 32-bit wrap),
 * lengths 0..5000 at unaligned addresses; GHASH on random y, h and lengths. */
static void test_vaes_pieces_match_bearssl(void **state)
{
	(void)state;
	const br_block_ctr_class *vaes = c2d_aes_vaes_ctr_get_vtable();
	br_ghash vpclmul = c2d_aes_vaes_ghash_get();
	if (vaes == NULL || vpclmul == 0) {
		print_message("skipped: no VAES\n");
		skip();
	}
	assert_true(vaes->context_size <= sizeof(c2d_aes_vaes_ctr_keys));
	assert_int_equal(vaes->block_size, 16);
	assert_int_equal(vaes->log_block_size, 4);

	static const size_t key_lens[] = { 16, 24, 32 };
	enum { MAXLEN = 5000 };
	uint8_t *a = malloc(MAXLEN + 32), *b = malloc(MAXLEN + 32), *c = malloc(MAXLEN + 32);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	for (int round = 0; round < 600; round++) {
		c2d_aes_vaes_ctr_keys kv;
		br_aes_ct64_ctr_keys kr;
		br_aes_big_ctr_keys kbig;
		uint8_t key[32], iv[12];
		size_t klen = key_lens[round % 3], len = rand_below(MAXLEN + 1);
		size_t off = rand_below(32);
		uint32_t cc;

		/* Lengths around the 16-block stride are where the tail code
		 * takes over; make sure they come up. */
		if (round % 5 == 0)
			len = 256 * (1 + rand_below(MAXLEN / 256)) - 16 + 16 * rand_below(3) + rand_below(2);
		rnd(key, klen);
		rnd(iv, sizeof(iv));
		rnd(&cc, sizeof(cc));
		if (round % 4 == 0)
			cc = 0xFFFFFFFFu - (uint32_t)rand_below(40);
		rnd(a + off, len);
		memcpy(b + off, a + off, len);

		vaes->init(&kv.vtable, key, klen);
		br_aes_ct64_ctr_vtable.init(&kr.vtable, key, klen);
		br_aes_big_ctr_vtable.init(&kbig.vtable, key, klen);
		uint32_t rv = vaes->run(&kv.vtable, iv, cc, a + off, len);
		uint32_t rr = br_aes_ct64_ctr_vtable.run(&kr.vtable, iv, cc, b + off, len);
		assert_memory_equal(a + off, b + off, len);
		/* The return value is the next unused counter, as BearSSL's
		 * reference aes_big returns it. ct64 (and x86ni) agree when len
		 * is whole blocks, the only case br_gcm_* produces; on a final
		 * partial block they do not count it. */
		memcpy(c + off, b + off, len);
		uint32_t rbig = br_aes_big_ctr_vtable.run(&kbig.vtable, iv, cc, c + off, len);
		assert_int_equal(rv, rbig);
		assert_int_equal(rv, (uint32_t)(cc + (uint32_t)((len + 15) / 16)));
		if (len % 16 == 0)
			assert_int_equal(rv, rr);

		uint8_t y[16], y2[16], h[16];
		rnd(y, sizeof(y));
		memcpy(y2, y, sizeof(y));
		rnd(h, sizeof(h));
		/* Both values of the bit that the key set-up reduces on. */
		h[0] = (uint8_t)((h[0] & 0x7F) | (round & 1) << 7);
		vpclmul(y, h, a + off, len);
		br_ghash_ctmul64(y2, h, a + off, len);
		assert_memory_equal(y, y2, sizeof(y));
	}
	free(a);
	free(b);
	free(c);
}

static void fill_recipe(struct c2d_recipe *r, secp256k1_context *ctx, uint8_t kms_sk[32])
{
	do
		rnd(kms_sk, 32);
	while (!secp256k1_ec_seckey_verify(ctx, kms_sk));
	assert_int_equal(c2d_kw_pubkey(ctx, kms_sk, r->kms_pubkey, NULL), C2D_OK);
	rnd(r->app_id, sizeof(r->app_id));
	rnd(r->compose_hash, sizeof(r->compose_hash));
}

/* The key wrap: the KMS re-derives the key; any other recipe field, owner
 * or dataset gives another key that opens nothing; one dataset's wrap key
 * opens no other dataset. */
static void test_keywrap_binding(void **state)
{
	(void)state;
	secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	struct c2d_recipe rc;
	uint8_t kms_sk[32], owner[20], dsid[32], eph[32], dk[32], pub[33], wrapped[48];
	fill_recipe(&rc, ctx, kms_sk);
	rnd(owner, 20);
	rnd(dsid, 32);
	rnd(dk, 32);
	do
		rnd(eph, 32);
	while (!secp256k1_ec_seckey_verify(ctx, eph));
	struct c2d_wrap_binding b = { &rc, owner, dsid };
	assert_int_equal(c2d_kw_wrap(ctx, &b, eph, dk, pub, wrapped, NULL), C2D_OK);

	uint8_t wk[32], out[32];
	assert_int_equal(c2d_kw_derive_kms(ctx, &b, kms_sk, pub, wk, NULL), C2D_OK);
	assert_int_equal(c2d_kw_unwrap(wk, wrapped, out, NULL), C2D_OK);
	assert_memory_equal(out, dk, 32);

	/* Each bound field, changed by one bit, gives another wrap key. */
	uint8_t *fields[] = { rc.app_id, rc.compose_hash, owner, dsid };
	for (size_t f = 0; f < 4; f++) {
		uint8_t wk2[32];
		fields[f][0] ^= 1;
		assert_int_equal(c2d_kw_derive_kms(ctx, &b, kms_sk, pub, wk2, NULL), C2D_OK);
		assert_memory_not_equal(wk, wk2, 32);
		struct c2d_err err = { 0 };
		assert_int_equal(c2d_kw_unwrap(wk2, wrapped, out, &err), C2D_E_REFUSED);
		assert_non_null(strstr(err.msg, "does not unwrap"));
		for (int i = 0; i < 32; i++)
			assert_int_equal(out[i], 0);
		fields[f][0] ^= 1;
	}
	/* Another KMS key (a recipe naming another KMS) derives another key. */
	struct c2d_recipe rc2 = rc;
	uint8_t kms2[32], wk3[32];
	fill_recipe(&rc2, ctx, kms2);
	struct c2d_wrap_binding b2 = { &rc2, owner, dsid };
	assert_int_equal(c2d_kw_derive_kms(ctx, &b2, kms2, pub, wk3, NULL), C2D_OK);
	assert_int_equal(c2d_kw_unwrap(wk3, wrapped, out, NULL), C2D_E_REFUSED);

	/* A second dataset of the same owner and recipe: its wrap key differs
	 * and opens neither the first dataset's key nor is opened by it. */
	uint8_t eph2[32], dk2[32], pub2[33], wrapped2[48], wk4[32];
	rnd(dk2, 32);
	do
		rnd(eph2, 32);
	while (!secp256k1_ec_seckey_verify(ctx, eph2));
	assert_int_equal(c2d_kw_wrap(ctx, &b, eph2, dk2, pub2, wrapped2, NULL), C2D_OK);
	assert_int_equal(c2d_kw_derive_kms(ctx, &b, kms_sk, pub2, wk4, NULL), C2D_OK);
	assert_memory_not_equal(wk, wk4, 32);
	assert_int_equal(c2d_kw_unwrap(wk, wrapped2, out, NULL), C2D_E_REFUSED);
	assert_int_equal(c2d_kw_unwrap(wk4, wrapped, out, NULL), C2D_E_REFUSED);
	assert_int_equal(c2d_kw_unwrap(wk4, wrapped2, out, NULL), C2D_OK);
	assert_memory_equal(out, dk2, 32);

	/* Malformed keys are refused, not crashed on. */
	uint8_t badpub[33] = { 4 };
	assert_int_equal(c2d_kw_derive_kms(ctx, &b, kms_sk, badpub, wk, NULL), C2D_E_INPUT);
	uint8_t zero[32] = { 0 };
	assert_int_equal(c2d_kw_wrap(ctx, &b, zero, dk, pub, wrapped, NULL), C2D_E_INPUT);
	secp256k1_context_destroy(ctx);
}

/* STREAM: in order it opens; reordered, truncated, extended, duplicated or
 * under another header digest it does not. */
static void test_stream_tamper(void **state)
{
	(void)state;
	uint8_t key[32], prefix[7], aad[32], aad2[32];
	rnd(key, 32);
	rnd(prefix, 7);
	rnd(aad, 32);
	memcpy(aad2, aad, 32);
	aad2[5] ^= 0x40;
	uint8_t chunks[3][100], tags[3][16];
	struct c2d_stream s;
	assert_int_equal(c2d_stream_init(&s, key, prefix, aad, C2D_GCM_AUTO, NULL), C2D_OK);
	for (int i = 0; i < 3; i++) {
		memset(chunks[i], 'a' + i, 100);
		assert_int_equal(c2d_stream_seal(&s, chunks[i], 100, i == 2, tags[i], NULL), C2D_OK);
	}
	assert_int_equal(c2d_stream_seal(&s, chunks[0], 100, 0, tags[0], NULL), C2D_E_INPUT);
	c2d_stream_wipe(&s);

	/* open(order, lasts): 1 if every chunk opens. */
#define TRY(ORDER, N, LASTOK, AAD, WANT) do { \
		struct c2d_stream o; \
		int ok = 1; \
		assert_int_equal(c2d_stream_init(&o, key, prefix, AAD, C2D_GCM_AUTO, NULL), C2D_OK); \
		for (int j = 0; j < (N) && ok; j++) { \
			uint8_t buf[100]; \
			memcpy(buf, chunks[ORDER[j]], 100); \
			int last = LASTOK ? j == (N) - 1 : 0; \
			ok = c2d_stream_open(&o, buf, 100, last, tags[ORDER[j]], NULL) == C2D_OK; \
		} \
		assert_int_equal(ok, WANT); \
		c2d_stream_wipe(&o); \
	} while (0)
	static const int in_order[] = { 0, 1, 2 }, swapped[] = { 1, 0, 2 }, dup[] = { 0, 0, 1, 2 };
	static const int cut[] = { 0, 1 };
	TRY(in_order, 3, 1, aad, 1);
	TRY(swapped, 3, 1, aad, 0);
	TRY(dup, 4, 1, aad, 0);
	TRY(cut, 2, 1, aad, 0);       /* truncation: chunk 1 was not the last */
	TRY(in_order, 3, 0, aad, 0);  /* the last chunk presented as not last */
	TRY(in_order, 3, 1, aad2, 0); /* another header */
#undef TRY
}

static struct c2d_schema make_schema(void)
{
	static char *labels[] = { "F", "M", "a,\"b\"" };
	struct c2d_schema s = { 6, calloc(6, sizeof(struct c2d_column)) };
	strcpy(s.cols[0].name, "age");
	s.cols[0].type = C2D_T_INT64;
	s.cols[0].flags = C2D_COL_HAS_MIN | C2D_COL_HAS_MAX;
	s.cols[0].min.i = 0;
	s.cols[0].max.i = 120;
	strcpy(s.cols[1].name, "egfr");
	s.cols[1].type = C2D_T_FLOAT64;
	s.cols[1].flags = C2D_COL_NULLABLE | C2D_COL_HAS_MAX;
	s.cols[1].max.f = 200.5;
	strcpy(s.cols[2].name, "sex");
	s.cols[2].type = C2D_T_CATEGORY;
	s.cols[2].ncats = 3;
	s.cols[2].cats = calloc(3, sizeof(char *));
	for (int i = 0; i < 3; i++)
		s.cols[2].cats[i] = strdup(labels[i]);
	strcpy(s.cols[3].name, "diabetes");
	s.cols[3].type = C2D_T_BOOL;
	s.cols[3].flags = C2D_COL_NULLABLE;
	strcpy(s.cols[4].name, "visit");
	s.cols[4].type = C2D_T_DATE;
	s.cols[4].flags = C2D_COL_HAS_MIN;
	s.cols[4].min.i = -1000;
	strcpy(s.cols[5].name, "n");
	s.cols[5].type = C2D_T_INT64;
	return s;
}

static void test_schema_round_trip_and_rules(void **state)
{
	(void)state;
	struct c2d_schema s = make_schema();
	assert_int_equal(c2d_schema_check(&s, NULL), C2D_OK);
	size_t n = c2d_schema_encoded_len(&s);
	uint8_t *buf = malloc(n);
	c2d_schema_encode(&s, buf);
	struct c2d_reader r;
	struct c2d_schema t;
	c2d_reader_init(&r, buf, n);
	assert_int_equal(c2d_schema_decode(&r, &t, NULL), C2D_OK);
	assert_int_equal(r.left, 0);
	assert_int_equal(t.ncols, 6);
	assert_string_equal(t.cols[2].cats[2], "a,\"b\"");
	assert_true(t.cols[1].max.f == 200.5);
	assert_int_equal(t.cols[4].min.i, -1000);
	c2d_schema_free(&t);
	/* Every truncation is refused cleanly. */
	for (size_t cut = 0; cut < n; cut++) {
		c2d_reader_init(&r, buf, cut);
		assert_int_equal(c2d_schema_decode(&r, &t, NULL), C2D_E_INPUT);
	}
	free(buf);

	struct c2d_err err = { 0 };
	strcpy(s.cols[5].name, "age");
	assert_int_equal(c2d_schema_check(&s, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "'age' appears twice"));
	strcpy(s.cols[5].name, "bad name");
	assert_int_equal(c2d_schema_check(&s, &err), C2D_E_INPUT);
	strcpy(s.cols[5].name, "n");
	s.cols[3].flags |= C2D_COL_HAS_MIN;
	assert_int_equal(c2d_schema_check(&s, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "bool column has no bounds"));
	s.cols[3].flags = 0;
	s.cols[0].min.i = 200;
	assert_int_equal(c2d_schema_check(&s, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "min is above max"));
	s.cols[0].min.i = 0;
	free(s.cols[2].cats[1]);
	s.cols[2].cats[1] = strdup("F");
	assert_int_equal(c2d_schema_check(&s, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "label 'F' appears twice"));
	c2d_schema_free(&s);
}

static void test_rowgroup_round_trip_and_checks(void **state)
{
	(void)state;
	struct c2d_schema s = make_schema();
	struct c2d_rg_builder b;
	assert_int_equal(c2d_rg_builder_init(&b, &s, 13, NULL), C2D_OK);
	for (uint32_t i = 0; i < 13; i++) {
		c2d_rg_set_i64(&b, 0, i);
		if (i % 3)
			c2d_rg_set_f64(&b, 1, i * 1.5);
		else
			c2d_rg_set_null(&b, 1);
		c2d_rg_set_cat(&b, 2, (uint16_t)(i % 3));
		c2d_rg_set_bool(&b, 3, i & 1);
		c2d_rg_set_date(&b, 4, (int32_t)i - 5);
		c2d_rg_set_i64(&b, 5, -(int64_t)i);
		assert_int_equal(c2d_rg_end_row(&b), i == 12);
	}
	uint8_t *g = malloc(C2D_RG_HEADER_LEN + c2d_rg_body_len(&s, 13));
	size_t len = c2d_rg_flush(&b, g);
	assert_int_equal(len, C2D_RG_HEADER_LEN + c2d_rg_body_len(&s, 13));
	assert_int_equal(len % 8, 0);
	struct c2d_rg_col cols[6];
	assert_int_equal(c2d_rg_decode(&s, 13, g + 8, len - 8, cols, NULL), C2D_OK);
	assert_false(c2d_rg_present(&cols[1], 0));
	assert_true(c2d_rg_present(&cols[1], 1));
	double v;
	memcpy(&v, cols[1].data + 8 * 4, 8);
	assert_true(v == 6.0);
	assert_int_equal(cols[2].data[2 * 5], 2);
	assert_int_equal((cols[3].data[0] >> 3) & 1, 1);

	struct c2d_err err = { 0 };
	/* A category index out of range. */
	uint8_t *h = malloc(len);
	memcpy(h, g, len);
	size_t cat_off = (size_t)(cols[2].data - (g + 8)) + 8;
	h[cat_off] = 3;
	assert_int_equal(c2d_rg_decode(&s, 13, h + 8, len - 8, cols, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "category index is out of range"));
	/* A value above the schema's max. */
	memcpy(h, g, len);
	h[8] = 121;
	assert_int_equal(c2d_rg_decode(&s, 13, h + 8, len - 8, cols, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "outside the schema's bounds"));
	/* Every kind of bad value, in every row of every column: refused,
	 * and named (the whole-column fast check must never accept what the
	 * row-by-row check refuses). Column offsets from the good decode. */
	struct c2d_rg_col good[6];
	assert_int_equal(c2d_rg_decode(&s, 13, g + 8, len - 8, good, NULL), C2D_OK);
	static const double bad_f[] = { 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, 1e300, 300.0 };
	size_t checked = 0;
	for (uint32_t row = 0; row < 13; row++) {
		struct { int col; size_t w; uint64_t v; } cases[] = {
			{ 0, 8, 121 }, { 0, 8, (uint64_t)-1 },           /* int64 above max, below min */
			{ 2, 2, 3 }, { 2, 2, 0xffff },                    /* category out of range */
			{ 4, 4, (uint32_t)-2000 },                        /* date below min */
		};
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			memcpy(h, g, len);
			uint8_t *at = h + (good[cases[c].col].data - g) + cases[c].w * row;
			for (size_t k = 0; k < cases[c].w; k++)
				at[k] = (uint8_t)(cases[c].v >> (8 * k));
			assert_int_equal(c2d_rg_decode(&s, 13, h + 8, len - 8, cols, &err), C2D_E_INPUT);
			checked++;
		}
		for (size_t f = 0; f < sizeof(bad_f) / sizeof(bad_f[0]); f++) {
			memcpy(h, g, len);
			uint8_t *at = h + (good[1].data - g) + 8 * (size_t)row;
			memcpy(at, &bad_f[f], 8);
			/* A missing value must be zero, a present one finite and
			 * in range: each of these breaks one or the other. */
			assert_int_equal(c2d_rg_decode(&s, 13, h + 8, len - 8, cols, &err), C2D_E_INPUT);
			assert_true(strstr(err.msg, "row ") != NULL);
			checked++;
		}
	}
	assert_int_equal(checked, 13 * 10);
	/* Wrong length. */
	assert_int_equal(c2d_rg_decode(&s, 13, g + 8, len - 16, cols, &err), C2D_E_INPUT);
	assert_int_equal(c2d_rg_decode(&s, 12, g + 8, len - 8, cols, &err), C2D_E_INPUT);
	free(h);
	free(g);
	c2d_rg_builder_free(&b);
	c2d_schema_free(&s);
}

static void test_header_round_trip_and_digest(void **state)
{
	(void)state;
	struct c2d_seal_header h = { .chunk_size = 4096, .total_len = 5000, .row_count = 7 };
	memset(h.recipe.kms_pubkey, 0x11, 33);
	h.recipe.kms_pubkey[0] = 2;
	memset(h.ephemeral_pubkey, 0x22, 33);
	h.ephemeral_pubkey[0] = 3;
	memset(h.dataset_id, 0x33, 32);
	h.schema = make_schema();
	uint8_t *buf;
	size_t len;
	assert_int_equal(c2d_sealhdr_encode(&h, &buf, &len, NULL), C2D_OK);
	assert_int_equal(len % 16, 0);
	assert_memory_equal(buf, "C2DSEAL\0\1\0\0\0", 12);
	struct c2d_seal_header p;
	assert_int_equal(c2d_sealhdr_parse(buf, len, &p, NULL), C2D_OK);
	assert_int_equal(p.row_count, 7);
	assert_int_equal(p.total_len, 5000);
	assert_memory_equal(p.dataset_id, h.dataset_id, 32);
	c2d_sealhdr_free(&p);

	uint8_t d1[32], d2[32];
	c2d_sealhdr_digest(buf, len, d1);
	/* The counts are outside the digest; every other byte is in it. */
	c2d_sealhdr_set_counts(buf, 9999, 8);
	c2d_sealhdr_digest(buf, len, d2);
	assert_memory_equal(d1, d2, 32);
	for (size_t i = 0; i < len; i++) {
		if (i >= 16 && i < 32)
			continue;
		buf[i] ^= 0x80;
		c2d_sealhdr_digest(buf, len, d2);
		assert_memory_not_equal(d1, d2, 32);
		buf[i] ^= 0x80;
	}
	struct c2d_err err = { 0 };
	buf[len - 1] = 1; /* non-zero padding */
	assert_int_equal(c2d_sealhdr_parse(buf, len, &p, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "padding is not zero"));
	buf[len - 1] = 0;
	buf[8] = 2; /* version 2 */
	assert_int_equal(c2d_sealhdr_parse(buf, len, &p, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "version 2"));
	free(buf);
	c2d_schema_free(&h.schema);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_known_answers_every_impl),
		cmocka_unit_test(test_gcm_implementations_agree),
		cmocka_unit_test(test_vaes_pieces_match_bearssl),
		cmocka_unit_test(test_keywrap_binding),
		cmocka_unit_test(test_stream_tamper),
		cmocka_unit_test(test_schema_round_trip_and_rules),
		cmocka_unit_test(test_rowgroup_round_trip_and_checks),
		cmocka_unit_test(test_header_round_trip_and_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
