/* The KMS's messages: see kmsproto.h. */
#include "kmsproto.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"
#include "c2d/sealfmt.h"

/* A hex member of known length into out. */
static c2d_status hex_fixed(json_t *v, const char *name, uint8_t *out, size_t len, struct c2d_err *err)
{
	if (!json_is_string(v) || json_string_length(v) != 2 * len ||
	    c2d_hex_decode(json_string_value(v), 2 * len, out, len, NULL) < 0)
		return c2d_fail(err, C2D_E_INPUT, "request: %s: expected %zu hex digits", name, 2 * len);
	return C2D_OK;
}

/* A hex member of 1..max bytes into a malloc'd *out. */
static c2d_status hex_var(json_t *v, const char *name, size_t max, uint8_t **out, size_t *len,
			  struct c2d_err *err)
{
	if (!json_is_string(v))
		return c2d_fail(err, C2D_E_INPUT, "request: %s: expected a hex string", name);
	size_t n = json_string_length(v);
	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return c2d_fail(err, C2D_E_INPUT, "request: %s: expected 1 to %zu bytes in hex", name, max);
	if ((*out = malloc(n / 2)) == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "request: %s: out of memory", name);
	*len = n / 2;
	if (c2d_hex_decode(json_string_value(v), n, *out, n / 2, NULL) < 0)
		return c2d_fail(err, C2D_E_INPUT, "request: %s: not hex", name);
	return C2D_OK;
}

static const char *const members[] = { "c2d_kms", "challenge", "quote", "event_log",
					"ephemeral_key", "run_key", "envelopes" };
#define NMEMBERS (sizeof(members) / sizeof(members[0]))

static c2d_status parse_obj(json_t *root, struct c2d_kmsproto_request *req, struct c2d_err *err)
{
	const char *key;
	json_t *v;
	if (!json_is_object(root))
		return c2d_fail(err, C2D_E_INPUT, "request: expected a JSON object");
	json_object_foreach(root, key, v) {
		size_t i = 0;
		while (i < NMEMBERS && strcmp(key, members[i]) != 0)
			i++;
		if (i == NMEMBERS)
			return c2d_fail(err, C2D_E_INPUT, "request: unknown member \"%.64s\"", key);
	}
	json_t *m[NMEMBERS];
	for (size_t i = 0; i < NMEMBERS; i++)
		if ((m[i] = json_object_get(root, members[i])) == NULL)
			return c2d_fail(err, C2D_E_INPUT, "request: %s: missing", members[i]);
	if (!json_is_integer(m[0]) || json_integer_value(m[0]) != C2D_KMSPROTO_VERSION)
		return c2d_fail(err, C2D_E_INPUT, "request: c2d_kms: expected version %d",
				C2D_KMSPROTO_VERSION);
	int r;
	if ((r = hex_fixed(m[1], "challenge", req->challenge, sizeof(req->challenge), err)) < 0 ||
	    (r = hex_var(m[2], "quote", C2D_KMSPROTO_QUOTE_MAX, &req->quote, &req->quote_len, err)) < 0 ||
	    (r = hex_fixed(m[4], "ephemeral_key", req->eph_pub, sizeof(req->eph_pub), err)) < 0 ||
	    (r = hex_fixed(m[5], "run_key", req->run_pub, sizeof(req->run_pub), err)) < 0)
		return r;
	if (!json_is_string(m[3]) || json_string_length(m[3]) == 0 ||
	    json_string_length(m[3]) > C2D_KMSPROTO_EVENTLOG_MAX)
		return c2d_fail(err, C2D_E_INPUT, "request: event_log: expected a string of 1 to %u bytes",
				C2D_KMSPROTO_EVENTLOG_MAX);
	req->event_log_len = json_string_length(m[3]);
	if ((req->event_log = malloc(req->event_log_len + 1)) == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "request: event_log: out of memory");
	memcpy(req->event_log, json_string_value(m[3]), req->event_log_len + 1);
	size_t n = json_is_array(m[6]) ? json_array_size(m[6]) : 0;
	if (n == 0 || n > C2D_KMSR_MAX_KEYS)
		return c2d_fail(err, C2D_E_INPUT, "request: envelopes: expected an array of 1 to %d headers",
				C2D_KMSR_MAX_KEYS);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "envelopes[%zu]", i);
		r = hex_var(json_array_get(m[6], i), name, C2D_SEAL_HEADER_MAX, &req->env[i].buf,
			    &req->env[i].len, err);
		req->n_env = i + 1;   /* so that free releases a buffer hex_var allocated */
		if (r < 0)
			return r;
	}
	return C2D_OK;
}

c2d_status c2d_kmsproto_parse_request(const char *text, size_t len, struct c2d_kmsproto_request *req,
				      struct c2d_err *err)
{
	memset(req, 0, sizeof(*req));
	if (len > C2D_KMSPROTO_REQUEST_MAX)
		return c2d_fail(err, C2D_E_INPUT, "request: %zu bytes, more than %u", len,
				C2D_KMSPROTO_REQUEST_MAX);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return c2d_fail(err, C2D_E_INPUT, "request:%d:%d: %s", je.line, je.column, je.text);
	int r = parse_obj(root, req, err);
	json_decref(root);
	return r;
}

void c2d_kmsproto_request_free(struct c2d_kmsproto_request *req)
{
	free(req->quote);
	free(req->event_log);
	for (size_t i = 0; i < req->n_env; i++)
		free(req->env[i].buf);
	memset(req, 0, sizeof(*req));
}

static json_t *hexj(const uint8_t *p, size_t n, int prefix)
{
	char h[2 * 96 + 3];
	if (2 * n + 3 > sizeof(h))
		return NULL;
	strcpy(h, prefix ? "0x" : "");
	c2d_hex(p, n, h + (prefix ? 2 : 0));
	return json_string(h);
}

/* The text of root (consumed), or NULL when root is. */
static char *text_of(json_t *root)
{
	char *t = root != NULL ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(root);
	return t;
}

char *c2d_kmsproto_challenge_text(const uint8_t challenge[C2D_KMSR_CHALLENGE_LEN], int64_t expires_in)
{
	return text_of(json_pack("{s:i, s:s, s:o, s:I}", "c2d_kms", C2D_KMSPROTO_VERSION, "type",
				 "challenge", "challenge", hexj(challenge, C2D_KMSR_CHALLENGE_LEN, 0),
				 "expires_in", (json_int_t)expires_in));
}

char *c2d_kmsproto_release_text(const struct c2d_kmsproto_release *rel)
{
	json_t *keys = json_array();
	for (size_t i = 0; keys != NULL && i < rel->n; i++)
		if (json_array_append_new(keys, hexj(rel->sealed[i], C2D_KMSR_SEALED_LEN, 0)) < 0) {
			json_decref(keys);
			keys = NULL;
		}
	const struct c2d_kmsproto_cert *c = &rel->cert;
	json_t *cert = json_pack("{s:o, s:o, s:o, s:o, s:o}", "app_id", hexj(c->app_id, 20, 1),
				 "compose_hash", hexj(c->compose_hash, 32, 0), "run_signer",
				 hexj(c->run_signer, 20, 1), "run_id", hexj(c->run_id, 32, 0), "signature",
				 hexj(c->signature, 65, 0));
	return text_of(json_pack("{s:i, s:s, s:o, s:o, s:o, s:I, s:o}", "c2d_kms", C2D_KMSPROTO_VERSION,
				 "type", "release", "kms_ephemeral_key",
				 hexj(rel->kms_eph_pub, C2D_KMSR_PUB_LEN, 0), "keys", keys,
				 "run_certificate", cert, "block", (json_int_t)rel->block, "spend_tx",
				 hexj(rel->spend_tx, 32, 0)));
}

char *c2d_kmsproto_refusal_text(const char *check, const char *reason)
{
	return text_of(json_pack("{s:i, s:s, s:s, s:s}", "c2d_kms", C2D_KMSPROTO_VERSION, "type", "refusal",
				 "check", check, "reason", reason));
}
