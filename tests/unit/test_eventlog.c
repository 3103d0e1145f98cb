/* Unit tests of TDX event logs and RTMR replay (host/measure/eventlog.c,
 * host/measure/eventlog_json.c) on dstack's real GetQuote fixture
 * (tests/vectors/tdx/dstack_tdx-lite-getquote.json): its event log must
 * replay to the RTMRs of its quote, as JSON and as a binary CCEL log built
 * here from the same events in the TCG2 layout; and on the binary log that
 * the firmware of a Google COS TDX guest wrote (tests/vectors/tdx/gotdx_*),
 * which must replay to that guest's quote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "c2d/bytes.h"
#include "c2d/eventlog.h"
#include "c2d/hex.h"
#include "c2d/tdxquote.h"
#include "eventlog_json.h"

/* Expected values computed independently at authoring time with Python's
 * hashlib, e.g.
 *   r1 = sha384(bytes(48) + sha384(b"abc").digest()).digest()
 *   r2 = sha384(r1 + sha384(b"").digest()).digest()
 *   sha384(struct.pack('<I', 0x08000001) + b":" + name + b":" + payload)
 */
static const char kat_r1[] = "93732e3733514a841c982cfa75ea76ab55fe011acb9cd980"
			     "ef4523913c65be1b0998e04d77f8c174f81a82151619ca40";
static const char kat_r2[] = "a4d392030aec0188324dac645cac0391f996c9a913563092"
			     "cd9d7c55c3d86c0f109053c37d2974da85660814bf359bed";
/* dstack's own v1 test event: "app-id", payload de ad be ef. */
static const char kat_appid[] = "67b4be4efed0893cfa2bb1d35dca209ad8348b4c97f98080"
				"7bcde8b9a0f26398dd0923d6eccb5aa2096d98046da8740f";
/* The fixture's "compose-hash" and "system-ready" events. */
static const char kat_compose[] = "0bdd53f6ce1e789e3dd5c3ee89da1ab0c7b300226c2323f0"
				  "0e56856419787f13dac4465beeb6467a2c10dd74d89080d3";
static const char kat_ready[] = "1a76b2a80a0be71eae59f80945d876351a7a3fb8e9fd1ff1"
				"cede5734aa84ea11fd72b4edfbb6f04e5a85edd114c751bd";

static void unhex48(const char *h, uint8_t out[48])
{
	assert_int_equal(c2d_hex_decode(h, strlen(h), out, 48, NULL), 0);
}

static void test_extend_kat(void **state)
{
	(void)state;
	uint8_t r[48] = { 0 }, d[48], want[48];
	/* sha384("abc"), FIPS 180-2 */
	unhex48("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
		"8086072ba1e7cc2358baeca134c825a7", d);
	c2d_rtmr_extend(r, d);
	unhex48(kat_r1, want);
	assert_memory_equal(r, want, 48);
	unhex48("38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da"
		"274edebfe76f65fbd51ad2f14898b95b", d);     /* sha384("") */
	c2d_rtmr_extend(r, d);
	unhex48(kat_r2, want);
	assert_memory_equal(r, want, 48);
}

static void test_runtime_digest_kat(void **state)
{
	(void)state;
	uint8_t d[48], want[48], p[32];
	static const uint8_t dead[4] = { 0xde, 0xad, 0xbe, 0xef };
	c2d_rtmr_event_digest(C2D_EVENT_RUNTIME, "app-id", dead, 4, d);
	unhex48(kat_appid, want);
	assert_memory_equal(d, want, 48);
	assert_int_equal(c2d_hex_decode("86b0e55f2fa8e4fb69d890f14f54d5612707646e2573d54e0d2ddaaade77caa9", 64, p, 32, NULL), C2D_OK);
	c2d_rtmr_event_digest(C2D_EVENT_RUNTIME, "compose-hash", p, 32, d);
	unhex48(kat_compose, want);
	assert_memory_equal(d, want, 48);
	c2d_rtmr_event_digest(C2D_EVENT_RUNTIME, "system-ready", NULL, 0, d);
	unhex48(kat_ready, want);
	assert_memory_equal(d, want, 48);
	/* Name and payload are separated: moving the boundary changes it. */
	c2d_rtmr_event_digest(C2D_EVENT_RUNTIME, "app-i", (const uint8_t *)"d:\xde\xad\xbe\xef", 6, d);
	unhex48(kat_appid, want);
	assert_memory_not_equal(d, want, 48);
}

/* The fixture: its event log text and its quote's RTMRs. */
struct fixture {
	json_t *root;
	const char *log;
	size_t log_len;
	uint8_t *quote;
	struct c2d_tdx_quote q;
};

static void load_fixture(struct fixture *f)
{
	json_error_t je;
	f->root = json_load_file("tests/vectors/tdx/dstack_tdx-lite-getquote.json", 0, &je);
	assert_non_null(f->root);
	json_t *jl = json_object_get(f->root, "event_log"), *jq = json_object_get(f->root, "quote");
	f->log = json_string_value(jl);
	f->log_len = json_string_length(jl);
	size_t qn = json_string_length(jq) / 2;
	f->quote = malloc(qn);
	assert_int_equal(c2d_hex_decode(json_string_value(jq), 2 * qn, f->quote, qn, NULL), 0);
	assert_int_equal(c2d_tdxquote_parse(f->quote, qn, &f->q, NULL), C2D_OK);
}

static void free_fixture(struct fixture *f)
{
	json_decref(f->root);
	free(f->quote);
}

static void assert_rtmrs_equal_quote(const struct c2d_rtmrs *r, const struct c2d_tdx_quote *q)
{
	for (int i = 0; i < 4; i++)
		assert_memory_equal(r->rtmr[i], q->td.rtmr[i], 48);
}

/* The must-show: dstack's real log replays to its real quote's RTMR0-3. */
static void test_fixture_replay(void **state)
{
	(void)state;
	struct fixture f;
	struct c2d_json_eventlog log;
	struct c2d_rtmrs r;
	struct c2d_err err = { 0 };
	load_fixture(&f);
	assert_int_equal(c2d_eventlog_json_parse(f.log, f.log_len, &log, &err), C2D_OK);
	assert_int_equal(log.n, 29);
	assert_int_equal(log.n_runtime, 9);
	uint8_t want[48];
	unhex48(kat_compose, want);
	assert_string_equal(log.ev[22].name, "compose-hash");
	assert_memory_equal(log.ev[22].digest, want, 48);
	unhex48(kat_ready, want);
	assert_string_equal(log.ev[28].name, "system-ready");
	assert_memory_equal(log.ev[28].digest, want, 48);
	assert_int_equal(c2d_eventlog_json_replay(&log, &r, &err), C2D_OK);
	assert_rtmrs_equal_quote(&r, &f.q);
	/* Any one digest changed moves exactly its own register. */
	for (size_t i = 0; i < log.n; i += 3) {
		log.ev[i].digest[7] ^= 0x40;
		assert_int_equal(c2d_eventlog_json_replay(&log, &r, NULL), C2D_OK);
		for (uint32_t k = 0; k < 4; k++)
			if (k == log.ev[i].imr)
				assert_memory_not_equal(r.rtmr[k], f.q.td.rtmr[k], 48);
			else
				assert_memory_equal(r.rtmr[k], f.q.td.rtmr[k], 48);
		log.ev[i].digest[7] ^= 0x40;
	}
	c2d_eventlog_json_free(&log);
	free_fixture(&f);
}

/* --- binary CCEL logs built from the fixture ------------------------------ */

struct buf {
	uint8_t *p;
	size_t n;
	size_t rec[64];                  /* record offsets */
	size_t nrec;
};

static void put(struct buf *b, const void *p, size_t n)
{
	b->p = realloc(b->p, b->n + n + 1);
	assert_non_null(b->p);
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
	uint8_t t[4];
	c2d_put_le32(t, v);
	put(b, t, 4);
}

static void put16(struct buf *b, uint16_t v)
{
	uint8_t t[2];
	c2d_put_le16(t, v);
	put(b, t, 2);
}

/* TCG_PCR_EVENT with a Spec ID event declaring SHA-256 and SHA-384. */
static void header(struct buf *b)
{
	static const uint8_t zero[20];
	put32(b, 0);
	put32(b, C2D_EV_NO_ACTION);
	put(b, zero, 20);
	put32(b, 16 + 4 + 4 + 4 + 2 * 4 + 1 + 2);
	put(b, "Spec ID Event03", 16);
	put32(b, 0);                      /* platform class */
	put(b, "\x00\x02\x00\x02", 4);    /* version 2.0, errata 0, UINTN 64-bit */
	put32(b, 2);
	put16(b, 0x000B);
	put16(b, 32);
	put16(b, 0x000C);
	put16(b, 48);
	put(b, "\x02vi", 3);              /* vendor info "vi" */
}

static void record(struct buf *b, uint32_t mr, uint32_t type, const uint8_t d384[48],
		   const void *data, uint32_t len)
{
	uint8_t d256[32];
	memset(d256, 0x5a, 32);           /* skipped by its declared size */
	b->rec[b->nrec++] = b->n;
	put32(b, mr);
	put32(b, type);
	put32(b, 2);
	put16(b, 0x000B);
	put(b, d256, 32);
	put16(b, 0x000C);
	put(b, d384, 48);
	put32(b, len);
	put(b, data, len);
}

/* The fixture's events as TCG_PCR_EVENT2 records; runtime events carry
 * their digest preimage as event data, as dstack writes them. */
static void fixture_ccel(const struct c2d_json_eventlog *log, struct buf *b)
{
	memset(b, 0, sizeof(*b));
	header(b);
	for (size_t i = 0; i < log->n; i++) {
		const struct c2d_json_event *e = &log->ev[i];
		struct buf data = { 0 };
		if (e->type == C2D_EVENT_RUNTIME) {
			put32(&data, e->type);
			put(&data, ":", 1);
			put(&data, e->name, strlen(e->name));
			put(&data, ":", 1);
		}
		put(&data, e->payload, e->payload_len);
		record(b, e->imr + 1, e->type, e->digest, data.p, (uint32_t)data.n);
		free(data.p);
	}
}

static void test_ccel_replay(void **state)
{
	(void)state;
	struct fixture f;
	struct c2d_json_eventlog log;
	struct c2d_rtmrs r;
	struct c2d_err err = { 0 };
	struct buf b;
	size_t n;
	load_fixture(&f);
	assert_int_equal(c2d_eventlog_json_parse(f.log, f.log_len, &log, NULL), C2D_OK);
	fixture_ccel(&log, &b);
	size_t end = b.n;
	assert_int_equal(c2d_eventlog_replay(b.p, b.n, &r, &n, &err), C2D_OK);
	assert_int_equal(n, 29);
	assert_rtmrs_equal_quote(&r, &f.q);

	/* An MRTD event and an EV_NO_ACTION event change no RTMR. */
	uint8_t d[48];
	memset(d, 0x11, 48);
	record(&b, 0, 0x80000008, d, "fw", 2);
	record(&b, 2, C2D_EV_NO_ACTION, d, "na", 2);
	assert_int_equal(c2d_eventlog_replay(b.p, b.n, &r, &n, &err), C2D_OK);
	assert_int_equal(n, 31);
	assert_rtmrs_equal_quote(&r, &f.q);

	/* The fill after the log, 0xFF or 0x00, ends it; anything else in it
	 * is refused. */
	b.n = end;
	uint8_t fill[300];
	for (int v = 0; v < 2; v++) {
		memset(fill, v ? 0x00 : 0xFF, sizeof(fill));
		b.n = end;
		put(&b, fill, sizeof(fill));
		assert_int_equal(c2d_eventlog_replay(b.p, b.n, &r, &n, &err), C2D_OK);
		assert_int_equal(n, 29);
		assert_rtmrs_equal_quote(&r, &f.q);
		b.p[b.n - 100] = 0x01;
		assert_int_equal(c2d_eventlog_replay(b.p, b.n, &r, &n, &err), C2D_E_INPUT);
		assert_non_null(strstr(err.msg, "record 29"));
	}

	/* The iterator hands out each record where it lies. */
	struct c2d_ccel it;
	struct c2d_ccel_event ev;
	assert_int_equal(c2d_eventlog_open(&it, b.p, end, &err), C2D_OK);
	for (size_t i = 0; i < 29; i++) {
		assert_int_equal(c2d_eventlog_next(&it, &ev, &err), 1);
		assert_int_equal(ev.seq, i);
		assert_int_equal(ev.offset, b.rec[i]);
		assert_int_equal(ev.mr_index, log.ev[i].imr + 1);
		assert_ptr_equal(ev.sha384, b.p + b.rec[i] + 12 + 2 + 32 + 2);
		assert_memory_equal(ev.sha384, log.ev[i].digest, 48);
	}
	assert_int_equal(c2d_eventlog_next(&it, &ev, &err), 0);
	assert_int_equal(c2d_eventlog_next(&it, &ev, &err), 0);

	/* A runtime event whose data is not its digest's preimage. */
	size_t at = b.rec[22] + 12 + 34 + 50 + 4 + 4;   /* the ':' after the type */
	assert_int_equal(b.p[at], ':');
	b.p[at + 1] ^= 1;
	assert_int_equal(c2d_eventlog_replay(b.p, end, &r, &n, &err), C2D_E_REFUSED);
	assert_non_null(strstr(err.msg, "record 22"));
	free(b.p);
	c2d_eventlog_json_free(&log);
	free_fixture(&f);
}

/* Every truncation: refused inside a record, a shorter log at a record
 * boundary, never a read outside the buffer (ASan watches). */
static void test_ccel_truncation(void **state)
{
	(void)state;
	struct fixture f;
	struct c2d_json_eventlog log;
	struct c2d_rtmrs r;
	struct buf b;
	size_t n;
	load_fixture(&f);
	assert_int_equal(c2d_eventlog_json_parse(f.log, f.log_len, &log, NULL), C2D_OK);
	fixture_ccel(&log, &b);
	size_t k = 0;
	for (size_t len = 0; len < b.n; len++) {
		uint8_t *cut = malloc(len + 1);
		memcpy(cut, b.p, len);
		while (k < b.nrec && b.rec[k] < len)
			k++;
		int boundary = k < b.nrec && b.rec[k] == len;
		int rc = c2d_eventlog_replay(cut, len, &r, &n, NULL);
		if (boundary) {
			assert_int_equal(rc, C2D_OK);
			assert_int_equal(n, k);
		} else {
			assert_int_equal(rc, C2D_E_INPUT);
		}
		free(cut);
	}
	free(b.p);
	c2d_eventlog_json_free(&log);
	free_fixture(&f);
}

/* One malformed log: mutate(b) on a two-record log, then the status and a
 * piece of the message. */
static void expect_bad(void (*mutate)(struct buf *), int want, const char *msg)
{
	struct buf b = { 0 };
	struct c2d_rtmrs r;
	struct c2d_err err = { 0 };
	uint8_t d[48];
	memset(d, 0x33, 48);
	header(&b);
	record(&b, 1, 1, d, "abc", 3);
	record(&b, 4, 0x0d, d, "xyz", 3);
	mutate(&b);
	assert_int_equal(c2d_eventlog_replay(b.p, b.n, &r, NULL, &err), want);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
	free(b.p);
}

static void m_none(struct buf *b) { (void)b; }
static void m_sig(struct buf *b) { b->p[32 + 8] = 'X'; }
static void m_first_type(struct buf *b) { b->p[4] = 1; }
static void m_first_digest(struct buf *b) { b->p[8] = 1; }
static void m_header_size(struct buf *b) { c2d_put_le32(b->p + 28, 0xFFFFFFFFu); }
static void m_major(struct buf *b) { b->p[32 + 21] = 1; }
static void m_uintn(struct buf *b) { b->p[32 + 23] = 3; }
static void m_nalgs0(struct buf *b) { c2d_put_le32(b->p + 56, 0); }
static void m_nalgs_big(struct buf *b) { c2d_put_le32(b->p + 56, 0x40000000u); }
static void m_nalgs3(struct buf *b) { c2d_put_le32(b->p + 56, 3); }
static void m_size384(struct buf *b) { c2d_put_le16(b->p + 66, 32); }
static void m_size256(struct buf *b) { c2d_put_le16(b->p + 62, 48); }
static void m_unknown_size0(struct buf *b) { c2d_put_le16(b->p + 60, 0x0099); c2d_put_le16(b->p + 62, 0); }
static void m_twice(struct buf *b) { c2d_put_le16(b->p + 60, 0x000C); c2d_put_le16(b->p + 62, 48); }
static void m_no384(struct buf *b) { c2d_put_le16(b->p + 64, 0x0099); }
static void m_vendor(struct buf *b) { b->p[68] = 3; }
static void m_vendor_short(struct buf *b) { b->p[68] = 1; }
static void m_count_big(struct buf *b) { c2d_put_le32(b->p + b->rec[0] + 8, 3); }
static void m_count_small(struct buf *b) { c2d_put_le32(b->p + b->rec[0] + 8, 1); }
static void m_count_huge(struct buf *b) { c2d_put_le32(b->p + b->rec[0] + 8, 0xFFFFFFFFu); }
static void m_alg_undeclared(struct buf *b) { c2d_put_le16(b->p + b->rec[0] + 12, 0x0004); }
static void m_alg_repeat(struct buf *b) { c2d_put_le16(b->p + b->rec[0] + 12 + 34, 0x000B); }
static void m_evsize_huge(struct buf *b) { c2d_put_le32(b->p + b->rec[1] + 96, 0xFFFFFFFFu); }
static void m_evsize_one(struct buf *b) { c2d_put_le32(b->p + b->rec[1] + 96, 4); }
static void m_index5(struct buf *b) { c2d_put_le32(b->p + b->rec[1], 5); }
static void m_index_ff(struct buf *b) { c2d_put_le32(b->p + b->rec[0], 0xFFFFFFFEu); }
static void m_first_index1(struct buf *b) { b->p[0] = 1; }
static void m_first_index2(struct buf *b) { b->p[0] = 2; }
static void m_garbage(struct buf *b) { put(b, "\xff\xff\xff\x01", 4); }
static void m_runtime(struct buf *b) { c2d_put_le32(b->p + b->rec[1] + 4, C2D_EVENT_RUNTIME); }

static void test_ccel_malformed(void **state)
{
	(void)state;
	expect_bad(m_none, C2D_OK, "");
	expect_bad(m_sig, C2D_E_INPUT, "offset 32: signature is not \"Spec ID Event03\"");
	expect_bad(m_first_type, C2D_E_INPUT, "not a Spec ID event");
	expect_bad(m_first_digest, C2D_E_INPUT, "not a Spec ID event");
	expect_bad(m_first_index1, C2D_OK, "");          /* as TDVF writes it */
	expect_bad(m_first_index2, C2D_E_INPUT, "not a Spec ID event (index 2,");
	expect_bad(m_header_size, C2D_E_INPUT, "offset 28: Spec ID event of 4294967295 bytes");
	expect_bad(m_major, C2D_E_INPUT, "spec version major 1");
	expect_bad(m_uintn, C2D_E_INPUT, "UINTN size 3");
	expect_bad(m_nalgs0, C2D_E_INPUT, "offset 56: 0 algorithms");
	expect_bad(m_nalgs_big, C2D_E_INPUT, "offset 56: 1073741824 algorithms");
	expect_bad(m_nalgs3, C2D_E_INPUT, "offset 68: algorithm 2 truncated");
	expect_bad(m_size384, C2D_E_INPUT, "algorithm 0x000c declared with 32-byte digests");
	expect_bad(m_size256, C2D_E_INPUT, "algorithm 0x000b declared with 48-byte digests");
	expect_bad(m_unknown_size0, C2D_E_INPUT, "algorithm 0x0099 declared with 0-byte digests");
	expect_bad(m_twice, C2D_E_INPUT, "offset 64: algorithm 0x000c declared twice");
	expect_bad(m_no384, C2D_E_INPUT, "SHA-384 (0x000c) is not among");
	expect_bad(m_vendor, C2D_E_INPUT, "offset 68: vendor info of 3 bytes truncated");
	expect_bad(m_vendor_short, C2D_E_INPUT, "1 bytes after the vendor info");
	expect_bad(m_count_big, C2D_E_INPUT, "record 0 carries 3 digests, the log declares 2");
	expect_bad(m_count_small, C2D_E_INPUT, "record 0 carries 1 digests");
	expect_bad(m_count_huge, C2D_E_INPUT, "record 0 carries 4294967295 digests");
	expect_bad(m_alg_undeclared, C2D_E_INPUT, "record 0: digest 0 of an undeclared algorithm");
	expect_bad(m_alg_repeat, C2D_E_INPUT, "record 0: digest 1 repeats an algorithm");
	expect_bad(m_evsize_huge, C2D_E_INPUT, "record 1: event data of 4294967295 bytes runs past the end");
	expect_bad(m_evsize_one, C2D_E_INPUT, "record 1: event data of 4 bytes runs past the end");
	expect_bad(m_index5, C2D_E_INPUT, "record 1: measurement register index 5");
	expect_bad(m_index_ff, C2D_E_INPUT, "record 0: measurement register index 4294967294");
	expect_bad(m_garbage, C2D_E_INPUT, "record 2 header truncated");
	expect_bad(m_runtime, C2D_E_REFUSED, "record 1: runtime event digest is not SHA-384 of its data");

	/* After an error the walk stays stopped. */
	struct buf b = { 0 };
	struct c2d_ccel it;
	struct c2d_ccel_event ev;
	uint8_t d[48] = { 0 };
	header(&b);
	record(&b, 9, 1, d, "", 0);
	record(&b, 1, 1, d, "", 0);
	assert_int_equal(c2d_eventlog_open(&it, b.p, b.n, NULL), C2D_OK);
	assert_int_equal(c2d_eventlog_next(&it, &ev, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_eventlog_next(&it, &ev, NULL), C2D_E_INPUT);
	free(b.p);
	struct c2d_rtmrs s = { 0 };
	assert_int_equal(c2d_eventlog_rtmrs_apply(&s, 7, 5, 1, d, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_eventlog_rtmrs_apply(&s, 7, 0, 1, d, NULL), 0);
	assert_int_equal(c2d_eventlog_rtmrs_apply(&s, 7, 4, 1, d, NULL), 1);
}

/* --- a real firmware's log ----------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	uint8_t *p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* The must-show for firmware logs: what TDVF wrote in a Google COS TDX
 * guest replays to RTMR0-3 of that guest's quote, and a digest changed in
 * any record moves exactly the register that record names. */
static void test_cos_ccel(void **state)
{
	(void)state;
	size_t len, qlen, tlen, n;
	uint8_t *log = slurp("tests/vectors/tdx/gotdx_ccel_data.dat", &len);
	uint8_t *qb = slurp("tests/vectors/tdx/gotdx_cos-113-tdx-quote.dat", &qlen);
	uint8_t *table = slurp("tests/vectors/tdx/gotdx_ccel_table.dat", &tlen);
	struct c2d_tdx_quote q;
	struct c2d_rtmrs r;
	struct c2d_err err = { 0 };

	/* The file is the whole log area that the ACPI CCEL table describes
	 * (its LAML, at offset 40), fill included. */
	assert_int_equal(tlen, 56);
	assert_memory_equal(table, "CCEL", 4);
	assert_int_equal(c2d_get_le64(table + 40), len);
	/* TDVF's Spec ID record carries index 1, not the TCG profile's 0. */
	assert_int_equal(c2d_get_le32(log), 1);

	assert_int_equal(c2d_tdxquote_parse(qb, qlen, &q, &err), C2D_OK);
	if (c2d_eventlog_replay(log, len, &r, &n, &err) != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 43);
	for (int i = 0; i < 4; i++)
		assert_memory_equal(r.rtmr[i], q.td.rtmr[i], 48);

	struct c2d_ccel it;
	struct c2d_ccel_event ev;
	size_t at[64] = { 0 }, seen = 0;
	uint32_t mr[64] = { 0 }, per[5] = { 0 };
	assert_int_equal(c2d_eventlog_open(&it, log, len, &err), C2D_OK);
	while (c2d_eventlog_next(&it, &ev, &err) > 0) {
		assert_true(seen < 64);
		assert_int_not_equal(ev.type, C2D_EV_NO_ACTION);
		at[seen] = (size_t)(ev.sha384 - log);
		mr[seen++] = ev.mr_index;
		per[ev.mr_index]++;
	}
	assert_int_equal(seen, 43);
	/* RTMR0, 1 and 2 each have events; RTMR3 (the OS's) none. */
	assert_true(per[1] > 0 && per[2] > 0 && per[3] > 0);
	assert_int_equal(per[0] + per[4], 0);
	for (size_t i = 0; i < seen; i++) {
		log[at[i] + 17] ^= 0x01;
		assert_int_equal(c2d_eventlog_replay(log, len, &r, NULL, NULL), C2D_OK);
		for (uint32_t k = 0; k < 4; k++)
			if (k + 1 == mr[i])
				assert_memory_not_equal(r.rtmr[k], q.td.rtmr[k], 48);
			else
				assert_memory_equal(r.rtmr[k], q.td.rtmr[k], 48);
		log[at[i] + 17] ^= 0x01;
	}
	free(table);
	free(qb);
	free(log);
}

/* --- the JSON reader ------------------------------------------------------- */

static void expect_json(const char *text, int want, const char *msg)
{
	struct c2d_json_eventlog log;
	struct c2d_err err = { 0 };
	int rc = c2d_eventlog_json_parse(text, strlen(text), &log, &err);
	if (rc != want)
		fail_msg("%s: status %d, want %d (%s)", text, rc, want, err.msg);
	if (rc == C2D_OK)
		c2d_eventlog_json_free(&log);
	else if (strstr(err.msg, msg) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", text, err.msg, msg);
}

#define D96 "0b8772e5b0b41b83e6044a68397e02f49fb47066b4fbe4917ea2c45c64f323fdacbb37948f821ebaf8bc9c938ba8a749"
#define FW(imr, rest) "{\"imr\":" #imr ",\"event_type\":4,\"digest\":\"" D96 "\",\"event\":\"\",\"event_payload\":\"\"" rest "}"
#define RT(digest) "[{\"imr\":3,\"event_type\":134217729,\"digest\":\"" digest "\",\"event\":\"app-id\",\"event_payload\":\"deadbeef\"}]"

static void test_json_reader(void **state)
{
	(void)state;
	expect_json("[]", C2D_OK, "");
	expect_json("[" FW(0, "") "," FW(3, ",\"version\":1,\"hash_input\":\"00\"") "]", C2D_OK, "");
	expect_json(RT(""), C2D_OK, "");
	expect_json(RT("67b4be4efed0893cfa2bb1d35dca209ad8348b4c97f980807bcde8b9a0f26398dd0923d6eccb5aa2096d98046da8740f"),
		    C2D_OK, "");
	expect_json(RT("67b4be4efed0893cfa2bb1d35dca209ad8348b4c97f980807bcde8b9a0f26398dd0923d6eccb5aa2096d98046da87400"),
		    C2D_E_REFUSED, "event 0 (app-id): logged digest is not the digest of its name and payload");
	expect_json("[", C2D_E_INPUT, "1:1:");
	expect_json("{}", C2D_E_INPUT, "not a JSON array");
	expect_json("[1]", C2D_E_INPUT, "event 0: not a JSON object");
	expect_json("[" FW(4, "") "]", C2D_E_INPUT, "event 0: \"imr\" 4 is outside 0..3");
	expect_json("[" FW(-1, "") "]", C2D_E_INPUT, "\"imr\" -1 is outside");
	expect_json("[" FW(1.0, "") "]", C2D_E_INPUT, "\"imr\" is not an integer");
	expect_json("[" FW(0, "") "," FW(0, ",\"extra\":1") "]", C2D_E_INPUT, "event 1: unknown key \"extra\"");
	expect_json("[" FW(0, ",\"version\":2") "]", C2D_E_INPUT, "\"version\" other than 1");
	expect_json("[" FW(0, ",\"imr\":1") "]", C2D_E_INPUT, "duplicate");
	expect_json("[{\"imr\":0,\"event_type\":4294967296,\"digest\":\"\",\"event\":\"\",\"event_payload\":\"\"}]",
		    C2D_E_INPUT, "\"event_type\" 4294967296 is outside 0..4294967295");
	expect_json("[{\"imr\":0,\"event_type\":4,\"digest\":\"\",\"event\":\"\",\"event_payload\":\"\"}]",
		    C2D_E_INPUT, "\"digest\" is empty on a firmware event (type 0x4)");
	expect_json("[{\"imr\":0,\"event_type\":4,\"digest\":\"" D96 "0\",\"event\":\"\",\"event_payload\":\"\"}]",
		    C2D_E_INPUT, "\"digest\" is not 96 hex digits");
	expect_json("[{\"imr\":0,\"event_type\":4,\"digest\":\"" D96 "\",\"event\":\"\",\"event_payload\":\"abc\"}]",
		    C2D_E_INPUT, "odd number of hex digits");
	expect_json("[{\"imr\":0,\"event_type\":4,\"digest\":\"" D96 "\",\"event\":\"\",\"event_payload\":\"zz\"}]",
		    C2D_E_INPUT, "\"event_payload\" is not hex");
	expect_json("[{\"imr\":0,\"event_type\":4,\"digest\":\"" D96 "\",\"event\":7,\"event_payload\":\"\"}]",
		    C2D_E_INPUT, "\"event\" is not a string");
	expect_json("[{\"imr\":0,\"event_type\":4,\"digest\":\"" D96 "\",\"event\":\"\"}]",
		    C2D_E_INPUT, "\"event_payload\" missing");
	expect_json("[{\"imr\":0,\"event_type\":4,\"digest\":\"" D96 "\",\"event\":\"a\\u0000b\",\"event_payload\":\"\"}]",
		    C2D_E_INPUT, "1:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extend_kat),
		cmocka_unit_test(test_runtime_digest_kat),
		cmocka_unit_test(test_fixture_replay),
		cmocka_unit_test(test_ccel_replay),
		cmocka_unit_test(test_ccel_truncation),
		cmocka_unit_test(test_ccel_malformed),
		cmocka_unit_test(test_cos_ccel),
		cmocka_unit_test(test_json_reader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
