/* The KMS's HTTP daemon: see kmsserve.h. HTTP is libmicrohttpd's, JSON
 * jansson's; what is here is the routing, the bounds and the shutdown. */
#include "kmsserve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "kmsproto.h"

/* {"c2d_kms":1} and a little slack: a challenge request carries nothing. */
#define CHALLENGE_BODY_MAX 4096u

enum route { ROUTE_CHALLENGE = 1, ROUTE_ATTEST };

/* One request's body, accumulated up to its bound. */
struct body {
	enum route route;
	size_t max, len, cap;
	char *buf;
	int too_big;
};

struct server {
	const struct c2d_kms_config *cfg;
	int64_t lifetime;
};

static int64_t now_s(void)
{
	/* The decision and the challenges count in unix seconds. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

/* Queues text (malloc'd; MHD frees it) with status; a NULL text (out of
 * memory) closes the connection. */
static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, char *text)
{
	if (text == NULL)
		return MHD_NO;
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	enum MHD_Result ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (ok == MHD_YES && status == MHD_HTTP_METHOD_NOT_ALLOWED)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
	if (ok == MHD_YES)
		ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result refusal(struct MHD_Connection *c, unsigned status, const char *check, const char *reason)
{
	return answer(c, status, c2d_kmsproto_refusal_text(check, reason));
}

/* A challenge request is exactly {"c2d_kms":1}. */
static int challenge_request_ok(const char *buf, size_t len)
{
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	json_t *v = json_object_get(j, "c2d_kms");
	int ok = json_is_object(j) && json_object_size(j) == 1 && json_is_integer(v) &&
		 json_integer_value(v) == C2D_KMSPROTO_VERSION;
	json_decref(j);
	return ok;
}

static enum MHD_Result challenge(const struct server *s, struct MHD_Connection *c, const struct body *b)
{
	uint8_t ch[C2D_KMSR_CHALLENGE_LEN];
	struct c2d_err err = { 0 };
	if (!challenge_request_ok(b->buf, b->len))
		return refusal(c, MHD_HTTP_BAD_REQUEST, "request", "a challenge request is {\"c2d_kms\":1}");
	int r = c2d_kmschal_issue(s->cfg->challenges, now_s(), ch, &err);
	if (r == C2D_E_UNAVAILABLE)
		return refusal(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy", "too many outstanding challenges; retry later");
	if (r < 0)
		return refusal(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", err.msg);
	return answer(c, MHD_HTTP_OK, c2d_kmsproto_challenge_text(ch, s->lifetime));
}

static enum MHD_Result attest(const struct server *s, struct MHD_Connection *c, const struct body *b)
{
	static const unsigned status[] = { [C2D_KMS_RELEASED] = MHD_HTTP_OK, [C2D_KMS_REFUSED] = MHD_HTTP_FORBIDDEN,
					   [C2D_KMS_MALFORMED] = MHD_HTTP_BAD_REQUEST };
	struct c2d_err err = { 0 };
	enum c2d_kms_outcome outcome;
	char *text;
	if (c2d_kms_answer(s->cfg, b->buf, b->len, now_s(), &text, &outcome, &err) < 0) {
		/* Nothing was released: the log could not record the outcome,
		 * or memory ran out. The operator sees why; the client only
		 * that it failed (err never holds key material). */
		fprintf(stderr, "c2d kms: %s\n", err.msg);
		return refusal(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal", "the KMS failed; nothing was released");
	}
	return answer(c, status[outcome], text);
}

/* Appends data to b, up to its bound; past it only counts (the rest of
 * the body is read and dropped, so that the client gets its 413). */
static void append(struct body *b, const char *data, size_t n)
{
	if (b->too_big || n > b->max - b->len) {
		b->too_big = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap != 0 ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->buf, cap);
		if (p == NULL) {
			b->too_big = 1;   /* answered as too large: the KMS cannot hold it */
			return;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *data, size_t *data_size, void **con_cls)
{
	(void)version;
	const struct server *s = cls;
	struct body *b = *con_cls;
	if (b == NULL) {
		/* The first call, headers only: route and bound before any
		 * byte of the body is read. */
		enum route route = strcmp(url, "/v1/challenge") == 0 ? ROUTE_CHALLENGE
				   : strcmp(url, "/v1/attest") == 0 ? ROUTE_ATTEST : 0;
		if (route == 0)
			return refusal(c, MHD_HTTP_NOT_FOUND, "request", "no such endpoint");
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
			return refusal(c, MHD_HTTP_METHOD_NOT_ALLOWED, "request", "only POST is allowed here");
		size_t max = route == ROUTE_ATTEST ? C2D_KMSPROTO_REQUEST_MAX : CHALLENGE_BODY_MAX;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > max)
			return refusal(c, MHD_HTTP_CONTENT_TOO_LARGE, "request", "the body is over its bound");
		if ((b = calloc(1, sizeof(*b))) == NULL)
			return MHD_NO;
		b->route = route;
		b->max = max;
		*con_cls = b;
		return MHD_YES;
	}
	if (*data_size != 0) {
		append(b, data, *data_size);
		*data_size = 0;
		return MHD_YES;
	}
	if (b->too_big)
		return refusal(c, MHD_HTTP_CONTENT_TOO_LARGE, "request", "the body is over its bound");
	if (b->buf == NULL)
		append(b, "", 0);
	if (b->buf == NULL)
		return MHD_NO;
	b->buf[b->len] = '\0';
	return b->route == ROUTE_CHALLENGE ? challenge(s, c, b) : attest(s, c, b);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	(void)cls, (void)c, (void)t;
	struct body *b = *con_cls;
	if (b != NULL) {
		free(b->buf);
		free(b);
	}
	*con_cls = NULL;
}

c2d_status c2d_kmsserve_run(const struct c2d_kms_config *cfg, const struct c2d_kmsserve_opts *o, FILE *ready,
			    struct c2d_err *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->port) };
	if (inet_pton(AF_INET, o->addr, &sa.sin_addr) != 1)
		return c2d_fail(err, C2D_E_USAGE, "--listen %s: not an IPv4 address", o->addr);
	if (o->threads < 1 || o->threads > 64)
		return c2d_fail(err, C2D_E_USAGE, "threads: 1 to 64, not %u", o->threads);
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);

	struct server s = { .cfg = cfg, .lifetime = o->challenge_lifetime };
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, &s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, o->threads,
		MHD_OPTION_CONNECTION_LIMIT, o->connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
		MHD_OPTION_END);
	if (d == NULL)
		return c2d_fail(err, C2D_E_IO, "cannot listen on %s:%u (in use, or not an address of this machine)",
				o->addr, (unsigned)o->port);
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(ready, "listening on %s:%u\n", o->addr, info != NULL ? (unsigned)info->port : (unsigned)o->port);
	fflush(ready);
	int sig;
	while (sigwait(&stop, &sig) != 0)
		;
	MHD_stop_daemon(d);
	return C2D_OK;
}
