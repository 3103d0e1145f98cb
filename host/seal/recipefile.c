/* Recipe files: see recipefile.h. */
#include "recipefile.h"

#include <jansson.h>
#include <string.h>

#include "c2d/hex.h"
#include "jsonout.h"

c2d_status c2d_recipe_parse_address(const char *s, uint8_t out[C2D_ADDRESS_LEN], struct c2d_err *err)
{
	return c2d_hex_decode(s, strlen(s), out, C2D_ADDRESS_LEN, err);
}

static int hex_field(const char *path, json_t *root, const char *key, uint8_t *out,
		     size_t len, struct c2d_err *err)
{
	const char *s = json_string_value(json_object_get(root, key));
	if (s == NULL || c2d_hex_decode(s, strlen(s), out, len, err) < 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: \"%s\" must be %zu bytes in hex", path, key, len);
	return C2D_OK;
}

c2d_status c2d_recipe_load(const char *path, struct c2d_recipe *r, struct c2d_err *err)
{
	json_t *root;
	int rc = c2d_json_load(path, JSON_REJECT_DUPLICATES, &root, err);
	if (rc < 0)
		return rc;
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "c2d_recipe") && strcmp(key, "kms_public_key") &&
		    strcmp(key, "app_id") && strcmp(key, "compose_hash")) {
			rc = c2d_fail(err, C2D_E_INPUT, "%s: unknown key '%s'", path, key);
			goto out;
		}
	}
	if (json_integer_value(json_object_get(root, "c2d_recipe")) != 1) {
		rc = c2d_fail(err, C2D_E_INPUT, "%s: not a c2d recipe (\"c2d_recipe\": 1 missing)", path);
		goto out;
	}
	if ((rc = hex_field(path, root, "kms_public_key", r->kms_pubkey, C2D_PUBKEY_LEN, err)) < 0 ||
	    (rc = hex_field(path, root, "app_id", r->app_id, C2D_ADDRESS_LEN, err)) < 0 ||
	    (rc = hex_field(path, root, "compose_hash", r->compose_hash, 32, err)) < 0)
		goto out;
	if (r->kms_pubkey[0] != 2 && r->kms_pubkey[0] != 3)
		rc = c2d_fail(err, C2D_E_INPUT, "%s: \"kms_public_key\" is not a compressed public key", path);
out:
	json_decref(root);
	return rc;
}

c2d_status c2d_recipe_save(const char *path, const struct c2d_recipe *r, struct c2d_err *err)
{
	char k[2 * C2D_PUBKEY_LEN + 1], a[2 + 2 * C2D_ADDRESS_LEN + 1], h[65];
	c2d_hex(r->kms_pubkey, C2D_PUBKEY_LEN, k);
	a[0] = '0';
	a[1] = 'x';
	c2d_hex(r->app_id, C2D_ADDRESS_LEN, a + 2);
	c2d_hex(r->compose_hash, 32, h);
	json_t *root = json_pack("{s:i, s:s, s:s, s:s}", "c2d_recipe", 1, "kms_public_key", k,
				 "app_id", a, "compose_hash", h);
	if (root == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	int rc = c2d_json_write(path, root, NULL, err);
	json_decref(root);
	return rc;
}
