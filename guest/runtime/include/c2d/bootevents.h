/*
 * c2d/bootevents.h: what init puts into RTMR3 at boot, and the report data
 * of its boot quote. The one definition that init (which extends and asks)
 * and the host (`c2d measure`, which predicts; the boot test, which checks)
 * both compile, so that the two sides cannot drift apart.
 *
 * Events, in this order, each a dstack runtime event (type
 * C2D_EVENT_RUNTIME, digest SHA-384(le32(type) ‖ ":" ‖ name ‖ ":" ‖
 * payload), c2d/rtmr.h):
 *   "c2d.init"       payload: the 32-byte SHA-256 of /init, raw. The
 *                    initrd is already in RTMR2; this names the program
 *                    that actually runs as PID 1 inside it.
 *   "c2d.boot-done"  payload: empty. Closes the boot sequence: an event
 *                    after it was extended by something that ran later.
 * RTMR3 starts at zero (nothing before init extends it under QEMU or
 * QEMU-TDX) and is then SHA-384(RTMR3 ‖ digest) per event.
 *
 * Report data of the boot quote:
 *   SHA-512("c2d-boot-quote-v1" ‖ nonce), nonce = 32 random bytes.
 * The context string keeps a boot quote from being taken for a quote made
 * for another purpose (a KMS challenge binds a key, not this string).
 *
 * Pure functions of their inputs: no I/O, no allocation, no state. Nothing
 * here is secret (the digest of /init is published), so nothing is
 * constant-time.
 *
 * Prefix: c2d_boot_
 */
#ifndef C2D_BOOTEVENTS_H
#define C2D_BOOTEVENTS_H

#include <stddef.h>
#include <stdint.h>

#define C2D_BOOT_EVENTS 2
#define C2D_BOOT_EVENT_INIT "c2d.init"
#define C2D_BOOT_EVENT_DONE "c2d.boot-done"
#define C2D_BOOT_QUOTE_CONTEXT "c2d-boot-quote-v1"
#define C2D_BOOT_NONCE_LEN 32
#define C2D_BOOT_REPORT_DATA_LEN 64

struct c2d_boot_event {
	const char *name;        /* static string */
	const uint8_t *payload;  /* points into the caller's init_sha256, or NULL */
	size_t len;
	uint8_t digest[48];      /* the runtime-event digest extended into RTMR3 */
};

/* The boot events for an /init whose SHA-256 is init_sha256. ev[0]'s
 * payload points at init_sha256, which must outlive ev. */
void c2d_boot_events(const uint8_t init_sha256[32], struct c2d_boot_event ev[C2D_BOOT_EVENTS]);

/* RTMR3 after the boot events, from zero. */
void c2d_boot_rtmr3(const uint8_t init_sha256[32], uint8_t rtmr3[48]);

/* The boot quote's report data for nonce. */
void c2d_boot_report_data(const uint8_t nonce[C2D_BOOT_NONCE_LEN],
			  uint8_t report_data[C2D_BOOT_REPORT_DATA_LEN]);

#endif
