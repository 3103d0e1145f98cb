/*
 * c2d measure: the measurements a verifier will expect of an image.
 *
 * Reads bzImage, cmdline and initrd.cpio from an image directory and writes
 * measurements.json beside them (atomically): the compose-hash, its
 * document, and SHA-256 and SHA-384 of each part. The TDX register
 * predictions (MRTD, RTMR0-2) will extend this same file.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/compose.h"
#include "c2d/digest.h"
#include "cli.h"
#include "jsonout.h"

static const char help[] =
	"usage: c2d measure [--json] [--out FILE] IMAGE_DIR\n"
	"\n"
	"Computes the compose-hash of the image in IMAGE_DIR (bzImage, cmdline,\n"
	"initrd.cpio) and writes IMAGE_DIR/measurements.json, or FILE.\n"
	"\n"
	"  --json      print the measurements as JSON on stdout\n"
	"  --out FILE  write the measurements there instead\n";

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
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int json_out = 0, c;
	const char *out = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json_out = 1; break;
		case 'o': out = optarg; break;
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

	json_t *root = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o}",
				 "c2d_measurements", 1,
				 "compose_hash", hash, "compose_document", doc,
				 "kernel", part_json(&d[0]), "cmdline", part_json(&d[1]),
				 "initrd", part_json(&d[2]));
	if (root == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	char dest[PATH_MAX];
	if (out == NULL) {
		if ((size_t)snprintf(dest, sizeof(dest), "%s/measurements.json", dir) >= sizeof(dest)) {
			json_decref(root);
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
			printf("written       %s\n", out);
		}
	}
	free(file);
	return r;
}
