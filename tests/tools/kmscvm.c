/*
 * c2d-kmscvm: test-only. Plays the CVM against `c2d kms serve` over HTTP
 * (docs/kms-protocol.md), for the integration tests (tests/chain/kms_serve.sh,
 * docs/testing.md). Not part of the product: the real CVM's side is init's
 * run step, which links the same c2d/kmsrelease.h.
 *
 *   c2d-kmscvm attest --url URL --sim-state DIR --sealed FILE [--sealed FILE ...]
 *                     [--measurements FILE] [--mrtd HEX] [--rtmr0 HEX] [--rtmr1 HEX]
 *                     [--rtmr2 HEX] [--compose HEX] [--app ADDRESS] [--bind-other-key]
 *                     [--debug-td] [--tdattr HEX] [--xfam HEX] [--bad-rtmr3]
 *                     [--reuse-challenge] [--challenge-wait SECONDS] [--wrap-keys-out FILE]
 *       POST /v1/challenge; an event log whose RTMR3 holds init's boot events
 *       and the runtime events c2d.compose-hash and c2d.app-id (those of the
 *       first envelope's recipe unless --compose / --app); fresh keys E and R;
 *       a quote from the simulated quoter's CA in --sim-state (c2d sim-quoter
 *       --state) over report_data(challenge, E, R), with MRTD and RTMR0-2 from
 *       measurements.json's "tdx" (zero where null or absent) and the options;
 *       POST /v1/attest with each sealed file's header. On a release it opens
 *       every sealed wrap key with e, unwraps each dataset key, reads each
 *       sealed dataset to its end (its rows authenticated and counted against
 *       the header's row count), and checks the run certificate: the measured
 *       app id and compose-hash, R's address, the run id of the challenge,
 *       signed by the key the recipes name.
 *       Faults: --bind-other-key binds report_data to another ephemeral key
 *       than the request's E; --debug-td sets TDATTRIBUTES' DEBUG bit;
 *       --tdattr and --xfam replace those 8 bytes (the quote is then signed
 *       again with the simulated attestation key, so that only the value is
 *       wrong); --bad-rtmr3 makes the quote's RTMR3 differ from the log's
 *       replay; --reuse-challenge sends the same request twice and reports
 *       the second answer (the first under "first"); --challenge-wait sleeps
 *       that long between the challenge and the request.
 *       --wrap-keys-out writes the wrap keys it opened (hex, one a line, mode
 *       0600), so that a test can search the KMS's output for them.
 *       Prints one JSON line: {"status": HTTP status, "type": "release" |
 *       "refusal" | other, "check", "reason", "released": the number of
 *       datasets opened, "rows": [rows read from each], "block", "spend_tx",
 *       ["first": {"status", "type", "check"}]}.
 *       Exit: 0 a release, every dataset opened and the certificate right;
 *       3 a refusal (nothing opened); 1 anything else (an answer that is
 *       neither, a release that does not open or check out, an error); 2 usage.
 *
 *   c2d-kmscvm proxy --listen ADDR:PORT --to URL [--drop-methods M,...] [--lose-answers M,...]
 *       A JSON-RPC relay on loopback in front of a node, which plays the chain
 *       dropping out: a request (or a batch) naming a method of
 *       --drop-methods is cut (the connection closed, no answer) before it is
 *       forwarded; one naming a method of --lose-answers is forwarded and its
 *       answer cut. Everything else is forwarded as it is. Prints
 *       "listening on ADDR:PORT" once ready (port 0: the kernel's choice) and
 *       one line on stderr per cut; SIGTERM or SIGINT stop it (exit 0).
 *
 *   c2d-kmscvm load ...
 *       Many CVMs at once against one daemon: see kmscvm.h and kmsload.c.
 *
 * The HTTP server is libmicrohttpd's, the client libcurl; the protocol's
 * cryptography is c2d/kmsrelease.h, the certificate's digest host/kms/kmskey.h,
 * the quote host/sim/: nothing of the KMS's own parsing is copied here.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "c2d/digest.h"
#include "c2d/hex.h"
#include "c2d/keywrap.h"
#include "c2d/kmsrelease.h"
#include "c2d/tdxquote.h"
#include "c2d/unseal.h"
#include "fsutil.h"
#include "keyfile.h"
#include "kmscvm.h"
#include "kmsevent.h"
#include "kmskey.h"
#include "simca.h"
#include "simquote.h"

#define MAX_ANSWER (16u << 20)
#define EXIT_REFUSAL 3

/* --- HTTP client ------------------------------------------------------------------ */

static size_t sink(char *d, size_t sz, size_t nm, void *arg)
{
	struct kmscvm_buf *b = arg;
	size_t n = sz * nm;
	if (b->n + n > MAX_ANSWER)
		return 0;
	char *p = realloc(b->p, b->n + n + 1);
	if (p == NULL)
		return 0;
	memcpy(p + b->n, d, n);
	b->p = p;
	b->n += n;
	p[b->n] = '\0';
	return n;
}

int kmscvm_post(CURL *h, const char *url, const char *body, size_t len, long timeout_ms, long *status,
		struct kmscvm_buf *out, struct c2d_err *err)
{
	CURL *c = h != NULL ? h : curl_easy_init();
	if (c == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "curl_easy_init failed");
	struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
	out->p = NULL;
	out->n = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(c);
	int r = C2D_OK;
	if (rc != CURLE_OK)
		r = c2d_fail(err, C2D_E_IO, "%s: %s", url, curl_easy_strerror(rc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	/* The handle keeps its connection (keep-alive), not the header list. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hd);
	if (h == NULL)
		curl_easy_cleanup(c);
	if (r == C2D_OK && out->p == NULL)
		r = c2d_fail(err, C2D_E_INPUT, "%s: empty answer (HTTP %ld)", url, *status);
	if (r < 0) {
		free(out->p);
		out->p = NULL;
	}
	return r;
}

/* --- the CVM ------------------------------------------------------------------------ */

/* text (hex, optionally 0x) into exactly n bytes. */
static int hex_arg(const char *what, const char *text, uint8_t *out, size_t n, struct c2d_err *err)
{
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		text += 2;
	if (strlen(text) != 2 * n || c2d_hex_decode(text, 2 * n, out, n, NULL) < 0)
		return c2d_fail(err, C2D_E_USAGE, "%s: expected %zu hex digits", what, 2 * n);
	return C2D_OK;
}

/* An answer's hex member; addresses (n 20) carry 0x (docs/kms-protocol.md). */
static int hex_member(json_t *o, const char *key, uint8_t *out, size_t n, struct c2d_err *err)
{
	const char *v = json_string_value(json_object_get(o, key)), *pre = n == 20 ? "0x" : "";
	size_t p = strlen(pre);
	if (v == NULL || strncmp(v, pre, p) != 0 || strlen(v + p) != 2 * n ||
	    c2d_hex_decode(v + p, 2 * n, out, n, NULL) < 0)
		return c2d_fail(err, C2D_E_INPUT, "answer: \"%s\" is not %s%zu hex digits", key, pre, 2 * n);
	return C2D_OK;
}

/* MRTD and RTMR0-2 from measurements.json's "tdx" (null: zero, as the
 * simulated quoter has them without firmware), and init's SHA-256. */
static int load_measurements(struct kmscvm *c, struct c2d_err *err)
{
	static const char *const names[4] = { "mrtd", "rtmr0", "rtmr1", "rtmr2" };
	uint8_t *text;
	size_t len;
	int r = c2d_fs_read_file(c->o->measurements, 1u << 20, &text, &len, err);
	if (r < 0)
		return r;
	json_error_t je;
	json_t *m = json_loadb((const char *)text, len, 0, &je);
	free(text);
	json_t *tdx = json_object_get(m, "tdx");
	if (!json_is_object(tdx)) {
		json_decref(m);
		return c2d_fail(err, C2D_E_INPUT, "%s: no \"tdx\" object", c->o->measurements);
	}
	for (int i = 0; i < 4 && r == C2D_OK; i++) {
		uint8_t *dst = i == 0 ? c->regs.mrtd : c->regs.rtmr[i - 1];
		if (json_is_string(json_object_get(tdx, names[i])))
			r = hex_member(tdx, names[i], dst, 48, err);
	}
	if (r == C2D_OK && json_is_string(json_object_get(tdx, "init_sha256")))
		r = hex_member(tdx, "init_sha256", c->init_sha, 32, err);
	if (r < 0)
		c2d_err_prefix(err, "%s", c->o->measurements);
	json_decref(m);
	return r;
}

static int open_envelopes(struct kmscvm *c, struct c2d_err *err)
{
	for (size_t i = 0; i < c->o->n_sealed; i++) {
		struct kmscvm_envelope *v = &c->env[i];
		v->fd = open(c->o->sealed[i], O_RDONLY | O_CLOEXEC);
		if (v->fd < 0)
			return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open", c->o->sealed[i]);
		c->n = i + 1;
		int r = c2d_unseal_header(v->fd, c->o->sealed[i], &v->h, &v->raw, err);
		if (r < 0)
			return r;
	}
	return C2D_OK;
}

/* dstack's JSON event log of RTMR3, as init extends it (docs/attestation.md,
 * "Events") and then the run step's two identity events; sets RTMR3. */
static char *event_log(struct kmscvm *c)
{
	char *text = kmsevent_boot_log(c->init_sha, c->compose, c->app, 1, c->regs.rtmr[3]);
	if (c->o->bad_rtmr3)
		c->regs.rtmr[3][47] ^= 1;
	return text;
}

/* The simulated quote, with the TD attribute faults applied: the simulated
 * platform's values replaced, and header ‖ body signed again with the
 * attestation key, which the QE report certifies whatever the body says. */
static int quote(struct kmscvm *c, const uint8_t rd[64], uint8_t **q, size_t *qlen, struct c2d_err *err)
{
	const struct kmscvm_opts *o = c->o;
	int r = c2d_simquote_build(&c->ca, &c->regs, rd, q, qlen, err);
	if (r < 0 || (!o->debug_td && o->tdattr == NULL && o->xfam == NULL))
		return r;
	struct c2d_tdx_quote p;
	if ((r = c2d_tdxquote_parse(*q, *qlen, &p, err)) < 0)
		return r;
	uint8_t *tdattr = *q + (p.td.td_attributes - *q), *xfam = *q + (p.td.xfam - *q);
	if (o->tdattr != NULL && (r = hex_arg("--tdattr", o->tdattr, tdattr, 8, err)) < 0)
		return r;
	if (o->xfam != NULL && (r = hex_arg("--xfam", o->xfam, xfam, 8, err)) < 0)
		return r;
	if (o->debug_td)
		tdattr[0] |= 1;
	return c2d_simca_sign_raw(&c->ca.ak, p.signed_data, p.signed_len, *q + (p.signature - *q), err);
}

char *kmscvm_request(struct kmscvm *c, int bind_other, struct c2d_err *err)
{
	uint8_t rd[64], other_sk[32], other[33], *q = NULL;
	size_t qlen = 0;
	const uint8_t *bound = c->E;
	if (bind_other) {
		if (c2d_key_generate(c->secp, other_sk, err) < 0 || c2d_kw_pubkey(c->secp, other_sk, other, err) < 0)
			return NULL;
		explicit_bzero(other_sk, sizeof(other_sk));
		bound = other;
	}
	char *log = event_log(c);
	c2d_kmsr_report_data(c->challenge, bound, c->R, rd);
	if (log == NULL || quote(c, rd, &q, &qlen, err) < 0) {
		free(log);
		return NULL;
	}
	json_t *envs = json_array();
	for (size_t i = 0; i < c->n; i++)
		json_array_append_new(envs, kmsevent_hex(c->env[i].raw, c->env[i].h.header_len));
	json_t *req = kmsevent_request(c->challenge, q, qlen, log, c->E, c->R, envs);
	free(q);
	free(log);
	char *text = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (text == NULL)
		c2d_fail(err, C2D_E_NOMEM, "request: out of memory");
	return text;
}

int kmscvm_challenge(struct kmscvm *c, long *status, json_t **answer, struct c2d_err *err)
{
	char url[1024];
	struct kmscvm_buf b;
	int r;
	*answer = NULL;
	if ((r = c2d_key_generate(c->secp, c->e_sk, err)) < 0 || (r = c2d_key_generate(c->secp, c->r_sk, err)) < 0 ||
	    (r = c2d_kw_pubkey(c->secp, c->e_sk, c->E, err)) < 0 || (r = c2d_kw_pubkey(c->secp, c->r_sk, c->R, err)) < 0)
		return r;
	snprintf(url, sizeof(url), "%s/v1/challenge", c->o->url);
	if ((r = kmscvm_post(c->http, url, "{\"c2d_kms\":1}", 13, c->timeout_ms, status, &b, err)) < 0)
		return r;
	*answer = json_loadb(b.p, b.n, 0, NULL);
	free(b.p);
	if (*answer == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s: HTTP %ld, answer not JSON", url, *status);
	if (*status != 200)
		return C2D_OK;
	return hex_member(*answer, "challenge", c->challenge, 32, err);
}

static int count_rows(void *arg, const struct c2d_schema *s, uint32_t n, const struct c2d_rg_col *cols,
		      struct c2d_err *err)
{
	(void)s;
	(void)cols;
	(void)err;
	*(uint64_t *)arg += n;
	return C2D_OK;
}

/* The run certificate, checked as a contract would (ecrecover) and against
 * what this CVM measured and holds. */
static int check_cert(struct kmscvm *c, json_t *a, struct c2d_err *err)
{
	static const char run_label[] = "c2d-kms-v1/run-id";
	json_t *cert = json_object_get(a, "run_certificate");
	uint8_t app[20], ch[32], signer[20], run[32], sig[65], digest[32], by[20], want[32];
	uint8_t pre[sizeof(run_label) - 1 + 32];
	int r;
	if ((r = hex_member(cert, "app_id", app, 20, err)) < 0 ||
	    (r = hex_member(cert, "compose_hash", ch, 32, err)) < 0 ||
	    (r = hex_member(cert, "run_signer", signer, 20, err)) < 0 ||
	    (r = hex_member(cert, "run_id", run, 32, err)) < 0 ||
	    (r = hex_member(cert, "signature", sig, 65, err)) < 0)
		return r;
	if (memcmp(app, c->app, 20) != 0 || memcmp(ch, c->compose, 32) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "run certificate: not the measured app id and compose-hash");
	if ((r = c2d_kmskey_address_of(c->secp, c->R, want, err)) < 0)
		return r;
	if (memcmp(signer, want, 20) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "run certificate: run_signer is not R's address");
	memcpy(pre, run_label, sizeof(run_label) - 1);
	memcpy(pre + sizeof(run_label) - 1, c->challenge, 32);
	c2d_digest_sha256(pre, sizeof(pre), want);
	if (memcmp(run, want, 32) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "run certificate: run_id is not this challenge's");
	c2d_kmskey_cert_digest(app, ch, signer, run, digest);
	if ((r = c2d_kmskey_recover(c->secp, digest, sig, by, err)) < 0 ||
	    (r = c2d_kmskey_address_of(c->secp, c->env[0].h.recipe.kms_pubkey, want, err)) < 0)
		return r;
	if (memcmp(by, want, 20) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "run certificate: not signed by the recipe's KMS key");
	return C2D_OK;
}

/* Opens every released key and reads each dataset with it; rows[i] the
 * rows of dataset i. */
int kmscvm_take_release(struct kmscvm *c, json_t *a, json_t *rows, struct c2d_err *err)
{
	uint8_t S[33], keys[32 * C2D_KMSR_MAX_KEYS], sealed[48], wrap[32], dk[32];
	json_t *k = json_object_get(a, "keys");
	FILE *out = NULL;
	int r;
	if (json_array_size(k) != c->n)
		return c2d_fail(err, C2D_E_INPUT, "release: %zu keys for %zu envelopes", json_array_size(k), c->n);
	if ((r = hex_member(a, "kms_ephemeral_key", S, 33, err)) < 0 ||
	    (r = c2d_kmsr_derive(c->secp, c->e_sk, S, S, c->E, c->challenge, c->n, keys, err)) < 0)
		return r;
	if (c->o->keys_out != NULL) {
		int fd = open(c->o->keys_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || (out = fdopen(fd, "w")) == NULL) {
			r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot create", c->o->keys_out);
			if (fd >= 0)
				close(fd);
			goto out;
		}
	}
	for (size_t i = 0; i < c->n && r == C2D_OK; i++) {
		struct kmscvm_envelope *v = &c->env[i];
		const char *h = json_string_value(json_array_get(k, i));
		uint64_t n = 0;
		if (h == NULL || strlen(h) != 96 || c2d_hex_decode(h, 96, sealed, 48, NULL) < 0) {
			r = c2d_fail(err, C2D_E_INPUT, "release: keys[%zu] is not 96 hex digits", i);
			break;
		}
		/* A CVM of the load test reads its files once per release. */
		if (lseek(v->fd, (off_t)v->h.header_len, SEEK_SET) < 0) {
			r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot seek", c->o->sealed[i]);
			break;
		}
		if ((r = c2d_kmsr_open(keys + 32 * i, sealed, wrap, err)) < 0 ||
		    (r = c2d_kw_unwrap(wrap, v->h.wrapped_key, dk, err)) < 0 ||
		    (r = c2d_unseal_body(v->fd, c->o->sealed[i], &v->h, v->raw, dk, C2D_GCM_AUTO, 1, count_rows, &n,
					 err)) < 0) {
			c2d_err_prefix(err, "keys[%zu]", i);
			break;
		}
		if (out != NULL) {
			char wh[65];
			c2d_hex(wrap, 32, wh);
			fprintf(out, "%s\n", wh);
			explicit_bzero(wh, sizeof(wh));
		}
		json_array_append_new(rows, json_integer((json_int_t)n));
	}
	if (out != NULL && fclose(out) != 0 && r == C2D_OK)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: write failed", c->o->keys_out);
	if (r == C2D_OK)
		r = check_cert(c, a, err);
out:
	explicit_bzero(keys, sizeof(keys));
	explicit_bzero(wrap, sizeof(wrap));
	explicit_bzero(dk, sizeof(dk));
	return r;
}

int kmscvm_send(struct kmscvm *c, const char *text, long *status, json_t **answer, struct c2d_err *err)
{
	char url[1024];
	struct kmscvm_buf b;
	*answer = NULL;
	snprintf(url, sizeof(url), "%s/v1/attest", c->o->url);
	int r = kmscvm_post(c->http, url, text, strlen(text), c->timeout_ms, status, &b, err);
	if (r < 0)
		return r;
	*answer = json_loadb(b.p, b.n, 0, NULL);
	free(b.p);
	if (*answer == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s: HTTP %ld, answer not JSON", url, *status);
	return C2D_OK;
}

/* The outcome line's common part. */
static json_t *outcome(long status, json_t *a)
{
	json_t *o = json_pack("{s:I, s:O?, s:O?, s:O?}", "status", (json_int_t)status, "type",
			      json_object_get(a, "type"), "check", json_object_get(a, "check"), "reason",
			      json_object_get(a, "reason"));
	return o;
}

int kmscvm_open(struct kmscvm *c, const struct kmscvm_opts *o, struct c2d_err *err)
{
	int r;
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->timeout_ms = 180000;
	for (size_t i = 0; i < C2D_KMSR_MAX_KEYS; i++)
		c->env[i].fd = -1;
	if ((r = c2d_key_secp_context(&c->secp, err)) < 0 || (r = c2d_simca_open(&c->ca, o->sim_state, err)) < 0)
		return r;
	c->ca_open = 1;
	if ((r = open_envelopes(c, err)) < 0 || (o->measurements != NULL && (r = load_measurements(c, err)) < 0))
		return r;
	for (int i = 0; i < 4 && r == C2D_OK; i++)
		if (o->reg[i] != NULL)
			r = hex_arg(i == 0 ? "--mrtd" : "--rtmrN", o->reg[i],
				    i == 0 ? c->regs.mrtd : c->regs.rtmr[i - 1], 48, err);
	memcpy(c->compose, c->env[0].h.recipe.compose_hash, 32);
	memcpy(c->app, c->env[0].h.recipe.app_id, 20);
	if (r == C2D_OK && o->compose != NULL)
		r = hex_arg("--compose", o->compose, c->compose, 32, err);
	if (r == C2D_OK && o->app != NULL)
		r = hex_arg("--app", o->app, c->app, 20, err);
	return r;
}

static int cvm_run(struct kmscvm *c, int *exit_code, struct c2d_err *err)
{
	const struct kmscvm_opts *o = c->o;
	long status = 0;
	json_t *a = NULL, *first = NULL, *line = NULL, *rows = json_array();
	char *text = NULL;
	int r;
	*exit_code = 1;
	if ((r = kmscvm_challenge(c, &status, &a, err)) < 0)
		goto out;
	if (status == 200) {
		json_decref(a);
		a = NULL;
		if (o->wait > 0)
			sleep(o->wait);
		if ((text = kmscvm_request(c, o->bind_other, err)) == NULL) {
			r = err->status < 0 ? err->status : C2D_E_INTERNAL;
			goto out;
		}
		if ((r = kmscvm_send(c, text, &status, &a, err)) < 0)
			goto out;
		if (o->reuse) {
			first = outcome(status, a);
			json_decref(a);
			a = NULL;
			if ((r = kmscvm_send(c, text, &status, &a, err)) < 0)
				goto out;
		}
	}
	const char *type = json_string_value(json_object_get(a, "type"));
	line = outcome(status, a);
	if (first != NULL)
		json_object_set_new(line, "first", first), first = NULL;
	if (status == 200 && type != NULL && strcmp(type, "release") == 0) {
		json_object_set(line, "block", json_object_get(a, "block"));
		json_object_set(line, "spend_tx", json_object_get(a, "spend_tx"));
		r = kmscvm_take_release(c, a, rows, err);
		if (r == C2D_OK)
			*exit_code = 0;
	} else if (type != NULL && strcmp(type, "refusal") == 0 && json_object_get(a, "keys") == NULL) {
		*exit_code = EXIT_REFUSAL;
	}
	json_object_set_new(line, "released", json_integer((json_int_t)json_array_size(rows)));
	json_object_set(line, "rows", rows);
	char *l = json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS);
	if (l != NULL)
		printf("%s\n", l);
	free(l);
	fflush(stdout);
out:
	json_decref(a);
	json_decref(first);
	json_decref(line);
	json_decref(rows);
	free(text);
	return r;
}

void kmscvm_close(struct kmscvm *c)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->env[i].fd >= 0)
			close(c->env[i].fd);
		free(c->env[i].raw);
		c2d_sealhdr_free(&c->env[i].h);
	}
	if (c->ca_open)
		c2d_simca_close(&c->ca);
	if (c->secp != NULL)
		secp256k1_context_destroy(c->secp);
	explicit_bzero(c->e_sk, sizeof(c->e_sk));
	explicit_bzero(c->r_sk, sizeof(c->r_sk));
}

static int cmd_attest(int argc, char **argv, int *exit_code, struct c2d_err *err)
{
	enum { O_URL = 256, O_STATE, O_SEALED, O_MEAS, O_MRTD, O_RTMR0, O_RTMR1, O_RTMR2, O_COMPOSE, O_APP,
	       O_OTHER, O_DEBUG, O_TDATTR, O_XFAM, O_BADRTMR3, O_REUSE, O_WAIT, O_KEYS };
	static const struct option lo[] = {
		{ "url", required_argument, 0, O_URL }, { "sim-state", required_argument, 0, O_STATE },
		{ "sealed", required_argument, 0, O_SEALED }, { "measurements", required_argument, 0, O_MEAS },
		{ "mrtd", required_argument, 0, O_MRTD }, { "rtmr0", required_argument, 0, O_RTMR0 },
		{ "rtmr1", required_argument, 0, O_RTMR1 }, { "rtmr2", required_argument, 0, O_RTMR2 },
		{ "compose", required_argument, 0, O_COMPOSE }, { "app", required_argument, 0, O_APP },
		{ "bind-other-key", no_argument, 0, O_OTHER }, { "debug-td", no_argument, 0, O_DEBUG },
		{ "tdattr", required_argument, 0, O_TDATTR }, { "xfam", required_argument, 0, O_XFAM },
		{ "bad-rtmr3", no_argument, 0, O_BADRTMR3 }, { "reuse-challenge", no_argument, 0, O_REUSE },
		{ "challenge-wait", required_argument, 0, O_WAIT }, { "wrap-keys-out", required_argument, 0, O_KEYS },
		{ 0, 0, 0, 0 },
	};
	struct kmscvm_opts o = { 0 };
	int ch;
	char *end;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case O_URL: o.url = optarg; break;
		case O_STATE: o.sim_state = optarg; break;
		case O_SEALED:
			if (o.n_sealed == C2D_KMSR_MAX_KEYS)
				return c2d_fail(err, C2D_E_USAGE, "attest: at most %d --sealed", C2D_KMSR_MAX_KEYS);
			o.sealed[o.n_sealed++] = optarg;
			break;
		case O_MEAS: o.measurements = optarg; break;
		case O_MRTD: case O_RTMR0: case O_RTMR1: case O_RTMR2: o.reg[ch - O_MRTD] = optarg; break;
		case O_COMPOSE: o.compose = optarg; break;
		case O_APP: o.app = optarg; break;
		case O_OTHER: o.bind_other = 1; break;
		case O_DEBUG: o.debug_td = 1; break;
		case O_TDATTR: o.tdattr = optarg; break;
		case O_XFAM: o.xfam = optarg; break;
		case O_BADRTMR3: o.bad_rtmr3 = 1; break;
		case O_REUSE: o.reuse = 1; break;
		case O_WAIT:
			o.wait = (unsigned)strtoul(optarg, &end, 10);
			if (*end != '\0' || end == optarg || o.wait > 3600)
				return c2d_fail(err, C2D_E_USAGE, "--challenge-wait: expected 0 to 3600 seconds");
			break;
		case O_KEYS: o.keys_out = optarg; break;
		default: return c2d_fail(err, C2D_E_USAGE, "attest: bad option");
		}
	}
	if (o.url == NULL || o.sim_state == NULL || o.n_sealed == 0 || optind != argc)
		return c2d_fail(err, C2D_E_USAGE, "attest: --url, --sim-state and --sealed are required");
	struct kmscvm c;
	int r = kmscvm_open(&c, &o, err);
	if (r == C2D_OK)
		r = cvm_run(&c, exit_code, err);
	kmscvm_close(&c);
	return r;
}

/* --- the relay ------------------------------------------------------------------------ */

struct relay {
	const char *to, *drop, *lose;
};

struct upload {
	struct kmscvm_buf body;
	int too_big;
};

/* Whether the comma-separated list names method. */
static int listed(const char *list, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = list; p != NULL && *p != '\0';) {
		const char *e = strchr(p, ',');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, method, n) == 0)
			return 1;
		p = e != NULL ? e + 1 : NULL;
	}
	return 0;
}

/* The first method of body (a request or a batch) that list names, or NULL. */
static const char *named(json_t *body, const char *list)
{
	size_t n = json_is_array(body) ? json_array_size(body) : 1;
	for (size_t i = 0; i < n; i++) {
		json_t *q = json_is_array(body) ? json_array_get(body, i) : body;
		const char *m = json_string_value(json_object_get(q, "method"));
		if (m != NULL && listed(list, m))
			return m;
	}
	return NULL;
}

static void relay_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode t)
{
	(void)cls;
	(void)conn;
	(void)t;
	struct upload *u = *con_cls;
	if (u != NULL) {
		free(u->body.p);
		free(u);
		*con_cls = NULL;
	}
}

static enum MHD_Result relay_answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				    const char *version, const char *data, size_t *size, void **con_cls)
{
	const struct relay *rl = cls;
	(void)url;
	(void)version;
	struct upload *u = *con_cls;
	if (u == NULL) {
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return MHD_NO;
		*con_cls = u;
		return MHD_YES;
	}
	if (*size > 0) {
		if (sink((char *)data, 1, *size, &u->body) != *size)
			u->too_big = 1;
		*size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0 || u->too_big || u->body.p == NULL)
		return MHD_NO;
	/* body stays alive while cut and lose, which point into it, are used. */
	json_t *body = json_loadb(u->body.p, u->body.n, 0, NULL);
	const char *cut = named(body, rl->drop), *lose = cut == NULL ? named(body, rl->lose) : NULL;
	long status = 0;
	struct kmscvm_buf b = { 0 };
	struct c2d_err err = { 0 };
	enum MHD_Result ret = MHD_NO;   /* MHD_NO: libmicrohttpd closes the connection unanswered */
	if (cut != NULL) {
		fprintf(stderr, "c2d-kmscvm proxy: cut %s before forwarding\n", cut);
	} else if (kmscvm_post(NULL, rl->to, u->body.p, u->body.n, 180000, &status, &b, &err) < 0) {
		fprintf(stderr, "c2d-kmscvm proxy: %s\n", err.msg);
	} else if (lose != NULL) {
		fprintf(stderr, "c2d-kmscvm proxy: cut the answer to %s\n", lose);
	} else {
		struct MHD_Response *resp = MHD_create_response_from_buffer(b.n, b.p, MHD_RESPMEM_MUST_FREE);
		if (resp != NULL) {
			b.p = NULL;   /* the response owns it */
			MHD_add_response_header(resp, "Content-Type", "application/json");
			ret = MHD_queue_response(conn, (unsigned)status, resp);
			MHD_destroy_response(resp);
		}
	}
	free(b.p);
	json_decref(body);
	return ret;
}

static int cmd_proxy(int argc, char **argv, struct c2d_err *err)
{
	static const struct option lo[] = {
		{ "listen", required_argument, 0, 'l' }, { "to", required_argument, 0, 't' },
		{ "drop-methods", required_argument, 0, 'd' }, { "lose-answers", required_argument, 0, 'a' },
		{ 0, 0, 0, 0 },
	};
	struct relay rl = { 0 };
	const char *listen = NULL;
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': listen = optarg; break;
		case 't': rl.to = optarg; break;
		case 'd': rl.drop = optarg; break;
		case 'a': rl.lose = optarg; break;
		default: return c2d_fail(err, C2D_E_USAGE, "proxy: bad option");
		}
	}
	if (listen == NULL || rl.to == NULL || optind != argc)
		return c2d_fail(err, C2D_E_USAGE, "proxy: --listen and --to are required");
	char host[64];
	const char *colon = strrchr(listen, ':');
	char *end;
	unsigned long port = colon != NULL ? strtoul(colon + 1, &end, 10) : 0;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host) || *end != '\0' || end == colon + 1 ||
	    port > 65535)
		return c2d_fail(err, C2D_E_USAGE, "--listen: expected ADDRESS:PORT");
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return c2d_fail(err, C2D_E_USAGE, "--listen: %s is not an IPv4 address", host);
	sa.sin_port = htons((uint16_t)port);
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);   /* before the daemon's threads inherit the mask */
	struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
						NULL, NULL, relay_answer, &rl, MHD_OPTION_SOCK_ADDR, &sa,
						MHD_OPTION_NOTIFY_COMPLETED, relay_done, NULL, MHD_OPTION_END);
	if (d == NULL)
		return c2d_fail(err, C2D_E_IO, "proxy: cannot listen on %s", listen);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening on %s:%u\n", host, info != NULL ? (unsigned)info->port : (unsigned)port);
	fflush(stdout);
	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return C2D_OK;
}

int main(int argc, char **argv)
{
	struct c2d_err err = { 0 };
	int r, code = 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (argc >= 2 && strcmp(argv[1], "attest") == 0)
		r = cmd_attest(argc - 1, argv + 1, &code, &err);
	else if (argc >= 2 && strcmp(argv[1], "load") == 0)
		r = kmscvm_load(argc - 1, argv + 1, &code, &err);
	else if (argc >= 2 && strcmp(argv[1], "proxy") == 0)
		r = cmd_proxy(argc - 1, argv + 1, &err), code = 0;
	else
		r = c2d_fail(&err, C2D_E_USAGE, "usage: c2d-kmscvm attest|load|proxy ...");
	curl_global_cleanup();
	if (r < 0) {
		fprintf(stderr, "c2d-kmscvm: %s\n", err.msg);
		return r == C2D_E_USAGE ? 2 : 1;
	}
	return code;
}
