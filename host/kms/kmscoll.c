/* The KMS's collateral directory: see kmscoll.h. */
#include "kmscoll.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "c2d/date.h"
#include "c2d/hex.h"
#include "c2d/pckext.h"
#include "c2d/x509.h"
#include "collateral_json.h"
#include "fsutil.h"

#define COLLATERAL_MAX (1u << 20)

c2d_status c2d_kmscoll_fmspc(const struct c2d_tdx_quote *q, uint8_t fmspc[6], struct c2d_err *err)
{
	struct c2d_pem_chain chain;
	struct c2d_x509 leaf;
	struct c2d_pck_ext ext;
	struct c2d_err e = { 0 };
	int r = c2d_x509_pem_chain_decode((const char *)q->pck_chain, q->pck_chain_len, &chain, &e);
	if (r < 0)
		return c2d_fail(err, C2D_E_REFUSED, "PCK certificate: %s", e.msg);
	/* The chain has been decoded only to find the FMSPC; the verifier
	 * checks it, with the collateral this picks. */
	if ((r = c2d_x509_parse(chain.buf + chain.off[0], chain.len[0], &leaf, &e)) == C2D_OK) {
		if (leaf.sgx_ext == NULL)
			r = c2d_fail(&e, C2D_E_REFUSED, "no SGX extension");
		else
			r = c2d_pck_ext_parse(leaf.sgx_ext, leaf.sgx_ext_len, &ext, &e);
	}
	c2d_x509_pem_chain_free(&chain);
	if (r < 0)
		return c2d_fail(err, C2D_E_REFUSED, "PCK certificate: %s", e.msg);
	memcpy(fmspc, ext.fmspc, 6);
	return C2D_OK;
}

/* Fills path with fdir/name; 1 if it exists. */
static int part(char *path, const char *fdir, const char *name)
{
	struct stat st;
	return (size_t)snprintf(path, PATH_MAX, "%s/%s", fdir, name) < PATH_MAX && stat(path, &st) == 0;
}

static c2d_status stale(const char *fmspc, const char *what, int64_t next_update, int64_t now,
			struct c2d_err *err)
{
	char t[C2D_RFC3339_LEN];
	if (now < next_update)
		return C2D_OK;
	c2d_date_rfc3339_format(next_update, t);
	return c2d_fail(err, C2D_E_REFUSED, "collateral: FMSPC %s: %s stale (nextUpdate %s has passed)", fmspc, what, t);
}

c2d_status c2d_kmscoll_load(void *dir, const struct c2d_tdx_quote *q, int64_t now, struct c2d_collateral *out,
			    struct c2d_err *err)
{
	/* Paths are built from the FMSPC's hex alone: nothing in a quote
	 * names a file. */
	static const char *const names[] = { "tcbinfo.json", "tcbinfo-chain.pem", "qeidentity.json",
					     "qeidentity-chain.pem", "pckcrl.der", "rootcrl.der" };
	char fmspc[13], fdir[PATH_MAX], path[7][PATH_MAX];
	uint8_t raw[6];
	int r;
	memset(out, 0, sizeof(*out));
	if ((r = c2d_kmscoll_fmspc(q, raw, err)) < 0)
		return r;
	c2d_hex(raw, 6, fmspc);
	if ((size_t)snprintf(fdir, sizeof(fdir), "%s/fmspc/%s", (const char *)dir, fmspc) >= sizeof(fdir) - 32)
		return c2d_fail(err, C2D_E_USAGE, "collateral: %s: path too long", (const char *)dir);
	if (part(path[0], fdir, "collateral.json")) {
		uint8_t *buf;
		size_t len;
		if ((r = c2d_fs_read_file(path[0], COLLATERAL_MAX, &buf, &len, err)) < 0)
			return r;
		r = c2d_collateral_json_parse_dcapqvl((const char *)buf, len, path[0], out, err);
		free(buf);
		if (r == C2D_OK && (r = stale(fmspc, "collateral.json's TCB info", out->tcb.next_update, now, err)) == C2D_OK)
			r = stale(fmspc, "collateral.json's QE identity", out->qe.next_update, now, err);
		return r;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!part(path[i], fdir, names[i]))
			return c2d_fail(err, C2D_E_REFUSED, "collateral: FMSPC %s: %s missing", fmspc, names[i]);
	struct c2d_collateral_paths p = { .tcb_info = path[0], .tcb_chain = path[1], .qe_identity = path[2],
					  .qe_chain = path[3], .pck_crl = path[4], .root_crl = path[5] };
	if (part(path[6], fdir, "pckcrl-chain.pem"))
		p.pck_crl_chain = path[6];
	if ((r = c2d_collateral_json_load_files(&p, out, err)) < 0)
		return r;
	if ((r = stale(fmspc, "tcbinfo.json", out->tcb.next_update, now, err)) == C2D_OK)
		r = stale(fmspc, "qeidentity.json", out->qe.next_update, now, err);
	return r;
}
