/*
 * c2d/simproto.h: the byte-stream protocol between a guest and the
 * simulated quoter on the host (`c2d sim-quoter serve`), carried by the
 * virtio-serial port "c2d.quote". The guest asks, the host answers; one
 * request in flight at a time.
 *
 * Frame: magic "c2dQ" (4), version u8 (1), type u8, payload length u32 LE
 * (at most C2D_SIMPROTO_MAX_PAYLOAD), payload.
 *
 *   EXTEND  guest→host  rtmr index u8 (only 3), digest (48),
 *                       name length u8 (1..C2D_SIMPROTO_MAX_NAME, printable
 *                       ASCII), name, event payload (the rest, may be empty)
 *           The host sets RTMR3 = SHA-384(RTMR3 ‖ digest) and logs the
 *           event (name, payload, digest) so a verifier can replay it.
 *   QUOTE   guest→host  report_data (64)
 *   OK      host→guest  empty: the extension is done
 *   QUOTE   host→guest  the quote (1..max bytes)   (type QUOTE_RESP)
 *   ERROR   host→guest  one line of printable ASCII (1..max bytes)
 *
 * Encoding and decoding work on caller buffers: no I/O, no allocation, no
 * global state; a decoded message points into the buffer it came from.
 * The decoder checks every length and field and names the offset of what
 * it refuses (C2D_E_INPUT); it is fuzzed (tests/fuzz/fuzz_simproto.c).
 *
 * c2d_simproto_send() and c2d_simproto_recv() move whole frames over a
 * file descriptor (blocking or not), retrying EINTR and short transfers,
 * within a deadline. Not constant-time: nothing here is secret (digests,
 * report_data and quotes are public).
 *
 * Prefix: c2d_simproto_
 */
#ifndef C2D_SIMPROTO_H
#define C2D_SIMPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_SIMPROTO_VERSION 1
#define C2D_SIMPROTO_HDR_LEN 10
#define C2D_SIMPROTO_MAX_PAYLOAD 65536
#define C2D_SIMPROTO_MAX_FRAME (C2D_SIMPROTO_HDR_LEN + C2D_SIMPROTO_MAX_PAYLOAD)
#define C2D_SIMPROTO_MAX_NAME 128
#define C2D_SIMPROTO_RTMR 3   /* the only register a guest may extend */

enum c2d_simproto_type {
	C2D_SIMPROTO_EXTEND = 1,
	C2D_SIMPROTO_QUOTE = 2,
	C2D_SIMPROTO_OK = 0x81,
	C2D_SIMPROTO_QUOTE_RESP = 0x82,
	C2D_SIMPROTO_ERROR = 0xff,
};

struct c2d_simproto_msg {
	uint8_t type;   /* enum c2d_simproto_type */
	/* EXTEND */
	uint8_t rtmr;
	const uint8_t *digest;     /* 48 */
	const char *name;          /* not NUL-terminated */
	size_t name_len;
	const uint8_t *event;
	size_t event_len;
	/* QUOTE */
	const uint8_t *report_data;   /* 64 */
	/* QUOTE_RESP (the quote) and ERROR (the message) */
	const uint8_t *data;
	size_t data_len;
};

/* Writes m as one frame into buf[0..cap), its length in *len. Fails with
 * C2D_E_INPUT for a message the decoder would refuse, C2D_E_USAGE when
 * cap is too small. Only the fields of m's type are read. */
C2D_MUST_CHECK c2d_status c2d_simproto_encode(const struct c2d_simproto_msg *m, uint8_t *buf,
					      size_t cap, size_t *len, struct c2d_err *err);

/* Checks a frame header; gives the type and payload length. */
C2D_MUST_CHECK c2d_status c2d_simproto_header(const uint8_t hdr[C2D_SIMPROTO_HDR_LEN],
					      uint8_t *type, uint32_t *payload_len,
					      struct c2d_err *err);

/* Decodes one whole frame buf[0..len) (header and exactly its payload). */
C2D_MUST_CHECK c2d_status c2d_simproto_decode(const uint8_t *buf, size_t len,
					      struct c2d_simproto_msg *m, struct c2d_err *err);

/* Writes buf[0..len) to fd within timeout_ms (< 0: no deadline). */
C2D_MUST_CHECK c2d_status c2d_simproto_send(int fd, const uint8_t *buf, size_t len, int timeout_ms,
					    struct c2d_err *err);

/* Reads one frame into buf (cap >= C2D_SIMPROTO_MAX_FRAME) and decodes it
 * into m. Waits up to idle_ms for its first byte (< 0: forever), then up to
 * frame_ms for the rest. Returns 0, 1 when the peer closed the stream
 * before a frame began, C2D_E_IO (timeout, a read error, end of stream
 * inside a frame) or C2D_E_INPUT. *frame_len gets the frame's length once
 * its header is valid, 0 otherwise: after C2D_E_INPUT with *frame_len 0
 * (a malformed header) the stream cannot be resynchronised; with
 * *frame_len > 0 (a malformed payload) the whole frame was consumed, so the
 * caller may answer ERROR and go on. */
C2D_MUST_CHECK int c2d_simproto_recv(int fd, uint8_t *buf, size_t cap, int idle_ms, int frame_ms,
				     struct c2d_simproto_msg *m, size_t *frame_len,
				     struct c2d_err *err);

#endif
