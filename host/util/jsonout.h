/*
 * host/util/jsonout.h: the one way c2d writes JSON files. Keys sorted, two-space
 * indent, one trailing newline, written atomically (host/util/fsutil.h): the same
 * data always gives the same bytes, so JSON artifacts are reproducible. JSON
 * files are read the one way too, as input files (c2d_fs_read_file()).
 *
 * Prefix: c2d_json_
 */
#ifndef C2D_HOST_JSONOUT_H
#define C2D_HOST_JSONOUT_H

#include <jansson.h>

#include "c2d/err.h"

/* Serialises root. Returns a malloc'd NUL-terminated string ending in "\n"
 * (the caller frees it), or NULL when out of memory. */
C2D_MUST_CHECK char *c2d_json_text(const json_t *root);

/* Writes c2d_json_text(root) to path with mode 0644. If text is not NULL, it
 * receives the serialised text (the caller frees it) on success. */
C2D_MUST_CHECK c2d_status c2d_json_write(const char *path, const json_t *root, char **text,
					 struct c2d_err *err);

/* Prints c2d_json_text(root) on stdout and drops the caller's reference to
 * root, which may be NULL (a json_pack that ran out of memory): then
 * C2D_E_NOMEM. */
C2D_MUST_CHECK c2d_status c2d_json_print(json_t *root, struct c2d_err *err);

/* Reads the JSON file at path (at most C2D_JSON_FILE_MAX bytes, a regular
 * file: c2d_fs_read_file()) with jansson's decoding flags (e.g.
 * JSON_REJECT_DUPLICATES). On success *root is the caller's reference.
 * Errors: those of c2d_fs_read_file(), and C2D_E_INPUT
 * "PATH:LINE:COLUMN: why" for text that is not JSON. */
#define C2D_JSON_FILE_MAX (16u << 20)
C2D_MUST_CHECK c2d_status c2d_json_load(const char *path, size_t flags, json_t **root,
					struct c2d_err *err);

#endif
