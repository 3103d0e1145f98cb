/* Authenticode digest of a PE/COFF image: see c2d/pe.h. */
#include "c2d/pe.h"

#include <bearssl_hash.h>

#include "c2d/bytes.h"

#define DOS_LFANEW 0x3c
#define COFF_LEN 20
#define SECTION_LEN 40
#define SECURITY_DIR 4 /* IMAGE_DIRECTORY_ENTRY_SECURITY */

struct span {
	uint32_t off, len;
};

/* The parts of the image the digest covers, found before anything is
 * hashed so that a malformed image hashes nothing. */
struct layout {
	size_t checksum;       /* offset of CheckSum */
	size_t certdir;        /* offset of the security directory entry, or 0 */
	size_t headers;        /* SizeOfHeaders */
	uint32_t cert_size;
	unsigned nsec;
	struct span sec[C2D_PE_MAX_SECTIONS];
};

static int layout(const uint8_t *img, size_t len, struct layout *l, struct c2d_err *err)
{
	if (len < DOS_LFANEW + 4 || img[0] != 'M' || img[1] != 'Z')
		return c2d_fail(err, C2D_E_INPUT, "PE offset 0: no MZ header");
	size_t pe = c2d_get_le32(img + DOS_LFANEW);
	if (pe > len || len - pe < 4 + COFF_LEN || memcmp(img + pe, "PE\0\0", 4) != 0)
		return c2d_fail(err, C2D_E_INPUT, "PE offset %zu: no PE signature (e_lfanew)", pe);
	const uint8_t *coff = img + pe + 4;
	unsigned nsec = c2d_get_le16(coff + 2);
	size_t optlen = c2d_get_le16(coff + 16);
	size_t opt = pe + 4 + COFF_LEN;
	if (nsec > C2D_PE_MAX_SECTIONS)
		return c2d_fail(err, C2D_E_INPUT, "PE offset %zu: %u sections, at most %d",
				pe + 6, nsec, C2D_PE_MAX_SECTIONS);
	if (optlen > len - opt || optlen < 2)
		return c2d_fail(err, C2D_E_INPUT, "PE offset %zu: SizeOfOptionalHeader %zu past the end",
				pe + 20, optlen);
	uint16_t magic = c2d_get_le16(img + opt);
	size_t ndir_at, dirs;
	if (magic == 0x10b) {          /* PE32 */
		ndir_at = 92;
		dirs = 96;
	} else if (magic == 0x20b) {   /* PE32+ */
		ndir_at = 108;
		dirs = 112;
	} else {
		return c2d_fail(err, C2D_E_INPUT, "PE offset %zu: optional header magic 0x%x unknown",
				opt, magic);
	}
	if (optlen < dirs)
		return c2d_fail(err, C2D_E_INPUT, "PE offset %zu: optional header of %zu bytes, %zu needed",
				opt, optlen, dirs);
	uint32_t ndir = c2d_get_le32(img + opt + ndir_at);
	if (ndir > (optlen - dirs) / 8)
		return c2d_fail(err, C2D_E_INPUT, "PE offset %zu: NumberOfRvaAndSizes %u exceeds the optional header",
				opt + ndir_at, ndir);
	l->checksum = opt + 64;
	l->certdir = 0;
	l->cert_size = 0;
	if (ndir > SECURITY_DIR) {
		l->certdir = opt + dirs + 8 * SECURITY_DIR;
		l->cert_size = c2d_get_le32(img + l->certdir + 4);
	}
	l->headers = c2d_get_le32(img + opt + 60);
	size_t sectab = opt + optlen;
	if (nsec * (size_t)SECTION_LEN > len - sectab)
		return c2d_fail(err, C2D_E_INPUT, "PE offset %zu: section table past the end", sectab);
	if (l->headers > len || l->headers < sectab + nsec * (size_t)SECTION_LEN)
		return c2d_fail(err, C2D_E_INPUT, "PE offset %zu: SizeOfHeaders %zu outside [%zu, %zu]",
				opt + 60, l->headers, sectab + nsec * (size_t)SECTION_LEN, len);
	l->nsec = 0;
	for (unsigned i = 0; i < nsec; i++) {
		const uint8_t *s = img + sectab + i * (size_t)SECTION_LEN;
		uint32_t size = c2d_get_le32(s + 16), off = c2d_get_le32(s + 20);
		if (size == 0)
			continue;
		if (off > len || size > len - off)
			return c2d_fail(err, C2D_E_INPUT,
					"PE offset %zu: section %u raw data [%u, +%u) past the end (%zu)",
					sectab + i * (size_t)SECTION_LEN, i, off, size, len);
		/* Insertion sort by PointerToRawData, stable like edk2's. */
		unsigned j = l->nsec++;
		while (j > 0 && l->sec[j - 1].off > off) {
			l->sec[j] = l->sec[j - 1];
			j--;
		}
		l->sec[j] = (struct span){ off, size };
	}
	return C2D_OK;
}

static int authenticode(const br_hash_class *vt, const uint8_t *img, size_t len,
			uint8_t *out, struct c2d_err *err)
{
	struct layout l = { 0 };  /* -O2 cannot see that c2d_fail returns < 0 */
	int r = layout(img, len, &l, err);
	if (r < 0)
		return r;
	br_hash_compat_context ctx;
	vt->init(&ctx.vtable);
	vt->update(&ctx.vtable, img, l.checksum);
	size_t at = l.checksum + 4;
	if (l.certdir != 0) {
		vt->update(&ctx.vtable, img + at, l.certdir - at);
		at = l.certdir + 8;
	}
	vt->update(&ctx.vtable, img + at, l.headers - at);
	uint64_t sum = l.headers;
	for (unsigned i = 0; i < l.nsec; i++) {
		vt->update(&ctx.vtable, img + l.sec[i].off, l.sec[i].len);
		sum += l.sec[i].len;
	}
	if (len > sum) {
		if (l.cert_size > len - sum)
			return c2d_fail(err, C2D_E_INPUT,
					"PE offset %zu: certificate table of %u bytes exceeds the %llu bytes after the sections",
					l.certdir + 4, l.cert_size, (unsigned long long)(len - sum));
		/* Sections may overlap or leave holes; like edk2, the trailing
		 * data starts at SUM, not at the end of the last section. */
		vt->update(&ctx.vtable, img + sum, len - sum - l.cert_size);
	}
	vt->out(&ctx.vtable, out);
	return C2D_OK;
}

c2d_status c2d_pe_authenticode_sha384(const uint8_t *img, size_t len, uint8_t out[48],
				      struct c2d_err *err)
{
	return authenticode(&br_sha384_vtable, img, len, out, err);
}

c2d_status c2d_pe_authenticode_sha256(const uint8_t *img, size_t len, uint8_t out[32],
				      struct c2d_err *err)
{
	return authenticode(&br_sha256_vtable, img, len, out, err);
}
