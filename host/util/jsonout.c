/* Canonical-layout JSON output: see jsonout.h. */
#include "jsonout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

char *c2d_json_text(const json_t *root)
{
	char *text = json_dumps(root, JSON_SORT_KEYS | JSON_INDENT(2));
	if (text == NULL)
		return NULL;
	size_t n = strlen(text);
	char *out = realloc(text, n + 2);
	if (out == NULL) {
		free(text);
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	return out;
}

c2d_status c2d_json_write(const char *path, const json_t *root, char **text,
			  struct c2d_err *err)
{
	char *t = c2d_json_text(root);
	if (t == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
	int r = c2d_fs_write_atomic(path, t, strlen(t), 0644, err);
	if (r == C2D_OK && text != NULL)
		*text = t;
	else
		free(t);
	return r;
}

c2d_status c2d_json_print(json_t *root, struct c2d_err *err)
{
	char *text = root != NULL ? c2d_json_text(root) : NULL;
	json_decref(root);
	if (text == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	fputs(text, stdout);
	free(text);
	return C2D_OK;
}

c2d_status c2d_json_load(const char *path, size_t flags, json_t **root, struct c2d_err *err)
{
	uint8_t *buf;
	size_t n;
	json_error_t je;
	int r = c2d_fs_read_file(path, C2D_JSON_FILE_MAX, &buf, &n, err);
	if (r < 0)
		return r;
	*root = json_loadb((const char *)buf, n, flags, &je);
	free(buf);
	if (*root == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	return C2D_OK;
}
