/* Unit tests of the chain client: Keccak-256, RLP, the Solidity ABI,
 * EIP-1559 signing, revert decoding, the JSON-RPC response parser, owners
 * files, epsilon and the consortium's criteria. Known answers come from the
 * specifications (Keccak team, Ethereum RLP, Solidity ABI) and, for
 * signatures, from foundry's `cast mktx` (RFC 6979 makes them
 * deterministic); tests/host/eth_cast.sh compares with cast on random
 * inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <secp256k1_recovery.h>

#include "abi.h"
#include "c2d/hex.h"
#include "consortium.h"
#include "ethtx.h"
#include "keccak.h"
#include "keyfile.h"
#include "rlp.h"
#include "rpc.h"

static void hex_equal(const uint8_t *p, size_t n, const char *want)
{
	char *got = c2d_rpc_data_text(p, n);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static uint8_t *unhex_alloc(const char *s, size_t *n)
{
	uint8_t *p;
	assert_int_equal(c2d_rpc_data_parse(s, &p, n, NULL), 0);
	return p;
}

/* --- keccak ------------------------------------------------------------------ */

static void keccak_of_a(size_t n, const char *want)
{
	uint8_t h[32];
	char *s = malloc(n + 1);
	memset(s, 'a', n);
	c2d_keccak256(s, n, h);
	hex_equal(h, 32, want);
	/* fed in pieces of every size, it must not matter where blocks split */
	for (size_t step = 1; step < 140; step += 17) {
		struct c2d_keccak k;
		uint8_t h2[32];
		c2d_keccak256_init(&k);
		for (size_t off = 0; off < n; off += step)
			c2d_keccak256_update(&k, s + off, n - off < step ? n - off : step);
		c2d_keccak256_final(&k, h2);
		assert_memory_equal(h, h2, 32);
	}
	free(s);
}

static void test_keccak(void **state)
{
	(void)state;
	uint8_t h[32];
	c2d_keccak256("", 0, h);
	hex_equal(h, 32, "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	c2d_keccak256("abc", 3, h);
	hex_equal(h, 32, "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
	/* SHA3-256("") is a7ffc6f8...: the padding is Keccak's, not FIPS 202's */
	c2d_keccak256("", 0, h);
	assert_int_not_equal(h[0], 0xa7);
	/* around the 136-byte rate: the last byte of a block holds 0x81 */
	keccak_of_a(135, "0x34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446");
	keccak_of_a(136, "0xa6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e");
	keccak_of_a(137, "0xd869f639c7046b4929fc92a4d988a8b22c55fbadb802c0c66ebcd484f1915f39");
	keccak_of_a(300, "0x5b7e0e47a96f32a88b4f14ca177982790807c40e1a105742ba0fc1babe1ef826");
	/* Solidity selectors, from the ABI specification */
	uint8_t sel[4];
	c2d_abi_selector("baz(uint32,bool)", sel);
	hex_equal(sel, 4, "0xcdcd77c0");
	c2d_abi_selector("transfer(address,uint256)", sel);
	hex_equal(sel, 4, "0xa9059cbb");
}

/* --- RLP ----------------------------------------------------------------------- */

static void rlp_done(struct c2d_rlp *e, const char *want)
{
	uint8_t *out;
	size_t n;
	assert_int_equal(c2d_rlp_finish(e, &out, &n, NULL), 0);
	hex_equal(out, n, want);
	/* whatever we encode, the strict decoder reads back as one item */
	struct c2d_rlp_item it;
	assert_int_equal(c2d_rlp_decode_all(out, n, &it, NULL), 0);
	free(out);
}

static void test_rlp_encode(void **state)
{
	(void)state;
	struct c2d_rlp e;
	static const char lorem[] = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
	c2d_rlp_init(&e);
	c2d_rlp_bytes(&e, (const uint8_t *)"dog", 3);
	rlp_done(&e, "0x83646f67");
	size_t m = c2d_rlp_list_begin(&e);
	c2d_rlp_bytes(&e, (const uint8_t *)"cat", 3);
	c2d_rlp_bytes(&e, (const uint8_t *)"dog", 3);
	c2d_rlp_list_end(&e, m);
	rlp_done(&e, "0xc88363617483646f67");
	c2d_rlp_bytes(&e, (const uint8_t *)"", 0);
	rlp_done(&e, "0x80");
	c2d_rlp_list_end(&e, c2d_rlp_list_begin(&e));
	rlp_done(&e, "0xc0");
	c2d_rlp_uint(&e, 0);
	rlp_done(&e, "0x80");
	c2d_rlp_bytes(&e, (const uint8_t *)"\x00", 1);
	rlp_done(&e, "0x00");
	c2d_rlp_uint(&e, 15);
	rlp_done(&e, "0x0f");
	c2d_rlp_uint(&e, 1024);
	rlp_done(&e, "0x820400");
	c2d_rlp_uint(&e, 0x80);
	rlp_done(&e, "0x8180");
	/* the set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ] */
	size_t l0 = c2d_rlp_list_begin(&e);
	c2d_rlp_list_end(&e, c2d_rlp_list_begin(&e));
	size_t l1 = c2d_rlp_list_begin(&e);
	c2d_rlp_list_end(&e, c2d_rlp_list_begin(&e));
	c2d_rlp_list_end(&e, l1);
	size_t l2 = c2d_rlp_list_begin(&e);
	c2d_rlp_list_end(&e, c2d_rlp_list_begin(&e));
	size_t l3 = c2d_rlp_list_begin(&e);
	c2d_rlp_list_end(&e, c2d_rlp_list_begin(&e));
	c2d_rlp_list_end(&e, l3);
	c2d_rlp_list_end(&e, l2);
	c2d_rlp_list_end(&e, l0);
	rlp_done(&e, "0xc7c0c1c0c3c0c1c0");
	/* a 56-byte string takes the long form */
	c2d_rlp_bytes(&e, (const uint8_t *)lorem, 56);
	uint8_t *out;
	size_t n;
	assert_int_equal(c2d_rlp_finish(&e, &out, &n, NULL), 0);
	assert_int_equal(n, 58);
	assert_int_equal(out[0], 0xb8);
	assert_int_equal(out[1], 56);
	assert_memory_equal(out + 2, lorem, 56);
	free(out);
	/* a list of 1024 bytes: two length bytes */
	uint8_t big[1021] = { 0 };
	m = c2d_rlp_list_begin(&e);
	c2d_rlp_bytes(&e, big, sizeof(big));
	c2d_rlp_list_end(&e, m);
	assert_int_equal(c2d_rlp_finish(&e, &out, &n, NULL), 0);
	assert_int_equal(n, 3 + 3 + 1021);
	assert_memory_equal(out, "\xf9\x04\x00\xb9\x03\xfd", 6);
	free(out);
}

static void rlp_refused(const char *hex, const char *msg)
{
	size_t n;
	uint8_t *p = unhex_alloc(hex, &n);
	struct c2d_rlp_item it;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_rlp_decode_all(p, n, &it, &err), C2D_E_INPUT);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", hex, err.msg, msg);
	free(p);
}

static void test_rlp_decode(void **state)
{
	(void)state;
	size_t n, pos = 0;
	uint8_t *p = unhex_alloc("0xc88363617483646f67", &n);
	struct c2d_rlp_item list, it;
	assert_int_equal(c2d_rlp_decode_all(p, n, &list, NULL), 0);
	assert_true(list.list);
	assert_int_equal(c2d_rlp_next(&list, &pos, &it, NULL), 1);
	assert_int_equal(it.len, 3);
	assert_memory_equal(it.p, "cat", 3);
	assert_int_equal(it.off, 2);
	assert_int_equal(c2d_rlp_next(&list, &pos, &it, NULL), 1);
	assert_memory_equal(it.p, "dog", 3);
	assert_int_equal(it.off, 6);
	assert_int_equal(c2d_rlp_next(&list, &pos, &it, NULL), 0);
	free(p);
	uint64_t v;
	p = unhex_alloc("0x820400", &n);
	assert_int_equal(c2d_rlp_decode_all(p, n, &it, NULL), 0);
	assert_int_equal(c2d_rlp_get_uint(&it, &v, NULL), 0);
	assert_int_equal(v, 1024);
	free(p);

	rlp_refused("0x", "no item");
	rlp_refused("0x8105", "must be encoded as itself");
	rlp_refused("0xb80100", "short form required");
	rlp_refused("0xb9003800", "leading zero");
	rlp_refused("0x83646f", "runs past the end");
	rlp_refused("0xb8", "runs past the end");
	rlp_refused("0x83646f6700", "1 bytes after the item");
	rlp_refused("0xc883636174836f67", "runs past the end");
	/* a list's items are checked when walked, with their offsets */
	p = unhex_alloc("0xc3820001", &n);
	assert_int_equal(c2d_rlp_decode_all(p, n, &list, NULL), 0);
	pos = 0;
	assert_int_equal(c2d_rlp_next(&list, &pos, &it, NULL), 1);
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_rlp_get_uint(&it, &v, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "rlp offset 2: integer with a leading zero byte");
	free(p);
}

/* --- ABI ----------------------------------------------------------------------- */

static void word_hex(char *out, uint64_t v)
{
	snprintf(out, 65, "%064llx", (unsigned long long)v);
}

static void test_abi_spec(void **state)
{
	(void)state;
	uint8_t *out;
	size_t n;
	/* baz(uint32,bool) with 69 and true (the ABI specification) */
	struct c2d_abi_value a[2] = { c2d_abi_uint(69), c2d_abi_bool(1) };
	assert_int_equal(c2d_abi_call("baz(uint32,bool)", a, 2, &out, &n, NULL), 0);
	hex_equal(out, n, "0xcdcd77c0"
		  "0000000000000000000000000000000000000000000000000000000000000045"
		  "0000000000000000000000000000000000000000000000000000000000000001");
	free(out);
	/* sam(bytes,bool,uint256[]) with "dave", true and [1,2,3] */
	struct c2d_abi_value nums[3] = { c2d_abi_uint(1), c2d_abi_uint(2), c2d_abi_uint(3) };
	struct c2d_abi_value b[3] = { c2d_abi_bytes((const uint8_t *)"dave", 4), c2d_abi_bool(1),
				      c2d_abi_array(nums, 3) };
	assert_int_equal(c2d_abi_call("sam(bytes,bool,uint256[])", b, 3, &out, &n, NULL), 0);
	char want[2 + 8 + 64 * 20 + 1] = "0xa5643bf2", w[65];
	static const uint64_t sam[] = { 0x60, 1, 0xa0, 4, 0, 3, 1, 2, 3 };
	for (size_t i = 0; i < 9; i++) {
		word_hex(w, sam[i]);
		if (i == 4)
			memcpy(w, "64617665", 8);   /* "dave", left-aligned */
		strcat(want, w);
	}
	hex_equal(out, n, want);
	free(out);
	/* g(uint256[][],string[]) with [[1,2],[3]] and ["one","two","three"] */
	struct c2d_abi_value inner1[2] = { c2d_abi_uint(1), c2d_abi_uint(2) }, inner2[1] = { c2d_abi_uint(3) };
	struct c2d_abi_value outer[2] = { c2d_abi_array(inner1, 2), c2d_abi_array(inner2, 1) };
	struct c2d_abi_value strs[3] = { c2d_abi_string("one"), c2d_abi_string("two"), c2d_abi_string("three") };
	struct c2d_abi_value g[2] = { c2d_abi_array(outer, 2), c2d_abi_array(strs, 3) };
	assert_int_equal(c2d_abi_call("g(uint256[][],string[])", g, 2, &out, &n, NULL), 0);
	static const uint64_t gw[] = { 0x40, 0x140, 2, 0x40, 0xa0, 2, 1, 2, 1, 3, 3, 0x60, 0xa0, 0xe0,
				       3, 0, 3, 0, 5, 0 };
	static const char *const gs[] = { [15] = "6f6e65", [17] = "74776f", [19] = "7468726565" };
	strcpy(want, "0x2289b18c");
	for (size_t i = 0; i < 20; i++) {
		word_hex(w, gw[i]);
		if (gs[i] != NULL)
			memcpy(w, gs[i], strlen(gs[i]));
		strcat(want, w);
	}
	hex_equal(out, n, want);

	/* decoding it gives the values back, and re-encoding the same bytes */
	struct c2d_abi_value *v;
	assert_int_equal(c2d_abi_decode("(uint256[][],string[])", out + 4, n - 4, &v, NULL), 0);
	assert_int_equal(v->items[0].n, 2);
	assert_int_equal(v->items[0].items[1].n, 1);
	uint64_t x;
	assert_int_equal(c2d_abi_get_u64(&v->items[0].items[1].items[0], "x", &x, NULL), 0);
	assert_int_equal(x, 3);
	assert_int_equal(v->items[1].items[2].len, 5);
	assert_memory_equal(v->items[1].items[2].data, "three", 5);
	uint8_t *again;
	size_t n2;
	assert_int_equal(c2d_abi_encode("(uint256[][],string[])", v, &again, &n2, NULL), 0);
	assert_int_equal(n2, n - 4);
	assert_memory_equal(again, out + 4, n2);
	free(again);
	c2d_abi_free(v);

	/* strictness: each corruption is refused, naming the offset */
	struct c2d_err err = { 0 };
	uint8_t *bad = malloc(n);
	memcpy(bad, out, n);
	bad[4 + 31] = 0x60;   /* first offset no longer the canonical 0x40 */
	assert_int_equal(c2d_abi_decode("(uint256[][],string[])", bad + 4, n - 4, &v, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "offset 0: offset is not the canonical one"));
	memcpy(bad, out, n);
	bad[4 + 15 * 32 + 3] = 'x';   /* non-zero padding after "one" */
	assert_int_equal(c2d_abi_decode("(uint256[][],string[])", bad + 4, n - 4, &v, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "non-zero padding"));
	memcpy(bad, out, n);
	bad[4 + 10 * 32 + 31] = 0xff;   /* string count beyond the data */
	assert_int_equal(c2d_abi_decode("(uint256[][],string[])", bad + 4, n - 4, &v, &err), C2D_E_INPUT);
	assert_int_equal(c2d_abi_decode("(uint256[][],string[])", out + 4, n - 5, &v, &err), C2D_E_INPUT);
	assert_int_equal(c2d_abi_decode("(uint256[][],string[])", out + 4, n - 4 - 32, &v, &err), C2D_E_INPUT);
	free(bad);
	free(out);
}

static void test_abi_types(void **state)
{
	(void)state;
	uint8_t *out, word[32] = { 0 };
	size_t n;
	struct c2d_abi_value *v;
	struct c2d_err err = { 0 };
	/* values are checked against their types before encoding */
	struct c2d_abi_value big = c2d_abi_uint(UINT64_MAX);
	assert_int_equal(c2d_abi_call("f(uint32)", &big, 1, &out, &n, &err), C2D_E_INPUT);
	struct c2d_abi_value s = c2d_abi_string("x");
	assert_int_equal(c2d_abi_call("f(bytes32)", &s, 1, &out, &n, &err), C2D_E_INPUT);
	assert_int_equal(c2d_abi_call("f(bytes32,bool)", &s, 1, &out, &n, &err), C2D_E_INPUT);
	assert_int_equal(c2d_abi_call("name()", NULL, 0, &out, &n, NULL), 0);
	hex_equal(out, n, "0x06fdde03");
	free(out);
	/* return data: dirty bits of small types are refused */
	word[11] = 1;   /* bit 160 of an address */
	assert_int_equal(c2d_abi_decode("(address)", word, 32, &v, &err), C2D_E_INPUT);
	memset(word, 0, 32);
	word[31] = 2;
	assert_int_equal(c2d_abi_decode("(bool)", word, 32, &v, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "bool neither 0 nor 1"));
	word[31] = 1;
	assert_int_equal(c2d_abi_decode("(bool)", word, 32, &v, NULL), 0);
	c2d_abi_free(v);
	word[23] = 1;   /* 2^64 */
	assert_int_equal(c2d_abi_decode("(uint64)", word, 32, &v, &err), C2D_E_INPUT);
	assert_int_equal(c2d_abi_decode("(uint256)", word, 32, &v, NULL), 0);
	uint64_t x;
	assert_int_equal(c2d_abi_get_u64(&v->items[0], "count", &x, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "count: not an integer below 2^64");
	c2d_abi_free(v);
	/* an array count that the data cannot hold is refused before any
	 * allocation */
	uint8_t arr[96] = { 0 };
	arr[31] = 0x20;
	memset(arr + 32, 0xff, 32);
	arr[32] = 0;
	assert_int_equal(c2d_abi_decode("(uint256[])", arr, 96, &v, &err), C2D_E_INPUT);
	memset(arr + 32, 0, 32);
	arr[63] = 2;   /* two elements, one word of data */
	assert_int_equal(c2d_abi_decode("(uint256[])", arr, 96, &v, &err), C2D_E_INPUT);
	arr[63] = 1;
	assert_int_equal(c2d_abi_decode("(uint256[])", arr, 96, &v, NULL), 0);
	assert_int_equal(v->items[0].n, 1);
	c2d_abi_free(v);
}

static void test_revert(void **state)
{
	(void)state;
	char out[128];
	uint8_t *out_data;
	size_t n;
	/* Error(string) as the contract's require() writes it */
	struct c2d_abi_value r = c2d_abi_string("c2d: not an owner");
	assert_int_equal(c2d_abi_call("Error(string)", &r, 1, &out_data, &n, NULL), 0);
	hex_equal(out_data, 4, "0x08c379a0");
	assert_int_equal(c2d_abi_revert_reason(out_data, n, out, sizeof(out)), 1);
	assert_string_equal(out, "c2d: not an owner");
	assert_int_equal(c2d_abi_revert_reason(out_data, n, out, 8), 1);
	assert_string_equal(out, "c2d: no");
	free(out_data);
	struct c2d_abi_value code = c2d_abi_uint(0x11);
	assert_int_equal(c2d_abi_call("Panic(uint256)", &code, 1, &out_data, &n, NULL), 0);
	hex_equal(out_data, 4, "0x4e487b71");
	assert_int_equal(c2d_abi_revert_reason(out_data, n, out, sizeof(out)), 2);
	assert_string_equal(out, "panic 0x11 (arithmetic overflow or underflow)");
	free(out_data);
	/* a newline in a reason cannot forge a second line */
	r = c2d_abi_string("a\nb");
	assert_int_equal(c2d_abi_call("Error(string)", &r, 1, &out_data, &n, NULL), 0);
	c2d_abi_revert_reason(out_data, n, out, sizeof(out));
	assert_string_equal(out, "a?b");
	/* truncated Error data is shown as hex, not half-decoded */
	assert_int_equal(c2d_abi_revert_reason(out_data, n - 1, out, sizeof(out)), 0);
	assert_memory_equal(out, "revert data 0x08c379a0", 22);
	free(out_data);
	assert_int_equal(c2d_abi_revert_reason((const uint8_t *)"\xde\xad", 2, out, sizeof(out)), 0);
	assert_string_equal(out, "revert data 0xdead");
	assert_int_equal(c2d_abi_revert_reason(NULL, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "no revert data");
}

/* --- transactions -------------------------------------------------------------- */

static void test_tx_sign(void **state)
{
	(void)state;
	secp256k1_context *ctx;
	assert_int_equal(c2d_key_secp_context(&ctx, NULL), C2D_OK);
	uint8_t sk[32], addr[20], *raw, txhash[32], hash[32];
	size_t n;
	char text[43];
	memset(sk, 0x46, 32);
	assert_int_equal(c2d_ethtx_address(ctx, sk, addr, NULL), 0);
	c2d_ethtx_address_text(addr, text);
	assert_string_equal(text, "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F");
	/* `cast mktx --private-key 0x46..46 --chain 1 --nonce 9 --gas-limit 21000
	 * --priority-gas-price 2000000000 --gas-price 20000000000
	 * --value 1000000000000000000 0x3535...35` */
	struct c2d_tx1559 tx = { .chain_id = 1, .nonce = 9, .max_priority_fee = 2000000000ull,
				 .max_fee = 20000000000ull, .gas_limit = 21000, .has_to = 1,
				 .value = 1000000000000000000ull };
	memset(tx.to, 0x35, 20);
	assert_int_equal(c2d_ethtx_sign(ctx, &tx, sk, &raw, &n, txhash, NULL), 0);
	hex_equal(raw, n, "0x02f873010984773594008504a817c800825208943535353535353535353535353535353535353535"
			  "880de0b6b3a764000080c001a079b7c7f86885a63564d32f1970e457e0d5e904f6e3373aaf114ac871d9"
			  "6aee31a0461db850185ce53f5923ea61800444727d21e2cbe15393e774a8e6a6ef495681");
	/* the signature recovers to the signer over the signing hash */
	struct c2d_rlp_item list, it;
	size_t pos = 0;
	uint8_t sig[64] = { 0 };
	uint64_t parity = 2;
	assert_int_equal(raw[0], 0x02);
	assert_int_equal(c2d_rlp_decode_all(raw + 1, n - 1, &list, NULL), 0);
	for (int i = 0; c2d_rlp_next(&list, &pos, &it, NULL) == 1; i++) {
		if (i == 9)
			assert_int_equal(c2d_rlp_get_uint(&it, &parity, NULL), 0);
		if (i == 10 || i == 11)
			memcpy(sig + (i - 10) * 32 + 32 - it.len, it.p, it.len);
	}
	assert_int_equal(c2d_ethtx_signing_hash(&tx, hash, NULL), 0);
	secp256k1_ecdsa_recoverable_signature rs;
	secp256k1_pubkey pub;
	assert_true(secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, (int)parity));
	assert_true(secp256k1_ecdsa_recover(ctx, &pub, &rs, hash));
	uint8_t ser[65], h[32];
	size_t sl = 65;
	secp256k1_ec_pubkey_serialize(ctx, ser, &sl, &pub, SECP256K1_EC_UNCOMPRESSED);
	c2d_keccak256(ser + 1, 64, h);
	assert_memory_equal(h + 12, addr, 20);
	c2d_keccak256(raw, n, h);
	assert_memory_equal(h, txhash, 32);
	free(raw);
	/* contract creation (`cast mktx --create`): an empty `to` */
	static const uint8_t init[] = { 0x60, 0x80, 0x60, 0x40, 0x52 };
	struct c2d_tx1559 cr = { .chain_id = 31337, .nonce = 0, .max_priority_fee = 1, .max_fee = 2,
				 .gas_limit = 500000, .data = init, .data_len = sizeof(init) };
	assert_int_equal(c2d_ethtx_sign(ctx, &cr, sk, &raw, &n, txhash, NULL), 0);
	hex_equal(raw, n, "0x02f856827a698001028307a1208080856080604052c001a0b86321735ac8ae0a1629c8a7304a4ba9"
			  "c7ab7e967532f7ed6818645587a791fca01c8384a3374c63a98184fd00cce1e51430cad90ab4214f5db41160"
			  "9a9d6fccc9");
	free(raw);
	/* `cast compute-address 0x9d8A...4F --nonce 0` and `--nonce 200` */
	c2d_ethtx_create_address(addr, 0, h);
	c2d_ethtx_address_text(h, text);
	assert_string_equal(text, "0x72665d3e94Cb4f374b7728F1ab21A3115C4D50Eb");
	c2d_ethtx_create_address(addr, 200, h);
	c2d_ethtx_address_text(h, text);
	assert_string_equal(text, "0x44b724eAeC400B62784E82738B21b74141a4AEeA");
	secp256k1_context_destroy(ctx);
}

static void test_address_parse(void **state)
{
	(void)state;
	uint8_t a[20];
	struct c2d_err err = { 0 };
	/* EIP-55's own examples */
	assert_int_equal(c2d_ethtx_address_parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "x", a, NULL), 0);
	char t[43];
	c2d_ethtx_address_text(a, t);
	assert_string_equal(t, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
	assert_int_equal(c2d_ethtx_address_parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "x", a, NULL), 0);
	assert_int_equal(c2d_ethtx_address_parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "x", a, NULL), 0);
	assert_int_equal(c2d_ethtx_address_parse("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "x", a, NULL), 0);
	assert_int_equal(c2d_ethtx_address_parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "--app", a, &err),
			 C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "--app: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD' has a wrong EIP-55"));
	assert_int_equal(c2d_ethtx_address_parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", "x", a, &err),
			 C2D_E_INPUT);
	assert_int_equal(c2d_ethtx_address_parse("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00", "x", a, &err),
			 C2D_E_INPUT);
}

/* --- JSON-RPC responses -------------------------------------------------------- */

static int parse(const char *body, uint64_t id, struct c2d_rpc_reply *rep, struct c2d_err *err)
{
	return c2d_rpc_parse_response(body, strlen(body), id, rep, err);
}

static void test_rpc_parse(void **state)
{
	(void)state;
	struct c2d_rpc_reply rep;
	struct c2d_err err = { 0 };
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":\"0x7a69\"}", 7, &rep, NULL), 0);
	uint64_t v;
	assert_int_equal(c2d_rpc_quantity_parse(json_string_value(rep.result), &v, NULL), 0);
	assert_int_equal(v, 31337);
	c2d_rpc_reply_free(&rep);
	/* anvil's answer to a reverting eth_call */
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":3,\"message\":\"execution "
			       "reverted: c2d: not an owner\",\"data\":\"0x08c379a0000000000000000000000000000000000000"
			       "0000000000000000000000000020000000000000000000000000000000000000000000000000000000000"
			       "00000116332643a206e6f7420616e206f776e6572000000000000000000000000000000\"}}",
			       3, &rep, NULL), 0);
	assert_true(rep.is_error);
	assert_int_equal(rep.code, 3);
	assert_true(rep.has_data);
	char reason[64];
	assert_int_equal(c2d_abi_revert_reason(rep.data, rep.data_len, reason, sizeof(reason)), 1);
	assert_string_equal(reason, "c2d: not an owner");
	c2d_rpc_reply_free(&rep);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":null}", 1, &rep, NULL), 0);
	assert_true(json_is_null(rep.result));
	c2d_rpc_reply_free(&rep);
	/* refused: another id, both or neither member, no version, duplicates */
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":1}", 1, &rep, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "response answers another request (id mismatch)");
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":1}", 1, &rep, &err), C2D_E_INPUT);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}", 1, &rep, &err),
			 C2D_E_INPUT);
	assert_int_equal(parse("{\"id\":1,\"result\":1}", 1, &rep, &err), C2D_E_INPUT);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"result\":2}", 1, &rep, &err),
			 C2D_E_INPUT);
	assert_int_equal(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"x\",\"message\":\"m\"}}", 1,
			       &rep, &err), C2D_E_INPUT);
	assert_int_equal(parse("<html>502</html>", 1, &rep, &err), C2D_E_INPUT);
	/* quantities: canonical hex only */
	assert_int_equal(c2d_rpc_quantity_parse("0x0", &v, NULL), 0);
	assert_int_equal(c2d_rpc_quantity_parse("0x00", &v, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_rpc_quantity_parse("0x", &v, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_rpc_quantity_parse("7", &v, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_rpc_quantity_parse("0xffffffffffffffff", &v, NULL), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(c2d_rpc_quantity_parse("0x10000000000000000", &v, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_rpc_quantity_parse(NULL, &v, NULL), C2D_E_INPUT);
}

/* --- owners, epsilon, criteria ------------------------------------------------- */

static int owners(const char *text, struct c2d_owners *o, struct c2d_err *err)
{
	return c2d_consortium_owners_parse("owners.txt", text, strlen(text), o, err);
}

static void test_owners(void **state)
{
	(void)state;
	struct c2d_owners o;
	struct c2d_err err = { 0 };
	assert_int_equal(owners("# the consortium\n"
				"0x70997970C51812dc3A010C7d01b50e0d17dc79C8 US hospital  records=412000\tHIPAA\n"
				"\n"
				"  0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc   DE   # no labels\n"
				"0x90F79bf6EB2c4f870365E785982E1f101E93b906 - research\n"
				"0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
				&o, &err), 0);
	assert_int_equal(o.n, 4);
	assert_string_equal(o.v[0].jurisdiction, "US");
	assert_string_equal(o.v[0].labels, "hospital records=412000 HIPAA");
	assert_int_equal(o.v[1].addr[0], 0x3c);
	assert_string_equal(o.v[1].jurisdiction, "DE");
	assert_string_equal(o.v[1].labels, "");
	assert_string_equal(o.v[2].jurisdiction, "");
	assert_string_equal(o.v[2].labels, "research");
	assert_string_equal(o.v[3].jurisdiction, "");
	uint64_t rec;
	assert_int_equal(c2d_consortium_labels_records(o.v[0].labels, &rec), 1);
	assert_int_equal(rec, 412000);
	assert_int_equal(c2d_consortium_labels_records(o.v[2].labels, &rec), 0);
	assert_int_equal(c2d_consortium_labels_records("records=12x records=", &rec), 0);
	assert_int_equal(c2d_consortium_labels_records("  records= records=7 ", &rec), 1);
	assert_int_equal(rec, 7);
	c2d_consortium_owners_free(&o);

	/* The words, as both c2d chain status --json and records= see them:
	 * no empty word from leading, doubled or trailing spaces. */
	static const char *const want[] = { "hospital", "records=412000", "HIPAA" };
	const char *p = "  hospital records=412000  HIPAA ", *w;
	size_t n, k = 0;
	while ((w = c2d_consortium_labels_next(&p, &n)) != NULL) {
		assert_true(k < 3);
		assert_int_equal(n, strlen(want[k]));
		assert_memory_equal(w, want[k], n);
		k++;
	}
	assert_int_equal(k, 3);
	assert_int_equal(*p, '\0');
	assert_null(c2d_consortium_labels_next(&p, &n));
	p = "   ";
	assert_null(c2d_consortium_labels_next(&p, &n));
	p = "";
	assert_null(c2d_consortium_labels_next(&p, &n));

	assert_int_equal(owners("0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n  0x1234 US\n", &o, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "owners.txt:2:3: owner: expected an address (0x and 40 hex digits)");
	assert_int_equal(owners("0x70997970c51812dc3a010c7d01b50e0d17dc79c8\n"
				"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n", &o, &err), C2D_E_INPUT);
	assert_string_equal(err.msg,
			    "owners.txt:2:1: owner 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 is listed twice");
	assert_int_equal(owners("0x70997970C51812dc3A010C7d01b50e0d17dc79c8 US\n", &o, &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "owners.txt:1:1: owner: '0x70997970C51812dc3A010C7d01b50e0d17dc79c8' has a "
				       "wrong EIP-55 checksum"));
	assert_int_equal(owners("0x0000000000000000000000000000000000000000\n", &o, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "owners.txt:1:1: the zero address cannot be an owner");
	assert_int_equal(owners("# nobody\n\n", &o, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "owners.txt: no owners");
	assert_int_equal(owners("0x70997970C51812dc3A010C7d01b50e0d17dc79C8 Z\xc3\xbcrich\n", &o, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "owners.txt:1:45: not printable ASCII");
}

static void test_epsilon(void **state)
{
	(void)state;
	uint64_t m;
	struct c2d_err err = { 0 };
	char t[32];
	assert_int_equal(c2d_consortium_micro_parse("1.25", "epsilon", &m, NULL), 0);
	assert_int_equal(m, 1250000);
	assert_int_equal(c2d_consortium_micro_parse("0.000001", "epsilon", &m, NULL), 0);
	assert_int_equal(m, 1);
	assert_int_equal(c2d_consortium_micro_parse("3", "epsilon", &m, NULL), 0);
	assert_int_equal(m, 3000000);
	assert_int_equal(c2d_consortium_micro_parse("0", "epsilon", &m, NULL), 0);
	assert_int_equal(m, 0);
	assert_int_equal(c2d_consortium_micro_parse("18446744073709.551615", "epsilon", &m, NULL), 0);
	assert_true(m == UINT64_MAX);
	assert_int_equal(c2d_consortium_micro_parse("18446744073710", "epsilon", &m, &err), C2D_E_INPUT);
	assert_int_equal(c2d_consortium_micro_parse("0.0000001", "epsilon", &m, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "epsilon '0.0000001' has 7 decimals; budgets are in micro-units (at most 6)");
	assert_int_equal(c2d_consortium_micro_parse("0.5x", "rho", &m, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "rho '0.5x' is not a decimal number (like 1.5)");
	assert_int_equal(c2d_consortium_micro_parse("1.5000000", "epsilon", &m, &err), C2D_E_INPUT);
	assert_int_equal(c2d_consortium_micro_parse("-1", "epsilon", &m, &err), C2D_E_INPUT);
	assert_int_equal(c2d_consortium_micro_parse("1e3", "epsilon", &m, &err), C2D_E_INPUT);
	assert_int_equal(c2d_consortium_micro_parse(".5", "epsilon", &m, &err), C2D_E_INPUT);
	assert_int_equal(c2d_consortium_micro_parse("1.", "epsilon", &m, &err), C2D_E_INPUT);
	assert_int_equal(c2d_consortium_micro_parse("", "epsilon", &m, &err), C2D_E_INPUT);
	c2d_consortium_micro_text(1250000, t, sizeof(t));
	assert_string_equal(t, "1.25");
	c2d_consortium_micro_text(3000000, t, sizeof(t));
	assert_string_equal(t, "3");
	c2d_consortium_micro_text(1, t, sizeof(t));
	assert_string_equal(t, "0.000001");
	/* dataset ids: 64 hex digits are the id; other text is hashed */
	uint8_t id[32], h[32];
	assert_int_equal(c2d_consortium_dataset_id("0x0101010101010101010101010101010101010101010101010101010101010101", id, NULL), 0);
	assert_int_equal(id[31], 1);
	assert_int_equal(c2d_consortium_dataset_id("cohort-2025", id, NULL), 0);
	c2d_keccak256("cohort-2025", 11, h);
	assert_memory_equal(id, h, 32);
	assert_int_equal(c2d_consortium_dataset_id("", id, &err), C2D_E_INPUT);
}

static void test_criteria(void **state)
{
	(void)state;
	struct c2d_criteria c;
	const char *four[] = { "US", "DE", "US", "FR" }, *one[] = { "US", "US", "US" },
		   *some[] = { "US", "", "US" }, *none[] = { "", "" };
	int all[] = { 1, 1, 1, 1 }, part[] = { 1, 0, 1, 1 };
	c2d_consortium_criteria(4, four, 4, all, &c);
	assert_int_equal(c.owners, C2D_MATCH);
	assert_int_equal(c.jurisdictions, C2D_MATCH);
	assert_int_equal(c.distinct, 3);
	assert_int_equal(c.regulated, C2D_MATCH);
	c2d_consortium_criteria(4, four, 3, all, &c);
	assert_int_equal(c.regulated, C2D_PARTIAL);     /* budgets, but 3 of 4 */
	c2d_consortium_criteria(4, four, 4, part, &c);
	assert_int_equal(c.regulated, C2D_PARTIAL);     /* n of n, one budget missing */
	c2d_consortium_criteria(4, four, 2, part, &c);
	assert_int_equal(c.regulated, C2D_MISS);
	c2d_consortium_criteria(3, one, 3, all, &c);
	assert_int_equal(c.jurisdictions, C2D_MISS);
	c2d_consortium_criteria(3, some, 3, all, &c);
	assert_int_equal(c.jurisdictions, C2D_PARTIAL);
	assert_int_equal(c.unplaced, 1);
	c2d_consortium_criteria(2, none, 1, all, &c);
	assert_int_equal(c.owners, C2D_PARTIAL);
	assert_int_equal(c.jurisdictions, C2D_PARTIAL);
	c2d_consortium_criteria(1, one, 1, all, &c);
	assert_int_equal(c.owners, C2D_MISS);
	assert_int_equal(c.regulated, C2D_MATCH);
	assert_string_equal(c2d_consortium_grade_name(C2D_PARTIAL), "partial");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keccak),     cmocka_unit_test(test_rlp_encode),
		cmocka_unit_test(test_rlp_decode), cmocka_unit_test(test_abi_spec),
		cmocka_unit_test(test_abi_types),  cmocka_unit_test(test_revert),
		cmocka_unit_test(test_tx_sign),    cmocka_unit_test(test_address_parse),
		cmocka_unit_test(test_rpc_parse),  cmocka_unit_test(test_owners),
		cmocka_unit_test(test_epsilon),    cmocka_unit_test(test_criteria),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
