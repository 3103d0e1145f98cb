/*
 * c2d/tdxverify.h: verification of a TDX quote against Intel's collateral,
 * in the order a DCAP verifier (Intel's QVL) takes. Steps marked [P]
 * concern the collateral alone: c2d_tdxverify_prepare does them once per
 * collateral, and each verification checks only their time windows again
 * (docs/attestation.md, "Verified once per collateral").
 *
 *    1. header: ECDSA P-256 attestation key, TDX, Intel's QE vendor id;
 *    2. TD attributes: a debug TD is refused from the quote alone, before
 *       anything else, so that it is refused by name with or without
 *       collateral;
 *    3. [P] the root: the pinned Intel SGX Root CA, or another root only
 *       when the policy allows simulation (the result then says
 *       simulated);
 *    4. the PCK chain carried in the quote, up to the root, no CA in it
 *       revoked by the root CA CRL; CAs byte-identical to those of the
 *       PCK CRL's issuer chain, verified at preparation, are not verified
 *       again (c2d_x509_chain_verify_known);
 *    5. [P] the root CA CRL, signed by the root and current (checked
 *       after the chain, so that a quote from another root is named as
 *       such);
 *    6. [P] the PCK CRL's issuer chain up to the root, and the PCK CRL
 *       signed by its leaf; then, per quote: the PCK CRL issued by the
 *       PCK leaf's issuer (its signature checked again unless that issuer
 *       is the prepared one, byte for byte), current, not listing the PCK
 *       leaf;
 *    7. the QE report, signed by the PCK key;
 *    8. the QE report binds the attestation key:
 *       report_data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zeros;
 *    9. the quote signature by the attestation key over header ‖ body;
 *   10. [P] the TCB info and the QE identity: their issuer chains up to
 *       the root, not revoked, and their signatures over the exact bytes;
 *   11. the QE identity against the QE report, the TCB info against the
 *       PCK certificate's SGX extension and the TD report; statuses
 *       converged (c2d/collateral.h);
 *   12. the policy (pol->td, c2d/tdpolicy.h): the collateral's evaluation
 *       numbers, the converged status and its advisories, then the TD
 *       report field by field.
 *
 * Time is an input (now, unix seconds): every certificate, CRL and
 * collateral window is checked at that instant, never at the clock's. A
 * prepared collateral was checked at the time of its preparation, and
 * each verification checks every window again at its own now.
 *
 * The result is filled as far as verification got, so that a caller can
 * show the TCB status of a quote that the policy refuses. Returns C2D_OK
 * only when every step passed and the status is acceptable; otherwise
 * C2D_E_REFUSED (or C2D_E_INPUT for malformed collateral) with one line
 * that starts with the step that failed ("PCK CRL: ...").
 *
 * Nothing global. A prepared collateral is immutable: any number of
 * threads may verify against one at once. Not constant-time: quotes and
 * collateral are public.
 *
 * Prefix: c2d_tdxverify_
 */
#ifndef C2D_TDXVERIFY_H
#define C2D_TDXVERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/collateral.h"
#include "c2d/err.h"
#include "c2d/pckext.h"
#include "c2d/tdpolicy.h"
#include "c2d/tdxquote.h"
#include "c2d/x509.h"

/* The names the verifier pins in the certificates that sign (docs/
 * attestation.md, "Collateral signers"): Intel's, as its certificates
 * carry them, and those of c2d's simulated PKI (host/sim/simca.h writes
 * its certificates with these), trusted only under allow_simulated. */
struct c2d_tdxverify_pki {
	struct c2d_x509_dn tcb_signing;    /* signs TCB info and QE identity */
	struct c2d_x509_dn platform_ca;    /* issues PCK certificates */
	struct c2d_x509_dn processor_ca;   /* issues PCK certificates; cn NULL: none */
};
extern const struct c2d_tdxverify_pki c2d_tdxverify_intel_pki;
extern const struct c2d_tdxverify_pki c2d_tdxverify_sim_pki;

struct c2d_verify_policy {
	const uint8_t *root_der;   /* trust anchor, DER; NULL: the pinned Intel SGX Root CA */
	size_t root_len;
	int allow_simulated;       /* trust a root other than Intel's (c2d sim-quoter) */
	const struct c2d_td_policy *td;   /* what is accepted of a genuine quote (c2d/tdpolicy.h) */
};

struct c2d_verify_result {
	int simulated;             /* the chain ends at a root that is not Intel's */
	int signatures_ok;         /* steps 1-10 passed: the quote is genuine */
	int status;                /* converged status (0 until step 11 ran) */
	int platform_status;       /* TCB info level, with the TDX module's */
	int qe_status;             /* QE identity level */
	int64_t tcb_date;          /* the platform TCB level's date */
	struct c2d_advisories adv; /* advisory IDs of the matching levels */
	struct c2d_pck_ext pck;    /* the PCK certificate's SGX extension */
};

/* Verifies q (parsed by c2d_tdxquote_parse) with col at time now under
 * pol. col may be NULL: the checks that need no collateral (1, 2) still
 * run, and the result is C2D_E_REFUSED "no collateral". The same as
 * c2d_tdxverify_prepare, c2d_tdxverify_quote_prepared and
 * c2d_tdxverify_prepared_free, except that a failure of the collateral is
 * reported when the verification of q reaches its step (after 1 and 2,
 * and a failure of 4 before a failure of 5): the first failure in the
 * order above. No allocation survives the call. */
C2D_MUST_CHECK c2d_status c2d_tdxverify_quote(const struct c2d_tdx_quote *q,
					   const struct c2d_collateral *col,
					   const struct c2d_verify_policy *pol, int64_t now,
					   struct c2d_verify_result *res, struct c2d_err *err);

/* A collateral verified once (steps 3, 5, 6 and 10 above, opaque). */
struct c2d_tdxverify_prepared;

/* Verifies col's own signatures and chains under pol's trust anchor
 * (root_der, root_len, allow_simulated; td is not read) at time now, the
 * time of preparation, into *out. col is borrowed: it must outlive *out
 * and not change while *out lives; the root is copied. Refusals are
 * those of c2d_tdxverify_quote for the same step ("root CA CRL: ...",
 * "PCK CRL issuer chain: ...", "TCB info: ..."), plus one it does not
 * make: a PCK CRL that its issuer chain's leaf did not sign ("PCK CRL:
 * CRL: bad signature (by ...)"). A PCK CRL without an issuer chain is
 * accepted, its signature then checked with each quote's PCK CA. On
 * success *out is the caller's, to free with c2d_tdxverify_prepared_free;
 * on failure *out is NULL. C2D_E_INPUT when col is NULL, C2D_E_NOMEM. */
C2D_MUST_CHECK c2d_status c2d_tdxverify_prepare(const struct c2d_collateral *col,
						const struct c2d_verify_policy *pol, int64_t now,
						struct c2d_tdxverify_prepared **out,
						struct c2d_err *err);

/* Frees p (NULL is accepted). */
void c2d_tdxverify_prepared_free(struct c2d_tdxverify_prepared *p);

/* Verifies q against p at time now, td deciding what is accepted (step
 * 12): the result and refusals of c2d_tdxverify_quote with p's collateral
 * and trust anchor, at the cost of the quote's own signatures (the PCK
 * leaf by both X.509 engines, the QE report, the quote) and of whatever
 * in its PCK chain differs from what p verified. p NULL: as col NULL
 * above. p is only read. */
C2D_MUST_CHECK c2d_status c2d_tdxverify_quote_prepared(const struct c2d_tdx_quote *q,
						       const struct c2d_tdxverify_prepared *p,
						       const struct c2d_td_policy *td, int64_t now,
						       struct c2d_verify_result *res,
						       struct c2d_err *err);

#endif
