/* AES-256-GCM: see c2d/aead.h. */
#include "c2d/aead.h"

#include <string.h>

#include <bearssl_hash.h>

int c2d_gcm_init(struct c2d_gcm *g, const uint8_t key[32], enum c2d_gcm_impl impl)
{
	const br_block_ctr_class *ni = br_aes_x86ni_ctr_get_vtable();
	br_ghash pclmul = br_ghash_pclmul_get();
	int have_ni = ni != NULL && pclmul != 0;

	memset(g, 0, sizeof(*g));
	if (impl == C2D_GCM_AUTO)
		impl = have_ni ? C2D_GCM_X86NI : C2D_GCM_CT64;
	if (impl == C2D_GCM_X86NI && !have_ni)
		return -1;
	g->impl = impl;
	if (impl == C2D_GCM_X86NI) {
		ni->init(&g->keys.vtable, key, 32);
		br_gcm_init(&g->gcm, &g->keys.vtable, pclmul);
	} else {
		br_aes_ct64_ctr_vtable.init(&g->keys.vtable, key, 32);
		br_gcm_init(&g->gcm, &g->keys.vtable, br_ghash_ctmul64);
	}
	return 0;
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

int c2d_gcm_open(struct c2d_gcm *g, const uint8_t nonce[C2D_GCM_NONCE_LEN],
		 const void *aad, size_t aad_len, void *buf, size_t len,
		 const uint8_t tag[C2D_GCM_TAG_LEN])
{
	br_gcm_reset(&g->gcm, nonce, C2D_GCM_NONCE_LEN);
	br_gcm_aad_inject(&g->gcm, aad, aad_len);
	br_gcm_flip(&g->gcm);
	br_gcm_run(&g->gcm, 0, buf, len);
	if (br_gcm_check_tag(&g->gcm, tag))
		return 1;
	explicit_bzero(buf, len);
	return 0;
}

void c2d_gcm_wipe(struct c2d_gcm *g)
{
	explicit_bzero(g, sizeof(*g));
}

const char *c2d_gcm_impl_name(const struct c2d_gcm *g)
{
	switch (g->impl) {
	case C2D_GCM_X86NI: return "x86ni+pclmul";
	case C2D_GCM_CT64: return "ct64";
	default: return "?";
	}
}

void c2d_aead_seal_once(const uint8_t key[32], const void *aad, size_t aad_len,
			void *buf, size_t len, uint8_t tag[C2D_GCM_TAG_LEN])
{
	static const uint8_t zero[C2D_GCM_NONCE_LEN];
	struct c2d_gcm g;
	c2d_gcm_init(&g, key, C2D_GCM_AUTO);
	c2d_gcm_seal(&g, zero, aad, aad_len, buf, len, tag);
	c2d_gcm_wipe(&g);
}

int c2d_aead_open_once(const uint8_t key[32], const void *aad, size_t aad_len,
		       void *buf, size_t len, const uint8_t tag[C2D_GCM_TAG_LEN])
{
	static const uint8_t zero[C2D_GCM_NONCE_LEN];
	struct c2d_gcm g;
	c2d_gcm_init(&g, key, C2D_GCM_AUTO);
	int ok = c2d_gcm_open(&g, zero, aad, aad_len, buf, len, tag);
	c2d_gcm_wipe(&g);
	return ok;
}
