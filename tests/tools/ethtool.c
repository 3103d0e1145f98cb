/*
 * c2d-ethtool: test-only window onto the chain client's encoders, so that
 * tests/host/eth_cast.sh can compare their bytes with foundry's `cast` on
 * random inputs. Not part of the product. Every output is lowercase hex
 * with 0x (addresses in EIP-55 case), one line.
 *
 *   keccak HEX                          Keccak-256 of the bytes
 *   address KEY                         the address of a secret key (hex)
 *   create-address ADDR NONCE           address of the contract ADDR creates at NONCE
 *   sign KEY CHAIN NONCE TIP MAXFEE GAS TO|- VALUE DATA
 *                                       a signed EIP-1559 transaction
 *   rlp-uint N                          RLP of an unsigned integer
 *   calldata-approve HASH               approve(bytes32)
 *   calldata-approve-until HASH T       approveUntil(bytes32,uint64)
 *   calldata-budget ID EPS RHO          setBudget(bytes32,uint64,uint64)
 *   calldata-budget-of OWNER ID         budgetOf(address,bytes32)
 *   ctor NAME K KMS ADDR:JUR:LABELS...  the constructor's arguments
 *   calldata-bootinfo APP COMPOSE INSTANCE DEVICE MRAGG MRSYS OSIMG TCB ADV...
 *                                       isAppAllowed(AppBootInfo)
 *   decode-owner HEX                    (address,string,string) return data, as
 *                                       ADDR|JUR|LABELS
 *   revert HEX                          the revert reason of revert data
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "c2d/hex.h"
#include "ethtx.h"
#include "keccak.h"
#include "keyfile.h"
#include "rlp.h"
#include "rpc.h"

static void die(const char *what, const struct c2d_err *err)
{
	fprintf(stderr, "c2d-ethtool: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
	exit(1);
}

static void put_hex(const uint8_t *p, size_t n)
{
	char *s = c2d_rpc_data_text(p, n);
	if (s == NULL)
		die("out of memory", NULL);
	puts(s);
	free(s);
}

static uint8_t *hex_arg(const char *s, size_t *n)
{
	uint8_t *p;
	if (c2d_rpc_data_parse(s, &p, n, NULL) < 0)
		die("bad hex argument", NULL);
	return p;
}

static void fixed(const char *s, uint8_t *out, size_t n)
{
	if (c2d_hex_decode(s, strlen(s), out, n, NULL) < 0)
		die("bad fixed-size hex argument", NULL);
}

static uint64_t num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end != '\0' || s[0] == '\0')
		die("bad number", NULL);
	return v;
}

static void addr(const char *s, uint8_t a[20])
{
	struct c2d_err err = { 0 };
	if (c2d_ethtx_address_parse(s, "address", a, &err) < 0)
		die("bad address", &err);
}

static void emit_call(const char *sig, const struct c2d_abi_value *v, size_t n)
{
	struct c2d_err err = { 0 };
	uint8_t *out;
	size_t len;
	if (c2d_abi_call(sig, v, n, &out, &len, &err) < 0)
		die(sig, &err);
	put_hex(out, len);
	free(out);
}

int main(int argc, char **argv)
{
	struct c2d_err err = { 0 };
	if (argc < 2)
		die("usage: see tests/tools/ethtool.c", NULL);
	const char *cmd = argv[1];
	if (strcmp(cmd, "keccak") == 0 && argc == 3) {
		size_t n;
		uint8_t *p = hex_arg(argv[2], &n), h[32];
		c2d_keccak256(p, n, h);
		put_hex(h, 32);
		free(p);
	} else if (strcmp(cmd, "address") == 0 && argc == 3) {
		uint8_t sk[32], a[20];
		char t[43];
		secp256k1_context *ctx;
		fixed(argv[2], sk, 32);
		if (c2d_key_secp_context(&ctx, &err) < 0 || c2d_ethtx_address(ctx, sk, a, &err) < 0)
			die("address", &err);
		c2d_ethtx_address_text(a, t);
		puts(t);
		secp256k1_context_destroy(ctx);
	} else if (strcmp(cmd, "create-address") == 0 && argc == 4) {
		uint8_t a[20], c[20];
		char t[43];
		addr(argv[2], a);
		c2d_ethtx_create_address(a, num(argv[3]), c);
		c2d_ethtx_address_text(c, t);
		puts(t);
	} else if (strcmp(cmd, "sign") == 0 && argc == 11) {
		uint8_t sk[32], *raw, h[32];
		size_t n;
		struct c2d_tx1559 tx = { .chain_id = num(argv[3]), .nonce = num(argv[4]), .max_priority_fee = num(argv[5]),
					 .max_fee = num(argv[6]), .gas_limit = num(argv[7]), .value = num(argv[9]) };
		fixed(argv[2], sk, 32);
		if (strcmp(argv[8], "-") != 0) {
			tx.has_to = 1;
			addr(argv[8], tx.to);
		}
		uint8_t *data = hex_arg(argv[10], &tx.data_len);
		tx.data = data;
		secp256k1_context *ctx;
		if (c2d_key_secp_context(&ctx, &err) < 0 || c2d_ethtx_sign(ctx, &tx, sk, &raw, &n, h, &err) < 0)
			die("sign", &err);
		put_hex(raw, n);
		free(raw);
		free(data);
		secp256k1_context_destroy(ctx);
	} else if (strcmp(cmd, "rlp-uint") == 0 && argc == 3) {
		struct c2d_rlp e;
		uint8_t *out;
		size_t n;
		c2d_rlp_init(&e);
		c2d_rlp_uint(&e, num(argv[2]));
		if (c2d_rlp_finish(&e, &out, &n, &err) < 0)
			die("rlp", &err);
		put_hex(out, n);
		free(out);
	} else if (strcmp(cmd, "calldata-approve") == 0 && argc == 3) {
		uint8_t h[32];
		fixed(argv[2], h, 32);
		struct c2d_abi_value v = c2d_abi_bytes32(h);
		emit_call("approve(bytes32)", &v, 1);
	} else if (strcmp(cmd, "calldata-approve-until") == 0 && argc == 4) {
		uint8_t h[32];
		fixed(argv[2], h, 32);
		struct c2d_abi_value v[2] = { c2d_abi_bytes32(h), c2d_abi_uint(num(argv[3])) };
		emit_call("approveUntil(bytes32,uint64)", v, 2);
	} else if (strcmp(cmd, "calldata-budget") == 0 && argc == 5) {
		uint8_t h[32];
		fixed(argv[2], h, 32);
		struct c2d_abi_value v[3] = { c2d_abi_bytes32(h), c2d_abi_uint(num(argv[3])), c2d_abi_uint(num(argv[4])) };
		emit_call("setBudget(bytes32,uint64,uint64)", v, 3);
	} else if (strcmp(cmd, "calldata-budget-of") == 0 && argc == 4) {
		uint8_t a[20], h[32];
		addr(argv[2], a);
		fixed(argv[3], h, 32);
		struct c2d_abi_value v[2] = { c2d_abi_address(a), c2d_abi_bytes32(h) };
		emit_call("budgetOf(address,bytes32)", v, 2);
	} else if (strcmp(cmd, "ctor") == 0 && argc >= 5) {
		size_t n = (size_t)argc - 5;
		struct c2d_abi_value *av = calloc(3 * n + 1, sizeof(*av));
		uint8_t(*owners)[20] = calloc(n + 1, 20);
		uint8_t kms[20];
		if (av == NULL || owners == NULL)
			die("out of memory", NULL);
		addr(argv[4], kms);
		for (size_t i = 0; i < n; i++) {
			char *s = argv[5 + i], *j = strchr(s, ':'), *l = j ? strchr(j + 1, ':') : NULL;
			if (l == NULL)
				die("owner: ADDR:JUR:LABELS", NULL);
			*j++ = '\0';
			*l++ = '\0';
			addr(s, owners[i]);
			av[i] = c2d_abi_address(owners[i]);
			av[n + i] = c2d_abi_string(j);
			av[2 * n + i] = c2d_abi_string(l);
		}
		struct c2d_abi_value t[6] = { c2d_abi_string(argv[2]), c2d_abi_array(av, n), c2d_abi_array(av + n, n),
					      c2d_abi_array(av + 2 * n, n), c2d_abi_uint(num(argv[3])),
					      c2d_abi_address(kms) };
		struct c2d_abi_value tuple = c2d_abi_tuple(t, 6);
		uint8_t *out;
		size_t len;
		if (c2d_abi_encode("(string,address[],string[],string[],uint256,address)", &tuple, &out, &len, &err) < 0)
			die("ctor", &err);
		put_hex(out, len);
		free(out);
		free(av);
		free(owners);
	} else if (strcmp(cmd, "calldata-bootinfo") == 0 && argc >= 10) {
		uint8_t app[20], inst[20], w[5][32];
		size_t nadv = (size_t)argc - 10;
		struct c2d_abi_value *adv = calloc(nadv + 1, sizeof(*adv));
		if (adv == NULL)
			die("out of memory", NULL);
		addr(argv[2], app);
		fixed(argv[3], w[0], 32);
		addr(argv[4], inst);
		for (int i = 1; i < 5; i++)
			fixed(argv[4 + i], w[i], 32);
		for (size_t i = 0; i < nadv; i++)
			adv[i] = c2d_abi_string(argv[10 + i]);
		struct c2d_abi_value f[9] = {
			c2d_abi_address(app), c2d_abi_bytes32(w[0]), c2d_abi_address(inst), c2d_abi_bytes32(w[1]),
			c2d_abi_bytes32(w[2]), c2d_abi_bytes32(w[3]), c2d_abi_bytes32(w[4]), c2d_abi_string(argv[9]),
			c2d_abi_array(adv, nadv),
		};
		struct c2d_abi_value info = c2d_abi_tuple(f, 9);
		emit_call("isAppAllowed((address,bytes32,address,bytes32,bytes32,bytes32,bytes32,string,string[]))",
			  &info, 1);
		free(adv);
	} else if (strcmp(cmd, "decode-owner") == 0 && argc == 3) {
		size_t n;
		uint8_t *p = hex_arg(argv[2], &n);
		struct c2d_abi_value *v;
		char t[43];
		if (c2d_abi_decode("(address,string,string)", p, n, &v, &err) < 0)
			die("decode", &err);
		c2d_ethtx_address_text(v->items[0].word + 12, t);
		printf("%s|%.*s|%.*s\n", t, (int)v->items[1].len, (const char *)v->items[1].data, (int)v->items[2].len,
		       (const char *)v->items[2].data);
		c2d_abi_free(v);
		free(p);
	} else if (strcmp(cmd, "revert") == 0 && argc == 3) {
		size_t n;
		uint8_t *p = hex_arg(argv[2], &n);
		char reason[256];
		c2d_abi_revert_reason(p, n, reason, sizeof(reason));
		puts(reason);
		free(p);
	} else {
		die("unknown command or wrong argument count", NULL);
	}
	return 0;
}
