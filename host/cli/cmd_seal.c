/*
 * The owner's commands: c2d keygen, c2d recipe, c2d seal, c2d inspect.
 * Runs next to the data, outside the CVM.
 */
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "c2d/hex.h"
#include "c2d/keywrap.h"
#include "c2d/random.h"
#include "c2d/unseal.h"
#include "cli.h"
#include "fsutil.h"
#include "jsonout.h"
#include "keyfile.h"
#include "recipefile.h"
#include "schemafile.h"
#include "sealer.h"
#include "values.h"

/* Parses argv with opts; returns 1 when --help was printed. */
static int parse_help(int argc, char **argv, const char *help)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return 1;
		}
	return 0;
}

/* ---- keygen ---------------------------------------------------------- */

static const char keygen_help[] =
	"usage: c2d keygen --out FILE\n"
	"\n"
	"Creates a secp256k1 secret key in FILE (64 hex digits, mode 0600; an\n"
	"existing file is never overwritten) and its compressed public key in\n"
	"FILE.pub. Prints the public key.\n";

c2d_status c2d_cmd_seal_keygen(int argc, char **argv, struct c2d_err *err)
{
	static const struct option opts[] = { { "out", required_argument, 0, 'o' }, { 0, 0, 0, 0 } };
	const char *out = NULL;
	int c;
	if (parse_help(argc, argv, keygen_help))
		return C2D_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'o')
			return c2d_fail(err, C2D_E_USAGE, "see 'c2d keygen --help'");
		out = optarg;
	}
	if (out == NULL || optind != argc)
		return c2d_fail(err, C2D_E_USAGE, "--out FILE is required; see 'c2d keygen --help'");
	char pubpath[PATH_MAX];
	if ((size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", out) >= sizeof(pubpath))
		return c2d_fail(err, C2D_E_USAGE, "%s: path too long", out);
	if (access(out, F_OK) == 0 || access(pubpath, F_OK) == 0)
		return c2d_fail(err, C2D_E_USAGE, "%s: already exists; refusing to overwrite",
				access(out, F_OK) == 0 ? out : pubpath);

	secp256k1_context *ctx;
	int r = c2d_key_secp_context(&ctx, err);
	if (r < 0)
		return r;
	uint8_t sk[32], pub[C2D_PUBKEY_LEN];
	char hex[2 * C2D_PUBKEY_LEN + 2];
	if ((r = c2d_key_generate(ctx, sk, err)) == C2D_OK &&
	    (r = c2d_kw_pubkey(ctx, sk, pub, err)) == C2D_OK &&
	    (r = c2d_key_write(out, sk, err)) == C2D_OK) {
		c2d_hex(pub, sizeof(pub), hex);
		size_t n = strlen(hex);
		hex[n] = '\n';
		if ((r = c2d_fs_write_atomic(pubpath, hex, n + 1, 0644, err)) < 0)
			unlink(out);
		else
			printf("%.*s\n", (int)n, hex);
	}
	explicit_bzero(sk, sizeof(sk));
	secp256k1_context_destroy(ctx);
	return r;
}

/* ---- recipe ---------------------------------------------------------- */

static const char recipe_help[] =
	"usage: c2d recipe --measurements FILE --kms-pub HEX|FILE --app ADDRESS --out FILE\n"
	"\n"
	"Writes the recipe owners seal to: the KMS public key, the app's contract\n"
	"address and the compose-hash from an image's measurements.json.\n";

/* A public key given inline, or as a file holding it (keygen's FILE.pub). */
static int read_pub(const char *arg, uint8_t pub[C2D_PUBKEY_LEN], struct c2d_err *err)
{
	if (c2d_hex_decode(arg, strlen(arg), pub, C2D_PUBKEY_LEN, NULL) == 0)
		return (pub[0] == 2 || pub[0] == 3) ? C2D_OK
			: c2d_fail(err, C2D_E_INPUT, "--kms-pub: not a compressed public key");
	uint8_t *text;
	size_t len;
	int r = c2d_fs_read_file(arg, 4096, &text, &len, err);
	if (r < 0)
		return c2d_fail(err, C2D_E_USAGE, "--kms-pub: neither 66 hex digits nor a readable file: %s", arg);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	r = c2d_hex_decode((const char *)text, len, pub, C2D_PUBKEY_LEN, err);
	free(text);
	if (r < 0 || (pub[0] != 2 && pub[0] != 3))
		return c2d_fail(err, C2D_E_INPUT, "%s: expected a compressed public key in hex", arg);
	return C2D_OK;
}

c2d_status c2d_cmd_seal_recipe(int argc, char **argv, struct c2d_err *err)
{
	static const struct option opts[] = {
		{ "measurements", required_argument, 0, 'm' }, { "kms-pub", required_argument, 0, 'k' },
		{ "app", required_argument, 0, 'a' }, { "out", required_argument, 0, 'o' },
		{ 0, 0, 0, 0 },
	};
	const char *meas = NULL, *kms = NULL, *app = NULL, *out = NULL;
	int c;
	if (parse_help(argc, argv, recipe_help))
		return C2D_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': meas = optarg; break;
		case 'k': kms = optarg; break;
		case 'a': app = optarg; break;
		case 'o': out = optarg; break;
		default: return c2d_fail(err, C2D_E_USAGE, "see 'c2d recipe --help'");
		}
	}
	if (!meas || !kms || !app || !out || optind != argc)
		return c2d_fail(err, C2D_E_USAGE, "--measurements, --kms-pub, --app and --out are required");
	struct c2d_recipe rc;
	int r;
	if ((r = read_pub(kms, rc.kms_pubkey, err)) < 0)
		return r;
	if (c2d_recipe_parse_address(app, rc.app_id, err) < 0)
		return c2d_fail(err, C2D_E_USAGE, "--app: expected a 20-byte address (0x and 40 hex digits)");
	json_t *m;
	if ((r = c2d_json_load(meas, 0, &m, err)) < 0)
		return r;
	const char *h = json_string_value(json_object_get(m, "compose_hash"));
	if (h == NULL || c2d_hex_decode(h, strlen(h), rc.compose_hash, 32, err) < 0)
		r = c2d_fail(err, C2D_E_INPUT, "%s: no \"compose_hash\" of 32 bytes in hex", meas);
	json_decref(m);
	if (r < 0)
		return r;
	return c2d_recipe_save(out, &rc, err);
}

/* ---- seal ------------------------------------------------------------ */

static const char seal_help[] =
	"usage: c2d seal --owner ADDRESS --in FILE --schema FILE --recipe FILE --out FILE\n"
	"                [--dataset-id HEX] [--tsv] [--chunk-size BYTES] [--json]\n"
	"\n"
	"Seals a CSV (RFC 4180) or TSV table to a recipe: every row is checked\n"
	"against the schema, packed into typed columns and encrypted so that only\n"
	"a CVM running the approved image can read it. The output appears only\n"
	"when complete. --in - reads standard input. --dataset-id names the\n"
	"dataset for privacy budgets (32 bytes hex; random when absent).\n";

c2d_status c2d_cmd_seal(int argc, char **argv, struct c2d_err *err)
{
	static const struct option opts[] = {
		{ "owner", required_argument, 0, 'w' }, { "in", required_argument, 0, 'i' },
		{ "schema", required_argument, 0, 's' }, { "recipe", required_argument, 0, 'r' },
		{ "out", required_argument, 0, 'o' }, { "dataset-id", required_argument, 0, 'd' },
		{ "tsv", no_argument, 0, 't' }, { "chunk-size", required_argument, 0, 'c' },
		{ "json", no_argument, 0, 'j' }, { 0, 0, 0, 0 },
	};
	const char *owner = NULL, *schema = NULL, *recipe = NULL, *dsid = NULL;
	struct c2d_seal_params p = { .impl = C2D_GCM_AUTO, .progress = 1 };
	int json = 0, c;
	if (parse_help(argc, argv, seal_help))
		return C2D_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'w': owner = optarg; break;
		case 'i': p.in = optarg; break;
		case 's': schema = optarg; break;
		case 'r': recipe = optarg; break;
		case 'o': p.out = optarg; break;
		case 'd': dsid = optarg; break;
		case 't': p.tsv = 1; break;
		case 'j': json = 1; break;
		case 'c': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end != '\0' || v < C2D_SEAL_CHUNK_MIN || v > C2D_SEAL_CHUNK_MAX)
				return c2d_fail(err, C2D_E_USAGE, "--chunk-size: %u to %u bytes",
						C2D_SEAL_CHUNK_MIN, C2D_SEAL_CHUNK_MAX);
			p.chunk_size = (uint32_t)v;
			break;
		}
		default: return c2d_fail(err, C2D_E_USAGE, "see 'c2d seal --help'");
		}
	}
	if (!owner || !p.in || !schema || !recipe || !p.out || optind != argc)
		return c2d_fail(err, C2D_E_USAGE,
				"--owner, --in, --schema, --recipe and --out are required; see 'c2d seal --help'");
	if (c2d_recipe_parse_address(owner, p.owner, err) < 0)
		return c2d_fail(err, C2D_E_USAGE, "--owner: expected a 20-byte address (0x and 40 hex digits)");
	int r;
	if (dsid != NULL) {
		if (c2d_hex_decode(dsid, strlen(dsid), p.dataset_id, 32, err) < 0)
			return c2d_fail(err, C2D_E_USAGE, "--dataset-id: expected 32 bytes in hex");
	} else if ((r = c2d_random(p.dataset_id, 32, err)) < 0) {
		return r;
	}
	struct c2d_recipe rc;
	struct c2d_schema s;
	if ((r = c2d_recipe_load(recipe, &rc, err)) < 0)
		return r;
	if ((r = c2d_schemafile_load(schema, &s, err)) < 0)
		return r;
	p.recipe = &rc;
	p.schema = &s;
	secp256k1_context *ctx;
	if ((r = c2d_key_secp_context(&ctx, err)) < 0) {
		c2d_schema_free(&s);
		return r;
	}
	struct c2d_seal_result res;
	r = c2d_sealer_seal(ctx, &p, NULL, &res, err);
	secp256k1_context_destroy(ctx);
	c2d_schema_free(&s);
	if (r < 0)
		return r;
	char ds[65];
	c2d_hex(p.dataset_id, 32, ds);
	if (json)
		printf("{\"chunks\": %llu, \"dataset_id\": \"%s\", \"input_bytes\": %llu, \"out\": \"%s\", "
		       "\"rows\": %llu, \"total_len\": %llu}\n",
		       (unsigned long long)res.chunks, ds, (unsigned long long)res.input_bytes, p.out,
		       (unsigned long long)res.rows, (unsigned long long)res.total_len);
	else
		printf("sealed %llu rows (%llu bytes of input) into %s: %llu bytes, dataset %s\n",
		       (unsigned long long)res.rows, (unsigned long long)res.input_bytes, p.out,
		       (unsigned long long)res.total_len, ds);
	return C2D_OK;
}

/* ---- inspect --------------------------------------------------------- */

static const char inspect_help[] =
	"usage: c2d inspect FILE\n"
	"\n"
	"Prints the public header of a sealed file as JSON (no key needed).\n"
	"In category labels, a backslash is shown as \\\\ and a byte that is not\n"
	"part of well-formed UTF-8 as \\xHH.\n";

static json_t *hexj(const uint8_t *p, size_t n, int prefix)
{
	char buf[2 * 64 + 3];
	if (prefix) {
		buf[0] = '0';
		buf[1] = 'x';
	}
	c2d_hex(p, n, buf + (prefix ? 2 : 0));
	return json_string(buf);
}

/* Bytes in the well-formed UTF-8 sequence at s (RFC 3629, Unicode's table
 * 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : lo;
		hi = c == 0xed ? 0x9f : hi;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : lo;
		hi = c == 0xf4 ? 0x8f : hi;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* A category label as inspect shows it. Labels are bytes (c2d/schema.h),
 * a JSON string is Unicode: well-formed UTF-8 is kept, a backslash becomes
 * two and every other byte \xHH, so that every label is shown and no two
 * labels are shown alike (docs/cli.md, "c2d inspect"). */
static json_t *label_json(const char *label)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)label;
	size_t n = strlen(label);
	char *out = malloc(4 * n + 1);
	if (out == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t k = s[i] == '\\' ? 0 : utf8_seq(s + i, n - i);
		if (k > 0) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		out[o++] = '\\';
		if (s[i] == '\\') {
			out[o++] = '\\';
		} else {
			out[o++] = 'x';
			out[o++] = digits[s[i] >> 4];
			out[o++] = digits[s[i] & 15];
		}
		i++;
	}
	out[o] = '\0';
	json_t *j = json_string(out);
	free(out);
	return j;
}

static json_t *bound_json(const struct c2d_column *c, union c2d_bound b)
{
	if (c->type == C2D_T_FLOAT64)
		return json_real(b.f);
	if (c->type == C2D_T_DATE) {
		char d[16];
		c2d_values_format_date((int32_t)b.i, d);
		return json_string(d);
	}
	return json_integer(b.i);
}

c2d_status c2d_cmd_seal_inspect(int argc, char **argv, struct c2d_err *err)
{
	if (parse_help(argc, argv, inspect_help))
		return C2D_OK;
	if (argc != 2)
		return c2d_fail(err, C2D_E_USAGE, "expected one file; see 'c2d inspect --help'");
	struct stat st;
	int fd, r = c2d_fs_open_input(argv[1], 0, &fd, &st, err);
	if (r < 0)
		return r;
	struct c2d_seal_header h;
	uint8_t *raw;
	r = c2d_unseal_header(fd, argv[1], &h, &raw, err);
	close(fd);
	if (r < 0)
		return r;
	/* A label that cannot be shown fails the command: a listing that
	 * leaves one out would misstate the schema. */
	int all_labels = 1;
	json_t *cols = json_array();
	for (uint32_t i = 0; i < h.schema.ncols; i++) {
		const struct c2d_column *c = &h.schema.cols[i];
		json_t *o = json_pack("{s:s, s:s}", "name", c->name, "type", c2d_schema_type_name(c->type));
		if (c->flags & C2D_COL_NULLABLE)
			json_object_set_new(o, "nullable", json_true());
		if (c->flags & C2D_COL_HAS_MIN)
			json_object_set_new(o, "min", bound_json(c, c->min));
		if (c->flags & C2D_COL_HAS_MAX)
			json_object_set_new(o, "max", bound_json(c, c->max));
		if (c->type == C2D_T_CATEGORY) {
			json_t *l = json_array();
			for (uint32_t k = 0; k < c->ncats; k++)
				if (json_array_append_new(l, label_json(c->cats[k])) < 0)
					all_labels = 0;
			json_object_set_new(o, "labels", l);
		}
		json_array_append_new(cols, o);
	}
	json_t *root = json_pack(
		"{s:i, s:I, s:I, s:I, s:I, s:o, s:{s:o, s:o, s:o}, s:o, s:o, s:o, s:{s:o}}",
		"version", C2D_SEAL_VERSION, "header_len", (json_int_t)h.header_len,
		"total_len", (json_int_t)h.total_len, "row_count", (json_int_t)h.row_count,
		"chunk_size", (json_int_t)h.chunk_size,
		"nonce_prefix", hexj(h.nonce_prefix, sizeof(h.nonce_prefix), 0),
		"recipe", "kms_public_key", hexj(h.recipe.kms_pubkey, C2D_PUBKEY_LEN, 0),
		"app_id", hexj(h.recipe.app_id, C2D_ADDRESS_LEN, 1),
		"compose_hash", hexj(h.recipe.compose_hash, 32, 0),
		"owner", hexj(h.owner, C2D_ADDRESS_LEN, 1),
		"dataset_id", hexj(h.dataset_id, 32, 0),
		"ephemeral_public_key", hexj(h.ephemeral_pubkey, C2D_PUBKEY_LEN, 0),
		"schema", "columns", cols);
	free(raw);
	c2d_sealhdr_free(&h);
	if (!all_labels) {
		json_decref(root);
		root = NULL;
	}
	return c2d_json_print(root, err);
}
