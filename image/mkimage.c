/*
 * c2d-mkimage: assembles the parts of a c2d image that are not compiled.
 * Host-side build tool.
 *
 *   c2d-mkimage initramfs --spec FILE [--spec FILE]... --root DIR --epoch N --out FILE
 *   c2d-mkimage list FILE
 *   c2d-mkimage manifest --dir DIR --kernel-version V --lock FILE
 *   c2d-mkimage conf --analysis NAME FILE
 *
 * The initramfs is a newc archive whose bytes depend only on the specs and
 * the contents of the files it names: members sorted by path, inode numbers
 * assigned in that order from 1, owner 0:0, one link each, every mtime the
 * given epoch, modes taken from the spec (never from the file system, so the
 * builder's umask cannot leak in).
 *
 * Spec lines (one member each; '#' starts a comment):
 *   dir  PATH MODE
 *   file PATH MODE SOURCE        SOURCE is relative to --root
 *   nod  PATH MODE c|b MAJOR MINOR
 * Several specs make one archive, as if concatenated (the common members,
 * then an analysis's own); a path listed twice, in one spec or two, is
 * refused.
 *
 * conf checks an analysis configuration (c2d/analysisconf.h) and that it is
 * NAME's, before the build copies it into NAME's image, and prints its
 * analysis and totals.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "c2d/analysisconf.h"
#include "c2d/digest.h"
#include "c2d/err.h"
#include "cpio.h"
#include "fsutil.h"
#include "jsonout.h"

#define MAX_MEMBERS 256
#define MAX_FILE (64u << 20)
#define MAX_SPEC (64u << 10)
#define MAX_SPECS 8

struct member {
	char path[256];   /* without the leading '/' */
	uint32_t mode;
	uint32_t maj, min;
	char src[PATH_MAX];
	const char *spec; /* where it was listed, for messages */
	unsigned line;
	size_t order;     /* in the specs, as given */
};

static int parse_mode(const char *s, uint32_t *mode)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 8);
	if (errno != 0 || *end != '\0' || end == s || v > 07777)
		return -1;
	*mode = (uint32_t)v;
	return 0;
}

static int parse_num(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > 4095)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Absolute, no empty, "." or ".." components, no trailing slash. */
static int path_ok(const char *p)
{
	if (p[0] != '/' || p[1] == '\0')
		return 0;
	for (const char *c = p; *c != '\0';) {
		const char *s = c + 1, *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		c = s + n;
	}
	return 1;
}

/* By path; a path listed twice in the order listed, so that a duplicate
 * is reported against its first listing. */
static int cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c != 0 ? c : (x->order > y->order) - (x->order < y->order);
}

/* Appends spec's members to m[0..*count). */
static int parse_spec(const char *spec, const char *text, struct member *m,
		      size_t *count, struct c2d_err *err)
{
	size_t n = *count;
	unsigned line = 0;
	const char *p = text;

	while (*p != '\0') {
		char buf[1024];
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		line++;
		if (len >= sizeof(buf))
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: line too long", spec, line);
		memcpy(buf, p, len);
		buf[len] = '\0';
		p += len + (nl != NULL);
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';

		char *tok[7];
		int nt = 0;
		for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t != NULL;
		     t = strtok_r(NULL, " \t", &save)) {
			if (nt == 7)
				return c2d_fail(err, C2D_E_INPUT, "%s:%u: too many fields", spec, line);
			tok[nt++] = t;
		}
		if (nt == 0)
			continue;
		if (n == MAX_MEMBERS)
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: more than %d members",
					spec, line, MAX_MEMBERS);
		struct member *e = &m[n];
		memset(e, 0, sizeof(*e));
		e->spec = spec;
		e->line = line;
		e->order = n;
		int want;
		uint32_t type;
		if (strcmp(tok[0], "dir") == 0) {
			want = 3; type = S_IFDIR;
		} else if (strcmp(tok[0], "file") == 0) {
			want = 4; type = S_IFREG;
		} else if (strcmp(tok[0], "nod") == 0) {
			want = 6; type = 0;
		} else {
			return c2d_fail(err, C2D_E_INPUT,
					"%s:%u: expected dir, file or nod, found '%s'",
					spec, line, tok[0]);
		}
		if (nt != want)
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: '%s' takes %d fields, found %d",
					spec, line, tok[0], want, nt);
		if (!path_ok(tok[1]) || strlen(tok[1]) >= sizeof(e->path) + 1)
			return c2d_fail(err, C2D_E_INPUT,
					"%s:%u: '%s' is not a clean absolute path", spec, line, tok[1]);
		memcpy(e->path, tok[1] + 1, strlen(tok[1]));
		if (parse_mode(tok[2], &e->mode) < 0)
			return c2d_fail(err, C2D_E_INPUT,
					"%s:%u: expected an octal mode, found '%s'", spec, line, tok[2]);
		if (type == S_IFREG) {
			if (strlen(tok[3]) >= sizeof(e->src))
				return c2d_fail(err, C2D_E_INPUT, "%s:%u: source path too long", spec, line);
			strcpy(e->src, tok[3]);
		}
		if (type == 0) {
			if (strcmp(tok[3], "c") == 0)
				type = S_IFCHR;
			else if (strcmp(tok[3], "b") == 0)
				type = S_IFBLK;
			else
				return c2d_fail(err, C2D_E_INPUT,
						"%s:%u: expected c or b, found '%s'", spec, line, tok[3]);
			if (parse_num(tok[4], &e->maj) < 0 || parse_num(tok[5], &e->min) < 0)
				return c2d_fail(err, C2D_E_INPUT,
						"%s:%u: bad device numbers", spec, line);
		}
		e->mode |= type;
		n++;
	}
	*count = n;
	return C2D_OK;
}

/* Sorts the members of every spec and checks them as one archive. */
static int check_members(struct member *m, size_t n, struct c2d_err *err)
{
	qsort(m, n, sizeof(*m), cmp_member);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(m[i].path, m[i - 1].path) == 0)
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: /%s listed twice (first at %s:%u)",
					m[i].spec, m[i].line, m[i].path, m[i - 1].spec, m[i - 1].line);
		/* The kernel creates members in archive order: a parent must
		 * already exist as a directory. Sorting puts it first. */
		char *slash = strrchr(m[i].path, '/');
		if (slash == NULL)
			continue;
		size_t plen = (size_t)(slash - m[i].path);
		int found = 0;
		for (size_t j = 0; j < i; j++)
			if (strlen(m[j].path) == plen && memcmp(m[j].path, m[i].path, plen) == 0 &&
			    S_ISDIR(m[j].mode))
				found = 1;
		if (!found)
			return c2d_fail(err, C2D_E_INPUT, "%s:%u: parent directory of /%s is not listed",
					m[i].spec, m[i].line, m[i].path);
	}
	return C2D_OK;
}

static int cmd_initramfs(int argc, char **argv, struct c2d_err *err)
{
	const char *specs[MAX_SPECS], *root = NULL, *out = NULL, *epoch_s = NULL;
	size_t nspecs = 0;
	static const struct option opts[] = {
		{ "spec", required_argument, 0, 's' }, { "root", required_argument, 0, 'r' },
		{ "epoch", required_argument, 0, 'e' }, { "out", required_argument, 0, 'o' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nspecs == MAX_SPECS)
				return c2d_fail(err, C2D_E_USAGE, "initramfs: at most %d --spec", MAX_SPECS);
			specs[nspecs++] = optarg;
			break;
		case 'r': root = optarg; break;
		case 'e': epoch_s = optarg; break;
		case 'o': out = optarg; break;
		default: return c2d_fail(err, C2D_E_USAGE, "initramfs: bad option");
		}
	}
	if (nspecs == 0 || !root || !out || !epoch_s || optind != argc)
		return c2d_fail(err, C2D_E_USAGE,
				"usage: c2d-mkimage initramfs --spec FILE [--spec FILE]... --root DIR --epoch N --out FILE");
	char *end;
	errno = 0;
	unsigned long long epoch = strtoull(epoch_s, &end, 10);
	if (errno != 0 || *end != '\0' || epoch > UINT32_MAX)
		return c2d_fail(err, C2D_E_USAGE, "--epoch: expected seconds since 1970, found '%s'", epoch_s);

	struct member *m = calloc(MAX_MEMBERS, sizeof(*m));
	size_t n = 0;
	int r = C2D_OK;
	if (m == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "initramfs: out of memory");
	for (size_t i = 0; i < nspecs && r == C2D_OK; i++) {
		uint8_t *text = NULL;
		size_t tlen;
		if ((r = c2d_fs_read_file(specs[i], MAX_SPEC, &text, &tlen, err)) == C2D_OK)
			r = parse_spec(specs[i], (const char *)text, m, &n, err);
		free(text);
	}
	if (r == C2D_OK)
		r = check_members(m, n, err);
	if (r < 0) {
		free(m);
		return r;
	}

	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	if (f == NULL) {
		free(m);
		return c2d_fail_errno(err, C2D_E_NOMEM, "open_memstream");
	}
	for (size_t i = 0; i < n && r == C2D_OK; i++) {
		uint8_t *data = NULL;
		size_t size = 0;
		if (S_ISREG(m[i].mode)) {
			char src[2 * PATH_MAX];
			snprintf(src, sizeof(src), "%s/%s", root, m[i].src);
			r = c2d_fs_read_file(src, MAX_FILE, &data, &size, err);
			if (r < 0) {
				c2d_err_prefix(err, "%s:%u", m[i].spec, m[i].line);
				break;
			}
		}
		struct cpio_entry e = {
			.name = m[i].path, .ino = (uint32_t)(i + 1), .mode = m[i].mode,
			.nlink = S_ISDIR(m[i].mode) ? 2 : 1, .mtime = (uint32_t)epoch,
			.rdev_major = m[i].maj, .rdev_minor = m[i].min,
			.data = data, .size = size,
		};
		r = cpio_write_entry(f, &e, err);
		free(data);
	}
	if (r == C2D_OK)
		r = cpio_write_trailer(f, err);
	if (fclose(f) != 0 && r == C2D_OK)
		r = c2d_fail_errno(err, C2D_E_IO, "open_memstream");
	if (r == C2D_OK)
		r = c2d_fs_write_atomic(out, buf, blen, 0644, err);
	free(buf);
	free(m);
	return r;
}

static int cmd_list(int argc, char **argv, struct c2d_err *err)
{
	if (argc != 2)
		return c2d_fail(err, C2D_E_USAGE, "usage: c2d-mkimage list FILE");
	uint8_t *buf;
	size_t len, off = 0;
	int r = c2d_fs_read_file(argv[1], 1u << 30, &buf, &len, err);
	if (r < 0)
		return r;
	struct cpio_entry e;
	while ((r = cpio_read_entry(buf, len, &off, &e, err)) == 1) {
		uint8_t d[C2D_SHA256_LEN];
		char hex[2 * C2D_SHA256_LEN + 1] = "-";
		if (S_ISREG(e.mode)) {
			c2d_digest_sha256(e.data, e.size, d);
			c2d_hex(d, sizeof(d), hex);
		}
		printf("%06o %u:%u nlink=%u mtime=%u ino=%u dev=%u,%u size=%zu sha256=%s /%s\n",
		       (unsigned)e.mode, (unsigned)e.uid, (unsigned)e.gid, (unsigned)e.nlink,
		       (unsigned)e.mtime, (unsigned)e.ino, (unsigned)e.rdev_major,
		       (unsigned)e.rdev_minor, e.size, hex, e.name);
	}
	if (r < 0)
		c2d_err_prefix(err, "%s", argv[1]);
	free(buf);
	return r < 0 ? r : C2D_OK;
}

static json_t *file_json(const char *dir, const char *name, struct c2d_err *err)
{
	char path[PATH_MAX];
	struct c2d_digests d;
	char hex[2 * C2D_SHA256_LEN + 1];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (c2d_digest_file(path, &d, err) < 0)
		return NULL;
	c2d_hex(d.sha256, sizeof(d.sha256), hex);
	return json_pack("{s:s, s:I}", "sha256", hex, "size", (json_int_t)d.size);
}

static int cmd_manifest(int argc, char **argv, struct c2d_err *err)
{
	const char *dir = NULL, *kver = NULL, *lock = NULL;
	static const struct option opts[] = {
		{ "dir", required_argument, 0, 'd' },
		{ "kernel-version", required_argument, 0, 'k' },
		{ "lock", required_argument, 0, 'l' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'k': kver = optarg; break;
		case 'l': lock = optarg; break;
		default: return c2d_fail(err, C2D_E_USAGE, "manifest: bad option");
		}
	}
	if (!dir || !kver || !lock || optind != argc)
		return c2d_fail(err, C2D_E_USAGE,
				"usage: c2d-mkimage manifest --dir DIR --kernel-version V --lock FILE");
	struct c2d_digests ld;
	if (c2d_digest_file(lock, &ld, err) < 0)
		return err->status;
	char lhex[2 * C2D_SHA256_LEN + 1];
	c2d_hex(ld.sha256, sizeof(ld.sha256), lhex);

	static const char *const names[] = { "bzImage", "cmdline", "initrd.cpio" };
	json_t *files = json_object();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *f = file_json(dir, names[i], err);
		if (f == NULL) {
			json_decref(files);
			return err->status;
		}
		json_object_set_new(files, names[i], f);
	}
	json_t *root = json_pack("{s:i, s:s, s:s, s:o}", "c2d_image_manifest", 1,
				 "kernel_version", kver, "inputs_lock_sha256", lhex,
				 "files", files);
	if (root == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "manifest: out of memory");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/image.json", dir);
	int r = c2d_json_write(path, root, NULL, err);
	json_decref(root);
	return r;
}

static int cmd_conf(int argc, char **argv, struct c2d_err *err)
{
	const char *analysis = NULL;
	static const struct option opts[] = {
		{ "analysis", required_argument, 0, 'a' },
		{ 0, 0, 0, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'a')
			return c2d_fail(err, C2D_E_USAGE, "conf: bad option");
		analysis = optarg;
	}
	if (analysis == NULL || optind != argc - 1)
		return c2d_fail(err, C2D_E_USAGE, "usage: c2d-mkimage conf --analysis NAME FILE");
	const char *path = argv[optind];
	struct c2d_aconf a;
	int r = c2d_aconf_load(path, &a, err);
	if (r < 0)
		return r;
	if (strcmp(a.analysis, analysis) != 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: analysis %s, but this is the %s image's", path,
				a.analysis, analysis);
	char eps[C2D_ACONF_DEC_LEN], rho[C2D_ACONF_DEC_LEN];
	c2d_aconf_fmt_micro(a.eps_ueps, eps);
	c2d_aconf_fmt_micro(a.rho_urho, rho);
	printf("%s: analysis %s, epsilon %s, rho %s\n", path, a.analysis, eps, rho);
	return C2D_OK;
}

int main(int argc, char **argv)
{
	struct c2d_err err = { 0 };
	int r;
	if (argc < 2) {
		fprintf(stderr, "usage: c2d-mkimage initramfs|list|manifest|conf ...\n");
		return 2;
	}
	if (strcmp(argv[1], "initramfs") == 0)
		r = cmd_initramfs(argc - 1, argv + 1, &err);
	else if (strcmp(argv[1], "list") == 0)
		r = cmd_list(argc - 1, argv + 1, &err);
	else if (strcmp(argv[1], "manifest") == 0)
		r = cmd_manifest(argc - 1, argv + 1, &err);
	else if (strcmp(argv[1], "conf") == 0)
		r = cmd_conf(argc - 1, argv + 1, &err);
	else
		r = c2d_fail(&err, C2D_E_USAGE, "unknown command '%s'", argv[1]);
	if (r < 0)
		fprintf(stderr, "c2d-mkimage: %s\n", err.msg);
	return c2d_exit_code(r);
}
