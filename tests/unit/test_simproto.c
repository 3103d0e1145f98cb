/* Unit tests of the guest ↔ simulated quoter protocol (guest/runtime/tdx/simproto.c):
 * round trips, refusals with their offsets, and whole frames over a socket
 * pair fed in short pieces, with deadlines and end of stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "c2d/simproto.h"

static size_t encode(const struct c2d_simproto_msg *m, uint8_t *buf)
{
	size_t len = 0;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_simproto_encode(m, buf, C2D_SIMPROTO_MAX_FRAME, &len, &err), C2D_OK);
	return len;
}

static void test_round_trip(void **state)
{
	(void)state;
	uint8_t *buf = malloc(C2D_SIMPROTO_MAX_FRAME), digest[48], rd[64];
	struct c2d_simproto_msg m = { 0 }, d;
	struct c2d_err err = { 0 };
	for (int i = 0; i < 48; i++)
		digest[i] = (uint8_t)(i * 7);
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)(255 - i);

	m = (struct c2d_simproto_msg){ .type = C2D_SIMPROTO_EXTEND, .rtmr = 3, .digest = digest,
				       .name = "compose-hash", .name_len = 12,
				       .event = (const uint8_t *)"\x00\x01\x02", .event_len = 3 };
	size_t len = encode(&m, buf);
	assert_int_equal(len, C2D_SIMPROTO_HDR_LEN + 50 + 12 + 3);
	assert_memory_equal(buf, "c2dQ\x01\x01", 6);
	assert_int_equal(c2d_simproto_decode(buf, len, &d, &err), C2D_OK);
	assert_int_equal(d.type, C2D_SIMPROTO_EXTEND);
	assert_int_equal(d.rtmr, 3);
	assert_memory_equal(d.digest, digest, 48);
	assert_int_equal(d.name_len, 12);
	assert_memory_equal(d.name, "compose-hash", 12);
	assert_int_equal(d.event_len, 3);
	assert_memory_equal(d.event, "\x00\x01\x02", 3);

	m = (struct c2d_simproto_msg){ .type = C2D_SIMPROTO_QUOTE, .report_data = rd };
	len = encode(&m, buf);
	assert_int_equal(c2d_simproto_decode(buf, len, &d, &err), C2D_OK);
	assert_memory_equal(d.report_data, rd, 64);

	m = (struct c2d_simproto_msg){ .type = C2D_SIMPROTO_OK };
	assert_int_equal(encode(&m, buf), C2D_SIMPROTO_HDR_LEN);

	/* The largest quote a frame can carry, and not one byte more. */
	uint8_t *big = calloc(1, C2D_SIMPROTO_MAX_PAYLOAD + 1);
	m = (struct c2d_simproto_msg){ .type = C2D_SIMPROTO_QUOTE_RESP, .data = big,
				       .data_len = C2D_SIMPROTO_MAX_PAYLOAD };
	len = encode(&m, buf);
	assert_int_equal(c2d_simproto_decode(buf, len, &d, &err), C2D_OK);
	assert_int_equal(d.data_len, C2D_SIMPROTO_MAX_PAYLOAD);
	m.data_len++;
	assert_int_equal(c2d_simproto_encode(&m, buf, C2D_SIMPROTO_MAX_FRAME, &len, &err), C2D_E_INPUT);
	free(big);

	/* A buffer too small is the caller's mistake, not bad input. */
	m = (struct c2d_simproto_msg){ .type = C2D_SIMPROTO_QUOTE, .report_data = rd };
	assert_int_equal(c2d_simproto_encode(&m, buf, 60, &len, &err), C2D_E_USAGE);
	free(buf);
}

static void expect_refused(const uint8_t *buf, size_t len, const char *msg)
{
	struct c2d_simproto_msg d;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_simproto_decode(buf, len, &d, &err), C2D_E_INPUT);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("'%s' lacks '%s'", err.msg, msg);
}

static void test_refusals(void **state)
{
	(void)state;
	uint8_t buf[256], digest[48] = { 0 };
	struct c2d_simproto_msg m = { .type = C2D_SIMPROTO_EXTEND, .rtmr = 3, .digest = digest,
				      .name = "n", .name_len = 1 };
	size_t len = encode(&m, buf);
	uint8_t f[256];

	memcpy(f, buf, len);
	f[0] = 'x';
	expect_refused(f, len, "offset 0: bad magic");
	memcpy(f, buf, len);
	f[4] = 2;
	expect_refused(f, len, "offset 4: version 2");
	memcpy(f, buf, len);
	f[6] = 0xff, f[7] = 0xff, f[8] = 0x01;
	expect_refused(f, len, "offset 6: payload of 131071 bytes");
	expect_refused(buf, len - 1, "offset 6: payload length 51, the frame holds 50");
	expect_refused(buf, 5, "shorter than its header");
	memcpy(f, buf, len);
	f[10] = 2;
	expect_refused(f, len, "EXTEND of RTMR2 (only RTMR3");
	memcpy(f, buf, len);
	f[10 + 49] = 2;   /* name longer than what the frame holds */
	expect_refused(f, len, "offset 59: EXTEND event name of 2 bytes");
	memcpy(f, buf, len);
	f[10 + 50] = '\n';
	expect_refused(f, len, "offset 60: EXTEND event name is not printable");
	memcpy(f, buf, len);
	f[5] = 0x42;
	expect_refused(f, len, "unknown frame type 0x42");

	/* QUOTE requests carry exactly 64 bytes; ERROR one printable line. */
	uint8_t q[10 + 63];
	memcpy(q, "c2dQ\x01\x02\x3f\x00\x00\x00", 10);
	memset(q + 10, 0, 63);
	expect_refused(q, sizeof(q), "QUOTE payload of 63 bytes");
	uint8_t e[12] = { 'c', '2', 'd', 'Q', 1, 0xff, 2, 0, 0, 0, 'a', '\n' };
	expect_refused(e, sizeof(e), "ERROR message is not one line");

	/* The encoder refuses what the decoder would. */
	struct c2d_err err = { 0 };
	m.rtmr = 0;
	assert_int_equal(c2d_simproto_encode(&m, buf, sizeof(buf), &len, &err), C2D_E_INPUT);
	m.rtmr = 3;
	m.name_len = 0;
	assert_int_equal(c2d_simproto_encode(&m, buf, sizeof(buf), &len, &err), C2D_E_INPUT);
}

/* Frames written a few bytes at a time arrive whole; end of stream between
 * frames is 1, inside one an error; a stalled frame times out. */
static void test_stream(void **state)
{
	(void)state;
	int sv[2];
	uint8_t out[128], *in = malloc(C2D_SIMPROTO_MAX_FRAME), rd[64];
	struct c2d_simproto_msg m = { .type = C2D_SIMPROTO_QUOTE, .report_data = rd }, d;
	struct c2d_err err = { 0 };
	size_t flen;
	memset(rd, 0x5a, 64);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	size_t len = encode(&m, out);
	for (size_t i = 0; i < len; i += 7)
		assert_int_equal(c2d_simproto_send(sv[0], out + i, len - i < 7 ? len - i : 7, 1000, &err), C2D_OK);
	assert_int_equal(c2d_simproto_recv(sv[1], in, C2D_SIMPROTO_MAX_FRAME, 1000, 1000, &d, &flen, &err), C2D_OK);
	assert_int_equal(flen, len);
	assert_int_equal(d.type, C2D_SIMPROTO_QUOTE);
	assert_memory_equal(d.report_data, rd, 64);

	/* Nothing arrives: the idle deadline passes. */
	assert_int_equal(c2d_simproto_recv(sv[1], in, C2D_SIMPROTO_MAX_FRAME, 50, 50, &d, &flen, &err), C2D_E_IO);
	assert_non_null(strstr(err.msg, "timed out"));
	/* Half a frame arrives: the frame deadline passes. */
	assert_int_equal(c2d_simproto_send(sv[0], out, 20, 1000, &err), C2D_OK);
	assert_int_equal(c2d_simproto_recv(sv[1], in, C2D_SIMPROTO_MAX_FRAME, 1000, 50, &d, &flen, &err), C2D_E_IO);
	assert_non_null(strstr(err.msg, "timed out reading a frame"));

	/* A malformed payload is consumed whole (frame_len > 0), a bad header
	 * is not (frame_len 0). */
	int sp[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	uint8_t bad[10 + 3] = { 'c', '2', 'd', 'Q', 1, 2, 3, 0, 0, 0, 1, 2, 3 };
	assert_int_equal(c2d_simproto_send(sp[0], bad, sizeof(bad), 1000, &err), C2D_OK);
	assert_int_equal(c2d_simproto_recv(sp[1], in, C2D_SIMPROTO_MAX_FRAME, 1000, 1000, &d, &flen, &err), C2D_E_INPUT);
	assert_int_equal(flen, sizeof(bad));
	bad[0] = 'X';
	assert_int_equal(c2d_simproto_send(sp[0], bad, sizeof(bad), 1000, &err), C2D_OK);
	assert_int_equal(c2d_simproto_recv(sp[1], in, C2D_SIMPROTO_MAX_FRAME, 1000, 1000, &d, &flen, &err), C2D_E_INPUT);
	assert_int_equal(flen, 0);
	close(sp[0]);
	close(sp[1]);

	/* End of stream inside a frame, then between frames. (The timed-out
	 * frame above was consumed up to what had arrived.) */
	assert_int_equal(c2d_simproto_send(sv[0], out, 5, 1000, &err), C2D_OK);
	close(sv[0]);
	assert_int_equal(c2d_simproto_recv(sv[1], in, C2D_SIMPROTO_MAX_FRAME, 1000, 1000, &d, &flen, &err), C2D_E_IO);
	assert_non_null(strstr(err.msg, "end of stream inside a frame"));
	assert_int_equal(c2d_simproto_recv(sv[1], in, C2D_SIMPROTO_MAX_FRAME, 1000, 1000, &d, &flen, &err), 1);
	close(sv[1]);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
