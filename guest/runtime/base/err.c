/* Error recording: see c2d/err.h. */
#include "c2d/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Newlines in a message would let a crafted file name forge extra log lines. */
static void one_line(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static c2d_status vfail(struct c2d_err *err, c2d_status status, int errnum, const char *fmt,
		 va_list ap)
{
	if (err == NULL)
		return status;
	err->status = status;
	err->failure = 0;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
	if (errnum != 0) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
			 strerror(errnum));
	}
	one_line(err->msg);
	return status;
}

c2d_status c2d_fail(struct c2d_err *err, c2d_status status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(err, status, 0, fmt, ap);
	va_end(ap);
	return r;
}

c2d_status c2d_fail_errno(struct c2d_err *err, c2d_status status, const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(err, status, errnum, fmt, ap);
	va_end(ap);
	return r;
}

void c2d_err_prefix(struct c2d_err *err, const char *fmt, ...)
{
	char out[C2D_ERR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(out, sizeof(out), fmt, ap);
	va_end(ap);
	size_t at = n < 0 ? 0 : (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1;
	/* prefix, ": ", old message, truncated to fit */
	for (const char *s = ": "; *s != '\0' && at < sizeof(out) - 1; s++)
		out[at++] = *s;
	for (const char *s = err->msg; *s != '\0' && at < sizeof(out) - 1; s++)
		out[at++] = *s;
	out[at] = '\0';
	memcpy(err->msg, out, sizeof(out));
	one_line(err->msg);
}

int c2d_exit_code(c2d_status status)
{
	switch (status) {
	case C2D_OK: return 0;
	case C2D_E_REFUSED: return 1;
	case C2D_E_USAGE: return 2;
	case C2D_E_INPUT: return 3;
	case C2D_E_IO: return 4;
	case C2D_E_NOMEM: return 5;
	case C2D_E_UNAVAILABLE: return 6;
	default: return 70; /* EX_SOFTWARE */
	}
}
