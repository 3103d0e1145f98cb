/*
 * host/sim/simca.h: the certificate authority of the simulated TDX quoter.
 *
 * Machines without TDX get quotes from `c2d sim-quoter`, which plays the
 * TDX module and the quoting enclave (docs/attestation.md, "Simulated
 * quoter"). So that the real verifier runs unchanged on those quotes, the
 * simulation has a whole PKI shaped like Intel's:
 *
 *   c2d simulated TDX root CA (NOT Intel)       root, self-signed, CA pathlen 1
 *   ├─ c2d simulated PCK Platform CA (NOT Intel)   CA pathlen 0, issues PCK CRL
 *   │  └─ c2d simulated PCK Certificate (NOT Intel) leaf, SGX extension
 *   │     (1.2.840.113741.1.13.1: PPID, TCB, PCE-ID, FMSPC, SGX type, ...)
 *   └─ c2d simulated TCB Signing (NOT Intel)     leaf; signs TCB info, QE identity
 *
 * with the same shape of names (CN, O, L, ST, C; the verifier pins those
 * of the TCB Signing certificate and the Platform CA, c2d/tdxverify.h), extensions, key usages, critical
 * basicConstraints and algorithms (ECDSA P-256 / SHA-256) as Intel's, so a
 * strict verifier treats them exactly alike; it trusts the simulation root
 * only when told to (--allow-simulated). Every name says "simulated".
 *
 * State: a directory (mode 0700) holding five P-256 keys (root, pca, pck,
 * tcb: the signing keys above; ak: the quote's attestation key), each
 * NAME.key (64 hex digits, mode 0600, written atomically), and four
 * certificates NAME.der. Created on first use, loaded afterwards; a
 * directory with some but not all of these files is refused (remove it to
 * start over). Validity is fixed (2025-01-01 to 2049-12-31), serial numbers
 * and key identifiers derive from the public keys, and ECDSA signatures are
 * deterministic (RFC 6979), so everything but the keys is reproducible.
 *
 * Secret keys live in struct c2d_simca only; c2d_simca_close() wipes them.
 * They are never logged. Not constant-time beyond what BearSSL's ECDSA
 * (constant-time) gives; the simulation protects nothing real.
 *
 * Prefix: c2d_simca_
 */
#ifndef C2D_HOST_SIMCA_H
#define C2D_HOST_SIMCA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "c2d/err.h"

/* The simulated platform: what its PCK certificate, the published TCB
 * info and QE identity, and every quote agree on. */
struct c2d_simplatform {
	uint8_t fmspc[6];
	uint8_t pce_id[2];
	uint8_t sgx_svn[16];      /* SGX TCB components 1..16 (PCK cert, TCB info) */
	uint16_t pcesvn;
	uint8_t cpusvn[16];
	uint8_t tee_tcb_svn[16];  /* TD report: [0] module SVN, [1] module major version */
	uint8_t mrseam[48];
	uint8_t td_attributes[8]; /* SEPT_VE_DISABLE, not debug */
	uint8_t xfam[8];
	/* The quoting enclave (its report and the published QE identity). */
	uint32_t qe_miscselect;
	uint8_t qe_attributes[16];
	uint8_t qe_mrenclave[32];
	uint8_t qe_mrsigner[32];
	uint16_t qe_isvprodid, qe_isvsvn;
	uint8_t qe_id[16];        /* header user data */
	uint8_t ppid[16];
	uint8_t platform_instance_id[16];
};
extern const struct c2d_simplatform c2d_simca_platform;

struct c2d_simkey {
	uint8_t sk[32];    /* big-endian scalar, secret */
	uint8_t pub[65];   /* 0x04 ‖ x ‖ y */
};

struct c2d_simcert {
	uint8_t *der;      /* malloc'd */
	size_t len;
};

struct c2d_simca {
	struct c2d_simkey root, pca, pck, tcb, ak;
	struct c2d_simcert root_cert, pca_cert, pck_cert, tcb_cert;
	uint8_t pck_serial[20];
};

/* Loads the state in dir, or creates it (and dir) when dir holds none of
 * its files. C2D_E_INPUT for partial or inconsistent state (a certificate
 * that does not match its key, a key file readable by others), C2D_E_IO
 * naming the file. On failure ca holds nothing to free. */
C2D_MUST_CHECK c2d_status c2d_simca_open(struct c2d_simca *ca, const char *dir, struct c2d_err *err);

/* Wipes the keys and frees the certificates. */
void c2d_simca_close(struct c2d_simca *ca);

/* Signs SHA-256(msg) with k: raw r ‖ s (quotes, collateral JSON). */
C2D_MUST_CHECK c2d_status c2d_simca_sign_raw(const struct c2d_simkey *k, const void *msg,
					     size_t len, uint8_t sig[64], struct c2d_err *err);

/* Appends the PEM of cert to a malloc'd string (*pem may be NULL). */
C2D_MUST_CHECK c2d_status c2d_simca_pem(const struct c2d_simcert *cert, char **pem, size_t *len,
					struct c2d_err *err);

/* The collateral for this CA in the JSON layout of
 * tests/vectors/tdx/dcapqvl_tdx_quote_collateral.json: issuer chains as
 * PEM, CRLs as hex DER, TCB info (v3, id TDX) and QE identity (v2, TD_QE)
 * as the exact JSON text their hex r ‖ s signatures cover. Issue dates are
 * now, next updates now + 30 days. flags, for negative tests (0: honest
 * collateral):
 *   C2D_SIMCA_REVOKE_PCK: the PCK CRL lists the sim PCK certificate as
 *     revoked (keyCompromise);
 *   C2D_SIMCA_TCB_INFO_BY_PCK, C2D_SIMCA_QE_IDENTITY_BY_PCK: that part is
 *     signed with the PCK key and its issuer chain is the PCK chain (PCK
 *     certificate, Platform CA, root), as a thief of one platform's PCK
 *     key would forge it.
 * *json gets a malloc'd NUL-terminated JSON text. */
#define C2D_SIMCA_REVOKE_PCK 1u
#define C2D_SIMCA_TCB_INFO_BY_PCK 2u
#define C2D_SIMCA_QE_IDENTITY_BY_PCK 4u
C2D_MUST_CHECK c2d_status c2d_simca_collateral(const struct c2d_simca *ca, time_t now,
					       unsigned flags, char **json, struct c2d_err *err);

#endif
