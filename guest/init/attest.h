/*
 * guest/init/attest.h: init's boot attestation. After the payload is measured
 * and the devices are probed, init extends RTMR3 with its boot events
 * (c2d/bootevents.h) and gets a quote over
 * report_data = SHA-512("c2d-boot-quote-v1" ‖ nonce).
 *
 * Backends, chosen from what the machine is and the host attached
 * (attest_choose):
 *   TDX   the TDX guest device: RTMR3 through sysfs, the quote through
 *         configfs-tsm (c2d/tdxguest.h). Always chosen inside a TD, even
 *         when a "c2d.quote" port is attached: the host cannot steer a
 *         real TD to the simulator.
 *   SIM   no TDX device, and a virtio-serial port named "c2d.quote": the
 *         simulated quoter on the host (`c2d sim-quoter serve`), spoken to
 *         with the framed protocol of c2d/simproto.h, so that a developer
 *         can run the whole path on any machine.
 *   NONE  neither: the image runs unattested (plain QEMU for development).
 *         A verifier gets no quote, so nothing that needs one is released.
 *
 * Whichever backend runs, the quote is parsed and must carry exactly our
 * report data and the RTMR3 init expects; a quoter that answers with
 * another quote fails the boot like one that does not answer.
 *
 * Every wait is bounded (struct attest_limits). Every failure is returned
 * (C2D_E_IO: the channel or a kernel interface failed or timed out;
 * C2D_E_REFUSED: the quoter said no, or its quote binds something else;
 * C2D_E_INPUT: an answer that is not the protocol's) and init fails
 * closed. No global state; nothing printed: init prints the result.
 *
 * Prefix: attest_
 */
#ifndef C2D_INIT_ATTEST_H
#define C2D_INIT_ATTEST_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/bootevents.h"
#include "c2d/err.h"
#include "probe.h"

#define ATTEST_PORT_NAME "c2d.quote"
/* The host connects its end when the launcher starts the quoter, about
 * when QEMU starts; a TCG boot reaches init seconds later. */
#define ATTEST_CONNECT_MS 30000
/* One answer: an EXTEND or a quote signed on the host (milliseconds), or
 * a configfs-tsm round trip to the quoting enclave. */
#define ATTEST_REPLY_MS 30000

enum attest_backend { ATTEST_NONE = 0, ATTEST_SIM = 1, ATTEST_TDX = 2 };

struct attest_limits {
	int connect_ms;  /* for the host end of c2d.quote to be connected */
	int reply_ms;    /* for each whole answer of the quoter */
};

struct attest_result {
	enum attest_backend backend;
	uint8_t nonce[C2D_BOOT_NONCE_LEN];
	uint8_t report_data[C2D_BOOT_REPORT_DATA_LEN];
	uint8_t rtmr3[48];  /* RTMR3 after the boot events, as init computed it */
	uint8_t *quote;     /* malloc'd (attest_result_free), NULL on failure */
	size_t quote_len;
};

/* The backend for what probe found; for SIM, dev receives the port's
 * node name under /dev. */
enum attest_backend attest_choose(const struct probe_result *p, char dev[32]);

/* The SIM backend over fd, an open stream to the quoter (the port, or a
 * socket in tests): waits for the host end, then EXTEND per boot event
 * (each acknowledged with OK), then QUOTE. nonce is the caller's. */
C2D_MUST_CHECK c2d_status attest_sim(int fd, const uint8_t init_sha256[32],
				     const uint8_t nonce[C2D_BOOT_NONCE_LEN],
				     const struct attest_limits *lim, struct attest_result *out,
				     struct c2d_err *err);

/* The TDX backend under root ("/" in the CVM). */
C2D_MUST_CHECK c2d_status attest_tdx(const char *root, const uint8_t init_sha256[32],
				     const uint8_t nonce[C2D_BOOT_NONCE_LEN],
				     struct attest_result *out, struct c2d_err *err);

/* Chooses the backend, draws the nonce (getrandom) and attests; ports are
 * opened under devroot, TDX interfaces under root. With ATTEST_NONE it
 * returns 0 with out->backend NONE and no quote. */
C2D_MUST_CHECK c2d_status attest_boot(const struct probe_result *p, const char *devroot,
				      const char *root, const uint8_t init_sha256[32],
				      const struct attest_limits *lim, struct attest_result *out,
				      struct c2d_err *err);

/* Frees out->quote; safe on a zeroed or already freed result. */
void attest_result_free(struct attest_result *out);

#endif
