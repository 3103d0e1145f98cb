/*
 * c2d sim-quoter: the simulated TDX module and quoting enclave, for
 * machines without TDX (docs/attestation.md, "Simulated quoter"). Every
 * quote it signs chains to "c2d simulated TDX root CA (NOT Intel)", which
 * verifiers trust only with --allow-simulated.
 *
 * The current time is read here and only here (collateral --now default);
 * the library below takes it as an argument.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bootpredict.h"
#include "c2d/eventlog.h"
#include "c2d/hex.h"
#include "c2d/simproto.h"
#include "cli.h"
#include "fsutil.h"
#include "simca.h"
#include "simquote.h"

static const char help[] =
	"usage: c2d sim-quoter serve --socket PATH --kernel FILE --initrd FILE --cmdline FILE\n"
	"                            --memory SIZE [--qemu-header MODE] [--firmware TDVF.fd\n"
	"                            [--mrtd-order ORDER] [--acpi L,R,T]] [--state DIR]\n"
	"                            [--log FILE] [--quote-out FILE]\n"
	"       c2d sim-quoter quote --report-data HEX [--mrtd HEX] [--rtmr0..3 HEX] --out FILE\n"
	"                            [--state DIR]\n"
	"       c2d sim-quoter collateral [--now RFC3339] [--revoke-pck] --out FILE [--state DIR]\n"
	"       c2d sim-quoter root --out FILE [--state DIR]\n"
	"\n"
	"A stand-in for the TDX module and the quoting enclave on machines without\n"
	"TDX. Quotes are real v4 quotes signed under a simulation certificate chain\n"
	"(root \"c2d simulated TDX root CA (NOT Intel)\"); verifiers accept them only\n"
	"with --allow-simulated.\n"
	"\n"
	"  serve       connect to QEMU's unix socket for the virtio-serial port\n"
	"              c2d.quote and answer the guest: EXTEND (RTMR3, logged to\n"
	"              --log as JSON lines) and QUOTE (over the current RTMR3 and\n"
	"              MRTD, RTMR0-2 predicted from the files QEMU boots, as\n"
	"              'c2d measure' predicts them: pass the same -kernel, -initrd,\n"
	"              -append file and -m; without --firmware, MRTD and RTMR0 are\n"
	"              zero, as plain QEMU boots no TDVF; RTMR0 also needs --acpi).\n"
	"              Each quote issued is also written to --quote-out (atomically;\n"
	"              the last one wins). Exits 0 when the socket closes.\n"
	"  quote       write one quote (registers default to zero)\n"
	"  collateral  write TCB info, QE identity, CRLs and issuer chains (JSON);\n"
	"              issue dates --now (default: now), next updates 30 days on;\n"
	"              --revoke-pck lists the simulated PCK certificate as revoked\n"
	"  root        write the simulation root certificate (DER)\n"
	"\n"
	"--state DIR holds the keys (0600) and certificates, created on first use;\n"
	"default $XDG_STATE_HOME/c2d/sim, else ~/.local/state/c2d/sim.\n"
	"Registers and report data are hex (96 and 128 digits).\n";

struct opts {
	const char *state, *out, *socket, *log, *now, *quote_out;
	const char *report_data;
	const char *reg[5];   /* mrtd, rtmr0..3 */
	const char *kernel, *initrd, *cmdline, *memory, *firmware, *header, *order, *acpi;
	int revoke_pck;
};

static const char *const reg_flags[5] = { "--mrtd", "--rtmr0", "--rtmr1", "--rtmr2", "--rtmr3" };

static int parse(int argc, char **argv, struct opts *o, struct c2d_err *err)
{
	memset(o, 0, sizeof(*o));
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		if (strcmp(a, "--revoke-pck") == 0) {
			o->revoke_pck = 1;
			continue;
		}
		if (strcmp(a, "--state") == 0)
			dst = &o->state;
		else if (strcmp(a, "--out") == 0)
			dst = &o->out;
		else if (strcmp(a, "--socket") == 0)
			dst = &o->socket;
		else if (strcmp(a, "--log") == 0)
			dst = &o->log;
		else if (strcmp(a, "--now") == 0)
			dst = &o->now;
		else if (strcmp(a, "--report-data") == 0)
			dst = &o->report_data;
		else if (strcmp(a, "--quote-out") == 0)
			dst = &o->quote_out;
		else if (strcmp(a, "--kernel") == 0)
			dst = &o->kernel;
		else if (strcmp(a, "--initrd") == 0)
			dst = &o->initrd;
		else if (strcmp(a, "--cmdline") == 0)
			dst = &o->cmdline;
		else if (strcmp(a, "--memory") == 0)
			dst = &o->memory;
		else if (strcmp(a, "--firmware") == 0)
			dst = &o->firmware;
		else if (strcmp(a, "--qemu-header") == 0)
			dst = &o->header;
		else if (strcmp(a, "--mrtd-order") == 0)
			dst = &o->order;
		else if (strcmp(a, "--acpi") == 0)
			dst = &o->acpi;
		for (int k = 0; k < 5 && dst == NULL; k++)
			if (strcmp(a, reg_flags[k]) == 0)
				dst = &o->reg[k];
		if (dst == NULL)
			return c2d_fail(err, C2D_E_USAGE, "unknown option '%s'; see 'c2d sim-quoter --help'", a);
		if (i + 1 >= argc)
			return c2d_fail(err, C2D_E_USAGE, "%s needs a value", a);
		*dst = argv[++i];
	}
	return C2D_OK;
}

static int hex_arg(const char *flag, const char *text, uint8_t *out, size_t n, struct c2d_err *err)
{
	if (c2d_hex_decode(text, strlen(text), out, n, err) < 0)
		return c2d_fail(err, C2D_E_USAGE, "%s: expected %zu hex digits", flag, 2 * n);
	return C2D_OK;
}

static int need(const char *v, const char *flag, struct c2d_err *err)
{
	return v != NULL ? C2D_OK : c2d_fail(err, C2D_E_USAGE, "%s is required", flag);
}

/* MRTD and RTMR0-2 of a TD that QEMU boots from the given files: the
 * prediction `c2d measure` publishes (host/measure/bootpredict.h), with its
 * defaults for what is not given. */
static int predict_registers(const struct opts *o, struct c2d_simregs *regs, struct c2d_err *err)
{
	struct c2d_boot_files f = { .kernel = o->kernel, .initrd = o->initrd, .cmdline = o->cmdline,
				    .firmware = o->firmware, .header = C2D_QEMU_PATCHED,
				    .order = C2D_MRTD_SINGLE_PASS };
	struct c2d_boot_prediction p;
	int r;
	if ((r = need(o->kernel, "--kernel", err)) < 0 || (r = need(o->initrd, "--initrd", err)) < 0 ||
	    (r = need(o->cmdline, "--cmdline", err)) < 0 || (r = need(o->memory, "--memory", err)) < 0 ||
	    (r = c2d_bootpredict_parse_size("--memory", o->memory, &f.memory, err)) < 0)
		return r;
	if (o->firmware == NULL && (o->order != NULL || o->acpi != NULL))
		return c2d_fail(err, C2D_E_USAGE, "--mrtd-order and --acpi need --firmware");
	if (o->header != NULL && strcmp(o->header, "patched") != 0) {
		if (strcmp(o->header, "as-is") != 0)
			return c2d_fail(err, C2D_E_USAGE, "--qemu-header %s: patched or as-is", o->header);
		f.header = C2D_QEMU_AS_IS;
	}
	if (o->order != NULL && strcmp(o->order, "single-pass") != 0) {
		if (strcmp(o->order, "two-pass") != 0)
			return c2d_fail(err, C2D_E_USAGE, "--mrtd-order %s: single-pass or two-pass", o->order);
		f.order = C2D_MRTD_TWO_PASS;
	}
	if (o->acpi != NULL) {
		if ((r = c2d_bootpredict_parse_acpi("--acpi", o->acpi, &f.acpi, err)) < 0)
			return r;
		f.have_acpi = 1;
	}
	if ((r = c2d_bootpredict_run(&f, &p, err)) < 0)
		return r;
	memcpy(regs->rtmr[1], p.rtmr1, 48);
	memcpy(regs->rtmr[2], p.rtmr2, 48);
	if (p.have_mrtd)
		memcpy(regs->mrtd, p.mrtd, 48);
	if (p.have_rtmr0)
		memcpy(regs->rtmr[0], p.rtmr0, 48);
	return C2D_OK;
}

/*
 * The one place the simulated TD's registers come from, RTMR3 aside (serve
 * starts it at zero and lets the guest extend it). With the boot files
 * (--kernel ...): the prediction for them, as the TDX module would measure
 * the same boot; serve always takes this path. Without them (one-shot
 * quotes, tests): --mrtd, --rtmr0..3 as given, zero where not.
 */
static int source_registers(const struct opts *o, int need_boot_files, struct c2d_simregs *regs,
			    struct c2d_err *err)
{
	uint8_t *dst[5] = { regs->mrtd, regs->rtmr[0], regs->rtmr[1], regs->rtmr[2], regs->rtmr[3] };
	int boot = o->kernel != NULL || o->initrd != NULL || o->cmdline != NULL || o->memory != NULL ||
		   o->firmware != NULL;
	memset(regs, 0, sizeof(*regs));
	if (need_boot_files || boot) {
		for (int k = 0; k < 4; k++)
			if (o->reg[k] != NULL)
				return c2d_fail(err, C2D_E_USAGE, "%s: registers are predicted from --kernel, --initrd, --cmdline, --memory%s",
						reg_flags[k], need_boot_files ? "" : " when those are given");
		int r = predict_registers(o, regs, err);
		if (r < 0)
			return r;
	}
	for (int k = boot || need_boot_files ? 4 : 0; k < 5; k++) {
		if (o->reg[k] == NULL)
			continue;
		int r = hex_arg(reg_flags[k], o->reg[k], dst[k], 48, err);
		if (r < 0)
			return r;
	}
	return C2D_OK;
}

static int default_state(char *buf, size_t n, struct c2d_err *err)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int k;
	if (xdg != NULL && xdg[0] == '/')
		k = snprintf(buf, n, "%s/c2d/sim", xdg);
	else if (home != NULL && home[0] == '/')
		k = snprintf(buf, n, "%s/.local/state/c2d/sim", home);
	else
		return c2d_fail(err, C2D_E_USAGE, "no --state, and neither XDG_STATE_HOME nor HOME is an absolute path");
	if (k < 0 || (size_t)k >= n)
		return c2d_fail(err, C2D_E_USAGE, "state directory path too long");
	return C2D_OK;
}

static int open_ca(const struct opts *o, struct c2d_simca *ca, struct c2d_err *err)
{
	char def[4096];
	const char *dir = o->state;
	if (dir == NULL) {
		int r = default_state(def, sizeof(def), err);
		if (r < 0)
			return r;
		dir = def;
	}
	return c2d_simca_open(ca, dir, err);
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM). */
static int parse_rfc3339(const char *s, time_t *t, struct c2d_err *err)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	int v[6] = { 0 }, field = 0;
	size_t i = 0;
	for (; shape[i] != '\0'; i++) {
		if (shape[i] == 'd') {
			if (s[i] < '0' || s[i] > '9')
				goto bad;
			v[field] = v[field] * 10 + (s[i] - '0');
		} else if (s[i] == shape[i] || (shape[i] == 'T' && s[i] == 't')) {
			field++;
		} else {
			goto bad;
		}
	}
	if (s[i] == '.') {
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (s[i - 1] == '.')
			goto bad;
	}
	long off = 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		i++;
	} else if ((s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 && s[i + 3] == ':') {
		int h, m;
		if (sscanf(s + i + 1, "%2d:%2d", &h, &m) != 2 || h > 23 || m > 59)
			goto bad;
		off = (s[i] == '+' ? 1 : -1) * (h * 3600L + m * 60L);
		i += 6;
	} else {
		goto bad;
	}
	if (s[i] != '\0' || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		goto bad;
	struct tm tm = { .tm_year = v[0] - 1900, .tm_mon = v[1] - 1, .tm_mday = v[2],
			 .tm_hour = v[3], .tm_min = v[4], .tm_sec = v[5] > 59 ? 59 : v[5] };
	time_t base = timegm(&tm);
	struct tm back;
	if (gmtime_r(&base, &back) == NULL || back.tm_mday != v[2])
		goto bad;   /* e.g. February 30 */
	*t = base - off;
	return C2D_OK;
bad:
	return c2d_fail(err, C2D_E_USAGE, "--now '%s': expected an RFC 3339 time such as 2025-06-19T10:00:00Z", s);
}

static int cmd_quote(const struct opts *o, struct c2d_err *err)
{
	struct c2d_simregs regs;
	struct c2d_simca ca;
	uint8_t rd[64], *q;
	size_t len;
	int r;
	if ((r = need(o->out, "--out", err)) < 0 || (r = need(o->report_data, "--report-data", err)) < 0 ||
	    (r = hex_arg("--report-data", o->report_data, rd, 64, err)) < 0 ||
	    (r = source_registers(o, 0, &regs, err)) < 0 || (r = open_ca(o, &ca, err)) < 0)
		return r;
	r = c2d_simquote_build(&ca, &regs, rd, &q, &len, err);
	c2d_simca_close(&ca);
	if (r < 0)
		return r;
	r = c2d_fs_write_atomic(o->out, q, len, 0644, err);
	free(q);
	return r;
}

static int cmd_collateral(const struct opts *o, struct c2d_err *err)
{
	struct c2d_simca ca;
	time_t now = time(NULL);
	char *json;
	int r;
	if ((r = need(o->out, "--out", err)) < 0 ||
	    (o->now != NULL && (r = parse_rfc3339(o->now, &now, err)) < 0) ||
	    (r = open_ca(o, &ca, err)) < 0)
		return r;
	r = c2d_simca_collateral(&ca, now, o->revoke_pck ? C2D_SIMCA_REVOKE_PCK : 0, &json, err);
	c2d_simca_close(&ca);
	if (r < 0)
		return r;
	size_t n = strlen(json);
	char *text = realloc(json, n + 2);
	if (text == NULL) {
		free(json);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	text[n] = '\n';
	r = c2d_fs_write_atomic(o->out, text, n + 1, 0644, err);
	free(text);
	return r;
}

static int cmd_root(const struct opts *o, struct c2d_err *err)
{
	struct c2d_simca ca;
	int r;
	if ((r = need(o->out, "--out", err)) < 0 || (r = open_ca(o, &ca, err)) < 0)
		return r;
	r = c2d_fs_write_atomic(o->out, ca.root_cert.der, ca.root_cert.len, 0644, err);
	c2d_simca_close(&ca);
	return r;
}

/* --- serve ------------------------------------------------------------------- */

#define CONNECT_TRIES 100
#define CONNECT_PAUSE_MS 100
#define FRAME_MS 10000

/* QEMU creates the socket when it starts; the quoter may start first. */
static int connect_socket(const char *path, struct c2d_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return c2d_fail(err, C2D_E_USAGE, "%s: socket path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < CONNECT_TRIES; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return c2d_fail_errno(err, C2D_E_IO, "socket");
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		int e = errno;
		close(fd);
		if (e != ENOENT && e != ECONNREFUSED && e != EINTR) {
			errno = e;
			return c2d_fail_errno(err, C2D_E_IO, "%s: cannot connect", path);
		}
		struct timespec ts = { 0, CONNECT_PAUSE_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	return c2d_fail(err, C2D_E_IO, "%s: nobody listening after %d s", path,
			CONNECT_TRIES * CONNECT_PAUSE_MS / 1000);
}

static int reply(int fd, uint8_t *buf, const struct c2d_simproto_msg *m, struct c2d_err *err)
{
	size_t len;
	int r = c2d_simproto_encode(m, buf, C2D_SIMPROTO_MAX_FRAME, &len, err);
	return r < 0 ? r : c2d_simproto_send(fd, buf, len, FRAME_MS, err);
}

static int reply_error(int fd, uint8_t *buf, const char *msg, struct c2d_err *err)
{
	char line[C2D_ERR_MSG_MAX];
	size_t n = 0;
	for (; n < sizeof(line) && msg[n] != '\0'; n++)
		line[n] = msg[n] >= 0x20 && msg[n] <= 0x7e ? msg[n] : '?';
	if (n == 0)
		line[n++] = '?';
	struct c2d_simproto_msg m = { .type = C2D_SIMPROTO_ERROR, .data = (const uint8_t *)line,
				      .data_len = n };
	return reply(fd, buf, &m, err);
}

/* One JSON line per event, synced before the extension is acknowledged:
 * the log never lacks an event that RTMR3 holds. */
static int log_event(int fd, const char *path, const struct c2d_simproto_msg *m, struct c2d_err *err)
{
	char digest[97];
	char *payload = malloc(2 * m->event_len + 1);
	if (payload == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	c2d_hex(m->digest, 48, digest);
	c2d_hex(m->event, m->event_len, payload);
	json_t *j = json_pack("{s:i, s:s%, s:s, s:s}", "index", m->rtmr, "name", m->name, m->name_len,
			      "payload", payload, "digest", digest);
	free(payload);
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (text == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	size_t n = strlen(text);
	text[n] = '\n';   /* replaces the NUL; written by length */
	int r = c2d_fdio_write_all(fd, text, n + 1, path, err);
	free(text);
	if (r == C2D_OK && fdatasync(fd) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot append event", path);
	return r;
}

static int serve_loop(int fd, int logfd, const struct opts *o, const struct c2d_simca *ca,
		      struct c2d_simregs *regs, uint8_t *in, uint8_t *out, struct c2d_err *err)
{
	for (;;) {
		struct c2d_simproto_msg m;
		size_t flen;
		int r = c2d_simproto_recv(fd, in, C2D_SIMPROTO_MAX_FRAME, -1, FRAME_MS, &m, &flen, err);
		if (r == 1)
			return C2D_OK;
		if (r == C2D_E_INPUT) {
			/* Say why, then go on if the frame was consumed whole;
			 * a broken header leaves no frame boundary to go on from. */
			struct c2d_err e2 = { 0 };
			if (reply_error(fd, out, err->msg, &e2) < 0 || flen == 0)
				return r;
			continue;
		}
		if (r < 0)
			return r;
		if (m.type == C2D_SIMPROTO_EXTEND) {
			if (logfd >= 0 && (r = log_event(logfd, o->log, &m, err)) < 0) {
				struct c2d_err e2 = { 0 };
				reply_error(fd, out, err->msg, &e2);
				return r;
			}
			c2d_rtmr_extend(regs->rtmr[3], m.digest);
			struct c2d_simproto_msg ok = { .type = C2D_SIMPROTO_OK };
			if ((r = reply(fd, out, &ok, err)) < 0)
				return r;
		} else if (m.type == C2D_SIMPROTO_QUOTE) {
			uint8_t *q;
			size_t qlen;
			struct c2d_err qerr = { 0 };
			if (c2d_simquote_build(ca, regs, m.report_data, &q, &qlen, &qerr) < 0) {
				r = reply_error(fd, out, qerr.msg, err);
			} else if (o->quote_out != NULL &&
				   (r = c2d_fs_write_atomic(o->quote_out, q, qlen, 0644, err)) < 0) {
				/* The host could not keep what it hands out: the
				 * guest hears why, and serving ends. */
				free(q);
				struct c2d_err e2 = { 0 };
				reply_error(fd, out, err->msg, &e2);
				return r;
			} else {
				struct c2d_simproto_msg resp = { .type = C2D_SIMPROTO_QUOTE_RESP, .data = q,
								 .data_len = qlen };
				r = reply(fd, out, &resp, err);
				free(q);
			}
			if (r < 0)
				return r;
		} else {
			char msg[64];
			snprintf(msg, sizeof(msg), "frame type 0x%02x is not a request", m.type);
			if ((r = reply_error(fd, out, msg, err)) < 0)
				return r;
		}
	}
}

static int cmd_serve(const struct opts *o, struct c2d_err *err)
{
	struct c2d_simregs regs;
	struct c2d_simca ca;
	int r;
	if ((r = need(o->socket, "--socket", err)) < 0)
		return r;
	if (o->reg[4] != NULL)
		return c2d_fail(err, C2D_E_USAGE, "--rtmr3 is the guest's to extend; serve starts it at zero");
	if ((r = source_registers(o, 1, &regs, err)) < 0 || (r = open_ca(o, &ca, err)) < 0)
		return r;
	/* A guest that goes away mid-answer is an I/O error to report, not a
	 * signal that kills the quoter without a word. */
	signal(SIGPIPE, SIG_IGN);
	int logfd = -1, fd = -1;
	uint8_t *in = malloc(C2D_SIMPROTO_MAX_FRAME), *out = malloc(C2D_SIMPROTO_MAX_FRAME);
	if (in == NULL || out == NULL)
		r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
	else if (o->log != NULL &&
		 (logfd = open(o->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: cannot open event log", o->log);
	else if ((fd = connect_socket(o->socket, err)) < 0)
		r = fd;
	if (r == C2D_OK) {
		fprintf(stderr, "c2d sim-quoter: serving %s (SIMULATED quotes, not TDX)\n", o->socket);
		r = serve_loop(fd, logfd, o, &ca, &regs, in, out, err);
	}
	if (fd >= 0)
		close(fd);
	if (logfd >= 0 && close(logfd) < 0 && r == C2D_OK)
		r = c2d_fail_errno(err, C2D_E_IO, "%s: close failed", o->log);
	free(in);
	free(out);
	c2d_simca_close(&ca);
	return r;
}

c2d_status c2d_cmd_simquoter(int argc, char **argv, struct c2d_err *err)
{
	struct opts o;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? c2d_fail(err, C2D_E_USAGE, "expected a subcommand") : C2D_OK;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return C2D_OK;
		}
	int r = parse(argc, argv, &o, err);
	if (r < 0)
		return r;
	if (strcmp(argv[1], "serve") == 0)
		return cmd_serve(&o, err);
	if (strcmp(argv[1], "quote") == 0)
		return cmd_quote(&o, err);
	if (strcmp(argv[1], "collateral") == 0)
		return cmd_collateral(&o, err);
	if (strcmp(argv[1], "root") == 0)
		return cmd_root(&o, err);
	return c2d_fail(err, C2D_E_USAGE, "unknown subcommand '%s'; see 'c2d sim-quoter --help'", argv[1]);
}
