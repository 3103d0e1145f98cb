/* host/measure/bootpredict.h: TDX registers predicted from the files QEMU boots. */
#include <stdlib.h>
#include <string.h>

#include "bootpredict.h"
#include "c2d/bootevents.h"
#include "c2d/digest.h"
#include "c2d/hex.h"
#include "cpio.h"
#include "fsutil.h"

#define MAX_PART (UINT64_C(1) << 30)

c2d_status c2d_bootpredict_parse_size(const char *flag, const char *s, uint64_t *out, struct c2d_err *err)
{
	char *end;
	if (*s < '0' || *s > '9')
		return c2d_fail(err, C2D_E_USAGE, "%s %s: not a size", flag, s);
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k') shift = 10, end++;
	else if (*end == 'M' || *end == 'm') shift = 20, end++;
	else if (*end == 'G' || *end == 'g') shift = 30, end++;
	if (*end != '\0' || v == 0 || v > (UINT64_MAX >> 30))
		return c2d_fail(err, C2D_E_USAGE, "%s %s: not a size", flag, s);
	*out = (uint64_t)v << shift;
	return C2D_OK;
}

c2d_status c2d_bootpredict_parse_acpi(const char *flag, const char *s, struct c2d_rtmr0_parts *p,
			  struct c2d_err *err)
{
	uint8_t *dst[3] = { p->acpi_loader, p->acpi_rsdp, p->acpi_tables };
	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(s, ",");
		if (n != 2 * C2D_TDX_MR_LEN || c2d_hex_decode(s, n, dst[i], C2D_TDX_MR_LEN, err) != 0 ||
		    (i < 2 && s[n] != ',') || (i == 2 && s[n] != '\0'))
			return c2d_fail(err, C2D_E_USAGE, "%s: three comma-separated 96-digit hex digests expected", flag);
		s += n + 1;
	}
	return C2D_OK;
}

c2d_status c2d_bootpredict_initrd_init_sha256(const uint8_t *initrd, size_t len, uint8_t sha256[32],
				  struct c2d_err *err)
{
	struct cpio_entry e;
	size_t off = 0;
	int found = 0, r;
	/* A later member replaces an earlier one of the same name, as the
	 * kernel's unpacker does. */
	while ((r = cpio_read_entry(initrd, len, &off, &e, err)) == 1) {
		if (strcmp(e.name, "init") != 0)
			continue;
		if ((e.mode & 0170000) != 0100000)
			return c2d_fail(err, C2D_E_INPUT, "cpio: init is not a regular file (mode %o)",
					(unsigned)e.mode);
		c2d_digest_sha256(e.data, e.size, sha256);
		found = 1;
	}
	if (r < 0)
		return r;
	for (size_t at = (size_t)(e.data - initrd) + e.size; at < len; at++)
		if (initrd[at] != 0)
			return c2d_fail(err, C2D_E_INPUT, "cpio: offset %zu: data after the trailer", at);
	if (!found)
		return c2d_fail(err, C2D_E_INPUT, "cpio: no /init");
	return C2D_OK;
}

/* The -append text: the file's bytes, which must not hold a NUL. */
static int read_cmdline(const char *path, char **out, struct c2d_err *err)
{
	uint8_t *b;
	size_t n;
	int r = c2d_fs_read_file(path, MAX_PART, &b, &n, err);
	if (r < 0)
		return r;
	if (memchr(b, '\0', n) != NULL) {
		free(b);
		return c2d_fail(err, C2D_E_INPUT, "%s: contains a NUL byte", path);
	}
	char *s = malloc(n + 1);
	if (s == NULL) {
		free(b);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	memcpy(s, b, n);
	s[n] = '\0';
	free(b);
	*out = s;
	return C2D_OK;
}

static int predict_firmware(const struct c2d_boot_files *f, struct c2d_boot_prediction *p,
			    struct c2d_err *err)
{
	struct c2d_tdvf tdvf;
	struct c2d_rtmr0_parts parts = f->acpi;
	uint8_t *fw;
	size_t flen;
	int r = c2d_fs_read_file(f->firmware, MAX_PART, &fw, &flen, err);
	if (r < 0)
		return r;
	if ((r = c2d_tdxmeasure_tdvf_parse(fw, flen, &tdvf, err)) < 0 ||
	    (r = c2d_tdxmeasure_td_hob_digest(&tdvf, f->memory, parts.td_hob, err)) < 0 ||
	    (r = c2d_tdxmeasure_tdvf_cfv_digest(&tdvf, fw, parts.cfv, err)) < 0) {
		c2d_err_prefix(err, "%s", f->firmware);
		free(fw);
		return r;
	}
	c2d_tdxmeasure_tdvf_mrtd(&tdvf, fw, f->order, p->mrtd);
	free(fw);
	memcpy(p->td_hob_event, parts.td_hob, 48);
	memcpy(p->cfv_event, parts.cfv, 48);
	p->have_mrtd = 1;
	if (f->have_acpi) {
		c2d_tdxmeasure_rtmr0_from_parts(&parts, p->rtmr0);
		p->have_rtmr0 = 1;
	}
	return C2D_OK;
}

c2d_status c2d_bootpredict_run(const struct c2d_boot_files *f, struct c2d_boot_prediction *p,
			    struct c2d_err *err)
{
	uint8_t *kernel = NULL, *initrd = NULL;
	size_t klen, ilen;
	char *cmdline = NULL;
	struct c2d_err e3 = { 0 };
	int r;
	memset(p, 0, sizeof(*p));
	if ((r = c2d_fs_read_file(f->kernel, MAX_PART, &kernel, &klen, err)) < 0 ||
	    (r = c2d_fs_read_file(f->initrd, MAX_PART, &initrd, &ilen, err)) < 0 ||
	    (r = read_cmdline(f->cmdline, &cmdline, err)) < 0)
		goto out;
	if ((r = c2d_tdxmeasure_predict_rtmr12(kernel, klen, initrd, ilen, cmdline, f->memory, f->header,
				    p->rtmr1, p->rtmr2, p->kernel_authenticode, err)) < 0) {
		c2d_err_prefix(err, "%s", f->kernel);
		goto out;
	}
	c2d_tdxmeasure_cmdline_digest(cmdline, 1, p->cmdline_event);
	if (c2d_bootpredict_initrd_init_sha256(initrd, ilen, p->init_sha256, &e3) == C2D_OK) {
		c2d_boot_rtmr3(p->init_sha256, p->rtmr3);
		p->have_rtmr3 = 1;
	} else {
		c2d_err_prefix(&e3, "%s", f->initrd);
		memcpy(p->rtmr3_missing, e3.msg, sizeof(p->rtmr3_missing));
	}
	if (f->firmware != NULL)
		r = predict_firmware(f, p, err);
out:
	free(kernel);
	free(initrd);
	free(cmdline);
	return r;
}
