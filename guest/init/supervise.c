/* Child supervision: see supervise.h. */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *supervise_step_name(int step)
{
	static const char *const names[SUPERVISE_STEP_COUNT] = {
		[SUPERVISE_STEP_NONE] = "no step",
		[SUPERVISE_STEP_DUPFD] = "fcntl(F_DUPFD)",
		[SUPERVISE_STEP_DUP2] = "dup2",
		[SUPERVISE_STEP_DUP3] = "dup3",
		[SUPERVISE_STEP_OPEN] = "open(O_PATH)",
		[SUPERVISE_STEP_EXECVE] = "execve",
		[SUPERVISE_STEP_EXECVEAT] = "execveat",
		[SUPERVISE_STEP_NO_NEW_PRIVS] = "prctl(PR_SET_NO_NEW_PRIVS)",
		[SUPERVISE_STEP_GETRLIMIT] = "getrlimit",
		[SUPERVISE_STEP_RLIMIT_NOFILE] = "setrlimit(RLIMIT_NOFILE)",
		[SUPERVISE_STEP_RLIMIT_FSIZE] = "setrlimit(RLIMIT_FSIZE)",
		[SUPERVISE_STEP_RLIMIT_CORE] = "setrlimit(RLIMIT_CORE)",
		[SUPERVISE_STEP_RLIMIT_NPROC] = "setrlimit(RLIMIT_NPROC)",
		[SUPERVISE_STEP_SETGROUPS] = "setgroups",
		[SUPERVISE_STEP_SETRESGID] = "setresgid",
		[SUPERVISE_STEP_SETRESUID] = "setresuid",
		[SUPERVISE_STEP_GETRESUID] = "getresuid",
		[SUPERVISE_STEP_GETRESGID] = "getresgid",
		[SUPERVISE_STEP_GETGROUPS] = "getgroups",
		[SUPERVISE_STEP_ID_CHECK] = "the check of the ids after the drop",
	};
	return step >= 0 && step < SUPERVISE_STEP_COUNT ? names[step] : "an unknown step";
}

/* What a child that failed before exec writes to init (supervise.h). */
struct start_report {
	int step;
	int errnum;
};

/* In the child: reports the failed step and exits. */
static _Noreturn void start_failed(int rfd, int step, int errnum, int code)
{
	const struct start_report rep = { step, errnum };
	/* Nothing is left to try if this write fails: the exit status still
	 * says that the child did not start. */
	ssize_t n = write(rfd, &rep, sizeof(rep));
	(void)n;
	_exit(code);
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void record(struct supervise_result *res, int status)
{
	if (WIFEXITED(status)) {
		res->exited = 1;
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signaled = 1;
		res->term_signal = WTERMSIG(status);
	}
}

int supervise_reap_all(void)
{
	int n = 0;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		n++;
	return n;
}

/* Reaps zombies; returns 1 (and records its status) if child was among them. */
static int reap(pid_t child, struct supervise_result *res)
{
	int status, done = 0;
	pid_t p;
	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		if (p == child) {
			record(res, status);
			done = 1;
		}
	}
	return done;
}

/* SIGKILL cannot be caught; the child is a zombie shortly after, and
 * waitpid blocks only for that. */
static void kill_and_reap(pid_t pid, struct supervise_result *res)
{
	int status;
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	record(res, status);
}

/* In the child, between fork and exec: only async-signal-safe calls. The
 * sources are first moved above the target range, so that placing one
 * cannot overwrite another that happens to sit at 3 + j. The report pipe
 * rfd ends up just above them, at 3 + nfds, where the exec closes it;
 * returns that descriptor. */
static int place_fds(const struct supervise_io *io, long open_max, int rfd)
{
	int top = 3 + io->nfds, tmp[SUPERVISE_MAX_FDS];
	int r = fcntl(rfd, F_DUPFD_CLOEXEC, top + 1);
	if (r < 0)
		start_failed(rfd, SUPERVISE_STEP_DUPFD, errno, 126);
	for (int i = 0; i < io->nfds; i++)
		if ((tmp[i] = fcntl(io->fds[i], F_DUPFD, top)) < 0)
			start_failed(r, SUPERVISE_STEP_DUPFD, errno, 126);
	for (int i = 0; i < io->nfds; i++)
		if (dup2(tmp[i], 3 + i) < 0)
			start_failed(r, SUPERVISE_STEP_DUP2, errno, 126);
	if (dup3(r, top, O_CLOEXEC) < 0)
		start_failed(r, SUPERVISE_STEP_DUP3, errno, 126);
	close(0);
	close(1);
	close(2);
	if (syscall(SYS_close_range, (unsigned)top + 1, ~0u, 0u) < 0)
		for (long fd = top + 1; fd < open_max; fd++)
			close((int)fd);
	return top;
}

/* Reads what the pipe has. Returns 1 at end of file, 0 when it would
 * block, -1 when more than out_cap bytes came. */
static int drain(struct supervise_io *io)
{
	for (;;) {
		uint8_t extra = 0;
		size_t room = io->out_cap - io->out_len;
		uint8_t *dst = room ? io->out + io->out_len : &extra;
		ssize_t n = read(io->out_fd, dst, room ? room : 1);
		if (n == 0)
			return 1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN, or an error: nothing more to read now. */
			return 0;
		}
		if (room == 0) {
			io->overflow = 1;
			return -1;
		}
		io->out_len += (size_t)n;
	}
}

c2d_status supervise_run(const char *path, char *const argv[], long deadline_ms,
			 struct supervise_result *res, struct c2d_err *err)
{
	return supervise_run_io(path, argv, deadline_ms, NULL, res, err);
}

c2d_status supervise_run_io(const char *path, char *const argv[], long deadline_ms,
			    struct supervise_io *io, struct supervise_result *res,
			    struct c2d_err *err)
{
	sigset_t chld, saved;
	static char *const empty_env[] = { NULL };
	long open_max = sysconf(_SC_OPEN_MAX);
	if (open_max < 0 || open_max > 65536)
		open_max = 65536;

	memset(res, 0, sizeof(*res));
	if (io != NULL) {
		if (io->nfds < 0 || io->nfds > SUPERVISE_MAX_FDS)
			return c2d_fail(err, C2D_E_INTERNAL, "%s: %d descriptors for the child", path,
					io->nfds);
		io->out_len = 0;
		io->overflow = io->out_open = io->hook_failed = 0;
		if (io->out_fd >= 0 &&
		    fcntl(io->out_fd, F_SETFL, fcntl(io->out_fd, F_GETFL) | O_NONBLOCK) < 0)
			return c2d_fail_errno(err, C2D_E_IO, "%s: output pipe", path);
	}
	/* The child's report of a failure before exec (supervise.h). Both
	 * ends close at exec; the parent reads only once the child is gone,
	 * so the read end need not block. */
	int rp[2];
	if (pipe2(rp, O_CLOEXEC | O_NONBLOCK) < 0)
		return c2d_fail_errno(err, C2D_E_IO, "%s: report pipe", path);
	/* SIGCHLD must be blocked before fork, or a child that exits at once
	 * could signal us before we wait for it; the signalfd then reports it
	 * alongside the output pipe. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &saved);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		int r = c2d_fail_errno(err, C2D_E_IO, "%s: signalfd", path);
		sigprocmask(SIG_SETMASK, &saved, NULL);
		close(rp[0]);
		close(rp[1]);
		return r;
	}

	long start = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		int r = c2d_fail_errno(err, C2D_E_IO, "%s: fork failed", path);
		close(sfd);
		sigprocmask(SIG_SETMASK, &saved, NULL);
		close(rp[0]);
		close(rp[1]);
		return r;
	}
	if (pid == 0) {
		/* Only async-signal-safe calls between fork and exec or exit.
		 * The signal mask survives execve; init blocks everything, so
		 * an unblocked mask must be set here or the child could not be
		 * interrupted by SIGTERM, SIGPIPE... Handlers are reset by exec. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int rfd = rp[1];
		if (io != NULL)
			rfd = place_fds(io, open_max, rfd);
		/* The console reaches the host: no child may write there, nor
		 * have its writes relayed (docs/boot.md, "What leaves the CVM"). */
		for (int fd = 0; io == NULL && fd < 3; fd++)
			if (fd != rfd)
				close(fd);
		if (io != NULL && io->pre_exec != NULL) {
			int xfd = open(path, O_PATH | O_CLOEXEC), step;
			if (xfd < 0)
				start_failed(rfd, SUPERVISE_STEP_OPEN, errno, 127);
			if ((step = io->pre_exec(io)) != 0)
				start_failed(rfd, step, errno, SUPERVISE_EXIT_PRE_EXEC);
			syscall(SYS_execveat, xfd, "", argv, empty_env, AT_EMPTY_PATH);
			start_failed(rfd, SUPERVISE_STEP_EXECVEAT, errno, 127);
		}
		execve(path, argv, empty_env);
		start_failed(rfd, SUPERVISE_STEP_EXECVE, errno, 127);
	}
	close(rp[1]);
	if (io != NULL && io->close_after_fork >= 0)
		close(io->close_after_fork);
	for (int i = 0; io != NULL && i < io->nclose_also; i++)
		close(io->close_also[i]);

	int out_live = io != NULL && io->out_fd >= 0, killed = 0;
	for (;;) {
		if (reap(pid, res))
			break;
		long left = deadline_ms - (now_ms() - start);
		if (left <= 0) {
			kill_and_reap(pid, res);
			res->timed_out = 1;
			killed = 1;
			break;
		}
		struct pollfd pf[2] = { { sfd, POLLIN, 0 }, { out_live ? io->out_fd : -1, POLLIN, 0 } };
		/* Returns on SIGCHLD, output or timeout; either way, loop and look. */
		(void)poll(pf, 2, left > INT_MAX ? INT_MAX : (int)left);
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) > 0)
			;
		if (out_live && pf[1].revents != 0) {
			int d = drain(io);
			if (d >= 0 && io->on_output != NULL && io->on_output(io->ctx, io) < 0) {
				io->hook_failed = 1;
				d = -1;
			}
			if (d < 0) {
				kill_and_reap(pid, res);
				killed = 1;
				break;
			}
			out_live = d == 0;
		}
	}
	/* The exited child's descriptors are closed before it becomes a
	 * zombie, so a pipe only it held is at end of file now. */
	if (out_live && !killed) {
		int d = drain(io);
		if (d >= 0 && io->on_output != NULL && io->on_output(io->ctx, io) < 0)
			io->hook_failed = 1;
		io->out_open = d == 0;
	}
	res->elapsed_ms = now_ms() - start;
	/* The child is gone, and with it the pipe's only write end: a report
	 * is there whole (it is smaller than PIPE_BUF), or there is none. */
	struct start_report rep;
	if (read(rp[0], &rep, sizeof(rep)) == (ssize_t)sizeof(rep)) {
		res->start_failed = 1;
		res->failed_step = rep.step;
		res->failed_errno = rep.errnum;
	}
	close(rp[0]);
	supervise_reap_all();
	close(sfd);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return C2D_OK;
}
