/* guest/init/attest.h: boot attestation through the simulated quoter or TDX. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attest.h"
#include "c2d/random.h"
#include "c2d/simproto.h"
#include "c2d/tdxguest.h"
#include "c2d/tdxquote.h"

/* Poll step while the host end of the port is not connected: a
 * virtio-serial port then reports POLLHUP at once, so poll alone would
 * spin. */
#define HOST_WAIT_STEP_MS 50

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum attest_backend attest_choose(const struct probe_result *p, char dev[32])
{
	/* Real hardware first, whatever ports the host attached: the host
	 * must not be able to steer a TD to the simulated quoter (whose
	 * quotes a verifier refuses anyway, unless told to trust them). */
	if (p->tdx_guest)
		return ATTEST_TDX;
	int i = probe_find_port(p, ATTEST_PORT_NAME);
	if (i < 0)
		return ATTEST_NONE;
	memcpy(dev, p->ports[i].dev, 32);
	return ATTEST_SIM;
}

static void start(struct attest_result *out, enum attest_backend b, const uint8_t init_sha256[32],
		  const uint8_t nonce[C2D_BOOT_NONCE_LEN])
{
	memset(out, 0, sizeof(*out));
	out->backend = b;
	memcpy(out->nonce, nonce, C2D_BOOT_NONCE_LEN);
	c2d_boot_report_data(nonce, out->report_data);
	c2d_boot_rtmr3(init_sha256, out->rtmr3);
}

/* The quote must bind what we asked for and what we extended. */
static int check_quote(const struct attest_result *out, struct c2d_err *err)
{
	struct c2d_tdx_quote q;
	int r = c2d_tdxquote_parse(out->quote, out->quote_len, &q, err);
	if (r < 0) {
		c2d_err_prefix(err, "boot quote");
		return r;
	}
	if (memcmp(q.td.report_data, out->report_data, C2D_BOOT_REPORT_DATA_LEN) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "boot quote: td_report.report_data is not the one requested");
	if (memcmp(q.td.rtmr[3], out->rtmr3, 48) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "boot quote: td_report.rtmr[3] is not RTMR3 after the boot events");
	return C2D_OK;
}

/* Under QEMU a write to a port whose host end is not connected waits
 * without a deadline (virtio_console's wait_port_writable), and poll
 * reports POLLHUP until it connects. */
static int wait_host(int fd, int ms, struct c2d_err *err)
{
	int64_t deadline = now_ms() + ms;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return c2d_fail(err, C2D_E_IO, "%s: the host end did not connect within %d ms",
					ATTEST_PORT_NAME, ms);
		int n = poll(&p, 1, left > HOST_WAIT_STEP_MS ? HOST_WAIT_STEP_MS : (int)left);
		if (n < 0 && errno != EINTR)
			return c2d_fail_errno(err, C2D_E_IO, "%s: poll", ATTEST_PORT_NAME);
		if (n <= 0)
			continue;
		if (p.revents & (POLLERR | POLLNVAL))
			return c2d_fail(err, C2D_E_IO, "%s: port error (poll revents 0x%x)",
					ATTEST_PORT_NAME, (unsigned)p.revents);
		if ((p.revents & POLLOUT) && !(p.revents & POLLHUP))
			return C2D_OK;
		struct timespec ts = { 0, HOST_WAIT_STEP_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/* Sends one request and receives its answer into in (C2D_SIMPROTO_MAX_FRAME
 * bytes). ERROR from the quoter is C2D_E_REFUSED with its text. */
static int exchange(int fd, const struct c2d_simproto_msg *req, const char *what, uint8_t *in,
		    const struct attest_limits *lim, struct c2d_simproto_msg *ans, struct c2d_err *err)
{
	uint8_t frame[C2D_SIMPROTO_HDR_LEN + 1 + 48 + 1 + C2D_SIMPROTO_MAX_NAME + 64];
	size_t len, flen;
	int r;
	if ((r = c2d_simproto_encode(req, frame, sizeof(frame), &len, err)) < 0 ||
	    (r = c2d_simproto_send(fd, frame, len, lim->reply_ms, err)) < 0)
		goto bad;
	r = c2d_simproto_recv(fd, in, C2D_SIMPROTO_MAX_FRAME, lim->reply_ms, lim->reply_ms, ans,
			      &flen, err);
	if (r == 1)
		r = c2d_fail(err, C2D_E_IO, "the quoter closed the channel");
	if (r < 0)
		goto bad;
	if (ans->type == C2D_SIMPROTO_ERROR)
		return c2d_fail(err, C2D_E_REFUSED, "%s: %s: the quoter refused: %.*s", ATTEST_PORT_NAME,
				what, (int)(ans->data_len > 160 ? 160 : ans->data_len),
				(const char *)ans->data);
	return C2D_OK;
bad:
	c2d_err_prefix(err, "%s: %s", ATTEST_PORT_NAME, what);
	return r;
}

c2d_status attest_sim(int fd, const uint8_t init_sha256[32], const uint8_t nonce[C2D_BOOT_NONCE_LEN],
		      const struct attest_limits *lim, struct attest_result *out, struct c2d_err *err)
{
	struct c2d_boot_event ev[C2D_BOOT_EVENTS];
	struct c2d_simproto_msg req, ans;
	int r;
	start(out, ATTEST_SIM, init_sha256, nonce);
	c2d_boot_events(init_sha256, ev);
	uint8_t *in = malloc(C2D_SIMPROTO_MAX_FRAME);
	if (in == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	if ((r = wait_host(fd, lim->connect_ms, err)) < 0)
		goto out;
	for (int i = 0; i < C2D_BOOT_EVENTS; i++) {
		memset(&req, 0, sizeof(req));
		req.type = C2D_SIMPROTO_EXTEND;
		req.rtmr = C2D_SIMPROTO_RTMR;
		req.digest = ev[i].digest;
		req.name = ev[i].name;
		req.name_len = strlen(ev[i].name);
		req.event = ev[i].payload;
		req.event_len = ev[i].len;
		char what[64];
		snprintf(what, sizeof(what), "EXTEND %s", ev[i].name);
		if ((r = exchange(fd, &req, what, in, lim, &ans, err)) < 0)
			goto out;
		if (ans.type != C2D_SIMPROTO_OK) {
			r = c2d_fail(err, C2D_E_INPUT, "%s: %s answered with frame type 0x%02x, not OK",
				     ATTEST_PORT_NAME, what, ans.type);
			goto out;
		}
	}
	memset(&req, 0, sizeof(req));
	req.type = C2D_SIMPROTO_QUOTE;
	req.report_data = out->report_data;
	if ((r = exchange(fd, &req, "QUOTE", in, lim, &ans, err)) < 0)
		goto out;
	if (ans.type != C2D_SIMPROTO_QUOTE_RESP) {
		r = c2d_fail(err, C2D_E_INPUT, "%s: QUOTE answered with frame type 0x%02x, not a quote",
			     ATTEST_PORT_NAME, ans.type);
		goto out;
	}
	if ((out->quote = malloc(ans.data_len)) == NULL) {
		r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	memcpy(out->quote, ans.data, ans.data_len);
	out->quote_len = ans.data_len;
	r = check_quote(out, err);
out:
	free(in);
	if (r < 0)
		attest_result_free(out);
	return r;
}

c2d_status attest_tdx(const char *root, const uint8_t init_sha256[32],
		      const uint8_t nonce[C2D_BOOT_NONCE_LEN], struct attest_result *out,
		      struct c2d_err *err)
{
	struct c2d_boot_event ev[C2D_BOOT_EVENTS];
	int r;
	start(out, ATTEST_TDX, init_sha256, nonce);
	c2d_boot_events(init_sha256, ev);
	for (int i = 0; i < C2D_BOOT_EVENTS; i++)
		if ((r = c2d_tdxguest_extend_rtmr3(root, ev[i].digest, err)) < 0) {
			c2d_err_prefix(err, "RTMR3 event %s", ev[i].name);
			return r;
		}
	if ((r = c2d_tdxguest_tsm_get_quote(root, out->report_data, &out->quote, &out->quote_len, err)) < 0 ||
	    (r = check_quote(out, err)) < 0) {
		attest_result_free(out);
		return r;
	}
	return C2D_OK;
}

c2d_status attest_boot(const struct probe_result *p, const char *devroot, const char *root,
		       const uint8_t init_sha256[32], const struct attest_limits *lim,
		       struct attest_result *out, struct c2d_err *err)
{
	char dev[32], path[600];
	uint8_t nonce[C2D_BOOT_NONCE_LEN];
	enum attest_backend b = attest_choose(p, dev);
	memset(out, 0, sizeof(*out));
	if (b == ATTEST_NONE)
		return C2D_OK;
	int r = c2d_random(nonce, sizeof(nonce), err);
	if (r < 0)
		return r;
	if (b == ATTEST_TDX)
		return attest_tdx(root, init_sha256, nonce, out, err);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", devroot, dev) >= sizeof(path))
		return c2d_fail(err, C2D_E_USAGE, "%s: device path too long", dev);
	/* Non-blocking: every wait is a poll with a deadline. */
	int fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: cannot open port %s", path, ATTEST_PORT_NAME);
	r = attest_sim(fd, init_sha256, nonce, lim, out, err);
	close(fd);
	return r;
}

void attest_result_free(struct attest_result *out)
{
	free(out->quote);
	out->quote = NULL;
	out->quote_len = 0;
}
