/* TDX measurement prediction: see c2d/tdxmeasure.h. */
#include "c2d/tdxmeasure.h"

#include <bearssl_hash.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bytes.h"
#include "c2d/eventlog.h"
#include "c2d/pe.h"

#define PAGE 0x1000u
#define CHUNK 0x100u

static void sha384(const void *p, size_t n, uint8_t out[C2D_TDX_MR_LEN])
{
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, p, n);
	br_sha384_out(&c, out);
}

/* Extends r with the SHA-384 of n bytes. */
static void extend_data(uint8_t r[C2D_TDX_MR_LEN], const void *p, size_t n)
{
	uint8_t d[C2D_TDX_MR_LEN];
	sha384(p, n, d);
	c2d_rtmr_extend(r, d);
}

static const uint8_t separator[4] = { 0, 0, 0, 0 };

/* ---- QEMU's setup-header patch ------------------------------------------- */

/* QEMU's qemu_strtoui(vmode, &end, 0, &mode) followed by its check that the
 * number ends the word. */
static int vga_mode(const char *v, unsigned *mode)
{
	if (strncmp(v, "normal", 6) == 0)
		*mode = 0xffff;
	else if (strncmp(v, "ext", 3) == 0)
		*mode = 0xfffe;
	else if (strncmp(v, "ask", 3) == 0)
		*mode = 0xfffd;
	else {
		if (*v < '0' || *v > '9')
			return -1;
		char *end;
		unsigned long m = strtoul(v, &end, 0);
		if (m > UINT_MAX || (*end != '\0' && *end != ' '))
			return -1;
		*mode = (unsigned)m;
	}
	return 0;
}

/* q35 (hw/i386/pc_q35.c): RAM below 4 GiB is capped at 2 GiB when the
 * guest has 2.75 GiB or more, at 2.75 GiB otherwise. */
static uint64_t below_4g(uint64_t mem)
{
	uint64_t lowmem = mem >= 0xB0000000u ? 0x80000000u : 0xB0000000u;
	return mem >= lowmem ? lowmem : mem;
}

c2d_status c2d_tdxmeasure_qemu_patch_kernel(const uint8_t *kernel, size_t len, uint8_t *out,
				 const char *cmdline, size_t initrd_len, uint64_t mem_size,
				 struct c2d_err *err)
{
	if (len < 0x400 || memcmp(kernel + 0x202, "HdrS", 4) != 0)
		return c2d_fail(err, C2D_E_INPUT, "kernel offset 0x202: no Linux boot protocol header (HdrS)");
	memcpy(out, kernel, len);
	uint16_t protocol = c2d_get_le16(out + 0x206);
	uint32_t cmdline_size = (uint32_t)((strlen(cmdline) + 16) & ~(size_t)15);
	uint32_t real_addr, cmdline_addr;
	if (protocol < 0x200 || !(out[0x211] & 0x01)) {
		real_addr = 0x90000;   /* low kernel */
		cmdline_addr = 0x9a000 - cmdline_size;
	} else if (protocol < 0x202) {
		real_addr = 0x90000;   /* high but ancient */
		cmdline_addr = 0x9a000 - cmdline_size;
	} else {
		real_addr = 0x10000;
		cmdline_addr = 0x20000;
	}
	uint32_t initrd_max;
	if (protocol >= 0x20c && (c2d_get_le16(out + 0x236) & 0x40))  /* XLF_CAN_BE_LOADED_ABOVE_4G */
		initrd_max = UINT32_MAX;
	else if (protocol >= 0x203)
		initrd_max = c2d_get_le32(out + 0x22c);
	else
		initrd_max = 0x37ffffff;
	uint64_t low = below_4g(mem_size);
	if (low <= C2D_QEMU_ACPI_DATA_SIZE)
		return c2d_fail(err, C2D_E_INPUT, "memory size %llu: no room below 4 GiB for the ACPI tables",
				(unsigned long long)mem_size);
	if (initrd_max >= low - C2D_QEMU_ACPI_DATA_SIZE)
		initrd_max = (uint32_t)(low - C2D_QEMU_ACPI_DATA_SIZE - 1);

	if (protocol >= 0x202) {
		c2d_put_le32(out + 0x228, cmdline_addr);
	} else {
		c2d_put_le16(out + 0x20, 0xA33F);
		c2d_put_le16(out + 0x22, (uint16_t)(cmdline_addr - real_addr));
	}
	const char *v = strstr(cmdline, "vga=");
	if (v != NULL) {
		unsigned mode;
		if (vga_mode(v + 4, &mode) < 0)
			return c2d_fail(err, C2D_E_INPUT, "cmdline offset %zu: invalid vga= value",
					(size_t)(v - cmdline) + 4);
		c2d_put_le16(out + 0x1fa, (uint16_t)mode);
	}
	if (protocol >= 0x200)
		out[0x210] = 0xB0;     /* type_of_loader: QEMU */
	if (protocol >= 0x201) {
		out[0x211] |= 0x80;    /* CAN_USE_HEAP */
		c2d_put_le16(out + 0x224, (uint16_t)(cmdline_addr - real_addr - 0x200));
	}
	if (initrd_len != C2D_NO_INITRD) {
		if (protocol < 0x200)
			return c2d_fail(err, C2D_E_INPUT, "kernel offset 0x206: boot protocol 0x%x too old for an initrd",
					protocol);
		if (initrd_len >= initrd_max)
			return c2d_fail(err, C2D_E_INPUT, "initrd of %zu bytes: QEMU's limit is %u",
					initrd_len, initrd_max);
		c2d_put_le32(out + 0x218, (uint32_t)(initrd_max - initrd_len) & ~(PAGE - 1));
		c2d_put_le32(out + 0x21c, (uint32_t)initrd_len);
	}
	size_t setup = out[0x1f1] ? out[0x1f1] : 4;
	setup = (setup + 1) * 512;
	if (setup > len)
		return c2d_fail(err, C2D_E_INPUT, "kernel offset 0x1f1: setup of %zu bytes, file of %zu", setup, len);
	return C2D_OK;
}

/* ---- RTMR1, RTMR2 ----------------------------------------------------------- */

void c2d_tdxmeasure_rtmr1_from_digest(const uint8_t kernel_authenticode[C2D_TDX_MR_LEN],
			   uint8_t rtmr1[C2D_TDX_MR_LEN])
{
	static const char *const events[] = {
		"Calling EFI Application from Boot Option",
		NULL,  /* separator */
		"Exit Boot Services Invocation",
		"Exit Boot Services Returned with Success",
	};
	memset(rtmr1, 0, C2D_TDX_MR_LEN);
	c2d_rtmr_extend(rtmr1, kernel_authenticode);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (events[i] == NULL)
			extend_data(rtmr1, separator, sizeof(separator));
		else
			extend_data(rtmr1, events[i], strlen(events[i]));
	}
}

/* Hashes an ASCII string as UTF-16LE, one byte widened per unit. */
static void update_utf16(br_sha384_context *c, const char *s)
{
	for (; *s != '\0'; s++) {
		uint8_t u[2] = { (uint8_t)*s, 0 };
		br_sha384_update(c, u, 2);
	}
}

void c2d_tdxmeasure_cmdline_digest(const char *cmdline, int has_initrd, uint8_t out[C2D_TDX_MR_LEN])
{
	static const uint8_t nul[2] = { 0, 0 };
	br_sha384_context c;
	br_sha384_init(&c);
	update_utf16(&c, cmdline);
	if (has_initrd)
		update_utf16(&c, " initrd=initrd");
	br_sha384_update(&c, nul, 2);
	br_sha384_out(&c, out);
}

void c2d_tdxmeasure_rtmr2_from_digests(const uint8_t cmdline_digest[C2D_TDX_MR_LEN],
			    const uint8_t initrd_sha384[C2D_TDX_MR_LEN],
			    uint8_t rtmr2[C2D_TDX_MR_LEN])
{
	memset(rtmr2, 0, C2D_TDX_MR_LEN);
	c2d_rtmr_extend(rtmr2, cmdline_digest);
	c2d_rtmr_extend(rtmr2, initrd_sha384);
}

c2d_status c2d_tdxmeasure_predict_rtmr12(const uint8_t *kernel, size_t klen, const uint8_t *initrd,
			      size_t ilen, const char *cmdline, uint64_t mem_size,
			      enum c2d_qemu_kernel qemu, uint8_t rtmr1[C2D_TDX_MR_LEN],
			      uint8_t rtmr2[C2D_TDX_MR_LEN],
			      uint8_t kernel_authenticode[C2D_TDX_MR_LEN], struct c2d_err *err)
{
	if (ilen == 0)
		return c2d_fail(err, C2D_E_INPUT, "initrd is empty: the model covers a non-empty initrd only");
	uint8_t auth[C2D_TDX_MR_LEN], d[C2D_TDX_MR_LEN], ih[C2D_TDX_MR_LEN];
	int r;
	if (qemu == C2D_QEMU_AS_IS) {
		r = c2d_pe_authenticode_sha384(kernel, klen, auth, err);
	} else {
		uint8_t *patched = malloc(klen ? klen : 1);
		if (patched == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "out of memory for a %zu-byte kernel", klen);
		r = c2d_tdxmeasure_qemu_patch_kernel(kernel, klen, patched, cmdline, ilen, mem_size, err);
		if (r == C2D_OK)
			r = c2d_pe_authenticode_sha384(patched, klen, auth, err);
		free(patched);
	}
	if (r < 0) {
		c2d_err_prefix(err, "kernel");
		return r;
	}
	c2d_tdxmeasure_rtmr1_from_digest(auth, rtmr1);
	c2d_tdxmeasure_cmdline_digest(cmdline, 1, d);
	sha384(initrd, ilen, ih);
	c2d_tdxmeasure_rtmr2_from_digests(d, ih, rtmr2);
	if (kernel_authenticode != NULL)
		memcpy(kernel_authenticode, auth, C2D_TDX_MR_LEN);
	return C2D_OK;
}

/* ---- TDVF metadata ------------------------------------------------------------ */

/* GUIDs in their in-memory (mixed-endian) byte order. */
static const uint8_t table_footer_guid[16] = {  /* 96b582de-1fb2-45f7-baea-a366c55a082d */
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d,
};
static const uint8_t tdx_metadata_guid[16] = {  /* e47a6535-984a-4798-865e-4685a7bf8ec2 */
	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2,
};

#define BYTES_AFTER_FOOTER 32  /* the reset vector sits after the table */
#define ENTRY_TAIL 18          /* u16 length ‖ GUID ends every table entry */

/* Finds the TDX metadata offset entry of the OVMF GUIDed table (QEMU's
 * pc_system_parse_ovmf_flash and pc_system_ovmf_table_find). */
static int metadata_offset(const uint8_t *fw, size_t len, size_t *meta, struct c2d_err *err)
{
	if (len < BYTES_AFTER_FOOTER + ENTRY_TAIL)
		return c2d_fail(err, C2D_E_INPUT, "firmware of %zu bytes: too small for an OVMF table", len);
	size_t end = len - BYTES_AFTER_FOOTER;
	if (memcmp(fw + end - 16, table_footer_guid, 16) != 0)
		return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: no OVMF table footer GUID", end - 16);
	size_t total = c2d_get_le16(fw + end - ENTRY_TAIL);
	if (total < ENTRY_TAIL || total > end)
		return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: OVMF table length %zu invalid",
				end - ENTRY_TAIL, total);
	size_t start = end - total, p = end - ENTRY_TAIL;
	while (p - start >= ENTRY_TAIL) {
		size_t elen = c2d_get_le16(fw + p - ENTRY_TAIL);
		if (elen < ENTRY_TAIL || elen > p - start)
			return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: OVMF table entry length %zu invalid",
					p - ENTRY_TAIL, elen);
		if (memcmp(fw + p - 16, tdx_metadata_guid, 16) == 0) {
			if (elen < ENTRY_TAIL + 4)
				return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: TDX metadata entry without an offset",
						p - elen);
			uint32_t back = c2d_get_le32(fw + p - elen);
			if (back > len || back < 16)
				return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: TDX metadata offset %u outside the image",
						p - elen, back);
			*meta = len - back;
			return C2D_OK;
		}
		p -= elen;
	}
	return c2d_fail(err, C2D_E_INPUT, "firmware: no TDX metadata entry in the OVMF table (not a TDVF image)");
}

static int check_section(const struct c2d_tdvf_section *s, size_t len, size_t at,
			 uint32_t i, struct c2d_err *err)
{
	const char *bad = NULL;
	int mem_only = s->type == C2D_TDVF_TD_HOB || s->type == C2D_TDVF_TEMP_MEM ||
		       s->type == C2D_TDVF_PERM_MEM;
	if (s->type > C2D_TDVF_PAYLOAD_PARAM)
		bad = "unknown type";
	else if (s->attributes & ~(C2D_TDVF_MR_EXTEND | C2D_TDVF_PAGE_AUG))
		bad = "unknown attribute bits";
	else if (s->address % PAGE || s->size % PAGE || s->size == 0)
		bad = "memory address or size not a non-zero multiple of 4 KiB";
	else if (s->address > (UINT64_C(1) << 52) || s->size > (UINT64_C(1) << 52) - s->address)
		bad = "memory range beyond 52-bit guest-physical addresses";
	else if (s->raw_size > s->size)
		bad = "raw data larger than its memory";
	else if (s->data_offset > len || s->raw_size > len - s->data_offset)
		bad = "raw data outside the image";
	else if (mem_only && (s->raw_size != 0 || s->data_offset != 0))
		bad = "raw data in a memory-only section";
	else if (s->type == C2D_TDVF_PERM_MEM && !(s->attributes & C2D_TDVF_PAGE_AUG))
		bad = "PERM_MEM without PAGE_AUG";
	else if ((s->attributes & C2D_TDVF_MR_EXTEND) &&
		 (s->type > C2D_TDVF_CFV || (s->attributes & C2D_TDVF_PAGE_AUG)))
		bad = "MR_EXTEND on a section whose content is not in the image";
	else if ((s->attributes & C2D_TDVF_MR_EXTEND) && s->size > len - s->data_offset)
		bad = "extended memory beyond the end of the image";
	if (bad != NULL)
		return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: TDVF section %u: %s", at, i, bad);
	return C2D_OK;
}

c2d_status c2d_tdxmeasure_tdvf_parse(const uint8_t *fw, size_t len, struct c2d_tdvf *out, struct c2d_err *err)
{
	size_t meta = 0;
	memset(out, 0, sizeof(*out));
	int r = metadata_offset(fw, len, &meta, err);
	if (r < 0)
		return r;
	const uint8_t *d = fw + meta;
	if (memcmp(d, "TDVF", 4) != 0)
		return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: no TDVF descriptor signature", meta);
	uint32_t dlen = c2d_get_le32(d + 4), version = c2d_get_le32(d + 8), n = c2d_get_le32(d + 12);
	if (version != 1)
		return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: TDVF descriptor version %u, 1 expected",
				meta + 8, version);
	if (n == 0 || n > C2D_TDVF_MAX_SECTIONS)
		return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: %u TDVF sections, 1 to %d accepted",
				meta + 12, n, C2D_TDVF_MAX_SECTIONS);
	if (dlen < 16 + 32 * n || dlen > len - meta)
		return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: TDVF descriptor length %u invalid for %u sections",
				meta + 4, dlen, n);
	uint64_t pages = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t at = meta + 16 + 32 * (size_t)i;
		struct c2d_tdvf_section *s = &out->sec[i];
		s->data_offset = c2d_get_le32(fw + at);
		s->raw_size = c2d_get_le32(fw + at + 4);
		s->address = c2d_get_le64(fw + at + 8);
		s->size = c2d_get_le64(fw + at + 16);
		s->type = c2d_get_le32(fw + at + 24);
		s->attributes = c2d_get_le32(fw + at + 28);
		if ((r = check_section(s, len, at, i, err)) < 0)
			return r;
		if (!(s->attributes & C2D_TDVF_PAGE_AUG))
			pages += s->size / PAGE;
		if (pages > C2D_TDVF_MAX_ADD_PAGES)
			return c2d_fail(err, C2D_E_INPUT, "firmware offset %zu: TDVF sections add more than %d pages",
					at, C2D_TDVF_MAX_ADD_PAGES);
	}
	out->nsections = n;
	return C2D_OK;
}

static void page_add(br_sha384_context *c, uint64_t gpa)
{
	uint8_t rec[128] = "MEM.PAGE.ADD";
	c2d_put_le64(rec + 16, gpa);
	br_sha384_update(c, rec, sizeof(rec));
}

static void mr_extend(br_sha384_context *c, uint64_t gpa, const uint8_t *content)
{
	for (unsigned i = 0; i < PAGE / CHUNK; i++) {
		uint8_t rec[128] = "MR.EXTEND";
		c2d_put_le64(rec + 16, gpa + i * CHUNK);
		br_sha384_update(c, rec, sizeof(rec));
		br_sha384_update(c, content + i * CHUNK, CHUNK);
	}
}

void c2d_tdxmeasure_tdvf_mrtd(const struct c2d_tdvf *t, const uint8_t *fw, enum c2d_mrtd_order order,
		   uint8_t mrtd[C2D_TDX_MR_LEN])
{
	br_sha384_context c;
	br_sha384_init(&c);
	for (uint32_t i = 0; i < t->nsections; i++) {
		const struct c2d_tdvf_section *s = &t->sec[i];
		int add = !(s->attributes & C2D_TDVF_PAGE_AUG);
		int ext = (s->attributes & C2D_TDVF_MR_EXTEND) != 0;
		uint64_t pages = s->size / PAGE;
		if (!add && !ext)
			continue;  /* PERM_MEM: may span all of RAM, contributes nothing */
		for (uint64_t p = 0; p < pages; p++) {
			if (add)
				page_add(&c, s->address + p * PAGE);
			if (ext && order == C2D_MRTD_SINGLE_PASS)
				mr_extend(&c, s->address + p * PAGE, fw + s->data_offset + p * PAGE);
		}
		for (uint64_t p = 0; ext && order == C2D_MRTD_TWO_PASS && p < pages; p++)
			mr_extend(&c, s->address + p * PAGE, fw + s->data_offset + p * PAGE);
	}
	br_sha384_out(&c, mrtd);
}

c2d_status c2d_tdxmeasure_predict_mrtd(const uint8_t *fw, size_t len, enum c2d_mrtd_order order,
			    uint8_t mrtd[C2D_TDX_MR_LEN], struct c2d_err *err)
{
	struct c2d_tdvf t;
	int r = c2d_tdxmeasure_tdvf_parse(fw, len, &t, err);
	if (r == C2D_OK)
		c2d_tdxmeasure_tdvf_mrtd(&t, fw, order, mrtd);
	return r;
}

/* ---- RTMR0 ---------------------------------------------------------------- */

struct range {
	int accepted;
	uint64_t start, end;
};

#define MAX_RANGES (1 + 3 * C2D_TDVF_MAX_SECTIONS)

/* Marks [start, end) accepted, splitting the unaccepted ranges it covers;
 * accepted ranges stay as they are (dstack-mr's MemoryAcceptor, which
 * QEMU's tdx_accept_ram_range agrees with for non-overlapping sections). */
static void accept(struct range *rs, size_t *n, uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	struct range out[MAX_RANGES];
	size_t m = 0;
	for (size_t i = 0; i < *n; i++) {
		struct range r = rs[i];
		if (r.accepted || r.end <= start || r.start >= end) {
			out[m++] = r;
			continue;
		}
		if (r.start < start)
			out[m++] = (struct range){ 0, r.start, start };
		if (r.end > end)
			out[m++] = (struct range){ 0, end, r.end };
	}
	out[m++] = (struct range){ 1, start, end };
	for (size_t i = 1; i < m; i++) {  /* stable insertion sort by start */
		struct range k = out[i];
		size_t j = i;
		while (j > 0 && out[j - 1].start > k.start) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = k;
	}
	memcpy(rs, out, m * sizeof(out[0]));
	*n = m;
}

static size_t resource_hob(uint8_t *p, uint8_t type, uint64_t start, uint64_t len)
{
	memset(p, 0, 48);
	c2d_put_le16(p, 3);          /* EFI_HOB_TYPE_RESOURCE_DESCRIPTOR */
	c2d_put_le16(p + 2, 48);
	p[24] = type;                /* 0: system memory, 7: unaccepted */
	c2d_put_le32(p + 28, 7);     /* PRESENT | INITIALIZED | TESTED */
	c2d_put_le64(p + 32, start);
	c2d_put_le64(p + 40, len);
	return 48;
}

c2d_status c2d_tdxmeasure_td_hob_digest(const struct c2d_tdvf *t, uint64_t mem_size,
				 uint8_t out[C2D_TDX_MR_LEN], struct c2d_err *err)
{
	struct range rs[MAX_RANGES] = { { 0, 0, mem_size } };
	size_t n = 1;
	uint64_t base = 0;
	int have_hob = 0;
	for (uint32_t i = 0; i < t->nsections; i++) {
		const struct c2d_tdvf_section *s = &t->sec[i];
		if (s->type == C2D_TDVF_TD_HOB || s->type == C2D_TDVF_TEMP_MEM)
			accept(rs, &n, s->address, s->address + s->size);
		if (s->type == C2D_TDVF_TD_HOB) {
			base = s->address;
			have_hob = 1;
		}
	}
	if (!have_hob)
		return c2d_fail(err, C2D_E_INPUT, "firmware: TDVF metadata has no TD_HOB section");
	uint8_t hob[56 + 48 * (MAX_RANGES + 1)];
	memset(hob, 0, 56);
	c2d_put_le16(hob, 1);            /* EFI_HOB_TYPE_HANDOFF */
	c2d_put_le16(hob + 2, 56);
	c2d_put_le32(hob + 8, 9);        /* EFI_HOB_HANDOFF_TABLE_VERSION */
	size_t at = 56;
	for (size_t i = 0; i + 1 < n; i++) {
		if (rs[i].end < rs[i].start)
			return c2d_fail(err, C2D_E_INPUT, "firmware: TDVF section ranges overlap");
		at += resource_hob(hob + at, rs[i].accepted ? 0 : 7, rs[i].start, rs[i].end - rs[i].start);
	}
	const struct range *last = &rs[n - 1];
	if (last->end < last->start)
		return c2d_fail(err, C2D_E_INPUT, "firmware: TDVF section ranges overlap");
	if (mem_size >= 0xB0000000u) {
		if (last->start < 0x80000000u)
			at += resource_hob(hob + at, 7, last->start, 0x80000000u - last->start);
		if (last->end > 0x80000000u)
			at += resource_hob(hob + at, 7, UINT64_C(0x100000000), last->end - 0x80000000u);
	} else {
		at += resource_hob(hob + at, 7, last->start, last->end - last->start);
	}
	c2d_put_le64(hob + 48, base + at + 8);  /* EfiEndOfHobList: after the end HOB's 8 bytes */
	sha384(hob, at, out);
	return C2D_OK;
}

c2d_status c2d_tdxmeasure_tdvf_cfv_digest(const struct c2d_tdvf *t, const uint8_t *fw,
			       uint8_t out[C2D_TDX_MR_LEN], struct c2d_err *err)
{
	for (uint32_t i = 0; i < t->nsections; i++)
		if (t->sec[i].type == C2D_TDVF_CFV) {
			sha384(fw + t->sec[i].data_offset, t->sec[i].raw_size, out);
			return C2D_OK;
		}
	return c2d_fail(err, C2D_E_INPUT, "firmware: TDVF metadata has no CFV section");
}

void c2d_tdxmeasure_efi_empty_variable_digest(const uint8_t guid[16], const char *name,
				   uint8_t out[C2D_TDX_MR_LEN])
{
	uint8_t lens[16];
	c2d_put_le64(lens, strlen(name));  /* UnicodeNameLength, in characters */
	c2d_put_le64(lens + 8, 0);         /* VariableDataLength */
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, guid, 16);
	br_sha384_update(&c, lens, 16);
	update_utf16(&c, name);
	br_sha384_out(&c, out);
}

void c2d_tdxmeasure_rtmr0_from_parts(const struct c2d_rtmr0_parts *p, uint8_t rtmr0[C2D_TDX_MR_LEN])
{
	static const uint8_t global[16] = {   /* 8be4df61-93ca-11d2-aa0d-00e098032b8c */
		0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
		0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c,
	};
	static const uint8_t image_security[16] = {  /* d719b2cb-3d3a-4596-a3bc-dad00e67656f */
		0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
		0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f,
	};
	static const struct { const uint8_t *guid; const char *name; } vars[] = {
		{ global, "SecureBoot" }, { global, "PK" }, { global, "KEK" },
		{ image_security, "db" }, { image_security, "dbx" },
	};
	/* EFI_LOAD_OPTION of OVMF's UiApp: Attributes, FilePathListLength,
	 * Description "UiApp" (UTF-16, NUL), MEDIA_FV_DP, MEDIA_PIWG_FW_FILE_DP,
	 * END_ENTIRE_DEVICE_PATH. */
	static const uint8_t boot0000[] = {
		0x09, 0x01, 0x00, 0x00, 0x2c, 0x00,
		'U', 0, 'i', 0, 'A', 0, 'p', 0, 'p', 0, 0, 0,
		0x04, 0x07, 0x14, 0x00,  /* FV 7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1 */
		0xc9, 0xbd, 0xb8, 0x7c, 0xeb, 0xf8, 0x34, 0x4f,
		0xaa, 0xea, 0x3e, 0xe4, 0xaf, 0x65, 0x16, 0xa1,
		0x04, 0x06, 0x14, 0x00,  /* file 462caa21-7614-4503-836e-8ab6f4662331 */
		0x21, 0xaa, 0x2c, 0x46, 0x14, 0x76, 0x03, 0x45,
		0x83, 0x6e, 0x8a, 0xb6, 0xf4, 0x66, 0x23, 0x31,
		0x7f, 0xff, 0x04, 0x00,
	};
	static const uint8_t boot_order[2] = { 0, 0 };
	uint8_t d[C2D_TDX_MR_LEN];
	memset(rtmr0, 0, C2D_TDX_MR_LEN);
	c2d_rtmr_extend(rtmr0, p->td_hob);
	c2d_rtmr_extend(rtmr0, p->cfv);
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		c2d_tdxmeasure_efi_empty_variable_digest(vars[i].guid, vars[i].name, d);
		c2d_rtmr_extend(rtmr0, d);
	}
	extend_data(rtmr0, separator, sizeof(separator));
	c2d_rtmr_extend(rtmr0, p->acpi_loader);
	c2d_rtmr_extend(rtmr0, p->acpi_rsdp);
	c2d_rtmr_extend(rtmr0, p->acpi_tables);
	extend_data(rtmr0, boot_order, sizeof(boot_order));
	extend_data(rtmr0, boot0000, sizeof(boot0000));
}
