/*
 * c2d/tdxguest.h: the TDX guest interfaces of the Linux kernel, as init
 * uses them inside the CVM: the TDREPORT (/dev/tdx_guest), quotes
 * (configfs-tsm) and RTMR3 extension (sysfs).
 *
 * Every function takes root, the directory under which /dev and /sys are
 * found: "/" in the CVM, a fake tree in tests. Nothing is global; nothing
 * is printed. Errors are C2D_E_IO (the kernel interface is missing or a
 * system call failed: the message names the path), C2D_E_REFUSED (the
 * kernel answered, but not as a quote for our request may be used:
 * another provider, another generation) or C2D_E_INPUT (malformed data),
 * always after c2d_fail. Nothing here is secret: report data, reports,
 * quotes and measurements are all public, so nothing is constant-time.
 *
 * TDREPORT (Intel TDX Module ABI specification, TDREPORT_STRUCT; the same
 * offsets as the kernel's drivers/virt/coco/tdx-guest), 1024 bytes:
 *     0  REPORTMACSTRUCT (256): report type (type 0x81 = TDX, subtype,
 *        version, reserved) at 0, reserved (12), CPUSVN (16) at 16,
 *        TEE_TCB_INFO hash (48) at 32, TEE_INFO hash (48) at 80,
 *        REPORTDATA (64) at 128, reserved (32), MAC (32) at 224
 *   256  TEE_TCB_INFO (239): valid (8), TEE_TCB_SVN (16) at +8, MRSEAM (48)
 *        at +24, MRSIGNERSEAM (48) at +72, attributes (8) at +120,
 *        TEE_TCB_SVN2 (16, TDX 1.5) at +128, reserved (95)
 *   495  reserved (17)
 *   512  TDINFO (512): attributes (8), XFAM (8) at +8, MRTD (48) at +16,
 *        MRCONFIGID at +64, MROWNER at +112, MROWNERCONFIG at +160,
 *        RTMR0..3 at +208 + 48 i, SERVTD_HASH (48) at +400, reserved (64)
 * The report is MACed by the CPU for this platform only; it proves nothing
 * outside the TD. A quote (below) is the TDREPORT signed by the quoting
 * enclave; its body carries the same fields, which is why the parser fills
 * a struct c2d_td_report, the type of a quote's body.
 *
 * Quotes (Documentation/ABI/testing/configfs-tsm, Linux >= 6.7): a fresh
 * entry <root>/sys/kernel/config/tsm/report/<name> is made, its provider
 * must be "tdx_guest", the report data is written to inblob, the quote is
 * read from outblob, and the entry is removed on every path. The kernel's
 * generation counter must read exactly one more after outblob than before
 * the write: anything else means another writer changed inblob in between,
 * and the quote would then bind someone else's report data.
 *
 * RTMR extension (Documentation/ABI/testing/sysfs-devices-virtual-misc-
 * tdx_guest, Linux >= 6.16): writing 48 bytes to
 * <root>/sys/devices/virtual/misc/tdx_guest/measurements/rtmr3:sha384
 * extends RTMR3 (RTMR3 = SHA-384(RTMR3 || digest)); reading it returns the
 * register. The pinned CVM kernel, 6.12, predates this ABI: on it the
 * extension fails with "kernel has no RTMR extension ABI", which callers
 * must treat as a failure (a run without its RTMR3 events cannot be
 * attested), never skip.
 *
 * Prefix: c2d_tdxguest_
 */
#ifndef C2D_TDXGUEST_H
#define C2D_TDXGUEST_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/tdxquote.h"

#define C2D_TDREPORT_LEN 1024
#define C2D_TDX_REPORTDATA_LEN 64
#define C2D_RTMR_LEN 48
/* The kernel's TSM_OUTBLOB_MAX (include/linux/tsm.h, 6.12): no real quote
 * is larger, so a larger outblob is refused rather than truncated. */
#define C2D_TSM_QUOTE_MAX 32768

/* A parsed TDREPORT. Pointers point into the caller's 1024 bytes, which
 * must outlive the struct. td.tee_tcb_svn2 and td.mrservicetd (TDINFO's
 * SERVTD_HASH) are always set: a TDX 1.0 module leaves them zero. */
struct c2d_tdreport {
	uint8_t type, subtype, version;    /* REPORTTYPE: 0x81, 0, 0 or 1 */
	const uint8_t *cpusvn;             /* 16 */
	const uint8_t *tee_tcb_info_hash;  /* 48: SHA-384 of tee_tcb_info */
	const uint8_t *tee_info_hash;      /* 48: SHA-384 of tdinfo */
	const uint8_t *mac;                /* 32 */
	const uint8_t *tee_tcb_info;       /* 239, raw */
	const uint8_t *tdinfo;             /* 512, raw */
	struct c2d_td_report td;           /* the fields a quote body carries */
};

/* Parses buf[0..len). C2D_E_INPUT unless len is 1024 and the report type
 * is TDX (0x81, subtype 0, version 0 or 1), naming the offset. */
C2D_MUST_CHECK c2d_status c2d_tdxguest_report_parse(const uint8_t *buf, size_t len, struct c2d_tdreport *r,
					     struct c2d_err *err);

/* TDG.MR.REPORT through ioctl TDX_CMD_GET_REPORT0 on <root>/dev/tdx_guest:
 * tdreport receives the 1024-byte report binding reportdata. C2D_E_IO when
 * the device is missing, is not the TDX guest device (ENOTTY) or fails. */
C2D_MUST_CHECK c2d_status c2d_tdxguest_get_report(const char *root, const uint8_t reportdata[64],
					     uint8_t tdreport[1024], struct c2d_err *err);

/* A quote binding reportdata, through configfs-tsm. On success *quote
 * (malloc'd, the caller frees it) holds *len bytes, 1 to
 * C2D_TSM_QUOTE_MAX; on failure *quote is NULL and *len 0. C2D_E_IO
 * ("configfs-tsm not available: <path>") when the report directory is
 * absent; C2D_E_REFUSED for another provider or a generation that moved
 * by other than our one write; C2D_E_INPUT for an empty or oversized
 * outblob. The entry made for the request is removed on every path. */
C2D_MUST_CHECK c2d_status c2d_tdxguest_tsm_get_quote(const char *root, const uint8_t reportdata[64],
					    uint8_t **quote, size_t *len, struct c2d_err *err);

/* Extends RTMR3 with digest, one 48-byte write at offset 0. C2D_E_IO
 * naming the path for a missing ABI, an error or a short write. */
C2D_MUST_CHECK c2d_status c2d_tdxguest_extend_rtmr3(const char *root, const uint8_t digest[48],
					       struct c2d_err *err);

/* Reads RTMR index (0 to 3) into value. C2D_E_USAGE for another index,
 * C2D_E_IO for a missing ABI or a failed read, C2D_E_INPUT for a value
 * that is not exactly 48 bytes. */
C2D_MUST_CHECK c2d_status c2d_tdxguest_read_rtmr(const char *root, int index, uint8_t value[48],
					    struct c2d_err *err);

#endif
