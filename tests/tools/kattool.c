/*
 * c2d-kat: the crypto backends' known answers, on the build that links it
 * (docs/testing.md, "Crypto self-tests"). The Makefile links it static,
 * with musl, the guest's flags and the guest's own objects, so that
 * tests/host/crypto_kat.sh checks the code the image runs, on this CPU and
 * under QEMU's CPU models. It is not part of any image.
 *
 *   c2d-kat    runs the self-tests as the guest does (no fallback), then
 *              the known answers of the AES-GCM and SHA-256 backends this
 *              CPU selects, and prints one line for each:
 *                aes-gcm vaes+vpclmul ok
 *                sha-256 sha-ni ok
 *
 * C2D_CRYPTO=WORD[,WORD] forces backends instead of the selection:
 * portable (both BearSSL's), aesni, vaes (AES-GCM), shani (SHA-256). One
 * that this CPU lacks is refused before any of its instructions runs.
 *
 * Exit: 0 every answer matches; 2 a bad C2D_CRYPTO; 6 a forced backend
 * this CPU lacks; 70 a known answer differs. Errors are one line on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/aead.h"
#include "c2d/digest.h"
#include "c2d/err.h"
#include "c2d/sha_ni.h"

/* Reads C2D_CRYPTO into *gcm and *sha (-1: select; 0: portable; 1: SHA-NI). */
static c2d_status parse_force(enum c2d_gcm_impl *gcm, int *sha, struct c2d_err *err)
{
	const char *env = getenv("C2D_CRYPTO");
	char buf[64], *save = NULL;
	if (env == NULL)
		return C2D_OK;
	if (strlen(env) >= sizeof(buf))
		return c2d_fail(err, C2D_E_USAGE, "C2D_CRYPTO: too long");
	strcpy(buf, env);
	for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		if (strcmp(w, "portable") == 0) {
			*gcm = C2D_GCM_CT64;
			*sha = 0;
		} else if (strcmp(w, "aesni") == 0) {
			*gcm = C2D_GCM_X86NI;
		} else if (strcmp(w, "vaes") == 0) {
			*gcm = C2D_GCM_VAES;
		} else if (strcmp(w, "shani") == 0) {
			*sha = 1;
		} else {
			return c2d_fail(err, C2D_E_USAGE,
					"C2D_CRYPTO: '%s' is not portable, aesni, vaes or shani", w);
		}
	}
	return C2D_OK;
}

static c2d_status check(enum c2d_gcm_impl gcm, int sha, struct c2d_err *err)
{
	static const uint8_t key[32];
	struct c2d_gcm g;
	const br_hash_class *vt = c2d_sha_ni_get_vtable();
	c2d_status r;

	if ((r = c2d_digest_selftest(0, err)) < 0 || (r = c2d_gcm_selftest(0, err)) < 0)
		return r;
	/* c2d_gcm_init() itself refuses an implementation this CPU lacks, or
	 * one that fails its known answers. */
	if ((r = c2d_gcm_init(&g, key, gcm, err)) < 0)
		return r;
	enum c2d_gcm_impl chosen = g.impl;
	const char *name = c2d_gcm_impl_name(&g);
	c2d_gcm_wipe(&g);
	if ((r = c2d_gcm_kat(chosen, err)) < 0)
		return r;
	printf("aes-gcm %s ok\n", name);

	if (sha == 0)
		vt = &br_sha256_vtable;
	if (sha == 1) {
		if (!c2d_sha_ni_cpu())
			return c2d_fail(err, C2D_E_UNAVAILABLE,
					"SHA-256: this CPU cannot run the sha-ni implementation");
		vt = &c2d_sha_ni_vtable;
	}
	if ((r = c2d_sha_ni_kat(vt, err)) < 0)
		return r;
	printf("sha-256 %s ok\n", vt == &c2d_sha_ni_vtable ? "sha-ni" : "bearssl");
	return C2D_OK;
}

int main(void)
{
	struct c2d_err err = { 0 };
	enum c2d_gcm_impl gcm = C2D_GCM_AUTO;
	int sha = -1;
	c2d_status r = parse_force(&gcm, &sha, &err);
	if (r == C2D_OK)
		r = check(gcm, sha, &err);
	if (r < 0)
		fprintf(stderr, "c2d-kat: %s\n", err.msg);
	return c2d_exit_code(r);
}
