/* Unit tests of init's boot attestation (guest/init/attest.c). The SIM backend
 * talks over a socket pair to a forked quoter that answers with the
 * runtime's simproto functions and checks, independently of
 * c2d/bootevents.h (BearSSL's SHA-384/512 on the documented preimages),
 * the events' names, payloads and digests and the report data formula.
 * The quote it answers with is a real TDX quote whose report data and
 * RTMR3 it overwrites. Every wait is bounded: the peer has an alarm, init's
 * side short limits. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <bearssl.h>

#include "attest.h"
#include "c2d/simproto.h"
#include "c2d/tdxquote.h"
#include "testfile.h"

static const struct attest_limits fast = { 2000, 2000 };

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 13 * i);
}

/* The documented event digest, written out here rather than taken from
 * c2d_rtmr_event_digest. */
static void event_digest(const char *name, const uint8_t *payload, size_t len, uint8_t out[48])
{
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, "\x01\x00\x00\x08:", 5);
	br_sha384_update(&c, name, strlen(name));
	br_sha384_update(&c, ":", 1);
	br_sha384_update(&c, payload, len);
	br_sha384_out(&c, out);
}

static void extend(uint8_t r[48], const uint8_t d[48])
{
	br_sha384_context c;
	br_sha384_init(&c);
	br_sha384_update(&c, r, 48);
	br_sha384_update(&c, d, 48);
	br_sha384_out(&c, r);
}

static void want_report_data(const uint8_t nonce[32], uint8_t rd[64])
{
	br_sha512_context c;
	br_sha512_init(&c);
	br_sha512_update(&c, "c2d-boot-quote-v1", 17);
	br_sha512_update(&c, nonce, 32);
	br_sha512_out(&c, rd);
}

static void want_rtmr3(const uint8_t sha[32], uint8_t r[48])
{
	uint8_t d[48];
	memset(r, 0, 48);
	event_digest("c2d.init", sha, 32, d);
	extend(r, d);
	event_digest("c2d.boot-done", NULL, 0, d);
	extend(r, d);
}

/* --- the fake quoter ---------------------------------------------------------- */

enum peer {
	PEER_GOOD, PEER_SILENT, PEER_ERROR, PEER_CLOSE, PEER_WRONG_TYPE, PEER_GARBAGE,
	PEER_WRONG_RD, PEER_WRONG_RTMR3,
};

/* Exit codes of the peer: 0 all checks held, else the first that failed. */
enum { BAD_FRAME = 10, BAD_EXTEND, BAD_NAME, BAD_PAYLOAD, BAD_DIGEST, BAD_QUOTE_REQ, BAD_RD };

static void answer(int fd, uint8_t *buf, const struct c2d_simproto_msg *m)
{
	size_t len;
	if (c2d_simproto_encode(m, buf, C2D_SIMPROTO_MAX_FRAME, &len, NULL) < 0 ||
	    c2d_simproto_send(fd, buf, len, 5000, NULL) < 0)
		_exit(BAD_FRAME);
}

static void __attribute__((noreturn)) peer(int fd, enum peer mode, const uint8_t sha[32],
					   const uint8_t nonce[32])
{
	static const char *const names[2] = { "c2d.init", "c2d.boot-done" };
	uint8_t *in = malloc(C2D_SIMPROTO_MAX_FRAME), *out = malloc(C2D_SIMPROTO_MAX_FRAME);
	uint8_t rtmr3[48] = { 0 }, d[48], rd[64];
	struct c2d_simproto_msg m, a;
	size_t flen, qlen;
	alarm(10);
	for (int i = 0; i < 2; i++) {
		if (c2d_simproto_recv(fd, in, C2D_SIMPROTO_MAX_FRAME, 5000, 5000, &m, &flen, NULL) != 0)
			_exit(BAD_FRAME);
		if (mode == PEER_SILENT)
			pause();
		if (mode == PEER_CLOSE)
			_exit(0);
		if (mode == PEER_GARBAGE) {
			(void)!write(fd, "XXXXXXXXXX", 10);
			_exit(0);
		}
		memset(&a, 0, sizeof(a));
		if (mode == PEER_ERROR) {
			a.type = C2D_SIMPROTO_ERROR;
			a.data = (const uint8_t *)"no RTMR3 for you";
			a.data_len = 16;
			answer(fd, out, &a);
			_exit(0);
		}
		if (m.type != C2D_SIMPROTO_EXTEND || m.rtmr != 3)
			_exit(BAD_EXTEND);
		if (m.name_len != strlen(names[i]) || memcmp(m.name, names[i], m.name_len) != 0)
			_exit(BAD_NAME);
		if (m.event_len != (i == 0 ? 32u : 0u) || (i == 0 && memcmp(m.event, sha, 32) != 0))
			_exit(BAD_PAYLOAD);
		event_digest(names[i], m.event, m.event_len, d);
		if (memcmp(m.digest, d, 48) != 0)
			_exit(BAD_DIGEST);
		extend(rtmr3, m.digest);
		a.type = mode == PEER_WRONG_TYPE ? C2D_SIMPROTO_QUOTE_RESP : C2D_SIMPROTO_OK;
		a.data = d;
		a.data_len = 48;
		answer(fd, out, &a);
		if (mode == PEER_WRONG_TYPE)
			_exit(0);
	}
	if (c2d_simproto_recv(fd, in, C2D_SIMPROTO_MAX_FRAME, 5000, 5000, &m, &flen, NULL) != 0 ||
	    m.type != C2D_SIMPROTO_QUOTE)
		_exit(BAD_QUOTE_REQ);
	want_report_data(nonce, rd);
	if (memcmp(m.report_data, rd, 64) != 0)
		_exit(BAD_RD);
	uint8_t *q = testfile_load("tests/vectors/tdx/dcapqvl_tdx_quote", &qlen);
	struct c2d_tdx_quote pq;
	if (c2d_tdxquote_parse(q, qlen, &pq, NULL) < 0)
		_exit(BAD_FRAME);
	memcpy(q + (pq.td.report_data - q), m.report_data, 64);
	memcpy(q + (pq.td.rtmr[3] - q), rtmr3, 48);
	if (mode == PEER_WRONG_RD)
		q[pq.td.report_data - q + 63] ^= 1;
	if (mode == PEER_WRONG_RTMR3)
		memset(q + (pq.td.rtmr[3] - q), 0, 48);
	a = (struct c2d_simproto_msg){ .type = C2D_SIMPROTO_QUOTE_RESP, .data = q, .data_len = qlen };
	answer(fd, out, &a);
	/* Stay until init's side closes, so that it reads the answer whole:
	 * whatever comes back (the close, an error, the timeout) ends the wait,
	 * so the result does not matter. */
	c2d_ignore(c2d_simproto_recv(fd, in, C2D_SIMPROTO_MAX_FRAME, 5000, 5000, &m, &flen, NULL));
	_exit(0);
}

/* Runs attest_sim against a peer in mode; returns its status, the peer's
 * exit code in *peer_rc. */
static int run(enum peer mode, struct attest_result *res, struct c2d_err *err, int *peer_rc)
{
	uint8_t sha[32], nonce[32];
	int sv[2], st;
	fill(sha, 32, 1);
	fill(nonce, 32, 99);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		peer(sv[1], mode, sha, nonce);
	}
	close(sv[1]);
	int r = attest_sim(sv[0], sha, nonce, &fast, res, err);
	close(sv[0]);
	if (mode == PEER_SILENT)
		kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*peer_rc = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
	return r;
}

static void assert_msg(const struct c2d_err *err, const char *part)
{
	if (strstr(err->msg, part) == NULL)
		fail_msg("message '%s' lacks '%s'", err->msg, part);
}

static void test_sim_ok(void **state)
{
	(void)state;
	struct attest_result res;
	struct c2d_err err = { 0 };
	uint8_t sha[32], nonce[32], rd[64], r3[48];
	int prc;
	int r = run(PEER_GOOD, &res, &err, &prc);
	assert_int_equal(prc, 0);
	if (r != C2D_OK)
		fail_msg("%s", err.msg);
	fill(sha, 32, 1);
	fill(nonce, 32, 99);
	want_report_data(nonce, rd);
	want_rtmr3(sha, r3);
	assert_int_equal(res.backend, ATTEST_SIM);
	assert_memory_equal(res.nonce, nonce, 32);
	assert_memory_equal(res.report_data, rd, 64);
	assert_memory_equal(res.rtmr3, r3, 48);
	assert_non_null(res.quote);
	struct c2d_tdx_quote q;
	assert_int_equal(c2d_tdxquote_parse(res.quote, res.quote_len, &q, &err), C2D_OK);
	assert_memory_equal(q.td.report_data, rd, 64);
	assert_memory_equal(q.td.rtmr[3], r3, 48);
	attest_result_free(&res);
	assert_null(res.quote);
	attest_result_free(&res);

	/* The shared module gives init's and the host's side the same values. */
	uint8_t r3b[48], rdb[64];
	c2d_boot_rtmr3(sha, r3b);
	c2d_boot_report_data(nonce, rdb);
	assert_memory_equal(r3b, r3, 48);
	assert_memory_equal(rdb, rd, 64);
}

static void test_sim_fails_closed(void **state)
{
	(void)state;
	static const struct {
		enum peer mode;
		int status;
		const char *msg;
	} cases[] = {
		{ PEER_SILENT, C2D_E_IO, "c2d.quote: EXTEND c2d.init: simproto: timed out waiting" },
		{ PEER_ERROR, C2D_E_REFUSED, "EXTEND c2d.init: the quoter refused: no RTMR3 for you" },
		{ PEER_CLOSE, C2D_E_IO, "the quoter closed the channel" },
		{ PEER_WRONG_TYPE, C2D_E_INPUT, "EXTEND c2d.init answered with frame type 0x82, not OK" },
		{ PEER_GARBAGE, C2D_E_INPUT, "bad magic" },
		{ PEER_WRONG_RD, C2D_E_REFUSED, "report_data is not the one requested" },
		{ PEER_WRONG_RTMR3, C2D_E_REFUSED, "rtmr[3] is not RTMR3 after the boot events" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct attest_result res;
		struct c2d_err err = { 0 };
		int prc;
		int r = run(cases[i].mode, &res, &err, &prc);
		if (r != cases[i].status)
			fail_msg("case %zu: status %d (%s), expected %d", i, r, err.msg, cases[i].status);
		assert_msg(&err, cases[i].msg);
		assert_null(res.quote);
		assert_int_equal(res.quote_len, 0);
		assert_int_equal(prc, cases[i].mode == PEER_SILENT ? -SIGKILL : 0);
	}
}

static void test_choose(void **state)
{
	(void)state;
	struct probe_result p;
	char dev[32] = "";
	memset(&p, 0, sizeof(p));
	assert_int_equal(attest_choose(&p, dev), ATTEST_NONE);
	p.tdx_guest = 1;
	assert_int_equal(attest_choose(&p, dev), ATTEST_TDX);
	p.nports = 2;
	strcpy(p.ports[0].dev, "vport0p1");
	strcpy(p.ports[0].name, "c2d.status");
	strcpy(p.ports[1].dev, "vport0p2");
	strcpy(p.ports[1].name, "c2d.quote");
	/* Inside a TD the hardware wins: a c2d.quote port attached by the
	 * host cannot send the attestation to the simulator. */
	assert_int_equal(attest_choose(&p, dev), ATTEST_TDX);
	p.tdx_guest = 0;
	assert_int_equal(attest_choose(&p, dev), ATTEST_SIM);
	assert_string_equal(dev, "vport0p2");
	strcpy(p.ports[1].name, "c2d.quote2");
	assert_int_equal(attest_choose(&p, dev), ATTEST_NONE);
}

#define MR_DIR "/sys/devices/virtual/misc/tdx_guest/measurements"

/* The TDX backend on a fake tree: rtmr3:sha384 is a FIFO that this test
 * holds open, so every 48-byte write lands in order; configfs-tsm is
 * absent, so the quote step fails closed after the extensions. */
static void test_tdx(void **state)
{
	(void)state;
	char root[] = "/tmp/c2d-attest.XXXXXX", path[256], cmd[300];
	uint8_t sha[32], nonce[32], d[48], got[97];
	struct attest_result res;
	struct c2d_err err = { 0 };
	assert_non_null(mkdtemp(root));
	fill(sha, 32, 5);
	fill(nonce, 32, 6);

	assert_int_equal(attest_tdx(root, sha, nonce, &res, &err), C2D_E_IO);
	assert_msg(&err, "RTMR3 event c2d.init: no TDX guest device");

	snprintf(cmd, sizeof(cmd), "mkdir -p %s" MR_DIR, root);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s" MR_DIR "/rtmr3:sha384", root);
	assert_int_equal(mkfifo(path, 0600), 0);
	int fd = open(path, O_RDWR | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(attest_tdx(root, sha, nonce, &res, &err), C2D_E_IO);
	assert_msg(&err, "configfs-tsm not available");
	assert_null(res.quote);
	assert_int_equal(read(fd, got, sizeof(got)), 96);
	event_digest("c2d.init", sha, 32, d);
	assert_memory_equal(got, d, 48);
	event_digest("c2d.boot-done", NULL, 0, d);
	assert_memory_equal(got + 48, d, 48);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sim_ok),
		cmocka_unit_test(test_sim_fails_closed),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_tdx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
