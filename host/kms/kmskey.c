/* The KMS root key: see kmskey.h. */
#include "kmskey.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <secp256k1_recovery.h>

#include "fsutil.h"
#include "keccak.h"
#include "keyfile.h"

static const char cert_label[] = "c2d-kms-v1/run-cert";
static const char eip191[] = "\x19" "Ethereum Signed Message:\n32";

/* Exactly 0600 and ours, checked on the file that is then read by name:
 * keyfile.c re-checks "no bits for others" on its own descriptor, so a
 * swap between the two can only make the read fail, not weaken it. */
static c2d_status check_mode(const char *path, struct c2d_err *err)
{
	struct stat st;
	int fd, r = c2d_fs_open_input(path, O_NOFOLLOW, &fd, &st, err);
	if (r < 0)
		return r;
	close(fd);
	if ((st.st_mode & 07777) != 0600)
		return c2d_fail(err, C2D_E_INPUT, "%s: the KMS key file must have mode 0600, not %04o",
				path, (unsigned)(st.st_mode & 07777));
	if (st.st_uid != geteuid())
		return c2d_fail(err, C2D_E_INPUT, "%s: the KMS key file must belong to the user running the KMS",
				path);
	return C2D_OK;
}

static void pub_address(const secp256k1_context *ctx, const secp256k1_pubkey *pk, uint8_t address[20])
{
	uint8_t full[65], h[32];
	size_t n = sizeof(full);
	secp256k1_ec_pubkey_serialize(ctx, full, &n, pk, SECP256K1_EC_UNCOMPRESSED);
	c2d_keccak256(full + 1, 64, h);
	memcpy(address, h + 12, 20);
}

c2d_status c2d_kmskey_load(const secp256k1_context *ctx, const char *path, struct c2d_kmskey **key,
			   struct c2d_err *err)
{
	*key = NULL;
	int r = check_mode(path, err);
	if (r < 0)
		return r;
	long page = sysconf(_SC_PAGESIZE);
	size_t size = page > 0 && (size_t)page >= sizeof(struct c2d_kmskey) ? (size_t)page : 4096;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return c2d_fail_errno(err, C2D_E_NOMEM, "%s: cannot map a page for the key", path);
	if (mlock(p, size) < 0) {
		r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot lock the key's page in memory (RLIMIT_MEMLOCK?)",
				   path);
		munmap(p, size);
		return r;
	}
	/* Best effort: a kernel without MADV_DONTDUMP still has the lock. */
	(void)madvise(p, size, MADV_DONTDUMP);
	struct c2d_kmskey *k = p;
	secp256k1_pubkey pk;
	size_t n = sizeof(k->pub);
	if ((r = c2d_key_read(ctx, path, k->sk, err)) < 0 || !secp256k1_ec_pubkey_create(ctx, &pk, k->sk)) {
		if (r == C2D_OK)
			r = c2d_fail(err, C2D_E_INPUT, "%s: not a valid secp256k1 secret key", path);
		c2d_kmskey_free(k);
		return r;
	}
	secp256k1_ec_pubkey_serialize(ctx, k->pub, &n, &pk, SECP256K1_EC_COMPRESSED);
	pub_address(ctx, &pk, k->address);
	*key = k;
	return C2D_OK;
}

void c2d_kmskey_free(struct c2d_kmskey *key)
{
	if (key == NULL)
		return;
	long page = sysconf(_SC_PAGESIZE);
	size_t size = page > 0 && (size_t)page >= sizeof(struct c2d_kmskey) ? (size_t)page : 4096;
	explicit_bzero(key, sizeof(*key));
	munlock(key, size);
	munmap(key, size);
}

c2d_status c2d_kmskey_address_of(const secp256k1_context *ctx, const uint8_t pub[33],
				 uint8_t address[20], struct c2d_err *err)
{
	secp256k1_pubkey pk;
	if ((pub[0] != 2 && pub[0] != 3) || !secp256k1_ec_pubkey_parse(ctx, &pk, pub, 33))
		return c2d_fail(err, C2D_E_INPUT, "not a compressed secp256k1 public key");
	pub_address(ctx, &pk, address);
	return C2D_OK;
}

void c2d_kmskey_cert_digest(const uint8_t app_id[20], const uint8_t compose_hash[32],
			    const uint8_t run_signer[20], const uint8_t run_id[32], uint8_t digest[32])
{
	struct c2d_keccak k;
	uint8_t inner[32];
	c2d_keccak256_init(&k);
	c2d_keccak256_update(&k, cert_label, sizeof(cert_label) - 1);
	c2d_keccak256_update(&k, app_id, 20);
	c2d_keccak256_update(&k, compose_hash, 32);
	c2d_keccak256_update(&k, run_signer, 20);
	c2d_keccak256_update(&k, run_id, 32);
	c2d_keccak256_final(&k, inner);
	c2d_keccak256_init(&k);
	c2d_keccak256_update(&k, eip191, sizeof(eip191) - 1);
	c2d_keccak256_update(&k, inner, 32);
	c2d_keccak256_final(&k, digest);
}

c2d_status c2d_kmskey_sign(const secp256k1_context *ctx, const struct c2d_kmskey *key,
			   const uint8_t digest[32], uint8_t sig[C2D_KMSKEY_SIG_LEN], struct c2d_err *err)
{
	secp256k1_ecdsa_recoverable_signature rs;
	int recid;
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, digest, key->sk, NULL, NULL))
		return c2d_fail(err, C2D_E_INTERNAL, "the run certificate could not be signed");
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rs);
	sig[64] = (uint8_t)(27 + recid);
	return C2D_OK;
}

c2d_status c2d_kmskey_recover(const secp256k1_context *ctx, const uint8_t digest[32],
			      const uint8_t sig[C2D_KMSKEY_SIG_LEN], uint8_t address[20],
			      struct c2d_err *err)
{
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_pubkey pk;
	if ((sig[64] != 27 && sig[64] != 28) ||
	    !secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, sig[64] - 27) ||
	    !secp256k1_ecdsa_recover(ctx, &pk, &rs, digest))
		return c2d_fail(err, C2D_E_REFUSED, "the signature recovers no key");
	pub_address(ctx, &pk, address);
	return C2D_OK;
}
