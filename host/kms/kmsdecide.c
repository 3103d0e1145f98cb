/* The KMS's decision: see kmsdecide.h. */
#include "kmsdecide.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <bearssl_hash.h>

#include "c2d/hex.h"
#include "c2d/keywrap.h"
#include "c2d/rtmr.h"
#include "c2d/sealfmt.h"
#include "c2d/tdxverify.h"
#include "eventlog_json.h"
#include "keyfile.h"

#define EVENT_COMPOSE_HASH "c2d.compose-hash"
#define EVENT_APP_ID "c2d.app-id"

/* Every secret of one release, in one locked page. */
struct secrets {
	uint8_t s[32];                              /* the KMS's ephemeral secret */
	uint8_t wrap[C2D_KMSR_MAX_KEYS][32];
	uint8_t keys[C2D_KMSR_MAX_KEYS * 32];
	uint8_t dataset_key[32];                    /* scratch for the unwrap check */
};

/* What the checks learn, for the log line and the release. */
struct state {
	const struct c2d_kms_config *cfg;
	const struct c2d_kmsproto_request *req;
	struct c2d_tdx_quote q;
	struct c2d_kmslog_entry e;
	struct c2d_kmsview_pair pairs[C2D_KMSR_MAX_KEYS];
	struct c2d_seal_header hdr[C2D_KMSR_MAX_KEYS];
	size_t n_hdr;
	const struct c2d_kms_image *image;
	struct c2d_kms_result *res;
	int64_t now;
	enum c2d_kmschal_state chal;
};

/* Records a refusal by check (the reason from err, or from fmt). */
static c2d_status refuse(struct state *st, const char *check, struct c2d_err *why, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static c2d_status refuse(struct state *st, const char *check, struct c2d_err *why, const char *fmt, ...)
{
	struct c2d_kms_result *res = st->res;
	res->released = 0;
	snprintf(res->check, sizeof(res->check), "%s", check);
	if (fmt != NULL) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
		va_end(ap);
	} else
		snprintf(res->reason, sizeof(res->reason), "%s", why != NULL ? why->msg : check);
	return C2D_E_REFUSED;
}

static c2d_status check_quote(struct state *st)
{
	const struct c2d_kms_config *cfg = st->cfg;
	struct c2d_err e = { 0 }, ce = { 0 };
	struct c2d_verify_result vr;
	struct c2d_kmscoll_entry *col;
	if (c2d_tdxquote_parse(st->req->quote, st->req->quote_len, &st->q, &e) < 0)
		return refuse(st, "quote", &e, NULL);
	/* The registers are the image's, checked once the log names it. */
	struct c2d_td_policy td = *cfg->td;
	for (int i = 0; i < C2D_TDPOLICY_NREGS; i++)
		td.reg_state[i] = C2D_TDPOLICY_UNSET;
	if (c2d_kmscoll_acquire(cfg->collateral, &st->q, st->now, &col, &ce) < 0) {
		/* What needs no collateral (the header, a debug TD) is
		 * refused by its own name first, as the verifier does. */
		c2d_ignore(c2d_tdxverify_quote_prepared(&st->q, NULL, &td, st->now, &vr, &e));
		return refuse(st, "quote", strncmp(e.msg, "no collateral", 13) == 0 ? &ce : &e, NULL);
	}
	int r = c2d_tdxverify_quote_prepared(&st->q, c2d_kmscoll_prepared(col), &td, st->now, &vr, &e);
	c2d_kmscoll_release(cfg->collateral, col);
	return r < 0 ? refuse(st, "quote", &e, NULL) : C2D_OK;
}

static c2d_status check_binding(struct state *st)
{
	const struct c2d_kmsproto_request *req = st->req;
	uint8_t rd[C2D_KMSR_REPORT_DATA_LEN], addr[20];
	c2d_kmsr_report_data(req->challenge, req->eph_pub, req->run_pub, rd);
	if (memcmp(rd, st->q.td.report_data, sizeof(rd)) != 0)
		return refuse(st, "report-data", NULL, "the quote's report_data does not bind this challenge, "
			      "ephemeral key and run key");
	if (c2d_kmskey_address_of(st->cfg->secp, req->eph_pub, addr, NULL) < 0)
		return refuse(st, "report-data", NULL, "ephemeral_key is not a compressed secp256k1 point");
	if (c2d_kmskey_address_of(st->cfg->secp, req->run_pub, st->e.run_signer, NULL) < 0)
		return refuse(st, "report-data", NULL, "run_key is not a compressed secp256k1 point");
	if (st->chal == C2D_KMSCHAL_EXPIRED)
		return refuse(st, "challenge", NULL, "the challenge has expired");
	if (st->chal != C2D_KMSCHAL_FRESH)
		return refuse(st, "challenge", NULL, "the challenge was already used, or never issued here");
	return C2D_OK;
}

/* The one runtime event of RTMR3 named name, whose payload must be len
 * bytes: 1 found (into out), or a refusal. */
static c2d_status one_event(struct state *st, const struct c2d_json_eventlog *log, const char *name,
			    uint8_t *out, size_t len)
{
	size_t found = 0;
	for (size_t i = 0; i < log->n; i++) {
		const struct c2d_json_event *ev = &log->ev[i];
		if (ev->imr != 3 || ev->type != C2D_EVENT_RUNTIME || strcmp(ev->name, name) != 0)
			continue;
		if (ev->payload_len != len)
			return refuse(st, "event-log", NULL, "event %zu (%s): %zu bytes of payload, not %zu", i, name,
				      ev->payload_len, len);
		memcpy(out, ev->payload, len);
		found++;
	}
	if (found != 1)
		return refuse(st, "event-log", NULL, "RTMR3 holds %zu \"%s\" events, not exactly one", found, name);
	return C2D_OK;
}

static c2d_status check_measurements(struct state *st)
{
	const struct c2d_kms_config *cfg = st->cfg;
	struct c2d_err e = { 0 };
	struct c2d_json_eventlog log;
	struct c2d_rtmrs got;
	if (c2d_eventlog_json_parse(st->req->event_log, st->req->event_log_len, &log, &e) < 0)
		return refuse(st, "event-log", &e, NULL);
	int r = c2d_eventlog_json_replay(&log, &got, &e);
	if (r < 0)
		r = refuse(st, "event-log", &e, NULL);
	else if (memcmp(got.rtmr[3], st->q.td.rtmr[3], C2D_RTMR_LEN) != 0)
		r = refuse(st, "event-log", NULL, "the event log does not replay to the quote's RTMR3");
	else if ((r = one_event(st, &log, EVENT_COMPOSE_HASH, st->e.compose_hash, 32)) == C2D_OK)
		r = one_event(st, &log, EVENT_APP_ID, st->e.app_id, 20);
	c2d_eventlog_json_free(&log);
	if (r < 0)
		return r;
	st->e.has_compose = 1;
	char h[65];
	if (memcmp(st->e.app_id, cfg->app_id, 20) != 0) {
		c2d_hex(st->e.app_id, 20, h);
		return refuse(st, "measurements", NULL, "the CVM booted for app 0x%s, not this KMS's", h);
	}
	for (size_t i = 0; i < cfg->n_images && st->image == NULL; i++)
		if (memcmp(cfg->images[i].compose_hash, st->e.compose_hash, 32) == 0)
			st->image = &cfg->images[i];
	if (st->image == NULL) {
		c2d_hex(st->e.compose_hash, 32, h);
		return refuse(st, "measurements", NULL, "compose-hash %s is not an image this KMS serves", h);
	}
	struct c2d_td_policy td = *cfg->td;
	memcpy(td.reg_state, st->image->reg_state, sizeof(td.reg_state));
	memcpy(td.reg, st->image->reg, sizeof(td.reg));
	if (c2d_tdpolicy_check_td(&td, &st->q.td, &e) < 0)
		return refuse(st, "measurements", &e, NULL);
	return C2D_OK;
}

static c2d_status check_envelopes(struct state *st)
{
	const struct c2d_kms_config *cfg = st->cfg;
	const struct c2d_kmsproto_request *req = st->req;
	struct c2d_err e = { 0 };
	for (size_t i = 0; i < req->n_env; i++) {
		struct c2d_seal_header *h = &st->hdr[i];
		if (req->env[i].len < C2D_SEAL_PREFIX_LEN ||
		    c2d_sealhdr_parse(req->env[i].buf, req->env[i].len, h, &e) < 0) {
			if (req->env[i].len < C2D_SEAL_PREFIX_LEN)
				c2d_ignore(c2d_fail(&e, C2D_E_INPUT, "too short for a sealed header"));
			return refuse(st, "envelope", NULL, "envelope %zu: %s", i, e.msg);
		}
		st->n_hdr = i + 1;
		memcpy(st->pairs[i].owner, h->owner, 20);
		memcpy(st->pairs[i].dataset_id, h->dataset_id, 32);
		st->e.n_datasets = i + 1;
		for (size_t j = 0; j < i; j++)
			if (memcmp(&st->pairs[j], &st->pairs[i], sizeof(st->pairs[i])) == 0)
				return refuse(st, "envelope", NULL, "envelopes %zu and %zu name the same owner and dataset",
					      j, i);
		const char *bad = memcmp(h->recipe.kms_pubkey, cfg->key->pub, C2D_PUBKEY_LEN) != 0 ? "KMS key"
				  : memcmp(h->recipe.compose_hash, st->e.compose_hash, 32) != 0 ? "compose-hash"
				  : memcmp(h->recipe.app_id, st->e.app_id, 20) != 0 ? "app id" : NULL;
		if (bad != NULL)
			return refuse(st, "recipe", NULL, "envelope %zu: the recipe's %s is not the %s", i, bad,
				      strcmp(bad, "KMS key") == 0 ? "KMS's" : "measured one");
	}
	return C2D_OK;
}

static c2d_status check_chain(struct state *st)
{
	const struct c2d_kmsview *ch = st->cfg->chain;
	const uint8_t *hash = st->e.compose_hash;
	struct c2d_err e = { 0 };
	struct c2d_kmsview_compose cs;
	if (ch->block(ch->impl, &st->e.block, &e) < 0)
		return refuse(st, "chain", &e, NULL);
	st->e.has_block = 1;
	if (ch->compose(ch->impl, st->e.block, hash, &cs, &e) < 0)
		return refuse(st, "chain", &e, NULL);
	for (size_t i = 0; i < st->n_hdr; i++) {
		struct c2d_kmsview_dataset ds;
		char owner[41];
		c2d_hex(st->pairs[i].owner, 20, owner);
		if (ch->dataset(ch->impl, st->e.block, hash, st->pairs[i].owner, st->pairs[i].dataset_id, &ds,
				&e) < 0)
			return refuse(st, "chain", &e, NULL);
		if (cs.approvals < cs.threshold)
			return refuse(st, "quorum", NULL, "%llu of the %llu approvals the compose-hash needs",
				      (unsigned long long)cs.approvals, (unsigned long long)cs.threshold);
		if (!ds.approved && ds.expiry != 0)
			return refuse(st, "approval-expired", NULL, "envelope %zu: owner 0x%s's approval expired at %llu",
				      i, owner, (unsigned long long)ds.expiry);
		if (!ds.approved)
			return refuse(st, "owner-approval", NULL, "envelope %zu: owner 0x%s has not approved the "
				      "compose-hash", i, owner);
		if (cs.revoked)
			return refuse(st, "revoked", NULL, "the compose-hash is revoked");
		const struct c2d_kms_image *im = st->image;
		if (!ds.budget_set)
			return refuse(st, "budget", NULL, "envelope %zu: owner 0x%s set no budget for the dataset",
				      i, owner);
		if (ds.spent_eps > ds.cap_eps || ds.cap_eps - ds.spent_eps < im->micro_eps)
			return refuse(st, "budget-epsilon", NULL, "envelope %zu: %llu micro-epsilon left, the run "
				      "needs %llu", i, (unsigned long long)(ds.spent_eps > ds.cap_eps ? 0 :
				      ds.cap_eps - ds.spent_eps), (unsigned long long)im->micro_eps);
		if (ds.spent_rho > ds.cap_rho || ds.cap_rho - ds.spent_rho < im->micro_rho)
			return refuse(st, "budget-rho", NULL, "envelope %zu: %llu micro-rho left, the run needs %llu",
				      i, (unsigned long long)(ds.spent_rho > ds.cap_rho ? 0 :
				      ds.cap_rho - ds.spent_rho), (unsigned long long)im->micro_rho);
	}
	return C2D_OK;
}

/* Derives every wrap key and checks it opens its header's wrapped key. */
static c2d_status check_wrap_keys(struct state *st, struct secrets *sec)
{
	const struct c2d_kms_config *cfg = st->cfg;
	for (size_t i = 0; i < st->n_hdr; i++) {
		const struct c2d_seal_header *h = &st->hdr[i];
		struct c2d_wrap_binding b = { .recipe = &h->recipe, .owner = h->owner,
					      .dataset_id = h->dataset_id };
		struct c2d_err e = { 0 };
		int r = c2d_kw_derive_kms(cfg->secp, &b, cfg->key->sk, h->ephemeral_pubkey, sec->wrap[i], &e);
		if (r == C2D_OK)
			r = c2d_kw_unwrap(sec->wrap[i], h->wrapped_key, sec->dataset_key, &e);
		explicit_bzero(sec->dataset_key, sizeof(sec->dataset_key));
		if (r < 0)
			return refuse(st, "wrap-key", NULL, "envelope %zu: %s", i, e.msg);
	}
	return C2D_OK;
}

/* Seals the wrap keys to E, certifies R, spends, logs the release. */
static c2d_status release(struct state *st, struct secrets *sec, struct c2d_err *err)
{
	const struct c2d_kms_config *cfg = st->cfg;
	const struct c2d_kmsproto_request *req = st->req;
	struct c2d_kmsproto_release *rel = &st->res->rel;
	struct c2d_err e = { 0 };
	int r;
	if ((r = c2d_key_generate(cfg->secp, sec->s, &e)) < 0 ||
	    (r = c2d_kw_pubkey(cfg->secp, sec->s, rel->kms_eph_pub, &e)) < 0 ||
	    (r = c2d_kmsr_derive(cfg->secp, sec->s, req->eph_pub, rel->kms_eph_pub, req->eph_pub,
				 req->challenge, st->n_hdr, sec->keys, &e)) < 0)
		return refuse(st, "internal", &e, NULL);
	rel->n = st->n_hdr;
	for (size_t i = 0; i < st->n_hdr; i++)
		c2d_kmsr_seal(sec->keys + 32 * i, sec->wrap[i], rel->sealed[i]);

	static const char run_label[] = "c2d-kms-v1/run-id";
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, run_label, sizeof(run_label) - 1);
	br_sha256_update(&h, req->challenge, C2D_KMSR_CHALLENGE_LEN);
	br_sha256_out(&h, st->e.run_id);
	struct c2d_kmsproto_cert *c = &rel->cert;
	memcpy(c->app_id, st->e.app_id, 20);
	memcpy(c->compose_hash, st->e.compose_hash, 32);
	memcpy(c->run_signer, st->e.run_signer, 20);
	memcpy(c->run_id, st->e.run_id, 32);
	uint8_t digest[32];
	c2d_kmskey_cert_digest(c->app_id, c->compose_hash, c->run_signer, c->run_id, digest);
	if (c2d_kmskey_sign(cfg->secp, cfg->key, digest, c->signature, &e) < 0)
		return refuse(st, "internal", &e, NULL);

	static const uint8_t zero[32];
	const struct c2d_kmsview *ch = cfg->chain;
	uint64_t mined;
	c2d_kmslog_head(cfg->log, st->e.anchor);
	/* The daemon's start line makes the head non-zero before any request;
	 * without it the contract would revert the spend, after the budget
	 * checks had passed: refuse here, before anything is sent. */
	if (memcmp(st->e.anchor, zero, 32) == 0)
		return refuse(st, "internal", NULL, "the release log has no start line: no head to anchor a spend to");
	int sr = ch->spend(ch->impl, st->e.compose_hash, st->pairs, st->n_hdr, st->image->micro_eps,
			   st->image->micro_rho, st->e.run_id, st->e.anchor, st->e.spend_tx, &e);
	/* Once signed, the spend may be on chain whatever the error (its
	 * answer lost): its hash goes into the log line, whatever follows. */
	st->e.has_run = memcmp(st->e.spend_tx, zero, 32) != 0;
	if (sr < 0)
		return refuse(st, "spend", &e, NULL);
	st->e.has_run = 1;
	if (ch->receipt(ch->impl, st->e.spend_tx, &mined, &e) < 0)
		return refuse(st, "spend", &e, NULL);
	st->e.release = 1;
	if ((r = c2d_kmslog_append(cfg->log, &st->e, err)) < 0)
		return r;
	rel->block = st->e.block;
	memcpy(rel->spend_tx, st->e.spend_tx, 32);
	st->res->released = 1;
	return C2D_OK;
}

static struct secrets *secrets_new(void)
{
	void *p = mmap(NULL, sizeof(struct secrets), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mlock(p, sizeof(struct secrets)) < 0) {
		munmap(p, sizeof(struct secrets));
		return NULL;
	}
	(void)madvise(p, sizeof(struct secrets), MADV_DONTDUMP);
	return p;
}

static void secrets_free(struct secrets *sec)
{
	explicit_bzero(sec, sizeof(*sec));
	munlock(sec, sizeof(*sec));
	munmap(sec, sizeof(*sec));
}

c2d_status c2d_kms_decide(const struct c2d_kms_config *cfg, const struct c2d_kmsproto_request *req,
			  int64_t now, struct c2d_kms_result *res, struct c2d_err *err)
{
	struct state *st = calloc(1, sizeof(*st));
	struct secrets *sec = secrets_new();
	memset(res, 0, sizeof(*res));
	if (st == NULL || sec == NULL) {
		free(st);
		if (sec != NULL)
			secrets_free(sec);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory (or of lockable memory)");
	}
	*st = (struct state){ .cfg = cfg, .req = req, .res = res, .now = now };
	st->e.time = now;
	st->e.datasets = st->pairs;
	st->chal = c2d_kmschal_take(cfg->challenges, now, req->challenge);
	int r;
	if ((r = check_quote(st)) == C2D_OK && (r = check_binding(st)) == C2D_OK &&
	    (r = check_measurements(st)) == C2D_OK && (r = check_envelopes(st)) == C2D_OK &&
	    (r = check_chain(st)) == C2D_OK && (r = check_wrap_keys(st, sec)) == C2D_OK)
		r = release(st, sec, err);
	if (r == C2D_E_REFUSED) {
		st->e.release = 0;
		st->e.check = res->check;
		st->e.reason = res->reason;
		memset(&res->rel, 0, sizeof(res->rel));
		r = c2d_kmslog_append(cfg->log, &st->e, err);
	}
	if (r < 0)
		memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < st->n_hdr; i++)
		c2d_sealhdr_free(&st->hdr[i]);
	secrets_free(sec);
	free(st);
	return r;
}

c2d_status c2d_kms_answer(const struct c2d_kms_config *cfg, const char *text, size_t len, int64_t now,
			  char **answer, enum c2d_kms_outcome *outcome, struct c2d_err *err)
{
	struct c2d_kmsproto_request *req = calloc(1, sizeof(*req));
	struct c2d_kms_result *res = calloc(1, sizeof(*res));
	struct c2d_err pe = { 0 };
	int r;
	*answer = NULL;
	*outcome = C2D_KMS_REFUSED;
	if (req == NULL || res == NULL)
		r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
	else if (c2d_kmsproto_parse_request(text, len, req, &pe) < 0) {
		struct c2d_kmslog_entry e = { .time = now, .check = "request", .reason = pe.msg };
		snprintf(res->check, sizeof(res->check), "request");
		snprintf(res->reason, sizeof(res->reason), "%s", pe.msg);
		r = c2d_kmslog_append(cfg->log, &e, err);
		*outcome = C2D_KMS_MALFORMED;
	} else {
		r = c2d_kms_decide(cfg, req, now, res, err);
		*outcome = res->released ? C2D_KMS_RELEASED : C2D_KMS_REFUSED;
	}
	if (r == C2D_OK) {
		*answer = res->released ? c2d_kmsproto_release_text(&res->rel)
					: c2d_kmsproto_refusal_text(res->check, res->reason);
		if (*answer == NULL)
			r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	if (req != NULL)
		c2d_kmsproto_request_free(req);
	free(req);
	free(res);
	return r;
}

c2d_status c2d_kms_handle(const struct c2d_kms_config *cfg, const char *text, size_t len, int64_t now,
			  char **answer, struct c2d_err *err)
{
	enum c2d_kms_outcome outcome;
	return c2d_kms_answer(cfg, text, len, now, answer, &outcome, err);
}
