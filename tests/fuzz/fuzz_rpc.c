/* libFuzzer target: the JSON-RPC response parser. An accepted response has
 * exactly one of a result or an error; an error's message is one printable
 * line and its revert data, when present, decodes without fault. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "abi.h"
#include "rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_rpc_reply rep;
	if (c2d_rpc_parse_response((const char *)data, size, 1, &rep, NULL) != C2D_OK)
		return 0;
	assert((rep.result != NULL) != rep.is_error);
	for (const char *p = rep.message; *p != '\0'; p++)
		assert(*p >= 0x20 && *p < 0x7f);
	if (rep.has_data) {
		char reason[160];
		c2d_abi_revert_reason(rep.data, rep.data_len, reason, sizeof(reason));
	}
	uint64_t q;
	if (rep.result != NULL && json_is_string(rep.result))
		/* Any answer will do: the fuzzer looks for crashes. */
		c2d_ignore(c2d_rpc_quantity_parse(json_string_value(rep.result), &q, NULL));
	c2d_rpc_reply_free(&rep);
	return 0;
}
