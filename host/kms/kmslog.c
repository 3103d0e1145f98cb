/* The KMS's release log: see kmslog.h. */
#include "kmslog.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "c2d/hex.h"

static const char domain[] = "c2d-kms-log-v1";
#define DUMP_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)

static void next_head(const uint8_t prev[32], const char *line, size_t len, uint8_t out[32])
{
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, domain, sizeof(domain) - 1);
	br_sha256_update(&h, prev, 32);
	br_sha256_update(&h, line, len);
	br_sha256_out(&h, out);
}

static json_t *hexj(const uint8_t *p, size_t n)
{
	char h[2 * 32 + 1];
	c2d_hex(p, n, h);
	return json_string(h);
}

/* Sets key to value (consumed); a NULL value (out of memory) poisons *ok. */
static void put(json_t *o, const char *key, json_t *value, int *ok)
{
	if (value == NULL || json_object_set_new(o, key, value) < 0)
		*ok = 0;
}

/* The members every line has. */
static json_t *line_json(uint64_t seq, const uint8_t prev[32], int64_t time, const char *outcome, int *ok)
{
	json_t *o = json_object();
	*ok = o != NULL;
	put(o, "v", json_integer(1), ok);
	put(o, "seq", json_integer((json_int_t)seq), ok);
	put(o, "prev", hexj(prev, 32), ok);
	put(o, "time", json_integer((json_int_t)time), ok);
	put(o, "outcome", json_string(outcome), ok);
	return o;
}

static json_t *done(json_t *o, int ok)
{
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *start_json(const void *arg, uint64_t seq, const uint8_t prev[32])
{
	const struct c2d_kmslog_start *s = arg;
	int ok;
	json_t *o = line_json(seq, prev, s->time, "start", &ok);
	if (o == NULL)
		return NULL;
	put(o, "kms", hexj(s->kms, 20), &ok);
	put(o, "app_id", hexj(s->app_id, 20), &ok);
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < s->n_images; i++)
		if (json_array_append_new(a, json_pack("{s:o, s:I, s:I}", "compose_hash",
						       hexj(s->images[i].compose_hash, 32), "micro_eps",
						       (json_int_t)s->images[i].micro_eps, "micro_rho",
						       (json_int_t)s->images[i].micro_rho)) < 0) {
			json_decref(a);
			a = NULL;
		}
	put(o, "images", a, &ok);
	put(o, "confirmations", s->finalized ? json_string("finalized")
					     : json_integer((json_int_t)s->confirmations), &ok);
	put(o, "allow_simulated", json_boolean(s->allow_simulated), &ok);
	put(o, "policy_sha256", hexj(s->policy_sha256, 32), &ok);
	if (s->has_root)
		put(o, "root_sha256", hexj(s->root_sha256, 32), &ok);
	return done(o, ok);
}

static json_t *entry_json(const void *arg, uint64_t seq, const uint8_t prev[32])
{
	const struct c2d_kmslog_entry *e = arg;
	int ok;
	json_t *o = line_json(seq, prev, e->time, e->release ? "release" : "refusal", &ok);
	if (o == NULL)
		return NULL;
	if (!e->release) {
		put(o, "check", json_string(e->check != NULL ? e->check : "unknown"), &ok);
		put(o, "reason", json_string(e->reason != NULL ? e->reason : ""), &ok);
	}
	if (e->has_compose) {
		put(o, "compose_hash", hexj(e->compose_hash, 32), &ok);
		put(o, "app_id", hexj(e->app_id, 20), &ok);
	}
	if (e->n_datasets > 0) {
		json_t *a = json_array();
		for (size_t i = 0; a != NULL && i < e->n_datasets; i++)
			if (json_array_append_new(a, json_pack("{s:o, s:o}", "owner", hexj(e->datasets[i].owner, 20),
							       "dataset_id", hexj(e->datasets[i].dataset_id, 32))) < 0) {
				json_decref(a);
				a = NULL;
			}
		put(o, "datasets", a, &ok);
	}
	if (e->has_block)
		put(o, "block", json_integer((json_int_t)e->block), &ok);
	if (e->has_run) {
		put(o, "run_id", hexj(e->run_id, 32), &ok);
		put(o, "run_signer", hexj(e->run_signer, 20), &ok);
		put(o, "spend_tx", hexj(e->spend_tx, 32), &ok);
		put(o, "anchor", hexj(e->anchor, 32), &ok);
	}
	return done(o, ok);
}

/* A 32-byte hex member of a line. */
static int hex32(json_t *o, const char *key, uint8_t out[32])
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) && json_string_length(v) == 64 &&
	       c2d_hex_decode(json_string_value(v), 64, out, 32, NULL) == C2D_OK;
}

static int hex20(json_t *o, const char *key)
{
	uint8_t out[20];
	json_t *v = json_object_get(o, key);
	return json_is_string(v) && json_string_length(v) == 40 &&
	       c2d_hex_decode(json_string_value(v), 40, out, 20, NULL) == C2D_OK;
}

/* Why start line o is incomplete, or NULL. */
static const char *bad_start(json_t *o)
{
	uint8_t h[32];
	json_t *im = json_object_get(o, "images");
	if (!hex20(o, "kms") || !hex20(o, "app_id") || !hex32(o, "policy_sha256", h) || !json_is_array(im) ||
	    json_array_size(im) == 0 || json_object_get(o, "confirmations") == NULL ||
	    !json_is_boolean(json_object_get(o, "allow_simulated")))
		return "a start line without \"kms\", \"app_id\", \"images\", \"confirmations\", "
		       "\"allow_simulated\" or \"policy_sha256\"";
	for (size_t i = 0; i < json_array_size(im); i++)
		if (!hex32(json_array_get(im, i), "compose_hash", h))
			return "a start line's image without \"compose_hash\"";
	if (json_object_get(o, "check") != NULL || json_object_get(o, "datasets") != NULL ||
	    json_object_get(o, "spend_tx") != NULL || json_object_get(o, "anchor") != NULL)
		return "a start line with a request's members";
	return NULL;
}

enum kind { START, RELEASE, REFUSAL };

/* Checks one line against the running state: *heads holds every head so
 * far (heads[0..seq]), which anchors must be among. *kind: what it is. */
static c2d_status verify_line(const char *line, size_t len, const char *name, uint64_t seq,
			      const uint8_t (*heads)[32], c2d_kmslog_spend_check check, void *arg,
			      enum kind *kind, struct c2d_err *err)
{
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%llu: not JSON: %s", name, (unsigned long long)seq + 1,
				je.text);
	char *again = json_dumps(o, DUMP_FLAGS);
	int canonical = again != NULL && strlen(again) == len && memcmp(again, line, len) == 0;
	free(again);
	uint8_t prev[32], tx[32], anchor[32];
	json_t *jseq = json_object_get(o, "seq"), *jout = json_object_get(o, "outcome");
	const char *outcome = json_string_value(jout), *why = NULL;
	*kind = outcome == NULL ? REFUSAL : strcmp(outcome, "start") == 0 ? START
		: strcmp(outcome, "release") == 0 ? RELEASE : REFUSAL;
	int has_tx = hex32(o, "spend_tx", tx), has_anchor = hex32(o, "anchor", anchor);
	if (!canonical)
		why = "not in canonical form (sorted keys, compact, ASCII)";
	else if (!json_is_integer(json_object_get(o, "v")) || json_integer_value(json_object_get(o, "v")) != 1)
		why = "\"v\" is not 1";
	else if (!json_is_integer(jseq) || (uint64_t)json_integer_value(jseq) != seq)
		why = "\"seq\" out of order";
	else if (!hex32(o, "prev", prev) || memcmp(prev, heads[seq], 32) != 0)
		why = "\"prev\" is not the head of the lines before it: the log was changed";
	else if (outcome == NULL || (*kind == REFUSAL && strcmp(outcome, "refusal") != 0))
		why = "\"outcome\" is none of start, release and refusal";
	else if (*kind == START)
		why = bad_start(o);
	else if (*kind == REFUSAL && !json_is_string(json_object_get(o, "check")))
		why = "a refusal without \"check\"";
	else if (*kind == RELEASE && (!has_tx || !has_anchor))
		why = "a release without \"spend_tx\" and \"anchor\"";
	else if (has_tx != has_anchor)
		why = "a refusal with only one of \"spend_tx\" and \"anchor\"";
	json_decref(o);
	if (why != NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%llu: %s", name, (unsigned long long)seq + 1, why);
	if (!has_tx)
		return C2D_OK;
	/* The anchor is usually a recent head: search backwards. */
	uint64_t i = seq + 1;
	while (i-- > 0 && memcmp(heads[i], anchor, 32) != 0)
		;
	if (i == UINT64_MAX)
		return c2d_fail(err, C2D_E_INPUT, "%s:%llu: the %s's anchor is no earlier head of the log",
				name, (unsigned long long)seq + 1, *kind == RELEASE ? "release" : "refusal");
	if (check != NULL) {
		int r = check(arg, seq + 1, *kind == RELEASE, tx, anchor, err);
		if (r < 0) {
			c2d_err_prefix(err, "%s:%llu", name, (unsigned long long)seq + 1);
			return r;
		}
	}
	return C2D_OK;
}

c2d_status c2d_kmslog_verify(const char *buf, size_t len, const char *name, c2d_kmslog_spend_check check,
			     void *arg, struct c2d_kmslog_summary *sum, struct c2d_err *err)
{
	size_t cap = 64, seq = 0;
	uint64_t count[3] = { 0 };
	uint8_t (*heads)[32] = calloc(cap, 32);
	if (heads == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", name);
	int r = C2D_OK;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		enum kind kind;
		if (nl == NULL) {
			r = c2d_fail(err, C2D_E_INPUT, "%s:%zu: the last line has no newline (a torn write)",
				     name, seq + 1);
			break;
		}
		size_t n = (size_t)(nl - (buf + off));
		if ((r = verify_line(buf + off, n, name, seq, (const uint8_t (*)[32])heads, check, arg, &kind,
				     err)) < 0)
			break;
		count[kind]++;
		if (seq + 1 == cap) {
			void *p = cap < SIZE_MAX / 64 ? realloc(heads, 2 * cap * 32) : NULL;
			if (p == NULL) {
				r = c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", name);
				break;
			}
			heads = p;
			cap *= 2;
		}
		next_head(heads[seq], buf + off, n, heads[seq + 1]);
		seq++;
		off += n + 1;
	}
	if (r == C2D_OK && sum != NULL) {
		*sum = (struct c2d_kmslog_summary){ .lines = seq, .starts = count[START],
						    .releases = count[RELEASE], .refusals = count[REFUSAL] };
		memcpy(sum->head, heads[seq], 32);
	}
	free(heads);
	return r;
}

c2d_status c2d_kmslog_open(struct c2d_kmslog *log, const char *path, struct c2d_err *err)
{
	memset(log, 0, sizeof(*log));
	log->fd = -1;
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open the release log", path);
	struct stat st;
	struct c2d_kmslog_summary sum = { 0 };
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > C2D_KMSLOG_FILE_MAX) {
		close(fd);
		return c2d_fail(err, C2D_E_INPUT, "%s: the release log must be a regular file under %u bytes",
				path, C2D_KMSLOG_FILE_MAX);
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf != NULL && got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	int r;
	if (buf == NULL)
		r = c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", path);
	else if (got != (size_t)st.st_size)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: read failed", path);
	else
		r = c2d_kmslog_verify(buf, got, path, NULL, NULL, &sum, err);
	free(buf);
	log->seq = sum.lines;
	memcpy(log->head, sum.head, 32);
	if (r == C2D_OK && pthread_mutex_init(&log->lock, NULL) != 0)
		r = c2d_fail(err, C2D_E_INTERNAL, "%s: no mutex", path);
	if (r < 0) {
		close(fd);
		return r;
	}
	log->fd = fd;
	return C2D_OK;
}

void c2d_kmslog_close(struct c2d_kmslog *log)
{
	if (log->fd >= 0)
		close(log->fd);
	pthread_mutex_destroy(&log->lock);
	memset(log, 0, sizeof(*log));
	log->fd = -1;
}

void c2d_kmslog_head(struct c2d_kmslog *log, uint8_t head[32])
{
	pthread_mutex_lock(&log->lock);
	memcpy(head, log->head, 32);
	pthread_mutex_unlock(&log->lock);
}

/* Appends the line that build makes of arg. */
static c2d_status append(struct c2d_kmslog *log, json_t *(*build)(const void *arg, uint64_t seq, const uint8_t prev[32]),
			 const void *arg, struct c2d_err *err)
{
	pthread_mutex_lock(&log->lock);
	int r = C2D_OK;
	json_t *o = NULL;
	char *line = NULL;
	if (log->fd < 0) {
		r = c2d_fail(err, C2D_E_IO, "release log: closed after a failed write; no more releases");
		goto out;
	}
	if ((o = build(arg, log->seq, log->head)) == NULL ||
	    (line = json_dumps(o, DUMP_FLAGS)) == NULL) {
		r = c2d_fail(err, C2D_E_NOMEM, "release log: out of memory");
		goto out;
	}
	size_t n = strlen(line);
	line[n] = '\n';   /* json_dumps's NUL; the length is kept in n */
	ssize_t w;
	do
		w = write(log->fd, line, n + 1);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)(n + 1) || fsync(log->fd) < 0) {
		r = c2d_fail_errno(err, C2D_E_IO, "release log: write failed; no more releases");
		close(log->fd);
		log->fd = -1;
		goto out;
	}
	next_head(log->head, line, n, log->head);
	log->seq++;
out:
	free(line);
	json_decref(o);
	pthread_mutex_unlock(&log->lock);
	return r;
}

c2d_status c2d_kmslog_append(struct c2d_kmslog *log, const struct c2d_kmslog_entry *e, struct c2d_err *err)
{
	return append(log, entry_json, e, err);
}

c2d_status c2d_kmslog_append_start(struct c2d_kmslog *log, const struct c2d_kmslog_start *s, struct c2d_err *err)
{
	if (s->n_images == 0)
		return c2d_fail(err, C2D_E_USAGE, "release log: a start line names at least one image");
	return append(log, start_json, s, err);
}
