/*
 * image/cpio.h: the "newc" cpio format (SVR4 without CRC), as the Linux
 * kernel unpacks an initramfs (Documentation/driver-api/early-userspace/
 * buffer-format.rst). Host-side build tooling; never runs in the CVM.
 *
 * Written by hand because the format is 110 bytes of ASCII hex per entry and
 * every tool that writes it (GNU cpio, bsdtar) takes inode numbers, owners
 * and mtimes from the build machine; we need each of those fixed.
 *
 * Writer: the caller supplies every field that could leak the build host
 * (inode, mtime, owner is always 0). Reader: parses an archive held in
 * memory, bounds-checked against the buffer; it never trusts a size field
 * before checking it against what is left.
 *
 * Prefix: cpio_
 */
#ifndef C2D_IMAGE_CPIO_H
#define C2D_IMAGE_CPIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "c2d/err.h"

#define CPIO_HEADER_LEN 110
#define CPIO_TRAILER "TRAILER!!!"

/* One archive member. name has no leading '/'. mode includes the file type
 * bits (S_IFREG, S_IFDIR, S_IFCHR ...). data/size only for regular files. */
struct cpio_entry {
	const char *name;
	uint32_t ino;
	uint32_t mode;
	uint32_t uid, gid;
	uint32_t nlink;
	uint32_t mtime;
	uint32_t rdev_major, rdev_minor;
	const uint8_t *data;
	size_t size;
};

/* Appends one member to out. Fails with C2D_E_INPUT on a name or size the
 * format cannot carry, C2D_E_IO on a write error. */
C2D_MUST_CHECK c2d_status cpio_write_entry(FILE *out, const struct cpio_entry *e,
					   struct c2d_err *err);

/* Appends the TRAILER!!! member. */
C2D_MUST_CHECK c2d_status cpio_write_trailer(FILE *out, struct c2d_err *err);

/* Reads the member at *off in buf[0..len). On success returns 1 and fills e
 * (e->name points into buf, NUL-terminated there; e->data too) and advances
 * *off past the member's padding; returns 0 at the trailer; returns a
 * negative status on malformed input, naming the byte offset. */
C2D_MUST_CHECK int cpio_read_entry(const uint8_t *buf, size_t len, size_t *off,
				   struct cpio_entry *e, struct c2d_err *err);

#endif
