/*
 * c2d/tdxquote.h: parsing Intel TDX quotes, versions 4 and 5 (Intel TDX DCAP
 * Quote Generation Library and Quote Verification Library, "Quote Format").
 *
 * Layout:
 *   header (48): version u16 (4, 5), attestation key type u16 (2: ECDSA
 *                P-256), TEE type u32 (0x81: TDX), reserved (4),
 *                QE vendor id (16), user data (20)
 *   body:  v4: TD report 1.0 (584 bytes) at offset 48
 *          v5: body type u16 (2: TD 1.0, 3: TD 1.5), body size u32, then the
 *              report (584 or 648 bytes: TD 1.5 adds TEE_TCB_SVN2 and
 *              MRSERVICETD)
 *   signature data length u32, then signature data:
 *          quote signature (64: r ‖ s over header ‖ body), attestation key
 *          (64: x ‖ y), certification data: type u16, size u32, data
 *   certification data type 6 (QE report certification data):
 *          QE report (384, an SGX report body), QE report signature (64),
 *          QE auth data: size u16, data; then certification data again,
 *          type 5: the PCK certificate chain, PEM
 *
 * Every length is checked against the buffer and against its enclosing
 * structure; bytes after the signature data are allowed and ignored (real
 * quotes carry padding). The result points into the caller's buffer, which
 * must outlive it. Parsing proves nothing: verification (signatures, chain,
 * collateral) is a separate step. Not constant-time: quotes are public.
 *
 * Prefix: c2d_tdxquote_
 */
#ifndef C2D_TDXQUOTE_H
#define C2D_TDXQUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_TDX_HEADER_LEN 48
#define C2D_TDX_BODY10_LEN 584
#define C2D_TDX_BODY15_LEN 648
#define C2D_SGX_REPORT_LEN 384

/* The TD report body; TD 1.5 fields are NULL for a TD 1.0 body. */
struct c2d_td_report {
	const uint8_t *tee_tcb_svn;     /* 16 */
	const uint8_t *mrseam;          /* 48 */
	const uint8_t *mrsignerseam;    /* 48 */
	const uint8_t *seam_attributes; /* 8 */
	const uint8_t *td_attributes;   /* 8 */
	const uint8_t *xfam;            /* 8 */
	const uint8_t *mrtd;            /* 48 */
	const uint8_t *mrconfigid;      /* 48 */
	const uint8_t *mrowner;         /* 48 */
	const uint8_t *mrownerconfig;   /* 48 */
	const uint8_t *rtmr[4];         /* 48 each */
	const uint8_t *report_data;     /* 64 */
	const uint8_t *tee_tcb_svn2;    /* 16, TD 1.5 only */
	const uint8_t *mrservicetd;     /* 48, TD 1.5 only */
};

/* The fields of an SGX report body that a quote verifier uses. */
struct c2d_sgx_report {
	const uint8_t *raw;             /* all 384 bytes (signed by the PCK key) */
	const uint8_t *cpusvn;          /* 16 */
	uint32_t miscselect;
	const uint8_t *attributes;      /* 16 */
	const uint8_t *mrenclave;       /* 32 */
	const uint8_t *mrsigner;        /* 32 */
	uint16_t isvprodid, isvsvn;
	const uint8_t *report_data;     /* 64 */
};

struct c2d_tdx_quote {
	uint16_t version;
	uint16_t att_key_type;
	uint32_t tee_type;
	const uint8_t *qe_vendor_id;    /* 16 */
	uint16_t body_type;             /* 2: TD 1.0, 3: TD 1.5 */
	const uint8_t *signed_data;     /* header ‖ body: what the quote signature covers */
	size_t signed_len;
	struct c2d_td_report td;
	const uint8_t *signature;       /* 64: r ‖ s, big-endian */
	const uint8_t *att_key;         /* 64: x ‖ y, big-endian */
	struct c2d_sgx_report qe_report;
	const uint8_t *qe_report_sig;   /* 64 */
	const uint8_t *qe_auth;
	size_t qe_auth_len;
	const uint8_t *pck_chain;       /* PEM, not NUL-terminated */
	size_t pck_chain_len;
	size_t used;                    /* bytes up to the end of the signature data */
};

/* Parses buf[0..len). C2D_E_INPUT, naming the offset and field, for
 * anything malformed, truncated or of a kind c2d does not accept (another
 * TEE, key type or certification data type). */
C2D_MUST_CHECK c2d_status c2d_tdxquote_parse(const uint8_t *buf, size_t len,
					      struct c2d_tdx_quote *q, struct c2d_err *err);

/* Points td at the fields of a TD report, which a quote's body and a
 * TDREPORT (c2d/tdxguest.h) both carry in two runs of the same layout (the
 * quoting enclave copies them in order): seam, TEE_TCB_SVN (16) ‖ MRSEAM
 * (48) ‖ MRSIGNERSEAM (48) ‖ SEAMATTRIBUTES (8); ti, TDATTRIBUTES (8) ‖
 * XFAM (8) ‖ MRTD ‖ MRCONFIGID ‖ MROWNER ‖ MROWNERCONFIG ‖ RTMR0..3 (48
 * each); and, where each format puts them, report_data (64), tee_tcb_svn2
 * (16) and mrservicetd (48) (NULL for none). The one place the offsets
 * within the runs are written, for both parsers. */
void c2d_tdxquote_report_at(struct c2d_td_report *td, const uint8_t *seam, const uint8_t *ti,
		      const uint8_t *report_data, const uint8_t *tee_tcb_svn2, const uint8_t *mrservicetd);

/* TD attribute bit 0: the TD runs in debug mode (its memory readable by
 * the host). Quotes from such TDs must be refused. */
int c2d_tdxquote_is_debug(const struct c2d_td_report *td);

#endif
