/* dstack's JSON event log: see eventlog_json.h. */
#include "eventlog_json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"

static const char *const keys[] = { "imr", "event_type", "digest", "event", "event_payload",
				    "version", "hash_input" };

static int u32_field(json_t *o, size_t i, const char *key, uint32_t max, uint32_t *v,
		     struct c2d_err *err)
{
	json_t *j = json_object_get(o, key);
	if (!json_is_integer(j))
		return c2d_fail(err, C2D_E_INPUT, "event %zu: \"%s\" %s", i, key,
				j == NULL ? "missing" : "is not an integer");
	json_int_t x = json_integer_value(j);
	if (x < 0 || (unsigned long long)x > max)
		return c2d_fail(err, C2D_E_INPUT, "event %zu: \"%s\" %lld is outside 0..%u", i, key,
				(long long)x, max);
	*v = (uint32_t)x;
	return C2D_OK;
}

static int str_field(json_t *o, size_t i, const char *key, const char **s, size_t *n,
		     struct c2d_err *err)
{
	json_t *j = json_object_get(o, key);
	if (!json_is_string(j))
		return c2d_fail(err, C2D_E_INPUT, "event %zu: \"%s\" %s", i, key,
				j == NULL ? "missing" : "is not a string");
	*s = json_string_value(j);
	*n = json_string_length(j);
	return C2D_OK;
}

/* One array element into e (whose name and payload the caller frees). */
static int one_event(json_t *o, size_t i, struct c2d_json_event *e, struct c2d_err *err)
{
	const char *key, *dg, *name, *pl;
	size_t dg_n, name_n, pl_n;
	json_t *v;
	int rc;
	if (!json_is_object(o))
		return c2d_fail(err, C2D_E_INPUT, "event %zu: not a JSON object", i);
	json_object_foreach(o, key, v) {
		size_t k = 0;
		while (k < sizeof(keys) / sizeof(keys[0]) && strcmp(key, keys[k]) != 0)
			k++;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return c2d_fail(err, C2D_E_INPUT, "event %zu: unknown key \"%.40s\"", i, key);
	}
	if ((rc = u32_field(o, i, "imr", 3, &e->imr, err)) < 0 ||
	    (rc = u32_field(o, i, "event_type", UINT32_MAX, &e->type, err)) < 0 ||
	    (rc = str_field(o, i, "digest", &dg, &dg_n, err)) < 0 ||
	    (rc = str_field(o, i, "event", &name, &name_n, err)) < 0 ||
	    (rc = str_field(o, i, "event_payload", &pl, &pl_n, err)) < 0)
		return rc;
	v = json_object_get(o, "version");
	if (v != NULL && !(json_is_integer(v) && json_integer_value(v) == 1))
		return c2d_fail(err, C2D_E_INPUT,
				"event %zu: \"version\" other than 1 (c2d reads dstack's v1 digests only)", i);
	if (strlen(name) != name_n)
		return c2d_fail(err, C2D_E_INPUT, "event %zu: \"event\" holds a NUL character", i);
	if (pl_n % 2 != 0)
		return c2d_fail(err, C2D_E_INPUT, "event %zu: \"event_payload\" has an odd number of hex digits", i);
	e->payload_len = pl_n / 2;
	e->payload = malloc(e->payload_len + 1);
	e->name = strdup(name);
	if (e->payload == NULL || e->name == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	if (c2d_hex_decode(pl, pl_n, e->payload, e->payload_len, err) < 0)
		return c2d_fail(err, C2D_E_INPUT, "event %zu: \"event_payload\" is not hex", i);
	int have = dg_n > 0;
	if (have && c2d_hex_decode(dg, dg_n, e->digest, C2D_RTMR_LEN, err) < 0)
		return c2d_fail(err, C2D_E_INPUT, "event %zu: \"digest\" is not 96 hex digits (SHA-384)", i);
	if (e->type != C2D_EVENT_RUNTIME) {
		if (!have)
			return c2d_fail(err, C2D_E_INPUT,
					"event %zu: \"digest\" is empty on a firmware event (type 0x%x)", i, e->type);
		return C2D_OK;
	}
	uint8_t d[C2D_RTMR_LEN];
	c2d_rtmr_event_digest(e->type, e->name, e->payload, e->payload_len, d);
	if (have && memcmp(d, e->digest, C2D_RTMR_LEN) != 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"event %zu (%.60s): logged digest is not the digest of its name and payload", i,
				e->name);
	memcpy(e->digest, d, C2D_RTMR_LEN);
	return C2D_OK;
}

void c2d_eventlog_json_free(struct c2d_json_eventlog *log)
{
	for (size_t i = 0; i < log->n; i++) {
		free(log->ev[i].name);
		free(log->ev[i].payload);
	}
	free(log->ev);
	memset(log, 0, sizeof(*log));
}

c2d_status c2d_eventlog_json_parse(const char *text, size_t len, struct c2d_json_eventlog *log,
				   struct c2d_err *err)
{
	json_error_t je;
	memset(log, 0, sizeof(*log));
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%d:%d: %s", je.line, je.column, je.text);
	if (!json_is_array(root)) {
		json_decref(root);
		return c2d_fail(err, C2D_E_INPUT, "the event log is not a JSON array");
	}
	size_t n = json_array_size(root);
	int rc = C2D_OK;
	if (n > 0 && (log->ev = calloc(n, sizeof(*log->ev))) == NULL)
		rc = c2d_fail(err, C2D_E_NOMEM, "out of memory");
	for (size_t i = 0; rc == C2D_OK && i < n; i++) {
		log->n = i + 1;                  /* so that free() sees the partial event */
		rc = one_event(json_array_get(root, i), i, &log->ev[i], err);
		log->n_runtime += log->ev[i].type == C2D_EVENT_RUNTIME;
	}
	json_decref(root);
	if (rc < 0)
		c2d_eventlog_json_free(log);
	return rc;
}

c2d_status c2d_eventlog_json_replay(const struct c2d_json_eventlog *log, struct c2d_rtmrs *out,
				    struct c2d_err *err)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < log->n; i++) {
		const struct c2d_json_event *e = &log->ev[i];
		int rc = c2d_eventlog_rtmrs_apply(out, i, e->imr + 1, e->type, e->digest, err);
		if (rc < 0)
			return rc;
	}
	return C2D_OK;
}
