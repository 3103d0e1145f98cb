/*
 * c2d/aead.h: AES-256-GCM, with the fastest constant-time implementation
 * this CPU has, behind BearSSL's own interfaces (br_block_ctr_class for the
 * counter mode, br_ghash for the authenticator).
 *
 * Implementations, chosen at c2d_gcm_init() by runtime CPU detection, in
 * order of preference:
 *   "vaes+vpclmul"  VAES counter mode and VPCLMULQDQ GHASH on ymm registers
 *                   (c2d/aes_vaes.h), driven by BearSSL's br_gcm_*
 *   "x86ni+pclmul"  BearSSL's AES-NI counter mode and PCLMULQDQ GHASH
 *   "ct64"          BearSSL's portable constant-time code (the fallback)
 * c2d_gcm_impl_name() says which one a context uses; tests run every
 * implementation against the same vectors.
 *
 * Self-test (docs/architecture.md, "Crypto self-tests"): a context only
 * ever holds an accelerated implementation that has just reproduced the
 * known answers of c2d_gcm_kat(): c2d_gcm_init() runs them on it each
 * time (some 20 us besides the CPUID it already ran; the context is the
 * holder of the verdict, and there is no global state to go stale). Under C2D_GCM_AUTO one that fails
 * is replaced by ct64; named explicitly, it is refused. ct64, the
 * fallback, is checked by c2d_gcm_selftest(), which every process that
 * uses AES-GCM runs before its first context.
 *
 * A context holds the expanded key: it is secret. The caller wipes it with
 * c2d_gcm_wipe() when done (explicit_bzero). Tag checks are constant-time;
 * on a failed check the buffer is wiped before returning, so no unverified
 * plaintext ever reaches the caller.
 *
 * Prefix: c2d_gcm_
 */
#ifndef C2D_AEAD_H
#define C2D_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl_aead.h>
#include <bearssl_block.h>

#include "c2d/aes_vaes.h"
#include "c2d/err.h"

#define C2D_GCM_NONCE_LEN 12
#define C2D_GCM_TAG_LEN 16

enum c2d_gcm_impl {
	C2D_GCM_AUTO = 0,     /* the best this CPU supports */
	C2D_GCM_CT64,
	C2D_GCM_X86NI,
	C2D_GCM_VAES,
};

struct c2d_gcm {
	/* Whichever CTR context the implementation uses; each starts with the
	 * vtable pointer, which br_gcm_init() is given. */
	union {
		const br_block_ctr_class *vtable;
		br_aes_gen_ctr_keys gen;
		c2d_aes_vaes_ctr_keys vaes;
	} keys;
	br_gcm_context gcm;
	enum c2d_gcm_impl impl;
};

/* Sets the key. With a specific impl that this CPU lacks, fails with
 * C2D_E_UNAVAILABLE; with an accelerated one that fails its known answers,
 * with C2D_E_INTERNAL (the context is then unusable). C2D_GCM_AUTO never
 * fails: the fastest implementation this CPU has that passes, else ct64. */
C2D_MUST_CHECK c2d_status c2d_gcm_init(struct c2d_gcm *g, const uint8_t key[32],
				       enum c2d_gcm_impl impl, struct c2d_err *err);

/* Encrypts buf in place and writes the tag. */
void c2d_gcm_seal(struct c2d_gcm *g, const uint8_t nonce[C2D_GCM_NONCE_LEN],
		  const void *aad, size_t aad_len, void *buf, size_t len,
		  uint8_t tag[C2D_GCM_TAG_LEN]);

/* Decrypts buf in place; C2D_E_REFUSED, with buf wiped, when the tag
 * does not verify. */
C2D_MUST_CHECK c2d_status c2d_gcm_open(struct c2d_gcm *g, const uint8_t nonce[C2D_GCM_NONCE_LEN],
				       const void *aad, size_t aad_len, void *buf, size_t len,
				       const uint8_t tag[C2D_GCM_TAG_LEN], struct c2d_err *err);

void c2d_gcm_wipe(struct c2d_gcm *g);

const char *c2d_gcm_impl_name(const struct c2d_gcm *g);

/*
 * Runs the known answers on impl (not C2D_GCM_AUTO): McGrew and Viega's
 * test case 16 and Wycheproof's tcId 113, sealed and opened, sized so that
 * every path of every implementation runs (partial AAD and message blocks;
 * VAES's wide counter and GHASH loops, its narrow ones and a tail). C2D_OK;
 * C2D_E_UNAVAILABLE when this CPU cannot run impl (nothing is executed);
 * C2D_E_INTERNAL naming impl and the vector when an answer differs.
 */
C2D_MUST_CHECK c2d_status c2d_gcm_kat(enum c2d_gcm_impl impl, struct c2d_err *err);

/*
 * The self-test a process runs before its first AES-GCM context: the known
 * answers on ct64 and on each accelerated implementation this CPU has.
 * Holds no state (c2d_gcm_init() re-checks what it picks anyway); what it
 * adds is the verdict, for the caller to act on.
 *
 * 0: all pass. 1 (only with fallback set): an accelerated one fails, so
 * C2D_GCM_AUTO now gives ct64; err names it, for the caller's one-line
 * warning. C2D_E_INTERNAL: ct64 fails (nothing left to fall back to), or
 * an accelerated one fails and fallback is 0. The host sets fallback; the
 * guest does not, and fails closed.
 */
C2D_MUST_CHECK int c2d_gcm_selftest(int fallback, struct c2d_err *err);

/* One-shot forms with the all-zero nonce, for keys used exactly once. */
void c2d_gcm_seal_once(const uint8_t key[32], const void *aad, size_t aad_len,
			void *buf, size_t len, uint8_t tag[C2D_GCM_TAG_LEN]);
C2D_MUST_CHECK c2d_status c2d_gcm_open_once(const uint8_t key[32], const void *aad, size_t aad_len,
					     void *buf, size_t len,
					     const uint8_t tag[C2D_GCM_TAG_LEN],
					     struct c2d_err *err);

#endif
