/*
 * host/measure/bootpredict.h: the TDX registers of a guest that QEMU boots from
 * given files (-kernel, -initrd, -append from a file, -m, and optionally
 * TDVF as -bios), predicted from those files alone. One computation for
 * both of its users, so that they cannot disagree:
 *   c2d measure             publishes the values (measurements.json "tdx");
 *   c2d sim-quoter serve    puts them into the simulated quotes, as the TDX
 *                           module would for the same boot.
 *
 * RTMR1 and RTMR2: c2d_tdxmeasure_predict_rtmr12 (c2d/tdxmeasure.h). MRTD, the TD HOB
 * and CFV events: from the firmware, when given. RTMR0: from the firmware
 * and the caller's digests of QEMU's ACPI tables, when both are given.
 * RTMR3: init's boot events (c2d/bootevents.h) over the /init inside the
 * initrd, when the initrd is one plain newc archive with a regular /init;
 * otherwise rtmr3_missing says why (the compose-hash and RTMR1-2 do not
 * need a readable archive).
 *
 * Files are read whole (at most 1 GiB each) and freed before returning.
 * Errors name the file (C2D_E_IO, C2D_E_INPUT) or the option (C2D_E_USAGE).
 *
 * Prefix: c2d_bootpredict_
 */
#ifndef C2D_HOST_BOOTPREDICT_H
#define C2D_HOST_BOOTPREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/tdxmeasure.h"

/* QEMU's -m default in c2d's launchers is not this: this is the size
 * measurements.json is published for unless told otherwise. */
#define C2D_PREDICT_DEFAULT_MEMORY (UINT64_C(2) << 30)

struct c2d_boot_files {
	const char *kernel, *initrd, *cmdline;  /* cmdline: a file holding -append's text */
	const char *firmware;                   /* NULL: no TDVF */
	uint64_t memory;                        /* bytes */
	enum c2d_qemu_kernel header;
	enum c2d_mrtd_order order;
	int have_acpi;
	struct c2d_rtmr0_parts acpi;            /* only acpi_* are read */
};

struct c2d_boot_prediction {
	uint8_t kernel_authenticode[48], cmdline_event[48], rtmr1[48], rtmr2[48];
	int have_mrtd;                 /* firmware given */
	uint8_t mrtd[48], td_hob_event[48], cfv_event[48];
	int have_rtmr0;                /* firmware and ACPI digests given */
	uint8_t rtmr0[48];
	int have_rtmr3;
	uint8_t init_sha256[32], rtmr3[48];
	char rtmr3_missing[C2D_ERR_MSG_MAX];   /* why not, when !have_rtmr3 */
};

C2D_MUST_CHECK c2d_status c2d_bootpredict_run(const struct c2d_boot_files *f,
					   struct c2d_boot_prediction *p, struct c2d_err *err);

/* The SHA-256 of /init as the kernel unpacks initrd[0..len): the last
 * member named "init", a regular file, of one uncompressed newc archive
 * followed by nothing but zeros (a second archive could replace /init).
 * C2D_E_INPUT naming the offset otherwise. */
C2D_MUST_CHECK c2d_status c2d_bootpredict_initrd_init_sha256(const uint8_t *initrd, size_t len,
						 uint8_t sha256[32], struct c2d_err *err);

/* Option values shared by the commands that predict: SIZE is decimal
 * bytes or with a K, M or G suffix (binary multiples); ACPI is three
 * comma-separated 96-digit hex SHA-384 digests (table-loader, rsdp,
 * tables). flag names the option in messages. */
C2D_MUST_CHECK c2d_status c2d_bootpredict_parse_size(const char *flag, const char *s, uint64_t *out,
					 struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_bootpredict_parse_acpi(const char *flag, const char *s, struct c2d_rtmr0_parts *p,
					 struct c2d_err *err);

#endif
