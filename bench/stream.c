/*
 * bench-stream: throughput of the sealed format's streaming layer (STREAM
 * over AES-256-GCM, c2d/stream.h), the part `c2d seal` and the CVM spend
 * their crypto time in. Not a test: make bench runs it next to
 * `openssl speed` and reports the ratio.
 *
 *   bench-stream mem SIZE_MIB [impl]     encrypt then decrypt SIZE_MIB in memory
 *   bench-stream file IN OUT [impl]      encrypt file IN into OUT, chunk by chunk
 *   bench-stream unfile IN OUT [impl]    decrypt OUT of the above back
 *   bench-stream sha SIZE_MIB            SHA-256 of SIZE_MIB in memory, c2d's
 *                                        (SHA-NI when present) and BearSSL's
 *
 * Prints "<what> <bytes> <seconds> <implementation>" lines.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hash.h>

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

static int mem(size_t mib, enum c2d_gcm_impl impl)
{
	size_t len = mib << 20;
	uint8_t *buf = malloc(len);
	if (buf == NULL)
		return 1;
	c2d_random(buf, len, NULL);
	struct c2d_stream s;
	if (c2d_stream_init(&s, key, prefix, aad, impl) < 0)
		return 2;
	uint8_t *tags = malloc(16 * (len / CHUNK));
	double t0 = now();
	for (size_t off = 0, i = 0; off < len; off += CHUNK, i++)
		c2d_stream_seal(&s, buf + off, CHUNK, off + CHUNK == len, tags + 16 * i, NULL);
	double t1 = now();
	printf("mem-encrypt %zu %.4f %s\n", len, t1 - t0, c2d_gcm_impl_name(&s.gcm));
	c2d_stream_wipe(&s);
	c2d_stream_init(&s, key, prefix, aad, impl);
	t0 = now();
	for (size_t off = 0, i = 0; off < len; off += CHUNK, i++)
		if (c2d_stream_open(&s, buf + off, CHUNK, off + CHUNK == len, tags + 16 * i, NULL) < 0)
			return 3;
	t1 = now();
	printf("mem-decrypt %zu %.4f %s\n", len, t1 - t0, c2d_gcm_impl_name(&s.gcm));
	free(tags);
	free(buf);
	return 0;
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
	if (c2d_stream_init(&s, key, prefix, aad, impl) < 0)
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
			c2d_stream_seal(&s, buf, (size_t)n, last, buf + n, NULL);
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

static int sha(size_t mib)
{
	size_t len = mib << 20;
	uint8_t *buf = malloc(len), out[32];
	if (buf == NULL)
		return 1;
	c2d_random(buf, len, NULL);
	double t0 = now();
	c2d_sha256(buf, len, out);
	double t1 = now();
	printf("sha256 %zu %.4f %s\n", len, t1 - t0, c2d_sha256_impl());
	br_sha256_context c;
	t0 = now();
	br_sha256_init(&c);
	br_sha256_update(&c, buf, len);
	br_sha256_out(&c, out);
	t1 = now();
	printf("sha256-bearssl %zu %.4f bearssl\n", len, t1 - t0);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "sha") == 0)
		return sha((size_t)atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "mem") == 0)
		return mem((size_t)atoi(argv[2]), impl_of(argc > 3 ? argv[3] : NULL));
	if (argc >= 4 && strcmp(argv[1], "file") == 0)
		return file(argv[2], argv[3], 0, impl_of(argc > 4 ? argv[4] : NULL));
	if (argc >= 4 && strcmp(argv[1], "unfile") == 0)
		return file(argv[2], argv[3], 1, impl_of(argc > 4 ? argv[4] : NULL));
	fprintf(stderr, "usage: bench-stream mem MIB [impl] | file IN OUT [impl] | unfile IN OUT [impl]\n");
	return 2;
}
