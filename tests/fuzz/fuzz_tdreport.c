/* libFuzzer target: the TDREPORT parser. It accepts exactly the 1024-byte
 * reports of type TDX (0x81, subtype 0, version 0 or 1), and every field
 * it returns lies inside the input at its fixed offset. */
#include <assert.h>
#include <stdint.h>

#include "c2d/tdxguest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN(p, n) assert((p) >= data && (p) + (n) <= data + size)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_tdreport r;
	struct c2d_err err;
	int ok = c2d_tdxguest_report_parse(data, size, &r, &err) == C2D_OK;
	int want = size == 1024 && data[0] == 0x81 && data[1] == 0 && data[2] <= 1;
	assert(ok == want);
	if (!ok)
		return 0;
	IN(r.cpusvn, 16);
	IN(r.mac, 32);
	IN(r.tee_tcb_info, 239);
	IN(r.tdinfo, 512);
	IN(r.td.report_data, 64);
	IN(r.td.tee_tcb_svn2, 16);
	IN(r.td.mrservicetd, 48);
	for (int i = 0; i < 4; i++)
		IN(r.td.rtmr[i], 48);
	/* Report data is where TDG.MR.REPORT puts it, and TDINFO follows
	 * TEE_TCB_INFO and its 17 reserved bytes. */
	assert(r.td.report_data == data + 128);
	assert(r.tdinfo == r.tee_tcb_info + 239 + 17);
	assert(r.td.td_attributes == r.tdinfo && r.td.rtmr[3] + 48 == r.td.mrservicetd);
	return 0;
}
