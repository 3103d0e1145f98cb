/*
 * bench-stream: throughput of the sealed format's streaming layer (STREAM
 * over AES-256-GCM, c2d/stream.h), the part `c2d seal` and the CVM spend
 * their crypto time in, against OpenSSL's EVP interface doing the same
 * work on the same buffer sizes. Not a test: make bench reports the ratio.
 *
 *   bench-stream mem SIZE_MIB [impl]     c2d then OpenSSL: encrypt a fresh
 *                                        buffer of SIZE_MIB (first touch),
 *                                        then encrypt and decrypt it again,
 *                                        taking turns (steady state,
 *                                        median of 5)
 *   bench-stream file IN OUT [impl]      encrypt file IN into OUT, chunk by chunk
 *   bench-stream unfile IN OUT [impl]    decrypt OUT of the above back
 *   bench-stream touch SIZE_MIB          the cost of first touches: fresh
 *                                        memory written twice, from malloc
 *                                        and from host/util/bigbuf.h
 *   bench-stream sha SIZE_MIB            SHA-256 of SIZE_MIB in memory, c2d's
 *                                        (SHA-NI when present), BearSSL's and
 *                                        OpenSSL's
 *
 * Prints "<what> <bytes> <seconds> [implementation]" lines; mem first
 * prints "impl <c2d's GCM backend>" and "openssl <version>".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hash.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bigbuf.h"
#include "c2d/digest.h"
#include "c2d/random.h"
#include "c2d/stream.h"

#define CHUNK (1u << 20)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum c2d_gcm_impl impl_of(const char *s)
{
	if (s == NULL || strcmp(s, "auto") == 0)
		return C2D_GCM_AUTO;
	if (strcmp(s, "ct64") == 0)
		return C2D_GCM_CT64;
	if (strcmp(s, "x86ni") == 0)
		return C2D_GCM_X86NI;
	if (strcmp(s, "vaes") == 0)
		return C2D_GCM_VAES;
	return (enum c2d_gcm_impl)atoi(s);
}

static const uint8_t key[32] = { 1, 2, 3 }, prefix[7] = { 4 }, aad[32] = { 5 };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One direction over the whole buffer, chunk by chunk as STREAM cuts it:
 * c2d's layer, or OpenSSL's EVP AES-256-GCM with the same nonces and AAD
 * (the same work: one GCM message of CHUNK bytes a chunk). */
struct engine {
	const char *name;
	int (*pass)(const struct engine *e, uint8_t *buf, size_t len, uint8_t *tags, int decrypt);
	enum c2d_gcm_impl impl;
	EVP_CIPHER *cipher;
};

static int c2d_pass(const struct engine *e, uint8_t *buf, size_t len, uint8_t *tags, int decrypt)
{
	struct c2d_stream s;
	if (c2d_stream_init(&s, key, prefix, aad, e->impl, NULL) < 0)
		return -1;
	int r = 0;
	for (size_t off = 0, i = 0; off < len && r == 0; off += CHUNK, i++) {
		int last = off + CHUNK >= len;
		size_t n = last ? len - off : CHUNK;
		r = decrypt ? c2d_stream_open(&s, buf + off, n, last, tags + 16 * i, NULL)
			    : c2d_stream_seal(&s, buf + off, n, last, tags + 16 * i, NULL);
	}
	c2d_stream_wipe(&s);
	return r < 0 ? -1 : 0;
}

static int ossl_pass(const struct engine *e, uint8_t *buf, size_t len, uint8_t *tags, int decrypt)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int ok = c != NULL && EVP_CipherInit_ex(c, e->cipher, NULL, key, NULL, !decrypt) == 1;
	for (size_t off = 0, i = 0; off < len && ok; off += CHUNK, i++) {
		int last = off + CHUNK >= len, out;
		size_t n = last ? len - off : CHUNK;
		uint8_t nonce[12];
		c2d_stream_nonce(prefix, i, last, nonce);
		ok = EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, -1) == 1 &&
		     EVP_CipherUpdate(c, NULL, &out, aad, sizeof(aad)) == 1 &&
		     EVP_CipherUpdate(c, buf + off, &out, buf + off, (int)n) == 1 &&
		     (!decrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tags + 16 * i) == 1) &&
		     EVP_CipherFinal_ex(c, buf + off + n, &out) == 1 &&
		     (decrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tags + 16 * i) == 1);
	}
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int fill(uint8_t *buf, size_t len)
{
	/* getrandom writes from the kernel: the pages exist, but this process
	 * has not touched them itself, as after read() into a fresh buffer. */
	return c2d_random(buf, len, NULL) == C2D_OK ? 0 : -1;
}

/* Both engines must produce the same ciphertext and tags before any time
 * counts. */
static int same_output(const struct engine *a, const struct engine *b)
{
	size_t len = 4 * CHUNK + 100;
	uint8_t *x = malloc(len), *y = malloc(len), tx[16 * 5], ty[16 * 5];
	int ok = x != NULL && y != NULL && fill(x, len) == 0;
	if (ok) {
		memcpy(y, x, len);
		ok = a->pass(a, x, len, tx, 0) == 0 && b->pass(b, y, len, ty, 0) == 0 &&
		     memcmp(x, y, len) == 0 && memcmp(tx, ty, sizeof(tx)) == 0 &&
		     b->pass(b, x, len, tx, 1) == 0 && a->pass(a, y, len, ty, 1) == 0 && memcmp(x, y, len) == 0;
	}
	free(x);
	free(y);
	return ok ? 0 : -1;
}

#define STEADY_RUNS 5

/* One engine's buffer and times. */
struct run {
	const struct engine *e;
	uint8_t *buf, *tags, digest[32];
	double first, enc[STEADY_RUNS], dec[STEADY_RUNS];
	int bad;
};

static void timed_pass(struct run *r, size_t len, int decrypt, double *t)
{
	double t0 = now();
	r->bad |= r->e->pass(r->e, r->buf, len, r->tags, decrypt);
	*t = now() - t0;
}

/* Each engine gets a fresh buffer: its first encryption pays for this
 * process's first touches of the pages. Then STEADY_RUNS encryptions and
 * decryptions of the same buffers, the engines taking turns so that a
 * change in the machine's load falls on both; the medians are the steady
 * state. The plaintext must come back, and every tag check pass. Prints
 * <engine>-encrypt-first, <engine>-encrypt, <engine>-decrypt lines. */
static int mem_runs(struct run *runs, size_t n, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		struct run *r = &runs[i];
		r->buf = malloc(len);
		r->tags = malloc(16 * (len / CHUNK + 1));
		if (r->buf == NULL || r->tags == NULL || fill(r->buf, len) < 0)
			return 1;
		timed_pass(r, len, 0, &r->first);
		/* Its tags checked; the plaintext back is the reference from
		 * here on (hashing it before would have touched the pages). */
		r->bad |= r->e->pass(r->e, r->buf, len, r->tags, 1);
		c2d_digest_sha256(r->buf, len, r->digest);
	}
	for (int k = 0; k < STEADY_RUNS; k++)
		for (size_t i = 0; i < n; i++) {
			timed_pass(&runs[i], len, 0, &runs[i].enc[k]);
			timed_pass(&runs[i], len, 1, &runs[i].dec[k]);
		}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct run *r = &runs[i];
		uint8_t after[32];
		c2d_digest_sha256(r->buf, len, after);
		if (r->bad || memcmp(r->digest, after, 32) != 0) {
			fprintf(stderr, "bench-stream: %s: the round trip failed\n", r->e->name);
			rc = 3;
		}
		qsort(r->enc, STEADY_RUNS, sizeof(r->enc[0]), cmp_double);
		qsort(r->dec, STEADY_RUNS, sizeof(r->dec[0]), cmp_double);
		printf("%s-encrypt-first %zu %.4f\n", r->e->name, len, r->first);
		printf("%s-encrypt %zu %.4f\n", r->e->name, len, r->enc[STEADY_RUNS / 2]);
		printf("%s-decrypt %zu %.4f\n", r->e->name, len, r->dec[STEADY_RUNS / 2]);
		free(r->buf);
		free(r->tags);
	}
	return rc;
}

static int mem(size_t mib, enum c2d_gcm_impl impl)
{
	struct c2d_stream probe;
	if (c2d_stream_init(&probe, key, prefix, aad, impl, NULL) < 0)
		return 2;
	printf("impl %s\n", c2d_gcm_impl_name(&probe.gcm));
	c2d_stream_wipe(&probe);
	struct engine c2d = { "c2d", c2d_pass, impl, NULL };
	struct engine ossl = { "openssl", ossl_pass, impl, EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL) };
	if (ossl.cipher == NULL)
		return 2;
	printf("openssl %s\n", OpenSSL_version(OPENSSL_VERSION_STRING));
	int r = same_output(&c2d, &ossl) < 0 ? 4 : 0;
	if (r)
		fprintf(stderr, "bench-stream: c2d and OpenSSL disagree on the same chunks\n");
	struct run runs[2] = { { .e = &c2d }, { .e = &ossl } };
	if (r == 0)
		r = mem_runs(runs, 2, mib << 20);
	EVP_CIPHER_free(ossl.cipher);
	return r;
}

static ssize_t read_full(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);
		if (r <= 0)
			return r < 0 ? -1 : (ssize_t)got;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* File to file: chunks of CHUNK plaintext, each followed by its tag. */
static int file(const char *in, const char *out, int decrypt, enum c2d_gcm_impl impl)
{
	int fi = open(in, O_RDONLY), fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fi < 0 || fo < 0)
		return 1;
	off_t size = lseek(fi, 0, SEEK_END);
	lseek(fi, 0, SEEK_SET);
	uint8_t *buf = malloc(CHUNK + 16);
	struct c2d_stream s;
	if (c2d_stream_init(&s, key, prefix, aad, impl, NULL) < 0)
		return 2;
	size_t step = decrypt ? CHUNK + 16 : CHUNK, total = 0;
	double t0 = now();
	for (off_t off = 0; off < size; off += (off_t)step) {
		ssize_t n = read_full(fi, buf, step);
		if (n <= 0)
			return 3;
		int last = off + n >= size;
		if (decrypt) {
			if (c2d_stream_open(&s, buf, (size_t)n - 16, last, buf + n - 16, NULL) < 0)
				return 4;
			if (write(fo, buf, (size_t)n - 16) != n - 16)
				return 5;
			total += (size_t)n - 16;
		} else {
			if (c2d_stream_seal(&s, buf, (size_t)n, last, buf + n, NULL) < 0)
				return 4;
			if (write(fo, buf, (size_t)n + 16) != n + 16)
				return 5;
			total += (size_t)n;
		}
	}
	double t1 = now();
	printf("%s %zu %.4f %s\n", decrypt ? "file-decrypt" : "file-encrypt", total, t1 - t0,
	       c2d_gcm_impl_name(&s.gcm));
	close(fi);
	close(fo);
	free(buf);
	return 0;
}

/* The cost of first touches on this machine: SIZE_MIB of fresh memory
 * written twice, from malloc (4 KiB pages faulted one by one) and from
 * host/util/bigbuf.h (reserved, huge pages, faulted in by one call). */
static int touch(size_t mib)
{
	size_t len = mib << 20;
	uint8_t *p = malloc(len);
	if (p == NULL)
		return 1;
	double t0 = now();
	memset(p, 1, len);
	double t1 = now();
	memset(p, 2, len);
	double t2 = now();
	printf("touch-malloc-first %zu %.4f\n", len, t1 - t0);
	printf("touch-malloc-second %zu %.4f\n", len, t2 - t1);
	free(p);
	struct c2d_bigbuf b;
	t0 = now();
	if (c2d_bigbuf_alloc(&b, len, NULL) != C2D_OK)
		return 1;
	memset(b.p, 1, len);
	t1 = now();
	memset(b.p, 2, len);
	t2 = now();
	printf("touch-bigbuf-first %zu %.4f\n", len, t1 - t0);
	printf("touch-bigbuf-second %zu %.4f\n", len, t2 - t1);
	c2d_bigbuf_free(&b);
	return 0;
}

/* SHA-256 of a buffer this process has touched (a first pass, untimed):
 * c2d's, BearSSL's portable code and OpenSSL's EVP, the same bytes. */
static int sha(size_t mib)
{
	size_t len = mib << 20;
	uint8_t *buf = malloc(len), out[32], ref[32];
	if (buf == NULL || fill(buf, len) < 0)
		return 1;
	c2d_digest_sha256(buf, len, ref);
	double t0 = now();
	c2d_digest_sha256(buf, len, out);
	double t1 = now();
	printf("sha256 %zu %.4f %s\n", len, t1 - t0, c2d_digest_sha256_impl());
	br_sha256_context c;
	t0 = now();
	br_sha256_init(&c);
	br_sha256_update(&c, buf, len);
	br_sha256_out(&c, out);
	t1 = now();
	printf("sha256-bearssl %zu %.4f bearssl\n", len, t1 - t0);
	int bad = memcmp(out, ref, 32) != 0;
	unsigned int n = 0;
	t0 = now();
	bad |= EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1;
	t1 = now();
	bad |= n != 32 || memcmp(out, ref, 32) != 0;
	printf("sha256-openssl %zu %.4f openssl\n", len, t1 - t0);
	free(buf);
	if (bad)
		fprintf(stderr, "bench-stream: the SHA-256 implementations disagree\n");
	return bad ? 3 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "touch") == 0)
		return touch((size_t)atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "sha") == 0)
		return sha((size_t)atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "mem") == 0)
		return mem((size_t)atoi(argv[2]), impl_of(argc > 3 ? argv[3] : NULL));
	if (argc >= 4 && strcmp(argv[1], "file") == 0)
		return file(argv[2], argv[3], 0, impl_of(argc > 4 ? argv[4] : NULL));
	if (argc >= 4 && strcmp(argv[1], "unfile") == 0)
		return file(argv[2], argv[3], 1, impl_of(argc > 4 ? argv[4] : NULL));
	fprintf(stderr, "usage: bench-stream mem MIB [impl] | file IN OUT [impl] | unfile IN OUT [impl] | touch MIB | sha MIB\n");
	return 2;
}
