/*
 * host/seal/sealer.h: sealing a table at its source (what `c2d seal` runs).
 *
 * Reads CSV or TSV whose header row names the schema's columns (in any
 * order, each exactly once), validates every value against the schema,
 * packs rows into typed row groups, encrypts the stream in chunks and
 * writes the sealed file (docs/sealed-format.md). Memory is constant: one
 * input buffer, one row group, one chunk.
 *
 * The output appears only when complete: it is written to a temporary file
 * beside out and renamed at the end. On any error (a bad row, an I/O
 * failure) nothing is left behind and the error names the input file, line
 * and column, the column's name, what was expected and what was found.
 *
 * Secrets: the dataset key and the ephemeral key are drawn from the kernel,
 * kept in mlock'd memory while sealing, and wiped at the end. Tests may pass
 * fixed secrets (for published test vectors); the command line never does.
 *
 * Prefix: c2d_sealer_
 */
#ifndef C2D_HOST_SEALER_H
#define C2D_HOST_SEALER_H

#include <stddef.h>
#include <stdint.h>

#include <secp256k1.h>

#include "c2d/aead.h"
#include "c2d/err.h"
#include "c2d/schema.h"
#include "c2d/sealfmt.h"

struct c2d_seal_params {
	const char *in;               /* input path, "-" for standard input */
	int tsv;
	const char *out;
	const struct c2d_schema *schema;
	const struct c2d_recipe *recipe;
	uint8_t owner[C2D_ADDRESS_LEN];
	uint8_t dataset_id[32];
	uint32_t chunk_size;          /* 0: the default */
	enum c2d_gcm_impl impl;       /* C2D_GCM_AUTO normally */
	int progress;                 /* allow a progress line on a terminal */
};

/* Fixed secrets, for test vectors only. */
struct c2d_seal_secrets {
	uint8_t dataset_key[32];
	uint8_t ephemeral_sk[32];
	uint8_t nonce_prefix[C2D_SEAL_NONCE_PREFIX_LEN];
};

struct c2d_seal_result {
	uint64_t rows;
	uint64_t input_bytes;
	uint64_t total_len;
	uint32_t header_len;
	uint64_t chunks;
};

C2D_MUST_CHECK c2d_status c2d_sealer_seal(const secp256k1_context *ctx, const struct c2d_seal_params *p,
				   const struct c2d_seal_secrets *fixed,
				   struct c2d_seal_result *res, struct c2d_err *err);

/* Receives each packed row group (c2d/rowgroup.h: header and body); a
 * negative return aborts with that status (the callback fills err). */
typedef int (*c2d_group_fn)(void *arg, const uint8_t *group, size_t len, struct c2d_err *err);

/* The sealer's reading and validation alone, without encryption (c2d run
 * --central): every row of the CSV/TSV at in ("-": standard input) checked
 * against s and packed into row groups handed to fn, with the same errors
 * as c2d_sealer_seal(). *rows receives the rows packed. The end record is the
 * caller's. Group buffers are wiped before they are freed. */
C2D_MUST_CHECK c2d_status c2d_sealer_pack_table(const char *in, int tsv, const struct c2d_schema *s,
					 c2d_group_fn fn, void *arg, uint64_t *rows,
					 struct c2d_err *err);

#endif
