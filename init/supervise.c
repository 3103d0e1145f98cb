/* Child supervision: see supervise.h. */
#include "supervise.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

int supervise_run(const char *path, char *const argv[], long deadline_ms,
		  struct supervise_result *res, struct c2d_err *err)
{
	sigset_t chld, saved;
	static char *const empty_env[] = { NULL };

	memset(res, 0, sizeof(*res));
	/* SIGCHLD must be blocked before fork, or a child that exits at once
	 * could signal us before sigtimedwait() is waiting for it. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &saved);

	long start = now_ms();
	pid_t pid = fork();
	if (pid < 0) {
		int r = c2d_fail_errno(err, C2D_E_IO, "%s: fork failed", path);
		sigprocmask(SIG_SETMASK, &saved, NULL);
		return r;
	}
	if (pid == 0) {
		/* The signal mask survives execve; init blocks everything, so
		 * an unblocked mask must be set here or the child could not be
		 * interrupted by SIGTERM, SIGPIPE... Handlers are reset by exec. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(path, argv, empty_env);
		/* Only async-signal-safe calls between fork and exit. */
		_exit(127);
	}

	for (;;) {
		if (reap(pid, res))
			break;
		long left = deadline_ms - (now_ms() - start);
		if (left <= 0) {
			/* SIGKILL cannot be caught; the child is a zombie
			 * shortly after. waitpid blocks only for that. */
			kill(pid, SIGKILL);
			int status;
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			record(res, status);
			res->timed_out = 1;
			break;
		}
		struct timespec ts = { left / 1000, (left % 1000) * 1000000 };
		/* Returns on SIGCHLD or timeout; either way, loop and look. */
		(void)sigtimedwait(&chld, NULL, &ts);
	}
	res->elapsed_ms = now_ms() - start;
	supervise_reap_all();
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return C2D_OK;
}
