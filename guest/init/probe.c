/* Device discovery from sysfs: see probe.h. */
#include "probe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c2d/path.h"

c2d_status probe_parse_u64(const char *text, size_t len, uint64_t *out, struct c2d_err *err)
{
	uint64_t v = 0;
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len == 0 || len > 20)
		return c2d_fail(err, C2D_E_INPUT, "expected a decimal number");
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return c2d_fail(err, C2D_E_INPUT, "expected a decimal number");
		uint64_t d = (uint64_t)(text[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return c2d_fail(err, C2D_E_INPUT, "expected a decimal number");
		v = v * 10 + d;
	}
	*out = v;
	return C2D_OK;
}

/* Reads a small sysfs attribute into buf (NUL-terminated); returns length. */
static int read_attr(const char *path, char *buf, size_t cap, size_t *len,
		     struct c2d_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return c2d_fail_errno(err, C2D_E_INPUT, "%s: cannot open", path);
	ssize_t n;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return c2d_fail_errno(err, C2D_E_INPUT, "%s: cannot read", path);
	buf[n] = '\0';
	*len = (size_t)n;
	return C2D_OK;
}

static int read_u64(const char *path, uint64_t *v, struct c2d_err *err)
{
	char buf[32];
	size_t len;
	int r = read_attr(path, buf, sizeof(buf), &len, err);
	if (r < 0)
		return r;
	if ((r = probe_parse_u64(buf, len, v, err)) < 0)
		c2d_err_prefix(err, "%s", path);
	return r;
}


static int by_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Lists entries of dir starting with prefix, sorted; names is n x 32. */
static int list_dir(const char *dir, const char *prefix, char (*names)[32],
		    size_t max, size_t *n, struct c2d_err *err)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return C2D_OK;
		return c2d_fail_errno(err, C2D_E_INPUT, "%s: cannot list", dir);
	}
	struct dirent *e;
	int r = C2D_OK;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (strlen(e->d_name) >= 32) {
			r = c2d_fail(err, C2D_E_INPUT, "%s: device name too long", dir);
			break;
		}
		if (*n == max) {
			r = c2d_fail(err, C2D_E_INPUT, "%s: more than %zu devices", dir, max);
			break;
		}
		strcpy(names[(*n)++], e->d_name);
	}
	closedir(d);
	if (r == C2D_OK)
		qsort(names, *n, sizeof(names[0]), by_name);
	return r;
}

static int probe_disks(const char *sysroot, struct probe_result *out,
		       struct c2d_err *err)
{
	char dir[512], path[600], names[PROBE_MAX_DISKS][32];
	size_t n;
	int r;

	if ((r = c2d_path_fmt(dir, sizeof(dir), err, "%s/sys/block", sysroot)) < 0 ||
	    (r = list_dir(dir, "vd", names, PROBE_MAX_DISKS, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct probe_disk *d = &out->disks[i];
		uint64_t sectors, ro;
		if ((r = c2d_path_fmt(path, sizeof(path), err, "%s/%s/size", dir, names[i])) < 0 ||
		    (r = read_u64(path, &sectors, err)) < 0)
			return r;
		if (sectors > UINT64_MAX / 512)
			return c2d_fail(err, C2D_E_INPUT, "%s: size overflows", path);
		if ((r = c2d_path_fmt(path, sizeof(path), err, "%s/%s/ro", dir, names[i])) < 0 ||
		    (r = read_u64(path, &ro, err)) < 0)
			return r;
		strcpy(d->name, names[i]);
		d->bytes = sectors * 512;
		d->read_only = ro != 0;
	}
	out->ndisks = n;
	return C2D_OK;
}

static int probe_ports(const char *sysroot, struct probe_result *out,
		       struct c2d_err *err)
{
	char dir[512], path[600], names[PROBE_MAX_PORTS][32];
	size_t n;
	int r;

	if ((r = c2d_path_fmt(dir, sizeof(dir), err, "%s/sys/class/virtio-ports", sysroot)) < 0 ||
	    (r = list_dir(dir, "vport", names, PROBE_MAX_PORTS, &n, err)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct probe_port *p = &out->ports[i];
		char buf[sizeof(p->name) + 1];
		size_t len;
		strcpy(p->dev, names[i]);
		/* A port without a name has an empty attribute. */
		if ((r = c2d_path_fmt(path, sizeof(path), err, "%s/%s/name", dir, names[i])) < 0 ||
		    (r = read_attr(path, buf, sizeof(buf), &len, err)) < 0)
			return r;
		if (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		if (len >= sizeof(p->name) || memchr(buf, '\0', len) != NULL)
			return c2d_fail(err, C2D_E_INPUT, "%s: bad port name", path);
		memcpy(p->name, buf, len + 1);
	}
	out->nports = n;
	return C2D_OK;
}

c2d_status probe_devices(const char *sysroot, struct probe_result *out,
			 struct c2d_err *err)
{
	char path[600];
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = probe_disks(sysroot, out, err)) < 0 ||
	    (r = probe_ports(sysroot, out, err)) < 0 ||
	    (r = c2d_path_fmt(path, sizeof(path), err, "%s/sys/devices/virtual/misc/tdx_guest", sysroot)) < 0)
		return r;
	out->tdx_guest = access(path, F_OK) == 0;
	return C2D_OK;
}

c2d_status probe_port_dev(const char *sysroot, const char *name, char dev[32],
			  struct c2d_err *err)
{
	struct probe_result p;
	memset(&p, 0, sizeof(p));
	int r = probe_ports(sysroot, &p, err);
	if (r < 0)
		return r;
	int i = probe_find_port(&p, name);
	if (i < 0)
		return c2d_fail(err, C2D_E_INPUT, "no virtio-serial port named %s", name);
	memcpy(dev, p.ports[i].dev, 32);
	return C2D_OK;
}

int probe_find_port(const struct probe_result *p, const char *name)
{
	for (size_t i = 0; i < p->nports; i++)
		if (strcmp(p->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}
