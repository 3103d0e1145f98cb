/*
 * c2d/eventlog.h: TDX measurement event logs and their replay into RTMR0-3.
 *
 * A TD has four runtime measurement registers (RTMRs), 48 bytes each, zero
 * at TD start; extending one with a 48-byte digest d sets it to
 * SHA-384(rtmr ‖ d). The firmware logs what it extends into RTMR0-2 (its
 * own configuration, the kernel, the command line, the initrd) in the ACPI
 * CCEL table's event log; dstack's guest agent, and c2d's init, extend
 * RTMR3 with runtime events (c2d/rtmr.h). A verifier replays the log and compares the
 * result with the RTMRs of a quote: the log is untrusted until it replays.
 *
 * Measurement register indices are those of the CC event log (UEFI 2.10,
 * section 38.4.1, EFI_CC_MEASUREMENT_PROTOCOL, as TDVF implements it):
 * 0 = MRTD, 1..4 = RTMR0..3. MRTD is built by the TDX module while the TD
 * is created, not by extension, so index 0 events cannot be replayed and
 * are skipped. EV_NO_ACTION (3) events are never extended (TCG PC Client
 * Platform Firmware Profile, its table of event types) and are skipped too.
 *
 * Binary log layout (TCG PC Client PFP "crypto agile" format, little-endian):
 *   TCG_PCR_EVENT (the first record, SHA-1 style):
 *     mr index u32 (0 as the TCG profile writes it, or 1: TDVF maps the
 *     profile's PCR 0 to CC MR index 1 and writes that), event type u32
 *     (3, EV_NO_ACTION), digest (20, zero),
 *     event size u32, event: TCG_EfiSpecIdEvent
 *       signature (16: "Spec ID Event03\0"), platform class u32,
 *       spec version minor u8, major u8 (2), errata u8, uintn size u8,
 *       number of algorithms u32, then per algorithm: id u16, digest size
 *       u16; vendor info size u8, vendor info
 *   then TCG_PCR_EVENT2 records:
 *     mr index u32, event type u32, digest count u32, then per digest:
 *     algorithm id u16, digest (its size as declared in the Spec ID event);
 *     event size u32, event data
 * The CCEL area is larger than the log and filled after it (0xFF by TDVF,
 * where an mr index of 0xFFFFFFFF also ends dstack's logs, or 0x00): a walk
 * ends at a record boundary when everything that remains is 0xFF, or
 * everything is 0x00. Anything else must parse.
 *
 * Strictness, and why: the Spec ID event must declare SHA-384 (0x000C) with
 * size 48, no algorithm twice, known algorithms (SHA-1/256/384/512, SM3)
 * with their true sizes, sizes 1..64, at most C2D_CCEL_MAX_ALGS. Each record
 * carries exactly one digest per declared algorithm, each algorithm once,
 * none undeclared: a second SHA-384 entry could otherwise show a reader one
 * digest while the replay uses another. Other algorithms are skipped by
 * their declared sizes. Every size is checked against what remains before
 * use (no addition can overflow). An mr index above 4 is refused.
 *
 * dstack runtime events (type C2D_EVENT_RUNTIME, its "v1" digest):
 *   digest = SHA-384(le32(type) ‖ ":" ‖ name ‖ ":" ‖ payload)
 * In a binary log dstack stores that preimage as the event data, so the
 * replay also checks SHA-384(data) = digest for such events.
 *
 * The parser returns pointers into the caller's buffer, which must outlive
 * them; it allocates nothing and keeps no state outside the caller's
 * structures. Not constant-time: event logs are public.
 *
 * Prefix: c2d_eventlog_
 */
#ifndef C2D_EVENTLOG_H
#define C2D_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/rtmr.h"

#define C2D_EV_NO_ACTION 0x00000003u
#define C2D_TPM_ALG_SHA384 0x000Cu
#define C2D_CC_MR_MRTD 0u             /* CC MR index of MRTD; 1..4 are RTMR0..3 */
#define C2D_CC_MR_MAX 4u
#define C2D_CCEL_MAX_ALGS 8
#define C2D_CCEL_SPEC_ID_MR_MAX 1u    /* the Spec ID record's index: 0 (TCG) or 1 (TDVF) */

/* RTMR0..3, as a replay builds them. Start from all zeros ({0} or memset). */
struct c2d_rtmrs {
	uint8_t rtmr[4][C2D_RTMR_LEN];
};

/* Replays one event: mr_index 1..4 extends RTMR(mr_index - 1) with digest;
 * mr_index 0 (MRTD) and EV_NO_ACTION events change nothing. Returns 1 when
 * a register was extended, 0 when the event was skipped, C2D_E_INPUT for
 * an index above 4 (naming event number `seq`). */
C2D_MUST_CHECK int c2d_eventlog_rtmrs_apply(struct c2d_rtmrs *s, size_t seq, uint32_t mr_index,
				   uint32_t type, const uint8_t digest[C2D_RTMR_LEN],
				   struct c2d_err *err);

/* A walk over a binary CCEL/TCG2 log. */
struct c2d_ccel_alg {
	uint16_t id;
	uint16_t size;
};

struct c2d_ccel {
	const uint8_t *buf;
	size_t len;
	size_t off;                      /* where the next record starts */
	size_t seq;                      /* records returned so far */
	uint32_t n_algs;
	struct c2d_ccel_alg algs[C2D_CCEL_MAX_ALGS];
	int done;
};

struct c2d_ccel_event {
	size_t seq;                      /* 0 for the first record after the header */
	size_t offset;                   /* of the record in the log */
	uint32_t mr_index;               /* 0 = MRTD, 1..4 = RTMR0..3 */
	uint32_t type;
	const uint8_t *sha384;           /* 48 bytes, in the log */
	const uint8_t *data;             /* event data, in the log */
	uint32_t data_len;
};

/* Reads the TCG_PCR_EVENT header and its Spec ID event from buf[0..len).
 * C2D_E_INPUT, naming the offset and field, when it is malformed. */
C2D_MUST_CHECK c2d_status c2d_eventlog_open(struct c2d_ccel *log, const uint8_t *buf, size_t len,
					struct c2d_err *err);

/* Reads the next record: 1 and *ev filled, 0 at the end of the log (the
 * buffer's end or the fill after it), or C2D_E_INPUT naming the record,
 * offset and field. After an error or the end, further calls return the
 * same result class: 0 after the end, C2D_E_INPUT after an error. */
C2D_MUST_CHECK int c2d_eventlog_next(struct c2d_ccel *log, struct c2d_ccel_event *ev,
				 struct c2d_err *err);

/* Walks the whole log and replays it into *out (set to zeros first).
 * Checks every C2D_EVENT_RUNTIME event's data against its digest
 * (C2D_E_REFUSED naming the record if they differ). n_events, if not NULL,
 * receives the number of records after the header. */
C2D_MUST_CHECK c2d_status c2d_eventlog_replay(const uint8_t *buf, size_t len, struct c2d_rtmrs *out,
					  size_t *n_events, struct c2d_err *err);

#endif
