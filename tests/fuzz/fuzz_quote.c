/* libFuzzer target: the TDX quote parser. Everything it returns lies
 * inside the input, and what it signs over is the header and body. */
#include <assert.h>
#include <stdint.h>

#include "c2d/tdxquote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN(p, n) assert((p) >= data && (p) + (n) <= data + size)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_tdx_quote q;
	if (c2d_tdxquote_parse(data, size, &q, NULL) != C2D_OK)
		return 0;
	IN(q.td.report_data, 64);
	IN(q.td.rtmr[3], 48);
	IN(q.signature, 64);
	IN(q.att_key, 64);
	IN(q.qe_report.raw, 384);
	IN(q.qe_report_sig, 64);
	IN(q.qe_auth, q.qe_auth_len);
	IN(q.pck_chain, q.pck_chain_len);
	assert(q.used <= size && q.signed_len < q.used);
	assert(q.body_type == 2 || q.body_type == 3);
	return 0;
}
