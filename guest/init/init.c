/*
 * c2d-init: PID 1 of the c2d confidential VM, and its whole userland
 * besides the fixed analysis.
 *
 * Boot:     block signals, mount /dev /proc /sys (and configfs when the
 *           kernel has it), measure the payload, load the image's analysis
 *           and its privacy recipe (imageanalysis.h), find the disks and
 *           ports the host attached.
 * Attest:   extend RTMR3 with the boot events and get a quote, through the
 *           simulated quoter's port or the TDX guest device (attest.h);
 *           neither: say so and run unattested.
 * Run:      past the point of no return: from here on only the closed set
 *           of lines leaves as text (docs/boot.md, "What leaves the
 *           CVM"). Key release and the analysis plug in here: the
 *           analysis is loaded and checked at boot, but not run yet.
 * Shutdown: report one status line on the console and on the c2d.status
 *           port, sync, power off. PID 1 never exits: the kernel would
 *           panic.
 *
 * Any failure takes the same path with a non-zero status: fail closed (I6).
 * Before the point the error's message is printed; past it, only the fixed
 * line of its kind (c2d/failure.h).
 *
 * With --host, the same logic runs as an ordinary process so that tests can
 * drive it without a VM: nothing is mounted, sysfs is read under --sysroot,
 * nothing is powered off, and the status becomes the exit code.
 *
 * Console lines all start "c2d-init: " so the host can pick them out of the
 * kernel's own messages; the boot test and the benchmark parse them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "c2d/digest.h"
#include "c2d/err.h"
#include "c2d/failure.h"
#include "c2d/hex.h"
#include "attest.h"
#include "imageanalysis.h"
#include "probe.h"

/* The launcher's status channel. Not QEMU's isa-debug-exit device: port
 * I/O from user space needs CONFIG_X86_IOPL_IOPERM (raw port access for
 * root, attack surface we keep out of the CVM kernel) and faults in a TD
 * anyway; a named virtio-serial port works the same under QEMU and TDX. */
#define STATUS_PORT_NAME "c2d.status"

struct init_ctx {
	int pid1;              /* 1: really PID 1 in the CVM */
	const char *sysroot;   /* "" in the CVM */
	const char *devroot;   /* "/dev" in the CVM */
	const char *self;      /* the payload file to measure */
	char status_dev[32];   /* the c2d.status port's node, "" if none */
	uint8_t self_sha256[C2D_SHA256_LEN];  /* of the payload, as measured */
	struct image_analysis analysis;
	struct probe_result probe;
	/* 1: past the point of no return, where init asks for keys and will
	 * hold rows: say() writes nothing any more. */
	int closed;
};

/* A line of the closed set, written as it is: a literal or a kind's fixed
 * message (c2d/failure.h), never anything formatted. */
static void say_fixed(const char *line)
{
	dprintf(STDERR_FILENO, "c2d-init: %s\n", line);
}

/* A formatted line, before the point only: past it, a formatted line
 * could carry what the analysis chose or what the rows hold. */
static void say(const struct init_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct init_ctx *c, const char *fmt, ...)
{
	if (c->closed)
		return;
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	/* One write per line so that lines from the kernel cannot split ours. */
	dprintf(STDERR_FILENO, "c2d-init: %.*s\n", n, line);
}

/* Seconds since boot with millisecond precision: the time to PID 1 that
 * docs/performance.md reports is read here, from the guest's own clock. */
static void say_uptime(const struct init_ctx *c, const char *what)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	say(c, "%s at %ld.%03ld s", what, (long)ts.tv_sec, ts.tv_nsec / 1000000);
}

static int mount_one(const char *src, const char *dst, const char *type,
		     unsigned long flags, struct c2d_err *err)
{
	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		return c2d_fail_errno(err, C2D_E_IO, "mkdir %s", dst);
	if (mount(src, dst, type, flags, NULL) < 0)
		return c2d_fail_errno(err, C2D_E_IO, "mount %s on %s", type, dst);
	return C2D_OK;
}

static int boot_mounts(struct c2d_err *err)
{
	int r;
	/* nosuid/noexec everywhere but the initramfs root: nothing the host
	 * can influence becomes executable. */
	const unsigned long common = MS_NOSUID | MS_NOEXEC;
	if ((r = mount_one("devtmpfs", "/dev", "devtmpfs", common, err)) < 0 ||
	    (r = mount_one("proc", "/proc", "proc", common | MS_NODEV, err)) < 0 ||
	    (r = mount_one("sysfs", "/sys", "sysfs", common | MS_NODEV, err)) < 0)
		return r;
	/* configfs carries TSM quote requests; a kernel without it is not a
	 * TDX kernel, which the attestation step will refuse by itself. */
	if (access("/sys/kernel/config", F_OK) == 0 &&
	    mount("configfs", "/sys/kernel/config", "configfs", common | MS_NODEV, NULL) < 0)
		return c2d_fail_errno(err, C2D_E_IO, "mount configfs");
	return C2D_OK;
}

/* The kernel opens /dev/console for fds 0-2 when the initramfs has the
 * node. If it did not, give ourselves one, or every diagnostic is lost. */
static void ensure_console(void)
{
	if (fcntl(STDERR_FILENO, F_GETFD) >= 0)
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static int measure_payload(struct init_ctx *c, struct c2d_err *err)
{
	struct c2d_digests d;
	char hex[2 * C2D_SHA256_LEN + 1];
	if (c2d_digest_file(c->self, &d, err) < 0)
		return err->status;
	memcpy(c->self_sha256, d.sha256, sizeof(c->self_sha256));
	c2d_hex(d.sha256, sizeof(d.sha256), hex);
	say(c, "measured %s sha256=%s size=%llu", c->self, hex, (unsigned long long)d.size);
	return C2D_OK;
}

/* The image's analysis and the privacy its runs will spend; a missing or
 * malformed recipe fails the boot here, before any device is probed or any
 * quote asked for. */
static int load_analysis(struct init_ctx *c, struct c2d_err *err)
{
	const struct c2d_aconf *a = &c->analysis.conf;
	char eps[C2D_ACONF_DEC_LEN], rho[C2D_ACONF_DEC_LEN];
	int r = imageanalysis_load(c->sysroot, &c->analysis, err);
	if (r < 0)
		return r;
	c2d_aconf_fmt_micro(a->eps_ueps, eps);
	c2d_aconf_fmt_micro(a->rho_urho, rho);
	if (a->rho_urho != 0)
		say(c, "analysis %s, epsilon %s, rho %s", a->analysis, eps, rho);
	else
		say(c, "analysis %s, epsilon %s", a->analysis, eps);
	return C2D_OK;
}

static int probe(struct init_ctx *c, struct c2d_err *err)
{
	if (probe_devices(c->sysroot, &c->probe, err) < 0)
		return err->status;
	const struct probe_result *p = &c->probe;
	say(c, "platform %s", p->tdx_guest ? "tdx" : "no-tdx");
	for (size_t i = 0; i < p->ndisks; i++)
		say(c, "disk %s bytes=%llu %s", p->disks[i].name,
		       (unsigned long long)p->disks[i].bytes, p->disks[i].read_only ? "ro" : "rw");
	for (size_t i = 0; i < p->nports; i++)
		say(c, "port %s name=%s", p->ports[i].dev,
		       p->ports[i].name[0] ? p->ports[i].name : "-");
	return C2D_OK;
}

static int attest(struct init_ctx *c, struct c2d_err *err)
{
	static const char *const via[] = { "none", "sim", "tdx" };
	const struct attest_limits lim = { ATTEST_CONNECT_MS, ATTEST_REPLY_MS };
	struct attest_result a;
	char nonce[2 * C2D_BOOT_NONCE_LEN + 1], rd[2 * C2D_BOOT_REPORT_DATA_LEN + 1], rtmr3[97];
	int r = attest_boot(&c->probe, c->devroot, c->sysroot[0] ? c->sysroot : "/", c->self_sha256,
			    &lim, &a, err);
	if (r < 0)
		return r;
	if (a.backend == ATTEST_NONE) {
		say(c, "attestation: none (no %s port, no TDX guest device)", ATTEST_PORT_NAME);
		return C2D_OK;
	}
	c2d_hex(a.nonce, sizeof(a.nonce), nonce);
	c2d_hex(a.report_data, sizeof(a.report_data), rd);
	c2d_hex(a.rtmr3, sizeof(a.rtmr3), rtmr3);
	say(c, "attested via %s quote=%zu bytes nonce=%s report_data=%s", via[a.backend], a.quote_len,
	       nonce, rd);
	say(c, "rtmr3 %s", rtmr3);
	/* Nothing consumes the boot quote yet; the key release will. */
	attest_result_free(&a);
	return C2D_OK;
}

/* Best effort on every channel: the status is a convenience for the host;
 * what a verifier trusts is the signed receipt, never this line. */
static void report_status(const struct init_ctx *c, int code)
{
	/* Past the point, code is a kind's (c2d_failure_status) or 0. */
	dprintf(STDERR_FILENO, "c2d-init: exit %d\n", code);
	if (c->status_dev[0] == '\0')
		return;
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", c->devroot, c->status_dev);
	/* Non-blocking: a port nobody listens to must not hang shutdown. */
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		dprintf(fd, "c2d-status: %d\n", code);
		close(fd);
	}
}

static void __attribute__((noreturn)) finish(const struct init_ctx *c, int code)
{
	report_status(c, code);
	if (!c->pid1)
		_exit(code);
	sync();
	reboot(RB_POWER_OFF);
	/* Still here: power-off failed. Halting beats exiting, which would
	 * panic the kernel with our secrets still in memory. */
	say_fixed("power-off failed; halting");
	for (;;)
		pause();
}

static int run(struct init_ctx *c, struct c2d_err *err)
{
	int r;
	if (c->pid1 && (r = boot_mounts(err)) < 0)
		return r;
	say_uptime(c, c->pid1 ? "pid1" : "started");
	/* The status channel first, so that every later failure reaches the
	 * host. Without one, the console line is all there is. */
	struct c2d_err ignored;
	if (probe_port_dev(c->sysroot, STATUS_PORT_NAME, c->status_dev, &ignored) < 0)
		c->status_dev[0] = '\0';
	/* SHA-256 first reproduces its known answers; in the CVM a backend
	 * that does not fails the boot (docs/architecture.md, "Crypto
	 * self-tests"). No C2D_CRYPTO here: the image alone decides. */
	if ((r = c2d_digest_selftest(0, err)) < 0 || (r = measure_payload(c, err)) < 0 ||
	    (r = load_analysis(c, err)) < 0 ||
	    (r = probe(c, err)) < 0 || (r = attest(c, err)) < 0)
		return r;
	return C2D_OK;
}

/* Past the point of no return: the key release, unsealing, the analysis,
 * the noise and the receipt plug in here, each step's failure returned as
 * a kind, c2d_failure_or(&err, the step's kind), never as its message.
 * Running the analysis needs the owners' dataset keys, which the KMS
 * releases only to an attested run (a later step): until then the image
 * is checked complete and the analysis is not started. */
static enum c2d_failure run_closed(void)
{
	say_fixed("analysis not run: no key release yet");
	return C2D_FAILURE_NONE;
}

static void usage(void)
{
	dprintf(STDERR_FILENO,
		"usage: init                        (as PID 1 in the CVM)\n"
		"       init --host [--sysroot DIR] [--self FILE]\n"
		"(--host: DIR/sys, DIR/dev, DIR/etc/c2d/analysis.conf, DIR/analysis)\n");
}

int main(int argc, char **argv)
{
	struct init_ctx c = { .pid1 = getpid() == 1, .sysroot = "", .devroot = "/dev",
			      .self = "/init" };
	struct c2d_err err = { 0 };
	int host = 0;

	if (c.pid1) {
		/* Every signal blocked: PID 1 gets only what it asks for
		 * (SIGCHLD, through sigtimedwait in supervise). */
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		ensure_console();
		/* The kernel passes unknown cmdline words to init as argv;
		 * none of them configures anything: ignore them. */
	} else {
		c.self = "/proc/self/exe";
		for (int i = 1; i < argc; i++) {
			if (strcmp(argv[i], "--host") == 0)
				host = 1;
			else if (strcmp(argv[i], "--sysroot") == 0 && i + 1 < argc)
				c.sysroot = argv[++i];
			else if (strcmp(argv[i], "--self") == 0 && i + 1 < argc)
				c.self = argv[++i];
			else {
				usage();
				return 2;
			}
		}
		if (!host) {
			usage();
			dprintf(STDERR_FILENO, "init: not PID 1; pass --host to run the logic here\n");
			return 2;
		}
	}
	/* main never returns (finish() does not), so this outlives every use. */
	char devroot[512];
	if (!c.pid1) {
		if ((size_t)snprintf(devroot, sizeof(devroot), "%s/dev", c.sysroot) >= sizeof(devroot)) {
			dprintf(STDERR_FILENO, "init: --sysroot too long\n");
			return 2;
		}
		c.devroot = devroot;
	}

	int r = run(&c, &err);
	if (r < 0) {
		say(&c, "error: %s", err.msg);
		finish(&c, c2d_exit_code(r));
	}
	/* The point of no return (docs/boot.md, "What leaves the CVM"). */
	c.closed = 1;
	enum c2d_failure k = run_closed();
	if (k != C2D_FAILURE_NONE) {
		say_fixed(c2d_failure_msg(k));
		finish(&c, c2d_exit_code(c2d_failure_status(k)));
	}
	finish(&c, 0);
}
