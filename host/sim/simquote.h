/*
 * host/sim/simquote.h: TDX quotes (version 4, the layout c2d/tdxquote.h
 * parses) signed by the simulated quoter's keys (host/sim/simca.h).
 *
 * What the hardware would do, done on the host: the "TD report" carries
 * the simulated platform's TEE_TCB_SVN, MRSEAM and TD attributes (not
 * debug) and the caller's registers and report_data; the attestation key
 * signs header ‖ body; the "QE report" (an SGX report body whose identity
 * matches the published QE identity) binds the attestation key through
 * report_data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes
 * and is signed by the PCK key; the certification data is type 6 wrapping
 * type 5, the PCK chain in PEM (leaf, platform CA, root) with a trailing
 * NUL byte, as Intel's quoting enclave writes it.
 *
 * Nothing here knows where the registers come from: the caller measures.
 *
 * Prefix: c2d_simquote_
 */
#ifndef C2D_HOST_SIMQUOTE_H
#define C2D_HOST_SIMQUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "simca.h"

/* The registers a TD report carries. */
struct c2d_simregs {
	uint8_t mrtd[48];
	uint8_t rtmr[4][48];
};

/* QE authentication data of every simulated quote (Intel's QE writes
 * 32 bytes 00 01 .. 1f). */
#define C2D_SIM_QE_AUTH_LEN 32

/* Builds a quote over regs and report_data into a malloc'd buffer
 * (*quote, *len; the caller frees it). */
C2D_MUST_CHECK c2d_status c2d_simquote_build(const struct c2d_simca *ca,
					     const struct c2d_simregs *regs,
					     const uint8_t report_data[64], uint8_t **quote,
					     size_t *len, struct c2d_err *err);

#endif
