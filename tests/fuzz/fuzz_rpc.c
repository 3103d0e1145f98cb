/* libFuzzer target: the JSON-RPC response parser. An accepted response has
 * exactly one of a result or an error; an error's message is one printable
 * line and its revert data, when present, decodes without fault. A result
 * object is also parsed as a receipt with its logs, an array as logs (the
 * Released events the KMS's anchors are checked against): at most 4
 * topics each, a status of 0 or 1. */
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
	struct c2d_receipt rc;
	struct c2d_log *logs = NULL;
	size_t n = 0;
	int st = C2D_E_INPUT;
	if (json_is_object(rep.result) && (st = c2d_rpc_receipt_parse(rep.result, &rc, &logs, &n, NULL)) == 0)
		assert(rc.status == 0 || rc.status == 1);
	else if (json_is_array(rep.result))
		st = c2d_rpc_logs_parse(rep.result, &logs, &n, NULL);
	for (size_t i = 0; st == 0 && i < n; i++)
		assert(logs[i].ntopics <= 4 && (logs[i].data != NULL || logs[i].data_len == 0));
	if (st == 0)
		c2d_rpc_logs_free(logs, n);
	c2d_rpc_reply_free(&rep);
	return 0;
}
