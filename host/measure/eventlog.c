/* TDX event logs and RTMR replay: see c2d/eventlog.h. The TCG2 log reader
 * is hand-written: neither BearSSL nor libc reads TCG event logs. */
#include "c2d/eventlog.h"

#include <string.h>

#include <bearssl_hash.h>

#include "c2d/bytes.h"

int c2d_eventlog_rtmrs_apply(struct c2d_rtmrs *s, size_t seq, uint32_t mr_index, uint32_t type,
		    const uint8_t digest[C2D_RTMR_LEN], struct c2d_err *err)
{
	if (mr_index > C2D_CC_MR_MAX)
		return c2d_fail(err, C2D_E_INPUT,
				"event %zu: measurement register index %u (0: MRTD, 1..4: RTMR0..3)",
				seq, mr_index);
	if (mr_index == C2D_CC_MR_MRTD || type == C2D_EV_NO_ACTION)
		return 0;
	c2d_rtmr_extend(s->rtmr[mr_index - 1], digest);
	return 1;
}

/* TPM 2.0 algorithm ids whose digest size is fixed by their definition
 * (TCG Algorithm Registry): a Spec ID event declaring another size lies. */
static int known_size(uint16_t id)
{
	switch (id) {
	case 0x0004: return 20;                  /* SHA-1 */
	case 0x000B: case 0x0012: case 0x0027:   /* SHA-256, SM3-256, SHA3-256 */
		return 32;
	case 0x000C: case 0x0028: return 48;     /* SHA-384, SHA3-384 */
	case 0x000D: case 0x0029: return 64;     /* SHA-512, SHA3-512 */
	default: return 0;
	}
}

static const char spec_sig[16] = "Spec ID Event03";   /* with its NUL */

/* Parses the TCG_EfiSpecIdEvent in the header's event data at offset base. */
static int spec_id(struct c2d_ccel *log, const uint8_t *p, uint32_t size, size_t base,
		   struct c2d_err *err)
{
	struct c2d_reader r;
	c2d_reader_init(&r, p, size);
	const uint8_t *sig = c2d_read(&r, 16);
	(void)c2d_read_le32(&r);                 /* platform class: any */
	(void)c2d_read_u8(&r);                   /* spec version minor */
	uint8_t major = c2d_read_u8(&r);
	(void)c2d_read_u8(&r);                   /* errata */
	uint8_t uintn = c2d_read_u8(&r);
	uint32_t n = c2d_read_le32(&r);
	if (r.bad)
		return c2d_fail(err, C2D_E_INPUT, "event log offset %zu: Spec ID event truncated", base);
	if (memcmp(sig, spec_sig, 16) != 0)
		return c2d_fail(err, C2D_E_INPUT,
				"event log offset %zu: signature is not \"Spec ID Event03\" (not a crypto-agile log)",
				base);
	if (major != 2)
		return c2d_fail(err, C2D_E_INPUT, "event log offset %zu: spec version major %u (2 is TCG2)",
				base + 21, major);
	if (uintn != 1 && uintn != 2)
		return c2d_fail(err, C2D_E_INPUT, "event log offset %zu: UINTN size %u (1 or 2)", base + 23,
				uintn);
	if (n == 0 || n > C2D_CCEL_MAX_ALGS)
		return c2d_fail(err, C2D_E_INPUT, "event log offset %zu: %u algorithms (1..%d)", base + 24,
				n, C2D_CCEL_MAX_ALGS);
	int have384 = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t at = base + r.off;
		uint16_t id = c2d_read_le16(&r), sz = c2d_read_le16(&r);
		if (r.bad)
			return c2d_fail(err, C2D_E_INPUT, "event log offset %zu: algorithm %u truncated", at, i);
		if (sz == 0 || sz > 64 || (known_size(id) != 0 && known_size(id) != sz))
			return c2d_fail(err, C2D_E_INPUT,
					"event log offset %zu: algorithm 0x%04x declared with %u-byte digests",
					at, id, sz);
		for (uint32_t j = 0; j < i; j++)
			if (log->algs[j].id == id)
				return c2d_fail(err, C2D_E_INPUT,
						"event log offset %zu: algorithm 0x%04x declared twice", at, id);
		log->algs[i].id = id;
		log->algs[i].size = sz;
		have384 |= id == C2D_TPM_ALG_SHA384;
	}
	if (!have384)
		return c2d_fail(err, C2D_E_INPUT,
				"event log offset %zu: SHA-384 (0x000c) is not among the log's algorithms", base + 24);
	size_t at = base + r.off;
	uint8_t vlen = c2d_read_u8(&r);
	(void)c2d_read(&r, vlen);
	if (r.bad)
		return c2d_fail(err, C2D_E_INPUT, "event log offset %zu: vendor info of %u bytes truncated",
				at, vlen);
	if (r.left != 0)
		return c2d_fail(err, C2D_E_INPUT,
				"event log offset %zu: %zu bytes after the vendor info in the Spec ID event",
				base + r.off, r.left);
	log->n_algs = n;
	return C2D_OK;
}

c2d_status c2d_eventlog_open(struct c2d_ccel *log, const uint8_t *buf, size_t len, struct c2d_err *err)
{
	static const uint8_t zero20[20];
	struct c2d_reader r;
	memset(log, 0, sizeof(*log));
	log->buf = buf;
	log->len = len;
	log->done = C2D_E_INPUT;                 /* until the header parses */
	c2d_reader_init(&r, buf, len);
	uint32_t index = c2d_read_le32(&r), type = c2d_read_le32(&r);
	const uint8_t *digest = c2d_read(&r, 20);
	uint32_t size = c2d_read_le32(&r);
	if (r.bad)
		return c2d_fail(err, C2D_E_INPUT, "event log offset 0: header (TCG_PCR_EVENT) truncated");
	/* The TCG profile writes this record to PCR 0; TDVF maps PCR 0 to CC
	 * MR index 1 and writes that (edk2 SecurityPkg/Tcg/TdTcg2Dxe,
	 * SetupCcEventLog). The record is never extended: either is fine. */
	if (index > C2D_CCEL_SPEC_ID_MR_MAX || type != C2D_EV_NO_ACTION ||
	    memcmp(digest, zero20, 20) != 0)
		return c2d_fail(err, C2D_E_INPUT,
				"event log offset 0: the first record is not a Spec ID event "
				"(index %u, type 0x%x; index 0 or 1 and EV_NO_ACTION with a zero "
				"digest required)", index, type);
	if (size > r.left)
		return c2d_fail(err, C2D_E_INPUT, "event log offset 28: Spec ID event of %u bytes, %zu remain",
				size, r.left);
	int rc = spec_id(log, c2d_read(&r, size), size, 32, err);
	if (rc < 0)
		return rc;
	log->off = r.off;
	log->done = 0;
	return C2D_OK;
}

/* The fill after the log: the rest is all 0xFF or all 0x00. */
static int is_fill(const uint8_t *p, size_t n)
{
	if (n == 0)
		return 1;
	uint8_t f = p[0];
	if (f != 0xFF && f != 0x00)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (p[i] != f)
			return 0;
	return 1;
}

/* Latches an error so that a caller that ignores it cannot walk on. */
static int bad(struct c2d_ccel *log)
{
	log->done = C2D_E_INPUT;
	return C2D_E_INPUT;
}

int c2d_eventlog_next(struct c2d_ccel *log, struct c2d_ccel_event *ev, struct c2d_err *err)
{
	if (log->done < 0)
		return c2d_fail(err, C2D_E_INPUT, "event log: read after an error");
	if (log->done > 0 || is_fill(log->buf + log->off, log->len - log->off)) {
		log->done = 1;
		return 0;
	}
	struct c2d_reader r;
	c2d_reader_init(&r, log->buf + log->off, log->len - log->off);
	memset(ev, 0, sizeof(*ev));
	ev->seq = log->seq;
	ev->offset = log->off;
	ev->mr_index = c2d_read_le32(&r);
	ev->type = c2d_read_le32(&r);
	uint32_t count = c2d_read_le32(&r);
	if (r.bad) {
		c2d_fail(err, C2D_E_INPUT, "event log offset %zu: record %zu header truncated", ev->offset,
			 ev->seq);
		return bad(log);
	}
	if (ev->mr_index > C2D_CC_MR_MAX) {
		c2d_fail(err, C2D_E_INPUT,
			 "event log offset %zu: record %zu: measurement register index %u (0: MRTD, 1..4: RTMR0..3)",
			 ev->offset, ev->seq, ev->mr_index);
		return bad(log);
	}
	if (count != log->n_algs) {
		c2d_fail(err, C2D_E_INPUT,
			 "event log offset %zu: record %zu carries %u digests, the log declares %u algorithms",
			 ev->offset + 8, ev->seq, count, log->n_algs);
		return bad(log);
	}
	uint32_t seen = 0;                       /* bit i: algs[i] already read */
	for (uint32_t i = 0; i < count; i++) {
		size_t at = log->off + r.off;
		uint16_t id = c2d_read_le16(&r);
		uint32_t k = 0;
		while (k < log->n_algs && log->algs[k].id != id)
			k++;
		if (r.bad || k == log->n_algs || (seen >> k & 1)) {
			c2d_fail(err, C2D_E_INPUT, "event log offset %zu: record %zu: digest %u %s", at, ev->seq,
				 i, r.bad ? "truncated" : k == log->n_algs ? "of an undeclared algorithm"
				 : "repeats an algorithm");
			return bad(log);
		}
		seen |= 1u << k;
		const uint8_t *d = c2d_read(&r, log->algs[k].size);
		if (d == NULL) {
			c2d_fail(err, C2D_E_INPUT, "event log offset %zu: record %zu: digest %u truncated", at,
				 ev->seq, i);
			return bad(log);
		}
		if (id == C2D_TPM_ALG_SHA384)
			ev->sha384 = d;
	}
	size_t at = log->off + r.off;
	ev->data_len = c2d_read_le32(&r);
	if (r.bad) {
		c2d_fail(err, C2D_E_INPUT, "event log offset %zu: record %zu: event size truncated", at,
			 ev->seq);
		return bad(log);
	}
	if ((ev->data = c2d_read(&r, ev->data_len)) == NULL) {
		c2d_fail(err, C2D_E_INPUT, "event log offset %zu: record %zu: event data of %u bytes runs past the end",
			 at, ev->seq, ev->data_len);
		return bad(log);
	}
	log->off += r.off;
	log->seq++;
	return 1;
}

c2d_status c2d_eventlog_replay(const uint8_t *buf, size_t len, struct c2d_rtmrs *out, size_t *n_events,
			   struct c2d_err *err)
{
	struct c2d_ccel log;
	struct c2d_ccel_event ev;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = c2d_eventlog_open(&log, buf, len, err)) < 0)
		return rc;
	while ((rc = c2d_eventlog_next(&log, &ev, err)) > 0) {
		if (ev.type == C2D_EVENT_RUNTIME) {
			uint8_t d[C2D_RTMR_LEN];
			br_sha384_context c;
			br_sha384_init(&c);
			br_sha384_update(&c, ev.data, ev.data_len);
			br_sha384_out(&c, d);
			if (memcmp(d, ev.sha384, C2D_RTMR_LEN) != 0)
				return c2d_fail(err, C2D_E_REFUSED,
						"event log offset %zu: record %zu: runtime event digest is not "
						"SHA-384 of its data", ev.offset, ev.seq);
		}
		if ((rc = c2d_eventlog_rtmrs_apply(out, ev.seq, ev.mr_index, ev.type, ev.sha384, err)) < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (n_events != NULL)
		*n_events = log.seq;
	return C2D_OK;
}
