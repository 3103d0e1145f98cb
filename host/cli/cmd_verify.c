/*
 * c2d quote verify: verifies a TDX quote with Intel's collateral
 * (host/attest/tdxverify.c) and prints the verdict, the TCB status, the
 * registers and report_data. The only place where the verifier's notion of
 * "now" may come from the clock: --now pins it, for audits and tests.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "c2d/date.h"
#include "c2d/hex.h"
#include "c2d/tdpolicy.h"
#include "c2d/tdxverify.h"
#include "c2d/x509.h"
#include "cli.h"
#include "collateral_json.h"
#include "fsutil.h"
#include "jsonout.h"

static const char help[] =
	"usage: c2d quote verify --quote FILE\n"
	"           [--collateral FILE | --tcb-info FILE --qe-identity FILE --pck-crl FILE\n"
	"            --root-crl FILE --tcb-chain FILE --qe-chain FILE [--pck-crl-chain FILE]]\n"
	"           [--root FILE] [--allow-simulated] [--policy FILE | --accept STATUS,...]\n"
	"           [--now RFC3339] [--json]\n"
	"\n"
	"Verifies a TDX quote (v4 or v5) the way Intel's quote verification library\n"
	"does: the PCK certificate chain to the Intel SGX Root CA, the root CA and PCK\n"
	"CRLs, the QE report and its binding of the attestation key, the quote's\n"
	"signature, the signed TCB info and QE identity, then the TCB level, then the\n"
	"policy: TCB statuses, advisories, collateral freshness and the TD's fields.\n"
	"A debug TD is refused from the quote alone.\n"
	"\n"
	"  --collateral FILE   collateral in the JSON layout of dcap-qvl (also what\n"
	"                      'c2d sim-quoter collateral' writes)\n"
	"  --tcb-info FILE ... the same as separate files: Intel PCS responses (JSON),\n"
	"                      CRLs (DER) and issuer chains (PEM)\n"
	"  --root FILE         trust anchor (DER or PEM); default: the pinned Intel SGX\n"
	"                      Root CA. Another root is trusted only with --allow-simulated\n"
	"  --allow-simulated   accept a simulation root (c2d sim-quoter); the output says so\n"
	"  --policy FILE       TD policy (JSON; docs/attestation.md, \"TD policy\"): TCB\n"
	"                      statuses, advisories, minimum TCB evaluation number, TD\n"
	"                      attributes, XFAM, MRSEAM, MRCONFIGID, MROWNER(CONFIG),\n"
	"                      MRTD and RTMR0-2. Without it: the strict defaults, and\n"
	"                      MRTD and RTMR0-2 are not checked (the output says so)\n"
	"  --accept LIST       acceptable TCB statuses with the default policy\n"
	"                      (default UpToDate)\n"
	"  --now TIME          verify at this instant (YYYY-MM-DDTHH:MM:SSZ), not the clock's\n"
	"  --json              print the result as JSON\n"
	"\n"
	"Exit status: 0 verified and accepted; 1 refused (the line names the failed\n"
	"step); 2 usage; 3 malformed input; 4 unreadable file.\n";

#define MAX_INPUT (4u << 20)

struct opts {
	const char *quote, *collateral, *root, *accept, *now, *policy;
	struct c2d_collateral_paths files;
	int allow_simulated, json;
};

static int parse_args(int argc, char **argv, struct opts *o, struct c2d_err *err)
{
	static const struct option longopts[] = {
		{ "quote", required_argument, 0, 'q' },
		{ "collateral", required_argument, 0, 'c' },
		{ "tcb-info", required_argument, 0, 't' },
		{ "qe-identity", required_argument, 0, 'e' },
		{ "pck-crl", required_argument, 0, 'p' },
		{ "root-crl", required_argument, 0, 'r' },
		{ "tcb-chain", required_argument, 0, 'T' },
		{ "qe-chain", required_argument, 0, 'E' },
		{ "pck-crl-chain", required_argument, 0, 'P' },
		{ "root", required_argument, 0, 'R' },
		{ "allow-simulated", no_argument, 0, 's' },
		{ "accept", required_argument, 0, 'a' },
		{ "policy", required_argument, 0, 'o' },
		{ "now", required_argument, 0, 'n' },
		{ "json", no_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int c;
	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': o->quote = optarg; break;
		case 'c': o->collateral = optarg; break;
		case 't': o->files.tcb_info = optarg; break;
		case 'e': o->files.qe_identity = optarg; break;
		case 'p': o->files.pck_crl = optarg; break;
		case 'r': o->files.root_crl = optarg; break;
		case 'T': o->files.tcb_chain = optarg; break;
		case 'E': o->files.qe_chain = optarg; break;
		case 'P': o->files.pck_crl_chain = optarg; break;
		case 'R': o->root = optarg; break;
		case 's': o->allow_simulated = 1; break;
		case 'a': o->accept = optarg; break;
		case 'o': o->policy = optarg; break;
		case 'n': o->now = optarg; break;
		case 'j': o->json = 1; break;
		case 'h': fputs(help, stdout); return 1;
		default: return c2d_fail(err, C2D_E_USAGE, "see 'c2d quote verify --help'");
		}
	}
	if (optind != argc)
		return c2d_fail(err, C2D_E_USAGE, "unexpected argument '%s'; see 'c2d quote verify --help'",
				argv[optind]);
	if (o->quote == NULL)
		return c2d_fail(err, C2D_E_USAGE, "--quote FILE is required");
	if (o->policy != NULL && o->accept != NULL)
		return c2d_fail(err, C2D_E_USAGE, "--accept applies to the default policy; a --policy file "
				"lists its own tcb_statuses");
	const struct c2d_collateral_paths *f = &o->files;
	int nfiles = !!f->tcb_info + !!f->qe_identity + !!f->pck_crl + !!f->root_crl +
		     !!f->tcb_chain + !!f->qe_chain;
	if (o->collateral != NULL && (nfiles > 0 || f->pck_crl_chain != NULL))
		return c2d_fail(err, C2D_E_USAGE, "--collateral and the separate collateral files exclude each other");
	if (nfiles != 0 && nfiles != 6)
		return c2d_fail(err, C2D_E_USAGE,
				"separate collateral needs all of --tcb-info --qe-identity --pck-crl --root-crl --tcb-chain --qe-chain");
	return C2D_OK;
}

/* "UpToDate,OutOfDate" → C2D_ACCEPT bits. */
static int parse_accept(const char *list, unsigned *out, struct c2d_err *err)
{
	char buf[256];
	if (strlen(list) >= sizeof(buf))
		return c2d_fail(err, C2D_E_USAGE, "--accept: list too long");
	strcpy(buf, list);
	*out = 0;
	for (char *save = NULL, *s = strtok_r(buf, ",", &save); s != NULL; s = strtok_r(NULL, ",", &save)) {
		int st = c2d_collateral_tcb_status_parse(s);
		if (st == 0)
			return c2d_fail(err, C2D_E_USAGE, "--accept: unknown TCB status '%s'", s);
		if (st == C2D_TCB_REVOKED)
			return c2d_fail(err, C2D_E_USAGE, "--accept: Revoked is never acceptable");
		*out |= C2D_ACCEPT(st);
	}
	if (*out == 0)
		return c2d_fail(err, C2D_E_USAGE, "--accept: empty list");
	return C2D_OK;
}

/* The root as DER, from a DER or PEM file. *der is malloc'd. */
c2d_status c2d_cmd_verify_read_root(const char *path, uint8_t **der, size_t *len, struct c2d_err *err)
{
	uint8_t *buf;
	size_t n;
	struct c2d_x509 cert;
	int r = c2d_fs_read_file(path, 1u << 16, &buf, &n, err);
	if (r < 0)
		return r;
	if (n >= 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
		struct c2d_pem_chain pem;
		r = c2d_x509_pem_chain_decode((const char *)buf, n, &pem, err);
		free(buf);
		if (r < 0) {
			c2d_err_prefix(err, "%s", path);
			return r;
		}
		if (pem.n != 1) {
			c2d_x509_pem_chain_free(&pem);
			return c2d_fail(err, C2D_E_INPUT, "%s: a root file holds one certificate, not %zu",
					path, pem.n);
		}
		n = pem.len[0];
		buf = malloc(n);
		if (buf != NULL)
			memcpy(buf, pem.buf + pem.off[0], n);
		c2d_x509_pem_chain_free(&pem);
		if (buf == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	/* What is no certificate is malformed input (exit 3), not a root
	 * that the verifier would call "not the Intel SGX Root CA". */
	if ((r = c2d_x509_parse(buf, n, &cert, err)) < 0) {
		free(buf);
		c2d_err_prefix(err, "%s: not an X.509 certificate", path);
		return r;
	}
	*der = buf;
	*len = n;
	return C2D_OK;
}

static int load_collateral(const struct opts *o, struct c2d_collateral *col, int *have,
			   struct c2d_err *err)
{
	int r;
	*have = 0;
	if (o->collateral != NULL) {
		uint8_t *buf;
		size_t n;
		if ((r = c2d_fs_read_file(o->collateral, MAX_INPUT, &buf, &n, err)) < 0)
			return r;
		r = c2d_collateral_json_parse_dcapqvl((const char *)buf, n, o->collateral, col, err);
		free(buf);
		if (r < 0)
			return r;
		*have = 1;
	} else if (o->files.tcb_info != NULL) {
		if ((r = c2d_collateral_json_load_files(&o->files, col, err)) < 0)
			return r;
		*have = 1;
	}
	return C2D_OK;
}

static json_t *hexj(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	c2d_hex(p, n, buf);
	return json_string(buf);
}

static json_t *result_json(const struct c2d_tdx_quote *q, const struct c2d_verify_result *res,
			   int verified, const char *error, int64_t now, const char *policy)
{
	char date[C2D_RFC3339_LEN], at[C2D_RFC3339_LEN];
	c2d_date_rfc3339_format(now, at);
	json_t *adv = json_array();
	for (size_t i = 0; i < res->adv.n; i++)
		json_array_append_new(adv, json_string(res->adv.id[i]));
	json_t *rtmr = json_array();
	for (int i = 0; i < 4; i++)
		json_array_append_new(rtmr, hexj(q->td.rtmr[i], 48));
	json_t *root = json_pack("{s:b, s:o, s:b, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
				 "verified", verified,
				 "error", error != NULL ? json_string(error) : json_null(),
				 "simulated", res->simulated, "signatures_ok", res->signatures_ok,
				 "now", at,
				 "status", res->status ? json_string(c2d_collateral_tcb_status_name(res->status)) : json_null(),
				 "platform_status", res->platform_status ?
					json_string(c2d_collateral_tcb_status_name(res->platform_status)) : json_null(),
				 "qe_status", res->qe_status ?
					json_string(c2d_collateral_tcb_status_name(res->qe_status)) : json_null(),
				 "advisories", adv,
				 "mrtd", hexj(q->td.mrtd, 48), "rtmr", rtmr,
				 "report_data", hexj(q->td.report_data, 64),
				 "mrconfigid", hexj(q->td.mrconfigid, 48),
				 "td_attributes", hexj(q->td.td_attributes, 8),
				 "debug", c2d_tdxquote_is_debug(&q->td));
	json_object_set_new(root, "policy", policy != NULL ? json_string(policy) : json_null());
	if (res->status != 0) {
		c2d_date_rfc3339_format(res->tcb_date, date);
		json_object_set_new(root, "tcb_date", json_string(date));
	}
	if (res->signatures_ok) {
		json_object_set_new(root, "fmspc", hexj(res->pck.fmspc, 6));
		json_object_set_new(root, "pceid", hexj(res->pck.pceid, 2));
	}
	return root;
}

static void print_text(const json_t *j)
{
	const char *error = json_string_value(json_object_get(j, "error"));
	printf("verified      %s\n", json_is_true(json_object_get(j, "verified")) ? "yes" : "NO");
	if (error != NULL)
		printf("refused       %s\n", error);
	printf("root          %s\n", json_is_true(json_object_get(j, "simulated")) ?
	       "simulated (c2d sim-quoter: NOT Intel, no hardware behind it)" : "Intel SGX Root CA");
	printf("at            %s\n", json_string_value(json_object_get(j, "now")));
	const char *policy = json_string_value(json_object_get(j, "policy"));
	printf("policy        %s\n", policy != NULL ? policy :
	       "defaults; MRTD and RTMR0-2 NOT checked (--policy)");
	static const char *const status_keys[][2] = {
		{ "status", "status" }, { "platform_status", "platform" }, { "qe_status", "qe" },
		{ "tcb_date", "tcb date" }, { "fmspc", "fmspc" }, { "pceid", "pceid" },
	};
	for (size_t i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++) {
		const char *v = json_string_value(json_object_get(j, status_keys[i][0]));
		if (v != NULL)
			printf("%-13s %s\n", status_keys[i][1], v);
	}
	json_t *adv = json_object_get(j, "advisories");
	if (json_array_size(adv) > 0) {
		printf("advisories   ");
		for (size_t i = 0; i < json_array_size(adv); i++)
			printf(" %s", json_string_value(json_array_get(adv, i)));
		printf("\n");
	}
	static const char *const regs[] = { "mrtd", "mrconfigid", "td_attributes", "report_data" };
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		printf("%-13s %s\n", regs[i], json_string_value(json_object_get(j, regs[i])));
	for (size_t i = 0; i < 4; i++)
		printf("rtmr%zu         %s\n", i,
		       json_string_value(json_array_get(json_object_get(j, "rtmr"), i)));
}

c2d_status c2d_cmd_verify(int argc, char **argv, struct c2d_err *err)
{
	struct opts o;
	int r = parse_args(argc, argv, &o, err);
	if (r != C2D_OK)
		return r < 0 ? r : C2D_OK;

	struct c2d_verify_policy pol = { 0 };
	struct c2d_td_policy td;
	int64_t now;
	c2d_tdpolicy_default(&td);
	pol.td = &td;
	if (o.accept != NULL && (r = parse_accept(o.accept, &td.accept, err)) < 0)
		return r;
	if (o.policy != NULL && (r = c2d_tdpolicy_json_load(o.policy, &td, err)) < 0)
		return r;
	if (o.now != NULL) {
		if (c2d_date_rfc3339_parse(o.now, &now, err) < 0)
			return c2d_fail(err, C2D_E_USAGE, "--now: '%s' is not YYYY-MM-DDTHH:MM:SSZ", o.now);
	} else {
		now = (int64_t)time(NULL);
	}
	pol.allow_simulated = o.allow_simulated;

	uint8_t *quote = NULL, *root = NULL;
	size_t quote_len;
	struct c2d_collateral col;
	int have_col = 0;
	memset(&col, 0, sizeof(col));
	if ((r = c2d_fs_read_file(o.quote, 1u << 20, &quote, &quote_len, err)) < 0)
		goto out;
	if (o.root != NULL && (r = c2d_cmd_verify_read_root(o.root, &root, &pol.root_len, err)) < 0)
		goto out;
	pol.root_der = root;
	struct c2d_tdx_quote q;
	if ((r = c2d_tdxquote_parse(quote, quote_len, &q, err)) < 0) {
		c2d_err_prefix(err, "%s", o.quote);
		goto out;
	}
	if ((r = load_collateral(&o, &col, &have_col, err)) < 0)
		goto out;

	struct c2d_verify_result res;
	struct c2d_err verr = { 0 };
	int vr = c2d_tdxverify_quote(&q, have_col ? &col : NULL, &pol, now, &res, &verr);
	json_t *j = result_json(&q, &res, vr == C2D_OK, vr == C2D_OK ? NULL : verr.msg, now, o.policy);
	if (j == NULL) {
		r = c2d_fail(err, C2D_E_NOMEM, "out of memory");
		goto out;
	}
	if (o.json) {
		char *text = c2d_json_text(j);
		if (text != NULL)
			fputs(text, stdout);
		free(text);
	} else {
		print_text(j);
	}
	json_decref(j);
	r = vr;
	if (vr < 0) {
		/* The verdict is on stdout; the error line says which quote. */
		*err = verr;
		c2d_err_prefix(err, "%s", o.quote);
	}
out:
	c2d_collateral_free(&col);
	free(root);
	free(quote);
	return r;
}
