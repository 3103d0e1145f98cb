/*
 * host/kms/kmscoll.h: the KMS's collateral directory (docs/kms-protocol.md,
 * "Collateral"), laid out like a PCCS cache keyed by FMSPC:
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
 * certificate. The directory is read for each request, so an operator
 * refreshes the cache by replacing files (each by rename, so a request
 * never reads half a file) without restarting the KMS.
 *
 * A missing part or stale collateral is C2D_E_REFUSED with one line naming
 * it: "collateral: FMSPC 00806f050000: tcbinfo.json missing",
 * "collateral: FMSPC 00806f050000: tcbinfo.json stale (nextUpdate
 * 2025-07-19T13:51:30Z has passed)". Malformed files are C2D_E_INPUT
 * naming the file (host/attest/collateral_json.h). The signatures, chains
 * and CRLs are the verifier's (c2d/tdxverify.h), not checked here.
 *
 * Nothing is secret, nothing constant-time; no global state.
 *
 * Prefix: c2d_kmscoll_
 */
#ifndef C2D_HOST_KMSCOLL_H
#define C2D_HOST_KMSCOLL_H

#include <stdint.h>

#include "c2d/collateral.h"
#include "c2d/err.h"
#include "c2d/tdxquote.h"

/* The FMSPC of q's PCK certificate (the first of its PEM chain).
 * C2D_E_REFUSED "PCK certificate: ..." when it has none that parses. */
C2D_MUST_CHECK c2d_status c2d_kmscoll_fmspc(const struct c2d_tdx_quote *q, uint8_t fmspc[6],
					    struct c2d_err *err);

/* The collateral for q's platform from the directory dir, fresh at now,
 * into *out (zeroed first; the caller frees it with c2d_collateral_free,
 * also after a failure). The signature of c2d_kms_config's collateral_for
 * (host/kms/kmsdecide.h), with dir as its argument. */
C2D_MUST_CHECK c2d_status c2d_kmscoll_load(void *dir, const struct c2d_tdx_quote *q, int64_t now,
					   struct c2d_collateral *out, struct c2d_err *err);

#endif
