/* Unit tests of the TDX guest interfaces (guest/runtime/tdx/tdxguest.c) on fake
 * /dev, sysfs and configfs trees.
 *
 * configfs makes an entry's attribute files inside mkdir(2) and removes
 * them inside rmdir(2); a plain directory cannot. This binary is linked
 * with --wrap=mkdir,--wrap=rmdir (Makefile), so that under the fake report
 * directory the wrappers do what configfs does, synchronously. The TSM
 * provider is a forked "fake kernel" per entry: it waits (inotify) for
 * inblob to be closed after a write, bumps generation, and answers in
 * outblob, a FIFO, so that reading outblob blocks until the answer is
 * there, as it does on configfs. Every wait is bounded (poll timeouts,
 * alarm), so a broken fake fails the test instead of hanging it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "c2d/bytes.h"
#include "c2d/tdxguest.h"
#include "testfile.h"

int __real_mkdir(const char *path, mode_t mode);
int __real_rmdir(const char *path);
int __wrap_mkdir(const char *path, mode_t mode);
int __wrap_rmdir(const char *path);

static char root[] = "/tmp/c2d-test-tdx.XXXXXX";

/* --- helpers ----------------------------------------------------------- */

static void path_of(char *out, size_t cap, const char *rel)
{
	int n = snprintf(out, cap, "%s/%s", root, rel);
	assert_true(n > 0 && (size_t)n < cap);
}

/* mkdir -p of rel under root. */
static void mkdirs(const char *rel)
{
	char path[512];
	path_of(path, sizeof(path), rel);
	for (char *s = path + strlen(root) + 1;; s++) {
		char c = *s;
		if (c == '/' || c == '\0') {
			*s = '\0';
			assert_true(__real_mkdir(path, 0755) == 0 || errno == EEXIST);
			*s = c;
		}
		if (c == '\0')
			break;
	}
}

static void put(const char *rel, const void *data, size_t len)
{
	char path[512];
	path_of(path, sizeof(path), rel);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The whole file at rel in the fake tree (malloc'd), its length in *len. */
static uint8_t *get(const char *rel, size_t *len)
{
	char path[512];
	path_of(path, sizeof(path), rel);
	return testfile_load(path, len);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/c2d-test-tdx.XXXXXX");
	alarm(30);   /* nothing here may hang */
	return mkdtemp(root) == NULL;
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

#define assert_msg(err, s) \
	do { \
		if (strstr((err)->msg, (s)) == NULL) \
			fail_msg("message '%s' lacks '%s'", (err)->msg, (s)); \
	} while (0)

/* --- TDREPORT parsing ---------------------------------------------------- */

/* A TDREPORT with each field filled with its own byte, at the offsets of
 * the TDX Module ABI's TDREPORT_STRUCT, written here as plain numbers. */
static void synth_report(uint8_t *b)
{
	memset(b, 0, 1024);
	b[0] = 0x81;                 /* TDX */
	b[2] = 1;                    /* version: TDX 1.5 */
	memset(b + 16, 0x01, 16);    /* CPUSVN */
	memset(b + 32, 0x02, 48);    /* TEE_TCB_INFO hash */
	memset(b + 80, 0x03, 48);    /* TEE_INFO hash */
	memset(b + 128, 0x04, 64);   /* REPORTDATA */
	memset(b + 224, 0x05, 32);   /* MAC */
	memset(b + 256 + 8, 0x06, 16);   /* TEE_TCB_SVN */
	memset(b + 256 + 24, 0x07, 48);  /* MRSEAM */
	memset(b + 256 + 72, 0x08, 48);  /* MRSIGNERSEAM */
	memset(b + 256 + 120, 0x09, 8);  /* SEAM attributes */
	memset(b + 256 + 128, 0x0a, 16); /* TEE_TCB_SVN2 */
	memset(b + 512, 0x0b, 8);        /* TD attributes */
	memset(b + 520, 0x0c, 8);        /* XFAM */
	memset(b + 528, 0x0d, 48);       /* MRTD */
	memset(b + 576, 0x0e, 48);       /* MRCONFIGID */
	memset(b + 624, 0x0f, 48);       /* MROWNER */
	memset(b + 672, 0x10, 48);       /* MROWNERCONFIG */
	for (int i = 0; i < 4; i++)
		memset(b + 720 + 48 * i, 0x11 + i, 48); /* RTMR0..3 */
	memset(b + 912, 0x15, 48);       /* SERVTD_HASH */
}

static void assert_filled(const uint8_t *p, uint8_t v, size_t n)
{
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			fail_msg("byte %zu is 0x%02x, expected 0x%02x", i, p[i], v);
}

static void test_report_fields(void **state)
{
	(void)state;
	uint8_t b[1024];
	struct c2d_tdreport r;
	struct c2d_err err = { 0 };
	synth_report(b);
	assert_int_equal(c2d_tdxguest_report_parse(b, sizeof(b), &r, &err), C2D_OK);
	assert_int_equal(r.type, 0x81);
	assert_int_equal(r.version, 1);
	assert_filled(r.cpusvn, 0x01, 16);
	assert_filled(r.tee_tcb_info_hash, 0x02, 48);
	assert_filled(r.tee_info_hash, 0x03, 48);
	assert_filled(r.td.report_data, 0x04, 64);
	assert_filled(r.mac, 0x05, 32);
	assert_ptr_equal(r.tee_tcb_info, b + 256);
	assert_ptr_equal(r.tdinfo, b + 512);
	assert_filled(r.td.tee_tcb_svn, 0x06, 16);
	assert_filled(r.td.mrseam, 0x07, 48);
	assert_filled(r.td.mrsignerseam, 0x08, 48);
	assert_filled(r.td.seam_attributes, 0x09, 8);
	assert_filled(r.td.tee_tcb_svn2, 0x0a, 16);
	assert_filled(r.td.td_attributes, 0x0b, 8);
	assert_filled(r.td.xfam, 0x0c, 8);
	assert_filled(r.td.mrtd, 0x0d, 48);
	assert_filled(r.td.mrconfigid, 0x0e, 48);
	assert_filled(r.td.mrowner, 0x0f, 48);
	assert_filled(r.td.mrownerconfig, 0x10, 48);
	for (int i = 0; i < 4; i++)
		assert_filled(r.td.rtmr[i], (uint8_t)(0x11 + i), 48);
	assert_filled(r.td.mrservicetd, 0x15, 48);
	/* Bit 0 of the TD attributes (0x0b) is DEBUG, read where quotes have it. */
	assert_true(c2d_tdxquote_is_debug(&r.td));
	b[512] = 0x0a;
	assert_int_equal(c2d_tdxguest_report_parse(b, sizeof(b), &r, &err), C2D_OK);
	assert_false(c2d_tdxquote_is_debug(&r.td));
}

static void test_report_refused(void **state)
{
	(void)state;
	uint8_t b[1025];
	struct c2d_tdreport r;
	struct c2d_err err = { 0 };
	synth_report(b);
	assert_int_equal(c2d_tdxguest_report_parse(b, 1023, &r, &err), C2D_E_INPUT);
	assert_msg(&err, "1023 bytes");
	assert_int_equal(c2d_tdxguest_report_parse(b, 1025, &r, &err), C2D_E_INPUT);
	b[0] = 0x00;                 /* an SGX report type */
	assert_int_equal(c2d_tdxguest_report_parse(b, 1024, &r, &err), C2D_E_INPUT);
	assert_msg(&err, "offset 0");
	b[0] = 0x81;
	b[1] = 1;
	assert_int_equal(c2d_tdxguest_report_parse(b, 1024, &r, &err), C2D_E_INPUT);
	assert_msg(&err, "offset 1");
	b[1] = 0;
	b[2] = 2;
	assert_int_equal(c2d_tdxguest_report_parse(b, 1024, &r, NULL), C2D_E_INPUT);
	b[2] = 0;
	assert_int_equal(c2d_tdxguest_report_parse(b, 1024, &r, NULL), C2D_OK);
}

/* A TDREPORT assembled from a real quote's TD body (the seeds of
 * fuzz_tdreport were made the same way): the report parser and the quote
 * parser must agree on every field a quote carries. */
static void test_report_matches_quote(void **state)
{
	(void)state;
	static const char *const files[] = { "tests/vectors/tdx/dcapqvl_tdx_quote",
					     "tests/fuzz/seeds/fuzz_tdreport/dcapqvl" };
	size_t qlen, rlen;
	uint8_t *qbuf = testfile_load(files[0], &qlen), *rep = testfile_load(files[1], &rlen);
	assert_int_equal(rlen, 1024);
	struct c2d_tdx_quote q;
	struct c2d_tdreport r;
	assert_int_equal(c2d_tdxquote_parse(qbuf, qlen, &q, NULL), C2D_OK);
	assert_int_equal(c2d_tdxguest_report_parse(rep, 1024, &r, NULL), C2D_OK);
	const struct { const uint8_t *a, *b; size_t n; } fields[] = {
		{ q.td.tee_tcb_svn, r.td.tee_tcb_svn, 16 },
		{ q.td.mrseam, r.td.mrseam, 48 },
		{ q.td.mrsignerseam, r.td.mrsignerseam, 48 },
		{ q.td.seam_attributes, r.td.seam_attributes, 8 },
		{ q.td.td_attributes, r.td.td_attributes, 8 },
		{ q.td.xfam, r.td.xfam, 8 },
		{ q.td.mrtd, r.td.mrtd, 48 },
		{ q.td.mrconfigid, r.td.mrconfigid, 48 },
		{ q.td.mrowner, r.td.mrowner, 48 },
		{ q.td.mrownerconfig, r.td.mrownerconfig, 48 },
		{ q.td.rtmr[0], r.td.rtmr[0], 48 },
		{ q.td.rtmr[1], r.td.rtmr[1], 48 },
		{ q.td.rtmr[2], r.td.rtmr[2], 48 },
		{ q.td.rtmr[3], r.td.rtmr[3], 48 },
		{ q.td.report_data, r.td.report_data, 64 },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		assert_memory_equal(fields[i].a, fields[i].b, fields[i].n);
	free(qbuf);
	free(rep);
}

/* --- /dev/tdx_guest -------------------------------------------------------- */

static void test_get_report_no_device(void **state)
{
	(void)state;
	uint8_t rd[64] = { 1 }, rep[1024];
	struct c2d_err err = { 0 };
	memset(rep, 0xee, sizeof(rep));
	assert_int_equal(c2d_tdxguest_get_report(root, rd, rep, &err), C2D_E_IO);
	assert_msg(&err, "/dev/tdx_guest: no TDX guest device");
	assert_msg(&err, root);
	assert_filled(rep, 0xee, sizeof(rep));
}

static void test_get_report_not_a_device(void **state)
{
	(void)state;
	uint8_t rd[64] = { 1 }, rep[1024];
	struct c2d_err err = { 0 };
	mkdirs("dev");
	put("dev/tdx_guest", "x", 1);
	memset(rep, 0xee, sizeof(rep));
	assert_int_equal(c2d_tdxguest_get_report(root, rd, rep, &err), C2D_E_IO);
	assert_msg(&err, "not the TDX guest device");
	assert_msg(&err, strerror(ENOTTY));
	assert_filled(rep, 0xee, sizeof(rep));
}

/* --- configfs-tsm ---------------------------------------------------------- */

#define REPORT_DIR "sys/kernel/config/tsm/report"

enum fake_mode { FAKE_NORMAL, FAKE_DOUBLE_BUMP, FAKE_EMPTY, FAKE_OVERSIZE };
static const char FAKE_HEADER[] = "FAKE-TDX-QUOTE:";

/* The fake's configuration and what it saw: test-local state. */
static struct {
	enum fake_mode mode;
	const char *provider;
	pid_t child;
	int mkdirs, rmdirs;
	char entry[512];
} fake;

static int under_report_dir(const char *path)
{
	char dir[512];
	path_of(dir, sizeof(dir), REPORT_DIR "/");
	return strncmp(path, dir, strlen(dir)) == 0;
}

static int write_at(const char *entry, const char *name, const void *data, size_t len)
{
	char path[600], tmp[620];
	snprintf(path, sizeof(path), "%s/%s", entry, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	int ok = write(fd, data, len) == (ssize_t)len;
	ok &= close(fd) == 0;
	return ok && rename(tmp, path) == 0 ? 0 : -1;
}

/* The TSM provider of one entry, in the child: returns its exit status. */
static int provider_run(int ino, const char *entry, unsigned gen)
{
	char buf[4096], path[600];
	for (;;) {
		struct pollfd p = { .fd = ino, .events = POLLIN };
		if (poll(&p, 1, 10000) != 1)
			return 2;                     /* nobody wrote inblob */
		ssize_t n = read(ino, buf, sizeof(buf));
		if (n <= 0)
			return 3;
		const struct inotify_event *ev = (const void *)buf;
		if ((ev->mask & IN_CLOSE_WRITE) && ev->len > 0 && strcmp(ev->name, "inblob") == 0)
			break;
	}
	uint8_t in[64];
	snprintf(path, sizeof(path), "%s/inblob", entry);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 4;
	ssize_t inlen = read(fd, in, sizeof(in));
	close(fd);
	if (inlen < 0)
		return 4;
	/* The kernel counts each write; a concurrent writer counts too. */
	gen += fake.mode == FAKE_DOUBLE_BUMP ? 2 : 1;
	char g[32];
	int gl = snprintf(g, sizeof(g), "%u\n", gen);
	if (write_at(entry, "generation", g, (size_t)gl) < 0)
		return 5;
	snprintf(path, sizeof(path), "%s/outblob", entry);
	fd = open(path, O_WRONLY);           /* waits for the reader (alarm bounds it) */
	if (fd < 0)
		return 6;
	int ok = 1;
	if (fake.mode == FAKE_OVERSIZE) {
		static uint8_t big[C2D_TSM_QUOTE_MAX + 1];
		ok = write(fd, big, sizeof(big)) == (ssize_t)sizeof(big);
	} else if (fake.mode != FAKE_EMPTY) {
		ok = write(fd, FAKE_HEADER, strlen(FAKE_HEADER)) == (ssize_t)strlen(FAKE_HEADER) &&
		     write(fd, in, (size_t)inlen) == inlen;
	}
	close(fd);
	return ok ? 0 : 7;
}

int __wrap_mkdir(const char *path, mode_t mode)
{
	int r = __real_mkdir(path, mode);
	if (r < 0 || !under_report_dir(path))
		return r;
	/* What configfs does inside mkdir: the attributes exist at once. */
	fake.mkdirs++;
	snprintf(fake.entry, sizeof(fake.entry), "%s", path);
	const unsigned gen = 41;
	char g[32], fifo[600];
	int gl = snprintf(g, sizeof(g), "%u\n", gen);
	snprintf(fifo, sizeof(fifo), "%s/outblob", path);
	if (write_at(path, "provider", fake.provider, strlen(fake.provider)) < 0 ||
	    write_at(path, "generation", g, (size_t)gl) < 0 ||
	    write_at(path, "inblob", "", 0) < 0 || mkfifo(fifo, 0600) < 0)
		abort();
	/* The watch exists before mkdir returns: no write can be missed. */
	int ino = inotify_init1(IN_CLOEXEC);
	if (ino < 0 || inotify_add_watch(ino, path, IN_CLOSE_WRITE) < 0)
		abort();
	pid_t pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		alarm(15);
		_exit(provider_run(ino, path, gen));
	}
	close(ino);
	fake.child = pid;
	return 0;
}

int __wrap_rmdir(const char *path)
{
	if (under_report_dir(path)) {
		/* configfs removes the attributes with the entry. */
		static const char *const names[] = { "provider", "generation", "inblob", "outblob" };
		char p[600];
		fake.rmdirs++;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", path, names[i]);
			unlink(p);
		}
	}
	return __real_rmdir(path);
}

static int tsm_setup(void **state)
{
	if (setup(state) != 0)
		return -1;
	memset(&fake, 0, sizeof(fake));
	fake.provider = "tdx_guest\n";
	mkdirs(REPORT_DIR);
	return 0;
}

/* Status of the provider child, killing it if it is still waiting. */
static int reap(int kill_it)
{
	int st;
	if (fake.child <= 0)
		return -1;
	if (kill_it)
		kill(fake.child, SIGKILL);
	assert_int_equal(waitpid(fake.child, &st, 0), fake.child);
	fake.child = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int tsm_teardown(void **state)
{
	if (fake.child > 0)
		reap(1);
	return teardown(state);
}

/* The report directory holds nothing: the entry went, whatever happened. */
static void assert_no_entries(void)
{
	char dir[512];
	path_of(dir, sizeof(dir), REPORT_DIR);
	struct stat st;
	assert_int_equal(fake.mkdirs, 1);
	assert_int_equal(fake.rmdirs, 1);
	assert_int_equal(stat(fake.entry, &st), -1);
	assert_int_equal(errno, ENOENT);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", dir);
	assert_int_equal(system(cmd), 0);
}

static void reportdata(uint8_t rd[64])
{
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)(0xa0 ^ (i * 13));
}

static void test_quote_ok(void **state)
{
	(void)state;
	uint8_t rd[64], *q = NULL;
	size_t len = 0;
	struct c2d_err err = { 0 };
	reportdata(rd);
	int r = c2d_tdxguest_tsm_get_quote(root, rd, &q, &len, &err);
	if (r != C2D_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(reap(0), 0);
	size_t h = strlen(FAKE_HEADER);
	assert_int_equal(len, h + 64);
	assert_memory_equal(q, FAKE_HEADER, h);
	assert_memory_equal(q + h, rd, 64);
	free(q);
	assert_no_entries();
	/* The entry's name carries our pid (unique among processes). */
	char want[64];
	snprintf(want, sizeof(want), "/c2d-%ld-0", (long)getpid());
	assert_non_null(strstr(fake.entry, want));
}

static void test_quote_name_taken(void **state)
{
	(void)state;
	char rel[128], path[512];
	snprintf(rel, sizeof(rel), REPORT_DIR "/c2d-%ld-0", (long)getpid());
	mkdirs(rel);              /* someone else's entry, not through the wrapper */
	uint8_t rd[64], *q = NULL;
	size_t len = 0;
	struct c2d_err err = { 0 };
	reportdata(rd);
	assert_int_equal(c2d_tdxguest_tsm_get_quote(root, rd, &q, &len, &err), C2D_OK);
	assert_int_equal(reap(0), 0);
	assert_memory_equal(q + strlen(FAKE_HEADER), rd, 64);
	free(q);
	snprintf(rel, sizeof(rel), "/c2d-%ld-1", (long)getpid());
	assert_non_null(strstr(fake.entry, rel));
	snprintf(rel, sizeof(rel), REPORT_DIR "/c2d-%ld-0", (long)getpid());
	path_of(path, sizeof(path), rel);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);   /* left alone */
}

static void test_quote_generation_moved(void **state)
{
	(void)state;
	uint8_t rd[64], *q = (uint8_t *)&q;
	size_t len = 99;
	struct c2d_err err = { 0 };
	fake.mode = FAKE_DOUBLE_BUMP;
	reportdata(rd);
	assert_int_equal(c2d_tdxguest_tsm_get_quote(root, rd, &q, &len, &err), C2D_E_REFUSED);
	assert_msg(&err, "generation");
	assert_msg(&err, "41 before our write, 43 after");
	assert_null(q);
	assert_int_equal(len, 0);
	assert_int_equal(reap(0), 0);
	assert_no_entries();
}

static void test_quote_wrong_provider(void **state)
{
	(void)state;
	uint8_t rd[64], *q = NULL;
	size_t len = 0;
	struct c2d_err err = { 0 };
	fake.provider = "sev_guest\n";
	reportdata(rd);
	assert_int_equal(c2d_tdxguest_tsm_get_quote(root, rd, &q, &len, &err), C2D_E_REFUSED);
	assert_msg(&err, "provider 'sev_guest'");
	assert_null(q);
	/* Refused before any request: the provider never saw an inblob. */
	assert_int_equal(reap(1), 128 + SIGKILL);
	assert_no_entries();
}

static void test_quote_empty_and_oversized(void **state)
{
	(void)state;
	uint8_t rd[64], *q = NULL;
	size_t len = 0;
	struct c2d_err err = { 0 };
	reportdata(rd);
	fake.mode = FAKE_EMPTY;
	assert_int_equal(c2d_tdxguest_tsm_get_quote(root, rd, &q, &len, &err), C2D_E_INPUT);
	assert_msg(&err, "outblob: empty quote");
	assert_null(q);
	assert_int_equal(reap(0), 0);
	assert_no_entries();

	fake.mode = FAKE_OVERSIZE;
	fake.mkdirs = fake.rmdirs = 0;
	assert_int_equal(c2d_tdxguest_tsm_get_quote(root, rd, &q, &len, &err), C2D_E_INPUT);
	assert_msg(&err, "outblob: quote longer than 32768 bytes");
	assert_null(q);
	assert_int_equal(reap(0), 0);
	assert_no_entries();
}

static void test_quote_no_tsm(void **state)
{
	(void)state;
	uint8_t rd[64] = { 0 }, *q = NULL;
	size_t len = 0;
	struct c2d_err err = { 0 };
	char want[600];
	memset(&fake, 0, sizeof(fake));
	mkdirs("sys/kernel/config");            /* configfs without TSM */
	snprintf(want, sizeof(want), "configfs-tsm not available: %s/" REPORT_DIR, root);
	assert_int_equal(c2d_tdxguest_tsm_get_quote(root, rd, &q, &len, &err), C2D_E_IO);
	assert_string_equal(err.msg, want);
	assert_null(q);
	assert_int_equal(fake.mkdirs, 0);
}

/* --- RTMR ------------------------------------------------------------------ */

#define MR_DIR "sys/devices/virtual/misc/tdx_guest/measurements"

static void digest(uint8_t d[48], uint8_t seed)
{
	for (int i = 0; i < 48; i++)
		d[i] = (uint8_t)(seed + 3 * i);
}

static void test_rtmr_extend_and_read(void **state)
{
	(void)state;
	uint8_t d[48], v[48], big[49] = { 0 };
	size_t n;
	struct c2d_err err = { 0 };
	mkdirs(MR_DIR);
	put(MR_DIR "/rtmr3:sha384", "", 0);     /* empty: what lands is what we wrote */
	digest(d, 7);
	assert_int_equal(c2d_tdxguest_extend_rtmr3(root, d, &err), C2D_OK);
	uint8_t *back = get(MR_DIR "/rtmr3:sha384", &n);
	assert_int_equal(n, 48);
	assert_memory_equal(back, d, 48);
	free(back);
	assert_int_equal(c2d_tdxguest_read_rtmr(root, 3, v, &err), C2D_OK);
	assert_memory_equal(v, d, 48);

	digest(d, 100);
	put(MR_DIR "/rtmr0:sha384", d, 48);
	assert_int_equal(c2d_tdxguest_read_rtmr(root, 0, v, &err), C2D_OK);
	assert_memory_equal(v, d, 48);
	put(MR_DIR "/rtmr1:sha384", d, 47);
	assert_int_equal(c2d_tdxguest_read_rtmr(root, 1, v, &err), C2D_E_INPUT);
	assert_msg(&err, "rtmr1:sha384: 47 bytes");
	put(MR_DIR "/rtmr2:sha384", big, sizeof(big));
	assert_int_equal(c2d_tdxguest_read_rtmr(root, 2, v, &err), C2D_E_INPUT);
	assert_msg(&err, "more than 48 bytes");
	assert_int_equal(c2d_tdxguest_read_rtmr(root, 4, v, &err), C2D_E_USAGE);
	assert_int_equal(c2d_tdxguest_read_rtmr(root, -1, v, NULL), C2D_E_USAGE);
}

static void test_rtmr_missing_abi(void **state)
{
	(void)state;
	uint8_t d[48] = { 0 }, v[48];
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_tdxguest_extend_rtmr3(root, d, &err), C2D_E_IO);
	assert_msg(&err, "no TDX guest device");
	/* A 6.12 kernel: the device, no measurements directory. */
	mkdirs("sys/devices/virtual/misc/tdx_guest");
	assert_int_equal(c2d_tdxguest_extend_rtmr3(root, d, &err), C2D_E_IO);
	assert_msg(&err, "kernel has no RTMR extension ABI");
	assert_msg(&err, "rtmr3:sha384");
	assert_int_equal(c2d_tdxguest_read_rtmr(root, 3, v, &err), C2D_E_IO);
	assert_msg(&err, "kernel has no RTMR extension ABI");
}

static void test_rtmr_write_errors(void **state)
{
	(void)state;
	uint8_t d[48];
	struct c2d_err err = { 0 };
	char path[512];
	digest(d, 1);
	mkdirs(MR_DIR);
	path_of(path, sizeof(path), MR_DIR "/rtmr3:sha384");

	/* A write error, with its path and reason. */
	assert_int_equal(symlink("/dev/full", path), 0);
	assert_int_equal(c2d_tdxguest_extend_rtmr3(root, d, &err), C2D_E_IO);
	assert_msg(&err, path);
	assert_msg(&err, strerror(ENOSPC));
	assert_int_equal(unlink(path), 0);

	/* A short write: the file size limit lets 20 bytes through. */
	put(MR_DIR "/rtmr3:sha384", "", 0);
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 20;
	void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int r = c2d_tdxguest_extend_rtmr3(root, d, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);
	assert_int_equal(r, C2D_E_IO);
	assert_msg(&err, "short write (20 of 48 bytes)");
	assert_msg(&err, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_fields),
		cmocka_unit_test(test_report_refused),
		cmocka_unit_test(test_report_matches_quote),
		cmocka_unit_test_setup_teardown(test_get_report_no_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_report_not_a_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote_ok, tsm_setup, tsm_teardown),
		cmocka_unit_test_setup_teardown(test_quote_name_taken, tsm_setup, tsm_teardown),
		cmocka_unit_test_setup_teardown(test_quote_generation_moved, tsm_setup, tsm_teardown),
		cmocka_unit_test_setup_teardown(test_quote_wrong_provider, tsm_setup, tsm_teardown),
		cmocka_unit_test_setup_teardown(test_quote_empty_and_oversized, tsm_setup, tsm_teardown),
		cmocka_unit_test_setup_teardown(test_quote_no_tsm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtmr_extend_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtmr_missing_abi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rtmr_write_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
