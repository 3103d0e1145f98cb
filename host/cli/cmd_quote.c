/*
 * c2d quote: TDX quotes on the host. `show` parses a quote (v4 or v5) and
 * prints its fields; `verify` (host/cli/cmd_verify.c) and `replay`
 * (host/cli/cmd_replay.c) are dispatched from here.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2d/hex.h"
#include "c2d/tdxquote.h"
#include "cli.h"
#include "fsutil.h"
#include "jsonout.h"

static const char help[] =
	"usage: c2d quote show [--json] FILE\n"
	"       c2d quote verify --quote FILE [--collateral FILE | ...] [--now TIME] [--json]\n"
	"       c2d quote replay [--json] FILE | --ccel LOG --quote QUOTE\n"
	"\n"
	"Parses a TDX quote (version 4 or 5, binary) and prints its header, the TD\n"
	"report (registers and report_data as lowercase hex), the QE report and the\n"
	"sizes of the certification data. Parsing verifies nothing.\n"
	"\n"
	"verify: verifies a quote with Intel's collateral and a policy\n"
	"(see 'c2d quote verify --help').\n"
	"replay: replays an event log into RTMR0-3 and compares them with the quote's\n"
	"(see 'c2d quote replay --help').\n";

static json_t *hexj(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];
	c2d_hex(p, n, buf);
	return json_string(buf);
}

static json_t *quote_json(const struct c2d_tdx_quote *q)
{
	const struct c2d_td_report *t = &q->td;
	json_t *rtmr = json_array();
	for (int i = 0; i < 4; i++)
		json_array_append_new(rtmr, hexj(t->rtmr[i], 48));
	json_t *td = json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			       "tee_tcb_svn", hexj(t->tee_tcb_svn, 16), "mrseam", hexj(t->mrseam, 48),
			       "mrsignerseam", hexj(t->mrsignerseam, 48),
			       "seam_attributes", hexj(t->seam_attributes, 8),
			       "td_attributes", hexj(t->td_attributes, 8), "debug", c2d_tdxquote_is_debug(t),
			       "xfam", hexj(t->xfam, 8), "mrtd", hexj(t->mrtd, 48),
			       "mrconfigid", hexj(t->mrconfigid, 48), "mrowner", hexj(t->mrowner, 48),
			       "mrownerconfig", hexj(t->mrownerconfig, 48), "rtmr", rtmr,
			       "report_data", hexj(t->report_data, 64));
	if (t->tee_tcb_svn2 != NULL) {
		json_object_set_new(td, "tee_tcb_svn2", hexj(t->tee_tcb_svn2, 16));
		json_object_set_new(td, "mrservicetd", hexj(t->mrservicetd, 48));
	}
	const struct c2d_sgx_report *e = &q->qe_report;
	json_t *qe = json_pack("{s:o, s:I, s:o, s:o, s:o, s:i, s:i, s:o}",
			       "cpusvn", hexj(e->cpusvn, 16), "miscselect", (json_int_t)e->miscselect,
			       "attributes", hexj(e->attributes, 16), "mrenclave", hexj(e->mrenclave, 32),
			       "mrsigner", hexj(e->mrsigner, 32), "isvprodid", e->isvprodid,
			       "isvsvn", e->isvsvn, "report_data", hexj(e->report_data, 64));
	return json_pack("{s:i, s:i, s:I, s:o, s:i, s:o, s:o, s:o, s:o, s:I, s:I, s:I}",
			 "version", q->version, "attestation_key_type", q->att_key_type,
			 "tee_type", (json_int_t)q->tee_type, "qe_vendor_id", hexj(q->qe_vendor_id, 16),
			 "body_type", q->body_type, "td_report", td, "qe_report", qe,
			 "attestation_key", hexj(q->att_key, 64), "signature", hexj(q->signature, 64),
			 "qe_auth_data_len", (json_int_t)q->qe_auth_len,
			 "pck_chain_len", (json_int_t)q->pck_chain_len, "used_len", (json_int_t)q->used);
}

c2d_status c2d_cmd_quote(int argc, char **argv, struct c2d_err *err)
{
	int json = 0;
	const char *file = NULL;
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? c2d_fail(err, C2D_E_USAGE, "expected a subcommand") : C2D_OK;
	}
	if (strcmp(argv[1], "replay") == 0)
		return c2d_cmd_replay(argc - 1, argv + 1, err);
	if (strcmp(argv[1], "verify") == 0)
		return c2d_cmd_verify(argc - 1, argv + 1, err);
	if (strcmp(argv[1], "show") != 0)
		return c2d_fail(err, C2D_E_USAGE, "unknown subcommand '%s'; see 'c2d quote --help'", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--help") == 0) {
			fputs(help, stdout);
			return C2D_OK;
		} else if (file == NULL && argv[i][0] != '-')
			file = argv[i];
		else
			return c2d_fail(err, C2D_E_USAGE, "see 'c2d quote --help'");
	}
	if (file == NULL)
		return c2d_fail(err, C2D_E_USAGE, "expected a quote file; see 'c2d quote --help'");
	uint8_t *buf;
	size_t len;
	int r = c2d_fs_read_file(file, 1u << 20, &buf, &len, err);
	if (r < 0)
		return r;
	struct c2d_tdx_quote q;
	if ((r = c2d_tdxquote_parse(buf, len, &q, err)) < 0) {
		c2d_err_prefix(err, "%s", file);
		free(buf);
		return r;
	}
	json_t *root = quote_json(&q);
	if (root == NULL) {
		free(buf);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory");
	}
	if (json) {
		char *text = c2d_json_text(root);
		if (text != NULL)
			fputs(text, stdout);
		free(text);
	} else {
		json_t *td = json_object_get(root, "td_report");
		printf("quote       version %d, TDX, ECDSA P-256, body type %d (TD %s)\n",
		       q.version, q.body_type, q.body_type == 3 ? "1.5" : "1.0");
		static const char *const keys[] = { "mrtd", "mrconfigid", "mrowner", "mrownerconfig",
						    "mrseam", "td_attributes", "xfam", "report_data" };
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			printf("%-13s %s\n", keys[i], json_string_value(json_object_get(td, keys[i])));
		for (int i = 0; i < 4; i++)
			printf("rtmr%d         %s\n", i,
			       json_string_value(json_array_get(json_object_get(td, "rtmr"), (size_t)i)));
		printf("debug         %s\n", c2d_tdxquote_is_debug(&q.td) ? "YES (must be refused)" : "no");
		printf("pck chain     %zu bytes of PEM; %zu of %zu bytes used\n", q.pck_chain_len, q.used, len);
	}
	json_decref(root);
	free(buf);   /* q points into it: freed only now */
	return C2D_OK;
}
