/* libFuzzer target: the TD policy's JSON form and measurements.json
 * (host/attest/tdpolicy_json.c). The input is a policy, then optionally
 * a NUL byte and a measurements file. Whatever parses must keep its
 * invariants (never Revoked, the MRSEAM list within bounds, each register
 * in a known state) and check an arbitrary TD report without crashing. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/tdpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const uint8_t *nul = memchr(data, 0, size);
	size_t plen = nul != NULL ? (size_t)(nul - data) : size;
	struct c2d_td_policy p;
	char *m = NULL;
	if (c2d_tdpolicy_json_parse(buf, plen, "fuzz", &p, &m, NULL) != C2D_OK) {
		assert(m == NULL);
		return 0;
	}
	free(m);
	assert((p.accept & C2D_ACCEPT(C2D_TCB_REVOKED)) == 0 && p.accept != 0);
	assert(p.nmrseam <= C2D_TDPOLICY_MRSEAM_MAX && p.advisories.n <= C2D_ADVISORIES_MAX);
	if (nul != NULL)
		c2d_ignore(c2d_tdpolicy_json_measurements(&p, buf + plen + 1, size - plen - 1, "fuzz", NULL));
	for (int i = 0; i < C2D_TDPOLICY_NREGS; i++)
		assert(p.reg_state[i] == C2D_TDPOLICY_UNSET || p.reg_state[i] == C2D_TDPOLICY_PINNED ||
		       p.reg_state[i] == C2D_TDPOLICY_ANY);
	c2d_ignore(c2d_tdpolicy_complete(&p, "fuzz", NULL));
	/* A report of 48-byte fields cut from whatever follows. */
	static uint8_t zero[64];
	struct c2d_td_report td = { .td_attributes = zero, .xfam = zero, .mrseam = zero, .mrconfigid = zero,
				    .mrowner = zero, .mrownerconfig = zero, .mrtd = zero,
				    .rtmr = { zero, zero, zero, zero } };
	c2d_ignore(c2d_tdpolicy_check_td(&p, &td, NULL));
	c2d_ignore(c2d_tdpolicy_check_tcb(&p, C2D_TCB_UP_TO_DATE, &p.advisories, 17, 17, NULL));
	return 0;
}
