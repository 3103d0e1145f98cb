/* libFuzzer target: the KMS's release log verifier (host/kms/kmslog.c), as
 * `c2d kms log verify` runs it on a file anyone may hand it. A log that
 * verifies counts every line once, as a start, a release or a refusal, and
 * its on-chain check saw only lines that name a spend; one that does not
 * is refused with one line. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "kmslog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	uint64_t calls, last;
};

/* Accepts every spend, checking only that the lines come in order. */
static c2d_status check(void *arg, uint64_t line, int release, const uint8_t tx[32], const uint8_t anchor[32],
			struct c2d_err *err)
{
	struct seen *s = arg;
	(void)release, (void)tx, (void)anchor, (void)err;
	assert(line > s->last);
	s->last = line;
	s->calls++;
	return C2D_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_kmslog_summary sum;
	struct c2d_err err = { 0 };
	struct seen seen = { 0 };
	if (c2d_kmslog_verify((const char *)data, size, "log", check, &seen, &sum, &err) != C2D_OK) {
		assert(err.msg[0] != '\0' && strchr(err.msg, '\n') == NULL);
		return 0;
	}
	uint64_t newlines = 0;
	for (size_t i = 0; i < size; i++)
		newlines += data[i] == '\n';
	assert(sum.lines == newlines);
	assert(sum.starts + sum.releases + sum.refusals == sum.lines);
	assert(seen.calls >= sum.releases && seen.calls <= sum.releases + sum.refusals);
	return 0;
}
