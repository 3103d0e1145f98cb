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

#include "c2d/compose.h"
#include "c2d/digest.h"
#include "c2d/hex.h"
#include "bootpredict.h"
#include "cli.h"
#include "fsutil.h"
#include "jsonout.h"

/* The largest image part read, as the boot prediction reads them. */
#define MEASURE_FILE_MAX (UINT64_C(1) << 30)

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

struct tdx_opts {
	struct c2d_boot_files f;
	unsigned cpus;
};

static void put_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	char h[2 * 64 + 1];
	c2d_hex(p, n, h);
	json_object_set_new(o, key, json_string(h));
}

/* The "tdx" object of measurements.json. */
static int tdx_json(const char *dir, struct tdx_opts *o, json_t **out, struct c2d_err *err)
{
	static const char *const names[3] = { "bzImage", "initrd.cpio", "cmdline" };
	char path[3][PATH_MAX];
	for (int i = 0; i < 3; i++)
		if ((size_t)snprintf(path[i], sizeof(path[i]), "%s/%s", dir, names[i]) >= sizeof(path[i]))
			return c2d_fail(err, C2D_E_USAGE, "%s: path too long", dir);
	o->f.kernel = path[0];
	o->f.initrd = path[1];
	o->f.cmdline = path[2];
	struct c2d_boot_prediction p;
	int r = c2d_bootpredict_run(&o->f, &p, err);
	if (r < 0)
		return r;
	json_t *t = json_object();
	if (t == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	json_object_set_new(t, "memory", json_integer((json_int_t)o->f.memory));
	json_object_set_new(t, "qemu_header", json_string(o->f.header == C2D_QEMU_AS_IS ? "as-is" : "patched"));
	put_hex(t, "kernel_authenticode", p.kernel_authenticode, 48);
	put_hex(t, "cmdline_event", p.cmdline_event, 48);
	put_hex(t, "rtmr1", p.rtmr1, 48);
	put_hex(t, "rtmr2", p.rtmr2, 48);
	if (p.have_rtmr3) {
		put_hex(t, "init_sha256", p.init_sha256, 32);
		put_hex(t, "rtmr3", p.rtmr3, 48);
	} else {
		json_object_set_new(t, "rtmr3", json_null());
		json_object_set_new(t, "rtmr3_missing", json_string(p.rtmr3_missing));
	}
	if (p.have_mrtd) {
		json_object_set_new(t, "cpus", json_integer(o->cpus));
		json_object_set_new(t, "mrtd_order", json_string(o->f.order == C2D_MRTD_TWO_PASS ? "two-pass" : "single-pass"));
		put_hex(t, "mrtd", p.mrtd, 48);
		put_hex(t, "td_hob_event", p.td_hob_event, 48);
		put_hex(t, "cfv_event", p.cfv_event, 48);
		if (p.have_rtmr0) {
			put_hex(t, "rtmr0", p.rtmr0, 48);
		} else {
			json_object_set_new(t, "rtmr0", json_null());
			json_object_set_new(t, "rtmr0_missing", json_string(
				"the digests of QEMU's ACPI tables (--acpi)"));
		}
	}
	*out = t;
	return C2D_OK;
}

static json_t *part_json(const struct c2d_digests *d)
{
	char h256[2 * C2D_SHA256_LEN + 1], h384[2 * C2D_SHA384_LEN + 1];
	c2d_hex(d->sha256, sizeof(d->sha256), h256);
	c2d_hex(d->sha384, sizeof(d->sha384), h384);
	return json_pack("{s:s, s:s, s:I}", "sha256", h256, "sha384", h384,
			 "size", (json_int_t)d->size);
}

c2d_status c2d_cmd_measure(int argc, char **argv, struct c2d_err *err)
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
	struct tdx_opts tdx = { .f = { .memory = C2D_PREDICT_DEFAULT_MEMORY, .header = C2D_QEMU_PATCHED },
				.cpus = 1 };
	char *end;
	unsigned long n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json_out = 1; break;
		case 'o': out = optarg; break;
		case 'm':
			if (c2d_bootpredict_parse_size("--memory", optarg, &tdx.f.memory, err) < 0)
				return err->status;
			break;
		case 'q':
			if (strcmp(optarg, "patched") == 0)
				tdx.f.header = C2D_QEMU_PATCHED;
			else if (strcmp(optarg, "as-is") == 0)
				tdx.f.header = C2D_QEMU_AS_IS;
			else
				return c2d_fail(err, C2D_E_USAGE, "--qemu-header %s: patched or as-is", optarg);
			break;
		case 'f': tdx.f.firmware = optarg; break;
		case 'c':
			n = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end != '\0' || n > 4096)
				return c2d_fail(err, C2D_E_USAGE, "--cpus %s: 1 to 4096", optarg);
			tdx.cpus = (unsigned)n;
			break;
		case 'r':
			if (strcmp(optarg, "single-pass") == 0)
				tdx.f.order = C2D_MRTD_SINGLE_PASS;
			else if (strcmp(optarg, "two-pass") == 0)
				tdx.f.order = C2D_MRTD_TWO_PASS;
			else
				return c2d_fail(err, C2D_E_USAGE, "--mrtd-order %s: single-pass or two-pass", optarg);
			break;
		case 'a':
			if (c2d_bootpredict_parse_acpi("--acpi", optarg, &tdx.f.acpi, err) < 0)
				return err->status;
			tdx.f.have_acpi = 1;
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
		/* Read as an input file (fsutil.h), not by c2d_digest_file(),
		 * which is init's and opens whatever it is given. */
		uint8_t *buf;
		size_t len;
		if (c2d_fs_read_file(path, MEASURE_FILE_MAX, &buf, &len, err) < 0)
			return err->status;
		c2d_digest_buf(buf, len, &d[i]);
		free(buf);
	}

	char doc[C2D_COMPOSE_DOC_MAX], hash[2 * C2D_SHA256_LEN + 1];
	uint8_t ch[C2D_SHA256_LEN];
	c2d_compose_doc(&d[0], &d[1], &d[2], doc);
	c2d_compose_hash(&d[0], &d[1], &d[2], ch);
	c2d_hex(ch, sizeof(ch), hash);

	json_t *tj = NULL;
	if (tdx.f.firmware == NULL &&
	    (tdx.cpus != 1 || tdx.f.order != C2D_MRTD_SINGLE_PASS || tdx.f.have_acpi))
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
