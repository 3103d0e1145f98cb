/*
 * c2d/err.h: the one error-handling style of c2d.
 *
 * The rules, stated once for every header of c2d (guest/runtime/include,
 * host/include and the modules' own headers):
 *
 * 1. A function that can fail returns c2d_status: C2D_OK (0) on success,
 *    or a negative C2D_E_* on failure, after writing one line of
 *    explanation into the caller's struct c2d_err. It is declared
 *    C2D_MUST_CHECK, so that the compiler refuses a call that drops it.
 *    Parsers, decoders, verifications (a tag, a signature: their "no" is
 *    C2D_E_REFUSED) and system calls whose failure the caller must hear
 *    of are fallible; releasing (a _free(), a _close()) is not.
 * 2. A function that answers a question and can also fail (is there a
 *    next record, did the peer close, how many bytes) returns int: its
 *    answer, never negative (1 or 0, a count), or a negative C2D_E_* on
 *    failure as in 1. Its comment says what the answers mean; it is
 *    C2D_MUST_CHECK too.
 * 3. A function that cannot fail returns its result (void, a size, a
 *    name) and takes no struct c2d_err. So do predicates and look-ups
 *    over data already parsed and checked (is this serial in that CRL;
 *    the index of a port, or -1 when there is none): their every answer
 *    is a normal one, and the caller decides what "none" means.
 * 4. Allocators that only allocate (c2d_grow, ..._text) return NULL
 *    exactly when malloc would; the caller reports C2D_E_NOMEM. They are
 *    C2D_MUST_CHECK.
 *
 * Arguments: the object acted on (a context, a builder) first, then
 * inputs, then outputs, then struct c2d_err *err, last (before a format
 * and its arguments, in the printf-like functions).
 *
 * NULL: err may be NULL in every function (the message is then dropped).
 * No other pointer may be NULL unless the function's comment says so.
 *
 * On failure: err holds the status and the message, and the outputs hold
 * nothing the caller may use. Whether an output must still be released
 * (with its _free()) is said by the function's comment.
 *
 * The message names the file and place when there is one
 * ("reproducible/inputs.lock:7: ...", "rows.csv:12:4: ..."), never holds
 * secret material, and has no trailing newline. Callers that only pass an
 * error up leave the message alone; callers that add context do so with
 * c2d_err_prefix(); callers with a more precise message replace it with
 * c2d_fail(). Command-line tools turn the status into an exit code with
 * c2d_exit_code() and print "c2d: <message>" once, at the top.
 *
 * No global state: the error lives in the caller's frame.
 *
 * Prefix: c2d_, the project's own, since the error style is every
 * module's: a name that no other module's longer prefix matches is
 * this module's (docs/architecture.md, "Names").
 */
#ifndef C2D_ERR_H
#define C2D_ERR_H

#include <stddef.h>

/* What a fallible function returns (rule 1): C2D_OK or one of the
 * negative codes below. A plain int, not the enum, because rule 2's
 * functions return answers and statuses in the same int, and statuses
 * travel through int variables that hold both. */
typedef int c2d_status;

/* The compiler refuses a call that ignores the result (-Werror). Where
 * ignoring one is right, c2d_ignore() says so, with a comment why: gcc
 * does not let a cast to void silence this attribute. */
#define C2D_MUST_CHECK __attribute__((warn_unused_result))

/* Failure kinds; each maps to a documented exit code (docs/cli.md). */
enum {
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
	c2d_status status;          /* one of the C2D_E_* codes */
	char msg[C2D_ERR_MSG_MAX];  /* one line, NUL-terminated, truncated if long */
	int failure;                /* a kind of c2d/failure.h, set only by
	                               c2d_failure_set(); 0 after any other failure */
};

/* Records a failure and returns status, so that callers write
 * `return c2d_fail(err, C2D_E_INPUT, "%s:%zu: ...", path, line);`.
 * err may be NULL (the message is then dropped). status must be negative. */
c2d_status c2d_fail(struct c2d_err *err, c2d_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like c2d_fail, appending ": strerror(errno)" with the errno at entry. */
c2d_status c2d_fail_errno(struct c2d_err *err, c2d_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "<prefix>: " to an existing message (err may be NULL). */
void c2d_err_prefix(struct c2d_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Exit code of a command that failed with status (0 for C2D_OK). */
int c2d_exit_code(c2d_status status);

/* Drops a status on purpose; the call site says why in a comment. */
static inline void c2d_ignore(c2d_status status)
{
	(void)status;
}

#endif
