/* The TD policy's defaults and checks: see c2d/tdpolicy.h. The JSON
 * form is host/attest/tdpolicy_json.c. */
#include "c2d/tdpolicy.h"

#include <stdio.h>
#include <string.h>

#include "c2d/hex.h"

void c2d_tdpolicy_default(struct c2d_td_policy *p)
{
	static const uint8_t attributes[8] = C2D_TDPOLICY_TD_ATTRIBUTES, xfam[8] = C2D_TDPOLICY_XFAM;
	memset(p, 0, sizeof(*p));
	p->accept = C2D_ACCEPT(C2D_TCB_UP_TO_DATE);
	p->min_tcb_eval = C2D_TDPOLICY_MIN_TCB_EVAL;
	memcpy(p->td_attributes, attributes, 8);
	memcpy(p->xfam, xfam, 8);
}

const char *c2d_tdpolicy_reg_name(int i)
{
	static const char *const names[C2D_TDPOLICY_NREGS] = { "MRTD", "RTMR0", "RTMR1", "RTMR2" };
	return i >= 0 && i < C2D_TDPOLICY_NREGS ? names[i] : "?";
}

c2d_status c2d_tdpolicy_check_tcb(const struct c2d_td_policy *p, int status,
				  const struct c2d_advisories *adv, uint32_t tcb_eval, uint32_t qe_eval,
				  struct c2d_err *err)
{
	/* Signed collateral stays valid until its nextUpdate even after
	 * Intel has published newer collateral for a TCB recovery; only a
	 * floor on the evaluation number refuses it. */
	if (tcb_eval < p->min_tcb_eval)
		return c2d_fail(err, C2D_E_REFUSED,
				"policy: TCB info tcbEvaluationDataNumber %u is below the minimum %u",
				(unsigned)tcb_eval, (unsigned)p->min_tcb_eval);
	if (qe_eval < p->min_tcb_eval)
		return c2d_fail(err, C2D_E_REFUSED,
				"policy: QE identity tcbEvaluationDataNumber %u is below the minimum %u",
				(unsigned)qe_eval, (unsigned)p->min_tcb_eval);
	if (status == C2D_TCB_REVOKED || status <= 0 || status >= 32 ||
	    (p->accept & C2D_ACCEPT(status)) == 0)
		return c2d_fail(err, C2D_E_REFUSED, "policy: TCB status %s is not accepted%s",
				c2d_collateral_tcb_status_name(status), adv->n > 0 ? " (see the advisories)" : "");
	for (size_t i = 0; i < adv->n && i < C2D_ADVISORIES_MAX; i++) {
		size_t j = 0;
		while (j < p->advisories.n && strcmp(p->advisories.id[j], adv->id[i]) != 0)
			j++;
		if (j == p->advisories.n)
			return c2d_fail(err, C2D_E_REFUSED, "policy: advisory %s applies and is not accepted",
					adv->id[i]);
	}
	return C2D_OK;
}

/* The TD attributes' named bits (Intel TDX module ABI, TDATTRIBUTES;
 * the names Linux uses in arch/x86/include/asm/shared/tdx.h). */
static const struct {
	int bit;
	const char *name;
} attribute_bits[] = {
	{ 0, "DEBUG" }, { 4, "HGS_PLUS_PROF" }, { 5, "PERF_PROF" }, { 6, "PMT_PROF" },
	{ 16, "ICSSD" }, { 27, "LASS" }, { 28, "SEPT_VE_DISABLE" }, { 29, "MIGRATABLE" },
	{ 30, "PKS" }, { 31, "KL" }, { 62, "TPA" }, { 63, "PERFMON" },
};

/* "DEBUG, bit 7" for the bits in which a and b differ. */
static void attribute_diff(const uint8_t a[8], const uint8_t b[8], char *out, size_t n)
{
	size_t k = 0;
	out[0] = '\0';
	for (int bit = 0; bit < 64 && k < n; bit++) {
		if (((a[bit / 8] ^ b[bit / 8]) >> (bit % 8) & 1) == 0)
			continue;
		const char *name = NULL;
		for (size_t i = 0; i < sizeof(attribute_bits) / sizeof(attribute_bits[0]); i++)
			if (attribute_bits[i].bit == bit)
				name = attribute_bits[i].name;
		int w = name != NULL ? snprintf(out + k, n - k, "%s%s", k ? ", " : "", name)
				     : snprintf(out + k, n - k, "%sbit %d", k ? ", " : "", bit);
		k += w > 0 ? (size_t)w : 0;
	}
}

/* One field of the TD report against the policy. */
struct field {
	const char *name;
	const uint8_t *got, *want;
	size_t len;
};

c2d_status c2d_tdpolicy_check_td(const struct c2d_td_policy *p, const struct c2d_td_report *td,
				 struct c2d_err *err)
{
	struct field f[6 + C2D_TDPOLICY_NREGS];
	size_t n = 0;
	f[n++] = (struct field){ "TDATTRIBUTES", td->td_attributes, p->td_attributes, 8 };
	f[n++] = (struct field){ "XFAM", td->xfam, p->xfam, 8 };
	/* MRSEAM: equal to one of the list, or any when it is empty. */
	const uint8_t *mrseam = td->mrseam;
	for (size_t i = 0; i < p->nmrseam && i < C2D_TDPOLICY_MRSEAM_MAX; i++)
		if (memcmp(td->mrseam, p->mrseam[i], 48) == 0)
			mrseam = NULL;
	if (p->nmrseam > 0 && mrseam != NULL)
		f[n++] = (struct field){ "MRSEAM", td->mrseam, p->mrseam[0], 48 };
	f[n++] = (struct field){ "MRCONFIGID", td->mrconfigid, p->mrconfigid, 48 };
	f[n++] = (struct field){ "MROWNER", td->mrowner, p->mrowner, 48 };
	f[n++] = (struct field){ "MROWNERCONFIG", td->mrownerconfig, p->mrownerconfig, 48 };
	const uint8_t *regs[C2D_TDPOLICY_NREGS] = { td->mrtd, td->rtmr[0], td->rtmr[1], td->rtmr[2] };
	for (int i = 0; i < C2D_TDPOLICY_NREGS; i++)
		if (p->reg_state[i] == C2D_TDPOLICY_PINNED)
			f[n++] = (struct field){ c2d_tdpolicy_reg_name(i), regs[i], p->reg[i], 48 };

	const struct field *first = NULL;
	char others[96] = "";
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (memcmp(f[i].got, f[i].want, f[i].len) == 0)
			continue;
		if (first == NULL) {
			first = &f[i];
		} else if (k < sizeof(others)) {
			int w = snprintf(others + k, sizeof(others) - k, "%s%s", k ? ", " : "", f[i].name);
			k += w > 0 ? (size_t)w : 0;
		}
	}
	if (first == NULL)
		return C2D_OK;
	/* 8 bytes in full; a 48-byte register by the 8 bytes where it first
	 * differs, so that the message stays one line and shows the change. */
	size_t at = 0;
	while (at < first->len && first->got[at] == first->want[at])
		at++;
	at = first->len > 8 ? at / 8 * 8 : 0;
	char got[17], want[17], where[64] = "", bits[80] = "";
	c2d_hex(first->got + at, 8, got);
	c2d_hex(first->want + at, 8, want);
	if (first->len > 8)
		snprintf(where, sizeof(where), " bytes %zu-%zu", at, at + 7);
	if (first->got == td->td_attributes) {
		char diff[64];
		attribute_diff(first->got, first->want, diff, sizeof(diff));
		snprintf(bits, sizeof(bits), " (differs in %s)", diff);
	}
	const char *what = first->want == p->mrseam[0] && p->nmrseam > 1 ? "the first of the policy's"
									     : "the policy's";
	return c2d_fail(err, C2D_E_REFUSED, "TD policy: %s%s %s are not %s %s%s%s%s%s", first->name, where,
			got, what, want, bits, k ? "; also " : "", others, k ? " differ" : "");
}

c2d_status c2d_tdpolicy_complete(const struct c2d_td_policy *p, const char *name, struct c2d_err *err)
{
	static const char *const keys[C2D_TDPOLICY_NREGS] = { "mrtd", "rtmr0", "rtmr1", "rtmr2" };
	for (int i = 0; i < C2D_TDPOLICY_NREGS; i++)
		if (p->reg_state[i] != C2D_TDPOLICY_PINNED && p->reg_state[i] != C2D_TDPOLICY_ANY)
			return c2d_fail(err, C2D_E_INPUT,
					"%s: %s is not pinned: set \"%s\" (hex, or \"any\") or name a measurements file that has it",
					name, c2d_tdpolicy_reg_name(i), keys[i]);
	return C2D_OK;
}
