/* libFuzzer target: the sysfs number parser, the one parser of untrusted
 * text in init so far. Checks it against a reference: strtoull on inputs it
 * accepts must agree. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v;
	if (probe_parse_u64((const char *)data, size, &v, NULL) != 0)
		return 0;
	char buf[32];
	assert(size < sizeof(buf));
	memcpy(buf, data, size);
	buf[size] = '\0';
	errno = 0;
	char *end;
	unsigned long long ref = strtoull(buf, &end, 10);
	assert(errno == 0 && ref == v);
	assert(*end == '\0' || (*end == '\n' && end[1] == '\0'));
	assert(buf[0] >= '0' && buf[0] <= '9');
	return 0;
}
