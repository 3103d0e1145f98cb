/* libFuzzer target: the collateral JSON readers (dcap-qvl and Intel PCS
 * forms) and the span scanner. The scanner's span, when the whole input
 * is valid JSON to jansson too, re-parses to the same value as jansson's
 * member; every body a reader keeps lies inside the input for the PCS
 * forms (the exact signed bytes); whatever is accepted evaluates without
 * crashing against an arbitrary TD report. */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "c2d/collateral.h"
#include "collateral_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void span(const char *buf, size_t size, const char *key)
{
	size_t off, len;
	if (c2d_collateral_json_member_span(buf, size, key, "fuzz", &off, &len, NULL) != C2D_OK)
		return;
	assert(off < size && len > 0 && off + len <= size);
	json_t *doc = json_loadb(buf, size, JSON_REJECT_DUPLICATES, NULL);
	if (doc == NULL)
		return;
	json_t *v = json_loadb(buf + off, len, JSON_DECODE_ANY, NULL);
	assert(v != NULL && json_equal(v, json_object_get(doc, key)));
	json_decref(v);
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	uint8_t svn[16] = { 0 }, zero[48] = { 0 };
	struct c2d_td_report td = { .tee_tcb_svn = data, .mrsignerseam = zero, .seam_attributes = zero };
	struct c2d_tcb_result r;
	struct c2d_tcb_info ti;
	struct c2d_qe_identity qi;
	struct c2d_collateral c;

	if (size < 16)
		td.tee_tcb_svn = svn;
	span(buf, size, "tcbInfo");
	if (c2d_collateral_json_parse_pcs_tcb_info(buf, size, "fuzz", &ti, NULL) == C2D_OK) {
		assert(ti.body_len > 0 && ti.body_len <= size &&
		       memmem(data, size, ti.body, ti.body_len) != NULL);
		/* Any verdict will do: the fuzzer looks for crashes. */
		c2d_ignore(c2d_collateral_tcb_info_eval(&ti, ti.fmspc, ti.pceid, svn, 0, &td, ti.issue_date, &r, NULL));
		c2d_collateral_tcb_info_free(&ti);
	}
	if (c2d_collateral_json_parse_pcs_qe_identity(buf, size, "fuzz", &qi, NULL) == C2D_OK) {
		assert(qi.body_len > 0 && qi.body_len <= size);
		c2d_collateral_qe_identity_free(&qi);
	}
	if (c2d_collateral_json_parse_dcapqvl(buf, size, "fuzz", &c, NULL) == C2D_OK) {
		assert(c.tcb_chain != NULL && c.qe_chain != NULL && c.pck_crl_len > 0);
		c2d_collateral_free(&c);
	}
	return 0;
}
