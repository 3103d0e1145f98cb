/* Keccak-256: see keccak.h. Written from the specification (FIPS 202,
 * section 3.2, and the Keccak reference): the round constants and the
 * rho offsets are computed as the specification defines them rather than
 * copied as tables, so that a typo cannot hide in a table. */
#include "keccak.h"

#include <string.h>

static uint64_t rotl64(uint64_t v, unsigned n)
{
	return n == 0 ? v : (v << n) | (v >> (64 - n));
}

/* The LFSR of FIPS 202 algorithm 5 (x^8 + x^6 + x^5 + x^4 + 1), one bit per
 * call. */
static unsigned lfsr_bit(uint8_t *r)
{
	unsigned out = *r & 1u;
	*r = (uint8_t)((*r & 0x80) ? (*r << 1) ^ 0x71 : *r << 1);
	return out;
}

static void keccak_f1600(uint64_t a[25])
{
	uint8_t lfsr = 1;
	for (int round = 0; round < 24; round++) {
		/* theta */
		uint64_t c[5], d;
		for (int x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
		for (int x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
			for (int y = 0; y < 25; y += 5)
				a[y + x] ^= d;
		}
		/* rho and pi together: lane (x, y) moves to (y, 2x + 3y), rotated
		 * by (t + 1)(t + 2) / 2, walking the 24 lanes other than (0, 0). */
		int x = 1, y = 0;
		uint64_t cur = a[1];
		for (unsigned t = 0; t < 24; t++) {
			int nx = y, ny = (2 * x + 3 * y) % 5;
			x = nx;
			y = ny;
			uint64_t tmp = a[x + 5 * y];
			a[x + 5 * y] = rotl64(cur, ((t + 1) * (t + 2) / 2) % 64);
			cur = tmp;
		}
		/* chi */
		for (int row = 0; row < 25; row += 5) {
			uint64_t r[5];
			memcpy(r, a + row, sizeof(r));
			for (int i = 0; i < 5; i++)
				a[row + i] = r[i] ^ (~r[(i + 1) % 5] & r[(i + 2) % 5]);
		}
		/* iota: bit 2^j - 1 of the round constant is the LFSR's next output */
		uint64_t rc = 0;
		for (unsigned j = 0; j < 7; j++)
			if (lfsr_bit(&lfsr))
				rc |= (uint64_t)1 << ((1u << j) - 1);
		a[0] ^= rc;
	}
}

void c2d_keccak256_init(struct c2d_keccak *k)
{
	memset(k, 0, sizeof(*k));
}

static void absorb_byte(struct c2d_keccak *k, uint8_t b)
{
	k->s[k->n / 8] ^= (uint64_t)b << (8 * (k->n % 8));
	if (++k->n == C2D_KECCAK256_RATE) {
		keccak_f1600(k->s);
		k->n = 0;
	}
}

void c2d_keccak256_update(struct c2d_keccak *k, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++)
		absorb_byte(k, p[i]);
}

void c2d_keccak256_final(struct c2d_keccak *k, uint8_t out[32])
{
	/* pad10*1 with Keccak's domain bit: 0x01 first, 0x80 last (one byte
	 * 0x81 when only one byte of the block is left). */
	k->s[k->n / 8] ^= (uint64_t)0x01 << (8 * (k->n % 8));
	k->s[(C2D_KECCAK256_RATE - 1) / 8] ^= (uint64_t)0x80 << (8 * ((C2D_KECCAK256_RATE - 1) % 8));
	keccak_f1600(k->s);
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(k->s[i / 8] >> (8 * (i % 8)));
	explicit_bzero(k, sizeof(*k));
}

void c2d_keccak256(const void *data, size_t len, uint8_t out[32])
{
	struct c2d_keccak k;
	c2d_keccak256_init(&k);
	c2d_keccak256_update(&k, data, len);
	c2d_keccak256_final(&k, out);
}
