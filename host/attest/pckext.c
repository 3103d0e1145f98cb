/* The Intel SGX PCK certificate extension: see c2d/pckext.h. */
#include "c2d/pckext.h"

#include <string.h>

#include "c2d/der.h"

/* 1.2.840.113741.1.13.1, the prefix of every OID inside. */
static const uint8_t SGX[] = { 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01 };

/* t is SGX.arc (one arc) or SGX.arc.sub (sub = 0 for none); arcs < 128. */
static int is_sgx_oid(const struct c2d_der_tlv *t, unsigned arc, unsigned sub)
{
	size_t n = sizeof(SGX) + 1 + (sub != 0);
	return t->len == n && memcmp(t->val, SGX, sizeof(SGX)) == 0 &&
	       t->val[sizeof(SGX)] == arc && (sub == 0 || t->val[sizeof(SGX) + 1] == sub);
}

/* Opens SEQUENCE { OID SGX.arc[.sub], value } and checks the OID; *in is
 * left positioned on the value. */
static int entry(struct c2d_der *d, unsigned arc, unsigned sub, const char *field,
		 struct c2d_der *in, struct c2d_err *err)
{
	struct c2d_der_tlv oid;
	if (c2d_der_enter(d, C2D_DER_SEQUENCE, field, in, NULL, err) < 0 ||
	    c2d_der_oid(in, field, &oid, err) < 0)
		return C2D_E_INPUT;
	if (!is_sgx_oid(&oid, arc, sub))
		return c2d_fail(err, C2D_E_INPUT, "%s offset %zu: %s: wrong OID (1.2.840.113741.1.13.1.%u%s expected)",
				d->what, oid.off, field, arc, sub ? ".n" : "");
	return C2D_OK;
}

static int octets(struct c2d_der *d, const char *field, uint8_t *out, size_t n,
		  struct c2d_err *err)
{
	struct c2d_der_tlv t;
	if (c2d_der_get(d, C2D_DER_OCTET_STRING, field, &t, err) < 0)
		return C2D_E_INPUT;
	if (t.len != n)
		return c2d_fail(err, C2D_E_INPUT, "%s offset %zu: %s: %zu bytes, %zu expected", d->what,
				t.off, field, t.len, n);
	memcpy(out, t.val, n);
	return c2d_der_end(d, field, err);
}

static int tcb(struct c2d_der *d, struct c2d_pck_ext *out, struct c2d_err *err)
{
	struct c2d_der list, e;
	uint32_t v;
	if (c2d_der_enter(d, C2D_DER_SEQUENCE, "TCB", &list, NULL, err) < 0)
		return C2D_E_INPUT;
	for (unsigned i = 1; i <= 16; i++) {
		if (entry(&list, 2, i, "TCB component SVN", &e, err) < 0 ||
		    c2d_der_uint(&e, C2D_DER_INTEGER, "TCB component SVN", 255, &v, err) < 0 ||
		    c2d_der_end(&e, "TCB component SVN", err) < 0)
			return C2D_E_INPUT;
		out->comp_svn[i - 1] = (uint8_t)v;
	}
	if (entry(&list, 2, 17, "PCESVN", &e, err) < 0 ||
	    c2d_der_uint(&e, C2D_DER_INTEGER, "PCESVN", 65535, &v, err) < 0 ||
	    c2d_der_end(&e, "PCESVN", err) < 0)
		return C2D_E_INPUT;
	out->pcesvn = (uint16_t)v;
	if (entry(&list, 2, 18, "CPUSVN", &e, err) < 0 ||
	    octets(&e, "CPUSVN", out->cpusvn, 16, err) < 0)
		return C2D_E_INPUT;
	if (c2d_der_end(&list, "TCB", err) < 0 || c2d_der_end(d, "TCB", err) < 0)
		return C2D_E_INPUT;
	return C2D_OK;
}

static int configuration(struct c2d_der *d, struct c2d_pck_ext *out, struct c2d_err *err)
{
	static const char *const names[3] = { "dynamicPlatform", "cachedKeys", "SMTEnabled" };
	int *flags[3] = { &out->dynamic_platform, &out->cached_keys, &out->smt_enabled };
	struct c2d_der list, e;
	struct c2d_der_tlv oid;
	if (c2d_der_enter(d, C2D_DER_SEQUENCE, "Configuration", &list, NULL, err) < 0)
		return C2D_E_INPUT;
	/* Each flag is optional, but they come in order. */
	for (unsigned i = 1; i <= 3 && c2d_der_peek(&list) >= 0; i++) {
		struct c2d_der probe = list;
		if (c2d_der_enter(&probe, C2D_DER_SEQUENCE, "Configuration entry", &e, NULL, err) < 0 ||
		    c2d_der_oid(&e, "Configuration entry", &oid, err) < 0)
			return C2D_E_INPUT;
		if (!is_sgx_oid(&oid, 7, i))
			continue;
		list = probe;
		if (c2d_der_bool(&e, names[i - 1], flags[i - 1], err) < 0 ||
		    c2d_der_end(&e, names[i - 1], err) < 0)
			return C2D_E_INPUT;
	}
	if (c2d_der_end(&list, "Configuration", err) < 0 || c2d_der_end(d, "Configuration", err) < 0)
		return C2D_E_INPUT;
	return C2D_OK;
}

c2d_status c2d_pck_ext_parse(const uint8_t *ext, size_t len, struct c2d_pck_ext *out,
			     struct c2d_err *err)
{
	struct c2d_der top, list, e;
	struct c2d_der_tlv t;
	uint32_t type;

	memset(out, 0, sizeof(*out));
	out->dynamic_platform = out->cached_keys = out->smt_enabled = -1;
	c2d_der_init(&top, ext, len, "SGX extension");
	if (c2d_der_enter(&top, C2D_DER_SEQUENCE, "SGX extensions", &list, NULL, err) < 0 ||
	    c2d_der_end(&top, "SGX extension", err) < 0 ||
	    entry(&list, 1, 0, "PPID", &e, err) < 0 || octets(&e, "PPID", out->ppid, 16, err) < 0 ||
	    entry(&list, 2, 0, "TCB", &e, err) < 0 || tcb(&e, out, err) < 0 ||
	    entry(&list, 3, 0, "PCE-ID", &e, err) < 0 || octets(&e, "PCE-ID", out->pceid, 2, err) < 0 ||
	    entry(&list, 4, 0, "FMSPC", &e, err) < 0 || octets(&e, "FMSPC", out->fmspc, 6, err) < 0 ||
	    entry(&list, 5, 0, "SGX type", &e, err) < 0 ||
	    c2d_der_uint(&e, C2D_DER_ENUMERATED, "SGX type", 2, &type, err) < 0 ||
	    c2d_der_end(&e, "SGX type", err) < 0)
		return C2D_E_INPUT;
	out->sgx_type = (int)type;
	if (c2d_der_peek(&list) >= 0) {
		struct c2d_der probe = list;
		if (c2d_der_enter(&probe, C2D_DER_SEQUENCE, "SGX extension entry", &e, NULL, err) < 0 ||
		    c2d_der_oid(&e, "SGX extension entry", &t, err) < 0)
			return C2D_E_INPUT;
		if (is_sgx_oid(&t, 6, 0)) {
			list = probe;
			if (octets(&e, "PlatformInstanceID", out->instance_id, 16, err) < 0)
				return C2D_E_INPUT;
			out->has_instance_id = 1;
		}
	}
	if (c2d_der_peek(&list) >= 0 &&
	    (entry(&list, 7, 0, "Configuration", &e, err) < 0 || configuration(&e, out, err) < 0))
		return C2D_E_INPUT;
	return c2d_der_end(&list, "SGX extensions", err);
}
