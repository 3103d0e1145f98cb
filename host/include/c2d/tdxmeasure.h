/*
 * c2d/tdxmeasure.h: predicting the measurement registers of a TDX guest
 * booted directly from a kernel, an initrd and a command line by QEMU with
 * TDVF (OVMF built for TDX), so that a verifier can compare a quote's MRTD
 * and RTMR0-2 with values computed from the published image alone.
 *
 * The model is the one Dstack-TEE/dstack's dstack-mr crate implements and
 * checks against live TDX guests (cited, not copied; see
 * docs/attestation.md, "Measurement prediction"):
 *
 *   MRTD  = SHA-384 over the TDX module's records for the TDVF sections:
 *           TDH.MEM.PAGE.ADD (128 bytes: "MEM.PAGE.ADD", GPA at 16) per page
 *           not marked PAGE_AUG, and TDH.MR.EXTEND (128 bytes: "MR.EXTEND",
 *           GPA at 16, then the 256 bytes of content) per 256-byte chunk of
 *           sections marked MR_EXTEND. KVM before the TDX upstreaming (QEMU
 *           8.x) added every page of a section before extending any ("two
 *           pass"); upstream KVM/QEMU 9+ extends each page right after
 *           adding it ("single pass").
 *   RTMRi = replay of its events: r = SHA-384(r ‖ digest), r starting at 48
 *           zero bytes.
 *   RTMR0 = TD HOB, configuration FV, SecureBoot PK KEK db dbx (empty
 *           EFI variables), separator, three ACPI blobs from QEMU, BootOrder,
 *           Boot0000: the edk2 layout before edk2-stable202505. The ACPI
 *           blobs are built by QEMU from the whole VM configuration and are
 *           not computed here: the caller supplies their digests.
 *   RTMR1 = Authenticode SHA-384 of the kernel as OVMF receives it through
 *           fw_cfg (c2d_tdxmeasure_qemu_patch_kernel), then four fixed EFI events.
 *   RTMR2 = SHA-384 of the command line OVMF hands to the kernel (UTF-16LE,
 *           " initrd=initrd" appended, NUL-terminated), then SHA-384 of the
 *           initrd.
 *
 * Inputs are public; nothing here is constant-time or secret. Nothing is
 * allocated: parsed metadata lives in the caller's struct c2d_tdvf. Errors
 * are C2D_E_INPUT naming the offset and field.
 *
 * Prefix: c2d_tdxmeasure_
 */
#ifndef C2D_TDXMEASURE_H
#define C2D_TDXMEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_TDX_MR_LEN 48

/* ---- the kernel as QEMU hands it to the firmware ------------------------ */

/* How QEMU's x86_load_linux (hw/i386/x86.c, later x86-common.c) treats
 * the bzImage setup header of a confidential guest. */
enum c2d_qemu_kernel {
	/* QEMU 8.0 to 10.1 (and Canonical's TDX QEMU 8.2.2): the boot-protocol
	 * fields are written into the header, which OVMF then measures. */
	C2D_QEMU_PATCHED = 0,
	/* QEMU 10.2 and later (commit "i386/x86-common: don't modify the
	 * kernel header for confidential guests"): the file as it is. */
	C2D_QEMU_AS_IS = 1,
};

/* q35's ACPI area, which QEMU keeps below the initrd (pc.c acpi_data_size
 * = 0x20000 + 0x8000). */
#define C2D_QEMU_ACPI_DATA_SIZE 0x28000u

/* c2d_tdxmeasure_qemu_patch_kernel's initrd_len when there is no initrd. */
#define C2D_NO_INITRD SIZE_MAX

/* Copies kernel[0..len) to out[0..len) and applies what QEMU 8.0-10.1's
 * x86_load_linux writes into the setup header for a q35 machine with
 * mem_size bytes of RAM: type_of_loader, CAN_USE_HEAP and heap_end_ptr,
 * cmd_line_ptr (or the old command-line magic), vid_mode from "vga=",
 * and ramdisk_image/ramdisk_size (the initrd placed at the top of RAM below
 * 4 GiB, under the ACPI area, 4 KiB-aligned). cmdline is the -append
 * string. Fails like QEMU does: not a Linux boot-protocol image (no "HdrS"),
 * an initrd with a protocol older than 2.00 or too large, an invalid vga=
 * value, a setup area larger than the file. */
C2D_MUST_CHECK c2d_status c2d_tdxmeasure_qemu_patch_kernel(const uint8_t *kernel, size_t len, uint8_t *out,
						const char *cmdline, size_t initrd_len,
						uint64_t mem_size, struct c2d_err *err);

/* ---- RTMR1 and RTMR2 ---------------------------------------------------- */

/* RTMR1 from the kernel's Authenticode SHA-384 (the first event), followed
 * by "Calling EFI Application from Boot Option", the separator (4 zero
 * bytes), "Exit Boot Services Invocation", "Exit Boot Services Returned
 * with Success". */
void c2d_tdxmeasure_rtmr1_from_digest(const uint8_t kernel_authenticode[C2D_TDX_MR_LEN],
			   uint8_t rtmr1[C2D_TDX_MR_LEN]);

/* The command-line event digest: SHA-384 of the UTF-16LE string OVMF
 * builds as the kernel's load options: cmdline, then " initrd=initrd" when
 * there is an initrd, then a NUL character. OVMF widens each byte to a
 * UTF-16 unit (UnicodeSPrintAsciiFormat), so bytes >= 0x80 are Latin-1,
 * not UTF-8; c2d command lines are ASCII. */
void c2d_tdxmeasure_cmdline_digest(const char *cmdline, int has_initrd,
			    uint8_t out[C2D_TDX_MR_LEN]);

/* RTMR2 from the command-line event digest and the initrd's SHA-384. */
void c2d_tdxmeasure_rtmr2_from_digests(const uint8_t cmdline_digest[C2D_TDX_MR_LEN],
			    const uint8_t initrd_sha384[C2D_TDX_MR_LEN],
			    uint8_t rtmr2[C2D_TDX_MR_LEN]);

/* RTMR1 and RTMR2 of a guest booted with -kernel, -initrd (ilen > 0
 * bytes: an empty initrd is refused, OVMF then measures differently) and
 * -append cmdline, with mem_size bytes of RAM. qemu selects the header
 * treatment. kernel_authenticode, if not NULL, receives the first RTMR1
 * event digest. Needs len bytes of heap for the patched copy
 * (C2D_E_NOMEM). */
C2D_MUST_CHECK c2d_status c2d_tdxmeasure_predict_rtmr12(const uint8_t *kernel, size_t klen,
					     const uint8_t *initrd, size_t ilen,
					     const char *cmdline, uint64_t mem_size,
					     enum c2d_qemu_kernel qemu,
					     uint8_t rtmr1[C2D_TDX_MR_LEN],
					     uint8_t rtmr2[C2D_TDX_MR_LEN],
					     uint8_t kernel_authenticode[C2D_TDX_MR_LEN],
					     struct c2d_err *err);

/* ---- TDVF metadata and MRTD --------------------------------------------- */

/* TDVF section types and attributes (Intel TDX Virtual Firmware Design
 * Guide, "TDVF Metadata"). */
enum {
	C2D_TDVF_BFV = 0, C2D_TDVF_CFV = 1, C2D_TDVF_TD_HOB = 2, C2D_TDVF_TEMP_MEM = 3,
	C2D_TDVF_PERM_MEM = 4, C2D_TDVF_PAYLOAD = 5, C2D_TDVF_PAYLOAD_PARAM = 6,
};
#define C2D_TDVF_MR_EXTEND 0x1u
#define C2D_TDVF_PAGE_AUG 0x2u
#define C2D_TDVF_MAX_SECTIONS 32
/* Pages TDH.MEM.PAGE.ADD'ed at build time, all sections together: far
 * above any TDVF (a few MiB), low enough that MRTD takes milliseconds. */
#define C2D_TDVF_MAX_ADD_PAGES 65536

struct c2d_tdvf_section {
	uint32_t data_offset, raw_size;  /* in the firmware file */
	uint64_t address, size;          /* guest-physical, 4 KiB-aligned */
	uint32_t type, attributes;
};

struct c2d_tdvf {
	uint32_t nsections;
	struct c2d_tdvf_section sec[C2D_TDVF_MAX_SECTIONS];
};

/* Parses the TDVF metadata of a firmware image fw[0..len): the OVMF GUIDed
 * table that ends 32 bytes before the end of the image (footer GUID
 * 96b582de-1fb2-45f7-baea-a366c55a082d; entries read backwards, each
 * data ‖ u16 length ‖ GUID), its entry e47a6535-984a-4798-865e-4685a7bf8ec2
 * holding the metadata's distance from the end of the image, then the
 * "TDVF" descriptor (length, version 1, section count) and its 32-byte
 * section entries. Checks what QEMU's tdvf.c checks and what the model
 * needs: aligned addresses and sizes, raw data inside the file, no raw data
 * for TD_HOB/TEMP_MEM/PERM_MEM, PAGE_AUG for PERM_MEM, MR_EXTEND only on
 * BFV/CFV with the whole memory size inside the file, known types and
 * attributes, at most C2D_TDVF_MAX_ADD_PAGES pages added. */
C2D_MUST_CHECK c2d_status c2d_tdxmeasure_tdvf_parse(const uint8_t *fw, size_t len, struct c2d_tdvf *out,
					 struct c2d_err *err);

enum c2d_mrtd_order {
	C2D_MRTD_SINGLE_PASS = 0,  /* upstream KVM, QEMU >= 9 */
	C2D_MRTD_TWO_PASS = 1,     /* QEMU/KVM 8.x TDX trees */
};

/* MRTD of parsed metadata t over the same fw[0..len). */
void c2d_tdxmeasure_tdvf_mrtd(const struct c2d_tdvf *t, const uint8_t *fw,
		   enum c2d_mrtd_order order, uint8_t mrtd[C2D_TDX_MR_LEN]);

/* Parses fw and computes its MRTD. */
C2D_MUST_CHECK c2d_status c2d_tdxmeasure_predict_mrtd(const uint8_t *fw, size_t len, enum c2d_mrtd_order order,
					   uint8_t mrtd[C2D_TDX_MR_LEN], struct c2d_err *err);

/* ---- RTMR0 -------------------------------------------------------------- */

/* The first RTMR0 event: SHA-384 of the TD HOB that QEMU hands TDVF for a
 * guest of mem_size bytes: a PHIT HOB (version 9, EfiEndOfHobList = HOB
 * base + length + 8) and one resource-descriptor HOB per range of RAM,
 * "system memory" for the TD_HOB and TEMP_MEM sections (accepted at build
 * time), "unaccepted" elsewhere, RAM above 2 GiB relocated to 4 GiB when
 * mem_size >= 0xB0000000 (q35). Fails without a TD_HOB section. */
C2D_MUST_CHECK c2d_status c2d_tdxmeasure_td_hob_digest(const struct c2d_tdvf *t, uint64_t mem_size,
						uint8_t out[C2D_TDX_MR_LEN], struct c2d_err *err);

/* The second RTMR0 event as TDVF's SEC phase records it: SHA-384 of the
 * configuration firmware volume (the CFV section's raw data). Fails
 * without a CFV section. */
C2D_MUST_CHECK c2d_status c2d_tdxmeasure_tdvf_cfv_digest(const struct c2d_tdvf *t, const uint8_t *fw,
					      uint8_t out[C2D_TDX_MR_LEN], struct c2d_err *err);

/* The event digests RTMR0 depends on that vary with firmware and VM. */
struct c2d_rtmr0_parts {
	uint8_t td_hob[C2D_TDX_MR_LEN];
	uint8_t cfv[C2D_TDX_MR_LEN];
	uint8_t acpi_loader[C2D_TDX_MR_LEN];  /* QEMU's etc/table-loader */
	uint8_t acpi_rsdp[C2D_TDX_MR_LEN];    /* QEMU's etc/acpi/rsdp */
	uint8_t acpi_tables[C2D_TDX_MR_LEN];  /* QEMU's etc/acpi/tables */
};

/* RTMR0 for OVMF before edk2-stable202505 (the layout dstack calls
 * "pre202505"): td_hob, cfv, the five Secure Boot variables (absent,
 * measured as UEFI_VARIABLE_DATA with no data), separator, acpi_loader,
 * acpi_rsdp, acpi_tables, BootOrder (one entry, 0x0000), Boot0000 (OVMF's
 * "UiApp" load option: attributes 0x109, FV 7cb8bdc9-f8eb-4f34-aaea-
 * 3ee4af6516a1, file 462caa21-7614-4503-836e-8ab6f4662331). */
void c2d_tdxmeasure_rtmr0_from_parts(const struct c2d_rtmr0_parts *p, uint8_t rtmr0[C2D_TDX_MR_LEN]);

/* SHA-384 of the UEFI_VARIABLE_DATA of an EFI variable with no data
 * (VariableName in UTF-16LE from ASCII name, vendor GUID in its in-memory
 * byte order). Exposed for tests. */
void c2d_tdxmeasure_efi_empty_variable_digest(const uint8_t guid[16], const char *name,
				   uint8_t out[C2D_TDX_MR_LEN]);

/* One RTMR extension is c2d_rtmr_extend() of c2d/eventlog.h. */

#endif
