/* Ethereum JSON-RPC over HTTP: see rpc.h. */
#include "rpc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "abi.h"
#include "c2d/grow.h"
#include "c2d/hex.h"
#include "ethtx.h"

/* --- hex quantities and data ------------------------------------------------------ */

c2d_status c2d_rpc_quantity_parse(const char *s, uint64_t *v, struct c2d_err *err)
{
	static const char bad[] = "not a quantity (0x and 1 to 16 hex digits, no leading zero)";
	size_t n = s ? strlen(s) : 0;
	if (n < 3 || s[0] != '0' || s[1] != 'x' || n > 18 || (s[2] == '0' && n > 3))
		return c2d_fail(err, C2D_E_INPUT, "%s", bad);
	uint64_t x = 0;
	for (size_t i = 2; i < n; i++) {
		int c = s[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return c2d_fail(err, C2D_E_INPUT, "%s", bad);
		x = x << 4 | (uint64_t)d;
	}
	*v = x;
	return C2D_OK;
}

c2d_status c2d_rpc_data_parse(const char *s, uint8_t **out, size_t *len, struct c2d_err *err)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || s[0] != '0' || s[1] != 'x' || n % 2 != 0)
		return c2d_fail(err, C2D_E_INPUT, "not hex data (0x and an even number of hex digits)");
	uint8_t *p = malloc(n / 2);   /* n >= 2: never malloc(0) */
	if (p == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	c2d_status r;
	if (n > 2 && (r = c2d_hex_decode(s + 2, n - 2, p, n / 2 - 1, err)) < 0) {
		free(p);
		return r;
	}
	*out = p;
	*len = n / 2 - 1;
	return C2D_OK;
}

char *c2d_rpc_data_text(const uint8_t *p, size_t len)
{
	char *s = malloc(2 * len + 3);
	if (s == NULL)
		return NULL;
	s[0] = '0';
	s[1] = 'x';
	c2d_hex(p, len, s + 2);
	return s;
}

static json_t *data_json(const uint8_t *p, size_t len)
{
	char *s = c2d_rpc_data_text(p, len);
	json_t *j = s ? json_string(s) : NULL;
	free(s);
	return j;
}

static json_t *addr_json(const uint8_t a[20])
{
	return data_json(a, 20);
}

/* --- the response ---------------------------------------------------------------- */

static void printable(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src[i] != '\0' && i + 1 < cap; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	dst[i] = '\0';
}

c2d_status c2d_rpc_parse_response(const char *body, size_t len, uint64_t id, struct c2d_rpc_reply *out,
				  struct c2d_err *err)
{
	json_error_t je;
	memset(out, 0, sizeof(*out));
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return c2d_fail(err, C2D_E_INPUT, "response is not JSON (line %d column %d: %s)", je.line,
				je.column, je.text);
	int r = C2D_OK;
	json_t *ver = json_object_get(root, "jsonrpc"), *jid = json_object_get(root, "id");
	json_t *res = json_object_get(root, "result"), *e = json_object_get(root, "error");
	if (!json_is_object(root) || !json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0) {
		r = c2d_fail(err, C2D_E_INPUT, "response is not a JSON-RPC 2.0 object");
	} else if (!json_is_integer(jid) || json_integer_value(jid) < 0 ||
		   (uint64_t)json_integer_value(jid) != id) {
		r = c2d_fail(err, C2D_E_INPUT, "response answers another request (id mismatch)");
	} else if ((res != NULL) == (e != NULL)) {
		r = c2d_fail(err, C2D_E_INPUT, "response has %s of result and error", res ? "both" : "neither");
	} else if (res != NULL) {
		out->result = json_incref(res);
	} else {
		json_t *code = json_object_get(e, "code"), *msg = json_object_get(e, "message");
		json_t *data = json_object_get(e, "data");
		if (!json_is_object(e) || !json_is_integer(code) || !json_is_string(msg)) {
			r = c2d_fail(err, C2D_E_INPUT, "response error lacks an integer code or a message");
		} else {
			out->is_error = 1;
			out->code = json_integer_value(code);
			printable(out->message, sizeof(out->message), json_string_value(msg));
			if (json_is_string(data) && c2d_rpc_data_parse(json_string_value(data), &out->data,
								   &out->data_len, NULL) == 0)
				out->has_data = 1;
		}
	}
	json_decref(root);
	return r;
}

void c2d_rpc_reply_free(struct c2d_rpc_reply *rep)
{
	json_decref(rep->result);
	free(rep->data);
	memset(rep, 0, sizeof(*rep));
}

/* --- transport ------------------------------------------------------------------- */

struct body {
	char *p;
	size_t len, cap, max;
	int too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;
	if (n > b->max - b->len) {
		b->too_big = 1;
		return 0;   /* curl aborts the transfer */
	}
	char *q = c2d_grow(b->p, &b->cap, b->len, n + 1, 1, 4096);   /* and a NUL */
	if (q == NULL)
		return 0;
	b->p = q;
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

c2d_status c2d_rpc_open(struct c2d_rpc *r, const char *url, struct c2d_err *err)
{
	memset(r, 0, sizeof(*r));
	r->url = url;
	r->connect_ms = 5000;
	r->total_ms = 30000;
	r->max_response = (size_t)16 << 20;
	r->receipt_ms = 120000;
	r->poll_ms = 250;
	r->next_id = 1;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return c2d_fail(err, C2D_E_USAGE, "%s: the RPC URL must start with http:// or https://", url);
	r->curl = curl_easy_init();
	if (r->curl == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: cannot initialise libcurl", url);
	return C2D_OK;
}

void c2d_rpc_close(struct c2d_rpc *r)
{
	if (r->curl != NULL)
		curl_easy_cleanup(r->curl);
	r->curl = NULL;
}

/* One POST; *body malloc'd and NUL-terminated. */
static int post(struct c2d_rpc *r, const char *method, const char *req, struct body *b, struct c2d_err *err)
{
	CURL *c = r->curl;
	char cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	if (hdr == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	memset(b, 0, sizeof(*b));
	b->max = r->max_response;
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->total_ms);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	CURLcode cc = curl_easy_perform(c);
	long os_errno = 0, http = 0;
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(hdr);
	if (cc != CURLE_OK) {
		free(b->p);
		b->p = NULL;
		if (b->too_big)
			return c2d_fail(err, C2D_E_IO, "%s: %s: response larger than %zu bytes", r->url, method,
					r->max_response);
		const char *what = curl_easy_strerror(cc);
		if (os_errno != 0)
			return c2d_fail(err, C2D_E_IO, "%s: %s: %s: %s", r->url, method, what,
					strerror((int)os_errno));
		return c2d_fail(err, C2D_E_IO, "%s: %s: %s%s%s", r->url, method, what, cerr[0] ? ": " : "", cerr);
	}
	if (b->p == NULL) {
		if (http / 100 != 2)
			return c2d_fail(err, C2D_E_IO, "%s: %s: HTTP status %ld and no body", r->url, method, http);
		return c2d_fail(err, C2D_E_INPUT, "%s: %s: empty response", r->url, method);
	}
	return C2D_OK;
}

c2d_status c2d_rpc_call(struct c2d_rpc *r, const char *method, json_t *params, json_t **result,
			struct c2d_err *err)
{
	uint64_t id = r->next_id++;
	json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)id, "method",
				method, "params", params);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (text == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: %s: out of memory", r->url, method);
	struct body b;
	int rc = post(r, method, text, &b, err);
	free(text);
	if (rc < 0)
		return rc;
	struct c2d_rpc_reply rep;
	rc = c2d_rpc_parse_response(b.p, b.len, id, &rep, err);
	free(b.p);
	if (rc < 0) {
		c2d_err_prefix(err, "%s: %s", r->url, method);
		return rc;
	}
	if (rep.is_error) {
		if (rep.has_data || strncmp(rep.message, "execution reverted", 18) == 0) {
			char reason[160];
			c2d_abi_revert_reason(rep.data, rep.data_len, reason, sizeof(reason));
			rc = c2d_fail(err, C2D_E_REFUSED, "%s: %s: reverted: %s", r->url, method, reason);
		} else {
			rc = c2d_fail(err, C2D_E_REFUSED, "%s: %s: node error %lld: %s", r->url, method, rep.code,
				      rep.message);
		}
		c2d_rpc_reply_free(&rep);
		return rc;
	}
	*result = rep.result;
	rep.result = NULL;
	c2d_rpc_reply_free(&rep);
	return C2D_OK;
}

/* --- eth_* ----------------------------------------------------------------------- */

static int result_quantity(struct c2d_rpc *r, const char *method, json_t *params, uint64_t *v,
			   struct c2d_err *err)
{
	json_t *res;
	int rc = c2d_rpc_call(r, method, params, &res, err);
	if (rc < 0)
		return rc;
	if (c2d_rpc_quantity_parse(json_string_value(res), v, err) < 0)
		rc = c2d_fail(err, C2D_E_INPUT, "%s: %s: result is not a quantity below 2^64", r->url, method);
	json_decref(res);
	return rc;
}

c2d_status c2d_rpc_eth_chain_id(struct c2d_rpc *r, uint64_t *id, struct c2d_err *err)
{
	return result_quantity(r, "eth_chainId", json_array(), id, err);
}

c2d_status c2d_rpc_eth_nonce(struct c2d_rpc *r, const uint8_t addr[20], uint64_t *nonce, struct c2d_err *err)
{
	return result_quantity(r, "eth_getTransactionCount",
			       json_pack("[o, s]", addr_json(addr), "pending"), nonce, err);
}

c2d_status c2d_rpc_eth_fees(struct c2d_rpc *r, uint64_t *tip, uint64_t *max_fee, struct c2d_err *err)
{
	json_t *blk;
	uint64_t base;
	int rc = result_quantity(r, "eth_maxPriorityFeePerGas", json_array(), tip, err);
	if (rc < 0)
		return rc;
	if ((rc = c2d_rpc_call(r, "eth_getBlockByNumber", json_pack("[s, b]", "latest", 0), &blk, err)) < 0)
		return rc;
	if (c2d_rpc_quantity_parse(json_string_value(json_object_get(blk, "baseFeePerGas")), &base, err) < 0)
		rc = c2d_fail(err, C2D_E_INPUT,
			      "%s: eth_getBlockByNumber: latest block has no baseFeePerGas (no EIP-1559?)", r->url);
	json_decref(blk);
	if (rc < 0)
		return rc;
	if (base > (UINT64_MAX - *tip) / 2)
		return c2d_fail(err, C2D_E_INPUT, "%s: base fee %llu is out of range", r->url,
				(unsigned long long)base);
	*max_fee = 2 * base + *tip;
	return C2D_OK;
}

static json_t *call_object(const uint8_t *from, const uint8_t *to, const uint8_t *data, size_t len)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	if (from != NULL)
		json_object_set_new(o, "from", addr_json(from));
	if (to != NULL)
		json_object_set_new(o, "to", addr_json(to));
	json_object_set_new(o, "input", data_json(data, len));
	return o;
}

c2d_status c2d_rpc_eth_estimate_gas(struct c2d_rpc *r, const uint8_t from[20], const uint8_t *to, const uint8_t *data,
				size_t len, uint64_t *gas, struct c2d_err *err)
{
	return result_quantity(r, "eth_estimateGas", json_pack("[o]", call_object(from, to, data, len)), gas,
			       err);
}

static int eth_call(struct c2d_rpc *r, const uint8_t *from, const uint8_t to[20], const uint8_t *data,
		    size_t len, json_t *block, uint8_t **ret, size_t *ret_len, struct c2d_err *err)
{
	json_t *res;
	int rc = c2d_rpc_call(r, "eth_call", json_pack("[o, o]", call_object(from, to, data, len), block), &res,
			      err);
	if (rc < 0)
		return rc;
	if (c2d_rpc_data_parse(json_string_value(res), ret, ret_len, err) < 0)
		rc = c2d_fail(err, C2D_E_INPUT, "%s: eth_call: result is not hex data", r->url);
	json_decref(res);
	return rc;
}

c2d_status c2d_rpc_eth_call(struct c2d_rpc *r, const uint8_t *from, const uint8_t to[20], const uint8_t *data,
			size_t len, const char *block, uint8_t **ret, size_t *ret_len, struct c2d_err *err)
{
	return eth_call(r, from, to, data, len, json_string(block), ret, ret_len, err);
}

c2d_status c2d_rpc_eth_call_at(struct c2d_rpc *r, const uint8_t to[20], const uint8_t *data, size_t len,
			       const uint8_t block_hash[32], uint8_t **ret, size_t *ret_len, struct c2d_err *err)
{
	/* EIP-1898: the block by its hash, refused unless it is on the canonical chain. */
	return eth_call(r, NULL, to, data, len,
			json_pack("{s:o, s:b}", "blockHash", data_json(block_hash, 32), "requireCanonical", 1), ret,
			ret_len, err);
}

c2d_status c2d_rpc_eth_block_number(struct c2d_rpc *r, uint64_t *number, struct c2d_err *err)
{
	return result_quantity(r, "eth_blockNumber", json_array(), number, err);
}

static int json_hash(json_t *j, uint8_t out[32])
{
	const char *s = json_string_value(j);
	return s != NULL && strlen(s) == 66 && s[0] == '0' && s[1] == 'x' && c2d_hex_decode(s + 2, 64, out, 32, NULL) == 0
		? 0 : -1;
}

c2d_status c2d_rpc_eth_block(struct c2d_rpc *r, const char *block, struct c2d_block *b, struct c2d_err *err)
{
	json_t *res;
	int rc = c2d_rpc_call(r, "eth_getBlockByNumber", json_pack("[s, b]", block, 0), &res, err);
	if (rc < 0)
		return rc;
	if (json_is_null(res))
		rc = c2d_fail(err, C2D_E_REFUSED, "%s: eth_getBlockByNumber: the node has no block %s", r->url, block);
	else if (c2d_rpc_quantity_parse(json_string_value(json_object_get(res, "number")), &b->number, err) < 0 ||
		 c2d_rpc_quantity_parse(json_string_value(json_object_get(res, "timestamp")), &b->timestamp, err) < 0 ||
		 json_hash(json_object_get(res, "hash"), b->hash) < 0)
		rc = c2d_fail(err, C2D_E_INPUT, "%s: eth_getBlockByNumber: block %s: malformed number, timestamp "
			      "or hash", r->url, block);
	json_decref(res);
	return rc;
}

c2d_status c2d_rpc_eth_send_raw(struct c2d_rpc *r, const uint8_t *raw, size_t len, const uint8_t txhash[32],
			    struct c2d_err *err)
{
	json_t *res;
	uint8_t *h = NULL;
	size_t hl = 0;
	int rc = c2d_rpc_call(r, "eth_sendRawTransaction", json_pack("[o]", data_json(raw, len)), &res, err);
	if (rc < 0)
		return rc;
	if (c2d_rpc_data_parse(json_string_value(res), &h, &hl, err) < 0 || hl != 32 || memcmp(h, txhash, 32) != 0)
		rc = c2d_fail(err, C2D_E_INPUT, "%s: eth_sendRawTransaction: the node returned another hash",
			      r->url);
	free(h);
	json_decref(res);
	return rc;
}

static int json_addr(json_t *j, uint8_t out[20])
{
	const char *s = json_string_value(j);
	return s != NULL && strlen(s) == 42 && s[0] == '0' && s[1] == 'x' && c2d_hex_decode(s + 2, 40, out, 20, NULL) == 0
		? 0 : -1;
}

static int parse_receipt(const json_t *j, struct c2d_receipt *rc, struct c2d_err *err)
{
	uint64_t status;
	json_t *ca = json_object_get(j, "contractAddress");
	if (c2d_rpc_quantity_parse(json_string_value(json_object_get(j, "status")), &status, err) < 0 || status > 1 ||
	    c2d_rpc_quantity_parse(json_string_value(json_object_get(j, "blockNumber")), &rc->block, err) < 0 ||
	    json_hash(json_object_get(j, "blockHash"), rc->block_hash) < 0 ||
	    c2d_rpc_quantity_parse(json_string_value(json_object_get(j, "gasUsed")), &rc->gas_used, err) < 0)
		return c2d_fail(err, C2D_E_INPUT, "malformed receipt (status, blockNumber, blockHash or gasUsed)");
	rc->status = (int)status;
	rc->has_contract = ca != NULL && !json_is_null(ca);
	if (rc->has_contract && json_addr(ca, rc->contract) < 0)
		return c2d_fail(err, C2D_E_INPUT, "malformed contractAddress in a receipt");
	return C2D_OK;
}

void c2d_rpc_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void c2d_rpc_logs_free(struct c2d_log *logs, size_t n)
{
	for (size_t i = 0; logs != NULL && i < n; i++)
		free(logs[i].data);
	free(logs);
}

c2d_status c2d_rpc_logs_parse(const json_t *res, struct c2d_log **logs, size_t *n, struct c2d_err *err)
{
	if (!json_is_array(res))
		return c2d_fail(err, C2D_E_INPUT, "the logs are not an array");
	size_t count = json_array_size(res);
	struct c2d_log *out = calloc(count ? count : 1, sizeof(*out));
	int rc = C2D_OK;
	if (out == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	for (size_t i = 0; i < count && rc == 0; i++) {
		json_t *l = json_array_get(res, i), *t = json_object_get(l, "topics");
		uint8_t *tb;
		size_t tl;
		if (json_addr(json_object_get(l, "address"), out[i].address) < 0 || !json_is_array(t) ||
		    json_array_size(t) > 4 || json_hash(json_object_get(l, "transactionHash"), out[i].txhash) < 0 ||
		    c2d_rpc_data_parse(json_string_value(json_object_get(l, "data")), &out[i].data, &out[i].data_len,
				   err) < 0 ||
		    c2d_rpc_quantity_parse(json_string_value(json_object_get(l, "blockNumber")), &out[i].block, err) < 0) {
			rc = c2d_fail(err, C2D_E_INPUT, "malformed log %zu", i);
			break;
		}
		out[i].ntopics = json_array_size(t);
		for (size_t k = 0; k < out[i].ntopics; k++) {
			int ok = c2d_rpc_data_parse(json_string_value(json_array_get(t, k)), &tb, &tl, err) == 0;
			if (ok && tl != 32) {
				free(tb);
				ok = 0;
			}
			if (!ok) {
				rc = c2d_fail(err, C2D_E_INPUT, "malformed topic in log %zu", i);
				break;
			}
			memcpy(out[i].topics[k], tb, 32);
			free(tb);
		}
	}
	if (rc < 0) {
		c2d_rpc_logs_free(out, count);
		return rc;
	}
	*logs = out;
	*n = count;
	return C2D_OK;
}

c2d_status c2d_rpc_receipt_parse(const json_t *j, struct c2d_receipt *rc, struct c2d_log **logs, size_t *nlogs,
				 struct c2d_err *err)
{
	int st = parse_receipt(j, rc, err);
	if (st == 0 && logs != NULL)
		st = c2d_rpc_logs_parse(json_object_get(j, "logs"), logs, nlogs, err);
	return st;
}

c2d_status c2d_rpc_eth_receipt(struct c2d_rpc *r, const uint8_t txhash[32], struct c2d_receipt *rc, int *found,
			       struct c2d_log **logs, size_t *nlogs, struct c2d_err *err)
{
	json_t *res;
	memset(rc, 0, sizeof(*rc));
	memcpy(rc->txhash, txhash, 32);
	*found = 0;
	int st = c2d_rpc_call(r, "eth_getTransactionReceipt", json_pack("[o]", data_json(txhash, 32)), &res, err);
	if (st < 0)
		return st;
	if (!json_is_null(res)) {
		st = c2d_rpc_receipt_parse(res, rc, logs, nlogs, err);
		if (st < 0)
			c2d_err_prefix(err, "%s: eth_getTransactionReceipt", r->url);
		*found = st == 0;
	}
	json_decref(res);
	return st;
}

c2d_status c2d_rpc_eth_wait_receipt(struct c2d_rpc *r, const uint8_t txhash[32], struct c2d_receipt *rc,
				struct c2d_err *err)
{
	/* Bounded by a count of polls, not by the clock alone: a node that
	 * answers slowly still cannot keep us beyond receipt_ms plus one
	 * request's total_ms per poll. */
	long polls = r->poll_ms > 0 ? r->receipt_ms / r->poll_ms + 1 : 1;
	for (long i = 0; i < polls; i++) {
		int found, st = c2d_rpc_eth_receipt(r, txhash, rc, &found, NULL, NULL, err);
		if (st < 0 || found)
			return st;
		if (i + 1 < polls)
			c2d_rpc_sleep_ms(r->poll_ms);
	}
	char h[67];
	c2d_hex(txhash, 32, h);
	return c2d_fail(err, C2D_E_IO, "%s: transaction 0x%s: no receipt after %ld ms", r->url, h, r->receipt_ms);
}

c2d_status c2d_rpc_eth_get_logs(struct c2d_rpc *r, const uint8_t address[20], const uint8_t *const topics[4],
			    struct c2d_log **logs, size_t *n, struct c2d_err *err)
{
	json_t *tj = json_array(), *res;
	size_t last = 0;
	for (size_t i = 0; i < 4; i++)
		if (topics[i] != NULL)
			last = i + 1;
	for (size_t i = 0; i < last; i++)
		json_array_append_new(tj, topics[i] ? data_json(topics[i], 32) : json_null());
	json_t *filter = json_pack("{s:s, s:s, s:o, s:o}", "fromBlock", "0x0", "toBlock", "latest", "address",
				   addr_json(address), "topics", tj);
	int rc = c2d_rpc_call(r, "eth_getLogs", json_pack("[o]", filter), &res, err);
	if (rc < 0)
		return rc;
	if ((rc = c2d_rpc_logs_parse(res, logs, n, err)) < 0)
		c2d_err_prefix(err, "%s: eth_getLogs", r->url);
	json_decref(res);
	return rc;
}

c2d_status c2d_rpc_eth_explain_revert(struct c2d_rpc *r, const uint8_t from[20], const uint8_t *to,
				      const uint8_t *data, size_t len, const struct c2d_receipt *rc,
				      struct c2d_err *err)
{
	/* On the state after its block (which holds the effect of the
	 * transactions before it in the block, e.g. the same approval mined
	 * just before), then on the state before the block (for what a later
	 * transaction changed). */
	char h[65];
	c2d_hex(rc->txhash, 32, h);
	for (int i = 0; to != NULL && i < 2 && (i == 0 || rc->block > 0); i++) {
		char block[24];
		uint8_t *ret = NULL;
		size_t rl;
		snprintf(block, sizeof(block), "0x%llx", (unsigned long long)(rc->block - (uint64_t)i));
		int st = c2d_rpc_eth_call(r, from, to, data, len, block, &ret, &rl, err);
		free(ret);
		if (st == C2D_E_REFUSED) {
			c2d_err_prefix(err, "transaction 0x%s in block %llu", h, (unsigned long long)rc->block);
			return st;
		}
	}
	return c2d_fail(err, C2D_E_REFUSED, "transaction 0x%s reverted in block %llu (replaying it did not "
			"reproduce a reason)", h, (unsigned long long)rc->block);
}

c2d_status c2d_rpc_eth_send_tx(struct c2d_rpc *r, const secp256k1_context *ctx, const uint8_t sk[32],
			       uint64_t chain_id, const uint8_t *to, const uint8_t *data, size_t len,
			       uint8_t txhash[32], struct c2d_err *err)
{
	struct c2d_tx1559 tx = { .chain_id = chain_id, .data = data, .data_len = len };
	uint8_t from[20], *raw = NULL;
	size_t raw_len;
	uint64_t gas;
	int st;
	if ((st = c2d_ethtx_address(ctx, sk, from, err)) < 0 || (st = c2d_rpc_eth_nonce(r, from, &tx.nonce, err)) < 0 ||
	    (st = c2d_rpc_eth_fees(r, &tx.max_priority_fee, &tx.max_fee, err)) < 0 ||
	    (st = c2d_rpc_eth_estimate_gas(r, from, to, data, len, &gas, err)) < 0)
		return st;
	/* The estimate is exact for the state it ran on; a margin absorbs
	 * changes between the estimate and inclusion. */
	tx.gas_limit = gas + gas / 4;
	if (to != NULL) {
		tx.has_to = 1;
		memcpy(tx.to, to, 20);
	}
	if ((st = c2d_ethtx_sign(ctx, &tx, sk, &raw, &raw_len, txhash, err)) < 0)
		return st;
	st = c2d_rpc_eth_send_raw(r, raw, raw_len, txhash, err);
	free(raw);
	return st;
}

c2d_status c2d_rpc_eth_transact(struct c2d_rpc *r, const secp256k1_context *ctx, const uint8_t sk[32],
			    uint64_t chain_id, const uint8_t *to, const uint8_t *data, size_t len,
			    struct c2d_receipt *rc, struct c2d_err *err)
{
	uint8_t from[20], txhash[32];
	int st;
	if ((st = c2d_ethtx_address(ctx, sk, from, err)) < 0 ||
	    (st = c2d_rpc_eth_send_tx(r, ctx, sk, chain_id, to, data, len, txhash, err)) < 0 ||
	    (st = c2d_rpc_eth_wait_receipt(r, txhash, rc, err)) < 0)
		return st;
	if (rc->status != 1)
		return c2d_rpc_eth_explain_revert(r, from, to, data, len, rc, err);
	return C2D_OK;
}
