/*
 * c2d/tdpolicy.h: what a relying party accepts of a TD whose quote is
 * genuine (docs/attestation.md, "TD policy"): the TCB statuses and
 * advisory IDs, the freshness of the collateral, and the TD itself, field
 * by field. c2d quote verify --policy loads it, and so will the KMS.
 *
 * The policy pins:
 *   - the accepted TCB statuses (never Revoked) and advisory IDs: every
 *     advisory that applies to the quote's TCB must be listed;
 *   - a minimum tcbEvaluationDataNumber for the TCB info and the QE
 *     identity, so that collateral from before a TCB recovery is refused
 *     (the older signed collateral stays valid until its nextUpdate);
 *   - the whole TDATTRIBUTES and XFAM values (8 bytes each, as the TD
 *     report holds them);
 *   - MRSEAM, one of a list, where the TDX modules are known;
 *   - MRCONFIGID, MROWNER and MROWNERCONFIG (zero unless set);
 *   - MRTD and RTMR0-2, each pinned or, written out, "any".
 * The defaults (c2d_tdpolicy_default) are the strict values: UpToDate
 * only, no advisory, C2D_TDPOLICY_MIN_TCB_EVAL, TDATTRIBUTES with only
 * SEPT_VE_DISABLE set, C2D_TDPOLICY_XFAM, any MRSEAM, zero MRCONFIGID,
 * MROWNER and MROWNERCONFIG; MRTD and RTMR0-2 unset, which the checks
 * skip and c2d_tdpolicy_complete refuses.
 *
 * The JSON form (c2d_tdpolicy_json_parse, host/attest/tdpolicy_json.c, which
 * needs jansson; the rest is host/attest/tdpolicy.c) is one flat object
 * of the keys in docs/attestation.md; an unknown key, a wrong type or a
 * malformed value is C2D_E_INPUT naming the file and the key, so that a
 * typo cannot weaken a policy. Its "measurements" member names a
 * measurements.json (written by c2d measure) that supplies MRTD and
 * RTMR0-2 (c2d_tdpolicy_json_measurements).
 *
 * No allocation survives but the path c2d_tdpolicy_json_parse hands out;
 * nothing global. Not constant-time: policies and quotes are public.
 *
 * Prefix: c2d_tdpolicy_
 * Prefix of host/attest/tdpolicy_json.c: c2d_tdpolicy_json_
 */
#ifndef C2D_TDPOLICY_H
#define C2D_TDPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/collateral.h"
#include "c2d/err.h"
#include "c2d/tdxquote.h"

/* A set of acceptable TCB statuses: a bit per enum c2d_tcb_status. */
#define C2D_ACCEPT(status) (1u << (status))

/* The default minimum tcbEvaluationDataNumber: the newest in the real
 * collateral of tests/vectors/tdx/ (June 2025). Raise it when Intel
 * announces a TCB recovery; a policy file sets its own. */
#define C2D_TDPOLICY_MIN_TCB_EVAL 17u

/* The default XFAM: x87, SSE, AVX, AVX-512 (opmask, ZMM_Hi256,
 * Hi16_ZMM), PKRU, AMX (TILECFG, TILEDATA), as both the real dcap-qvl
 * quote and c2d sim-quoter report it; bytes in TD report order. */
#define C2D_TDPOLICY_XFAM { 0xe7, 0x02, 0x06, 0, 0, 0, 0, 0 }

/* The default TDATTRIBUTES: SEPT_VE_DISABLE (bit 28) alone, which the
 * image's kernel requires and both the real quote and the simulation
 * carry; no DEBUG, PKS, PERFMON, MIGRATABLE or any other bit. */
#define C2D_TDPOLICY_TD_ATTRIBUTES { 0, 0, 0, 0x10, 0, 0, 0, 0 }

#define C2D_TDPOLICY_MRSEAM_MAX 16

/* The registers that come from measurements.json, in this order. */
enum { C2D_TDPOLICY_MRTD, C2D_TDPOLICY_RTMR0, C2D_TDPOLICY_RTMR1, C2D_TDPOLICY_RTMR2,
       C2D_TDPOLICY_NREGS };
/* The state of each: not given yet, pinned to reg[i], or "any". */
enum { C2D_TDPOLICY_UNSET, C2D_TDPOLICY_PINNED, C2D_TDPOLICY_ANY };

struct c2d_td_policy {
	unsigned accept;                    /* C2D_ACCEPT() bits; Revoked never */
	struct c2d_advisories advisories;   /* advisory IDs accepted */
	uint32_t min_tcb_eval;              /* minimum tcbEvaluationDataNumber */
	uint8_t td_attributes[8];
	uint8_t xfam[8];
	size_t nmrseam;                     /* 0: any MRSEAM */
	uint8_t mrseam[C2D_TDPOLICY_MRSEAM_MAX][48];
	uint8_t mrconfigid[48], mrowner[48], mrownerconfig[48];
	int reg_state[C2D_TDPOLICY_NREGS];  /* C2D_TDPOLICY_UNSET, _PINNED, _ANY */
	uint8_t reg[C2D_TDPOLICY_NREGS][48];
};

/* The strict defaults above into *p. */
void c2d_tdpolicy_default(struct c2d_td_policy *p);

/* "MRTD", "RTMR0", ...: the register's name in messages, i in range. */
const char *c2d_tdpolicy_reg_name(int i);

/* Refuses (C2D_E_REFUSED, "policy: ...") collateral older than the
 * policy's minimum (tcb_eval: the TCB info's tcbEvaluationDataNumber,
 * qe_eval: the QE identity's), then a converged status the policy does
 * not accept, then an advisory ID in adv that it does not list. */
C2D_MUST_CHECK c2d_status c2d_tdpolicy_check_tcb(const struct c2d_td_policy *p, int status,
						 const struct c2d_advisories *adv, uint32_t tcb_eval,
						 uint32_t qe_eval, struct c2d_err *err);

/* Compares the TD report with the policy: TDATTRIBUTES, XFAM, MRSEAM,
 * MRCONFIGID, MROWNER, MROWNERCONFIG, then MRTD and RTMR0-2 where pinned.
 * C2D_E_REFUSED ("TD policy: ...") naming the first field that differs,
 * with both values (the TD attributes also by their bits' names), and the
 * names of every other one. */
C2D_MUST_CHECK c2d_status c2d_tdpolicy_check_td(const struct c2d_td_policy *p,
						const struct c2d_td_report *td, struct c2d_err *err);

/* C2D_E_INPUT naming name and the register when one of MRTD and RTMR0-2
 * is neither pinned nor "any": a policy that a relying party loads must
 * say, for each, what it accepts. */
C2D_MUST_CHECK c2d_status c2d_tdpolicy_complete(const struct c2d_td_policy *p, const char *name,
						struct c2d_err *err);

/* Parses the policy JSON buf[0..len) (name: the file, for messages) over
 * the defaults into *p. *measurements gets a malloc'd copy of the
 * "measurements" member as written (the caller resolves it and frees
 * it), or NULL when there is none. On failure nothing is left to free. */
C2D_MUST_CHECK c2d_status c2d_tdpolicy_json_parse(const char *buf, size_t len, const char *name,
						  struct c2d_td_policy *p, char **measurements,
						  struct c2d_err *err);

/* Takes MRTD and RTMR0-2 from a measurements.json (buf[0..len), name:
 * the file): its "c2d_measurements" must be 1, and each of tdx.mrtd,
 * tdx.rtmr0, tdx.rtmr1, tdx.rtmr2 that is a string pins that register.
 * One the policy also gives is C2D_E_INPUT (the two would have to agree;
 * give it once); one that is null or absent is left as it is. */
C2D_MUST_CHECK c2d_status c2d_tdpolicy_json_measurements(struct c2d_td_policy *p, const char *buf,
							 size_t len, const char *name,
							 struct c2d_err *err);

/* The whole of it for a file: reads path, parses it, reads the
 * measurements file it names (a relative path is taken from the policy
 * file's directory), and requires c2d_tdpolicy_complete. C2D_E_IO for a
 * file that cannot be read. */
C2D_MUST_CHECK c2d_status c2d_tdpolicy_json_load(const char *path, struct c2d_td_policy *p,
						 struct c2d_err *err);

#endif
