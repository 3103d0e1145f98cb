/* TCB info and QE identity evaluation: see c2d/collateral.h. */
#include "c2d/collateral.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/date.h"

static const char *const status_names[] = {
	[C2D_TCB_UP_TO_DATE] = "UpToDate",
	[C2D_TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
	[C2D_TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
	[C2D_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
	[C2D_TCB_OUT_OF_DATE] = "OutOfDate",
	[C2D_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
	[C2D_TCB_REVOKED] = "Revoked",
};
#define NSTATUS ((int)(sizeof(status_names) / sizeof(status_names[0])))

const char *c2d_collateral_tcb_status_name(int status)
{
	return status >= C2D_TCB_UP_TO_DATE && status < NSTATUS ? status_names[status] : "?";
}

int c2d_collateral_tcb_status_parse(const char *name)
{
	for (int s = C2D_TCB_UP_TO_DATE; s < NSTATUS; s++)
		if (strcmp(name, status_names[s]) == 0)
			return s;
	return 0;
}

void c2d_collateral_tcb_info_free(struct c2d_tcb_info *ti)
{
	free(ti->body);
	for (size_t i = 0; ti->modules != NULL && i < ti->nmodules; i++)
		free(ti->modules[i].levels);
	free(ti->modules);
	free(ti->levels);
	memset(ti, 0, sizeof(*ti));
}

void c2d_collateral_qe_identity_free(struct c2d_qe_identity *qi)
{
	free(qi->body);
	free(qi->levels);
	memset(qi, 0, sizeof(*qi));
}

void c2d_collateral_free(struct c2d_collateral *c)
{
	c2d_collateral_tcb_info_free(&c->tcb);
	c2d_collateral_qe_identity_free(&c->qe);
	free(c->tcb_chain);
	free(c->qe_chain);
	free(c->pck_crl_chain);
	free(c->pck_crl);
	free(c->root_crl);
	memset(c, 0, sizeof(*c));
}

c2d_status c2d_collateral_tcb_info_check_sig(const struct c2d_tcb_info *ti, const uint8_t pub[C2D_P256_PUB_LEN],
				  struct c2d_err *err)
{
	if (ti->body == NULL || c2d_p256_verify_raw(pub, ti->body, ti->body_len, ti->signature, err) < 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"TCB info: signature does not verify with the TCB signing certificate's key");
	return C2D_OK;
}

c2d_status c2d_collateral_qe_identity_check_sig(const struct c2d_qe_identity *qi,
				     const uint8_t pub[C2D_P256_PUB_LEN], struct c2d_err *err)
{
	if (qi->body == NULL || c2d_p256_verify_raw(pub, qi->body, qi->body_len, qi->signature, err) < 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"QE identity: signature does not verify with the TCB signing certificate's key");
	return C2D_OK;
}

/* issueDate <= now < nextUpdate. PCS: a TCB info or identity is valid from
 * its issueDate and must be refreshed by nextUpdate; QVL refuses expired
 * collateral (STATUS_SGX_TCB_INFO_EXPIRED, ..._ENCLAVE_IDENTITY_EXPIRED) and
 * collateral from the future alike. */
static int window(const char *what, int64_t issue, int64_t next, int64_t now,
		  struct c2d_err *err)
{
	char a[C2D_RFC3339_LEN], b[C2D_RFC3339_LEN];
	if (now < issue) {
		c2d_date_rfc3339_format(issue, a);
		c2d_date_rfc3339_format(now, b);
		return c2d_fail(err, C2D_E_REFUSED, "%s: issueDate %s is after now (%s)", what, a, b);
	}
	if (now >= next) {
		c2d_date_rfc3339_format(next, a);
		c2d_date_rfc3339_format(now, b);
		return c2d_fail(err, C2D_E_REFUSED, "%s: expired: nextUpdate %s is not after now (%s)",
				what, a, b);
	}
	return C2D_OK;
}

/* Appends the IDs of src that dst lacks, keeping first-seen order. */
static int add_advisories(struct c2d_advisories *dst, const struct c2d_advisories *src,
			  struct c2d_err *err)
{
	for (size_t i = 0; i < src->n && i < C2D_ADVISORIES_MAX; i++) {
		size_t j = 0;
		while (j < dst->n && strcmp(dst->id[j], src->id[i]) != 0)
			j++;
		if (j < dst->n)
			continue;
		if (dst->n == C2D_ADVISORIES_MAX)
			return c2d_fail(err, C2D_E_INPUT, "more than %d distinct advisory IDs apply",
					C2D_ADVISORIES_MAX);
		memcpy(dst->id[dst->n++], src->id[i], C2D_ADVISORY_LEN);
	}
	return C2D_OK;
}

int c2d_collateral_tcb_converge(int platform, int other)
{
	if (other == C2D_TCB_OUT_OF_DATE) {
		if (platform == C2D_TCB_UP_TO_DATE || platform == C2D_TCB_SW_HARDENING_NEEDED)
			return C2D_TCB_OUT_OF_DATE;
		if (platform == C2D_TCB_CONFIGURATION_NEEDED ||
		    platform == C2D_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
			return C2D_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
	}
	if (other == C2D_TCB_REVOKED)
		return C2D_TCB_REVOKED;
	return platform;
}

c2d_status c2d_collateral_tcb_result_merge(const struct c2d_tcb_result *platform, const struct c2d_tcb_result *qe,
				struct c2d_tcb_result *out, struct c2d_err *err)
{
	if (out != platform)
		*out = *platform;
	out->status = c2d_collateral_tcb_converge(platform->status, qe->status);
	return add_advisories(&out->adv, &qe->adv, err);
}

/* Positive when platform level a lies above b in the order PCS lists
 * them, newest first: SGX components, then PCESVN, then TDX components,
 * compared in that order as QVL sorts its set of levels. */
static int level_cmp(const struct c2d_tcb_level *a, const struct c2d_tcb_level *b)
{
	int c = memcmp(a->sgx_comp, b->sgx_comp, 16);
	if (c == 0)
		c = (int)a->pcesvn - (int)b->pcesvn;
	if (c == 0)
		c = memcmp(a->tdx_comp, b->tdx_comp, 16);
	return c;
}

/* The evaluations take the first level that matches, so each level must
 * lie strictly below the one before it: in that order no level can be
 * shadowed by a lower one that any platform meeting it also meets (a
 * level component-wise at or below another compares below it). QVL sorts
 * the levels; c2d refuses a list that is not already sorted rather than
 * guess which order Intel signed. what names the list in messages. */
static int check_descending(const char *what, size_t i, int ok, struct c2d_err *err)
{
	if (ok)
		return C2D_OK;
	return c2d_fail(err, C2D_E_REFUSED,
			"%s: tcbLevels[%zu] is not below tcbLevels[%zu]: levels must be in descending order",
			what, i, i - 1);
}

/* The TDX module check (QVL QuoteVerifier.cpp 4.1.2.4.11 and
 * TdxModuleCheck.cpp): for a module of major version v = tee_tcb_svn[1] > 0
 * the expected MRSIGNER and attributes come from tdxModuleIdentities
 * "TDX_%02X" (ids compared in upper case, as QVL does), whose first level
 * with isvsvn <= tee_tcb_svn[0] gives the module's status; for v = 0 they
 * come from tdxModule and the module adds no status. */
static int check_module(const struct c2d_tcb_info *ti, const struct c2d_td_report *td,
			struct c2d_tcb_result *mod, struct c2d_err *err)
{
	const uint8_t svn = td->tee_tcb_svn[0], version = td->tee_tcb_svn[1];
	const uint8_t *mrsigner = ti->tdx_module.mrsigner, *attributes = ti->tdx_module.attributes;
	const struct c2d_tdx_module_identity *m = NULL;
	char want[C2D_TDX_MODULE_ID_LEN];

	memset(mod, 0, sizeof(*mod));
	mod->status = C2D_TCB_UP_TO_DATE;
	snprintf(want, sizeof(want), "TDX_%02X", version);
	if (version > 0) {
		for (size_t i = 0; i < ti->nmodules && m == NULL; i++) {
			char id[C2D_TDX_MODULE_ID_LEN];
			size_t k = 0;
			for (; k + 1 < sizeof(id) && ti->modules[i].id[k] != '\0'; k++) {
				char c = ti->modules[i].id[k];
				id[k] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
			}
			id[k] = '\0';
			if (strcmp(id, want) == 0)
				m = &ti->modules[i];
		}
		if (m == NULL)
			return c2d_fail(err, C2D_E_REFUSED,
					"TCB info: no tdxModuleIdentities entry %s for the quote's TDX module "
					"(tee_tcb_svn[1] = %u)", want, version);
		mrsigner = m->mrsigner;
		attributes = m->attributes;
	}
	if (memcmp(td->mrsignerseam, mrsigner, 48) != 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"TCB info: the quote's MRSIGNERSEAM differs from the mrsigner of %s",
				m != NULL ? want : "tdxModule");
	/* QVL 4.1.2.4.11.2 requires SEAMATTRIBUTES to be zero and equal to
	 * the expected attributes, byte by byte; it does not apply
	 * attributesMask (all ones in every TCB info published so far). */
	for (int i = 0; i < 8; i++)
		if (td->seam_attributes[i] != 0 || td->seam_attributes[i] != attributes[i])
			return c2d_fail(err, C2D_E_REFUSED,
					"TCB info: the quote's SEAMATTRIBUTES byte %d is %u; %s expects zero attributes",
					i, td->seam_attributes[i], m != NULL ? want : "tdxModule");
	if (m == NULL)
		return C2D_OK;
	char what[32];
	snprintf(what, sizeof(what), "TCB info: %s", want);
	for (size_t i = 1; i < m->nlevels && i < C2D_TCB_LEVELS_MAX; i++) {
		int r = check_descending(what, i, m->levels[i].isvsvn < m->levels[i - 1].isvsvn, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < m->nlevels && i < C2D_TCB_LEVELS_MAX; i++) {
		if (svn >= m->levels[i].isvsvn) {
			mod->status = m->levels[i].status;
			mod->tcb_date = m->levels[i].tcb_date;
			return add_advisories(&mod->adv, &m->levels[i].adv, err);
		}
	}
	return c2d_fail(err, C2D_E_REFUSED,
			"TCB info: %s: no TCB level matches module ISVSVN %u: the TDX module is below every level",
			want, svn);
}

c2d_status c2d_collateral_tcb_info_eval(const struct c2d_tcb_info *ti, const uint8_t fmspc[6],
			     const uint8_t pceid[2], const uint8_t cpu_comp_svn[16], uint16_t pcesvn,
			     const struct c2d_td_report *td, int64_t now, struct c2d_tcb_result *out,
			     struct c2d_err *err)
{
	int r;
	struct c2d_tcb_result mod;
	memset(out, 0, sizeof(*out));

	/* QVL 4.1.2.4.9: a TDX quote needs a TDX TCB info, version 3. */
	if (strcmp(ti->id, "TDX") != 0 || ti->version != 3)
		return c2d_fail(err, C2D_E_REFUSED,
				"TCB info: id \"%s\" version %d; a TDX quote needs id \"TDX\" version 3",
				ti->id, ti->version);
	if ((r = window("TCB info", ti->issue_date, ti->next_update, now, err)) < 0)
		return r;
	/* QVL 4.1.2.4.10: the TCB info is for this platform's FMSPC and PCE. */
	if (memcmp(ti->fmspc, fmspc, 6) != 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"TCB info: fmspc %02X%02X%02X%02X%02X%02X is not the PCK certificate's %02X%02X%02X%02X%02X%02X",
				ti->fmspc[0], ti->fmspc[1], ti->fmspc[2], ti->fmspc[3], ti->fmspc[4],
				ti->fmspc[5], fmspc[0], fmspc[1], fmspc[2], fmspc[3], fmspc[4], fmspc[5]);
	if (memcmp(ti->pceid, pceid, 2) != 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"TCB info: pceId %02X%02X is not the PCK certificate's %02X%02X",
				ti->pceid[0], ti->pceid[1], pceid[0], pceid[1]);
	if (ti->tcb_type != 0)
		return c2d_fail(err, C2D_E_REFUSED,
				"TCB info: tcbType %d; only type 0 (component-wise SVN comparison) is defined",
				ti->tcb_type);
	if (ti->nlevels > C2D_TCB_LEVELS_MAX || ti->nmodules > C2D_TDX_MODULES_MAX)
		return c2d_fail(err, C2D_E_INPUT, "TCB info: more levels or modules than c2d accepts");
	for (size_t i = 1; i < ti->nlevels; i++)
		if ((r = check_descending("TCB info", i, level_cmp(&ti->levels[i - 1], &ti->levels[i]) > 0,
					  err)) < 0)
			return r;
	if ((r = check_module(ti, td, &mod, err)) < 0)
		return r;

	/* QVL TcbLevelCheck.cpp matchTcbLevels, 4.1.2.4.17.1-3: the first level
	 * (PCS lists them from the newest down) whose every SGX component and
	 * PCESVN are at or below the PCK certificate's, and whose TDX
	 * components are at or below the TD report's TEE_TCB_SVN. A level
	 * that matches on SGX alone does not stop the walk: the platform's
	 * status is the status of the level that matches both. */
	const int from = td->tee_tcb_svn[1] > 0 ? 2 : 0;
	for (size_t i = 0; i < ti->nlevels; i++) {
		const struct c2d_tcb_level *l = &ti->levels[i];
		int ok = pcesvn >= l->pcesvn;
		for (int k = 0; k < 16 && ok; k++)
			ok = cpu_comp_svn[k] >= l->sgx_comp[k];
		for (int k = from; k < 16 && ok; k++)
			ok = td->tee_tcb_svn[k] >= l->tdx_comp[k];
		if (!ok)
			continue;
		/* QVL convergeTcbStatusWithTdxModuleStatus: the same rule as
		 * for the QE. */
		out->status = c2d_collateral_tcb_converge(l->status, mod.status);
		out->tcb_date = l->tcb_date;
		if ((r = add_advisories(&out->adv, &l->adv, err)) < 0 ||
		    (r = add_advisories(&out->adv, &mod.adv, err)) < 0)
			return r;
		return C2D_OK;
	}
	return c2d_fail(err, C2D_E_REFUSED,
			"TCB info: no TCB level matches: the platform's TCB is below every level "
			"(QVL: TCB_NOT_SUPPORTED)");
}

c2d_status c2d_collateral_qe_identity_eval(const struct c2d_qe_identity *qi, const struct c2d_sgx_report *qe,
				int64_t now, struct c2d_tcb_result *out, struct c2d_err *err)
{
	int r;
	memset(out, 0, sizeof(*out));
	/* QVL QuoteVerifier.cpp 4.1.2.4.14: a TDX quote's QE is the TD_QE,
	 * described by an identity of version 2. */
	if (strcmp(qi->id, "TD_QE") != 0 || qi->version != 2)
		return c2d_fail(err, C2D_E_REFUSED,
				"QE identity: id \"%s\" version %d; a TDX quote needs id \"TD_QE\" version 2",
				qi->id, qi->version);
	if ((r = window("QE identity", qi->issue_date, qi->next_update, now, err)) < 0)
		return r;
	/* QVL EnclaveReportVerifier.cpp 4.1.2.9.5-8. */
	if ((qe->miscselect & qi->miscselect_mask) != qi->miscselect)
		return c2d_fail(err, C2D_E_REFUSED,
				"QE identity: QE report MISCSELECT %08X under mask %08X is not %08X",
				(unsigned)qe->miscselect, (unsigned)qi->miscselect_mask,
				(unsigned)qi->miscselect);
	for (int i = 0; i < 16; i++)
		if ((qe->attributes[i] & qi->attributes_mask[i]) != qi->attributes[i])
			return c2d_fail(err, C2D_E_REFUSED,
					"QE identity: QE report ATTRIBUTES byte %d under mask is %02X, not %02X",
					i, qe->attributes[i] & qi->attributes_mask[i], qi->attributes[i]);
	if (memcmp(qe->mrsigner, qi->mrsigner, 32) != 0)
		return c2d_fail(err, C2D_E_REFUSED, "QE identity: QE report MRSIGNER differs from mrsigner");
	if (qe->isvprodid != qi->isvprodid)
		return c2d_fail(err, C2D_E_REFUSED, "QE identity: QE report ISVPRODID %u is not isvprodid %u",
				qe->isvprodid, qi->isvprodid);
	/* 4.1.2.9.9-10 (EnclaveIdentityV2::getTcbStatus): the first level at
	 * or below the report's ISVSVN; none is "not supported". */
	if (qi->nlevels > C2D_TCB_LEVELS_MAX)
		return c2d_fail(err, C2D_E_INPUT, "QE identity: more levels than c2d accepts");
	for (size_t i = 1; i < qi->nlevels; i++)
		if ((r = check_descending("QE identity", i, qi->levels[i].isvsvn < qi->levels[i - 1].isvsvn,
					  err)) < 0)
			return r;
	for (size_t i = 0; i < qi->nlevels && i < C2D_TCB_LEVELS_MAX; i++) {
		if (qe->isvsvn >= qi->levels[i].isvsvn) {
			out->status = qi->levels[i].status;
			out->tcb_date = qi->levels[i].tcb_date;
			return add_advisories(&out->adv, &qi->levels[i].adv, err);
		}
	}
	return c2d_fail(err, C2D_E_REFUSED,
			"QE identity: no TCB level matches QE ISVSVN %u: the QE is below every level",
			qe->isvsvn);
}
