/*
 * host/attest/collateral_json.h: reading Intel's TDX collateral from its JSON
 * forms into struct c2d_collateral (c2d/collateral.h).
 *
 * Two forms:
 *  - dcap-qvl's QuoteCollateralV3 JSON (one file): PEM issuer chains as
 *    strings, CRLs as hex DER, "tcb_info" and "qe_identity" as JSON text
 *    inside a string (the signed bytes are exactly that decoded string),
 *    "tcb_info_signature" / "qe_identity_signature" as hex r ‖ s.
 *  - Intel PCS responses (one file each): {"tcbInfo":{...},"signature":"hex"}
 *    and {"enclaveIdentity":{...},"signature":"hex"}; the signature covers
 *    the exact bytes of the inner value as they stand in the file (Intel
 *    PCS API, "TCB Info" and "Enclave Identity" signature fields), so no
 *    re-serialisation: c2d_collateral_json_member_span finds those bytes.
 *  - The separate-files form of the command line: those two PCS files,
 *    the two CRLs (DER) and the PEM chains, by path.
 *
 * Strict: wrong JSON types, missing fields, hex of the wrong length,
 * timestamps other than "YYYY-MM-DDTHH:MM:SSZ", unknown status names,
 * duplicate keys and anything beyond the limits of c2d/collateral.h are
 * C2D_E_INPUT, one line naming the file and the JSON path
 * ("tcb.json: tcbInfo.tcbLevels[3].tcb.sgxtcbcomponents[2].svn: ...").
 * Keys the evaluation does not use are ignored inside the signed objects
 * (Intel added tdxModuleIdentities to TCB info v3 without a new version;
 * refusing new keys would refuse valid, signed collateral) but not in the
 * PCS envelope, whose two members are fixed.
 *
 * On success the caller owns what was filled and releases it with
 * c2d_collateral_free / c2d_collateral_tcb_info_free / c2d_collateral_qe_identity_free; on
 * failure nothing is left allocated and the structure is zeroed.
 *
 * Prefix: c2d_collateral_json_
 */
#ifndef C2D_HOST_COLLATERAL_JSON_H
#define C2D_HOST_COLLATERAL_JSON_H

#include <stddef.h>

#include "c2d/collateral.h"
#include "c2d/err.h"

/* Scans buf[0..len) as one complete JSON document (RFC 8259 grammar, only
 * whitespace around it) whose top level is an object without duplicate
 * keys (compared byte for byte as written), and finds the member whose
 * key is written exactly as key (no escapes). Sets *off and *vlen to the
 * byte span of its value. C2D_E_INPUT (naming name and the offset) for a
 * syntax error, nesting deeper than 64, a duplicate key or a missing key.
 * Hand-written: JSON libraries (jansson included) do not report where a
 * value lies in the input. */
C2D_MUST_CHECK c2d_status c2d_collateral_json_member_span(const char *buf, size_t len, const char *key,
					       const char *name, size_t *off, size_t *vlen,
					       struct c2d_err *err);

/* dcap-qvl's collateral JSON: fills all of *c (pck_crl_chain included). */
C2D_MUST_CHECK c2d_status c2d_collateral_json_parse_dcapqvl(const char *buf, size_t len,
						       const char *name, struct c2d_collateral *c,
						       struct c2d_err *err);

/* Intel PCS responses. */
C2D_MUST_CHECK c2d_status c2d_collateral_json_parse_pcs_tcb_info(const char *buf, size_t len,
							    const char *name,
							    struct c2d_tcb_info *ti,
							    struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_collateral_json_parse_pcs_qe_identity(const char *buf, size_t len,
							       const char *name,
							       struct c2d_qe_identity *qi,
							       struct c2d_err *err);

/* The separate files; pck_crl_chain may be NULL. */
struct c2d_collateral_paths {
	const char *tcb_info, *qe_identity;      /* PCS responses (JSON) */
	const char *pck_crl, *root_crl;          /* DER */
	const char *tcb_chain, *qe_chain;        /* PEM */
	const char *pck_crl_chain;               /* PEM, optional */
};
C2D_MUST_CHECK c2d_status c2d_collateral_json_load_files(const struct c2d_collateral_paths *p,
						    struct c2d_collateral *c, struct c2d_err *err);

#endif
