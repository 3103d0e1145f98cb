/*
 * c2d chain deploy|status, c2d approve, c2d revoke, c2d budget set|show:
 * the consortium contract (contracts/C2DConsortium.sol, docs/chain.md)
 * through the node at --rpc. Signing commands read the key from --key
 * FILE, keep it on the stack only while they run, and wipe it.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "abi.h"
#include "c2d/hex.h"
#include "cli.h"
#include "consortium.h"
#include "ethtx.h"
#include "fsutil.h"
#include "jsonout.h"
#include "keccak.h"
#include "keyfile.h"
#include "rpc.h"

#define DEFAULT_RPC "http://127.0.0.1:8545"
#define DEFAULT_ARTIFACT "out/contracts/C2DConsortium.json"

static const char common_help[] =
	"\n"
	"common options:\n"
	"  --rpc URL        the node's JSON-RPC endpoint (default $C2D_RPC, else " DEFAULT_RPC ")\n"
	"  --chain-id N     refuse to act unless the node's chain id is N\n"
	"  --key FILE       the signing key: hex secp256k1 secret key, mode 0600\n"
	"  --json           print JSON\n";

static const char chain_help[] =
	"usage: c2d chain deploy --key FILE --owners FILE --threshold K --kms ADDRESS [--name NAME]\n"
	"                        [--artifact FILE] [--rpc URL] [--chain-id N] [--json]\n"
	"       c2d chain status --app ADDRESS [--compose HASH] [--rpc URL] [--chain-id N] [--json]\n"
	"\n"
	"deploy: deploys the consortium contract (bytecode from --artifact, default\n"
	DEFAULT_ARTIFACT ") with its owners, threshold K of n and KMS address;\n"
	"prints the contract's address. Owners file: one owner per line,\n"
	"ADDRESS [JURISDICTION [LABELS...]], '#' comments, '-' for no jurisdiction.\n"
	"status: the consortium (name, owners, threshold, KMS) and three criteria\n"
	"(match/partial/miss); with --compose, each owner's approval of that hash.\n";

static const char approve_help[] =
	"usage: c2d approve --key FILE --app ADDRESS --compose HASH [--expires T]\n"
	"                   [--rpc URL] [--chain-id N] [--json]\n"
	"       c2d revoke  --key FILE --app ADDRESS --compose HASH [--rpc URL] [--chain-id N] [--json]\n"
	"\n"
	"approve: the key's owner approves the compose-hash (32 bytes, hex); it is\n"
	"allowed while K owners' approvals count. --expires T: the approval stops\n"
	"counting at T (Unix seconds, in the future; 0: never). revoke: any one\n"
	"owner withdraws the hash, for everyone and for good.\n";

static const char budget_help[] =
	"usage: c2d budget set  --key FILE --app ADDRESS --dataset ID --epsilon E --rho R\n"
	"                       [--rpc URL] [--chain-id N] [--json]\n"
	"       c2d budget show --app ADDRESS --owner ADDRESS --dataset ID\n"
	"                       [--rpc URL] [--chain-id N] [--json]\n"
	"\n"
	"set: the key's owner caps the privacy budget of its dataset ID: epsilon E\n"
	"(pure DP) and rho R (zCDP), decimals with at most 6 decimals, stored in\n"
	"micro-units. A budget is the owner's own: another owner's budget for the\n"
	"same ID is another budget. show: the caps and what the KMS spent of the\n"
	"owner's dataset ID. ID: 64 hex digits as `c2d seal --dataset-id` takes\n"
	"them, or a name whose Keccak-256 is the id.\n";

struct opts {
	const char *rpc, *chain_id, *key, *app, *compose, *owners, *threshold, *kms, *name, *artifact,
		*dataset, *epsilon, *rho, *owner, *expires;
	int json;
};

/* Parses argv[first..] into o, accepting the options named in `allowed`
 * (space-separated, without dashes). 1: --help printed. */
static int parse_opts(int argc, char **argv, int first, const char *allowed, const char *help,
		      struct opts *o, struct c2d_err *err)
{
	struct { const char *name; const char **dst; } tab[] = {
		{ "rpc", &o->rpc }, { "chain-id", &o->chain_id }, { "key", &o->key }, { "app", &o->app },
		{ "compose", &o->compose }, { "owners", &o->owners }, { "threshold", &o->threshold },
		{ "kms", &o->kms }, { "name", &o->name }, { "artifact", &o->artifact },
		{ "dataset", &o->dataset }, { "epsilon", &o->epsilon }, { "rho", &o->rho },
		{ "owner", &o->owner }, { "expires", &o->expires },
	};
	memset(o, 0, sizeof(*o));
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(help, stdout);
			fputs(common_help, stdout);
			return 1;
		}
		if (strncmp(a, "--", 2) != 0)
			return c2d_fail(err, C2D_E_USAGE, "unexpected argument '%s'", a);
		const char *nm = a + 2;
		size_t nl = strlen(nm);
		const char *w = strstr(allowed, nm);
		if (w == NULL || (w != allowed && w[-1] != ' ') || (w[nl] != ' ' && w[nl] != '\0'))
			return c2d_fail(err, C2D_E_USAGE, "unknown option '%s'", a);
		if (strcmp(nm, "json") == 0) {
			o->json = 1;
			continue;
		}
		size_t k = 0;
		while (k < sizeof(tab) / sizeof(tab[0]) && strcmp(tab[k].name, nm) != 0)
			k++;
		if (k == sizeof(tab) / sizeof(tab[0]))
			return c2d_fail(err, C2D_E_INTERNAL, "option table lacks '%s'", nm);
		if (i + 1 >= argc)
			return c2d_fail(err, C2D_E_USAGE, "%s needs a value", a);
		*tab[k].dst = argv[++i];
	}
	if (o->rpc == NULL)
		o->rpc = getenv("C2D_RPC") && getenv("C2D_RPC")[0] ? getenv("C2D_RPC") : DEFAULT_RPC;
	return 0;
}

static int need(const char *v, const char *name, struct c2d_err *err)
{
	return v != NULL ? 0 : c2d_fail(err, C2D_E_USAGE, "%s is required", name);
}

static int parse_u64(const char *s, const char *what, uint64_t *v, struct c2d_err *err)
{
	char *end;
	if (s[0] < '0' || s[0] > '9')
		return c2d_fail(err, C2D_E_USAGE, "%s: '%s' is not a number", what, s);
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (*end != '\0' || errno != 0)
		return c2d_fail(err, C2D_E_USAGE, "%s: '%s' is not a number", what, s);
	*v = x;
	return C2D_OK;
}

static int parse_hash(const char *s, const char *what, uint8_t h[32], struct c2d_err *err)
{
	if (c2d_hex_decode(s, strlen(s), h, 32, err) < 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: '%.80s' is not 32 bytes of hex", what, s);
	return C2D_OK;
}

/* A Unix time as "2027-01-01T00:00:00Z" (UTC); past year 9999, its digits. */
static void time_text(uint64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t > 253402300799u || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%llu", (unsigned long long)t);
}

/* Opens the session and checks the chain id. */
static int connect_node(struct c2d_rpc *r, const struct opts *o, uint64_t *chain_id, struct c2d_err *err)
{
	uint64_t want = 0;
	int st;
	if (o->chain_id != NULL && (st = parse_u64(o->chain_id, "--chain-id", &want, err)) < 0)
		return st;
	if ((st = c2d_rpc_open(r, o->rpc, err)) < 0 || (st = c2d_rpc_eth_chain_id(r, chain_id, err)) < 0)
		return st;
	if (o->chain_id != NULL && *chain_id != want)
		return c2d_fail(err, C2D_E_REFUSED, "%s: the node is on chain id %llu, not %llu (--chain-id)", o->rpc,
				(unsigned long long)*chain_id, (unsigned long long)want);
	return C2D_OK;
}

/* A view function's return data, decoded as `types`: v's strings point
 * into ret, so both are freed together by view_free(). */
struct view {
	struct c2d_abi_value *v;
	uint8_t *ret;
};

static void view_free(struct view *w)
{
	c2d_abi_free(w->v);
	free(w->ret);
	w->v = NULL;
	w->ret = NULL;
}

static int view(struct c2d_rpc *r, const uint8_t app[20], const char *sig, const struct c2d_abi_value *args,
		size_t n, const char *types, struct view *out, struct c2d_err *err)
{
	uint8_t *cd;
	size_t cl, rl;
	out->v = NULL;
	out->ret = NULL;
	int st = c2d_abi_call(sig, args, n, &cd, &cl, err);
	if (st < 0)
		return st;
	st = c2d_rpc_eth_call(r, NULL, app, cd, cl, "latest", &out->ret, &rl, err);
	free(cd);
	if (st < 0)
		return st;
	if (rl == 0) {
		char a[43];
		view_free(out);
		c2d_ethtx_address_text(app, a);
		return c2d_fail(err, C2D_E_INPUT, "%s: %s returned nothing: is %s a consortium contract?", r->url, sig,
				a);
	}
	if ((st = c2d_abi_decode(types, out->ret, rl, &out->v, err)) < 0) {
		c2d_err_prefix(err, "%s: %s", r->url, sig);
		view_free(out);
	}
	return st;
}

static int view_u64(struct c2d_rpc *r, const uint8_t app[20], const char *sig, const struct c2d_abi_value *args,
		    size_t n, uint64_t *v, struct c2d_err *err)
{
	struct view w;
	int st = view(r, app, sig, args, n, "(uint256)", &w, err);
	if (st < 0)
		return st;
	st = c2d_abi_get_u64(&w.v->items[0], sig, v, err);
	view_free(&w);
	return st;
}

static int view_bool(struct c2d_rpc *r, const uint8_t app[20], const char *sig,
		     const struct c2d_abi_value *args, size_t n, int *v, struct c2d_err *err)
{
	struct view w;
	int st = view(r, app, sig, args, n, "(bool)", &w, err);
	if (st < 0)
		return st;
	*v = w.v->items[0].word[31];
	view_free(&w);
	return C2D_OK;
}

static char *str_of(const struct c2d_abi_value *v)
{
	return strndup((const char *)v->data, v->len);
}

/* --- signing commands ---------------------------------------------------------------- */

struct signer {
	struct c2d_rpc rpc;
	secp256k1_context *ctx;
	uint8_t sk[32];
	uint8_t from[20];
	uint64_t chain_id;
};

static int signer_open(struct signer *s, const struct opts *o, struct c2d_err *err)
{
	int st;
	memset(s, 0, sizeof(*s));
	if ((st = need(o->key, "--key FILE", err)) < 0)
		return st;
	if ((st = c2d_key_secp_context(&s->ctx, err)) < 0)
		return st;
	if ((st = c2d_key_read(s->ctx, o->key, s->sk, err)) < 0 ||
	    (st = c2d_ethtx_address(s->ctx, s->sk, s->from, err)) < 0)
		return st;
	return connect_node(&s->rpc, o, &s->chain_id, err);
}

static void signer_close(struct signer *s)
{
	explicit_bzero(s->sk, sizeof(s->sk));
	c2d_rpc_close(&s->rpc);
	if (s->ctx != NULL)
		secp256k1_context_destroy(s->ctx);
	s->ctx = NULL;
}

static int send_call(struct signer *s, const uint8_t app[20], const char *sig, const struct c2d_abi_value *args,
		     size_t n, struct c2d_receipt *rc, struct c2d_err *err)
{
	uint8_t *cd;
	size_t cl;
	int st = c2d_abi_call(sig, args, n, &cd, &cl, err);
	if (st < 0)
		return st;
	st = c2d_rpc_eth_transact(&s->rpc, s->ctx, s->sk, s->chain_id, app, cd, cl, rc, err);
	free(cd);
	return st;
}

static void print_tx(const struct opts *o, json_t *j, const struct c2d_receipt *rc, const char *line)
{
	char h[67];
	h[0] = '0';
	h[1] = 'x';
	c2d_hex(rc->txhash, 32, h + 2);
	if (o->json) {
		json_object_set_new(j, "tx", json_string(h));
		json_object_set_new(j, "block", json_integer((json_int_t)rc->block));
		json_object_set_new(j, "gas_used", json_integer((json_int_t)rc->gas_used));
		char *text = c2d_json_text(j);
		if (text != NULL)
			fputs(text, stdout);
		free(text);
	} else {
		printf("%s (tx %s, block %llu)\n", line, h, (unsigned long long)rc->block);
	}
}

static int cmd_approve_revoke(int argc, char **argv, int approve, struct c2d_err *err)
{
	struct opts o;
	struct signer s;
	uint8_t app[20], hash[32];
	uint64_t expires = 0;
	int st = parse_opts(argc, argv, 1, approve ? "rpc chain-id key app compose expires json"
						   : "rpc chain-id key app compose json",
			    approve_help, &o, err);
	if (st != 0)
		return st < 0 ? st : C2D_OK;
	if ((st = need(o.app, "--app ADDRESS", err)) < 0 || (st = need(o.compose, "--compose HASH", err)) < 0 ||
	    (st = c2d_ethtx_address_parse(o.app, "--app", app, err)) < 0 ||
	    (st = parse_hash(o.compose, "--compose", hash, err)) < 0 ||
	    (o.expires != NULL && (st = parse_u64(o.expires, "--expires", &expires, err)) < 0))
		return st;
	/* With --expires, approveUntil; its 0 means no expiry, as approve. */
	const char *sig = !approve    ? "revoke(bytes32)"
			  : o.expires ? "approveUntil(bytes32,uint64)"
				      : "approve(bytes32)";
	struct c2d_receipt rc;
	struct c2d_abi_value args[2] = { c2d_abi_bytes32(hash), c2d_abi_uint(expires) };
	uint64_t count = 0, k = 0;
	if ((st = signer_open(&s, &o, err)) == 0 &&
	    (st = send_call(&s, app, sig, args, o.expires ? 2 : 1, &rc, err)) == 0 &&
	    (st = view_u64(&s.rpc, app, "approvalCount(bytes32)", args, 1, &count, err)) == 0 &&
	    (st = view_u64(&s.rpc, app, "threshold()", NULL, 0, &k, err)) == 0) {
		char line[256], a[43], until[64] = "", t[32];
		c2d_ethtx_address_text(s.from, a);
		if (approve && expires != 0) {
			time_text(expires, t);
			snprintf(until, sizeof(until), " until %llu (%s)", (unsigned long long)expires, t);
		}
		snprintf(line, sizeof(line), "%s %s by %s%s: %llu / %llu quorum%s", approve ? "approved" : "revoked",
			 o.compose, a, until, (unsigned long long)count, (unsigned long long)k,
			 approve ? (count >= k ? " · allowed" : " · awaiting") : " · revoked");
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "action", approve ? "approve" : "revoke",
				      "app", o.app, "compose", o.compose, "owner", a, "approvals", (json_int_t)count,
				      "threshold", (json_int_t)k);
		if (approve)
			json_object_set_new(j, "expires", json_integer((json_int_t)expires));
		print_tx(&o, j, &rc, line);
		json_decref(j);
	}
	signer_close(&s);
	return st;
}

c2d_status c2d_cmd_chain_approve(int argc, char **argv, struct c2d_err *err)
{
	return cmd_approve_revoke(argc, argv, 1, err);
}

c2d_status c2d_cmd_chain_revoke(int argc, char **argv, struct c2d_err *err)
{
	return cmd_approve_revoke(argc, argv, 0, err);
}

static int budget_set(int argc, char **argv, struct c2d_err *err)
{
	struct opts o;
	struct signer s;
	uint8_t app[20], id[32];
	uint64_t eps, rho;
	int st = parse_opts(argc, argv, 2, "rpc chain-id key app dataset epsilon rho json", budget_help, &o, err);
	if (st != 0)
		return st < 0 ? st : C2D_OK;
	if ((st = need(o.app, "--app ADDRESS", err)) < 0 || (st = need(o.dataset, "--dataset ID", err)) < 0 ||
	    (st = need(o.epsilon, "--epsilon E", err)) < 0 || (st = need(o.rho, "--rho R", err)) < 0 ||
	    (st = c2d_ethtx_address_parse(o.app, "--app", app, err)) < 0 ||
	    (st = c2d_consortium_dataset_id(o.dataset, id, err)) < 0 ||
	    (st = c2d_consortium_micro_parse(o.epsilon, "epsilon", &eps, err)) < 0 ||
	    (st = c2d_consortium_micro_parse(o.rho, "rho", &rho, err)) < 0)
		return st;
	struct c2d_receipt rc;
	struct c2d_abi_value args[3] = { c2d_abi_bytes32(id), c2d_abi_uint(eps), c2d_abi_uint(rho) };
	if ((st = signer_open(&s, &o, err)) == 0 &&
	    (st = send_call(&s, app, "setBudget(bytes32,uint64,uint64)", args, 3, &rc, err)) == 0) {
		char idh[65], et[32], rt[32], a[43], line[320];
		c2d_hex(id, 32, idh);
		c2d_ethtx_address_text(s.from, a);
		c2d_consortium_micro_text(eps, et, sizeof(et));
		c2d_consortium_micro_text(rho, rt, sizeof(rt));
		snprintf(line, sizeof(line),
			 "budget of dataset 0x%s of %s: epsilon %s, rho %s (%llu micro-epsilon, %llu micro-rho)", idh, a,
			 et, rt, (unsigned long long)eps, (unsigned long long)rho);
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "app", o.app, "owner", a, "dataset", idh,
				      "epsilon", et, "rho", rt, "cap_micro_epsilon", (json_int_t)eps, "cap_micro_rho",
				      (json_int_t)rho);
		print_tx(&o, j, &rc, line);
		json_decref(j);
	}
	signer_close(&s);
	return st;
}

static int budget_show(int argc, char **argv, struct c2d_err *err)
{
	struct opts o;
	struct c2d_rpc r = { 0 };
	uint8_t app[20], owner[20], id[32];
	uint64_t chain_id, v[4];
	int st = parse_opts(argc, argv, 2, "rpc chain-id app owner dataset json", budget_help, &o, err);
	if (st != 0)
		return st < 0 ? st : C2D_OK;
	if ((st = need(o.app, "--app ADDRESS", err)) < 0 || (st = need(o.owner, "--owner ADDRESS", err)) < 0 ||
	    (st = need(o.dataset, "--dataset ID", err)) < 0 ||
	    (st = c2d_ethtx_address_parse(o.app, "--app", app, err)) < 0 ||
	    (st = c2d_ethtx_address_parse(o.owner, "--owner", owner, err)) < 0 ||
	    (st = c2d_consortium_dataset_id(o.dataset, id, err)) < 0)
		return st;
	struct c2d_abi_value args[2] = { c2d_abi_address(owner), c2d_abi_bytes32(id) };
	struct view w;
	static const char *const names[4] = { "capMicroEps", "spentMicroEps", "capMicroRho", "spentMicroRho" };
	if ((st = connect_node(&r, &o, &chain_id, err)) < 0 ||
	    (st = view(&r, app, "budgetOf(address,bytes32)", args, 2, "(bool,uint64,uint64,uint64,uint64)", &w,
		       err)) < 0)
		goto out;
	int set = w.v->items[0].word[31];
	for (int i = 0; i < 4 && st == 0; i++)
		st = c2d_abi_get_u64(&w.v->items[1 + i], names[i], &v[i], err);
	view_free(&w);
	if (st < 0)
		goto out;
	char idh[65], a[43], t[4][32];
	c2d_hex(id, 32, idh);
	c2d_ethtx_address_text(owner, a);
	for (int i = 0; i < 4; i++)
		c2d_consortium_micro_text(v[i], t[i], sizeof(t[i]));
	if (o.json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I}", "app", o.app, "owner", a, "dataset",
				      idh, "set", set, "cap_micro_epsilon", (json_int_t)v[0], "spent_micro_epsilon",
				      (json_int_t)v[1], "cap_micro_rho", (json_int_t)v[2], "spent_micro_rho",
				      (json_int_t)v[3]);
		st = c2d_json_print(j, err);
	} else if (!set) {
		printf("dataset 0x%s of %s: no budget set\n", idh, a);
	} else {
		printf("dataset 0x%s of %s: epsilon %s spent of %s, rho %s spent of %s\n", idh, a, t[1], t[0], t[3],
		       t[2]);
	}
out:
	c2d_rpc_close(&r);
	return st;
}

c2d_status c2d_cmd_chain_budget(int argc, char **argv, struct c2d_err *err)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(budget_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? c2d_fail(err, C2D_E_USAGE, "expected a subcommand (set, show)") : C2D_OK;
	}
	if (strcmp(argv[1], "set") == 0)
		return budget_set(argc, argv, err);
	if (strcmp(argv[1], "show") == 0)
		return budget_show(argc, argv, err);
	return c2d_fail(err, C2D_E_USAGE, "unknown subcommand '%s'; see 'c2d budget --help'", argv[1]);
}

/* --- chain deploy -------------------------------------------------------------------- */

static int read_bytecode(const char *path, uint8_t **code, size_t *len, struct c2d_err *err)
{
	json_t *root;
	int st = c2d_json_load(path, JSON_REJECT_DUPLICATES, &root, err);
	if (st < 0)
		return st;
	const char *hex = json_string_value(json_object_get(root, "bytecode"));
	if (hex == NULL || c2d_rpc_data_parse(hex, code, len, err) < 0 || *len == 0) {
		if (hex != NULL && *len == 0)
			free(*code);
		st = c2d_fail(err, C2D_E_INPUT, "%s: no \"bytecode\" hex string", path);
	}
	json_decref(root);
	return st;
}

static int cmd_deploy(int argc, char **argv, struct c2d_err *err)
{
	struct opts o;
	struct signer s;
	struct c2d_owners ow = { 0 };
	uint8_t kms[20], *code = NULL, *args = NULL;
	size_t code_len = 0, args_len;
	uint64_t k;
	int st = parse_opts(argc, argv, 2, "rpc chain-id key owners threshold kms name artifact json", chain_help, &o,
			    err);
	if (st != 0)
		return st < 0 ? st : C2D_OK;
	if (o.name == NULL)
		o.name = "c2d consortium";   /* the name is a label; the address identifies it */
	if ((st = need(o.key, "--key FILE", err)) < 0 || (st = need(o.owners, "--owners FILE", err)) < 0 ||
	    (st = need(o.threshold, "--threshold K", err)) < 0 || (st = need(o.kms, "--kms ADDRESS", err)) < 0 ||
	    (st = parse_u64(o.threshold, "--threshold", &k, err)) < 0 ||
	    (st = c2d_ethtx_address_parse(o.kms, "--kms", kms, err)) < 0 || (st = c2d_consortium_owners_read(o.owners, &ow, err)) < 0)
		return st;
	if (k < 1 || k > ow.n) {
		st = c2d_fail(err, C2D_E_INPUT, "--threshold %llu: must be between 1 and the %zu owners of %s",
			      (unsigned long long)k, ow.n, o.owners);
		c2d_consortium_owners_free(&ow);
		return st;
	}
	if ((st = read_bytecode(o.artifact ? o.artifact : DEFAULT_ARTIFACT, &code, &code_len, err)) < 0) {
		c2d_consortium_owners_free(&ow);
		return st;
	}
	struct c2d_abi_value *av = calloc(3 * ow.n, sizeof(*av));
	if (av == NULL) {
		st = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ow.n; i++) {
		av[i] = c2d_abi_address(ow.v[i].addr);
		av[ow.n + i] = c2d_abi_string(ow.v[i].jurisdiction);
		av[2 * ow.n + i] = c2d_abi_string(ow.v[i].labels);
	}
	struct c2d_abi_value ctor[6] = {
		c2d_abi_string(o.name), c2d_abi_array(av, ow.n), c2d_abi_array(av + ow.n, ow.n),
		c2d_abi_array(av + 2 * ow.n, ow.n), c2d_abi_uint(k), c2d_abi_address(kms),
	};
	struct c2d_abi_value tuple = c2d_abi_tuple(ctor, 6);
	if ((st = c2d_abi_encode("(string,address[],string[],string[],uint256,address)", &tuple, &args, &args_len,
				 err)) < 0)
		goto out;
	uint8_t *init = realloc(code, code_len + args_len);
	if (init == NULL) {
		st = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	code = init;
	memcpy(code + code_len, args, args_len);
	struct c2d_receipt rc;
	if ((st = signer_open(&s, &o, err)) == 0 &&
	    (st = c2d_rpc_eth_transact(&s.rpc, s.ctx, s.sk, s.chain_id, NULL, code, code_len + args_len, &rc, err)) == 0) {
		char a[43];
		if (!rc.has_contract) {
			st = c2d_fail(err, C2D_E_INPUT, "%s: the deployment's receipt has no contract address", o.rpc);
		} else {
			c2d_ethtx_address_text(rc.contract, a);
			json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I}", "address", a, "name", o.name, "threshold",
					      (json_int_t)k, "owners", (json_int_t)ow.n, "chain_id",
					      (json_int_t)s.chain_id);
			if (o.json)
				print_tx(&o, j, &rc, a);
			else
				printf("%s\n", a);
			json_decref(j);
		}
	}
	signer_close(&s);
out:
	free(av);
	free(args);
	free(code);
	c2d_consortium_owners_free(&ow);
	return st;
}

/* --- chain status -------------------------------------------------------------------- */

struct owner_state {
	uint8_t addr[20];
	char text[43];
	char *jurisdiction, *labels;
	int has_records;
	uint64_t records;
	int has_budget;
	int approved;
	uint64_t expires;   /* approvalExpiry; 0: none */
};

static json_t *labels_json(const char *labels)
{
	json_t *a = json_array();
	const char *p = labels, *w;
	size_t n;
	while ((w = c2d_consortium_labels_next(&p, &n)) != NULL)
		json_array_append_new(a, json_stringn(w, n));
	return a;
}

static int cmd_status(int argc, char **argv, struct c2d_err *err)
{
	struct opts o;
	struct c2d_rpc r = { 0 };
	uint8_t app[20], hash[32];
	uint64_t chain_id, k = 0, n = 0, count = 0;
	char *name = NULL;
	uint8_t kms[20];
	struct owner_state *ows = NULL;
	struct c2d_log *logs = NULL;
	size_t nlogs = 0;
	int revoked = 0, allowed = 0;
	int st = parse_opts(argc, argv, 2, "rpc chain-id app compose json", chain_help, &o, err);
	if (st != 0)
		return st < 0 ? st : C2D_OK;
	if ((st = need(o.app, "--app ADDRESS", err)) < 0 || (st = c2d_ethtx_address_parse(o.app, "--app", app, err)) < 0 ||
	    (o.compose != NULL && (st = parse_hash(o.compose, "--compose", hash, err)) < 0))
		return st;
	struct view w;
	if ((st = connect_node(&r, &o, &chain_id, err)) < 0 ||
	    (st = view(&r, app, "name()", NULL, 0, "(string)", &w, err)) < 0)
		goto out;
	name = str_of(&w.v->items[0]);
	view_free(&w);
	if (name == NULL) {
		st = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	if ((st = view(&r, app, "kms()", NULL, 0, "(address)", &w, err)) < 0)
		goto out;
	memcpy(kms, w.v->items[0].word + 12, 20);
	view_free(&w);
	if ((st = view_u64(&r, app, "threshold()", NULL, 0, &k, err)) < 0 ||
	    (st = view_u64(&r, app, "ownerCount()", NULL, 0, &n, err)) < 0)
		goto out;
	if (n == 0 || n > C2D_OWNERS_MAX) {
		st = c2d_fail(err, C2D_E_INPUT, "%s: ownerCount() is %llu, outside 1..%d", o.rpc, (unsigned long long)n,
			      C2D_OWNERS_MAX);
		goto out;
	}
	ows = calloc(n, sizeof(*ows));
	if (ows == NULL) {
		st = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		struct c2d_abi_value idx = c2d_abi_uint(i);
		if ((st = view(&r, app, "ownerAt(uint256)", &idx, 1, "(address,string,string)", &w, err)) < 0)
			goto out;
		memcpy(ows[i].addr, w.v->items[0].word + 12, 20);
		ows[i].jurisdiction = str_of(&w.v->items[1]);
		ows[i].labels = str_of(&w.v->items[2]);
		view_free(&w);
		if (ows[i].jurisdiction == NULL || ows[i].labels == NULL) {
			st = c2d_fail(err, C2D_E_NOMEM, "out of memory");
			goto out;
		}
		c2d_ethtx_address_text(ows[i].addr, ows[i].text);
		ows[i].has_records = c2d_consortium_labels_records(ows[i].labels, &ows[i].records);
	}
	/* Who has set a budget: the BudgetSet events, whose first indexed
	 * topic is the owner. */
	uint8_t topic0[32];
	const char *ev = "BudgetSet(address,bytes32,uint64,uint64)";
	c2d_keccak256(ev, strlen(ev), topic0);
	const uint8_t *const topics[4] = { topic0, NULL, NULL, NULL };
	if ((st = c2d_rpc_eth_get_logs(&r, app, topics, &logs, &nlogs, err)) < 0)
		goto out;
	for (size_t l = 0; l < nlogs; l++)
		for (uint64_t i = 0; i < n; i++)
			if (logs[l].ntopics >= 3 && memcmp(logs[l].topics[1] + 12, ows[i].addr, 20) == 0)
				ows[i].has_budget = 1;
	if (o.compose != NULL) {
		struct c2d_abi_value hv = c2d_abi_bytes32(hash);
		for (uint64_t i = 0; i < n; i++) {
			struct c2d_abi_value a2[2] = { hv, c2d_abi_address(ows[i].addr) };
			if ((st = view_bool(&r, app, "hasApproved(bytes32,address)", a2, 2, &ows[i].approved, err)) < 0 ||
			    (st = view(&r, app, "approvalExpiry(bytes32,address)", a2, 2, "(uint64)", &w, err)) < 0)
				goto out;
			st = c2d_abi_get_u64(&w.v->items[0], "approvalExpiry", &ows[i].expires, err);
			view_free(&w);
			if (st < 0)
				goto out;
		}
		if ((st = view_u64(&r, app, "approvalCount(bytes32)", &hv, 1, &count, err)) < 0 ||
		    (st = view_bool(&r, app, "isRevoked(bytes32)", &hv, 1, &revoked, err)) < 0 ||
		    (st = view_bool(&r, app, "allowedComposeHashes(bytes32)", &hv, 1, &allowed, err)) < 0)
			goto out;
	}

	const char **jur = calloc(n, sizeof(*jur));
	int *hb = calloc(n, sizeof(*hb));
	if (jur == NULL || hb == NULL) {
		free(jur);
		free(hb);
		st = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		jur[i] = ows[i].jurisdiction;
		hb[i] = ows[i].has_budget;
	}
	struct c2d_criteria c;
	c2d_consortium_criteria(n, jur, k, hb, &c);
	free(jur);
	free(hb);
	size_t budgets = 0;
	for (uint64_t i = 0; i < n; i++)
		budgets += ows[i].has_budget != 0;
	char kmst[43], appt[43];
	c2d_ethtx_address_text(kms, kmst);
	c2d_ethtx_address_text(app, appt);
	const char *state = revoked ? "revoked" : allowed ? "allowed" : "awaiting";
	char why[3][160];
	snprintf(why[0], sizeof(why[0]), "%llu owners", (unsigned long long)n);
	snprintf(why[1], sizeof(why[1]), "%zu distinct jurisdictions, %zu owners without one", c.distinct, c.unplaced);
	snprintf(why[2], sizeof(why[2]), "threshold %llu of %llu; %zu of %llu owners set a DP budget",
		 (unsigned long long)k, (unsigned long long)n, budgets, (unsigned long long)n);
	static const char *const titles[3] = { "at least 3 owners", "owners in more than one jurisdiction",
					       "HIPAA/GDPR-grade: every owner must consent and a DP budget set" };
	static const char *const ids[3] = { "owners", "jurisdictions", "hipaa_gdpr" };
	enum c2d_grade grades[3] = { c.owners, c.jurisdictions, c.regulated };

	if (o.json) {
		json_t *jo = json_array(), *jc = json_array();
		for (uint64_t i = 0; i < n; i++) {
			json_t *e = json_pack("{s:s, s:s, s:o, s:s, s:b}", "address", ows[i].text, "jurisdiction",
					      ows[i].jurisdiction, "labels", labels_json(ows[i].labels), "labels_text",
					      ows[i].labels, "budget_set", ows[i].has_budget);
			json_object_set_new(e, "records", ows[i].has_records ? json_integer((json_int_t)ows[i].records)
									    : json_null());
			if (o.compose != NULL) {
				json_object_set_new(e, "approved", json_boolean(ows[i].approved));
				json_object_set_new(e, "approval_expires", json_integer((json_int_t)ows[i].expires));
			}
			json_array_append_new(jo, e);
		}
		for (int i = 0; i < 3; i++)
			json_array_append_new(jc, json_pack("{s:s, s:s, s:s, s:s}", "id", ids[i], "title", titles[i],
							    "grade", c2d_consortium_grade_name(grades[i]), "detail", why[i]));
		json_t *root = json_pack("{s:s, s:I, s:s, s:I, s:I, s:s, s:o, s:o}", "app", appt, "chain_id",
					 (json_int_t)chain_id, "name", name, "threshold", (json_int_t)k, "owner_count",
					 (json_int_t)n, "kms", kmst, "owners", jo, "criteria", jc);
		if (o.compose != NULL) {
			char hh[67] = "0x";
			c2d_hex(hash, 32, hh + 2);
			json_object_set_new(root, "compose",
					    json_pack("{s:s, s:I, s:I, s:b, s:b, s:s}", "hash", hh, "approvals",
						      (json_int_t)count, "threshold", (json_int_t)k, "revoked", revoked,
						      "allowed", allowed, "state", state));
		}
		if ((st = c2d_json_print(root, err)) < 0)
			goto out;
	} else {
		printf("consortium  %s\n", name);
		printf("contract    %s (chain %llu)\n", appt, (unsigned long long)chain_id);
		printf("threshold   %llu of %llu owners\n", (unsigned long long)k, (unsigned long long)n);
		printf("kms         %s\n", kmst);
		printf("owners\n");
		for (uint64_t i = 0; i < n; i++) {
			char rec[32] = "-";
			if (ows[i].has_records)
				snprintf(rec, sizeof(rec), "%llu", (unsigned long long)ows[i].records);
			printf("  %s  %-8s records %-10s budget %-3s  %s\n", ows[i].text,
			       ows[i].jurisdiction[0] ? ows[i].jurisdiction : "-", rec, ows[i].has_budget ? "set" : "-",
			       ows[i].labels);
		}
		printf("criteria\n");
		for (int i = 0; i < 3; i++)
			printf("  %-8s %s (%s)\n", c2d_consortium_grade_name(grades[i]), titles[i], why[i]);
		if (o.compose != NULL) {
			printf("compose     %s\n", o.compose);
			for (uint64_t i = 0; i < n; i++) {
				char t[32];
				time_text(ows[i].expires, t);
				if (ows[i].expires == 0)
					printf("  %s  %s\n", ows[i].text, ows[i].approved ? "approved" : "not approved");
				else
					printf("  %s  %s %s\n", ows[i].text,
					       ows[i].approved ? "approved until" : "approval expired at", t);
			}
			printf("  %llu / %llu quorum · %s\n", (unsigned long long)count, (unsigned long long)k, state);
		}
	}
out:
	for (uint64_t i = 0; ows != NULL && i < n; i++) {
		free(ows[i].jurisdiction);
		free(ows[i].labels);
	}
	free(ows);
	free(name);
	c2d_rpc_logs_free(logs, nlogs);
	c2d_rpc_close(&r);
	return st;
}

c2d_status c2d_cmd_chain(int argc, char **argv, struct c2d_err *err)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(chain_help, argc < 2 ? stderr : stdout);
		if (argc >= 2)
			fputs(common_help, stdout);
		return argc < 2 ? c2d_fail(err, C2D_E_USAGE, "expected a subcommand (deploy, status)") : C2D_OK;
	}
	if (strcmp(argv[1], "deploy") == 0)
		return cmd_deploy(argc, argv, err);
	if (strcmp(argv[1], "status") == 0)
		return cmd_status(argc, argv, err);
	return c2d_fail(err, C2D_E_USAGE, "unknown subcommand '%s'; see 'c2d chain --help'", argv[1]);
}
