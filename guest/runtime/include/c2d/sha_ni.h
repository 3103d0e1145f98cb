/*
 * c2d/sha_ni.h: SHA-256 with the x86 SHA extensions (SHA-NI), behind
 * BearSSL's own hash interface (br_hash_class), so that everything in
 * BearSSL that takes a `const br_hash_class *` or a
 * `const br_hash_class **` (br_hmac_*, br_hkdf_*, br_hmac_drbg_*, ...)
 * drives it exactly as it drives br_sha256_vtable.
 *
 * The compression function uses SHA256RNDS2, SHA256MSG1 and SHA256MSG2,
 * with SSSE3 (PSHUFB, PALIGNR) for byte order and message alignment. It
 * only touches xmm registers, whose saving every x86 OS already does, so
 * no XCR0 check is needed. On anything other than x86 / x86-64 the file
 * compiles to a thin alias of BearSSL's portable SHA-256 (see below).
 *
 * Constant-time: yes. No branch and no memory index depends on the data
 * being hashed or on the chaining value; control flow depends only on
 * lengths (the running byte count and the len arguments), which are
 * public. The round constants come from a fixed table read in a fixed
 * order. Like BearSSL's implementation, nothing is wiped: the context
 * holds up to 63 bytes of input and the chaining value, and it is the
 * caller's job to wipe it when the input is secret (e.g. an HMAC key).
 *
 * Self-test (docs/architecture.md, "Crypto self-tests"): the SHA-NI class
 * is only ever chosen after it has reproduced the known answers of
 * c2d_sha_ni_kat(), at each call of c2d_sha_ni_get_vtable(). Nothing is
 * cached and there is no global mutable state: each call runs CPUID and the
 * known answers again (some 5 us besides CPUID's own cost), so no
 * caller can reach SHA-NI untested and no verdict can go stale or be shared.
 *
 * Prefix: c2d_sha_ni_
 */
#ifndef C2D_SHA_NI_H
#define C2D_SHA_NI_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl_hash.h>

#include "c2d/err.h"

/*
 * Context for c2d_sha_ni_vtable. As with every BearSSL hash
 * context, the first field is the vtable pointer, set by init(); the
 * other fields are private:
 *
 *   val     chaining value H0..H7 (FIPS 180-4 section 6.2), native order;
 *   count   total number of bytes injected since init() (or set_state());
 *   buf     the count % 64 bytes of a partial block not yet compressed.
 *
 * The context contains no pointer other than the vtable and owns no
 * resource: it may be copied with memcpy() (to fork a computation) and
 * dropped at any time. It is also large enough (checked at compile time)
 * to serve as context for br_sha256_vtable, so that one
 * c2d_sha256_context can hold whichever implementation
 * c2d_sha_ni_get_vtable() returns:
 *
 *     c2d_sha256_context c;
 *     const br_hash_class *vt = c2d_sha_ni_get_vtable();
 *     vt->init(&c.vtable);
 *     vt->update(&c.vtable, data, len);
 *     vt->out(&c.vtable, digest);
 *
 * It fits in a br_hash_compat_context too (also checked), which is what
 * br_hmac_* allocate for an arbitrary hash class.
 */
typedef struct {
	const br_hash_class *vtable;
	uint32_t val[8];
	uint64_t count;
	unsigned char buf[64];
} c2d_sha256_context;

/*
 * SHA-256 (FIPS 180-4) with SHA-NI, as a br_hash_class:
 *
 *   context_size   sizeof(c2d_sha256_context).
 *
 *   desc           the same value as br_sha256_vtable.desc: ID 4
 *                  (br_sha256_ID), output 32 bytes, state 32 bytes,
 *                  64-byte blocks (LBLEN 6), Merkle-Damgard padding with
 *                  a 64-bit big-endian bit length. BearSSL's generic code
 *                  (br_hmac_outCT in particular) reads these fields, so
 *                  it treats this class as SHA-256 in every respect.
 *
 *   init(ctx)      ctx points to the vtable field of a
 *                  c2d_sha256_context (or of any area of at least
 *                  context_size bytes, suitably aligned); sets the vtable
 *                  field, the SHA-256 initial value, and count to 0.
 *
 *   update(ctx, data, len)
 *                  injects len bytes from data. len may be 0, in which
 *                  case data is not read and may be NULL. data need not
 *                  be aligned and may be split across calls at any byte
 *                  boundary: the result depends only on the concatenation.
 *                  Every complete block is compressed before returning,
 *                  so state() after a multiple of 64 bytes reflects all
 *                  of them (br_hmac_outCT relies on this).
 *
 *   out(ctx, dst)  writes the 32-byte digest of all bytes injected so far
 *                  to dst (any alignment). The context is not modified:
 *                  more data may be injected afterwards to continue the
 *                  same computation.
 *
 *   state(ctx, dst)
 *                  writes the chaining value as 32 bytes (H0..H7, each
 *                  big-endian: the same encoding as br_sha256_state) to
 *                  dst and returns count. Bytes of a pending partial block
 *                  are not part of it. The context is not modified.
 *
 *   set_state(ctx, stb, count)
 *                  sets the chaining value from the 32 bytes at stb (same
 *                  encoding as above) and the byte count. count should be
 *                  a multiple of 64, as it is when it comes from state()
 *                  at a block boundary (this is how br_hmac_* use it);
 *                  otherwise the count % 64 bytes of partial block are
 *                  whatever the context's buffer holds, as with BearSSL.
 *                  The vtable field is not set: call init() first on a
 *                  fresh context. State values are interchangeable with
 *                  br_sha256_vtable's.
 *
 * The total input length is taken modulo 2^64 bytes (the bit length
 * modulo 2^64 in the padding, as FIPS 180-4 requires for inputs shorter
 * than 2^64 bits).
 *
 * The methods execute SHA-NI and SSSE3 instructions unconditionally: on a
 * CPU without them they fault (SIGILL). Use this vtable directly only
 * after c2d_sha_ni_get_vtable() has returned it; other code should just
 * use whatever c2d_sha_ni_get_vtable() returns.
 *
 * On non-x86 builds this object still exists (so code that names it
 * links everywhere) but holds BearSSL's portable SHA-256 methods and
 * context size; its init() then sets the context's vtable to
 * &br_sha256_vtable, and c2d_sha_ni_get_vtable() never returns it.
 */
extern const br_hash_class c2d_sha_ni_vtable;

/*
 * 1 if this CPU has the SHA extensions (CPUID leaf 7, sub-leaf 0, EBX bit
 * 29), SSSE3 (leaf 1 ECX bit 9) and SSE4.1 (leaf 1 ECX bit 19); 0
 * otherwise, and always on non-x86 builds. (The code itself needs only SHA
 * and SSSE3; SSE4.1 is required too because the compiler may use it under
 * the target attribute. Every CPU with SHA-NI has both.)
 */
int c2d_sha_ni_cpu(void);

/*
 * Run the SHA-256 known answers on vt: FIPS 180-4's two examples and RFC
 * 6234's TEST4, fed so that every path of update() and out() runs (a
 * partial block completed, several blocks at once, padding in one block
 * and across two). vt is &c2d_sha_ni_vtable (only where c2d_sha_ni_cpu()
 * says 1: otherwise it faults) or &br_sha256_vtable. C2D_OK when every
 * digest matches; C2D_E_INTERNAL naming the backend and the vector when
 * one does not. The inputs are public; nothing is secret here.
 */
C2D_MUST_CHECK c2d_status c2d_sha_ni_kat(const br_hash_class *vt, struct c2d_err *err);

/*
 * Return &c2d_sha_ni_vtable if c2d_sha_ni_cpu() says 1 and the class then
 * passes c2d_sha_ni_kat(); return &br_sha256_vtable otherwise, and always
 * on non-x86 builds. Never returns NULL. Both produce identical digests
 * and states for identical input; only speed differs. A SHA-NI class that
 * fails its known answers is thus never used: the portable one takes its
 * place silently here, and c2d_digest_selftest() is where a process hears
 * of it (c2d/digest.h).
 *
 * The answer comes from CPUID and the known answers at each call. In a
 * confidential VM the CPUID values may come from the host; a host that
 * lies can only make this choose the slower (still correct)
 * implementation, or make the guest fault, which it can cause anyway.
 */
const br_hash_class *c2d_sha_ni_get_vtable(void);

#endif
