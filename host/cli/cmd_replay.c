/*
 * c2d quote replay: replays a TD's event log into RTMR0-3 and compares the
 * result with the RTMRs of its quote. Input: a dstack GetQuote answer (JSON:
 * "quote" in hex, "event_log" a string holding dstack's JSON event log), or
 * a binary CCEL log and a binary quote. Replaying proves that the log is the
 * one the registers were built from; it does not verify the quote itself.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/eventlog.h"
#include "c2d/hex.h"
#include "c2d/tdxquote.h"
#include "cli.h"
#include "eventlog_json.h"
#include "fsutil.h"
#include "jsonout.h"

static const char help[] =
	"usage: c2d quote replay [--json] FILE\n"
	"       c2d quote replay [--json] --ccel LOG --quote QUOTE\n"
	"\n"
	"Replays a TD's event log into RTMR0-3 (RTMR = SHA-384(RTMR || digest), from\n"
	"zeros) and compares them with the quote's. FILE is a dstack GetQuote answer\n"
	"(JSON with \"quote\" in hex and \"event_log\"); every dstack runtime event's\n"
	"digest is recomputed from its name and payload and a differing logged digest\n"
	"is refused. --ccel reads a binary CCEL (TCG2) event log and --quote a binary\n"
	"quote. Prints one line per RTMR; exits 0 only when all four match, 1 when the\n"
	"log does not replay to the quote, 3 for malformed input.\n";

#define MAX_FILE (16u << 20)

struct replay {
	size_t events, runtime;
	struct c2d_rtmrs got;
	const uint8_t *quote_rtmr[4];
};

/* The quote's RTMRs; quote is kept by the caller (q points into it). */
static int quote_rtmrs(const uint8_t *buf, size_t len, const char *what, struct replay *rp,
		       struct c2d_err *err)
{
	struct c2d_tdx_quote q;
	int rc = c2d_tdxquote_parse(buf, len, &q, err);
	if (rc < 0) {
		c2d_err_prefix(err, "%s", what);
		return rc;
	}
	for (int i = 0; i < 4; i++)
		rp->quote_rtmr[i] = q.td.rtmr[i];
	return C2D_OK;
}

/* A GetQuote answer: the quote is decoded into *qbuf (freed by the caller). */
static int from_getquote(const char *file, struct replay *rp, uint8_t **qbuf, struct c2d_err *err)
{
	uint8_t *buf;
	size_t len;
	int rc = c2d_fs_read_file(file, MAX_FILE, &buf, &len, err);
	if (rc < 0)
		return rc;
	json_error_t je;
	json_t *root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (root == NULL)
		return c2d_fail(err, C2D_E_INPUT, "%s:%d:%d: %s", file, je.line, je.column, je.text);
	json_t *jq = json_object_get(root, "quote"), *jl = json_object_get(root, "event_log");
	if (!json_is_string(jq) || !json_is_string(jl)) {
		/* Named before root, which owns jq and jl, is released. */
		const char *which = json_is_string(jq) ? "event_log" : "quote";
		json_decref(root);
		return c2d_fail(err, C2D_E_INPUT, "%s: \"%s\" missing or not a string", file, which);
	}
	size_t qn = json_string_length(jq);
	if (qn % 2 != 0 || (*qbuf = malloc(qn / 2 + 1)) == NULL ||
	    c2d_hex_decode(json_string_value(jq), qn, *qbuf, qn / 2, err) < 0) {
		json_decref(root);
		return c2d_fail(err, C2D_E_INPUT, "%s: \"quote\" is not hex", file);
	}
	if ((rc = quote_rtmrs(*qbuf, qn / 2, "quote", rp, err)) < 0) {
		c2d_err_prefix(err, "%s", file);
		json_decref(root);
		return rc;
	}
	struct c2d_json_eventlog log;
	rc = c2d_eventlog_json_parse(json_string_value(jl), json_string_length(jl), &log, err);
	json_decref(root);
	if (rc < 0) {
		c2d_err_prefix(err, "%s: event_log", file);
		return rc;
	}
	rc = c2d_eventlog_json_replay(&log, &rp->got, err);
	rp->events = log.n;
	rp->runtime = log.n_runtime;
	c2d_eventlog_json_free(&log);
	if (rc < 0)
		c2d_err_prefix(err, "%s: event_log", file);
	return rc;
}

static int from_ccel(const char *logfile, const char *quotefile, struct replay *rp,
		     uint8_t **qbuf, struct c2d_err *err)
{
	uint8_t *buf;
	size_t len, qlen;
	int rc = c2d_fs_read_file(quotefile, 1u << 20, qbuf, &qlen, err);
	if (rc < 0 || (rc = quote_rtmrs(*qbuf, qlen, quotefile, rp, err)) < 0)
		return rc;
	if ((rc = c2d_fs_read_file(logfile, MAX_FILE, &buf, &len, err)) < 0)
		return rc;
	struct c2d_ccel log;
	struct c2d_ccel_event ev;
	if ((rc = c2d_eventlog_replay(buf, len, &rp->got, &rp->events, err)) == C2D_OK &&
	    (rc = c2d_eventlog_open(&log, buf, len, err)) == C2D_OK) {
		while ((rc = c2d_eventlog_next(&log, &ev, err)) > 0)
			rp->runtime += ev.type == C2D_EVENT_RUNTIME;
	}
	free(buf);
	if (rc < 0)
		c2d_err_prefix(err, "%s", logfile);
	return rc < 0 ? rc : C2D_OK;
}

static json_t *hexj(const uint8_t *p)
{
	char h[2 * C2D_RTMR_LEN + 1];
	c2d_hex(p, C2D_RTMR_LEN, h);
	return json_string(h);
}

/* Prints the comparison; returns the number of mismatching registers. */
static int report(const struct replay *rp, int json)
{
	int bad = 0;
	json_t *arr = json ? json_array() : NULL;
	if (!json)
		printf("events    %zu (%zu dstack runtime events, each digest checked against its content)\n", rp->events,
		       rp->runtime);
	for (int i = 0; i < 4; i++) {
		int ok = memcmp(rp->got.rtmr[i], rp->quote_rtmr[i], C2D_RTMR_LEN) == 0;
		bad += !ok;
		if (json) {
			json_array_append_new(arr, json_pack("{s:i, s:b, s:o, s:o}", "index", i, "match", ok,
							     "replayed", hexj(rp->got.rtmr[i]),
							     "quote", hexj(rp->quote_rtmr[i])));
			continue;
		}
		char g[2 * C2D_RTMR_LEN + 1], q[2 * C2D_RTMR_LEN + 1];
		c2d_hex(rp->got.rtmr[i], C2D_RTMR_LEN, g);
		c2d_hex(rp->quote_rtmr[i], C2D_RTMR_LEN, q);
		if (ok)
			printf("rtmr%d     match     %s\n", i, g);
		else
			printf("rtmr%d     MISMATCH  replayed %s quote %s\n", i, g, q);
	}
	if (json) {
		json_t *root = json_pack("{s:I, s:I, s:o, s:b}", "events", (json_int_t)rp->events,
					 "runtime_events", (json_int_t)rp->runtime, "rtmr", arr,
					 "match", bad == 0);
		char *text = root != NULL ? c2d_json_text(root) : NULL;
		if (text != NULL)
			fputs(text, stdout);
		free(text);
		json_decref(root);
	}
	return bad;
}

c2d_status c2d_cmd_replay(int argc, char **argv, struct c2d_err *err)
{
	int json = 0;
	const char *file = NULL, *ccel = NULL, *quote = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return C2D_OK;
		} else if (strcmp(argv[i], "--ccel") == 0 && i + 1 < argc && ccel == NULL)
			ccel = argv[++i];
		else if (strcmp(argv[i], "--quote") == 0 && i + 1 < argc && quote == NULL)
			quote = argv[++i];
		else if (file == NULL && argv[i][0] != '-')
			file = argv[i];
		else
			return c2d_fail(err, C2D_E_USAGE, "see 'c2d quote replay --help'");
	}
	if ((file == NULL) == (ccel == NULL && quote == NULL) || (ccel == NULL) != (quote == NULL))
		return c2d_fail(err, C2D_E_USAGE,
				"expected FILE, or --ccel LOG and --quote QUOTE; see 'c2d quote replay --help'");
	struct replay rp = { 0 };
	uint8_t *qbuf = NULL;
	int rc = file != NULL ? from_getquote(file, &rp, &qbuf, err)
			      : from_ccel(ccel, quote, &rp, &qbuf, err);
	if (rc == C2D_OK) {
		int bad = report(&rp, json);
		if (bad > 0)
			rc = c2d_fail(err, C2D_E_REFUSED, "%s: the event log does not replay to the quote "
				      "(%d of 4 RTMRs differ)", file != NULL ? file : ccel, bad);
	}
	free(qbuf);
	return rc;
}
