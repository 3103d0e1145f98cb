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

static json_t *entry_json(const struct c2d_kmslog_entry *e, uint64_t seq, const uint8_t prev[32])
{
	json_t *o = json_object();
	int ok = o != NULL;
	if (!ok)
		return NULL;
	put(o, "v", json_integer(1), &ok);
	put(o, "seq", json_integer((json_int_t)seq), &ok);
	put(o, "prev", hexj(prev, 32), &ok);
	put(o, "time", json_integer((json_int_t)e->time), &ok);
	put(o, "outcome", json_string(e->release ? "release" : "refusal"), &ok);
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
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A 32-byte hex member of a line. */
static int hex32(json_t *o, const char *key, uint8_t out[32])
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) && json_string_length(v) == 64 &&
	       c2d_hex_decode(json_string_value(v), 64, out, 32, NULL) == C2D_OK;
}

/* Checks one line against the running state: *heads holds every head so
 * far (heads[0..seq]), which anchors must be among. */
static c2d_status verify_line(const char *line, size_t len, const char *name, uint64_t seq,
			      const uint8_t (*heads)[32], c2d_kmslog_spend_check check, void *arg,
			      struct c2d_err *err)
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
	const char *outcome = json_string_value(jout);
	const char *why = NULL;
	int release = outcome != NULL && strcmp(outcome, "release") == 0;
	if (!canonical)
		why = "not in canonical form (sorted keys, compact, ASCII)";
	else if (!json_is_integer(json_object_get(o, "v")) || json_integer_value(json_object_get(o, "v")) != 1)
		why = "\"v\" is not 1";
	else if (!json_is_integer(jseq) || (uint64_t)json_integer_value(jseq) != seq)
		why = "\"seq\" out of order";
	else if (!hex32(o, "prev", prev) || memcmp(prev, heads[seq], 32) != 0)
		why = "\"prev\" is not the head of the lines before it: the log was changed";
	else if (outcome == NULL || (!release && strcmp(outcome, "refusal") != 0))
		why = "\"outcome\" is neither release nor refusal";
	else if (!release && !json_is_string(json_object_get(o, "check")))
		why = "a refusal without \"check\"";
	else if (release && (!hex32(o, "spend_tx", tx) || !hex32(o, "anchor", anchor)))
		why = "a release without \"spend_tx\" and \"anchor\"";
	json_decref(o);
	if (why != NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%llu: %s", name, (unsigned long long)seq + 1, why);
	if (!release)
		return C2D_OK;
	/* The anchor is usually a recent head: search backwards. */
	uint64_t i = seq + 1;
	while (i-- > 0 && memcmp(heads[i], anchor, 32) != 0)
		;
	if (i == UINT64_MAX)
		return c2d_fail(err, C2D_E_INPUT, "%s:%llu: the release's anchor is no earlier head of the log",
				name, (unsigned long long)seq + 1);
	if (check != NULL) {
		int r = check(arg, tx, anchor, err);
		if (r < 0) {
			c2d_err_prefix(err, "%s:%llu", name, (unsigned long long)seq + 1);
			return r;
		}
	}
	return C2D_OK;
}

c2d_status c2d_kmslog_verify(const char *buf, size_t len, const char *name, c2d_kmslog_spend_check check,
			     void *arg, uint64_t *lines, uint8_t head[32], struct c2d_err *err)
{
	size_t cap = 64, seq = 0;
	uint8_t (*heads)[32] = calloc(cap, 32);
	if (heads == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "%s: out of memory", name);
	int r = C2D_OK;
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		if (nl == NULL) {
			r = c2d_fail(err, C2D_E_INPUT, "%s:%zu: the last line has no newline (a torn write)",
				     name, seq + 1);
			break;
		}
		size_t n = (size_t)(nl - (buf + off));
		if ((r = verify_line(buf + off, n, name, seq, (const uint8_t (*)[32])heads, check, arg, err)) < 0)
			break;
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
	if (r == C2D_OK) {
		if (lines != NULL)
			*lines = seq;
		if (head != NULL)
			memcpy(head, heads[seq], 32);
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
		r = c2d_kmslog_verify(buf, got, path, NULL, NULL, &log->seq, log->head, err);
	free(buf);
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

c2d_status c2d_kmslog_append(struct c2d_kmslog *log, const struct c2d_kmslog_entry *e, struct c2d_err *err)
{
	pthread_mutex_lock(&log->lock);
	int r = C2D_OK;
	json_t *o = NULL;
	char *line = NULL;
	if (log->fd < 0) {
		r = c2d_fail(err, C2D_E_IO, "release log: closed after a failed write; no more releases");
		goto out;
	}
	if ((o = entry_json(e, log->seq, log->head)) == NULL ||
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
