/*
 * host/seal/recipefile.h: recipe files, what an owner seals to.
 *
 *   {"c2d_recipe": 1,
 *    "kms_public_key": "02…"  (33-byte compressed secp256k1, hex),
 *    "app_id": "0x…"          (the app contract's 20-byte address),
 *    "compose_hash": "…"      (32 bytes, hex, from measurements.json)}
 *
 * `c2d recipe` writes one from an image's measurements.json; `c2d seal`
 * reads it. Unknown keys and malformed values are errors naming the file
 * and the key.
 *
 * Prefix: c2d_recipe_
 */
#ifndef C2D_HOST_RECIPEFILE_H
#define C2D_HOST_RECIPEFILE_H

#include "c2d/err.h"
#include "c2d/sealfmt.h"

C2D_MUST_CHECK c2d_status c2d_recipe_load(const char *path, struct c2d_recipe *r,
					  struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_recipe_save(const char *path, const struct c2d_recipe *r,
					  struct c2d_err *err);

/* Parses "0x" + 40 hex digits (or 40 digits) as an address. */
C2D_MUST_CHECK c2d_status c2d_recipe_parse_address(const char *s, uint8_t out[C2D_ADDRESS_LEN],
					    struct c2d_err *err);

#endif
