/* Ethereum accounts and EIP-1559 transactions: see ethtx.h. */
#include "ethtx.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <secp256k1_recovery.h>

#include "c2d/hex.h"
#include "keccak.h"
#include "rlp.h"

/* The nine fields every type-2 payload starts with. */
static void tx_fields(struct c2d_rlp *e, const struct c2d_tx1559 *tx)
{
	c2d_rlp_uint(e, tx->chain_id);
	c2d_rlp_uint(e, tx->nonce);
	c2d_rlp_uint(e, tx->max_priority_fee);
	c2d_rlp_uint(e, tx->max_fee);
	c2d_rlp_uint(e, tx->gas_limit);
	c2d_rlp_bytes(e, tx->to, tx->has_to ? 20 : 0);
	c2d_rlp_uint(e, tx->value);
	c2d_rlp_bytes(e, tx->data, tx->data_len);
	c2d_rlp_list_end(e, c2d_rlp_list_begin(e));   /* empty access list */
}

/* 0x02 || rlp(list of the fields [+ signature]) into *out. */
static int typed_payload(const struct c2d_tx1559 *tx, const uint8_t *sig65, uint8_t **out, size_t *len,
			 struct c2d_err *err)
{
	struct c2d_rlp e;
	c2d_rlp_init(&e);
	c2d_rlp_raw(&e, (const uint8_t *)"\x02", 1);   /* EIP-2718 type */
	size_t mark = c2d_rlp_list_begin(&e);
	tx_fields(&e, tx);
	if (sig65 != NULL) {
		c2d_rlp_uint(&e, sig65[64]);
		c2d_rlp_uint_be(&e, sig65, 32);
		c2d_rlp_uint_be(&e, sig65 + 32, 32);
	}
	c2d_rlp_list_end(&e, mark);
	return c2d_rlp_finish(&e, out, len, err);
}

c2d_status c2d_ethtx_signing_hash(const struct c2d_tx1559 *tx, uint8_t hash[32], struct c2d_err *err)
{
	uint8_t *p;
	size_t n;
	int r = typed_payload(tx, NULL, &p, &n, err);
	if (r < 0)
		return r;
	c2d_keccak256(p, n, hash);
	free(p);
	return C2D_OK;
}

c2d_status c2d_ethtx_sign(const secp256k1_context *ctx, const struct c2d_tx1559 *tx, const uint8_t sk[32],
			   uint8_t **raw, size_t *raw_len, uint8_t txhash[32], struct c2d_err *err)
{
	uint8_t hash[32], sig[65];
	int recid;
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_ecdsa_signature plain;
	int r = c2d_ethtx_signing_hash(tx, hash, err);
	if (r < 0)
		return r;
	if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, hash, sk, NULL, NULL))
		return c2d_fail(err, C2D_E_INPUT, "transaction signing failed (invalid secret key)");
	secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rs);
	/* libsecp256k1 always signs with s <= n/2 (EIP-2); normalizing a copy
	 * proves it, so a library change cannot silently produce transactions
	 * that nodes reject. */
	secp256k1_ecdsa_recoverable_signature_convert(ctx, &plain, &rs);
	if (secp256k1_ecdsa_signature_normalize(ctx, NULL, &plain) || recid < 0 || recid > 1)
		return c2d_fail(err, C2D_E_INTERNAL, "secp256k1 returned a high-s signature");
	sig[64] = (uint8_t)recid;
	r = typed_payload(tx, sig, raw, raw_len, err);
	if (r < 0)
		return r;
	c2d_keccak256(*raw, *raw_len, txhash);
	return C2D_OK;
}

c2d_status c2d_ethtx_address(const secp256k1_context *ctx, const uint8_t sk[32], uint8_t addr[20],
			   struct c2d_err *err)
{
	secp256k1_pubkey pub;
	uint8_t ser[65], h[32];
	size_t n = sizeof(ser);
	if (!secp256k1_ec_pubkey_create(ctx, &pub, sk))
		return c2d_fail(err, C2D_E_INPUT, "not a valid secp256k1 secret key");
	secp256k1_ec_pubkey_serialize(ctx, ser, &n, &pub, SECP256K1_EC_UNCOMPRESSED);
	c2d_keccak256(ser + 1, 64, h);
	memcpy(addr, h + 12, 20);
	return C2D_OK;
}

void c2d_ethtx_create_address(const uint8_t sender[20], uint64_t nonce, uint8_t addr[20])
{
	/* keccak256(rlp([sender, nonce])): at most 1 + 21 + 9 bytes, encoded
	 * here by hand so that this cannot fail (the encoder allocates). */
	uint8_t buf[32], h[32], be[8] = { 0 };
	size_t n = 2, k = 0;
	for (uint64_t v = nonce; v != 0; v >>= 8)
		k++;
	for (size_t i = 0; i < k; i++)
		be[i] = (uint8_t)(nonce >> (8 * (k - 1 - i)));
	buf[1] = 0x80 + 20;
	memcpy(buf + n, sender, 20);
	n += 20;
	if (k != 1 || be[0] >= 0x80)   /* a byte below 0x80 stands for itself */
		buf[n++] = (uint8_t)(0x80 + k);
	memcpy(buf + n, be, k);
	n += k;
	buf[0] = (uint8_t)(0xc0 + n - 1);
	c2d_keccak256(buf, n, h);
	memcpy(addr, h + 12, 20);
}

void c2d_ethtx_address_text(const uint8_t addr[20], char out[43])
{
	uint8_t h[32];
	out[0] = '0';
	out[1] = 'x';
	c2d_hex(addr, 20, out + 2);
	c2d_keccak256(out + 2, 40, h);
	for (int i = 0; i < 40; i++) {
		unsigned nib = (h[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;
		if (nib >= 8 && out[2 + i] >= 'a')
			out[2 + i] = (char)(out[2 + i] - 'a' + 'A');
	}
}

c2d_status c2d_ethtx_address_parse(const char *text, const char *what, uint8_t addr[20], struct c2d_err *err)
{
	int upper = 0, lower = 0;
	if (strlen(text) != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X') ||
	    c2d_hex_decode(text + 2, 40, addr, 20, err) < 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: '%.64s' is not an address (0x and 40 hex digits)", what,
				text);
	for (int i = 2; i < 42; i++) {
		upper |= isupper((unsigned char)text[i]) != 0;
		lower |= islower((unsigned char)text[i]) != 0;
	}
	if (upper && lower) {
		char want[43];
		c2d_ethtx_address_text(addr, want);
		if (strcmp(want + 2, text + 2) != 0)
			return c2d_fail(err, C2D_E_INPUT, "%s: '%s' has a wrong EIP-55 checksum (expected %s)",
					what, text, want);
	}
	return C2D_OK;
}
