/*
 * c2d/collateral.h: Intel's TDX attestation collateral (TCB info, QE
 * identity, CRLs, issuer chains) as an in-memory model, and its evaluation
 * against a parsed quote (Intel PCS API "TCB Info V3" for TDX and
 * "Enclave Identity V2" for TD_QE; the algorithms follow Intel's
 * SGX/TDX DCAP Quote Verification Library, QVL, sections 4.1.2.4.x and
 * 4.1.2.9.x as its sources number them).
 *
 * This module checks and evaluates; it does not read JSON (host/
 * collateral_json.h fills these structures) and does not verify
 * certificate chains or CRLs (the X.509 module does; it hands the leaf
 * public keys to c2d_collateral_tcb_info_check_sig and c2d_collateral_qe_identity_check_sig).
 * The order a verifier follows: chains to Intel's root, signatures below,
 * then the evaluations, then c2d_collateral_tcb_converge, then its own policy on the
 * final status (this module never decides that OutOfDate is acceptable).
 *
 * Ownership: a struct c2d_collateral, c2d_tcb_info or c2d_qe_identity owns
 * every pointer in it (all from malloc); c2d_collateral_free (and the
 * per-part frees) release them and zero the structure, and are safe on a
 * zeroed or partly filled structure. Fixed limits (levels, advisory IDs)
 * are checked by whoever fills the structures; the evaluation re-checks
 * the counts it indexes with.
 *
 * Errors: C2D_E_REFUSED when a check says no (expired, FMSPC mismatch,
 * no TCB level matches, QE identity mismatch, bad signature), naming the
 * field; C2D_E_INPUT for an inconsistent structure. Not constant-time:
 * everything here is public.
 *
 * Prefix: c2d_collateral_
 */
#ifndef C2D_COLLATERAL_H
#define C2D_COLLATERAL_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/p256.h"
#include "c2d/tdxquote.h"

/* TCB statuses of Intel's TCB info (PCS "tcbStatus"), best first. The
 * order is not a ranking used by the code; c2d_collateral_tcb_converge encodes the
 * only combination rules. */
enum c2d_tcb_status {
	C2D_TCB_UP_TO_DATE = 1,
	C2D_TCB_SW_HARDENING_NEEDED,
	C2D_TCB_CONFIGURATION_NEEDED,
	C2D_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	C2D_TCB_OUT_OF_DATE,
	C2D_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
	C2D_TCB_REVOKED,
};

/* PCS spelling ("UpToDate", ...), or "?" for a value outside the enum. */
const char *c2d_collateral_tcb_status_name(int status);
/* The enum value of a PCS spelling (exact, case-sensitive), or 0. */
int c2d_collateral_tcb_status_parse(const char *name);

#define C2D_TCB_LEVELS_MAX 64     /* per TCB info, per module identity, per QE identity */
#define C2D_TDX_MODULES_MAX 16    /* tdxModuleIdentities */
#define C2D_ADVISORIES_MAX 64     /* advisory IDs per level and per result */
#define C2D_ADVISORY_LEN 32       /* bytes per advisory ID, NUL included */
#define C2D_TDX_MODULE_ID_LEN 16  /* "TDX_01" and a NUL */

struct c2d_advisories {
	size_t n;
	char id[C2D_ADVISORIES_MAX][C2D_ADVISORY_LEN];
};

/* One platform TCB level (tcbInfo.tcbLevels[i]). */
struct c2d_tcb_level {
	uint8_t sgx_comp[16];    /* sgxtcbcomponents[k].svn */
	uint16_t pcesvn;
	uint8_t tdx_comp[16];    /* tdxtcbcomponents[k].svn */
	int64_t tcb_date;
	int status;              /* enum c2d_tcb_status */
	struct c2d_advisories adv;
};

/* One TCB level of a TDX module identity: only UpToDate, OutOfDate or
 * Revoked (QVL TcbStatus.h, VALID_MODULE_TCB_STATUSES). */
struct c2d_module_level {
	uint8_t isvsvn;
	int64_t tcb_date;
	int status;
	struct c2d_advisories adv;
};

struct c2d_tdx_module_identity {
	char id[C2D_TDX_MODULE_ID_LEN];   /* "TDX_%02X" of the module's major version */
	uint8_t mrsigner[48];
	uint8_t attributes[8];
	uint8_t attributes_mask[8];
	struct c2d_module_level *levels;  /* owned */
	size_t nlevels;
};

struct c2d_tcb_info {
	uint8_t *body;            /* owned: the exact signed bytes (inner JSON value) */
	size_t body_len;
	uint8_t signature[C2D_P256_SIG_LEN];   /* r ‖ s over SHA-256(body) */
	char id[8];               /* "TDX" */
	int version;              /* 3 */
	int64_t issue_date, next_update;
	uint8_t fmspc[6];
	uint8_t pceid[2];
	int tcb_type;             /* 0: the 16 SVNs are compared one by one */
	uint32_t tcb_evaluation_data_number;
	struct {
		uint8_t mrsigner[48];
		uint8_t attributes[8];
		uint8_t attributes_mask[8];
	} tdx_module;
	struct c2d_tdx_module_identity *modules;   /* owned; may be empty */
	size_t nmodules;
	struct c2d_tcb_level *levels;              /* owned, in the file's order */
	size_t nlevels;
};

/* One QE identity TCB level: UpToDate, OutOfDate or Revoked. */
struct c2d_qe_level {
	uint16_t isvsvn;
	int64_t tcb_date;
	int status;
	struct c2d_advisories adv;
};

struct c2d_qe_identity {
	uint8_t *body;            /* owned: the exact signed bytes */
	size_t body_len;
	uint8_t signature[C2D_P256_SIG_LEN];
	char id[8];               /* "TD_QE" */
	int version;              /* 2 */
	int64_t issue_date, next_update;
	uint32_t tcb_evaluation_data_number;
	uint32_t miscselect, miscselect_mask;   /* as the report holds them (little-endian u32) */
	uint8_t attributes[16], attributes_mask[16];
	uint8_t mrsigner[32];
	uint16_t isvprodid;
	struct c2d_qe_level *levels;   /* owned */
	size_t nlevels;
};

struct c2d_collateral {
	struct c2d_tcb_info tcb;
	struct c2d_qe_identity qe;
	char *tcb_chain;        /* PEM, NUL-terminated: signer of the TCB info, then up to the root */
	char *qe_chain;         /* PEM: signer of the QE identity */
	char *pck_crl_chain;    /* PEM: issuer of the PCK CRL; NULL when not supplied */
	uint8_t *pck_crl;       /* DER */
	size_t pck_crl_len;
	uint8_t *root_crl;      /* DER: Intel SGX Root CA's CRL */
	size_t root_crl_len;
};

void c2d_collateral_tcb_info_free(struct c2d_tcb_info *ti);
void c2d_collateral_qe_identity_free(struct c2d_qe_identity *qi);
void c2d_collateral_free(struct c2d_collateral *c);

/* What an evaluation found: a status, the date of the matching level
 * (the TCB level for the platform, the QE identity level for the QE) and
 * the advisory IDs that apply, each once, in first-seen order. */
struct c2d_tcb_result {
	int status;               /* enum c2d_tcb_status */
	int64_t tcb_date;
	struct c2d_advisories adv;
};

/* The signatures, with the public key of the certificate that signs each
 * (the leaf of its issuer chain, verified elsewhere): 0, or C2D_E_REFUSED
 * naming the TCB info or the QE identity. */
C2D_MUST_CHECK c2d_status c2d_collateral_tcb_info_check_sig(const struct c2d_tcb_info *ti,
						 const uint8_t pub[C2D_P256_PUB_LEN],
						 struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_collateral_qe_identity_check_sig(const struct c2d_qe_identity *qi,
						    const uint8_t pub[C2D_P256_PUB_LEN],
						    struct c2d_err *err);

/* Evaluates the TCB info for a TDX platform. fmspc, pceid, cpu_comp_svn
 * and pcesvn come from the PCK certificate's SGX extension; td is the
 * quote's TD report. Checks, in order: id "TDX" and version 3; issue_date
 * <= now < next_update; FMSPC and PCEID equal; the TDX module (MRSIGNERSEAM
 * and SEAMATTRIBUTES against tdxModule, or against the identity
 * "TDX_%02X" of tee_tcb_svn[1] when that is not 0, whose first level with
 * isvsvn <= tee_tcb_svn[0] gives the module's status); the first TCB level
 * whose SGX components, PCESVN and TDX components are all at or above the
 * level's (TDX components from index 2 when tee_tcb_svn[1] is not 0: those
 * two bytes are the module's own SVN and version, checked just above).
 * out->status is that level's status converged with the module's. */
C2D_MUST_CHECK c2d_status c2d_collateral_tcb_info_eval(const struct c2d_tcb_info *ti, const uint8_t fmspc[6],
					    const uint8_t pceid[2], const uint8_t cpu_comp_svn[16],
					    uint16_t pcesvn, const struct c2d_td_report *td,
					    int64_t now, struct c2d_tcb_result *out,
					    struct c2d_err *err);

/* Evaluates the QE identity against the quote's QE report: id "TD_QE"
 * and version 2; the time window; MISCSELECT and ATTRIBUTES under their
 * masks, MRSIGNER and ISVPRODID equal; the first level with isvsvn <= the
 * report's ISVSVN gives the status (UpToDate, OutOfDate or Revoked). */
C2D_MUST_CHECK c2d_status c2d_collateral_qe_identity_eval(const struct c2d_qe_identity *qi,
					       const struct c2d_sgx_report *qe, int64_t now,
					       struct c2d_tcb_result *out, struct c2d_err *err);

/* The final status of a platform status combined with a QE (or TDX
 * module) status, as QVL's convergeTcbStatusWithQeTcbStatus does: an
 * OutOfDate QE makes UpToDate and SWHardeningNeeded OutOfDate, and the two
 * ConfigurationNeeded kinds OutOfDateConfigurationNeeded; a Revoked QE
 * makes it Revoked; otherwise the platform status stands. */
int c2d_collateral_tcb_converge(int platform, int other);

/* Combines a platform result and a QE result into out (which may alias
 * platform): the converged status, the platform's TCB date, the advisory
 * IDs of both. C2D_E_INPUT if the advisory IDs exceed C2D_ADVISORIES_MAX. */
C2D_MUST_CHECK c2d_status c2d_collateral_tcb_result_merge(const struct c2d_tcb_result *platform,
					       const struct c2d_tcb_result *qe,
					       struct c2d_tcb_result *out, struct c2d_err *err);

#endif
