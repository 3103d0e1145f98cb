/* AES-256-GCM: see c2d/aead.h. */
#include "c2d/aead.h"

#include <stdlib.h>
#include <string.h>

#include <bearssl_hash.h>

#include "c2d/hex.h"

/*
 * br_gcm_run() runs the counter mode over all the data it is given, then
 * GHASH over all of it. Slicing a call into 16 KiB pieces, to find the data
 * still in L1 for the second pass, measured about 5% slower on a 1 MiB L2
 * machine with 1 MiB chunks (the whole chunk stays in L2): one call it is.
 */

/*
 * Set *ctr and *gh to the counter mode and GHASH of impl (not
 * C2D_GCM_AUTO); return 0, or -1 if this CPU cannot run them. Unknown values
 * get ct64, which runs everywhere.
 */
static int gcm_parts(enum c2d_gcm_impl impl, const br_block_ctr_class **ctr, br_ghash *gh)
{
	switch (impl) {
	case C2D_GCM_VAES:
		*ctr = c2d_aes_vaes_ctr_get_vtable();
		*gh = c2d_aes_vaes_ghash_get();
		break;
	case C2D_GCM_X86NI:
		*ctr = br_aes_x86ni_ctr_get_vtable();
		*gh = br_ghash_pclmul_get();
		break;
	default:
		*ctr = &br_aes_ct64_ctr_vtable;
		*gh = br_ghash_ctmul64;
		break;
	}
	return *ctr != NULL && *gh != 0 ? 0 : -1;
}

static const char *impl_name(enum c2d_gcm_impl impl)
{
	switch (impl) {
	case C2D_GCM_VAES: return "vaes+vpclmul";
	case C2D_GCM_X86NI: return "x86ni+pclmul";
	case C2D_GCM_CT64: return "ct64";
	default: return "?";
	}
}

/* Keys g with ctr and gh, as impl; no check of any kind. */
static void gcm_setup(struct c2d_gcm *g, const uint8_t key[32], enum c2d_gcm_impl impl,
		      const br_block_ctr_class *ctr, br_ghash gh)
{
	memset(g, 0, sizeof(*g));
	g->impl = impl;
	ctr->init(&g->keys.vtable, key, 32);
	br_gcm_init(&g->gcm, &g->keys.vtable, gh);
}

/* ------------------------------------------------------------------------
 * Known answers (docs/architecture.md, "Crypto self-tests"): McGrew and
 * Viega's GCM test case 16 (a 20-byte AAD and a 60-byte message, each
 * ending in a partial block) and Wycheproof's aes_gcm_test.json tcId 113
 * (511 bytes: the VAES code's 256-byte counter loop and 8-block GHASH, then
 * its 32-byte and single blocks and a 15-byte tail). In hex, as published,
 * so that they can be checked against their sources by eye.
 */
static const struct {
	const char *key, *iv, *aad, *pt, *ct, *tag;
} gcm_kat[] = {
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
	{ "4f62e56f7b15035f427849714beb97e6acf88371e1f69b388129bb447273d6b8",
	  "137d5c98a92f6dcee4f29d7c", "",
	  "a147b716b86ac8dac7447d5ba60ee8a4191d2c64a3aa04276aee7bf7dc824962c09ace20a7e614cc9e177b5b"
	  "11819b8f17008a9408e8cd8bb34b401be35368f492c17629b6467299bfd2ec4d9a7f17dea6f9ca084e871fb7"
	  "fc78c2bf299b810522062726c5cae14b839722ecff499a2b3f082b6d1bfedb752f84a4e77459c9268d631993"
	  "15363e9aaa39bea7fbbcc60a5eedc8a1a982ad6fa67c295b932eb3999047e0a99b3823032b6b3b7c4c553970"
	  "afca50cb4e5ce859c25c598eb682005f17aec5526e26493208483679a23ccef6f7403a3f3055affd531a1cb7"
	  "d183892dd577d526e8da8aa8b8b980a36e176b8d9293e785ac01bdd4dac8cf8dbdd82926f1e31408284fb3aa"
	  "01f4414ac7aa7832d2ec02dd2db9b6b4b61d8c1cbb31dac7b6afa8d08b6877e439600c4a6fc07511877df2e9"
	  "ce3a9538a726002a46c083d98124b185730f3b2aea2a01cb626be809f87b2ac100511c5b8fa0e9d40c9c999e"
	  "a0aa87aad08cfb62c1ba869178be986156f7622d8c48ad80a552e9d08c36671ae232efefc8619c562e715f04"
	  "ae52db2ad8e4a09e8c671b12289558117f9562d51beb59e29b10dd9eb232e8fcdb1cfdd14899acd693de14a7"
	  "c076a4656386e23b06415b2c7a93b166cad1048bc605a49a79df3c03a3380de68a4f013e05e5283745d4078e"
	  "be308dc8881ced62ed571a93c69e8aae6e51f5e61e4ff75699aa32",
	  "b194e6c8f83e09515d4ea95c00578fdaee8f9d35ad09a560ba81a51accc49416598516c747e16dbc5c44bfd5"
	  "c790ba59b47a6f573a43b26cdbb240230b1dca00447770c4cf647df2a79eca3f4a8b2de08f9fbc4489c30f6b"
	  "cfcd096f1aa4177fa281248e8e19e2ea7d1f049b7053947a3a67e946ebbed67466e009b63debceba54cc881e"
	  "55e2d68f3f584380d6fb7b0e9a3fdbd709adac3a47d6f9a5fcaf03218e18cca5a7a0e340a774cd5c39d7031b"
	  "63b5b5b896e1e705b4ded099c3c11150738b2107f61f1423fb72ed0a16070cd6f8a18ae90b167b707c23ddc8"
	  "5a1b6ff5a3ec5e654b1446c6eae787c31a94bc9ab5376dfea31bf8dfbdabce45c750111946e64c22d23c46d7"
	  "ef644ca02c69205d59b1815a6a6e8b14fe7e2d8ad17fc75e656706b67f257523d517d9f8b83150a88359e56d"
	  "6432859f8f90eaba70cf90f86995afc85c33992591536ba353ae14a6932dc96ad72687ac34c2d4d5c92e51da"
	  "246f557785df1944d2c3c83536739b7d8475ba39c639df4ce69859c6ffb9e994545699a3a19d53979bfa34fd"
	  "ec856a9f12ac70bdeacf172721496d76d8073a76e8160d99f4b7466e05a8f006cb448d2af7ee308ca19440aa"
	  "ca08f34422da830e476269c829a2b5b64acea4f1143d1857cc2699ea3bf2e076b16e50a9071cf15352189edf"
	  "278984102ebcc751d46510b816afafdb3fea37a7d49662ff090392",
	  "79e64c4c0e8bb3a214955584d2bc8b16" },
};

/* The known answers on ctr and gh (impl names them): seal, then open. */
static c2d_status kat_run(enum c2d_gcm_impl impl, const br_block_ctr_class *ctr, br_ghash gh,
			  struct c2d_err *err)
{
	const size_t n = sizeof(gcm_kat) / sizeof(gcm_kat[0]);
	uint8_t key[32], iv[C2D_GCM_NONCE_LEN], aad[20], pt[511], ct[511], tag[16], buf[511], out[16];
	struct c2d_gcm g;

	for (size_t i = 0; i < n; i++) {
		size_t al = strlen(gcm_kat[i].aad) / 2, len = strlen(gcm_kat[i].pt) / 2;
		if (al > sizeof(aad) || len > sizeof(pt) ||
		    c2d_hex_decode(gcm_kat[i].key, 64, key, 32, err) < 0 ||
		    c2d_hex_decode(gcm_kat[i].iv, 24, iv, sizeof(iv), err) < 0 ||
		    c2d_hex_decode(gcm_kat[i].aad, 2 * al, aad, al, err) < 0 ||
		    c2d_hex_decode(gcm_kat[i].pt, 2 * len, pt, len, err) < 0 ||
		    c2d_hex_decode(gcm_kat[i].ct, 2 * len, ct, len, err) < 0 ||
		    c2d_hex_decode(gcm_kat[i].tag, 32, tag, 16, err) < 0)
			return c2d_fail(err, C2D_E_INTERNAL, "AES-GCM: known answer %zu is malformed", i + 1);
		gcm_setup(&g, key, impl, ctr, gh);
		memcpy(buf, pt, len);
		c2d_gcm_seal(&g, iv, aad, al, buf, len, out);
#ifdef C2D_TEST_HOOKS
		/* Test builds only: a backend named here answers wrongly
		 * (tests/unit/test_crypto.c shows the fallback this way). */
		const char *bad = getenv("C2D_TEST_CORRUPT");
		if (bad != NULL && strcmp(bad, impl_name(impl)) == 0)
			out[15] ^= 1;
#endif
		int ok = memcmp(buf, ct, len) == 0 && memcmp(out, tag, 16) == 0 &&
			 c2d_gcm_open(&g, iv, aad, al, buf, len, tag, NULL) == C2D_OK &&
			 memcmp(buf, pt, len) == 0;
		c2d_gcm_wipe(&g);
		if (!ok)
			return c2d_fail(err, C2D_E_INTERNAL,
					"AES-GCM: the %s backend fails known answer %zu of %zu",
					impl_name(impl), i + 1, n);
	}
	return C2D_OK;
}

c2d_status c2d_gcm_kat(enum c2d_gcm_impl impl, struct c2d_err *err)
{
	const br_block_ctr_class *ctr = NULL;
	br_ghash gh = 0;
	if (impl == C2D_GCM_AUTO || gcm_parts(impl, &ctr, &gh) < 0)
		return c2d_fail(err, C2D_E_UNAVAILABLE, "AES-GCM: this CPU cannot run the %s implementation",
				impl_name(impl));
	return kat_run(impl, ctr, gh, err);
}

int c2d_gcm_selftest(int fallback, struct c2d_err *err)
{
	static const enum c2d_gcm_impl fast[] = { C2D_GCM_X86NI, C2D_GCM_VAES };
	const br_block_ctr_class *ctr = NULL;
	br_ghash gh = 0;
	int r = c2d_gcm_kat(C2D_GCM_CT64, err), fell = 0;

	for (size_t i = 0; r == C2D_OK && i < sizeof(fast) / sizeof(fast[0]); i++) {
		if (gcm_parts(fast[i], &ctr, &gh) < 0 || kat_run(fast[i], ctr, gh, fell ? NULL : err) == C2D_OK)
			continue;
		if (!fallback)
			return C2D_E_INTERNAL;
		fell = 1;
	}
	return r < 0 ? r : fell;
}

c2d_status c2d_gcm_init(struct c2d_gcm *g, const uint8_t key[32], enum c2d_gcm_impl impl,
			struct c2d_err *err)
{
	/* Fastest first; ct64 always succeeds, so the loop always picks one. */
	static const enum c2d_gcm_impl prefer[] = { C2D_GCM_VAES, C2D_GCM_X86NI, C2D_GCM_CT64 };
	const br_block_ctr_class *ctr = NULL;
	br_ghash gh = 0;
	c2d_status r;

	memset(g, 0, sizeof(*g));
	if (impl == C2D_GCM_AUTO) {
		for (size_t i = 0; i < sizeof(prefer) / sizeof(prefer[0]); i++) {
			impl = prefer[i];
			if (gcm_parts(impl, &ctr, &gh) == 0)
				break;
		}
		/* The fastest this CPU has, unless it fails its known answers:
		 * then BearSSL's portable code (which c2d_gcm_selftest() checks). */
		if (impl != C2D_GCM_CT64 && kat_run(impl, ctr, gh, NULL) < 0) {
			impl = C2D_GCM_CT64;
			gcm_parts(impl, &ctr, &gh);  /* cannot fail: ct64 runs everywhere */
		}
	} else if (gcm_parts(impl, &ctr, &gh) < 0) {
		return c2d_fail(err, C2D_E_UNAVAILABLE, "AES-GCM: this CPU cannot run the %s implementation",
				impl_name(impl));
	} else if (impl != C2D_GCM_CT64 && (r = kat_run(impl, ctr, gh, err)) < 0) {
		return r;
	}
	gcm_setup(g, key, impl, ctr, gh);
	return C2D_OK;
}

void c2d_gcm_seal(struct c2d_gcm *g, const uint8_t nonce[C2D_GCM_NONCE_LEN],
		  const void *aad, size_t aad_len, void *buf, size_t len,
		  uint8_t tag[C2D_GCM_TAG_LEN])
{
	br_gcm_reset(&g->gcm, nonce, C2D_GCM_NONCE_LEN);
	br_gcm_aad_inject(&g->gcm, aad, aad_len);
	br_gcm_flip(&g->gcm);
	br_gcm_run(&g->gcm, 1, buf, len);
	br_gcm_get_tag(&g->gcm, tag);
}

c2d_status c2d_gcm_open(struct c2d_gcm *g, const uint8_t nonce[C2D_GCM_NONCE_LEN],
			const void *aad, size_t aad_len, void *buf, size_t len,
			const uint8_t tag[C2D_GCM_TAG_LEN], struct c2d_err *err)
{
	br_gcm_reset(&g->gcm, nonce, C2D_GCM_NONCE_LEN);
	br_gcm_aad_inject(&g->gcm, aad, aad_len);
	br_gcm_flip(&g->gcm);
	br_gcm_run(&g->gcm, 0, buf, len);
	if (br_gcm_check_tag(&g->gcm, tag))
		return C2D_OK;
	explicit_bzero(buf, len);
	return c2d_fail(err, C2D_E_REFUSED, "AES-GCM: the tag does not verify");
}

void c2d_gcm_wipe(struct c2d_gcm *g)
{
	explicit_bzero(g, sizeof(*g));
}

const char *c2d_gcm_impl_name(const struct c2d_gcm *g)
{
	return impl_name(g->impl);
}

void c2d_gcm_seal_once(const uint8_t key[32], const void *aad, size_t aad_len,
			void *buf, size_t len, uint8_t tag[C2D_GCM_TAG_LEN])
{
	static const uint8_t zero[C2D_GCM_NONCE_LEN];
	struct c2d_gcm g;
	/* C2D_GCM_AUTO cannot fail: it falls back to ct64. */
	c2d_ignore(c2d_gcm_init(&g, key, C2D_GCM_AUTO, NULL));
	c2d_gcm_seal(&g, zero, aad, aad_len, buf, len, tag);
	c2d_gcm_wipe(&g);
}

c2d_status c2d_gcm_open_once(const uint8_t key[32], const void *aad, size_t aad_len,
			      void *buf, size_t len, const uint8_t tag[C2D_GCM_TAG_LEN],
			      struct c2d_err *err)
{
	static const uint8_t zero[C2D_GCM_NONCE_LEN];
	struct c2d_gcm g;
	/* C2D_GCM_AUTO cannot fail: it falls back to ct64. */
	c2d_ignore(c2d_gcm_init(&g, key, C2D_GCM_AUTO, NULL));
	c2d_status r = c2d_gcm_open(&g, zero, aad, aad_len, buf, len, tag, err);
	c2d_gcm_wipe(&g);
	return r;
}
