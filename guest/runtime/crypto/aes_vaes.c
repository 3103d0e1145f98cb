/*
 * AES-CTR with VAES and GHASH with VPCLMULQDQ on ymm registers: see
 * c2d/aes_vaes.h for the contract.
 *
 * No compiler flags are set for this file (it is built by gcc, musl-gcc -Os
 * and clang alike), so every function that uses the extensions carries a
 * target attribute, and nothing outside such functions runs before the CPU
 * check has passed.
 */
#include "c2d/aes_vaes.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)

#include <cpuid.h>
#include <immintrin.h>

#define C2D_VAES_TARGET __attribute__((target("aes,pclmul,avx2,vaes,vpclmulqdq")))

/* ------------------------------------------------------------------------
 * CPU detection
 */

/*
 * Read XCR0. Inline assembly rather than _xgetbv(), which would need the
 * "xsave" target; callers must have checked OSXSAVE first, or the
 * instruction faults.
 */
static uint64_t read_xcr0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/*
 * Return 1 if AVX2 code may run: the CPU has AVX and AVX2, and the OS has
 * enabled saving of the SSE and AVX state (XCR0 bits 1 and 2); without the
 * latter, ymm registers would be corrupted across context switches even on
 * a CPU that has them. ecx1 is CPUID leaf 1's ECX; ebx7 is leaf 7's EBX.
 */
static int os_and_cpu_have_avx2(uint32_t ecx1, uint32_t ebx7)
{
	const uint32_t osxsave = 1u << 27, avx = 1u << 28, avx2 = 1u << 5;
	if ((ecx1 & (osxsave | avx)) != (osxsave | avx) || !(ebx7 & avx2))
		return 0;
	return (read_xcr0() & 6) == 6;
}

/*
 * Return 1 if the CPU has everything that either implementation needs:
 * AES-NI and PCLMULQDQ (leaf 1 ECX bits 25 and 1), VAES and VPCLMULQDQ
 * (leaf 7 ECX bits 9 and 10), and usable AVX2. Both getters require the
 * whole set: the two pieces share the same target attribute, and a CPU
 * with one of VAES / VPCLMULQDQ but not the other does not exist in
 * practice.
 */
static int cpu_has_vaes(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0;
	uint32_t ecx1;

	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid(1, a, b, c, d);
	ecx1 = c;
	if ((ecx1 & (1u << 25 | 1u << 1)) != (1u << 25 | 1u << 1))
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	if ((c & (1u << 9 | 1u << 10)) != (1u << 9 | 1u << 10))
		return 0;
	return os_and_cpu_have_avx2(ecx1, b);
}

/* ------------------------------------------------------------------------
 * AES key schedule
 */

/*
 * Apply the AES S-box to each byte of w (FIPS-197 SubWord), with the byte
 * at the lowest address of the word in the low 8 bits. AESKEYGENASSIST
 * computes SubWord of its second dword in the first dword of its result;
 * using it keeps the S-box out of memory (no table, so no cache-timing
 * leak of the key).
 */
C2D_VAES_TARGET static uint32_t sub_word(uint32_t w)
{
	__m128i x = _mm_set_epi32(0, 0, (int)w, 0);
	return (uint32_t)_mm_cvtsi128_si32(_mm_aeskeygenassist_si128(x, 0));
}

/*
 * Expand a 16-, 24- or 32-byte key into num_rounds + 1 round keys at
 * kc->skey, word by word as in FIPS-197 section 5.2, and set num_rounds
 * (10, 12, 14). Any other length sets num_rounds to 0 and leaves skey
 * zero. Written word-wise rather than with the usual per-key-size
 * AESKEYGENASSIST sequences because one loop covers all three sizes and the
 * schedule runs once per key.
 */
C2D_VAES_TARGET static void vaes_keysched(c2d_aes_vaes_ctr_keys *kc, const unsigned char *key,
					  size_t key_len)
{
	uint32_t w[60], rcon = 1;
	unsigned nk, nr, i;

	memset(kc->skey, 0, sizeof(kc->skey));
	kc->num_rounds = 0;
	if (key_len != 16 && key_len != 24 && key_len != 32)
		return;
	nk = (unsigned)key_len / 4;
	nr = nk + 6;
	for (i = 0; i < nk; i++)
		w[i] = (uint32_t)key[4 * i] | (uint32_t)key[4 * i + 1] << 8 |
		       (uint32_t)key[4 * i + 2] << 16 | (uint32_t)key[4 * i + 3] << 24;
	for (i = nk; i < 4 * (nr + 1); i++) {
		uint32_t t = w[i - 1];
		if (i % nk == 0) {
			/* RotWord moves the lowest-addressed byte to the top. */
			t = sub_word(t >> 8 | t << 24) ^ rcon;
			rcon = (rcon << 1) ^ (0x11B & -(rcon >> 7));
		} else if (nk == 8 && i % nk == 4) {
			t = sub_word(t);
		}
		w[i] = w[i - nk] ^ t;
	}
	for (i = 0; i < 4 * (nr + 1); i++) {
		kc->skey[4 * i] = (unsigned char)w[i];
		kc->skey[4 * i + 1] = (unsigned char)(w[i] >> 8);
		kc->skey[4 * i + 2] = (unsigned char)(w[i] >> 16);
		kc->skey[4 * i + 3] = (unsigned char)(w[i] >> 24);
	}
	kc->num_rounds = nr;
	explicit_bzero(w, sizeof(w));
}

static const br_block_ctr_class vaes_ctr_vtable;

/* br_block_ctr_class.init: see c2d/aes_vaes.h. */
C2D_VAES_TARGET static void vaes_ctr_init(const br_block_ctr_class **ctx, const void *key, size_t key_len)
{
	c2d_aes_vaes_ctr_keys *kc = (c2d_aes_vaes_ctr_keys *)(void *)ctx;
	kc->vtable = &vaes_ctr_vtable;
	vaes_keysched(kc, key, key_len);
}

/* ------------------------------------------------------------------------
 * AES-CTR
 */

/*
 * br_block_ctr_class.run: see c2d/aes_vaes.h.
 *
 * The counter blocks live in one ymm register, two per register (lane 0:
 * counter c, lane 1: c + 1), with the IV in bytes 0..11 of each lane and
 * the counter in dword 3 in native (little-endian) order. Adding 2 to
 * dword 3 of each lane then wraps modulo 2^32 exactly as the GCM counter
 * must, never carrying into the IV; PSHUFB turns dword 3 into big-endian
 * just before encryption.
 *
 * Each iteration encrypts 8 such registers (16 blocks): VAESENC has a
 * latency of several cycles and more than one issues per cycle, so 8
 * independent chains are needed to keep the AES units busy. The final,
 * shorter iteration computes a whole 16-block key stream and uses what it
 * needs; the unused key stream is wiped.
 *
 * The round keys are broadcast to both lanes once per call into rk[],
 * which is wiped on return.
 */
C2D_VAES_TARGET static uint32_t vaes_ctr_run(const br_block_ctr_class *const *ctx,
					     const void *iv, uint32_t cc, void *data, size_t len)
{
	const c2d_aes_vaes_ctr_keys *kc = (const c2d_aes_vaes_ctr_keys *)(const void *)ctx;
	unsigned char *buf = data;
	unsigned nr = kc->num_rounds, r;
	uint32_t next = cc + (uint32_t)(len >> 4) + (uint32_t)((len & 15) != 0);
	unsigned char ivb[16];
	__m256i rk[15], ctr;
	const __m256i two = _mm256_set_epi32(2, 0, 0, 0, 2, 0, 0, 0);
	const __m256i be32 = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 14, 13, 12,
					      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 14, 13, 12);

	/* Only a corrupted context could exceed 14; rk[] must not overflow. */
	if (nr > 14)
		nr = 14;
	for (r = 0; r <= nr; r++)
		rk[r] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const void *)(kc->skey + 16 * r)));
	memcpy(ivb, iv, 12);
	memset(ivb + 12, 0, 4);
	ctr = _mm256_broadcastsi128_si256(
		_mm_insert_epi32(_mm_loadu_si128((const void *)ivb), (int)cc, 3));
	ctr = _mm256_add_epi32(ctr, _mm256_set_epi32(1, 0, 0, 0, 0, 0, 0, 0));

	while (len > 0) {
		__m256i x0, x1, x2, x3, x4, x5, x6, x7, k;

		x0 = _mm256_shuffle_epi8(ctr, be32);
		ctr = _mm256_add_epi32(ctr, two);
		x1 = _mm256_shuffle_epi8(ctr, be32);
		ctr = _mm256_add_epi32(ctr, two);
		x2 = _mm256_shuffle_epi8(ctr, be32);
		ctr = _mm256_add_epi32(ctr, two);
		x3 = _mm256_shuffle_epi8(ctr, be32);
		ctr = _mm256_add_epi32(ctr, two);
		x4 = _mm256_shuffle_epi8(ctr, be32);
		ctr = _mm256_add_epi32(ctr, two);
		x5 = _mm256_shuffle_epi8(ctr, be32);
		ctr = _mm256_add_epi32(ctr, two);
		x6 = _mm256_shuffle_epi8(ctr, be32);
		ctr = _mm256_add_epi32(ctr, two);
		x7 = _mm256_shuffle_epi8(ctr, be32);
		ctr = _mm256_add_epi32(ctr, two);

		k = rk[0];
		x0 = _mm256_xor_si256(x0, k);
		x1 = _mm256_xor_si256(x1, k);
		x2 = _mm256_xor_si256(x2, k);
		x3 = _mm256_xor_si256(x3, k);
		x4 = _mm256_xor_si256(x4, k);
		x5 = _mm256_xor_si256(x5, k);
		x6 = _mm256_xor_si256(x6, k);
		x7 = _mm256_xor_si256(x7, k);
		for (r = 1; r < nr; r++) {
			k = rk[r];
			x0 = _mm256_aesenc_epi128(x0, k);
			x1 = _mm256_aesenc_epi128(x1, k);
			x2 = _mm256_aesenc_epi128(x2, k);
			x3 = _mm256_aesenc_epi128(x3, k);
			x4 = _mm256_aesenc_epi128(x4, k);
			x5 = _mm256_aesenc_epi128(x5, k);
			x6 = _mm256_aesenc_epi128(x6, k);
			x7 = _mm256_aesenc_epi128(x7, k);
		}
		k = rk[nr];
		x0 = _mm256_aesenclast_epi128(x0, k);
		x1 = _mm256_aesenclast_epi128(x1, k);
		x2 = _mm256_aesenclast_epi128(x2, k);
		x3 = _mm256_aesenclast_epi128(x3, k);
		x4 = _mm256_aesenclast_epi128(x4, k);
		x5 = _mm256_aesenclast_epi128(x5, k);
		x6 = _mm256_aesenclast_epi128(x6, k);
		x7 = _mm256_aesenclast_epi128(x7, k);

		if (len >= 256) {
			__m256i *p = (__m256i *)(void *)buf;
			_mm256_storeu_si256(p + 0, _mm256_xor_si256(x0, _mm256_loadu_si256(p + 0)));
			_mm256_storeu_si256(p + 1, _mm256_xor_si256(x1, _mm256_loadu_si256(p + 1)));
			_mm256_storeu_si256(p + 2, _mm256_xor_si256(x2, _mm256_loadu_si256(p + 2)));
			_mm256_storeu_si256(p + 3, _mm256_xor_si256(x3, _mm256_loadu_si256(p + 3)));
			_mm256_storeu_si256(p + 4, _mm256_xor_si256(x4, _mm256_loadu_si256(p + 4)));
			_mm256_storeu_si256(p + 5, _mm256_xor_si256(x5, _mm256_loadu_si256(p + 5)));
			_mm256_storeu_si256(p + 6, _mm256_xor_si256(x6, _mm256_loadu_si256(p + 6)));
			_mm256_storeu_si256(p + 7, _mm256_xor_si256(x7, _mm256_loadu_si256(p + 7)));
			buf += 256;
			len -= 256;
		} else {
			__m256i ks[8];
			const unsigned char *kb = (const unsigned char *)ks;
			size_t u;

			ks[0] = x0;
			ks[1] = x1;
			ks[2] = x2;
			ks[3] = x3;
			ks[4] = x4;
			ks[5] = x5;
			ks[6] = x6;
			ks[7] = x7;
			for (u = 0; u + 32 <= len; u += 32) {
				__m256i *p = (__m256i *)(void *)(buf + u);
				_mm256_storeu_si256(p, _mm256_xor_si256(ks[u / 32], _mm256_loadu_si256(p)));
			}
			for (; u < len; u++)
				buf[u] ^= kb[u];
			explicit_bzero(ks, sizeof(ks));
			break;
		}
	}
	explicit_bzero(rk, sizeof(rk));
	return next;
}

static const br_block_ctr_class vaes_ctr_vtable = {
	sizeof(c2d_aes_vaes_ctr_keys),
	16,
	4,
	vaes_ctr_init,
	vaes_ctr_run,
};

/* ------------------------------------------------------------------------
 * GHASH
 *
 * Representation. GCM numbers the bits of a block from the most significant
 * bit of byte 0 (coefficient of x^0) to the least significant bit of byte
 * 15 (x^127). Byte-reversing a block and loading it as a little-endian
 * 128-bit integer A gives bit i of A = coefficient of x^(127 - i): the
 * "reflected" form, written R(a). Carry-less multiplication of integers is
 * polynomial multiplication in a variable t where bit k stands for t^k, and
 *
 *     R(a) * R(b) = t^254 * (a b)(1/t).
 *
 * Writing a b = q g + r with g = x^128 + x^7 + x^2 + x + 1 and deg r < 128
 * gives R(a) R(b) = Q'(t) g'(t) + t^127 R(r), where
 *
 *     g'(t) = t^128 g(1/t) = t^128 + t^127 + t^126 + t^121 + 1.
 *
 * So R(a b mod g) = R(a) R(b) t^-127 mod g'. Reducing P * t^-128 mod g' is
 * a Montgomery reduction, easy with carry-less multiplies because g' is 1
 * modulo t^64 (see gf_reduce()). The remaining factor t is put into the key
 * once: with Hk = t R(h) mod g', gf_mul(R(x), Hk) = R(x h). Powers follow
 * from Hk^(j+1) := gf_mul(Hk^j, Hk), which equals t R(h^(j+1)) mod g'.
 */

/*
 * Return P * t^-128 mod g', where P = hi * t^128 + lo is a 256-bit
 * carry-less product (as it comes out of four PCLMULQDQ, not reduced).
 *
 * Montgomery reduction, 64 bits at a time. With P0 the low 64 bits of P,
 * P + P0 g' has its low 64 bits cleared, since g' = 1 mod t^64; the rest of
 * P0 g' is P0 t^128 (a plain XOR into bits 128..191) plus
 * P0 (t^127 + t^126 + t^121) = (P0 * 0xC200000000000000) t^64, a single
 * 64x64 carry-less multiply. Dividing the result by t^64 is a qword swap.
 * Doing it twice divides by t^128 and leaves a 128-bit value.
 */
C2D_VAES_TARGET static inline __m128i gf_reduce(__m128i lo, __m128i hi)
{
	const __m128i k = _mm_set_epi64x((long long)0xC200000000000000ULL, 0);
	__m128i x;

	x = _mm_xor_si128(_mm_shuffle_epi32(lo, 0x4E), _mm_clmulepi64_si128(lo, k, 0x10));
	x = _mm_xor_si128(_mm_shuffle_epi32(x, 0x4E), _mm_clmulepi64_si128(x, k, 0x10));
	return _mm_xor_si128(hi, x);
}

/*
 * Return a * b * t^-128 mod g' (see above): for a = R(x) and b = t R(h^j)
 * mod g', that is R(x h^j). Schoolbook 2x2 qword product, then gf_reduce().
 */
C2D_VAES_TARGET static inline __m128i gf_mul(__m128i a, __m128i b)
{
	__m128i lo = _mm_clmulepi64_si128(a, b, 0x00);
	__m128i hi = _mm_clmulepi64_si128(a, b, 0x11);
	__m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01),
				    _mm_clmulepi64_si128(a, b, 0x10));

	lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
	hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
	return gf_reduce(lo, hi);
}

/*
 * Return t * hr mod g', for hr = R(h): the GHASH key in the form gf_mul()
 * wants. A 128-bit left shift by one; the bit shifted out (t^128) is
 * replaced by g' - t^128, i.e. XOR with 0xC2000000000000000000000000000001,
 * applied through a mask built from that bit rather than a branch, since h
 * is secret.
 */
C2D_VAES_TARGET static inline __m128i gf_key(__m128i hr)
{
	const __m128i poly = _mm_set_epi64x((long long)0xC200000000000000ULL, 1);
	__m128i carry = _mm_srli_epi64(hr, 63);
	__m128i sh = _mm_or_si128(_mm_slli_epi64(hr, 1), _mm_slli_si128(carry, 8));
	__m128i top = _mm_shuffle_epi32(_mm_srai_epi32(hr, 31), 0xFF);

	return _mm_xor_si128(sh, _mm_and_si128(top, poly));
}

/*
 * Return, in the low qword of each lane of v, the XOR of that lane's two
 * qwords: the (a1 + a0) factor of a Karatsuba product, where
 * (a1 t^64 + a0)(b1 t^64 + b0) has middle term
 * (a1 + a0)(b1 + b0) + a1 b1 + a0 b0.
 */
C2D_VAES_TARGET static inline __m256i fold(__m256i v)
{
	return _mm256_xor_si256(v, _mm256_shuffle_epi32(v, 0x4E));
}

/*
 * br_ghash: see c2d/aes_vaes.h.
 *
 * With 8 blocks X1..X8 per step, Y' = (Y + X1) H^8 + X2 H^7 + ... + X8 H:
 * the products are summed unreduced (carry-less products are linear, so
 * the reduction distributes) and reduced once. The blocks sit two per ymm
 * register, so the power vectors hold (H^8, H^7), (H^6, H^5), (H^4, H^3),
 * (H^2, H^1) as (lane 0, lane 1); each block product takes three
 * multiplies (Karatsuba, with the (b1 + b0) factors of the powers
 * precomputed), and the two lanes of each partial sum are folded together
 * before the reduction.
 *
 * Y H^8 is computed apart from X1 H^8, in 128-bit registers: the block
 * products do not depend on Y and overlap with the previous step, so the
 * loop-carried chain is only one product and one reduction. On the CPU
 * measured (AMD Zen 5), GHASH is bound by that chain and by PCLMULQDQ
 * throughput; folding Y into X1 instead made it about 20% slower.
 *
 * Whole blocks left over (fewer than 8) go one at a time through gf_mul(),
 * and a partial final block is padded with zeros in a stack buffer, as
 * br_ghash requires.
 */
C2D_VAES_TARGET static void ghash_vpclmul(void *y, const void *h, const void *data, size_t len)
{
	const __m128i rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
	const unsigned char *buf = data;
	__m128i acc, h1;

	acc = _mm_shuffle_epi8(_mm_loadu_si128((const void *)y), rev);
	h1 = gf_key(_mm_shuffle_epi8(_mm_loadu_si128((const void *)h), rev));

	if (len >= 128) {
		const __m256i rev2 = _mm256_broadcastsi128_si256(rev);
		const __m128i k = _mm_set_epi64x((long long)0xC200000000000000ULL, 0);
		__m128i h2, h3, h4, h5, h6, h7, h8;
		__m256i hp0, hp1, hp2, hp3, hk0, hk1, hk2, hk3;

		/* Shallow dependency tree: three multiplies deep, not seven. */
		h2 = gf_mul(h1, h1);
		h3 = gf_mul(h2, h1);
		h4 = gf_mul(h2, h2);
		h5 = gf_mul(h4, h1);
		h6 = gf_mul(h4, h2);
		h7 = gf_mul(h4, h3);
		h8 = gf_mul(h4, h4);
		hp0 = _mm256_set_m128i(h7, h8);
		hp1 = _mm256_set_m128i(h5, h6);
		hp2 = _mm256_set_m128i(h3, h4);
		hp3 = _mm256_set_m128i(h1, h2);
		hk0 = fold(hp0);
		hk1 = fold(hp1);
		hk2 = fold(hp2);
		hk3 = fold(hp3);

		do {
			const __m256i *p = (const __m256i *)(const void *)buf;
			__m256i d0, d1, d2, d3, lo, hi, mid;
			__m128i l, m, u, ly, uy, my, t, x;

			d0 = _mm256_shuffle_epi8(_mm256_loadu_si256(p + 0), rev2);
			d1 = _mm256_shuffle_epi8(_mm256_loadu_si256(p + 1), rev2);
			d2 = _mm256_shuffle_epi8(_mm256_loadu_si256(p + 2), rev2);
			d3 = _mm256_shuffle_epi8(_mm256_loadu_si256(p + 3), rev2);

			lo = _mm256_xor_si256(
				_mm256_xor_si256(_mm256_clmulepi64_epi128(d0, hp0, 0x00),
						 _mm256_clmulepi64_epi128(d1, hp1, 0x00)),
				_mm256_xor_si256(_mm256_clmulepi64_epi128(d2, hp2, 0x00),
						 _mm256_clmulepi64_epi128(d3, hp3, 0x00)));
			hi = _mm256_xor_si256(
				_mm256_xor_si256(_mm256_clmulepi64_epi128(d0, hp0, 0x11),
						 _mm256_clmulepi64_epi128(d1, hp1, 0x11)),
				_mm256_xor_si256(_mm256_clmulepi64_epi128(d2, hp2, 0x11),
						 _mm256_clmulepi64_epi128(d3, hp3, 0x11)));
			mid = _mm256_xor_si256(
				_mm256_xor_si256(_mm256_clmulepi64_epi128(fold(d0), hk0, 0x00),
						 _mm256_clmulepi64_epi128(fold(d1), hk1, 0x00)),
				_mm256_xor_si256(_mm256_clmulepi64_epi128(fold(d2), hk2, 0x00),
						 _mm256_clmulepi64_epi128(fold(d3), hk3, 0x00)));
			mid = _mm256_xor_si256(mid, _mm256_xor_si256(lo, hi));
			l = _mm_xor_si128(_mm256_castsi256_si128(lo), _mm256_extracti128_si256(lo, 1));
			u = _mm_xor_si128(_mm256_castsi256_si128(hi), _mm256_extracti128_si256(hi, 1));
			m = _mm_xor_si128(_mm256_castsi256_si128(mid), _mm256_extracti128_si256(mid, 1));
			l = _mm_xor_si128(l, _mm_slli_si128(m, 8));
			u = _mm_xor_si128(u, _mm_srli_si128(m, 8));

			/*
			 * Everything above is independent of acc, so it overlaps
			 * with the previous step's reduction. Only acc * H^8 and
			 * the reduction form the loop-carried chain. The first
			 * reduction multiply reads only the low qword of l, which
			 * the middle product cannot reach (it is shifted up by
			 * 64), so it starts without waiting for my.
			 */
			ly = _mm_xor_si128(l, _mm_clmulepi64_si128(acc, h8, 0x00));
			uy = _mm_xor_si128(u, _mm_clmulepi64_si128(acc, h8, 0x11));
			my = _mm_xor_si128(_mm_clmulepi64_si128(acc, h8, 0x01),
					   _mm_clmulepi64_si128(acc, h8, 0x10));
			t = _mm_clmulepi64_si128(ly, k, 0x10);
			l = _mm_xor_si128(ly, _mm_slli_si128(my, 8));
			u = _mm_xor_si128(uy, _mm_srli_si128(my, 8));
			x = _mm_xor_si128(_mm_shuffle_epi32(l, 0x4E), t);
			x = _mm_xor_si128(_mm_shuffle_epi32(x, 0x4E), _mm_clmulepi64_si128(x, k, 0x10));
			acc = _mm_xor_si128(u, x);

			buf += 128;
			len -= 128;
		} while (len >= 128);
	}

	while (len >= 16) {
		__m128i x = _mm_shuffle_epi8(_mm_loadu_si128((const void *)buf), rev);
		acc = gf_mul(_mm_xor_si128(acc, x), h1);
		buf += 16;
		len -= 16;
	}
	if (len > 0) {
		unsigned char tmp[16];
		__m128i x;

		memset(tmp, 0, sizeof(tmp));
		memcpy(tmp, buf, len);
		x = _mm_shuffle_epi8(_mm_loadu_si128((const void *)tmp), rev);
		acc = gf_mul(_mm_xor_si128(acc, x), h1);
	}
	_mm_storeu_si128((void *)y, _mm_shuffle_epi8(acc, rev));
}

const br_block_ctr_class *c2d_aes_vaes_ctr_get_vtable(void)
{
	return cpu_has_vaes() ? &vaes_ctr_vtable : NULL;
}

br_ghash c2d_aes_vaes_ghash_get(void)
{
	return cpu_has_vaes() ? ghash_vpclmul : 0;
}

#else /* not x86 */

const br_block_ctr_class *c2d_aes_vaes_ctr_get_vtable(void)
{
	return NULL;
}

br_ghash c2d_aes_vaes_ghash_get(void)
{
	return 0;
}

#endif
