/*
 * c2d-sealtool: test-only companion of `c2d seal`. Not part of the product:
 * the product never decrypts with the KMS key outside the KMS, and never
 * seals with fixed secrets.
 *
 *   c2d-sealtool unseal --kms-key FILE --in SEALED --out CSV [--impl auto|ct64|x86ni|vaes]
 *       the KMS's re-derivation plus the CVM's decryption, in one process:
 *       writes the rows back as canonical CSV, atomically (nothing at all
 *       when the file does not authenticate)
 *   c2d-sealtool vector --secrets HEX --owner ADDR --dataset-id HEX
 *                       --in CSV --schema FILE --recipe FILE --out SEALED [--chunk-size N]
 *       seals with fixed secrets (dataset key ‖ ephemeral key ‖ nonce prefix,
 *       71 bytes in hex) to produce reproducible test vectors
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c2d/bytes.h"
#include "c2d/hex.h"
#include "c2d/keywrap.h"
#include "c2d/unseal.h"
#include "fsutil.h"
#include "keyfile.h"
#include "recipefile.h"
#include "schemafile.h"
#include "sealer.h"
#include "values.h"

struct writer {
	FILE *f;
	int header_done;
};

/* CSV quoting for labels that need it. */
static void put_label(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int rows(void *arg, const struct c2d_schema *s, uint32_t n,
		const struct c2d_rg_col *cols, struct c2d_err *err)
{
	struct writer *w = arg;
	(void)err;
	if (!w->header_done) {
		for (uint32_t c = 0; c < s->ncols; c++)
			fprintf(w->f, "%s%s", c ? "," : "", s->cols[c].name);
		fputc('\n', w->f);
		w->header_done = 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t c = 0; c < s->ncols; c++) {
			const struct c2d_column *col = &s->cols[c];
			const uint8_t *d = cols[c].data;
			if (c)
				fputc(',', w->f);
			if (!c2d_rg_present(&cols[c], i))
				continue;
			switch (col->type) {
			case C2D_T_INT64:
				fprintf(w->f, "%lld", (long long)(int64_t)c2d_get_le64(d + 8 * (size_t)i));
				break;
			case C2D_T_FLOAT64: {
				uint64_t bits = c2d_get_le64(d + 8 * (size_t)i);
				double v;
				char buf[32];
				memcpy(&v, &bits, 8);
				c2d_values_format_float64(v, buf);
				fputs(buf, w->f);
				break;
			}
			case C2D_T_BOOL:
				fputs((d[i >> 3] >> (i & 7)) & 1 ? "true" : "false", w->f);
				break;
			case C2D_T_DATE: {
				char buf[16];
				c2d_values_format_date((int32_t)c2d_get_le32(d + 4 * (size_t)i), buf);
				fputs(buf, w->f);
				break;
			}
			case C2D_T_CATEGORY:
				put_label(w->f, col->cats[c2d_get_le16(d + 2 * (size_t)i)]);
				break;
			}
		}
		fputc('\n', w->f);
	}
	return C2D_OK;
}

static int cmd_unseal(int argc, char **argv, struct c2d_err *err)
{
	static const struct option opts[] = {
		{ "kms-key", required_argument, 0, 'k' }, { "in", required_argument, 0, 'i' },
		{ "out", required_argument, 0, 'o' }, { "impl", required_argument, 0, 'm' },
		{ 0, 0, 0, 0 },
	};
	const char *key = NULL, *in = NULL, *out = NULL;
	enum c2d_gcm_impl impl = C2D_GCM_AUTO;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'i': in = optarg; break;
		case 'o': out = optarg; break;
		case 'm':
			impl = strcmp(optarg, "ct64") == 0 ? C2D_GCM_CT64
			     : strcmp(optarg, "x86ni") == 0 ? C2D_GCM_X86NI
			     : strcmp(optarg, "vaes") == 0 ? C2D_GCM_VAES : C2D_GCM_AUTO;
			break;
		default: return c2d_fail(err, C2D_E_USAGE, "unseal: bad option");
		}
	}
	if (!key || !in || !out)
		return c2d_fail(err, C2D_E_USAGE, "unseal: --kms-key, --in and --out are required");
	secp256k1_context *ctx;
	int r = c2d_key_secp_context(&ctx, err);
	if (r < 0)
		return r;
	uint8_t sk[32], wrap[32], dk[32];
	struct c2d_seal_header h = { 0 };
	uint8_t *raw = NULL;
	struct c2d_tmp t = { .fd = -1 };
	FILE *f = NULL;
	int fd = open(in, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot open", in);
		goto out;
	}
	if ((r = c2d_key_read(ctx, key, sk, err)) < 0 ||
	    (r = c2d_unseal_header(fd, in, &h, &raw, err)) < 0)
		goto out;
	struct c2d_wrap_binding b = { &h.recipe, h.owner, h.dataset_id };
	if ((r = c2d_kw_derive_kms(ctx, &b, sk, h.ephemeral_pubkey, wrap, err)) < 0 ||
	    (r = c2d_kw_unwrap(wrap, h.wrapped_key, dk, err)) < 0) {
		c2d_err_prefix(err, "%s", in);
		goto out;
	}
	if ((r = c2d_fs_tmp_open(&t, out, err)) < 0)
		goto out;
	f = fdopen(t.fd, "w");
	if (f == NULL) {
		r = c2d_fail_errno(err, C2D_E_IO, "%s: fdopen", t.tmp);
		goto out;
	}
	struct writer w = { f, 0 };
	r = c2d_unseal_body(fd, in, &h, raw, dk, impl, 1, rows, &w, err);
	if (r == C2D_OK && !w.header_done)
		rows(&w, &h.schema, 0, NULL, err); /* an empty table: the header row alone */
	if (fflush(f) != 0 && r == C2D_OK)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: write failed", t.tmp);
	if (r == C2D_OK) {
		t.fd = dup(fileno(f));
		fclose(f);
		f = NULL;
		r = c2d_fs_tmp_commit(&t, 0600, err);
	}
out:
	if (f != NULL) {
		fclose(f);
		t.fd = -1;
	}
	if (t.tmp != NULL)
		c2d_fs_tmp_abort(&t);
	if (fd >= 0)
		close(fd);
	free(raw);
	c2d_sealhdr_free(&h);
	explicit_bzero(sk, sizeof(sk));
	explicit_bzero(wrap, sizeof(wrap));
	explicit_bzero(dk, sizeof(dk));
	secp256k1_context_destroy(ctx);
	return r;
}

static int cmd_vector(int argc, char **argv, struct c2d_err *err)
{
	static const struct option opts[] = {
		{ "secrets", required_argument, 0, 'x' }, { "owner", required_argument, 0, 'w' },
		{ "dataset-id", required_argument, 0, 'd' }, { "in", required_argument, 0, 'i' },
		{ "schema", required_argument, 0, 's' }, { "recipe", required_argument, 0, 'r' },
		{ "out", required_argument, 0, 'o' }, { "chunk-size", required_argument, 0, 'c' },
		{ 0, 0, 0, 0 },
	};
	const char *secrets = NULL, *owner = NULL, *dsid = NULL, *schema = NULL, *recipe = NULL;
	struct c2d_seal_params p = { .impl = C2D_GCM_AUTO };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'x': secrets = optarg; break;
		case 'w': owner = optarg; break;
		case 'd': dsid = optarg; break;
		case 'i': p.in = optarg; break;
		case 's': schema = optarg; break;
		case 'r': recipe = optarg; break;
		case 'o': p.out = optarg; break;
		case 'c': p.chunk_size = (uint32_t)strtoul(optarg, NULL, 10); break;
		default: return c2d_fail(err, C2D_E_USAGE, "vector: bad option");
		}
	}
	struct c2d_seal_secrets sec;
	uint8_t raw[71];
	if (!secrets || !owner || !dsid || !p.in || !schema || !recipe || !p.out ||
	    c2d_hex_decode(secrets, strlen(secrets), raw, sizeof(raw), err) < 0 ||
	    c2d_recipe_parse_address(owner, p.owner, err) < 0 ||
	    c2d_hex_decode(dsid, strlen(dsid), p.dataset_id, 32, err) < 0)
		return c2d_fail(err, C2D_E_USAGE, "vector: missing or malformed arguments");
	memcpy(sec.dataset_key, raw, 32);
	memcpy(sec.ephemeral_sk, raw + 32, 32);
	memcpy(sec.nonce_prefix, raw + 64, 7);
	struct c2d_recipe rc;
	struct c2d_schema s;
	int r;
	if ((r = c2d_recipe_load(recipe, &rc, err)) < 0 || (r = c2d_schemafile_load(schema, &s, err)) < 0)
		return r;
	p.recipe = &rc;
	p.schema = &s;
	secp256k1_context *ctx;
	struct c2d_seal_result res;
	if ((r = c2d_key_secp_context(&ctx, err)) == C2D_OK)
		r = c2d_sealer_seal(ctx, &p, &sec, &res, err);
	if (ctx)
		secp256k1_context_destroy(ctx);
	c2d_schema_free(&s);
	return r;
}

int main(int argc, char **argv)
{
	struct c2d_err err = { 0 };
	int r;
	if (argc >= 2 && strcmp(argv[1], "unseal") == 0)
		r = cmd_unseal(argc - 1, argv + 1, &err);
	else if (argc >= 2 && strcmp(argv[1], "vector") == 0)
		r = cmd_vector(argc - 1, argv + 1, &err);
	else
		r = c2d_fail(&err, C2D_E_USAGE, "usage: c2d-sealtool unseal|vector ...");
	if (r < 0)
		fprintf(stderr, "c2d-sealtool: %s\n", err.msg);
	return c2d_exit_code(r);
}
