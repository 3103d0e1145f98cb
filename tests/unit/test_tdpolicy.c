/* Unit tests of the TD policy (host/attest/tdpolicy.c, tdpolicy_json.c):
 * the JSON form, measurements.json, and the checks on the real dcap-qvl
 * quote's TD report. tests/unit/test_tdxverify.c runs them inside the
 * verifier; tests/host/verify.sh through c2d quote verify --policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "c2d/hex.h"
#include "c2d/tdpolicy.h"
#include "testfile.h"

#define ZERO96 "000000000000000000000000000000000000000000000000" \
	       "000000000000000000000000000000000000000000000000"

static int parse(const char *json, struct c2d_td_policy *p, struct c2d_err *err)
{
	char *m = NULL;
	int r = c2d_tdpolicy_json_parse(json, strlen(json), "p.json", p, &m, err);
	free(m);
	return r;
}

static void test_defaults(void **state)
{
	(void)state;
	struct c2d_td_policy d, p;
	struct c2d_err err = { 0 };
	char *m = (char *)1;
	c2d_tdpolicy_default(&d);
	assert_int_equal(d.accept, C2D_ACCEPT(C2D_TCB_UP_TO_DATE));
	assert_int_equal(d.advisories.n, 0);
	assert_int_equal(d.min_tcb_eval, 17);
	static const uint8_t attr[8] = { 0, 0, 0, 0x10 }, xfam[8] = { 0xe7, 0x02, 0x06 };
	assert_memory_equal(d.td_attributes, attr, 8);
	assert_memory_equal(d.xfam, xfam, 8);
	assert_int_equal(d.nmrseam, 0);
	/* The smallest policy is the defaults; it still pins no register. */
	const char *json = "{\"c2d_td_policy\": 1}";
	assert_int_equal(c2d_tdpolicy_json_parse(json, strlen(json), "p.json", &p, &m, &err), C2D_OK);
	assert_null(m);
	assert_memory_equal(&p, &d, sizeof(p));
	assert_int_equal(c2d_tdpolicy_complete(&p, "p.json", &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "p.json: MRTD is not pinned: set \"mrtd\" (hex, or \"any\") or name a "
			    "measurements file that has it");
}

static void test_parse(void **state)
{
	(void)state;
	struct c2d_td_policy p;
	struct c2d_err err = { 0 };
	char *m = NULL, json[1024];
	const char *fmt =
		"{\"c2d_td_policy\": 1, \"measurements\": \"image/measurements.json\","
		" \"tcb_statuses\": [\"UpToDate\", \"SWHardeningNeeded\"],"
		" \"advisory_ids\": [\"INTEL-SA-00837\"], \"min_tcb_evaluation_data_number\": 18,"
		" \"td_attributes\": \"0000005000000000\", \"xfam\": \"E71A060000000000\","
		" \"mrseam\": [\"%s\"], \"mrconfigid\": \"01%.*s\","
		" \"rtmr0\": \"any\", \"mrtd\": \"%s\"}";
	/* mrconfigid two digits too long: refused, naming the key. */
	snprintf(json, sizeof(json), fmt, ZERO96, 96, ZERO96, ZERO96);
	assert_int_equal(c2d_tdpolicy_json_parse(json, strlen(json), "p.json", &p, &m, &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "p.json: mrconfigid: must be a string of 96 hex digits");
	assert_null(m);
	snprintf(json, sizeof(json), fmt, ZERO96, 94, ZERO96, ZERO96);
	assert_int_equal(c2d_tdpolicy_json_parse(json, strlen(json), "p.json", &p, &m, &err), C2D_OK);
	assert_string_equal(m, "image/measurements.json");
	free(m);
	assert_int_equal(p.accept, C2D_ACCEPT(C2D_TCB_UP_TO_DATE) | C2D_ACCEPT(C2D_TCB_SW_HARDENING_NEEDED));
	assert_int_equal(p.advisories.n, 1);
	assert_string_equal(p.advisories.id[0], "INTEL-SA-00837");
	assert_int_equal(p.min_tcb_eval, 18);
	assert_int_equal(p.td_attributes[3], 0x50);
	assert_int_equal(p.xfam[1], 0x1a);
	assert_int_equal(p.nmrseam, 1);
	assert_int_equal(p.mrconfigid[0], 0x01);
	assert_int_equal(p.reg_state[C2D_TDPOLICY_MRTD], C2D_TDPOLICY_PINNED);
	assert_int_equal(p.reg_state[C2D_TDPOLICY_RTMR0], C2D_TDPOLICY_ANY);
	assert_int_equal(p.reg_state[C2D_TDPOLICY_RTMR1], C2D_TDPOLICY_UNSET);
}

/* A typo, a wrong type or a value that would weaken the policy by
 * accident is an error naming the key, never ignored. */
static void test_refused(void **state)
{
	(void)state;
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\"c2d_td_policy\": 1, \"td_atributes\": \"0000001000000000\"}",
		  "p.json: unknown key \"td_atributes\" (see docs/attestation.md, \"TD policy\")" },
		{ "{\"td_attributes\": \"0000001000000000\"}",
		  "p.json: no \"c2d_td_policy\": 1: not a c2d TD policy" },
		{ "{\"c2d_td_policy\": 2}", "p.json: c2d_td_policy: must be 1 (this version)" },
		{ "{\"c2d_td_policy\": 1, \"tcb_statuses\": [\"Revoked\"]}",
		  "p.json: tcb_statuses[0]: Revoked is never acceptable" },
		{ "{\"c2d_td_policy\": 1, \"tcb_statuses\": [\"uptodate\"]}",
		  "p.json: tcb_statuses[0]: not a TCB status (UpToDate, SWHardeningNeeded, ConfigurationNeeded, ...)" },
		{ "{\"c2d_td_policy\": 1, \"tcb_statuses\": []}",
		  "p.json: tcb_statuses: must be a non-empty array of statuses" },
		{ "{\"c2d_td_policy\": 1, \"advisory_ids\": \"INTEL-SA-00837\"}",
		  "p.json: advisory_ids: must be an array of at most 64 IDs" },
		{ "{\"c2d_td_policy\": 1, \"advisory_ids\": [\"INTEL SA\"]}",
		  "p.json: advisory_ids[0]: must be a printable ID of 1 to 31 bytes (INTEL-SA-00837)" },
		{ "{\"c2d_td_policy\": 1, \"min_tcb_evaluation_data_number\": \"17\"}",
		  "p.json: min_tcb_evaluation_data_number: must be an integer from 0 to 4294967295" },
		{ "{\"c2d_td_policy\": 1, \"td_attributes\": \"0x00001000000000\"}",
		  "p.json: td_attributes: must be a string of 16 hex digits" },
		{ "{\"c2d_td_policy\": 1, \"xfam\": 6}", "p.json: xfam: must be a string of 16 hex digits" },
		{ "{\"c2d_td_policy\": 1, \"mrtd\": \"ANY\"}", "p.json: mrtd: must be a string of 96 hex digits" },
		{ "{\"c2d_td_policy\": 1, \"mrseam\": []}",
		  "p.json: mrseam: must be an array of 1 to 16 MRSEAM values" },
		{ "{\"c2d_td_policy\": 1, \"mrseam\": [\"00\"]}",
		  "p.json: mrseam[0]: must be a string of 96 hex digits" },
		{ "{\"c2d_td_policy\": 1, \"measurements\": \"\"}", "p.json: measurements: must be a file name" },
		{ "[1]", "p.json: must be a JSON object" },
		{ "{\"c2d_td_policy\": 1, \"c2d_td_policy\": 1}",
		  "p.json:1:36: duplicate object key near '\"c2d_td_policy\"'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct c2d_td_policy p;
		struct c2d_err err = { 0 };
		assert_int_equal(parse(cases[i].json, &p, &err), C2D_E_INPUT);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

static void test_measurements(void **state)
{
	(void)state;
	struct c2d_td_policy p;
	struct c2d_err err = { 0 };
	char m[1024];
	snprintf(m, sizeof(m),
		 "{\"c2d_measurements\": 1, \"compose_hash\": \"ab\", \"tdx\": {\"mrtd\": \"11%.94s\","
		 " \"rtmr0\": null, \"rtmr0_missing\": \"the digests of QEMU's ACPI tables (--acpi)\","
		 " \"rtmr1\": \"22%.94s\", \"rtmr2\": \"33%.94s\", \"rtmr3\": \"44%.94s\"}}",
		 ZERO96, ZERO96, ZERO96, ZERO96);
	assert_int_equal(parse("{\"c2d_td_policy\": 1}", &p, &err), C2D_OK);
	assert_int_equal(c2d_tdpolicy_json_measurements(&p, m, strlen(m), "m.json", &err), C2D_OK);
	assert_int_equal(p.reg_state[C2D_TDPOLICY_MRTD], C2D_TDPOLICY_PINNED);
	assert_int_equal(p.reg[C2D_TDPOLICY_MRTD][0], 0x11);
	assert_int_equal(p.reg[C2D_TDPOLICY_RTMR2][0], 0x33);
	/* RTMR0 is null (no ACPI digests): the policy must say what it takes. */
	assert_int_equal(p.reg_state[C2D_TDPOLICY_RTMR0], C2D_TDPOLICY_UNSET);
	assert_int_equal(c2d_tdpolicy_complete(&p, "p.json", &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "RTMR0 is not pinned"));

	assert_int_equal(parse("{\"c2d_td_policy\": 1, \"rtmr0\": \"any\"}", &p, &err), C2D_OK);
	assert_int_equal(c2d_tdpolicy_json_measurements(&p, m, strlen(m), "m.json", &err), C2D_OK);
	assert_int_equal(c2d_tdpolicy_complete(&p, "p.json", &err), C2D_OK);

	/* A register given twice is refused, even if both agree. */
	assert_int_equal(parse("{\"c2d_td_policy\": 1, \"rtmr1\": \"22" ZERO96 "\"}", &p, &err), C2D_E_INPUT);
	char json[256];
	snprintf(json, sizeof(json), "{\"c2d_td_policy\": 1, \"rtmr1\": \"22%.94s\"}", ZERO96);
	assert_int_equal(parse(json, &p, &err), C2D_OK);
	assert_int_equal(c2d_tdpolicy_json_measurements(&p, m, strlen(m), "m.json", &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "m.json: tdx.rtmr1: the policy gives rtmr1 too; give it in one place");

	/* Not c2d measure's file. */
	assert_int_equal(parse("{\"c2d_td_policy\": 1}", &p, &err), C2D_OK);
	const char *other = "{\"tdx\": {}}";
	assert_int_equal(c2d_tdpolicy_json_measurements(&p, other, strlen(other), "m.json", &err), C2D_E_INPUT);
	assert_non_null(strstr(err.msg, "m.json: not a measurements file"));
	other = "{\"c2d_measurements\": 1, \"tdx\": {\"mrtd\": 5}}";
	assert_int_equal(c2d_tdpolicy_json_measurements(&p, other, strlen(other), "m.json", &err), C2D_E_INPUT);
	assert_string_equal(err.msg, "m.json: tdx.mrtd: must be a string of 96 hex digits");
}

/* c2d_tdpolicy_json_load: a relative measurements name is the policy file's
 * neighbour. */
static void test_load(void **state)
{
	(void)state;
	char dir[] = "/tmp/c2d-tdpolicy.XXXXXX", path[128], cmd[160];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"c2d_measurements\": 1, \"tdx\": {\"mrtd\": \"%s\", \"rtmr0\": \"%s\", \"rtmr1\": \"%s\","
		" \"rtmr2\": \"%s\"}}", ZERO96, ZERO96, ZERO96, ZERO96);
	fclose(f);
	snprintf(path, sizeof(path), "%s/p.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"c2d_td_policy\": 1, \"measurements\": \"m.json\"}", f);
	fclose(f);
	struct c2d_td_policy p;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_tdpolicy_json_load(path, &p, &err), C2D_OK);
	for (int i = 0; i < C2D_TDPOLICY_NREGS; i++)
		assert_int_equal(p.reg_state[i], C2D_TDPOLICY_PINNED);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"c2d_td_policy\": 1, \"measurements\": \"none.json\"}", f);
	fclose(f);
	assert_int_equal(c2d_tdpolicy_json_load(path, &p, &err), C2D_E_IO);
	assert_non_null(strstr(err.msg, "none.json"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The checks on the real quote's TD report (registers from
 * tests/vectors/tdx/dcapqvl_tdx_quote, as c2d quote show prints them). */
static void test_check_td(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = testfile_load("tests/vectors/tdx/dcapqvl_tdx_quote", &len);
	struct c2d_tdx_quote q;
	struct c2d_td_policy p;
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_tdxquote_parse(buf, len, &q, &err), C2D_OK);
	c2d_tdpolicy_default(&p);
	assert_int_equal(c2d_tdpolicy_check_td(&p, &q.td, &err), C2D_OK);

	/* Each named TD attribute bit, set in the quote, refused by name. */
	static const struct {
		int bit;
		const char *name;
	} bits[] = { { 0, "DEBUG" }, { 28, "SEPT_VE_DISABLE" }, { 29, "MIGRATABLE" }, { 30, "PKS" },
		     { 31, "KL" }, { 63, "PERFMON" }, { 7, "bit 7" } };
	uint8_t attr[8], wide[48];
	struct c2d_td_report td = q.td;
	td.td_attributes = attr;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		char want[64];
		memcpy(attr, q.td.td_attributes, 8);
		attr[bits[i].bit / 8] ^= (uint8_t)(1u << (bits[i].bit % 8));
		assert_int_equal(c2d_tdpolicy_check_td(&p, &td, &err), C2D_E_REFUSED);
		snprintf(want, sizeof(want), "(differs in %s)", bits[i].name);
		assert_non_null(strstr(err.msg, want));
		assert_non_null(strstr(err.msg, "TD policy: TDATTRIBUTES "));
	}
	td = q.td;

	/* XFAM, MRCONFIGID, MROWNER, MROWNERCONFIG: each named. */
	struct {
		const uint8_t **field;
		size_t len;
		const char *name;
	} fields[] = {
		{ &td.xfam, 8, "TD policy: XFAM e702060000000001 are not the policy's e702060000000000" },
		{ &td.mrconfigid, 48, "TD policy: MRCONFIGID bytes 40-47 0000000000000001 are not the policy's 0000000000000000" },
		{ &td.mrowner, 48, "TD policy: MROWNER " },
		{ &td.mrownerconfig, 48, "TD policy: MROWNERCONFIG " },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		memcpy(wide, *fields[i].field, fields[i].len);
		wide[fields[i].len - 1] ^= 1;
		const uint8_t *saved = *fields[i].field;
		*fields[i].field = wide;
		assert_int_equal(c2d_tdpolicy_check_td(&p, &td, &err), C2D_E_REFUSED);
		assert_non_null(strstr(err.msg, fields[i].name));
		*fields[i].field = saved;
	}

	/* MRSEAM: one of the list. */
	p.nmrseam = 2;
	memset(p.mrseam[0], 0xaa, 48);
	assert_int_equal(c2d_tdpolicy_check_td(&p, &td, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "TD policy: MRSEAM bytes 0-7 5b38e33a6487958b are not the first of the "
			    "policy's aaaaaaaaaaaaaaaa");
	memcpy(p.mrseam[1], q.td.mrseam, 48);
	assert_int_equal(c2d_tdpolicy_check_td(&p, &td, &err), C2D_OK);

	/* Several fields at once: the first in full, every other by name. */
	memcpy(p.reg[C2D_TDPOLICY_RTMR2], q.td.rtmr[2], 48);
	p.reg_state[C2D_TDPOLICY_RTMR2] = C2D_TDPOLICY_PINNED;
	assert_int_equal(c2d_tdpolicy_check_td(&p, &td, &err), C2D_OK);
	p.reg[C2D_TDPOLICY_RTMR2][0] ^= 1;
	p.reg_state[C2D_TDPOLICY_MRTD] = C2D_TDPOLICY_PINNED;
	p.xfam[0] = 0;
	assert_int_equal(c2d_tdpolicy_check_td(&p, &td, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "TD policy: XFAM e702060000000000 are not the policy's 0002060000000000; "
			    "also MRTD, RTMR2 differ");
	/* "any" checks nothing. */
	p.xfam[0] = 0xe7;
	p.reg_state[C2D_TDPOLICY_MRTD] = C2D_TDPOLICY_ANY;
	p.reg_state[C2D_TDPOLICY_RTMR2] = C2D_TDPOLICY_ANY;
	assert_int_equal(c2d_tdpolicy_check_td(&p, &td, &err), C2D_OK);
	free(buf);
}

static void test_check_tcb(void **state)
{
	(void)state;
	struct c2d_td_policy p;
	struct c2d_advisories adv = { 0 };
	struct c2d_err err = { 0 };
	c2d_tdpolicy_default(&p);
	assert_int_equal(c2d_tdpolicy_check_tcb(&p, C2D_TCB_UP_TO_DATE, &adv, 17, 17, &err), C2D_OK);
	assert_int_equal(c2d_tdpolicy_check_tcb(&p, C2D_TCB_SW_HARDENING_NEEDED, &adv, 17, 17, &err),
			 C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: TCB status SWHardeningNeeded is not accepted");
	assert_int_equal(c2d_tdpolicy_check_tcb(&p, C2D_TCB_UP_TO_DATE, &adv, 16, 17, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: TCB info tcbEvaluationDataNumber 16 is below the minimum 17");
	assert_int_equal(c2d_tdpolicy_check_tcb(&p, C2D_TCB_UP_TO_DATE, &adv, 17, 16, &err), C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: QE identity tcbEvaluationDataNumber 16 is below the minimum 17");

	/* Advisories: each one that applies must be listed. */
	p.accept |= C2D_ACCEPT(C2D_TCB_SW_HARDENING_NEEDED);
	adv.n = 2;
	strcpy(adv.id[0], "INTEL-SA-00837");
	strcpy(adv.id[1], "INTEL-SA-00615");
	assert_int_equal(c2d_tdpolicy_check_tcb(&p, C2D_TCB_SW_HARDENING_NEEDED, &adv, 17, 17, &err),
			 C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: advisory INTEL-SA-00837 applies and is not accepted");
	p.advisories.n = 1;
	strcpy(p.advisories.id[0], "INTEL-SA-00837");
	assert_int_equal(c2d_tdpolicy_check_tcb(&p, C2D_TCB_SW_HARDENING_NEEDED, &adv, 17, 17, &err),
			 C2D_E_REFUSED);
	assert_string_equal(err.msg, "policy: advisory INTEL-SA-00615 applies and is not accepted");
	p.advisories = adv;
	assert_int_equal(c2d_tdpolicy_check_tcb(&p, C2D_TCB_SW_HARDENING_NEEDED, &adv, 17, 17, &err), C2D_OK);

	/* Revoked, even when a caller sets its bit by hand. */
	p.accept = ~0u;
	assert_int_equal(c2d_tdpolicy_check_tcb(&p, C2D_TCB_REVOKED, &adv, 17, 17, &err), C2D_E_REFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_measurements),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_check_td),
		cmocka_unit_test(test_check_tcb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
