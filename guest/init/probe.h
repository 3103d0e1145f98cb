/*
 * guest/init/probe.h: what the host attached to the CVM, read from sysfs.
 *
 * Sealed datasets arrive as virtio block disks (vda, vdb, ...) and channels
 * as virtio-serial ports with names set by the launcher. Both are read from
 * a sysfs tree rooted at `sysroot` ("" in the CVM, a fake tree in tests),
 * so the logic runs unchanged on the host.
 *
 * Nothing read here is trusted: the host controls names and sizes. They are
 * used to find devices, never to decide what is released; every byte that
 * matters is authenticated later.
 *
 * Prefix: probe_
 */
#ifndef C2D_INIT_PROBE_H
#define C2D_INIT_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define PROBE_MAX_DISKS 16
#define PROBE_MAX_PORTS 16

struct probe_disk {
	char name[32];      /* "vda" */
	uint64_t bytes;     /* size in bytes (sysfs counts 512-byte sectors) */
	int read_only;      /* 1 when the host attached it read-only */
};

struct probe_port {
	char dev[32];       /* "vport1p1": the node under /dev */
	char name[64];      /* the name the launcher gave, "" when none */
};

struct probe_result {
	size_t ndisks, nports;
	struct probe_disk disks[PROBE_MAX_DISKS];
	struct probe_port ports[PROBE_MAX_PORTS];
	int tdx_guest;      /* 1 when the TDX guest device is present */
};

/* Fills out, sorted by device name so that output does not depend on
 * directory order. Fails with C2D_E_INPUT on an unreadable or malformed
 * attribute (naming its path) or more devices than fit; missing class
 * directories just mean no devices of that class. */
C2D_MUST_CHECK c2d_status probe_devices(const char *sysroot, struct probe_result *out,
					struct c2d_err *err);

/* Finds the device node (under /dev) of the port named name, reading only
 * the virtio-ports class: init looks up its status channel this way before
 * anything else, so that it can report failures of the full probe. */
C2D_MUST_CHECK c2d_status probe_port_dev(const char *sysroot, const char *name, char dev[32],
					 struct c2d_err *err);

/* Index of the port named name, or -1. */
int probe_find_port(const struct probe_result *p, const char *name);

/* Parses a sysfs decimal attribute ("1234\n"): digits, at most one trailing
 * newline, no sign, no overflow; else C2D_E_INPUT. */
C2D_MUST_CHECK c2d_status probe_parse_u64(const char *text, size_t len, uint64_t *out,
					  struct c2d_err *err);

#endif
