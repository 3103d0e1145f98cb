/* The analysis side of init's protocol: see child.h. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if !defined(__x86_64__)
/* cppcheck-suppress preprocessorErrorDirective */
#error "the seccomp table below is written for x86-64"
#endif

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/*
 * The seccomp filter. The BPF is written by hand with the kernel's macros:
 * libseccomp is not built for the guest's static musl, and a table this
 * small does not need a compiler. Every rule below is a system call that
 * cohort-stats or risk-model makes after child_start(), learnt with
 * `strace -f` on the static musl children (out/guest/) and on the glibc
 * host builds the tests run; a libc that needs another call shows up as
 * SIGSYS in tests/unit/test_analysis.c and test_riskmodel.c.
 *
 * Each rule compares the system call number (in the accumulator) and, on a
 * match, either returns at once or checks one argument and returns ALLOW
 * or KILL: no rule falls through into the next once its number matched.
 * Arguments are checked in their low 32-bit word: every one checked here
 * is read by the kernel as 32 bits (descriptors, fcntl commands, pids,
 * clone's flags through lower_32_bits()) or has the bits that matter there
 * (PROT_EXEC).
 */
#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define LOAD_ARG(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define KILL RET(SECCOMP_RET_KILL_PROCESS)
#define IS(nr, skip) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, (skip))

/* nr is allowed. */
#define ALLOW(nr) IS(nr, 1), RET(SECCOMP_RET_ALLOW)
/* nr fails with errno e without running. */
#define FAIL(nr, e) IS(nr, 1), RET(SECCOMP_RET_ERRNO | (e))
/* nr is allowed when argument i is a or b. */
#define ALLOW_ARG_IN(nr, i, a, b)                                                            \
	IS(nr, 5), LOAD_ARG(i), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (a), 2, 0),              \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (b), 1, 0), KILL, RET(SECCOMP_RET_ALLOW)
#define ALLOW_ARG_IS(nr, i, a) ALLOW_ARG_IN(nr, i, a, a)
/* nr is allowed when argument i has none of the bits of mask. */
#define ALLOW_ARG_CLEAR(nr, i, mask)                                                         \
	IS(nr, 4), LOAD_ARG(i), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (mask), 0, 1), KILL,    \
		RET(SECCOMP_RET_ALLOW)
/* nr is allowed when argument i, the bits of ignore aside, is exactly v. */
#define ALLOW_ARG_EXACT(nr, i, ignore, v)                                                    \
	IS(nr, 5), LOAD_ARG(i), BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~(uint32_t)(ignore)),    \
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (v), 0, 1), RET(SECCOMP_RET_ALLOW), KILL

/* The flags of a thread, as both musl's and glibc's pthread_create pass
 * them to clone (musl adds CLONE_DETACHED, which the kernel ignores): one
 * address space, descriptor table and signal handlers with the parent. A
 * new process (fork: no CLONE_THREAD) or a thread with anything more (a
 * pidfd, a namespace, vfork, ptrace) is killed. */
#define THREAD_FLAGS                                                                          \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |   \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

/* x32 system calls are numbered from here (__X32_SYSCALL_BIT) and reach
 * the same kernel code as the x86-64 ones under other numbers. No rule
 * below matches such a number either; the check says so outright. */
#define X32_FIRST 0x40000000u

static const struct sock_filter confinement[] = {
	/* Another architecture's numbers are other calls (i386's exit, through
	 * int 0x80, is number 1, x86-64's write): refused before the number is
	 * looked at. */
	LOAD(arch),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	KILL,
	LOAD(nr),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_FIRST, 0, 1),
	KILL,

	/* Descriptors: the child holds 3 (rows), 4 (aggregate) and, for
	 * risk-model, 5 (requests); nothing below can make another (open,
	 * dup, socket, pipe, recvmsg... are killed), so read needs no check. */
	ALLOW(SYS_read),                              /* requests on fd 5 */
	ALLOW_ARG_IN(SYS_write, 0, CHILD_OUT_FD, 2),  /* the aggregate; child_exit's line */
	ALLOW_ARG_IS(SYS_fcntl, 1, F_GET_SEALS),      /* the seals of fd 3, nothing else */
	ALLOW(SYS_lseek),                             /* the size of fd 3 */

	/* Memory. Never executable: the child runs only the code it was
	 * loaded with. */
	ALLOW_ARG_CLEAR(SYS_mmap, 2, PROT_EXEC),      /* the rows (read-only), malloc, stacks */
	ALLOW_ARG_CLEAR(SYS_mprotect, 2, PROT_EXEC),  /* glibc's arenas, stack guards */
	ALLOW(SYS_munmap),                            /* free, thread exit */
	ALLOW(SYS_mremap),                            /* realloc of a large block */
	ALLOW(SYS_brk),                               /* malloc */
	ALLOW(SYS_madvise),                           /* free (musl), thread exit (glibc) */

	/* Threads (cohort-stats's and risk-model's workers). */
	ALLOW_ARG_EXACT(SYS_clone, 0, CLONE_DETACHED, THREAD_FLAGS),
	/* clone3's flags are behind a pointer, out of the filter's reach:
	 * ENOSYS makes both libcs fall back to clone. */
	FAIL(SYS_clone3, ENOSYS),
	/* glibc registers each new thread's rseq area, and aborts a thread
	 * whose registration fails once the main thread's succeeded. */
	ALLOW(SYS_rseq),
	ALLOW(SYS_set_robust_list),                   /* glibc, each new thread */
	ALLOW(SYS_futex),                             /* locks, pthread_join */
	ALLOW(SYS_rt_sigprocmask),                    /* masks around clone and thread exit */
	/* glibc's first pthread_create installs its handler of signal 33
	 * (SIGSETXID, the kernel's SIGRTMIN + 1), which nobody can send here. */
	ALLOW_ARG_IS(SYS_rt_sigaction, 0, 33),
	ALLOW_ARG_IS(SYS_sched_getaffinity, 0, 0),    /* the CPU count, this process's only */
	/* glibc seeds its malloc's tcache key with getrandom, and takes the
	 * clock when it fails: the child never sees the kernel's randomness.
	 * The vDSO reads the clock without a system call where the clock
	 * source allows; this is its fallback. */
	FAIL(SYS_getrandom, ENOSYS),
	ALLOW(SYS_clock_gettime),
	ALLOW(SYS_exit),                              /* a thread ends */
	ALLOW(SYS_exit_group),                        /* the process ends */

	KILL,
};

/* Installs the filter on every thread there is (TSYNC: none should exist
 * yet, but a host's ld.so.preload could have started one). no_new_privs
 * is init's already; setting it here too lets the filter go in when a
 * test or a benchmark runs the child by hand. */
static int confine(struct c2d_err *err)
{
	const struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(confinement) / sizeof(confinement[0])),
		.filter = (struct sock_filter *)confinement,
	};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return c2d_fail_errno(err, C2D_E_IO, "confinement: PR_SET_NO_NEW_PRIVS");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
		return c2d_fail_errno(err, C2D_E_IO, "confinement: seccomp filter");
	return C2D_OK;
}

/* Under the filter: the size comes from lseek, not fstat (glibc's fstat is
 * newfstatat, which takes a path). */
static int map_input(int fd, const uint8_t **p, size_t *len, struct c2d_err *err)
{
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0)
		return c2d_fail_errno(err, C2D_E_INPUT, "fd %d: F_GET_SEALS", fd);
	if ((seals & SEALS) != SEALS)
		return c2d_fail(err, C2D_E_INPUT, "fd %d: seals 0x%x, need 0x%x", fd, seals, SEALS);
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return c2d_fail_errno(err, C2D_E_IO, "fd %d: lseek", fd);
	if (size == 0)
		return c2d_fail(err, C2D_E_INPUT, "fd %d: empty", fd);
	void *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return c2d_fail_errno(err, C2D_E_IO, "fd %d: mmap", fd);
	*p = m;
	*len = (size_t)size;
	return C2D_OK;
}

void child_start(const uint8_t **rows, size_t *len)
{
	struct c2d_err err = { 0 };
	int r = confine(&err);
	if (r == C2D_OK)
		r = map_input(CHILD_IN_FD, rows, len, &err);
	if (r < 0)
		child_exit(r, &err);
}

void child_exit(int status, const struct c2d_err *err)
{
	if (status == C2D_OK)
		_exit(0);
	char line[C2D_ERR_MSG_MAX + 1];
	size_t n = strlen(err->msg);
	memcpy(line, err->msg, n);
	line[n] = '\n';
	/* Best effort: fd 2 is closed under init (EBADF). */
	ssize_t w = write(2, line, n + 1);
	(void)w;
	_exit(status == C2D_E_INPUT || status == C2D_E_REFUSED ? CHILD_EXIT_INPUT : CHILD_EXIT_IO);
}
