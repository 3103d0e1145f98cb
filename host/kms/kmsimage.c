/* Loading a served image: see kmsimage.h. */
#include "kmsimage.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "c2d/analysisconf.h"
#include "c2d/compose.h"
#include "c2d/digest.h"
#include "c2d/hex.h"
#include "cpio.h"
#include "fsutil.h"

#define MEASUREMENTS_MAX (1u << 20)
#define INITRD_MAX (64u << 20)

/* measurements.json's part `name` ({"sha256","sha384","size"}). */
static c2d_status part(json_t *root, const char *name, const char *path, struct c2d_digests *d,
		       struct c2d_err *err)
{
	json_t *p = json_object_get(root, name);
	const char *h256 = json_string_value(json_object_get(p, "sha256"));
	const char *h384 = json_string_value(json_object_get(p, "sha384"));
	json_t *size = json_object_get(p, "size");
	if (h256 == NULL || h384 == NULL || !json_is_integer(size) || json_integer_value(size) < 0 ||
	    c2d_hex_decode(h256, strlen(h256), d->sha256, sizeof(d->sha256), NULL) < 0 ||
	    c2d_hex_decode(h384, strlen(h384), d->sha384, sizeof(d->sha384), NULL) < 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: %s: not {\"sha256\",\"sha384\",\"size\"} of a measured file",
				path, name);
	d->size = (uint64_t)json_integer_value(size);
	return C2D_OK;
}

/* The compose-hash, recomputed from its parts, and the initrd's digests. */
static c2d_status measurements(const char *path, const char *buf, size_t len, uint8_t compose[32],
			       struct c2d_digests *initrd, struct c2d_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%d: %s", path, je.line, je.text);
	struct c2d_digests kernel, cmdline;
	const char *ch = json_string_value(json_object_get(root, "compose_hash"));
	uint8_t again[32];
	int r = C2D_OK;
	if (ch == NULL || c2d_hex_decode(ch, strlen(ch), compose, 32, NULL) < 0)
		r = c2d_fail(err, C2D_E_INPUT, "%s: compose_hash: not 64 hex digits", path);
	else if ((r = part(root, "kernel", path, &kernel, err)) == C2D_OK &&
		 (r = part(root, "cmdline", path, &cmdline, err)) == C2D_OK &&
		 (r = part(root, "initrd", path, initrd, err)) == C2D_OK) {
		c2d_compose_hash(&kernel, &cmdline, initrd, again);
		if (memcmp(again, compose, 32) != 0)
			r = c2d_fail(err, C2D_E_INPUT, "%s: compose_hash is not the hash of its kernel, cmdline "
				     "and initrd", path);
	}
	json_decref(root);
	return r;
}

/* The recipe inside the initramfs, which must be the measured one. */
static c2d_status conf_from_initrd(const char *path, const struct c2d_digests *want, struct c2d_aconf *c,
				   struct c2d_err *err)
{
	uint8_t *buf;
	size_t len, off = 0;
	struct c2d_digests got;
	struct cpio_entry e;
	int r = c2d_fs_read_file(path, INITRD_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	c2d_digest_buf(buf, len, &got);
	if (got.size != want->size || memcmp(got.sha384, want->sha384, sizeof(got.sha384)) != 0) {
		free(buf);
		return c2d_fail(err, C2D_E_INPUT, "%s: not the initrd that measurements.json measured", path);
	}
	/* mkimage writes member names without the leading slash. */
	while ((r = cpio_read_entry(buf, len, &off, &e, err)) == 1 && strcmp(e.name, C2D_ACONF_PATH + 1) != 0)
		;
	if (r == 1)
		r = c2d_aconf_parse(path, e.data, e.size, c, err);
	else if (r == 0)
		r = c2d_fail(err, C2D_E_INPUT, "%s: holds no %s", path, C2D_ACONF_PATH);
	else
		c2d_err_prefix(err, "%s", path);
	free(buf);
	return r;
}

c2d_status c2d_kmsimage_load(const char *dir, struct c2d_kms_image *im, struct c2d_err *err)
{
	char path[PATH_MAX];
	uint8_t *buf;
	size_t len;
	struct c2d_digests initrd;
	struct c2d_aconf conf;
	struct c2d_td_policy regs;
	struct stat st;
	memset(im, 0, sizeof(*im));
	if ((size_t)snprintf(path, sizeof(path), "%s/measurements.json", dir) >= sizeof(path) - 16)
		return c2d_fail(err, C2D_E_USAGE, "%s: path too long", dir);
	int r = c2d_fs_read_file(path, MEASUREMENTS_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	memset(&regs, 0, sizeof(regs));
	if ((r = measurements(path, (const char *)buf, len, im->compose_hash, &initrd, err)) == C2D_OK)
		r = c2d_tdpolicy_json_measurements(&regs, (const char *)buf, len, path, err);
	free(buf);
	if (r < 0)
		return r;
	for (int i = C2D_TDPOLICY_RTMR1; i <= C2D_TDPOLICY_RTMR2; i++)
		if (regs.reg_state[i] != C2D_TDPOLICY_PINNED)
			return c2d_fail(err, C2D_E_INPUT, "%s: tdx.%s: missing; the KMS needs the image's RTMR1 "
					"and RTMR2", path, i == C2D_TDPOLICY_RTMR1 ? "rtmr1" : "rtmr2");
	memcpy(im->reg_state, regs.reg_state, sizeof(im->reg_state));
	memcpy(im->reg, regs.reg, sizeof(im->reg));

	snprintf(path, sizeof(path), "%s/initrd.cpio", dir);
	if (stat(path, &st) == 0)
		r = conf_from_initrd(path, &initrd, &conf, err);
	else {
		snprintf(path, sizeof(path), "%s/analysis.conf", dir);
		r = c2d_aconf_load(path, &conf, err);
	}
	if (r < 0)
		return r;
	im->micro_eps = conf.eps_ueps;
	im->micro_rho = conf.rho_urho;
	return C2D_OK;
}
