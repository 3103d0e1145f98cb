/* Unit tests of TDX measurement prediction (host/measure/tdxmeasure.c) and of
 * the Authenticode digest (host/measure/pe.c). The published values come from a
 * real dstack TDX guest (tests/vectors/tdx/dstack_tdx-lite-measurement.txt,
 * extracted from dstack_tdx-lite-getquote.json): what is predicted from the
 * image digests must equal the registers in that guest's quote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_hash.h>
#include <cmocka.h>

#include "c2d/bytes.h"
#include "c2d/digest.h"
#include "c2d/hex.h"
#include "c2d/pe.h"
#include "c2d/tdxmeasure.h"
#include "c2d/tdxquote.h"

#define FIXTURE "tests/vectors/tdx/dstack_tdx-lite-measurement.txt"

/* Returns the value of key in the fixture (static buffer). */
static const char *field(const char *key)
{
	static char line[32768];
	FILE *f = fopen(FIXTURE, "r");
	assert_non_null(f);
	size_t k = strlen(key);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, k) == 0 && line[k] == ' ') {
			fclose(f);
			line[strcspn(line, "\n")] = '\0';
			return line + k + 1;
		}
	}
	fclose(f);
	fail_msg("%s: no %s", FIXTURE, key);
	return NULL;
}

static void field48(const char *key, uint8_t out[48])
{
	const char *v = field(key);
	assert_int_equal(strlen(v), 96);
	assert_int_equal(c2d_hex_decode(v, 96, out, 48, NULL), 0);
}

static struct c2d_tdx_quote quote;
static uint8_t *quote_buf;

static void load_quote(void)
{
	const char *hex = field("quote");
	size_t n = strlen(hex) / 2;
	quote_buf = malloc(n);
	assert_int_equal(c2d_hex_decode(hex, 2 * n, quote_buf, n, NULL), 0);
	assert_int_equal(c2d_tdxquote_parse(quote_buf, n, &quote, NULL), C2D_OK);
}

static void test_rtmr12_from_published_digests(void **state)
{
	(void)state;
	uint8_t auth[48], cmd[48], initrd[48], r[48];
	load_quote();
	field48("kernel_authenticode", auth);
	field48("cmdline_sha384", cmd);
	field48("initrd_sha384", initrd);
	c2d_tdxmeasure_rtmr1_from_digest(auth, r);
	assert_memory_equal(r, quote.td.rtmr[1], 48);
	c2d_tdxmeasure_rtmr2_from_digests(cmd, initrd, r);
	assert_memory_equal(r, quote.td.rtmr[2], 48);
	/* Order matters: the initrd is measured after the command line. */
	c2d_tdxmeasure_rtmr2_from_digests(initrd, cmd, r);
	assert_memory_not_equal(r, quote.td.rtmr[2], 48);
	auth[0] ^= 1;
	c2d_tdxmeasure_rtmr1_from_digest(auth, r);
	assert_memory_not_equal(r, quote.td.rtmr[1], 48);
	free(quote_buf);
}

static void test_mrtd_variant(void **state)
{
	(void)state;
	uint8_t single[48], two[48];
	load_quote();
	field48("mrtd_single_pass", single);
	field48("mrtd_two_pass", two);
	/* QEMU 8.2.2 (the fixture's) adds all pages before extending. */
	assert_string_equal(field("qemu_version"), "8.2.2");
	assert_memory_equal(two, quote.td.mrtd, 48);
	assert_memory_not_equal(single, quote.td.mrtd, 48);
	free(quote_buf);
}

/* dstack's compact TD HOB witness: varuints base page, TD HOB page delta,
 * range count, then (start page delta, page count) per TD_HOB/TEMP_MEM
 * section. Rebuilds those sections as TDVF metadata. */
static uint64_t varuint(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	for (unsigned shift = 0; *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	fail_msg("truncated varuint");
	return 0;
}

static void witness_sections(struct c2d_tdvf *t)
{
	uint8_t w[64];
	const char *hex = field("td_hob_witness");
	size_t n = strlen(hex) / 2;
	assert_int_equal(c2d_hex_decode(hex, 2 * n, w, n, NULL), 0);
	const uint8_t *p = w, *end = w + n;
	uint64_t base = varuint(&p, end), hob = base + varuint(&p, end), count = varuint(&p, end);
	memset(t, 0, sizeof(*t));
	for (uint64_t i = 0; i < count; i++) {
		uint64_t start = base + varuint(&p, end), pages = varuint(&p, end);
		struct c2d_tdvf_section *s = &t->sec[t->nsections++];
		s->address = start * 0x1000;
		s->size = pages * 0x1000;
		s->type = start == hob ? C2D_TDVF_TD_HOB : C2D_TDVF_TEMP_MEM;
	}
	assert_ptr_equal(p, end);
}

static void test_rtmr0_from_published_parts(void **state)
{
	(void)state;
	struct c2d_tdvf t;
	struct c2d_rtmr0_parts parts;
	uint8_t want[48], r[48];
	load_quote();
	witness_sections(&t);
	uint64_t mem = strtoull(field("memory_size"), NULL, 10);
	assert_int_equal(mem, 2ull << 30);
	assert_int_equal(c2d_tdxmeasure_td_hob_digest(&t, mem, parts.td_hob, NULL), C2D_OK);
	field48("rtmr0_td_hob", want);
	assert_memory_equal(parts.td_hob, want, 48);
	/* The HOB describes the RAM: another size, another digest. */
	assert_int_equal(c2d_tdxmeasure_td_hob_digest(&t, mem + (1ull << 30), r, NULL), C2D_OK);
	assert_memory_not_equal(r, want, 48);
	assert_int_equal(c2d_tdxmeasure_td_hob_digest(&t, 4ull << 30, r, NULL), C2D_OK);
	assert_memory_not_equal(r, want, 48);

	assert_string_equal(field("ovmf_variant"), "pre202505");
	field48("rtmr0_cfv", parts.cfv);
	field48("rtmr0_acpi_loader", parts.acpi_loader);
	field48("rtmr0_acpi_rsdp", parts.acpi_rsdp);
	field48("rtmr0_acpi_tables", parts.acpi_tables);
	c2d_tdxmeasure_rtmr0_from_parts(&parts, r);
	assert_memory_equal(r, quote.td.rtmr[0], 48);
	parts.acpi_rsdp[47] ^= 1;
	c2d_tdxmeasure_rtmr0_from_parts(&parts, r);
	assert_memory_not_equal(r, quote.td.rtmr[0], 48);

	/* No TD_HOB section: refused. */
	for (uint32_t i = 0; i < t.nsections; i++)
		t.sec[i].type = C2D_TDVF_TEMP_MEM;
	assert_int_equal(c2d_tdxmeasure_td_hob_digest(&t, mem, r, NULL), C2D_E_INPUT);
	free(quote_buf);
}

static void test_cmdline_digest(void **state)
{
	(void)state;
	uint8_t a[48], b[48];
	struct c2d_digests d;
	/* UTF-16LE, NUL-terminated. */
	static const uint8_t u16[] = { 'o', 0, 'k', 0, 0, 0 };
	c2d_digest_buf(u16, sizeof(u16), &d);
	c2d_tdxmeasure_cmdline_digest("ok", 0, a);
	assert_memory_equal(a, d.sha384, 48);
	/* OVMF appends " initrd=initrd" when there is an initrd. */
	c2d_tdxmeasure_cmdline_digest("ok", 1, a);
	c2d_tdxmeasure_cmdline_digest("ok initrd=initrd", 0, b);
	assert_memory_equal(a, b, 48);
	c2d_tdxmeasure_cmdline_digest("ok", 0, b);
	assert_memory_not_equal(a, b, 48);
}

/* A bzImage-like setup header: boot protocol 2.15, loaded high, initrd
 * allowed above 4 GiB, 4 setup sectors. */
static uint8_t *fake_bzimage(size_t len)
{
	uint8_t *k = calloc(1, len);
	k[0x1f1] = 4;
	memcpy(k + 0x202, "HdrS", 4);
	c2d_put_le16(k + 0x206, 0x20f);
	k[0x211] = 0x01;
	c2d_put_le32(k + 0x22c, 0x7fffffff);
	c2d_put_le16(k + 0x236, 0x40);
	return k;
}

static void test_qemu_patch(void **state)
{
	(void)state;
	size_t len = 8192;
	uint8_t *k = fake_bzimage(len), *o = malloc(len);
	struct c2d_err err;
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o, "console=ttyS0", 1000000, 2ull << 30, &err), C2D_OK);
	assert_int_equal(o[0x210], 0xB0);
	assert_int_equal(o[0x211], 0x81);
	assert_int_equal(c2d_get_le16(o + 0x224), 0x20000 - 0x10000 - 0x200);
	assert_int_equal(c2d_get_le32(o + 0x228), 0x20000);
	/* Top of the 2 GiB below 4 GiB, under 0x28000 bytes of ACPI, 4 KiB aligned. */
	uint32_t want = (0x80000000u - 0x28000u - 1u - 1000000u) & ~4095u;
	assert_int_equal(c2d_get_le32(o + 0x218), want);
	assert_int_equal(c2d_get_le32(o + 0x21c), 1000000);
	/* Nothing else changes. */
	for (size_t i = 0; i < len; i++)
		if (i != 0x210 && i != 0x211 && (i < 0x218 || i >= 0x220) && (i < 0x224 || i >= 0x22c))
			assert_int_equal(o[i], k[i]);
	/* q35: 2 GiB and >= 2.75 GiB place the initrd alike; 1 GiB does not. */
	uint8_t *o2 = malloc(len);
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o2, "console=ttyS0", 1000000, 8ull << 30, &err), C2D_OK);
	assert_memory_equal(o, o2, len);
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o2, "console=ttyS0", 1000000, 0xA0000000u, &err), C2D_OK);
	assert_int_equal(c2d_get_le32(o2 + 0x218), (0xA0000000u - 0x28000u - 1u - 1000000u) & ~4095u);
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o2, "console=ttyS0", 1000000, 1ull << 30, &err), C2D_OK);
	assert_int_not_equal(c2d_get_le32(o2 + 0x218), want);
	/* initrd_addr_max applies without XLF_CAN_BE_LOADED_ABOVE_4G. */
	c2d_put_le16(k + 0x236, 0);
	c2d_put_le32(k + 0x22c, 0x37ffffff);
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o2, "", 1000000, 2ull << 30, &err), C2D_OK);
	assert_int_equal(c2d_get_le32(o2 + 0x218), (0x37ffffffu - 1000000u) & ~4095u);
	/* vga= sets vid_mode; a bad value is refused as QEMU refuses it. */
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o2, "quiet vga=0x317", C2D_NO_INITRD, 2ull << 30, &err), C2D_OK);
	assert_int_equal(c2d_get_le16(o2 + 0x1fa), 0x317);
	assert_int_equal(c2d_get_le32(o2 + 0x218), 0);
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o2, "vga=x", C2D_NO_INITRD, 2ull << 30, &err), C2D_E_INPUT);
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o2, "", 0x40000000, 2ull << 30, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "initrd"));
	memcpy(k + 0x202, "HdrX", 4);
	assert_int_equal(c2d_tdxmeasure_qemu_patch_kernel(k, len, o2, "", 1, 2ull << 30, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "HdrS"));
	free(k);
	free(o);
	free(o2);
}

/* A PE32+ image: headers in the first 0x200 bytes, sections .b at 0x400
 * and .a at 0x200 (table order differs from file order), trailing bytes,
 * a certificate table at the end. */
#define PE_LEN 0xa00
static uint8_t *fake_pe(uint32_t cert_size)
{
	uint8_t *p = calloc(1, PE_LEN);
	p[0] = 'M';
	p[1] = 'Z';
	c2d_put_le32(p + 0x3c, 0x80);
	memcpy(p + 0x80, "PE\0\0", 4);
	uint8_t *coff = p + 0x84, *opt = p + 0x98;
	c2d_put_le16(coff + 2, 2);
	c2d_put_le16(coff + 16, 240);
	c2d_put_le16(opt, 0x20b);
	c2d_put_le32(opt + 60, 0x200);            /* SizeOfHeaders */
	c2d_put_le32(opt + 108, 16);              /* NumberOfRvaAndSizes */
	c2d_put_le32(opt + 112 + 32, PE_LEN - cert_size);
	c2d_put_le32(opt + 112 + 36, cert_size);
	uint8_t *sec = opt + 240;
	memcpy(sec, ".b", 2);
	c2d_put_le32(sec + 16, 0x400);
	c2d_put_le32(sec + 20, 0x400);
	memcpy(sec + 40, ".a", 2);
	c2d_put_le32(sec + 40 + 16, 0x200);
	c2d_put_le32(sec + 40 + 20, 0x200);
	for (size_t i = 0x200; i < PE_LEN; i++)
		p[i] = (uint8_t)(i * 7);
	return p;
}

/* The documented byte ranges, hashed directly. */
static void expected_pe(const uint8_t *p, uint32_t cert_size, uint8_t out[48])
{
	uint8_t *buf = malloc(PE_LEN);
	size_t n = 0;
	size_t cks = 0x98 + 64, dir = 0x98 + 112 + 32;
	memcpy(buf + n, p, cks), n += cks;
	memcpy(buf + n, p + cks + 4, dir - cks - 4), n += dir - cks - 4;
	memcpy(buf + n, p + dir + 8, 0x200 - dir - 8), n += 0x200 - dir - 8;
	memcpy(buf + n, p + 0x200, 0x600), n += 0x600;       /* .a then .b */
	memcpy(buf + n, p + 0x800, 0x200 - cert_size), n += 0x200 - cert_size;
	struct c2d_digests d;
	c2d_digest_buf(buf, n, &d);
	memcpy(out, d.sha384, 48);
	free(buf);
}

static void test_authenticode(void **state)
{
	(void)state;
	uint8_t got[48], want[48], again[48];
	struct c2d_err err;
	for (uint32_t cert = 0; cert <= 0x100; cert += 0x100) {
		uint8_t *p = fake_pe(cert);
		assert_int_equal(c2d_pe_authenticode_sha384(p, PE_LEN, got, &err), C2D_OK);
		expected_pe(p, cert, want);
		assert_memory_equal(got, want, 48);
		/* CheckSum, the certificate entry and the certificate are left out. */
		p[0x98 + 64] ^= 0xff;
		p[0x98 + 112 + 32] ^= 0xff;
		p[PE_LEN - 1] ^= cert ? 0xff : 0;
		assert_int_equal(c2d_pe_authenticode_sha384(p, PE_LEN, again, &err), C2D_OK);
		assert_memory_equal(again, want, 48);
		/* Any header, section or trailing byte counts. */
		static const size_t hit[] = { 0x10, 0x1ff, 0x200, 0x7ff, 0x800 };
		for (size_t i = 0; i < sizeof(hit) / sizeof(hit[0]); i++) {
			p[hit[i]] ^= 1;
			assert_int_equal(c2d_pe_authenticode_sha384(p, PE_LEN, again, &err), C2D_OK);
			assert_memory_not_equal(again, want, 48);
			p[hit[i]] ^= 1;
		}
		free(p);
	}
	uint8_t *p = fake_pe(0);
	uint8_t h256[32];
	assert_int_equal(c2d_pe_authenticode_sha256(p, PE_LEN, h256, &err), C2D_OK);
	/* Malformed images are refused, naming the field. */
	c2d_put_le32(p + 0x98 + 240 + 16, PE_LEN);          /* .b past the end */
	assert_int_equal(c2d_pe_authenticode_sha384(p, PE_LEN, got, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "section 0"));
	free(p);
	p = fake_pe(0x300);                                  /* cert larger than the tail */
	assert_int_equal(c2d_pe_authenticode_sha384(p, PE_LEN, got, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "certificate"));
	c2d_put_le32(p + 0x3c, PE_LEN - 2);
	assert_int_equal(c2d_pe_authenticode_sha384(p, PE_LEN, got, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "PE signature"));
	for (size_t n = 0; n < 0x200; n += 7)                /* every truncation */
		assert_int_equal(c2d_pe_authenticode_sha384(p, n, got, NULL), C2D_E_INPUT);
	free(p);
}

/* A synthetic TDVF: BFV (extended), CFV, TD_HOB, TEMP_MEM, described by
 * metadata found through the OVMF table. */
#define FW_LEN 0x6000
static uint8_t *fake_tdvf(void)
{
	uint8_t *fw = calloc(1, FW_LEN);
	for (size_t i = 0; i < 0x3000; i++)
		fw[i] = (uint8_t)(i * 13 + 1);
	size_t meta = 0x4000;
	memcpy(fw + meta, "TDVF", 4);
	c2d_put_le32(fw + meta + 4, 16 + 4 * 32);
	c2d_put_le32(fw + meta + 8, 1);
	c2d_put_le32(fw + meta + 12, 4);
	static const struct { uint32_t off, raw; uint64_t addr, size; uint32_t type, attr; } s[4] = {
		{ 0x1000, 0x2000, 0xFFFFE000u, 0x2000, C2D_TDVF_BFV, C2D_TDVF_MR_EXTEND },
		{ 0, 0x1000, 0xFFFFC000u, 0x1000, C2D_TDVF_CFV, 0 },
		{ 0, 0, 0x809000, 0x2000, C2D_TDVF_TD_HOB, 0 },
		{ 0, 0, 0x800000, 0x6000, C2D_TDVF_TEMP_MEM, 0 },
	};
	for (int i = 0; i < 4; i++) {
		uint8_t *e = fw + meta + 16 + 32 * i;
		c2d_put_le32(e, s[i].off);
		c2d_put_le32(e + 4, s[i].raw);
		c2d_put_le64(e + 8, s[i].addr);
		c2d_put_le64(e + 16, s[i].size);
		c2d_put_le32(e + 24, s[i].type);
		c2d_put_le32(e + 28, s[i].attr);
	}
	/* OVMF table: [offset u32 ‖ len ‖ GUID] [total len ‖ footer GUID] 32 bytes */
	static const uint8_t md[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
					0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };
	static const uint8_t ft[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
					0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
	size_t end = FW_LEN - 32;
	memcpy(fw + end - 16, ft, 16);
	c2d_put_le16(fw + end - 18, 18 + 22);
	memcpy(fw + end - 18 - 16, md, 16);
	c2d_put_le16(fw + end - 18 - 18, 22);
	c2d_put_le32(fw + end - 18 - 22, FW_LEN - meta);
	return fw;
}

static void test_tdvf(void **state)
{
	(void)state;
	uint8_t *fw = fake_tdvf();
	struct c2d_tdvf t;
	struct c2d_err err;
	assert_int_equal(c2d_tdxmeasure_tdvf_parse(fw, FW_LEN, &t, &err), C2D_OK);
	assert_int_equal(t.nsections, 4);
	assert_int_equal(t.sec[0].address, 0xFFFFE000u);
	assert_int_equal(t.sec[3].type, C2D_TDVF_TEMP_MEM);

	/* MRTD, rebuilt here from the TDX module's record formats. */
	uint8_t want1[48], want2[48], got[48];
	br_sha384_context c1, c2;
	br_sha384_init(&c1);
	br_sha384_init(&c2);
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t pg = 0; pg < 2; pg++) {
			uint8_t add[128] = "MEM.PAGE.ADD";
			c2d_put_le64(add + 16, 0xFFFFE000u + pg * 0x1000);
			if (pass == 0)
				br_sha384_update(&c2, add, 128);
			for (int k = 0; k < 16 && pass == 1; k++) {
				uint8_t ext[128] = "MR.EXTEND";
				c2d_put_le64(ext + 16, 0xFFFFE000u + pg * 0x1000 + k * 256u);
				br_sha384_update(&c2, ext, 128);
				br_sha384_update(&c2, fw + 0x1000 + pg * 0x1000 + k * 256u, 256);
			}
			if (pass == 1)
				continue;
			br_sha384_update(&c1, add, 128);
			for (int k = 0; k < 16; k++) {
				uint8_t ext[128] = "MR.EXTEND";
				c2d_put_le64(ext + 16, 0xFFFFE000u + pg * 0x1000 + k * 256u);
				br_sha384_update(&c1, ext, 128);
				br_sha384_update(&c1, fw + 0x1000 + pg * 0x1000 + k * 256u, 256);
			}
		}
	static const struct { uint64_t a; int n; } rest[3] = {
		{ 0xFFFFC000u, 1 }, { 0x809000, 2 }, { 0x800000, 6 } };
	for (int i = 0; i < 3; i++)
		for (int pg = 0; pg < rest[i].n; pg++) {
			uint8_t add[128] = "MEM.PAGE.ADD";
			c2d_put_le64(add + 16, rest[i].a + pg * 0x1000u);
			br_sha384_update(&c1, add, 128);
			br_sha384_update(&c2, add, 128);
		}
	br_sha384_out(&c1, want1);
	br_sha384_out(&c2, want2);
	assert_int_equal(c2d_tdxmeasure_predict_mrtd(fw, FW_LEN, C2D_MRTD_SINGLE_PASS, got, &err), C2D_OK);
	assert_memory_equal(got, want1, 48);
	assert_int_equal(c2d_tdxmeasure_predict_mrtd(fw, FW_LEN, C2D_MRTD_TWO_PASS, got, &err), C2D_OK);
	assert_memory_equal(got, want2, 48);
	/* Extended content counts; the CFV's does not reach MRTD. */
	fw[0x2fff] ^= 1;
	assert_int_equal(c2d_tdxmeasure_predict_mrtd(fw, FW_LEN, C2D_MRTD_TWO_PASS, got, &err), C2D_OK);
	assert_memory_not_equal(got, want2, 48);
	fw[0x2fff] ^= 1;
	fw[0x10] ^= 1;
	assert_int_equal(c2d_tdxmeasure_predict_mrtd(fw, FW_LEN, C2D_MRTD_TWO_PASS, got, &err), C2D_OK);
	assert_memory_equal(got, want2, 48);

	uint8_t cfv[48];
	struct c2d_digests d;
	assert_int_equal(c2d_tdxmeasure_tdvf_cfv_digest(&t, fw, cfv, &err), C2D_OK);
	c2d_digest_buf(fw, 0x1000, &d);
	assert_memory_equal(cfv, d.sha384, 48);

	/* Malformed metadata is refused with the offset. */
	static const struct { size_t off; uint8_t x; const char *msg; } bad[] = {
		{ FW_LEN - 48, 1, "footer" },
		{ 0x4000, 1, "TDVF descriptor" },
		{ 0x4008, 2, "version" },
		{ 0x400c, 0x40, "sections" },
		{ 0x4010 + 8, 1, "4 KiB" },                 /* BFV address */
		{ 0x4010 + 4, 0x30, "raw data" },           /* BFV raw size */
		{ 0x4010 + 64 + 28, 1, "MR_EXTEND" },       /* TD_HOB extended */
		{ 0x4010 + 96 + 24, 9, "type" },
		{ FW_LEN - 32 - 18 - 22 + 2, 0x01, "TDX metadata offset" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fw[bad[i].off] ^= bad[i].x;
		assert_int_equal(c2d_tdxmeasure_tdvf_parse(fw, FW_LEN, &t, &err), C2D_E_INPUT);
		if (strstr(err.msg, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
		fw[bad[i].off] ^= bad[i].x;
	}
	for (size_t n = 0; n < FW_LEN; n += 61)   /* truncations lose the table */
		assert_int_equal(c2d_tdxmeasure_tdvf_parse(fw, n, &t, NULL), C2D_E_INPUT);
	free(fw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtmr12_from_published_digests),
		cmocka_unit_test(test_mrtd_variant),
		cmocka_unit_test(test_rtmr0_from_published_parts),
		cmocka_unit_test(test_cmdline_digest),
		cmocka_unit_test(test_qemu_patch),
		cmocka_unit_test(test_authenticode),
		cmocka_unit_test(test_tdvf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
