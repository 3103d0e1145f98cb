/*
 * c2d measure: the measurements a verifier will expect of an image.
 *
 * Reads bzImage, cmdline and initrd.cpio from an image directory and writes
 * measurements.json beside them (atomically): the compose-hash, its
 * document, SHA-256 and SHA-384 of each part, and under "tdx" the TDX
 * registers a guest booted from these parts by QEMU and TDVF will show
 * (c2d/tdxmeasure.h): RTMR1 and RTMR2 always, MRTD and RTMR0 when the
 * firmware is named (RTMR0 only with the digests of QEMU's ACPI tables,
 * which depend on the whole VM and are not computed here), and RTMR3 as
 * init leaves it after its boot events (c2d/bootevents.h), from the /init
 * that the initrd carries.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/bootevents.h"
#include "c2d/compose.h"
#include "c2d/digest.h"
#include "c2d/hex.h"
#include "c2d/tdxmeasure.h"
#include "cli.h"
#include "cpio.h"
#include "fsutil.h"
#include "jsonout.h"

static const char help[] =
	"usage: c2d measure [--json] [--out FILE] [--memory SIZE] [--qemu-header MODE]\n"
	"                   [--firmware TDVF.fd [--cpus N] [--mrtd-order ORDER]\n"
	"                    [--acpi LOADER,RSDP,TABLES]] IMAGE_DIR\n"
	"\n"
	"Computes the compose-hash of the image in IMAGE_DIR (bzImage, cmdline,\n"
	"initrd.cpio) and the TDX registers of a guest QEMU boots from it, and\n"
	"writes IMAGE_DIR/measurements.json, or FILE.\n"
	"\n"
	"  --json              print the measurements as JSON on stdout\n"
	"  --out FILE          write the measurements there instead\n"
	"  --memory SIZE       guest RAM, bytes or with K, M, G suffix (default 2G)\n"
	"  --qemu-header MODE  patched: QEMU 8.0-10.1 writes the kernel's setup header\n"
	"                      (default); as-is: QEMU 10.2 and later\n"
	"  --firmware FILE     TDVF (OVMF for TDX) image: adds mrtd and rtmr0\n"
	"  --cpus N            vCPUs (default 1; recorded, only QEMU's ACPI tables use it)\n"
	"  --mrtd-order ORDER  single-pass (upstream KVM, QEMU 9+; default) or two-pass\n"
	"                      (QEMU/KVM 8.x TDX trees)\n"
	"  --acpi L,R,T        SHA-384 digests (hex) of QEMU's etc/table-loader,\n"
	"                      etc/acpi/rsdp and etc/acpi/tables for this VM shape,\n"
	"                      as a reference boot's RTMR0 event log records them\n";

#define DEFAULT_MEMORY (UINT64_C(2) << 30)
#define MAX_PART (UINT64_C(1) << 30)

struct tdx_opts {
	uint64_t memory;
	enum c2d_qemu_kernel header;
	const char *firmware;
	unsigned cpus;
	enum c2d_mrtd_order order;
	int have_acpi;
	struct c2d_rtmr0_parts parts;
};

/* SIZE: decimal bytes, or K, M, G (binary multiples). */
static int parse_size(const char *s, uint64_t *out, struct c2d_err *err)
{
	char *end;
	if (*s < '0' || *s > '9')
		return c2d_fail(err, C2D_E_USAGE, "--memory %s: not a size", s);
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (*end == 'K' || *end == 'k') shift = 10, end++;
	else if (*end == 'M' || *end == 'm') shift = 20, end++;
	else if (*end == 'G' || *end == 'g') shift = 30, end++;
	if (*end != '\0' || v == 0 || v > (UINT64_MAX >> 30))
		return c2d_fail(err, C2D_E_USAGE, "--memory %s: not a size", s);
	*out = (uint64_t)v << shift;
	return C2D_OK;
}

static int parse_acpi(const char *s, struct c2d_rtmr0_parts *p, struct c2d_err *err)
{
	uint8_t *dst[3] = { p->acpi_loader, p->acpi_rsdp, p->acpi_tables };
	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(s, ",");
		if (n != 2 * C2D_TDX_MR_LEN || c2d_unhex(s, n, dst[i], C2D_TDX_MR_LEN) != 0 ||
		    (i < 2 && s[n] != ',') || (i == 2 && s[n] != '\0'))
			return c2d_fail(err, C2D_E_USAGE, "--acpi: three comma-separated 96-digit hex digests expected");
		s += n + 1;
	}
	return C2D_OK;
}

static void put_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	char h[2 * 64 + 1];
	c2d_hex(p, n, h);
	json_object_set_new(o, key, json_string(h));
}

/* Reads IMAGE_DIR/name into a malloc'd buffer. */
static int read_part(const char *dir, const char *name, uint8_t **data, size_t *len,
		     struct c2d_err *err)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return c2d_fail(err, C2D_E_USAGE, "%s: path too long", dir);
	return c2d_read_file(path, MAX_PART, data, len, err);
}

/*
 * The SHA-256 of /init as the kernel unpacks initrd: the last member named
 * "init" (a later member replaces an earlier one), which must be a regular
 * file. Only what the kernel could unpack identically is accepted: one
 * uncompressed newc archive, nothing but zero padding after its trailer
 * (a second archive there could replace /init).
 */
static int initrd_init_sha256(const uint8_t *initrd, size_t len, uint8_t out[32],
			      struct c2d_err *err)
{
	struct cpio_entry e;
	size_t off = 0;
	int found = 0, r;
	while ((r = cpio_read_entry(initrd, len, &off, &e, err)) == 1) {
		if (strcmp(e.name, "init") != 0)
			continue;
		if ((e.mode & 0170000) != 0100000)
			return c2d_fail(err, C2D_E_INPUT, "initrd.cpio: init is not a regular file (mode %o)",
					(unsigned)e.mode);
		c2d_sha256(e.data, e.size, out);
		found = 1;
	}
	if (r < 0) {
		c2d_err_prefix(err, "initrd.cpio");
		return r;
	}
	for (size_t at = (size_t)(e.data - initrd) + e.size; at < len; at++)
		if (initrd[at] != 0)
			return c2d_fail(err, C2D_E_INPUT, "initrd.cpio: offset %zu: data after the trailer", at);
	if (!found)
		return c2d_fail(err, C2D_E_INPUT, "initrd.cpio: no /init");
	return C2D_OK;
}

/* "rtmr3" after init's boot events, or null and why. */
static void rtmr3_json(json_t *t, const uint8_t *initrd, size_t ilen)
{
	uint8_t sha[32], rtmr3[48];
	struct c2d_err e = { 0 };
	if (initrd_init_sha256(initrd, ilen, sha, &e) < 0) {
		json_object_set_new(t, "rtmr3", json_null());
		json_object_set_new(t, "rtmr3_missing", json_string(e.msg));
		return;
	}
	c2d_boot_rtmr3(sha, rtmr3);
	put_hex(t, "init_sha256", sha, 32);
	put_hex(t, "rtmr3", rtmr3, 48);
}

/* The "tdx" object of measurements.json. */
static int tdx_json(const char *dir, const struct tdx_opts *o, json_t **out,
		    struct c2d_err *err)
{
	uint8_t *kernel = NULL, *initrd = NULL, *cmd = NULL, *fw = NULL;
	size_t klen, ilen, clen, flen;
	char *cmdline = NULL;
	json_t *t = NULL;
	int r;
	if ((r = read_part(dir, "bzImage", &kernel, &klen, err)) < 0 ||
	    (r = read_part(dir, "initrd.cpio", &initrd, &ilen, err)) < 0 ||
	    (r = read_part(dir, "cmdline", &cmd, &clen, err)) < 0)
		goto out;
	if (memchr(cmd, '\0', clen) != NULL) {
		r = c2d_fail(err, C2D_E_INPUT, "%s/cmdline: contains a NUL byte", dir);
		goto out;
	}
	if ((cmdline = malloc(clen + 1)) == NULL) {
		r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(cmdline, cmd, clen);
	cmdline[clen] = '\0';
	uint8_t rtmr1[48], rtmr2[48], auth[48], cmdd[48];
	if ((r = c2d_predict_rtmr12(kernel, klen, initrd, ilen, cmdline, o->memory, o->header,
				    rtmr1, rtmr2, auth, err)) < 0) {
		c2d_err_prefix(err, "%s", dir);
		goto out;
	}
	c2d_tdx_cmdline_digest(cmdline, 1, cmdd);
	t = json_object();
	json_object_set_new(t, "memory", json_integer((json_int_t)o->memory));
	json_object_set_new(t, "qemu_header", json_string(o->header == C2D_QEMU_AS_IS ? "as-is" : "patched"));
	put_hex(t, "kernel_authenticode", auth, 48);
	put_hex(t, "cmdline_event", cmdd, 48);
	put_hex(t, "rtmr1", rtmr1, 48);
	put_hex(t, "rtmr2", rtmr2, 48);
	rtmr3_json(t, initrd, ilen);
	if (o->firmware != NULL) {
		struct c2d_tdvf tdvf;
		struct c2d_rtmr0_parts parts = o->parts;
		uint8_t mrtd[48], rtmr0[48];
		if ((r = c2d_read_file(o->firmware, MAX_PART, &fw, &flen, err)) < 0)
			goto out;
		if ((r = c2d_tdvf_parse(fw, flen, &tdvf, err)) < 0 ||
		    (r = c2d_tdx_td_hob_digest(&tdvf, o->memory, parts.td_hob, err)) < 0 ||
		    (r = c2d_tdvf_cfv_digest(&tdvf, fw, parts.cfv, err)) < 0) {
			c2d_err_prefix(err, "%s", o->firmware);
			goto out;
		}
		c2d_tdvf_mrtd(&tdvf, fw, o->order, mrtd);
		json_object_set_new(t, "cpus", json_integer(o->cpus));
		json_object_set_new(t, "mrtd_order", json_string(o->order == C2D_MRTD_TWO_PASS ? "two-pass" : "single-pass"));
		put_hex(t, "mrtd", mrtd, 48);
		put_hex(t, "td_hob_event", parts.td_hob, 48);
		put_hex(t, "cfv_event", parts.cfv, 48);
		if (o->have_acpi) {
			c2d_rtmr0_from_parts(&parts, rtmr0);
			put_hex(t, "rtmr0", rtmr0, 48);
		} else {
			json_object_set_new(t, "rtmr0", json_null());
			json_object_set_new(t, "rtmr0_missing", json_string(
				"the digests of QEMU's ACPI tables (--acpi)"));
		}
	}
	*out = t;
	t = NULL;
	r = C2D_OK;
out:
	json_decref(t);
	free(kernel);
	free(initrd);
	free(cmd);
	free(cmdline);
	free(fw);
	return r;
}

static json_t *part_json(const struct c2d_digests *d)
{
	char h256[2 * C2D_SHA256_LEN + 1], h384[2 * C2D_SHA384_LEN + 1];
	c2d_hex(d->sha256, sizeof(d->sha256), h256);
	c2d_hex(d->sha384, sizeof(d->sha384), h384);
	return json_pack("{s:s, s:s, s:I}", "sha256", h256, "sha384", h384,
			 "size", (json_int_t)d->size);
}

int c2d_cmd_measure(int argc, char **argv, struct c2d_err *err)
{
	static const struct option opts[] = {
		{ "json", no_argument, 0, 'j' },
		{ "out", required_argument, 0, 'o' },
		{ "memory", required_argument, 0, 'm' },
		{ "qemu-header", required_argument, 0, 'q' },
		{ "firmware", required_argument, 0, 'f' },
		{ "cpus", required_argument, 0, 'c' },
		{ "mrtd-order", required_argument, 0, 'r' },
		{ "acpi", required_argument, 0, 'a' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int json_out = 0, c;
	const char *out = NULL;
	struct tdx_opts tdx = { .memory = DEFAULT_MEMORY, .header = C2D_QEMU_PATCHED, .cpus = 1 };
	char *end;
	unsigned long n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json_out = 1; break;
		case 'o': out = optarg; break;
		case 'm':
			if (parse_size(optarg, &tdx.memory, err) < 0)
				return err->status;
			break;
		case 'q':
			if (strcmp(optarg, "patched") == 0)
				tdx.header = C2D_QEMU_PATCHED;
			else if (strcmp(optarg, "as-is") == 0)
				tdx.header = C2D_QEMU_AS_IS;
			else
				return c2d_fail(err, C2D_E_USAGE, "--qemu-header %s: patched or as-is", optarg);
			break;
		case 'f': tdx.firmware = optarg; break;
		case 'c':
			n = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end != '\0' || n > 4096)
				return c2d_fail(err, C2D_E_USAGE, "--cpus %s: 1 to 4096", optarg);
			tdx.cpus = (unsigned)n;
			break;
		case 'r':
			if (strcmp(optarg, "single-pass") == 0)
				tdx.order = C2D_MRTD_SINGLE_PASS;
			else if (strcmp(optarg, "two-pass") == 0)
				tdx.order = C2D_MRTD_TWO_PASS;
			else
				return c2d_fail(err, C2D_E_USAGE, "--mrtd-order %s: single-pass or two-pass", optarg);
			break;
		case 'a':
			if (parse_acpi(optarg, &tdx.parts, err) < 0)
				return err->status;
			tdx.have_acpi = 1;
			break;
		case 'h': fputs(help, stdout); return C2D_OK;
		default: return c2d_fail(err, C2D_E_USAGE, "see 'c2d measure --help'");
		}
	}
	if (optind != argc - 1)
		return c2d_fail(err, C2D_E_USAGE, "expected one image directory; see 'c2d measure --help'");
	const char *dir = argv[optind];

	static const char *const names[3] = { "bzImage", "cmdline", "initrd.cpio" };
	struct c2d_digests d[3];
	for (int i = 0; i < 3; i++) {
		char path[PATH_MAX];
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path))
			return c2d_fail(err, C2D_E_USAGE, "%s: path too long", dir);
		if (c2d_digest_file(path, &d[i], err) < 0)
			return err->status;
	}

	char doc[C2D_COMPOSE_DOC_MAX], hash[2 * C2D_SHA256_LEN + 1];
	uint8_t ch[C2D_SHA256_LEN];
	c2d_compose_doc(&d[0], &d[1], &d[2], doc);
	c2d_compose_hash(&d[0], &d[1], &d[2], ch);
	c2d_hex(ch, sizeof(ch), hash);

	json_t *tj;
	if (tdx.firmware == NULL && (tdx.cpus != 1 || tdx.order != C2D_MRTD_SINGLE_PASS || tdx.have_acpi))
		return c2d_fail(err, C2D_E_USAGE, "--cpus, --mrtd-order and --acpi need --firmware");
	if (tdx_json(dir, &tdx, &tj, err) < 0)
		return err->status;
	json_incref(tj);  /* kept for the summary below */
	json_t *root = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o}",
				 "c2d_measurements", 1,
				 "compose_hash", hash, "compose_document", doc,
				 "kernel", part_json(&d[0]), "cmdline", part_json(&d[1]),
				 "initrd", part_json(&d[2]));
	if (root != NULL && json_object_set_new(root, "tdx", tj) != 0) {
		json_decref(root);
		root = NULL;
	} else if (root == NULL) {
		json_decref(tj);
	}
	if (root == NULL) {
		json_decref(tj);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	char dest[PATH_MAX];
	if (out == NULL) {
		if ((size_t)snprintf(dest, sizeof(dest), "%s/measurements.json", dir) >= sizeof(dest)) {
			json_decref(root);
			json_decref(tj);
			return c2d_fail(err, C2D_E_USAGE, "%s: path too long", dir);
		}
		out = dest;
	}
	char *file = NULL;
	int r = c2d_json_write(out, root, &file, err);
	json_decref(root);
	if (r == C2D_OK) {
		if (json_out)
			fputs(file, stdout);
		else {
			printf("compose-hash  %s\n", hash);
			for (int i = 0; i < 3; i++) {
				char h[2 * C2D_SHA256_LEN + 1];
				c2d_hex(d[i].sha256, sizeof(d[i].sha256), h);
				printf("%-13s sha256:%s  %llu bytes\n", names[i], h,
				       (unsigned long long)d[i].size);
			}
			static const char *const regs[] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
			for (int i = 0; i < 5; i++) {
				const char *v = json_string_value(json_object_get(tj, regs[i]));
				if (v != NULL)
					printf("%-13s %s\n", regs[i], v);
			}
			printf("written       %s\n", out);
		}
	}
	free(file);
	json_decref(tj);
	return r;
}
