/*
 * c2d-fakeanalysis MODE: analysis children that misbehave on purpose, for
 * test_analysis (init's runner must refuse each). They speak the protocol of
 * guest/analysis/child.h against tests/tools/fakeschema.h; "ok" is the honest one:
 * rows = { n, 0 }, total = { 16 n, 0 } (the largest sum n rows may give).
 *
 * Most modes start as an analysis does, with child_start() (the seccomp
 * filter, then the rows), and then misbehave: a forbidden system call
 * each, which must end in SIGSYS. A few run without the filter, because
 * they test the layers beneath it, which must hold for any child: the
 * seals (attack-input), the output pipe held by a descendant
 * (hold-output), a signal the child raises itself (abort), and the
 * environment init sets up before exec (probe, before its child_start()).
 * The modes that try to get the rows out as text (leak-name, nan, crafted,
 * console) must produce one fixed message of c2d/failure.h and nothing
 * else. Without an argument, the mode is the program's own name, so that
 * `c2d run --child` (which passes none) can run each through a link.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include "c2d/rowfile.h"
#include "c2d/fdio.h"
#include "child.h"
#include "fakeschema.h"

extern char **environ;

/* The rows of the input child_start() mapped. */
static uint64_t count_rows(const uint8_t *p, size_t len)
{
	struct c2d_err err = { 0 };
	struct c2d_rowfile f;
	uint32_t n;
	if (c2d_rowfile_open(&f, p, len, &err) < 0)
		_exit(40);
	struct c2d_rg_col *cols = calloc(f.schema.ncols, sizeof(*cols));
	int r;
	while ((r = c2d_rowfile_next(&f, &n, cols, &err)) == 1)
		;
	if (r < 0)
		_exit(41);
	return f.rows;
}

/* Writes an aggregate in the shape of s (fake_schema, or a variant). */
static void emit(const struct c2d_outschema *s, int64_t rows, int64_t total)
{
	int64_t a[2] = { rows, 0 }, b[2] = { total, 0 };
	const int64_t *v[2] = { a, b };
	uint8_t buf[256];
	size_t n = c2d_agg_encode(s, v, buf);
	if (c2d_fdio_write_all(CHILD_OUT_FD, buf, n, "output", NULL) < 0)
		_exit(42);
}

/* fake_schema with output 0 or 1 changed. */
static void emit_variant(int which, const struct c2d_outspec *o, int64_t rows)
{
	struct c2d_outspec outs[2] = { fake_schema.outputs[0], fake_schema.outputs[1] };
	outs[which] = *o;
	struct c2d_outschema s = fake_schema;
	s.outputs = outs;
	s.max_bytes = c2d_agg_schema_wire_len(&s);
	emit(&s, rows, 0);
}

/* Every way of changing a sealed memfd must fail. Exit 5 when all did, or
 * 10 + k for the first one that worked. Under init, RLIMIT_FSIZE 0 stops
 * the writes first (EFBIG, and SIGXFSZ, ignored here); the seals alone
 * are tried on init's side of the memfd (test_input_is_sealed). */
static int attack_input(void)
{
	uint8_t b = 0x55;
	signal(SIGXFSZ, SIG_IGN);
	if (write(CHILD_IN_FD, &b, 1) >= 0)
		return 10;
	if (pwrite(CHILD_IN_FD, &b, 1, 0) >= 0)
		return 11;
	if (ftruncate(CHILD_IN_FD, 0) == 0 || ftruncate(CHILD_IN_FD, 1 << 20) == 0)
		return 12;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, CHILD_IN_FD, 0);
	if (m != MAP_FAILED)
		return 13;
	if (fcntl(CHILD_IN_FD, F_ADD_SEALS, 0) == 0 && fcntl(CHILD_IN_FD, F_GET_SEALS) != 0xf)
		return 14;
	if (fallocate(CHILD_IN_FD, 0, 0, 1 << 20) == 0)
		return 15;
	return 5;
}

/* The number after "name:" in /proc/self/status, read again through fd
 * (the file is made anew by a read from offset 0); -1 if absent. */
static long status_field(int fd, const char *name)
{
	char buf[8192], key[64];
	size_t len = 0;
	ssize_t n;
	if (lseek(fd, 0, SEEK_SET) != 0)
		return -1;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	snprintf(key, sizeof(key), "\n%s:", name);
	const char *at = strstr(buf, key);
	return at == NULL ? -1 : strtol(at + strlen(key), NULL, 10);
}

static int limit_is(int res, rlim_t v)
{
	struct rlimit l;
	return getrlimit(res, &l) == 0 && l.rlim_cur == v && l.rlim_max == v;
}

/* What init set up before exec: only fds 3 (the sealed memfd) and 4 (a
 * pipe) are open, the environment is empty, no_new_privs is set, the
 * limits are in place (RLIMIT_NOFILE 5, no file size, no core) and the
 * ids are argv[2] (uid), argv[3] (gid), with no supplementary group and
 * RLIMIT_NPROC argv[4] when that is not "-". Then child_start()'s filter:
 * /proc/self/status, opened before it, says Seccomp 2 (filter mode) with
 * one filter more. Exit 0 after an honest aggregate, else 20 + k. */
static int probe(int argc, char **argv)
{
	struct stat st;
	for (int fd = 0; fd < 1024; fd++) {
		int open_ = fcntl(fd, F_GETFD) >= 0;
		if (open_ != (fd == 3 || fd == 4))
			return 20;
	}
	if (fcntl(CHILD_IN_FD, F_GET_SEALS) != (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		return 21;
	if (fstat(CHILD_OUT_FD, &st) < 0 || !S_ISFIFO(st.st_mode) ||
	    (fcntl(CHILD_OUT_FD, F_GETFL) & O_ACCMODE) != O_WRONLY)
		return 22;
	if (environ != NULL && environ[0] != NULL)
		return 23;
	if (argc != 5)
		return 99;
	int status = open("/proc/self/status", O_RDONLY);
	if (status < 0)
		return 29;
	long filters = status_field(status, "Seccomp_filters");
	if (status_field(status, "NoNewPrivs") != 1 || filters < 0)
		return 24;
	if (!limit_is(RLIMIT_NOFILE, 5) || !limit_is(RLIMIT_FSIZE, 0) || !limit_is(RLIMIT_CORE, 0))
		return 25;
	uid_t uid = (uid_t)strtoul(argv[2], NULL, 10), ru, eu, su;
	gid_t gid = (gid_t)strtoul(argv[3], NULL, 10), rg, eg, sg;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 || ru != uid ||
	    eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return 26;
	if (strcmp(argv[4], "-") != 0 &&
	    (!limit_is(RLIMIT_NPROC, (rlim_t)strtoul(argv[4], NULL, 10)) ||
	     getgroups(0, NULL) != 0))
		return 27;
	const uint8_t *p;
	size_t len;
	child_start(&p, &len);
	if (status_field(status, "Seccomp") != 2 ||
	    status_field(status, "Seccomp_filters") != filters + 1)
		return 28;
	uint64_t n = count_rows(p, len);
	emit(&fake_schema, (int64_t)n, (int64_t)n * FAKE_SUM_BOUND);
	return 0;
}

/* A system call through the i386 entry (int 0x80), with one argument. */
static long i386_call(long nr, long arg)
{
	__asm__ volatile("int $0x80" : "+a"(nr) : "b"(arg) : "memory", "r8", "r9", "r10", "r11");
	return nr;
}

/* Each of these modes makes one system call that the filter must kill:
 * exit 55 if it came back. Other modes return. */
static void forbidden(const char *m)
{
	static char *const argv[] = { "/bin/true", NULL };
	/* A thread's flags, as pthread_create passes them, and one more. */
	const unsigned long thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				     CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
				     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	void *page;
	long r;
	if (strcmp(m, "open") == 0) {
		r = syscall(SYS_open, "/dev/null", O_RDONLY);
	} else if (strcmp(m, "openat") == 0) {
		r = openat(AT_FDCWD, "/dev/null", O_RDONLY);
	} else if (strcmp(m, "socket-vsock") == 0) {
		r = socket(AF_VSOCK, SOCK_STREAM, 0);
	} else if (strcmp(m, "socket-inet") == 0) {
		r = socket(AF_INET, SOCK_DGRAM, 0);
	} else if (strcmp(m, "execve") == 0) {
		r = execve(argv[0], argv, argv + 1);
	} else if (strcmp(m, "ptrace") == 0) {
		r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	} else if (strcmp(m, "write-stdout") == 0) {
		r = write(1, "x", 1);
	} else if (strcmp(m, "write-input") == 0) {
		r = write(CHILD_IN_FD, "x", 1);
	} else if (strcmp(m, "fcntl-dupfd") == 0) {
		r = fcntl(CHILD_OUT_FD, F_DUPFD, 0);
	} else if (strcmp(m, "sigaction") == 0) {
		struct sigaction sa = { .sa_handler = SIG_IGN };
		r = sigaction(SIGSEGV, &sa, NULL);
	} else if (strcmp(m, "fork") == 0) {
		if ((r = fork()) == 0)
			_exit(0);
	} else if (strcmp(m, "clone-newuser") == 0) {
		/* Let through, the kernel would refuse it (EINVAL: a new user
		 * namespace shares no fs state) before needing a stack. */
		r = syscall(SYS_clone, thread | CLONE_NEWUSER, NULL, NULL, NULL, 0);
	} else if (strcmp(m, "mmap-exec") == 0) {
		page = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		r = page == MAP_FAILED ? -1 : 0;
	} else if (strcmp(m, "mprotect-exec") == 0) {
		page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		r = page == MAP_FAILED ? -1 : mprotect(page, 4096, PROT_READ | PROT_EXEC);
	} else if (strcmp(m, "x32") == 0) {
		r = syscall(0x40000000 | SYS_getpid);
	} else if (strcmp(m, "i386") == 0) {
		/* i386's exit(4) is, by number and first argument, x86-64's
		 * write(4, ...): let through, the child would exit 4. */
		r = i386_call(1, CHILD_OUT_FD);
	} else {
		return;
	}
	(void)r;
	_exit(55);
}

/* Allocates (small: a glibc arena per thread; large: mmap, then mremap),
 * touches and frees. */
static void *churn(void *arg)
{
	size_t mb = (size_t)(uintptr_t)arg + 1;
	free(malloc(64));
	uint8_t *b = malloc(mb << 20);
	if (b == NULL)
		return b;
	memset(b, (int)mb, mb << 20);
	uint8_t *c = realloc(b, (mb + 1) << 20);
	if (c == NULL)
		free(b);
	free(c);
	return c;
}

/* Threads as the analyses start them, under the filter; clone3 fails with
 * ENOSYS, not death (and libc falls back to clone). Exit 0 after an honest
 * aggregate, else 50 + k. */
static int threads(const uint8_t *p, size_t len)
{
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 50;
	pthread_t t[8];
	for (uintptr_t i = 0; i < 8; i++)
		if (pthread_create(&t[i], NULL, churn, (void *)i) != 0)
			return 52;
	for (int i = 0; i < 8; i++) {
		void *r;
		if (pthread_join(t[i], &r) != 0 || r == NULL)
			return 53;
	}
	uint64_t n = count_rows(p, len);
	emit(&fake_schema, (int64_t)n, (int64_t)n * FAKE_SUM_BOUND);
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	/* The console: fds 0-2 are closed in the child, so these go nowhere
	 * (the filter, installed next, would kill the writes). */
	if (strcmp(m, "console") == 0) {
		dprintf(1, "LEAK-ON-STDOUT\n");
		dprintf(2, "LEAK-ON-STDERR\n");
	}
	/* Without the filter (see the top). */
	if (strcmp(m, "probe") == 0)
		return probe(argc, argv);
	if (strcmp(m, "attack-input") == 0)
		return attack_input();
	if (strcmp(m, "abort") == 0)
		abort();   /* glibc raises with tgkill, which the filter kills */
	if (strcmp(m, "hold-output") == 0) {
		/* A descendant keeps the pipe open after the child's exit. */
		emit(&fake_schema, 0, 0);
		if (fork() == 0) {
			sleep(3);
			_exit(0);
		}
		return 0;
	}
	if (strcmp(m, "i386-unconfined") == 0) {
		/* Does this kernel have the i386 entry at all (a SIGSEGV: no)? */
		if (i386_call(20, 0) != getpid())   /* getpid */
			return 54;
		emit(&fake_schema, 0, 0);
		return 0;
	}
	const uint8_t *p;
	size_t len;
	child_start(&p, &len);
	if (strcmp(m, "crash") == 0) {
		volatile int *volatile nowhere = NULL;
		*nowhere = 1;
		return 30;
	}
	if (strcmp(m, "loop") == 0) {
		for (volatile unsigned long i = 0;; i++)
			;
	}
	if (strcmp(m, "exit3") == 0)
		return 3;
	if (strcmp(m, "flood") == 0) {
		static const uint8_t junk[4096];
		for (;;)
			if (c2d_fdio_write_all(CHILD_OUT_FD, junk, sizeof(junk), "output", NULL) < 0)
				return 43;
	}
	if (strcmp(m, "threads") == 0)
		return threads(p, len);
	forbidden(m);
	int64_t rows = (int64_t)count_rows(p, len);
	if (strcmp(m, "ok") == 0 || strcmp(m, "console") == 0) {
		emit(&fake_schema, rows, rows * FAKE_SUM_BOUND);
	} else if (strcmp(m, "leak-name") == 0) {
		/* The row count as an output's name: "n012". */
		char name[16];
		snprintf(name, sizeof(name), "n%03u", (unsigned)(rows % 1000));
		struct c2d_outspec o = fake_schema.outputs[0];
		o.name = name;
		emit_variant(0, &o, rows);
	} else if (strcmp(m, "nan") == 0) {
		/* A double's NaN where an integer sum belongs. */
		emit(&fake_schema, rows, (int64_t)UINT64_C(0x7ff8000000000000));
	} else if (strcmp(m, "crafted") == 0) {
		/* Exactly the schema's size: a header that claims 65535 outputs,
		 * then the row count spelled out over and over. */
		uint8_t b[256];
		for (size_t i = 0; i < fake_schema.max_bytes; i++)
			b[i] = (uint8_t)"rows=0123456789"[i % 5 == 4 ? 5 + (size_t)rows % 10 : i % 5];
		memcpy(b, "C2DA\1\0\xff\xff", 8);
		if (c2d_fdio_write_all(CHILD_OUT_FD, b, fake_schema.max_bytes, "output", NULL) < 0)
			return 43;
	} else if (strcmp(m, "trailing") == 0) {
		emit(&fake_schema, rows, 0);
		if (c2d_fdio_write_all(CHILD_OUT_FD, (const uint8_t *)"", 1, "output", NULL) < 0)
			return 43;
	} else if (strcmp(m, "short") == 0) {
		if (c2d_fdio_write_all(CHILD_OUT_FD, (const uint8_t *)"C2DA\1\0\2\0\4rows", 13, "output", NULL) < 0)
			return 43;
	} else if (strcmp(m, "count-above-rows") == 0) {
		emit(&fake_schema, rows + 1, 0);
	} else if (strcmp(m, "sum-above-bound") == 0) {
		emit(&fake_schema, rows, rows * FAKE_SUM_BOUND + 1);
	} else if (strcmp(m, "wrong-name") == 0) {
		struct c2d_outspec o = fake_schema.outputs[0];
		o.name = "rowz";
		emit_variant(0, &o, rows);
	} else if (strcmp(m, "wrong-kind") == 0) {
		struct c2d_outspec o = fake_schema.outputs[0];
		o.kind = C2D_AGG_SUM;
		emit_variant(0, &o, rows);
	} else if (strcmp(m, "wrong-scale") == 0) {
		struct c2d_outspec o = fake_schema.outputs[1];
		o.scale = 3;
		emit_variant(1, &o, rows);
	} else if (strcmp(m, "wrong-shape") == 0) {
		struct c2d_outspec o = fake_schema.outputs[1];
		o.dims[0] = 2;
		o.dims[1] = 1;
		emit_variant(1, &o, rows);
	} else {
		return 99;
	}
	return 0;
}
