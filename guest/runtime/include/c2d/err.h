/*
 * c2d/err.h: the one error-handling style of c2d.
 *
 * Every fallible function returns an int: 0 on success, or a negative
 * c2d_status on failure, after writing one line of explanation into the
 * caller's struct c2d_err. The line names the file and place when there is
 * one ("reproducible/inputs.lock:7: ...", "rows.csv:12:4: ..."), never holds
 * secret material, and has no trailing newline. Callers that only pass an
 * error up leave the message alone; callers that add context do so with
 * c2d_err_prefix(). Command-line tools turn the status into an exit code
 * with c2d_exit_code() and print "c2d: <message>" once, at the top.
 *
 * No global state: the error lives in the caller's frame.
 */
#ifndef C2D_ERR_H
#define C2D_ERR_H

#include <stddef.h>

/* Failure kinds; each maps to a documented exit code (docs/cli.md). */
enum c2d_status {
	C2D_OK = 0,
	C2D_E_REFUSED = -1,  /* a check ran and said no (verification, policy) */
	C2D_E_USAGE = -2,    /* bad command line */
	C2D_E_INPUT = -3,    /* malformed or inconsistent input data */
	C2D_E_IO = -4,       /* a system call failed */
	C2D_E_NOMEM = -5,    /* allocation failed */
	C2D_E_INTERNAL = -6, /* a bug: an invariant of our own code broke */
	C2D_E_UNAVAILABLE = -7, /* this machine or build lacks a facility (a GPU) */
};

#define C2D_ERR_MSG_MAX 256

struct c2d_err {
	int status;                 /* one of enum c2d_status */
	char msg[C2D_ERR_MSG_MAX];  /* one line, NUL-terminated, truncated if long */
};

/* Records a failure and returns status, so that callers write
 * `return c2d_fail(err, C2D_E_INPUT, "%s:%zu: ...", path, line);`.
 * err may be NULL (the message is then dropped). status must be negative. */
int c2d_fail(struct c2d_err *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like c2d_fail, appending ": strerror(errno)" with the errno at entry. */
int c2d_fail_errno(struct c2d_err *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "<prefix>: " to an existing message (err may be NULL). */
void c2d_err_prefix(struct c2d_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Exit code of a command that failed with status (0 for C2D_OK). */
int c2d_exit_code(int status);

#endif
