/* TDX guest interfaces: see c2d/tdxguest.h. */
#include "c2d/tdxguest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* From the pinned kernel's uapi (kernel-config/headers), not copied. */
#include <linux/tdx-guest.h>

#include "c2d/fdio.h"
#include "c2d/path.h"

_Static_assert(TDX_REPORTDATA_LEN == C2D_TDX_REPORTDATA_LEN, "uapi REPORTDATA length");
_Static_assert(TDX_REPORT_LEN == C2D_TDREPORT_LEN, "uapi TDREPORT length");

#define TSM_REPORT_DIR "/sys/kernel/config/tsm/report"
#define TDX_MR_DIR "/sys/devices/virtual/misc/tdx_guest"

/* TDREPORT_STRUCT offsets: see the header. */
enum {
	REPORTMAC = 0,
	TEE_TCB_INFO = 256,
	TEE_TCB_INFO_LEN = 239,
	TDINFO = 512,
};

c2d_status c2d_tdxguest_report_parse(const uint8_t *buf, size_t len, struct c2d_tdreport *r,
			      struct c2d_err *err)
{
	memset(r, 0, sizeof(*r));
	if (len != C2D_TDREPORT_LEN)
		return c2d_fail(err, C2D_E_INPUT, "TDREPORT: %zu bytes, a TDREPORT is %d", len,
				C2D_TDREPORT_LEN);
	r->type = buf[REPORTMAC];
	r->subtype = buf[REPORTMAC + 1];
	r->version = buf[REPORTMAC + 2];
	if (r->type != 0x81)
		return c2d_fail(err, C2D_E_INPUT, "TDREPORT offset 0: report type 0x%02x is not TDX (0x81)",
				r->type);
	if (r->subtype != 0)
		return c2d_fail(err, C2D_E_INPUT, "TDREPORT offset 1: report subtype %u (only 0 is defined)",
				r->subtype);
	if (r->version > 1)
		return c2d_fail(err, C2D_E_INPUT,
				"TDREPORT offset 2: report version %u (0: TDX 1.0 and 1: TDX 1.5 are known)",
				r->version);
	r->cpusvn = buf + REPORTMAC + 16;
	r->tee_tcb_info_hash = buf + REPORTMAC + 32;
	r->tee_info_hash = buf + REPORTMAC + 80;
	r->mac = buf + REPORTMAC + 224;
	r->tee_tcb_info = buf + TEE_TCB_INFO;
	r->tdinfo = buf + TDINFO;

	/* TEE_TCB_INFO's SVN..attributes and TDINFO's attributes..RTMR3 are
	 * the two runs a quote body carries; SVN2 and SERVTD_HASH stand
	 * after them. */
	const uint8_t *tcb = buf + TEE_TCB_INFO, *ti = buf + TDINFO;
	c2d_tdxquote_report_at(&r->td, tcb + 8, ti, buf + REPORTMAC + 128, tcb + 128, ti + 400);
	return C2D_OK;
}

/* Root "/" gives "//dev/...", which the kernel reads as "/dev/...". */

c2d_status c2d_tdxguest_get_report(const char *root, const uint8_t reportdata[64],
			      uint8_t tdreport[1024], struct c2d_err *err)
{
	char path[512];
	int r = c2d_path_fmt(path, sizeof(path), err, "%s/dev/tdx_guest", root);
	if (r < 0)
		return r;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: no TDX guest device", path);

	struct tdx_report_req req;
	memcpy(req.reportdata, reportdata, sizeof(req.reportdata));
	memset(req.tdreport, 0, sizeof(req.tdreport));
	/* musl declares the request as int, glibc as unsigned long: a
	 * variable keeps the constant's conversion quiet on both. */
	unsigned long cmd = TDX_CMD_GET_REPORT0;
	int rc;
	do
		rc = ioctl(fd, cmd, &req);
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		r = errno == ENOTTY
			? c2d_fail_errno(err, C2D_E_IO, "%s: not the TDX guest device (ioctl TDX_CMD_GET_REPORT0)", path)
			: c2d_fail_errno(err, C2D_E_IO, "%s: ioctl TDX_CMD_GET_REPORT0 failed", path);
		close(fd);
		return r;
	}
	close(fd);
	memcpy(tdreport, req.tdreport, sizeof(req.tdreport));
	return C2D_OK;
}

/* One write(2) of len bytes at offset 0, as configfs and sysfs binary
 * attributes want it; a short write is an error, never retried, since the
 * kernel would take a second write as a second request. */
static int write_once(const char *path, const uint8_t *buf, size_t len, struct c2d_err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open for writing", path);
	ssize_t n;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot write", path);
		close(fd);
		return r;
	}
	/* configfs hands a binary attribute to the provider on close. */
	if (close(fd) < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: write not accepted", path);
	if ((size_t)n != len)
		return c2d_fail(err, C2D_E_IO, "%s: short write (%zd of %zu bytes)", path, n, len);
	return C2D_OK;
}

/* The generation attribute: a decimal unsigned long and a newline. */
static int read_generation(const char *entry, unsigned long long *gen, struct c2d_err *err)
{
	char path[512];
	uint8_t buf[32];
	size_t len;
	int r;
	if ((r = c2d_path_fmt(path, sizeof(path), err, "%s/generation", entry)) < 0 ||
	    (r = c2d_fdio_read_upto(path, buf, sizeof(buf), &len, err)) < 0)
		return r;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len > 20)
		return c2d_fail(err, C2D_E_INPUT, "%s: expected a decimal number", path);
	unsigned long long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return c2d_fail(err, C2D_E_INPUT, "%s: expected a decimal number", path);
		unsigned d = (unsigned)(buf[i] - '0');
		if (v > (~0ULL - d) / 10)
			return c2d_fail(err, C2D_E_INPUT, "%s: number overflows", path);
		v = v * 10 + d;
	}
	*gen = v;
	return C2D_OK;
}

static int check_provider(const char *entry, struct c2d_err *err)
{
	static const char want[] = "tdx_guest\n";
	char path[512];
	uint8_t buf[64];
	size_t len;
	int r;
	if ((r = c2d_path_fmt(path, sizeof(path), err, "%s/provider", entry)) < 0 ||
	    (r = c2d_fdio_read_upto(path, buf, sizeof(buf), &len, err)) < 0)
		return r;
	if (len != sizeof(want) - 1 || memcmp(buf, want, len) != 0) {
		if (len > 0 && buf[len - 1] == '\n')
			len--;
		return c2d_fail(err, C2D_E_REFUSED, "%s: provider '%.*s', c2d needs 'tdx_guest'", path,
				(int)len, (const char *)buf);
	}
	return C2D_OK;
}

/* Everything between mkdir and rmdir of the entry. */
static int quote_in(const char *entry, const uint8_t reportdata[64], uint8_t **quote,
		    size_t *len, struct c2d_err *err)
{
	char path[512];
	unsigned long long before, after;
	int r;
	if ((r = check_provider(entry, err)) < 0 ||
	    (r = read_generation(entry, &before, err)) < 0 ||
	    (r = c2d_path_fmt(path, sizeof(path), err, "%s/inblob", entry)) < 0 ||
	    (r = write_once(path, reportdata, C2D_TDX_REPORTDATA_LEN, err)) < 0 ||
	    (r = c2d_path_fmt(path, sizeof(path), err, "%s/outblob", entry)) < 0)
		return r;

	uint8_t *buf = malloc(C2D_TSM_QUOTE_MAX + 1);
	if (buf == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: no memory for the quote", path);
	size_t n;
	if ((r = c2d_fdio_read_upto(path, buf, C2D_TSM_QUOTE_MAX + 1, &n, err)) < 0)
		goto fail;
	if (n == 0) {
		r = c2d_fail(err, C2D_E_INPUT, "%s: empty quote", path);
		goto fail;
	}
	if (n > C2D_TSM_QUOTE_MAX) {
		r = c2d_fail(err, C2D_E_INPUT, "%s: quote longer than %d bytes", path, C2D_TSM_QUOTE_MAX);
		goto fail;
	}
	if ((r = read_generation(entry, &after, err)) < 0)
		goto fail;
	/* Our inblob write is the only one allowed in between: any other
	 * means the outblob may answer another writer's report data. */
	if (after != before + 1) {
		r = c2d_fail(err, C2D_E_REFUSED,
			     "%s/generation: %llu before our write, %llu after the quote (expected %llu): another writer used this entry",
			     entry, before, after, before + 1);
		goto fail;
	}
	uint8_t *shrunk = realloc(buf, n);
	*quote = shrunk != NULL ? shrunk : buf;
	*len = n;
	return C2D_OK;
fail:
	free(buf);
	return r;
}

c2d_status c2d_tdxguest_tsm_get_quote(const char *root, const uint8_t reportdata[64],
			     uint8_t **quote, size_t *len, struct c2d_err *err)
{
	char dir[512], entry[600];
	struct stat st;
	int r;
	*quote = NULL;
	*len = 0;
	if ((r = c2d_path_fmt(dir, sizeof(dir), err, "%s" TSM_REPORT_DIR, root)) < 0)
		return r;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return c2d_fail(err, C2D_E_IO, "configfs-tsm not available: %s", dir);

	/* A fresh entry per request (the ABI's way to avoid sharing one with
	 * another process); the pid makes collisions rare, the counter
	 * survives those that remain. */
	long pid = (long)getpid();
	int made = 0;
	for (int i = 0; i < 16 && !made; i++) {
		if ((r = c2d_path_fmt(entry, sizeof(entry), err, "%s/c2d-%ld-%d", dir, pid, i)) < 0)
			return r;
		if (mkdir(entry, 0700) == 0)
			made = 1;
		else if (errno != EEXIST)
			return c2d_fail_errno(err, C2D_E_IO, "%s: cannot create report entry", entry);
	}
	if (!made)
		return c2d_fail(err, C2D_E_IO, "%s/c2d-%ld-*: 16 report entries exist already", dir, pid);

	r = quote_in(entry, reportdata, quote, len, err);
	if (rmdir(entry) < 0 && r == C2D_OK) {
		r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot remove report entry", entry);
		free(*quote);
		*quote = NULL;
		*len = 0;
	}
	return r;
}

/* The register file, or the reason it is missing. */
static int rtmr_path(const char *root, int index, char *path, size_t cap, struct c2d_err *err)
{
	char dir[512];
	int r;
	if (index < 0 || index > 3)
		return c2d_fail(err, C2D_E_USAGE, "RTMR index %d (0 to 3)", index);
	if ((r = c2d_path_fmt(dir, sizeof(dir), err, "%s" TDX_MR_DIR, root)) < 0 ||
	    (r = c2d_path_fmt(path, cap, err, "%s/measurements/rtmr%d:sha384", dir, index)) < 0)
		return r;
	if (access(path, F_OK) == 0)
		return C2D_OK;
	if (access(dir, F_OK) < 0)
		return c2d_fail(err, C2D_E_IO, "no TDX guest device: %s", dir);
	return c2d_fail(err, C2D_E_IO,
			"kernel has no RTMR extension ABI (Linux >= 6.16): %s missing", path);
}

c2d_status c2d_tdxguest_extend_rtmr3(const char *root, const uint8_t digest[48], struct c2d_err *err)
{
	char path[600];
	int r = rtmr_path(root, 3, path, sizeof(path), err);
	if (r < 0)
		return r;
	return write_once(path, digest, C2D_RTMR_LEN, err);
}

c2d_status c2d_tdxguest_read_rtmr(const char *root, int index, uint8_t value[48], struct c2d_err *err)
{
	char path[600];
	uint8_t buf[C2D_RTMR_LEN + 1];
	size_t n;
	int r;
	if ((r = rtmr_path(root, index, path, sizeof(path), err)) < 0 ||
	    (r = c2d_fdio_read_upto(path, buf, sizeof(buf), &n, err)) < 0)
		return r;
	if (n != C2D_RTMR_LEN)
		return c2d_fail(err, C2D_E_INPUT, "%s: %s%zu bytes, an RTMR is %d", path,
				n > C2D_RTMR_LEN ? "more than " : "", n > C2D_RTMR_LEN ? n - 1 : n,
				C2D_RTMR_LEN);
	memcpy(value, buf, C2D_RTMR_LEN);
	return C2D_OK;
}
