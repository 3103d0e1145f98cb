/* Schema files: see schemafile.h. */
#include "schemafile.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsonout.h"
#include "values.h"

static int bound(const char *path, uint32_t i, const char *key, json_t *v,
		 struct c2d_column *c, union c2d_bound *b, struct c2d_err *err)
{
	switch (c->type) {
	case C2D_T_INT64:
		if (!json_is_integer(v))
			return c2d_fail(err, C2D_E_INPUT, "%s: column %u ('%s'): %s must be an integer",
					path, i + 1, c->name, key);
		b->i = json_integer_value(v);
		return C2D_OK;
	case C2D_T_FLOAT64:
		if (!json_is_number(v))
			return c2d_fail(err, C2D_E_INPUT, "%s: column %u ('%s'): %s must be a number",
					path, i + 1, c->name, key);
		b->f = json_number_value(v);
		return C2D_OK;
	case C2D_T_DATE: {
		int32_t d;
		const char *s = json_string_value(v);
		if (s == NULL || c2d_values_parse_date(s, strlen(s), &d, err) < 0)
			return c2d_fail(err, C2D_E_INPUT, "%s: column %u ('%s'): %s must be a date \"YYYY-MM-DD\"",
					path, i + 1, c->name, key);
		b->i = d;
		return C2D_OK;
	}
	default:
		return c2d_fail(err, C2D_E_INPUT, "%s: column %u ('%s'): a %s column has no %s",
				path, i + 1, c->name, c2d_schema_type_name(c->type), key);
	}
}

static int column(const char *path, uint32_t i, json_t *o, struct c2d_column *c,
		  struct c2d_err *err)
{
	if (!json_is_object(o))
		return c2d_fail(err, C2D_E_INPUT, "%s: column %u: expected an object", path, i + 1);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		if (strcmp(key, "name") && strcmp(key, "type") && strcmp(key, "min") &&
		    strcmp(key, "max") && strcmp(key, "nullable") && strcmp(key, "labels"))
			return c2d_fail(err, C2D_E_INPUT,
					"%s: column %u: unknown key '%s' (name, type, min, max, nullable, labels)",
					path, i + 1, key);
	}
	const char *name = json_string_value(json_object_get(o, "name"));
	if (name == NULL || strlen(name) > C2D_SCHEMA_NAME_MAX)
		return c2d_fail(err, C2D_E_INPUT, "%s: column %u: \"name\" must be a string of at most %d bytes",
				path, i + 1, C2D_SCHEMA_NAME_MAX);
	strcpy(c->name, name);
	const char *type = json_string_value(json_object_get(o, "type"));
	if (type == NULL || (c->type = c2d_schema_type_from_name(type)) == 0)
		return c2d_fail(err, C2D_E_INPUT,
				"%s: column %u ('%s'): \"type\" must be int64, float64, bool, category or date",
				path, i + 1, name);
	json_t *nullable = json_object_get(o, "nullable");
	if (nullable != NULL && !json_is_boolean(nullable))
		return c2d_fail(err, C2D_E_INPUT, "%s: column %u ('%s'): \"nullable\" must be true or false",
				path, i + 1, name);
	if (json_is_true(nullable))
		c->flags |= C2D_COL_NULLABLE;
	int r;
	json_t *mn = json_object_get(o, "min"), *mx = json_object_get(o, "max");
	if (mn != NULL) {
		if ((r = bound(path, i, "min", mn, c, &c->min, err)) < 0)
			return r;
		c->flags |= C2D_COL_HAS_MIN;
	}
	if (mx != NULL) {
		if ((r = bound(path, i, "max", mx, c, &c->max, err)) < 0)
			return r;
		c->flags |= C2D_COL_HAS_MAX;
	}
	json_t *labels = json_object_get(o, "labels");
	if (c->type == C2D_T_CATEGORY) {
		if (!json_is_array(labels) || json_array_size(labels) == 0 ||
		    json_array_size(labels) > C2D_SCHEMA_MAX_CATS)
			return c2d_fail(err, C2D_E_INPUT,
					"%s: column %u ('%s'): a category column needs \"labels\": 1 to %d strings",
					path, i + 1, name, C2D_SCHEMA_MAX_CATS);
		size_t n = json_array_size(labels);
		c->cats = calloc(n, sizeof(*c->cats));
		if (c->cats == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
		c->ncats = (uint32_t)n;
		for (size_t k = 0; k < n; k++) {
			const char *l = json_string_value(json_array_get(labels, k));
			if (l == NULL)
				return c2d_fail(err, C2D_E_INPUT, "%s: column %u ('%s'): label %zu is not a string",
						path, i + 1, name, k + 1);
			if ((c->cats[k] = strdup(l)) == NULL)
				return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
		}
	} else if (labels != NULL) {
		return c2d_fail(err, C2D_E_INPUT, "%s: column %u ('%s'): only category columns have labels",
				path, i + 1, name);
	}
	return C2D_OK;
}

c2d_status c2d_schemafile_load(const char *path, struct c2d_schema *s, struct c2d_err *err)
{
	json_t *root;
	memset(s, 0, sizeof(*s));
	int r = c2d_json_load(path, JSON_REJECT_DUPLICATES, &root, err);
	if (r < 0)
		return r;
	json_t *cols = json_object_get(root, "columns");
	if (!json_is_object(root) || json_object_size(root) != 1 || !json_is_array(cols)) {
		r = c2d_fail(err, C2D_E_INPUT, "%s: expected {\"columns\": [...]} and nothing else", path);
		goto out;
	}
	size_t n = json_array_size(cols);
	if (n == 0 || n > C2D_SCHEMA_MAX_COLS) {
		r = c2d_fail(err, C2D_E_INPUT, "%s: expected 1 to %d columns, found %zu", path,
			     C2D_SCHEMA_MAX_COLS, n);
		goto out;
	}
	s->cols = calloc(n, sizeof(*s->cols));
	if (s->cols == NULL) {
		r = c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
		goto out;
	}
	s->ncols = (uint32_t)n;
	for (size_t i = 0; i < n && r == C2D_OK; i++)
		r = column(path, (uint32_t)i, json_array_get(cols, i), &s->cols[i], err);
	if (r == C2D_OK && (r = c2d_schema_check(s, err)) < 0)
		c2d_err_prefix(err, "%s", path);
out:
	json_decref(root);
	if (r < 0)
		c2d_schema_free(s);
	return r;
}
