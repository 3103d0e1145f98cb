/*
 * SHA-256 with the x86 SHA extensions: see c2d/sha_ni.h for the contract.
 *
 * No compiler flags are set for this file (it is built by gcc, musl-gcc -Os
 * and clang alike), so the one function that uses the extensions carries a
 * target attribute, and it only runs once the CPU check has chosen this
 * implementation.
 */
#include "c2d/sha_ni.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"

_Static_assert(sizeof(c2d_sha256_context) >= sizeof(br_sha256_context),
	       "c2d_sha256_context must be able to hold a br_sha256_context");
_Static_assert(sizeof(c2d_sha256_context) <= sizeof(br_hash_compat_context),
	       "c2d_sha256_context must fit in a br_hash_compat_context");

#if defined(__x86_64__) || defined(__i386__)

#include <cpuid.h>
#include <immintrin.h>

#define C2D_SHANI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/* ------------------------------------------------------------------------
 * CPU detection
 */

/*
 * Return 1 if the CPU has SHA (leaf 7 EBX bit 29), SSSE3 (leaf 1 ECX bit 9)
 * and SSE4.1 (leaf 1 ECX bit 19). Leaf 7 is read only when the maximum
 * basic leaf reaches it (on older CPUs, reading past it returns the data
 * of the highest leaf instead).
 */
static int cpu_has_shani(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0;
	const unsigned ssse3 = 1u << 9, sse41 = 1u << 19, sha = 1u << 29;

	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid(1, a, b, c, d);
	if ((c & (ssse3 | sse41)) != (ssse3 | sse41))
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b & sha) != 0;
}

/* ------------------------------------------------------------------------
 * Compression
 */

/* FIPS 180-4 section 4.2.2. */
static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV256[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/*
 * How the instructions map onto FIPS 180-4 (Intel SDM, SHA256RNDS2,
 * SHA256MSG1, SHA256MSG2; dword 3 is the most significant):
 *
 *   SHA256RNDS2 dst, src, <xmm0> performs two rounds. It takes the working
 *   variables as src = {A, B, E, F} (dwords 3..0) and dst = {C, D, G, H},
 *   and W[t] + K[t], W[t+1] + K[t+1] from dwords 0 and 1 of xmm0; it
 *   writes the new {A, B, E, F} to dst. After two rounds the new
 *   {C, D, G, H} is the old {A, B, E, F}, so the two registers simply
 *   swap roles at every instruction: with x = ABEF and y = CDGH,
 *       y = rnds2(y, x, wk);        rounds t, t+1   (y is now ABEF)
 *       x = rnds2(x, y, wk >> 64);  rounds t+2, t+3 (x is ABEF again)
 *
 *   The message schedule (section 6.2.2 step 1) for four words
 *   W[t..t+3], t >= 16, with Mi holding W[i..i+3] in dwords 0..3:
 *       W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16]
 *   SHA256MSG1(M[t-16], M[t-12]) gives W[t-16+j] + s0(W[t-15+j]), j=0..3;
 *   adding PALIGNR(M[t-4], M[t-8], 4) = {W[t-7], .., W[t-4]} supplies the
 *   W[t-7] terms; SHA256MSG2(that, M[t-4]) adds s1(W[t-2]), s1(W[t-1]) for
 *   the first two words and then s1 of the two words it has just made.
 */

/* Byte order: PSHUFB mask reversing the bytes of each dword. */
#define BSWAP32_MASK _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL)

/* Four rounds t = 4g .. 4g+3 with message words m (W[4g..4g+3]). */
#define ROUNDS4(g, m) \
	do { \
		__m128i wk_ = _mm_loadu_si128((const __m128i *)(const void *)&K256[4 * (g)]); \
		wk_ = _mm_add_epi32(wk_, (m)); \
		cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk_); \
		wk_ = _mm_shuffle_epi32(wk_, 0x0E); \
		abef = _mm_sha256rnds2_epu32(abef, cdgh, wk_); \
	} while (0)

/*
 * Schedule W[4g..4g+3] into m0, which holds W[4g-16..4g-13]; m1, m2, m3
 * hold the next three groups (W[4g-12..], W[4g-8..], W[4g-4..]); then run
 * the four rounds.
 */
#define SCHED_ROUNDS4(g, m0, m1, m2, m3) \
	do { \
		m0 = _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8(m3, m2, 4)); \
		m0 = _mm_sha256msg2_epu32(m0, m3); \
		ROUNDS4(g, m0); \
	} while (0)

/*
 * Apply the compression function to num consecutive 64-byte blocks at data
 * (any alignment), updating the chaining value val[0..7] (H0..H7, native
 * order). Branches only on num.
 */
C2D_SHANI_TARGET static void shani_blocks(uint32_t val[8], const unsigned char *data, size_t num)
{
	const __m128i bswap = BSWAP32_MASK;
	__m128i abcd, efgh, abef, cdgh, abef0, cdgh0, m0, m1, m2, m3;

	/* {A,B,C,D}, {E,F,G,H} in dwords 0..3 -> {A,B,E,F}, {C,D,G,H} in
	 * dwords 3..0. */
	abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&val[0]), 0x1B);
	efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)&val[4]), 0x1B);
	abef = _mm_unpackhi_epi64(efgh, abcd);
	cdgh = _mm_unpacklo_epi64(efgh, abcd);

	for (; num > 0; num--, data += 64) {
		abef0 = abef;
		cdgh0 = cdgh;

		m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(data + 0)), bswap);
		m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(data + 16)), bswap);
		m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(data + 32)), bswap);
		m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(data + 48)), bswap);

		ROUNDS4(0, m0);
		ROUNDS4(1, m1);
		ROUNDS4(2, m2);
		ROUNDS4(3, m3);
		SCHED_ROUNDS4(4, m0, m1, m2, m3);
		SCHED_ROUNDS4(5, m1, m2, m3, m0);
		SCHED_ROUNDS4(6, m2, m3, m0, m1);
		SCHED_ROUNDS4(7, m3, m0, m1, m2);
		SCHED_ROUNDS4(8, m0, m1, m2, m3);
		SCHED_ROUNDS4(9, m1, m2, m3, m0);
		SCHED_ROUNDS4(10, m2, m3, m0, m1);
		SCHED_ROUNDS4(11, m3, m0, m1, m2);
		SCHED_ROUNDS4(12, m0, m1, m2, m3);
		SCHED_ROUNDS4(13, m1, m2, m3, m0);
		SCHED_ROUNDS4(14, m2, m3, m0, m1);
		SCHED_ROUNDS4(15, m3, m0, m1, m2);

		/* Section 6.2.2 step 4: H(i) = H(i-1) + working variables. */
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}

	/* Back to {A,B,C,D}, {E,F,G,H} in dwords 0..3. */
	abcd = _mm_shuffle_epi32(_mm_unpackhi_epi64(cdgh, abef), 0x1B);
	efgh = _mm_shuffle_epi32(_mm_unpacklo_epi64(cdgh, abef), 0x1B);
	_mm_storeu_si128((__m128i *)(void *)&val[0], abcd);
	_mm_storeu_si128((__m128i *)(void *)&val[4], efgh);
}

/* ------------------------------------------------------------------------
 * br_hash_class methods
 */

static void enc32be(unsigned char *p, uint32_t x)
{
	p[0] = (unsigned char)(x >> 24);
	p[1] = (unsigned char)(x >> 16);
	p[2] = (unsigned char)(x >> 8);
	p[3] = (unsigned char)x;
}

static uint32_t dec32be(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The vtable field is the context's first member, so a pointer to it is a
 * pointer to the context (C17 6.7.2.1p15). */
static c2d_sha256_context *ctx_of(const br_hash_class **vt)
{
	return (c2d_sha256_context *)(void *)vt;
}

static const c2d_sha256_context *cctx_of(const br_hash_class *const *vt)
{
	return (const c2d_sha256_context *)(const void *)vt;
}

static void shani_init(const br_hash_class **vt)
{
	c2d_sha256_context *cc = ctx_of(vt);
	cc->vtable = &c2d_sha_ni_vtable;
	memcpy(cc->val, IV256, sizeof(cc->val));
	cc->count = 0;
}

static void shani_update(const br_hash_class **vt, const void *data, size_t len)
{
	c2d_sha256_context *cc = ctx_of(vt);
	const unsigned char *p = data;
	size_t ptr = (size_t)(cc->count & 63), n;

	if (len == 0)
		return;
	cc->count += len;
	if (ptr > 0) {
		n = 64 - ptr;
		if (n > len)
			n = len;
		memcpy(cc->buf + ptr, p, n);
		p += n;
		len -= n;
		if (ptr + n < 64)
			return;
		shani_blocks(cc->val, cc->buf, 1);
	}
	n = len / 64;
	if (n > 0) {
		shani_blocks(cc->val, p, n);
		p += n * 64;
		len -= n * 64;
	}
	if (len > 0)
		memcpy(cc->buf, p, len);
}

/* FIPS 180-4 section 5.1.1 padding, on copies: the context is unchanged. */
static void shani_out(const br_hash_class *const *vt, void *dst)
{
	const c2d_sha256_context *cc = cctx_of(vt);
	unsigned char buf[64], *out = dst;
	uint32_t val[8];
	uint64_t bits = cc->count << 3;
	size_t ptr = (size_t)(cc->count & 63), i;

	memcpy(val, cc->val, sizeof(val));
	memcpy(buf, cc->buf, ptr);
	buf[ptr++] = 0x80;
	if (ptr > 56) {
		memset(buf + ptr, 0, 64 - ptr);
		shani_blocks(val, buf, 1);
		ptr = 0;
	}
	memset(buf + ptr, 0, 56 - ptr);
	enc32be(buf + 56, (uint32_t)(bits >> 32));
	enc32be(buf + 60, (uint32_t)bits);
	shani_blocks(val, buf, 1);
	for (i = 0; i < 8; i++)
		enc32be(out + 4 * i, val[i]);
}

static uint64_t shani_state(const br_hash_class *const *vt, void *dst)
{
	const c2d_sha256_context *cc = cctx_of(vt);
	unsigned char *out = dst;
	size_t i;

	for (i = 0; i < 8; i++)
		enc32be(out + 4 * i, cc->val[i]);
	return cc->count;
}

static void shani_set_state(const br_hash_class **vt, const void *stb, uint64_t count)
{
	c2d_sha256_context *cc = ctx_of(vt);
	const unsigned char *in = stb;
	size_t i;

	for (i = 0; i < 8; i++)
		cc->val[i] = dec32be(in + 4 * i);
	cc->count = count;
}

const br_hash_class c2d_sha_ni_vtable = {
	sizeof(c2d_sha256_context),
	BR_HASHDESC_ID(br_sha256_ID) | BR_HASHDESC_OUT(32) | BR_HASHDESC_STATE(32) |
		BR_HASHDESC_LBLEN(6) | BR_HASHDESC_MD_PADDING | BR_HASHDESC_MD_PADDING_BE,
	shani_init,
	shani_update,
	shani_out,
	shani_state,
	shani_set_state,
};

int c2d_sha_ni_cpu(void)
{
	return cpu_has_shani();
}

#else /* not x86 */

/*
 * BearSSL's portable methods under this name (the casts are the ones
 * BearSSL's own vtables use); init() points the context at
 * br_sha256_vtable, so later calls go straight to BearSSL.
 */
const br_hash_class c2d_sha_ni_vtable = {
	sizeof(br_sha256_context),
	BR_HASHDESC_ID(br_sha256_ID) | BR_HASHDESC_OUT(32) | BR_HASHDESC_STATE(32) |
		BR_HASHDESC_LBLEN(6) | BR_HASHDESC_MD_PADDING | BR_HASHDESC_MD_PADDING_BE,
	(void (*)(const br_hash_class **))&br_sha256_init,
	(void (*)(const br_hash_class **, const void *, size_t))&br_sha224_update,
	(void (*)(const br_hash_class *const *, void *))&br_sha256_out,
	(uint64_t (*)(const br_hash_class *const *, void *))&br_sha224_state,
	(void (*)(const br_hash_class **, const void *, uint64_t))&br_sha224_set_state,
};

int c2d_sha_ni_cpu(void)
{
	return 0;
}

#endif

/* ------------------------------------------------------------------------
 * Known answers (docs/architecture.md, "Crypto self-tests")
 *
 * FIPS 180-4's examples: "abc" (one block) and the 448-bit message (its
 * padding spills into a second block); RFC 6234's TEST4, 640 bytes fed as
 * 3 then 637, so that update() completes a buffered block and then
 * compresses nine at once from the caller's memory.
 */
static const struct {
	const char *unit;
	size_t reps;
	const char *sha256;
} sha_kat[] = {
	{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "01234567", 80, "594847328451bdfa85056225462cc1d867d877fb388df0ce35f25ab5562bfbb5" },
};

c2d_status c2d_sha_ni_kat(const br_hash_class *vt, struct c2d_err *err)
{
	const char *name = vt == &c2d_sha_ni_vtable ? "sha-ni" : "bearssl";
	unsigned char msg[640], h[32];
	char hex[65];
	c2d_sha256_context c;

	for (size_t i = 0; i < sizeof(sha_kat) / sizeof(sha_kat[0]); i++) {
		size_t u = strlen(sha_kat[i].unit), len = u * sha_kat[i].reps;
		for (size_t at = 0; at < len; at += u)
			memcpy(msg + at, sha_kat[i].unit, u);
		vt->init(&c.vtable);
		c.vtable->update(&c.vtable, msg, 3);
		c.vtable->update(&c.vtable, msg + 3, len - 3);
		c.vtable->out(&c.vtable, h);
#ifdef C2D_TEST_HOOKS
		/* Test builds only: a backend named here answers wrongly
		 * (tests/unit/test_crypto.c shows the fallback and the fail-closed
		 * path this way). */
		const char *bad = getenv("C2D_TEST_CORRUPT");
		if (bad != NULL && strcmp(bad, name) == 0)
			h[31] ^= 1;
#endif
		c2d_hex(h, sizeof(h), hex);
		if (strcmp(hex, sha_kat[i].sha256) != 0)
			return c2d_fail(err, C2D_E_INTERNAL,
					"SHA-256: the %s backend fails known answer %zu of %zu", name, i + 1,
					sizeof(sha_kat) / sizeof(sha_kat[0]));
	}
	return C2D_OK;
}

const br_hash_class *c2d_sha_ni_get_vtable(void)
{
	return c2d_sha_ni_cpu() && c2d_sha_ni_kat(&c2d_sha_ni_vtable, NULL) == C2D_OK
		       ? &c2d_sha_ni_vtable
		       : &br_sha256_vtable;
}
