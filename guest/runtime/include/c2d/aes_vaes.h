/*
 * c2d/aes_vaes.h: AES in CTR mode with VAES, and GHASH with VPCLMULQDQ,
 * both on 256-bit (ymm) registers, behind BearSSL's own interfaces
 * (br_block_ctr_class and br_ghash) so that br_gcm_* drives them exactly
 * as it drives BearSSL's own implementations.
 *
 * Only the AVX2 level of the vector extensions is used (no AVX-512), so the
 * code runs on every CPU that has VAES and VPCLMULQDQ, whatever the width of
 * its vector unit. The getters below check the CPU (and that the operating
 * system saves the ymm state) at every call and return NULL / 0 when either
 * piece cannot run; nothing is cached, so there is no shared state.
 *
 * Constant-time: yes. Neither function branches on, nor indexes memory
 * with, secret data (key, round keys, H, Y, plaintext); only the lengths
 * and the counter value steer control flow, and they are public in GCM.
 * The AES S-box comes from the AES instructions, never from a table.
 * Key material that the code itself copies to the stack is wiped before
 * returning; what the compiler spills from registers cannot be controlled.
 *
 * Prefix: c2d_aes_vaes_
 */
#ifndef C2D_AES_VAES_H
#define C2D_AES_VAES_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl_block.h>
#include <bearssl_hash.h>

/*
 * Context for the VAES CTR implementation, in the same shape as BearSSL's
 * br_aes_*_ctr_keys: the first field is the vtable pointer, set by the
 * vtable's init(); the other fields are private.
 *
 * skey holds the expanded key as num_rounds + 1 round keys of 16 bytes, in
 * the byte order AESENC expects (FIPS-197 order). The context is secret;
 * wipe it when done.
 */
typedef struct {
	const br_block_ctr_class *vtable;
	unsigned char skey[16 * 15];
	unsigned num_rounds;
} c2d_aes_vaes_ctr_keys;

/*
 * Get the VAES AES-CTR implementation, or NULL if this CPU (or the OS) cannot
 * run it. Needs AES-NI (for the key schedule), AVX2, VAES, and OS support for
 * the ymm state (OSXSAVE, XCR0 bits 1 and 2).
 *
 * The returned class follows br_block_ctr_class:
 *
 *   context_size     sizeof(c2d_aes_vaes_ctr_keys); block_size 16;
 *                    log_block_size 4.
 *
 *   init(ctx, key, key_len)
 *                    key_len MUST be 16, 24 or 32 (AES-128/192/256). Other
 *                    lengths leave a context whose output is meaningless
 *                    (num_rounds is 0); no memory beyond the context and
 *                    the key_len bytes of key is touched.
 *
 *   run(ctx, iv, cc, data, len)
 *                    iv: 12 bytes. Block i (from 0) of data is XORed with
 *                    AES(iv || be32(cc + i)), the addition modulo 2^32 (the
 *                    counter wraps around within its 32 bits; the IV is
 *                    never carried into). data is updated in place; len is
 *                    any byte count, including 0 and values that are not a
 *                    multiple of 16: the key stream bytes past len are
 *                    dropped. data need not be aligned.
 *                    Returns cc + ceil(len / 16) modulo 2^32: the first
 *                    counter value not used, so a later call with the
 *                    returned value never reuses key stream. This matches
 *                    BearSSL's aes_big, aes_small and aes_ct. (aes_ct64 and
 *                    aes_x86ni return cc + floor(len / 16) when len is not a
 *                    multiple of 16; br_gcm_* only ever passes multiples of
 *                    16, where all agree.)
 *
 * Throughput comes from 16 blocks (8 ymm registers of 2 blocks) in flight
 * per iteration, which covers the latency of VAESENC.
 */
const br_block_ctr_class *c2d_aes_vaes_ctr_get_vtable(void);

/*
 * Get the VPCLMULQDQ GHASH implementation, or 0 if this CPU (or the OS)
 * cannot run it. Needs PCLMULQDQ, AVX2, VPCLMULQDQ, and OS support for the
 * ymm state.
 *
 * The returned function follows br_ghash: y (16 bytes, in and out) is
 * updated with data (len bytes, any length; a partial final block is
 * implicitly padded with zeros) under the key h (16 bytes), all in GCM's
 * byte and bit conventions. y, h and data need not be aligned.
 *
 * Each call derives H^1..H^8 from h (only when len >= 128), then processes
 * 8 blocks per reduction; calls of a few KiB or more amortise that set-up.
 */
br_ghash c2d_aes_vaes_ghash_get(void);

#endif
