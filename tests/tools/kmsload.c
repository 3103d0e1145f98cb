/*
 * c2d-kmscvm load: test-only. Many CVMs at once against one `c2d kms
 * serve`, for the load test (tests/chain/kms_load.sh, bench/kmsload;
 * docs/testing.md, docs/performance.md "KMS under load").
 *
 *   c2d-kmscvm load --url URL --sim-state DIR --sealed FILE --measurements FILE
 *                   --pid PID [--requests N] [--clients K] [--time-limit SECONDS]
 *                   [--rss-bound MIB]
 *
 * K client threads (default 8), each a CVM of its own (kmscvm.h) with one
 * libcurl handle (keep-alive: one connection per client while the daemon
 * keeps it), send exactly N HTTP requests (default 1,000; a multiple of 10)
 * on loopback, in cycles of ten:
 *   - 2 challenge requests alone, answered 200 "challenge";
 *   - 2 releases: a challenge, then an attestation request with a
 *     simulated quote over that challenge, E and R, answered 200 "release":
 *     the daemon verified the quote, ran every check, spent on chain and
 *     waited for the receipt; the client opens each wrap key, unwraps the
 *     dataset key, reads the whole sealed file with it and checks the run
 *     certificate;
 *   - 2 refusals: a challenge, then a request whose report_data binds
 *     another ephemeral key than the request's E, answered 403 refusal
 *     "report-data": the cheapest refusal that a valid quote can earn, but
 *     not a free one, since the quote (check 1) is verified before
 *     report_data (check 2).
 * The units (a challenge alone, a release, a refusal) are taken in that
 * order from one shared counter, so every client sends all three kinds.
 *
 * Bounds: exactly N requests unless the run fails; --time-limit (default
 * 120 s) on the wall clock, past which no request starts, none outlasts
 * it, and the run fails. Any transport error, any answer other than the
 * one its kind predicts, and a release the client cannot open fail the run
 * (every answer is tallied by kind, HTTP status, type and check, and the
 * tally printed).
 *
 * Memory: the daemon's VmRSS and VmHWM (/proc/PID/status) before the
 * first request, after a warm-up (the first tenth of the requests, whole
 * cycles of the mix; the clients then wait while it is read) and after the
 * last. The run fails if VmRSS grew after the warm-up by more than
 * --rss-bound MiB (default 32). The warm-up settles what a daemon's first
 * requests allocate for good (thread arenas, connection buffers, caches),
 * so that what grows after it grows with the requests. An attestation
 * request's body is some 13 KiB (the quote's hex, most of it); a leak of
 * one body per attestation, 3,600 attestations after the warm-up of a
 * 10,000-request run, is 47 MiB, over 32; a daemon that keeps nothing per
 * request grows by well under 1 MiB (docs/performance.md, "KMS under
 * load").
 *
 * Output: one JSON line on stdout (the counts, requests per second,
 * latency p50 and p99 per kind in ms, the tally, the connections opened,
 * VmRSS and VmHWM in KiB before, after the warm-up and after); each failure one line on stderr. Exit
 * (c2d-kmscvm's main): 0 the run passed, 1 it failed, 2 usage.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmscvm.h"

#define CYCLE 10        /* requests in one cycle of the mix */
#define UNITS 6         /* units in one cycle: challenge, release, refusal, twice */
#define MAX_CLIENTS 64
#define MAX_TALLY 32

enum kind { K_CHALLENGE, K_RELEASE, K_REFUSAL };
static const char *const kind_name[] = { "challenge", "release", "refusal" };

struct tally {
	int kind;
	long status;
	char type[16], check[32];
	size_t count;
};

/* Latencies of one kind of request, in ns: n slots, filled in any order. */
struct lat {
	uint64_t *ns;
	atomic_size_t n;
};

struct run {
	const struct kmscvm_opts *o;
	size_t units, warm;         /* all units; those of the warm-up, the first phase */
	atomic_size_t next[2], answered;
	atomic_int stop, timed_out;
	uint64_t start, deadline;   /* monotonic ns */
	struct lat lat[3];          /* the challenge requests, the releases' and the refusals' attestations */
	pthread_mutex_t lock;       /* the tally, the first error, the phases */
	pthread_cond_t turn;        /* a client finished the warm-up; the second phase began */
	int phase;
	unsigned long warmed;       /* clients through the warm-up */
	struct tally tally[MAX_TALLY];
	size_t n_tally, unexpected;
	atomic_size_t connects;   /* connections opened */
	char first_error[256];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void record(struct lat *l, uint64_t ns)
{
	l->ns[atomic_fetch_add(&l->n, 1)] = ns;
}

/* Keeps the first error only: the rest are its consequences. */
static void failed(struct run *u, const char *what, const char *msg)
{
	pthread_mutex_lock(&u->lock);
	if (u->first_error[0] == '\0')
		snprintf(u->first_error, sizeof(u->first_error), "%s: %s", what, msg);
	pthread_mutex_unlock(&u->lock);
	atomic_store(&u->stop, 1);
}

/* Counts one answer of kind k; expected says whether the mix predicted it. */
static void count(struct run *u, int k, long status, json_t *a, const char *check, int expected)
{
	const char *type = json_string_value(json_object_get(a, "type"));
	if (check == NULL)
		check = json_string_value(json_object_get(a, "check"));
	pthread_mutex_lock(&u->lock);
	size_t i = 0;
	while (i < u->n_tally &&
	       !(u->tally[i].kind == k && u->tally[i].status == status &&
		 strcmp(u->tally[i].type, type != NULL ? type : "") == 0 &&
		 strcmp(u->tally[i].check, check != NULL ? check : "") == 0))
		i++;
	if (i == u->n_tally && i < MAX_TALLY - 1) {
		struct tally *t = &u->tally[u->n_tally++];
		t->kind = k;
		t->status = status;
		snprintf(t->type, sizeof(t->type), "%s", type != NULL ? type : "");
		snprintf(t->check, sizeof(t->check), "%s", check != NULL ? check : "");
	} else if (i == u->n_tally) {
		i = MAX_TALLY - 1;   /* the last slot takes whatever did not fit */
		u->tally[i].kind = k;
		snprintf(u->tally[i].type, sizeof(u->tally[i].type), "other");
		u->n_tally = MAX_TALLY;
	}
	u->tally[i].count++;
	if (!expected)
		u->unexpected++;
	pthread_mutex_unlock(&u->lock);
	atomic_fetch_add(&u->answered, 1);
	if (!expected)
		atomic_store(&u->stop, 1);
}

static int is(json_t *a, const char *type, const char *check)
{
	const char *t = json_string_value(json_object_get(a, "type"));
	const char *c = json_string_value(json_object_get(a, "check"));
	return t != NULL && strcmp(t, type) == 0 && (check == NULL ? c == NULL : c != NULL && strcmp(c, check) == 0);
}

/* Counts the connections that the last request opened (0 when it went on
 * a kept one). */
static void connected(struct run *u, struct kmscvm *c)
{
	long n = 0;
	curl_easy_getinfo(c->http, CURLINFO_NUM_CONNECTS, &n);
	atomic_fetch_add(&u->connects, (size_t)n);
}

/* Time left before the deadline, in ms for libcurl (0: none). */
static long left_ms(const struct run *u)
{
	uint64_t now = mono_ns();
	return now >= u->deadline ? 0 : (long)((u->deadline - now) / 1000000u) + 1;
}

/* One unit: a challenge, and for a release or a refusal its attestation. */
static void unit(struct run *u, struct kmscvm *c, int k)
{
	struct c2d_err err = { 0 };
	long status = 0;
	json_t *a = NULL, *rows = NULL;
	char *text = NULL;
	uint64_t t0 = mono_ns();
	if (kmscvm_challenge(c, &status, &a, &err) < 0) {
		failed(u, "challenge", err.msg);
		goto out;
	}
	record(&u->lat[K_CHALLENGE], mono_ns() - t0);
	connected(u, c);
	int ok = status == 200 && is(a, "challenge", NULL);
	count(u, K_CHALLENGE, status, a, NULL, ok);
	if (!ok || k == K_CHALLENGE)
		goto out;
	json_decref(a);
	a = NULL;
	if ((text = kmscvm_request(c, k == K_REFUSAL, &err)) == NULL) {
		failed(u, kind_name[k], err.msg);
		goto out;
	}
	if ((c->timeout_ms = left_ms(u)) == 0)
		goto out;   /* the caller sees the deadline passed */
	t0 = mono_ns();
	if (kmscvm_send(c, text, &status, &a, &err) < 0) {
		failed(u, kind_name[k], err.msg);
		goto out;
	}
	record(&u->lat[k], mono_ns() - t0);
	connected(u, c);
	if (k == K_REFUSAL) {
		count(u, k, status, a, NULL, status == 403 && is(a, "refusal", "report-data"));
	} else if (status != 200 || !is(a, "release", NULL)) {
		count(u, k, status, a, NULL, 0);
	} else if ((rows = json_array()) == NULL || kmscvm_take_release(c, a, rows, &err) < 0) {
		count(u, k, status, a, "client: the release does not open", 0);
		failed(u, "release", rows == NULL ? "out of memory" : err.msg);
	} else {
		count(u, k, status, a, NULL, 1);
	}
out:
	json_decref(a);
	json_decref(rows);
	free(text);
}

static void *client(void *arg)
{
	struct run *u = arg;
	struct kmscvm c;
	struct c2d_err err = { 0 };
	int opened = kmscvm_open(&c, u->o, &err) == C2D_OK && (c.http = curl_easy_init()) != NULL;
	if (!opened)
		failed(u, "client", err.msg[0] != '\0' ? err.msg : "curl_easy_init failed");
	for (int p = 0; p < 2; p++) {
		for (size_t lo = p ? u->warm : 0, hi = p ? u->units : u->warm; opened;) {
			size_t i = lo + atomic_fetch_add(&u->next[p], 1);
			if (i >= hi || atomic_load(&u->stop))
				break;
			if ((c.timeout_ms = left_ms(u)) == 0) {
				atomic_store(&u->timed_out, 1);
				atomic_store(&u->stop, 1);
				break;
			}
			unit(u, &c, (int)(i % 3));
			if (left_ms(u) == 0 && i + 1 < u->units)
				atomic_store(&u->timed_out, 1);
		}
		/* Between the phases the main thread reads the daemon's memory. */
		pthread_mutex_lock(&u->lock);
		if (p == 0) {
			u->warmed++;
			pthread_cond_broadcast(&u->turn);
			while (u->phase == 0)
				pthread_cond_wait(&u->turn, &u->lock);
		}
		pthread_mutex_unlock(&u->lock);
	}
	if (c.http != NULL)
		curl_easy_cleanup(c.http);
	c.http = NULL;
	kmscvm_close(&c);
	return NULL;
}

/* VmRSS and VmHWM of pid, in KiB (docs/performance.md). */
static int memory_of(long pid, long *rss, long *hwm, struct c2d_err *err)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open (is the daemon running?)", path);
	*rss = *hwm = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	if (*rss < 0 || *hwm < 0)
		return c2d_fail(err, C2D_E_INPUT, "%s: no VmRSS or VmHWM line", path);
	return C2D_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* p50 and p99 (nearest rank) of l, in ms. */
static json_t *percentiles(struct lat *l)
{
	size_t n = atomic_load(&l->n);
	if (n == 0)
		return json_pack("{s:I}", "n", (json_int_t)0);
	qsort(l->ns, n, sizeof(l->ns[0]), cmp_u64);
	size_t i50 = (n * 50 + 99) / 100, i99 = (n * 99 + 99) / 100;
	return json_pack("{s:I, s:f, s:f}", "n", (json_int_t)n, "p50", (double)l->ns[i50 - 1] / 1e6, "p99",
			 (double)l->ns[i99 - 1] / 1e6);
}

static int number(const char *what, const char *text, unsigned long lo, unsigned long hi, unsigned long *v,
		  struct c2d_err *err)
{
	char *end;
	*v = strtoul(text, &end, 10);
	if (*end != '\0' || end == text || *v < lo || *v > hi)
		return c2d_fail(err, C2D_E_USAGE, "%s: expected %lu to %lu", what, lo, hi);
	return C2D_OK;
}

static int report(struct run *u, unsigned long n, unsigned long k, double wall, const long mem[6],
		  unsigned long bound_mib, int *exit_code)
{
	json_t *lat = json_object(), *answers = json_array();
	for (int i = 0; i < 3; i++)
		json_object_set_new(lat, kind_name[i], percentiles(&u->lat[i]));
	for (size_t i = 0; i < u->n_tally; i++) {
		const struct tally *t = &u->tally[i];
		json_array_append_new(answers, json_pack("{s:s, s:I, s:s, s:s?, s:I}", "kind", kind_name[t->kind],
							 "status", (json_int_t)t->status, "type", t->type, "check",
							 t->check[0] != '\0' ? t->check : NULL, "count",
							 (json_int_t)t->count));
	}
	size_t answered = atomic_load(&u->answered);
	json_t *line = json_pack(
		"{s:I, s:I, s:I, s:{s:I, s:I, s:I}, s:I, s:f, s:f, s:o, s:o, s:I, s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}, s:I}",
		"requests", (json_int_t)n, "answered", (json_int_t)answered, "clients", (json_int_t)k, "mix",
		"challenge", (json_int_t)(n / CYCLE * 2), "release", (json_int_t)(n / CYCLE * 2), "refusal",
		(json_int_t)(n / CYCLE * 2), "warm_up", (json_int_t)(u->warm / 3 * 5), "wall_s", wall, "requests_per_s", wall > 0 ? (double)answered / wall : 0.0,
		"latency_ms", lat, "answers", answers, "connections", (json_int_t)atomic_load(&u->connects), "rss_kib", "before",
		(json_int_t)mem[0], "warm", (json_int_t)mem[2], "after", (json_int_t)mem[4], "hwm_kib", "before",
		(json_int_t)mem[1], "warm", (json_int_t)mem[3], "after", (json_int_t)mem[5], "rss_bound_kib", (json_int_t)(bound_mib * 1024));
	char *text = line != NULL ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	if (text == NULL)
		return C2D_E_NOMEM;
	printf("%s\n", text);
	fflush(stdout);
	free(text);
	*exit_code = 0;
	if (u->first_error[0] != '\0') {
		fprintf(stderr, "c2d-kmscvm load: %s\n", u->first_error);
		*exit_code = 1;
	}
	if (u->unexpected > 0) {
		fprintf(stderr, "c2d-kmscvm load: %zu answers that the mix did not predict (see \"answers\")\n",
			u->unexpected);
		*exit_code = 1;
	}
	if (atomic_load(&u->timed_out)) {
		fprintf(stderr, "c2d-kmscvm load: the time limit passed after %zu of %lu requests\n", answered, n);
		*exit_code = 1;
	} else if (*exit_code == 0 && answered != n) {
		fprintf(stderr, "c2d-kmscvm load: %zu answers to %lu requests\n", answered, n);
		*exit_code = 1;
	}
	if (mem[4] - mem[2] > (long)bound_mib * 1024) {
		fprintf(stderr,
			"c2d-kmscvm load: the daemon's VmRSS grew by %ld KiB after the warm-up, over the bound of %lu MiB\n",
			mem[4] - mem[2], bound_mib);
		*exit_code = 1;
	}
	return C2D_OK;
}

int kmscvm_load(int argc, char **argv, int *exit_code, struct c2d_err *err)
{
	enum { O_URL = 256, O_STATE, O_SEALED, O_MEAS, O_PID, O_N, O_K, O_TIME, O_RSS };
	static const struct option lo[] = {
		{ "url", required_argument, 0, O_URL }, { "sim-state", required_argument, 0, O_STATE },
		{ "sealed", required_argument, 0, O_SEALED }, { "measurements", required_argument, 0, O_MEAS },
		{ "pid", required_argument, 0, O_PID }, { "requests", required_argument, 0, O_N },
		{ "clients", required_argument, 0, O_K }, { "time-limit", required_argument, 0, O_TIME },
		{ "rss-bound", required_argument, 0, O_RSS }, { 0, 0, 0, 0 },
	};
	struct kmscvm_opts o = { 0 };
	unsigned long n = 1000, k = 8, limit = 120, bound = 32, pid = 0;
	int ch, r = C2D_OK;
	*exit_code = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1 && r == C2D_OK) {
		switch (ch) {
		case O_URL: o.url = optarg; break;
		case O_STATE: o.sim_state = optarg; break;
		case O_SEALED:
			if (o.n_sealed == C2D_KMSR_MAX_KEYS)
				return c2d_fail(err, C2D_E_USAGE, "load: at most %d --sealed", C2D_KMSR_MAX_KEYS);
			o.sealed[o.n_sealed++] = optarg;
			break;
		case O_MEAS: o.measurements = optarg; break;
		case O_PID: r = number("--pid", optarg, 1, 1ul << 22, &pid, err); break;
		case O_N: r = number("--requests", optarg, CYCLE, 1000000, &n, err); break;
		case O_K: r = number("--clients", optarg, 1, MAX_CLIENTS, &k, err); break;
		case O_TIME: r = number("--time-limit", optarg, 1, 3600, &limit, err); break;
		case O_RSS: r = number("--rss-bound", optarg, 1, 65536, &bound, err); break;
		default: return c2d_fail(err, C2D_E_USAGE, "load: bad option");
		}
	}
	if (r < 0)
		return r;
	if (o.url == NULL || o.sim_state == NULL || o.n_sealed == 0 || o.measurements == NULL || pid == 0 ||
	    optind != argc)
		return c2d_fail(err, C2D_E_USAGE, "load: --url, --sim-state, --sealed, --measurements and --pid are required");
	if (n % CYCLE != 0)
		return c2d_fail(err, C2D_E_USAGE, "--requests: a multiple of %d (the mix's cycle)", CYCLE);

	/* The warm-up: a tenth of the requests, whole cycles of the mix. */
	struct run u = { .o = &o, .units = n / CYCLE * UNITS, .warm = n / CYCLE * UNITS / 30 * 3 };
	pthread_t th[MAX_CLIENTS];
	unsigned long started = 0;
	long mem[6];
	if (pthread_mutex_init(&u.lock, NULL) != 0)
		return c2d_fail(err, C2D_E_INTERNAL, "load: no mutex");
	if (pthread_cond_init(&u.turn, NULL) != 0) {
		pthread_mutex_destroy(&u.lock);
		return c2d_fail(err, C2D_E_INTERNAL, "load: no condition variable");
	}
	for (int i = 0; i < 3 && r == C2D_OK; i++)
		if ((u.lat[i].ns = calloc(u.units, sizeof(uint64_t))) == NULL)
			r = c2d_fail(err, C2D_E_NOMEM, "load: out of memory");
	if (r == C2D_OK)
		r = memory_of((long)pid, &mem[0], &mem[1], err);
	if (r == C2D_OK) {
		u.start = mono_ns();
		u.deadline = u.start + (uint64_t)limit * 1000000000u;
		for (; started < k; started++)
			if (pthread_create(&th[started], NULL, client, &u) != 0) {
				failed(&u, "load", "cannot start a client thread");
				break;
			}
		pthread_mutex_lock(&u.lock);
		while (u.warmed < started)
			pthread_cond_wait(&u.turn, &u.lock);
		pthread_mutex_unlock(&u.lock);
		r = memory_of((long)pid, &mem[2], &mem[3], err);
		pthread_mutex_lock(&u.lock);
		u.phase = 1;
		pthread_cond_broadcast(&u.turn);
		pthread_mutex_unlock(&u.lock);
		for (unsigned long i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		double wall = (double)(mono_ns() - u.start) / 1e9;
		if (r == C2D_OK)
			r = memory_of((long)pid, &mem[4], &mem[5], err);
		if (r == C2D_OK)
			r = report(&u, n, k, wall, mem, bound, exit_code);
	}
	for (int i = 0; i < 3; i++)
		free(u.lat[i].ns);
	pthread_cond_destroy(&u.turn);
	pthread_mutex_destroy(&u.lock);
	return r;
}
