/*
 * host/kms/kmscoll.h: the KMS's collateral directory and its cache of
 * prepared collaterals (docs/kms-protocol.md, "Collateral"). The directory
 * is laid out like a PCCS cache keyed by FMSPC:
 *
 *   DIR/fmspc/<FMSPC, 12 lowercase hex digits>/
 *       collateral.json        dcap-qvl's QuoteCollateralV3 (what
 *                              `c2d sim-quoter collateral` writes), or, when
 *                              it is absent, Intel PCS's separate answers:
 *       tcbinfo.json           GET /tdx/certification/v4/tcb
 *       tcbinfo-chain.pem      its TCB-Info-Issuer-Chain header
 *       qeidentity.json        GET /tdx/certification/v4/qe/identity
 *       qeidentity-chain.pem   its SGX-Enclave-Identity-Issuer-Chain header
 *       pckcrl.der             GET /sgx/certification/v4/pckcrl (DER)
 *       pckcrl-chain.pem       its SGX-PCK-CRL-Issuer-Chain (optional)
 *       rootcrl.der            the Intel SGX Root CA's CRL (DER)
 *
 * The FMSPC is the quote's own, read from the SGX extension of its PCK
 * certificate. The cache holds, per FMSPC, the parsed collateral and its
 * preparation (c2d_tdxverify_prepare: its own signatures, chains and CRLs
 * verified once), with the identity of the files that made it: device,
 * inode, size and modification time of the FMSPC's directory and of each
 * file it read. Each request stats them again; the cache reads and
 * prepares anew only when that identity changed, so an operator refreshes
 * collateral by replacing files (each by rename, so that no request reads
 * half a file) without restarting the KMS. A file rewritten in place that
 * keeps its size and modification time is not seen.
 *
 * A missing part or stale collateral is C2D_E_REFUSED with one line naming
 * it: "collateral: FMSPC 00806f050000: tcbinfo.json missing",
 * "collateral: FMSPC 00806f050000: tcbinfo.json stale (nextUpdate
 * 2025-07-19T13:51:30Z has passed)", checked on every request. Malformed
 * files are C2D_E_INPUT naming the file (host/attest/collateral_json.h); a
 * collateral that does not prepare is refused with the verifier's line,
 * named by its step ("TCB info: ..."). Failures are not cached: the next
 * request reads the directory again, since a failure at one time (a CRL
 * not yet valid) may pass later with the same files, and costs no more
 * than a verification without a cache.
 *
 * Threads: any number may acquire and release at once. One mutex guards
 * the table and the reference counts, never a read, a preparation or a
 * verification. An entry is immutable once prepared; one replaced (new
 * files) or never tabled (the table full) is freed by whoever releases it
 * last. The table holds at most C2D_KMSCOLL_MAX FMSPCs; past that, a new
 * FMSPC's collateral is prepared for the request that needs it and freed
 * after it, uncached (the directory, not the requests, decides which
 * FMSPCs prepare: a quote naming an FMSPC without collateral adds nothing).
 *
 * Nothing is secret, nothing constant-time; no global state.
 *
 * Prefix: c2d_kmscoll_
 */
#ifndef C2D_HOST_KMSCOLL_H
#define C2D_HOST_KMSCOLL_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/tdxquote.h"
#include "c2d/tdxverify.h"

/* Intel's PCS lists some tens of TDX FMSPCs; this is room for all of them
 * and for years of new platforms. */
#define C2D_KMSCOLL_MAX 256

struct c2d_kmscoll;          /* the cache (opaque) */
struct c2d_kmscoll_entry;    /* one FMSPC's prepared collateral (opaque) */

/* The FMSPC of q's PCK certificate (the first of its PEM chain).
 * C2D_E_REFUSED "PCK certificate: ..." when it has none that parses. */
C2D_MUST_CHECK c2d_status c2d_kmscoll_fmspc(const struct c2d_tdx_quote *q, uint8_t fmspc[6],
					    struct c2d_err *err);

/* An empty cache over the directory dir (copied), preparing under the
 * trust anchor root_der/root_len (NULL: Intel's root; copied) and
 * allow_simulated, as in struct c2d_verify_policy. *out is the caller's,
 * to close with c2d_kmscoll_close; NULL on failure (C2D_E_NOMEM). */
C2D_MUST_CHECK c2d_status c2d_kmscoll_open(const char *dir, const uint8_t *root_der, size_t root_len,
					   int allow_simulated, struct c2d_kmscoll **out, struct c2d_err *err);

/* Frees c and every entry; no entry may still be held. NULL is accepted. */
void c2d_kmscoll_close(struct c2d_kmscoll *c);

/* The prepared collateral for q's platform, fresh at now, into *out (NULL
 * on failure): from the table when its files are those it was made from,
 * otherwise read and prepared at now. *out stays valid, unchanged, until
 * the caller hands it back with c2d_kmscoll_release, whatever happens to
 * the files or the table meanwhile. Errors as above; C2D_E_NOMEM. */
C2D_MUST_CHECK c2d_status c2d_kmscoll_acquire(struct c2d_kmscoll *c, const struct c2d_tdx_quote *q,
					      int64_t now, struct c2d_kmscoll_entry **out,
					      struct c2d_err *err);

/* e's preparation, for c2d_tdxverify_quote_prepared; valid while e is held. */
const struct c2d_tdxverify_prepared *c2d_kmscoll_prepared(const struct c2d_kmscoll_entry *e);

/* Hands e back (acquired from c); frees it if it was the last hold of an
 * entry no longer in the table. */
void c2d_kmscoll_release(struct c2d_kmscoll *c, struct c2d_kmscoll_entry *e);

/* How many times c has read a directory's files since it was opened,
 * whatever came of it: what a cache hit does not add to. */
uint64_t c2d_kmscoll_reads(struct c2d_kmscoll *c);

#endif
