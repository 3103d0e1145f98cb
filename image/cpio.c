/* newc cpio reader and writer: see cpio.h. */
#include "cpio.h"

#include <string.h>
#include <sys/stat.h>

#define NEWC_MAGIC "070701"

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

static int put(FILE *out, const void *p, size_t n, struct c2d_err *err)
{
	if (n > 0 && fwrite(p, 1, n, out) != n)
		return c2d_fail_errno(err, C2D_E_IO, "cpio: write failed");
	return C2D_OK;
}

static int put_pad(FILE *out, size_t n, struct c2d_err *err)
{
	static const uint8_t zeros[4];
	return put(out, zeros, pad4(n), err);
}

c2d_status cpio_write_entry(FILE *out, const struct cpio_entry *e, struct c2d_err *err)
{
	char hdr[CPIO_HEADER_LEN + 1];
	size_t namesize = strlen(e->name) + 1;
	int r;

	if (namesize > 4096)
		return c2d_fail(err, C2D_E_INPUT, "cpio: name too long: %.64s...", e->name);
	if ((uint64_t)e->size > UINT32_MAX)
		return c2d_fail(err, C2D_E_INPUT, "cpio: %s: larger than 4 GiB", e->name);
	if (!S_ISREG(e->mode) && e->size != 0)
		return c2d_fail(err, C2D_E_INTERNAL, "cpio: %s: data on a non-regular file", e->name);

	snprintf(hdr, sizeof(hdr),
		 NEWC_MAGIC "%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 (unsigned)e->ino, (unsigned)e->mode, (unsigned)e->uid,
		 (unsigned)e->gid, (unsigned)e->nlink, (unsigned)e->mtime,
		 (unsigned)e->size, 0u, 0u, (unsigned)e->rdev_major,
		 (unsigned)e->rdev_minor, (unsigned)namesize, 0u);
	if ((r = put(out, hdr, CPIO_HEADER_LEN, err)) < 0 ||
	    (r = put(out, e->name, namesize, err)) < 0 ||
	    (r = put_pad(out, CPIO_HEADER_LEN + namesize, err)) < 0 ||
	    (r = put(out, e->data, e->size, err)) < 0 ||
	    (r = put_pad(out, e->size, err)) < 0)
		return r;
	return C2D_OK;
}

c2d_status cpio_write_trailer(FILE *out, struct c2d_err *err)
{
	struct cpio_entry t = { .name = CPIO_TRAILER, .nlink = 1 };
	return cpio_write_entry(out, &t, err);
}

/* Parses 8 hex digits; the kernel accepts either case, so do we. */
static int hex8(const uint8_t *p, uint32_t *v)
{
	uint32_t x = 0;
	for (int i = 0; i < 8; i++) {
		uint8_t c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		x = (x << 4) | d;
	}
	*v = x;
	return 0;
}

int cpio_read_entry(const uint8_t *buf, size_t len, size_t *off,
		    struct cpio_entry *e, struct c2d_err *err)
{
	size_t at = *off;
	uint32_t f[13];

	if (at > len || len - at < CPIO_HEADER_LEN)
		return c2d_fail(err, C2D_E_INPUT, "cpio: offset %zu: truncated header", at);
	if (memcmp(buf + at, NEWC_MAGIC, 6) != 0)
		return c2d_fail(err, C2D_E_INPUT, "cpio: offset %zu: bad magic (not newc)", at);
	for (int i = 0; i < 13; i++)
		if (hex8(buf + at + 6 + 8 * i, &f[i]) < 0)
			return c2d_fail(err, C2D_E_INPUT,
					"cpio: offset %zu: header field %d is not hex", at, i);

	size_t namesize = f[11], size = f[6];
	size_t name_at = at + CPIO_HEADER_LEN;
	size_t left = len - name_at;
	if (namesize == 0 || namesize > left)
		return c2d_fail(err, C2D_E_INPUT, "cpio: offset %zu: name runs past the end", at);
	if (buf[name_at + namesize - 1] != '\0' ||
	    memchr(buf + name_at, '\0', namesize - 1) != NULL)
		return c2d_fail(err, C2D_E_INPUT, "cpio: offset %zu: name is not one NUL-terminated string", at);
	size_t data_at = name_at + namesize + pad4(CPIO_HEADER_LEN + namesize);
	if (data_at > len || size > len - data_at)
		return c2d_fail(err, C2D_E_INPUT, "cpio: offset %zu: data runs past the end", at);

	*e = (struct cpio_entry){
		.name = (const char *)buf + name_at,
		.ino = f[0], .mode = f[1], .uid = f[2], .gid = f[3],
		.nlink = f[4], .mtime = f[5],
		.rdev_major = f[9], .rdev_minor = f[10],
		.data = buf + data_at, .size = size,
	};
	if (strcmp(e->name, CPIO_TRAILER) == 0)
		return 0;
	size_t next = data_at + size;
	next += pad4(size);
	/* The last member's padding may be cut off at the end of the buffer. */
	*off = next < len ? next : len;
	return 1;
}
