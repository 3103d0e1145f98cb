/* The guest ↔ simulated quoter protocol: see c2d/simproto.h. */
#include "c2d/simproto.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "c2d/bytes.h"

static const uint8_t magic[4] = { 'c', '2', 'd', 'Q' };

static int printable(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

c2d_status c2d_simproto_header(const uint8_t hdr[C2D_SIMPROTO_HDR_LEN], uint8_t *type,
			       uint32_t *payload_len, struct c2d_err *err)
{
	if (memcmp(hdr, magic, 4) != 0)
		return c2d_fail(err, C2D_E_INPUT, "simproto offset 0: bad magic (not a c2d quote-channel frame)");
	if (hdr[4] != C2D_SIMPROTO_VERSION)
		return c2d_fail(err, C2D_E_INPUT, "simproto offset 4: version %u (this side speaks %u)",
				hdr[4], C2D_SIMPROTO_VERSION);
	*type = hdr[5];
	*payload_len = c2d_get_le32(hdr + 6);
	if (*payload_len > C2D_SIMPROTO_MAX_PAYLOAD)
		return c2d_fail(err, C2D_E_INPUT, "simproto offset 6: payload of %u bytes (at most %u)",
				*payload_len, C2D_SIMPROTO_MAX_PAYLOAD);
	return C2D_OK;
}

/* Checks a payload of type t; fills m. Offsets in messages are frame offsets. */
static int payload(uint8_t t, const uint8_t *p, size_t n, struct c2d_simproto_msg *m,
		   struct c2d_err *err)
{
	const size_t h = C2D_SIMPROTO_HDR_LEN;
	memset(m, 0, sizeof(*m));
	m->type = t;
	switch (t) {
	case C2D_SIMPROTO_EXTEND:
		if (n < 1 + 48 + 1)
			return c2d_fail(err, C2D_E_INPUT, "simproto offset %zu: EXTEND payload of %zu bytes is truncated",
					h, n);
		m->rtmr = p[0];
		m->digest = p + 1;
		m->name_len = p[49];
		m->name = (const char *)p + 50;
		if (m->rtmr != C2D_SIMPROTO_RTMR)
			return c2d_fail(err, C2D_E_INPUT, "simproto offset %zu: EXTEND of RTMR%u (only RTMR%d may be extended)",
					h, m->rtmr, C2D_SIMPROTO_RTMR);
		if (m->name_len == 0 || m->name_len > C2D_SIMPROTO_MAX_NAME || m->name_len > n - 50)
			return c2d_fail(err, C2D_E_INPUT, "simproto offset %zu: EXTEND event name of %zu bytes (1..%d, within the frame)",
					h + 49, m->name_len, C2D_SIMPROTO_MAX_NAME);
		if (!printable(p + 50, m->name_len))
			return c2d_fail(err, C2D_E_INPUT, "simproto offset %zu: EXTEND event name is not printable ASCII",
					h + 50);
		m->event = p + 50 + m->name_len;
		m->event_len = n - 50 - m->name_len;
		return C2D_OK;
	case C2D_SIMPROTO_QUOTE:
		if (n != 64)
			return c2d_fail(err, C2D_E_INPUT, "simproto offset %zu: QUOTE payload of %zu bytes (report_data is 64)",
					h, n);
		m->report_data = p;
		return C2D_OK;
	case C2D_SIMPROTO_OK:
		if (n != 0)
			return c2d_fail(err, C2D_E_INPUT, "simproto offset %zu: OK with a %zu-byte payload", h, n);
		return C2D_OK;
	case C2D_SIMPROTO_QUOTE_RESP:
	case C2D_SIMPROTO_ERROR:
		if (n == 0)
			return c2d_fail(err, C2D_E_INPUT, "simproto offset %zu: empty %s", h,
					t == C2D_SIMPROTO_ERROR ? "ERROR" : "quote");
		if (t == C2D_SIMPROTO_ERROR && !printable(p, n))
			return c2d_fail(err, C2D_E_INPUT, "simproto offset %zu: ERROR message is not one line of printable ASCII", h);
		m->data = p;
		m->data_len = n;
		return C2D_OK;
	default:
		return c2d_fail(err, C2D_E_INPUT, "simproto offset 5: unknown frame type 0x%02x", t);
	}
}

c2d_status c2d_simproto_decode(const uint8_t *buf, size_t len, struct c2d_simproto_msg *m,
			       struct c2d_err *err)
{
	uint8_t type;
	uint32_t n;
	memset(m, 0, sizeof(*m));
	if (len < C2D_SIMPROTO_HDR_LEN)
		return c2d_fail(err, C2D_E_INPUT, "simproto offset 0: frame of %zu bytes is shorter than its header", len);
	int r = c2d_simproto_header(buf, &type, &n, err);
	if (r < 0)
		return r;
	if (n != len - C2D_SIMPROTO_HDR_LEN)
		return c2d_fail(err, C2D_E_INPUT, "simproto offset 6: payload length %u, the frame holds %zu",
				n, len - C2D_SIMPROTO_HDR_LEN);
	return payload(type, buf + C2D_SIMPROTO_HDR_LEN, n, m, err);
}

c2d_status c2d_simproto_encode(const struct c2d_simproto_msg *m, uint8_t *buf, size_t cap,
			       size_t *len, struct c2d_err *err)
{
	size_t n;
	switch (m->type) {
	case C2D_SIMPROTO_EXTEND:
		if (m->name_len > C2D_SIMPROTO_MAX_NAME ||
		    m->event_len > C2D_SIMPROTO_MAX_PAYLOAD - 50 - m->name_len)
			return c2d_fail(err, C2D_E_INPUT, "simproto: EXTEND event name or payload too long");
		n = 50 + m->name_len + m->event_len;
		break;
	case C2D_SIMPROTO_QUOTE:
		n = 64;
		break;
	case C2D_SIMPROTO_OK:
		n = 0;
		break;
	case C2D_SIMPROTO_QUOTE_RESP:
	case C2D_SIMPROTO_ERROR:
		if (m->data_len > C2D_SIMPROTO_MAX_PAYLOAD)
			return c2d_fail(err, C2D_E_INPUT, "simproto: payload of %zu bytes (at most %u)",
					m->data_len, C2D_SIMPROTO_MAX_PAYLOAD);
		n = m->data_len;
		break;
	default:
		return c2d_fail(err, C2D_E_INPUT, "simproto: cannot encode frame type 0x%02x", m->type);
	}
	if (cap < C2D_SIMPROTO_HDR_LEN || n > cap - C2D_SIMPROTO_HDR_LEN)
		return c2d_fail(err, C2D_E_USAGE, "simproto: a %zu-byte frame does not fit in %zu bytes",
				C2D_SIMPROTO_HDR_LEN + n, cap);
	uint8_t *p = buf + C2D_SIMPROTO_HDR_LEN;
	switch (m->type) {
	case C2D_SIMPROTO_EXTEND:
		p[0] = m->rtmr;
		memcpy(p + 1, m->digest, 48);
		p[49] = (uint8_t)m->name_len;
		if (m->name_len > 0)
			memcpy(p + 50, m->name, m->name_len);
		if (m->event_len > 0)
			memcpy(p + 50 + m->name_len, m->event, m->event_len);
		break;
	case C2D_SIMPROTO_QUOTE:
		memcpy(p, m->report_data, 64);
		break;
	case C2D_SIMPROTO_QUOTE_RESP:
	case C2D_SIMPROTO_ERROR:
		if (n > 0)
			memcpy(p, m->data, n);
		break;
	default:
		break;
	}
	memcpy(buf, magic, 4);
	buf[4] = C2D_SIMPROTO_VERSION;
	buf[5] = m->type;
	c2d_put_le32(buf + 6, (uint32_t)n);
	/* Refuse to send what the peer would refuse to read. */
	struct c2d_simproto_msg check;
	int r = payload(m->type, p, n, &check, err);
	if (r < 0)
		return r;
	*len = C2D_SIMPROTO_HDR_LEN + n;
	return C2D_OK;
}

/* --- blocking I/O with a deadline ------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline (< 0: none) passes.
 * 0 ready, C2D_E_IO on timeout or error. */
static int wait_fd(int fd, short events, int64_t deadline, const char *what, struct c2d_err *err)
{
	for (;;) {
		int ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return c2d_fail(err, C2D_E_IO, "simproto: timed out %s", what);
			ms = left > 60000 ? 60000 : (int)left;
		}
		struct pollfd pfd = { .fd = fd, .events = events };
		int n = poll(&pfd, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return c2d_fail_errno(err, C2D_E_IO, "simproto: poll failed %s", what);
		if (n > 0)
			return C2D_OK;   /* ready, or an error/hangup the read or write reports */
	}
}

c2d_status c2d_simproto_send(int fd, const uint8_t *buf, size_t len, int timeout_ms,
			     struct c2d_err *err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	while (len > 0) {
		int r = wait_fd(fd, POLLOUT, deadline, "writing a frame", err);
		if (r < 0)
			return r;
		ssize_t n = write(fd, buf, len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0)
			return c2d_fail_errno(err, C2D_E_IO, "simproto: write failed");
		buf += n;
		len -= (size_t)n;
	}
	return C2D_OK;
}

/* Reads exactly n bytes; *got counts what arrived (for end-of-stream
 * before anything came). */
static int read_full(int fd, uint8_t *p, size_t n, int64_t deadline, size_t *got,
		     struct c2d_err *err)
{
	*got = 0;
	while (*got < n) {
		int r = wait_fd(fd, POLLIN, deadline, "reading a frame", err);
		if (r < 0)
			return r;
		ssize_t k = read(fd, p + *got, n - *got);
		if (k < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (k < 0)
			return c2d_fail_errno(err, C2D_E_IO, "simproto: read failed");
		if (k == 0)
			return c2d_fail(err, C2D_E_IO, "simproto: end of stream inside a frame (%zu of %zu bytes)",
					*got, n);
		*got += (size_t)k;
	}
	return C2D_OK;
}

int c2d_simproto_recv(int fd, uint8_t *buf, size_t cap, int idle_ms, int frame_ms,
		      struct c2d_simproto_msg *m, size_t *frame_len, struct c2d_err *err)
{
	size_t got;
	uint8_t type;
	uint32_t n;
	*frame_len = 0;
	memset(m, 0, sizeof(*m));
	if (cap < C2D_SIMPROTO_MAX_FRAME)
		return c2d_fail(err, C2D_E_USAGE, "simproto: receive buffer of %zu bytes (%d needed)",
				cap, C2D_SIMPROTO_MAX_FRAME);
	/* The first byte may take as long as the guest likes (idle_ms); the
	 * rest of a started frame must follow within frame_ms. */
	int64_t idle = idle_ms < 0 ? -1 : now_ms() + idle_ms;
	for (;;) {
		int r = wait_fd(fd, POLLIN, idle, "waiting for a frame", err);
		if (r < 0)
			return r;
		ssize_t k = read(fd, buf, 1);
		if (k == 1)
			break;
		if (k == 0)
			return 1;   /* the peer closed the stream between frames */
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
			return c2d_fail_errno(err, C2D_E_IO, "simproto: read failed");
	}
	int r;
	int64_t deadline = frame_ms < 0 ? -1 : now_ms() + frame_ms;
	if ((r = read_full(fd, buf + 1, C2D_SIMPROTO_HDR_LEN - 1, deadline, &got, err)) < 0 ||
	    (r = c2d_simproto_header(buf, &type, &n, err)) < 0)
		return r;
	if ((r = read_full(fd, buf + C2D_SIMPROTO_HDR_LEN, n, deadline, &got, err)) < 0)
		return r;
	*frame_len = C2D_SIMPROTO_HDR_LEN + n;
	return payload(type, buf + C2D_SIMPROTO_HDR_LEN, n, m, err);
}
