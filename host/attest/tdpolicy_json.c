/* The TD policy's JSON form and measurements.json: see c2d/tdpolicy.h
 * and docs/attestation.md, "TD policy". */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"
#include "c2d/tdpolicy.h"
#include "fsutil.h"

#define POLICY_FILE_MAX (1u << 20)

static const char *const reg_keys[C2D_TDPOLICY_NREGS] = { "mrtd", "rtmr0", "rtmr1", "rtmr2" };

/* Exactly 2*n hex digits (no 0x: what c2d prints is what a policy holds). */
static int hex_value(json_t *v, const char *name, const char *key, uint8_t *out, size_t n,
		     struct c2d_err *err)
{
	const char *s = json_string_value(v);
	if (s == NULL || strlen(s) != 2 * n || s[1] == 'x' || s[1] == 'X' ||
	    c2d_hex_decode(s, 2 * n, out, n, NULL) < 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: %s: must be a string of %zu hex digits", name, key, 2 * n);
	return C2D_OK;
}

static int statuses(json_t *v, const char *name, unsigned *accept, struct c2d_err *err)
{
	if (!json_is_array(v) || json_array_size(v) == 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: tcb_statuses: must be a non-empty array of statuses",
				name);
	*accept = 0;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		int st = s != NULL ? c2d_collateral_tcb_status_parse(s) : 0;
		if (st == 0)
			return c2d_fail(err, C2D_E_INPUT, "%s: tcb_statuses[%zu]: not a TCB status (UpToDate, "
					"SWHardeningNeeded, ConfigurationNeeded, ...)", name, i);
		if (st == C2D_TCB_REVOKED)
			return c2d_fail(err, C2D_E_INPUT, "%s: tcb_statuses[%zu]: Revoked is never acceptable",
					name, i);
		*accept |= C2D_ACCEPT(st);
	}
	return C2D_OK;
}

static int advisories(json_t *v, const char *name, struct c2d_advisories *adv, struct c2d_err *err)
{
	if (!json_is_array(v) || json_array_size(v) > C2D_ADVISORIES_MAX)
		return c2d_fail(err, C2D_E_INPUT, "%s: advisory_ids: must be an array of at most %d IDs", name,
				C2D_ADVISORIES_MAX);
	adv->n = 0;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		size_t n = s != NULL ? strlen(s) : 0;
		int ok = n > 0 && n < C2D_ADVISORY_LEN;
		for (size_t k = 0; k < n && ok; k++)
			ok = s[k] > 0x20 && s[k] < 0x7f;
		if (!ok)
			return c2d_fail(err, C2D_E_INPUT,
					"%s: advisory_ids[%zu]: must be a printable ID of 1 to %d bytes (INTEL-SA-00837)",
					name, i, C2D_ADVISORY_LEN - 1);
		memcpy(adv->id[adv->n++], s, n + 1);
	}
	return C2D_OK;
}

static int mrseam_list(json_t *v, const char *name, struct c2d_td_policy *p, struct c2d_err *err)
{
	char key[32];
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > C2D_TDPOLICY_MRSEAM_MAX)
		return c2d_fail(err, C2D_E_INPUT, "%s: mrseam: must be an array of 1 to %d MRSEAM values",
				name, C2D_TDPOLICY_MRSEAM_MAX);
	for (size_t i = 0; i < json_array_size(v); i++) {
		snprintf(key, sizeof(key), "mrseam[%zu]", i);
		int r = hex_value(json_array_get(v, i), name, key, p->mrseam[i], 48, err);
		if (r < 0)
			return r;
	}
	p->nmrseam = json_array_size(v);
	return C2D_OK;
}

/* One member of the policy object. */
static int member(const char *key, json_t *v, const char *name, struct c2d_td_policy *p,
		  char **measurements, struct c2d_err *err)
{
	for (int i = 0; i < C2D_TDPOLICY_NREGS; i++) {
		if (strcmp(key, reg_keys[i]) != 0)
			continue;
		if (json_is_string(v) && strcmp(json_string_value(v), "any") == 0) {
			p->reg_state[i] = C2D_TDPOLICY_ANY;
			return C2D_OK;
		}
		p->reg_state[i] = C2D_TDPOLICY_PINNED;
		return hex_value(v, name, key, p->reg[i], 48, err);
	}
	if (strcmp(key, "c2d_td_policy") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) != 1)
			return c2d_fail(err, C2D_E_INPUT, "%s: c2d_td_policy: must be 1 (this version)", name);
		return C2D_OK;
	}
	if (strcmp(key, "measurements") == 0) {
		const char *s = json_string_value(v);
		if (s == NULL || s[0] == '\0')
			return c2d_fail(err, C2D_E_INPUT, "%s: measurements: must be a file name", name);
		if ((*measurements = strdup(s)) == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "out of memory");
		return C2D_OK;
	}
	if (strcmp(key, "tcb_statuses") == 0)
		return statuses(v, name, &p->accept, err);
	if (strcmp(key, "advisory_ids") == 0)
		return advisories(v, name, &p->advisories, err);
	if (strcmp(key, "min_tcb_evaluation_data_number") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
			return c2d_fail(err, C2D_E_INPUT, "%s: %s: must be an integer from 0 to %u", name, key,
					(unsigned)UINT32_MAX);
		p->min_tcb_eval = (uint32_t)json_integer_value(v);
		return C2D_OK;
	}
	if (strcmp(key, "mrseam") == 0)
		return mrseam_list(v, name, p, err);
	static const struct {
		const char *key;
		size_t off, len;
	} fixed[] = {
		{ "td_attributes", offsetof(struct c2d_td_policy, td_attributes), 8 },
		{ "xfam", offsetof(struct c2d_td_policy, xfam), 8 },
		{ "mrconfigid", offsetof(struct c2d_td_policy, mrconfigid), 48 },
		{ "mrowner", offsetof(struct c2d_td_policy, mrowner), 48 },
		{ "mrownerconfig", offsetof(struct c2d_td_policy, mrownerconfig), 48 },
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(key, fixed[i].key) == 0)
			return hex_value(v, name, key, (uint8_t *)p + fixed[i].off, fixed[i].len, err);
	return c2d_fail(err, C2D_E_INPUT, "%s: unknown key \"%.40s\" (see docs/attestation.md, \"TD policy\")",
			name, key);
}

c2d_status c2d_tdpolicy_json_parse(const char *buf, size_t len, const char *name, struct c2d_td_policy *p,
			      char **measurements, struct c2d_err *err)
{
	json_error_t je;
	c2d_tdpolicy_default(p);
	*measurements = NULL;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	int r = C2D_OK;
	if (!json_is_object(o))
		r = c2d_fail(err, C2D_E_INPUT, "%s: must be a JSON object", name);
	else if (json_object_get(o, "c2d_td_policy") == NULL)
		r = c2d_fail(err, C2D_E_INPUT, "%s: no \"c2d_td_policy\": 1: not a c2d TD policy", name);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (r < 0)
			break;
		r = member(key, v, name, p, measurements, err);
	}
	json_decref(o);
	if (r < 0) {
		free(*measurements);
		*measurements = NULL;
		c2d_tdpolicy_default(p);
	}
	return r;
}

c2d_status c2d_tdpolicy_json_measurements(struct c2d_td_policy *p, const char *buf, size_t len,
				     const char *name, struct c2d_err *err)
{
	json_error_t je;
	json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%d:%d: %s", name, je.line, je.column, je.text);
	json_t *version = json_object_get(o, "c2d_measurements"), *tdx = json_object_get(o, "tdx");
	int r = C2D_OK;
	if (!json_is_integer(version) || json_integer_value(version) != 1)
		r = c2d_fail(err, C2D_E_INPUT, "%s: not a measurements file of c2d measure (\"c2d_measurements\": 1)",
			     name);
	else if (!json_is_object(tdx))
		r = c2d_fail(err, C2D_E_INPUT, "%s: tdx: must be an object", name);
	for (int i = 0; i < C2D_TDPOLICY_NREGS && r == C2D_OK; i++) {
		char key[16];
		json_t *v = json_object_get(tdx, reg_keys[i]);
		if (v == NULL || json_is_null(v))
			continue;
		snprintf(key, sizeof(key), "tdx.%s", reg_keys[i]);
		if (p->reg_state[i] != C2D_TDPOLICY_UNSET)
			r = c2d_fail(err, C2D_E_INPUT,
				     "%s: %s: the policy gives %s too; give it in one place", name, key,
				     reg_keys[i]);
		else if ((r = hex_value(v, name, key, p->reg[i], 48, err)) == C2D_OK)
			p->reg_state[i] = C2D_TDPOLICY_PINNED;
	}
	json_decref(o);
	return r;
}

static int read_text(const char *path, char **buf, size_t *len, struct c2d_err *err)
{
	return c2d_fs_read_file(path, POLICY_FILE_MAX, (uint8_t **)buf, len, err);
}

c2d_status c2d_tdpolicy_json_load(const char *path, struct c2d_td_policy *p, struct c2d_err *err)
{
	char *buf = NULL, *ref = NULL, *mpath = NULL;
	size_t len;
	int r = read_text(path, &buf, &len, err);
	if (r == C2D_OK)
		r = c2d_tdpolicy_json_parse(buf, len, path, p, &ref, err);
	free(buf);
	buf = NULL;
	if (r == C2D_OK && ref != NULL) {
		/* A relative name is the policy file's neighbour, so that a
		 * policy and its measurements travel together. */
		const char *slash = strrchr(path, '/');
		size_t dir = ref[0] == '/' || slash == NULL ? 0 : (size_t)(slash - path) + 1;
		if ((mpath = malloc(dir + strlen(ref) + 1)) == NULL) {
			r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		} else {
			memcpy(mpath, path, dir);
			strcpy(mpath + dir, ref);
			r = read_text(mpath, &buf, &len, err);
		}
		if (r == C2D_OK)
			r = c2d_tdpolicy_json_measurements(p, buf, len, mpath, err);
	}
	if (r == C2D_OK)
		r = c2d_tdpolicy_complete(p, path, err);
	free(buf);
	free(ref);
	free(mpath);
	return r;
}
