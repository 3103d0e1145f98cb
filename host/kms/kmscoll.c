/* The KMS's collateral directory and its cache: see kmscoll.h. */
#include "kmscoll.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "c2d/collateral.h"
#include "c2d/date.h"
#include "c2d/hex.h"
#include "c2d/pckext.h"
#include "c2d/x509.h"
#include "collateral_json.h"
#include "fsutil.h"

#define COLLATERAL_MAX (1u << 20)

/* What a directory may hold: the one-file form first, then PCS's files,
 * the required ones before the optional chain. */
enum { F_DIR, F_COMBINED, F_TCB, F_TCB_CHAIN, F_QE, F_QE_CHAIN, F_PCK_CRL, F_ROOT_CRL, F_PCK_CRL_CHAIN, F_N };
static const char *const file_names[F_N] = {
	[F_DIR] = ".", [F_COMBINED] = "collateral.json", [F_TCB] = "tcbinfo.json",
	[F_TCB_CHAIN] = "tcbinfo-chain.pem", [F_QE] = "qeidentity.json", [F_QE_CHAIN] = "qeidentity-chain.pem",
	[F_PCK_CRL] = "pckcrl.der", [F_ROOT_CRL] = "rootcrl.der", [F_PCK_CRL_CHAIN] = "pckcrl-chain.pem",
};

/* One file's identity; all zero when absent (or not read). No padding,
 * so that identities compare with memcmp. */
struct ident {
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns;
};

struct c2d_kmscoll_entry {
	uint8_t fmspc[6];
	struct ident id[F_N];
	struct c2d_collateral col;
	int combined;                          /* col from collateral.json */
	struct c2d_tdxverify_prepared *prep;   /* borrows col */
	unsigned refs;                         /* holds, plus one while tabled */
};

struct c2d_kmscoll {
	char *dir;
	uint8_t *root;
	struct c2d_verify_policy anchor;       /* td unused: prepare reads none */
	pthread_mutex_t lock;                  /* table, n, refs, reads */
	struct c2d_kmscoll_entry *table[C2D_KMSCOLL_MAX];
	size_t n;
	uint64_t reads;
};

c2d_status c2d_kmscoll_fmspc(const struct c2d_tdx_quote *q, uint8_t fmspc[6], struct c2d_err *err)
{
	struct c2d_pem_chain chain;
	struct c2d_x509 leaf;
	struct c2d_pck_ext ext;
	struct c2d_err e = { 0 };
	/* The leaf alone: BearSSL's PEM decoder goes a byte at a time, and
	 * the whole chain would cost a quarter of a millisecond per request
	 * (docs/performance.md, "KMS release"). */
	static const char end[] = "-----END CERTIFICATE-----";
	const char *pem = (const char *)q->pck_chain;
	const char *leaf_end = memmem(pem, q->pck_chain_len, end, sizeof(end) - 1);
	size_t len = leaf_end != NULL ? (size_t)(leaf_end - pem) + sizeof(end) - 1 : q->pck_chain_len;
	int r = c2d_x509_pem_chain_decode(pem, len, &chain, &e);
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

c2d_status c2d_kmscoll_open(const char *dir, const uint8_t *root_der, size_t root_len, int allow_simulated,
			    struct c2d_kmscoll **out, struct c2d_err *err)
{
	struct c2d_kmscoll *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (c == NULL || (c->dir = strdup(dir)) == NULL ||
	    (root_der != NULL && (c->root = malloc(root_len + 1)) == NULL)) {
		if (c != NULL)
			free(c->dir);
		free(c);
		return c2d_fail(err, C2D_E_NOMEM, "collateral cache: out of memory");
	}
	if (root_der != NULL)
		memcpy(c->root, root_der, root_len);
	c->anchor = (struct c2d_verify_policy){ .root_der = c->root, .root_len = root_len,
						.allow_simulated = allow_simulated };
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return C2D_OK;
}

static void entry_free(struct c2d_kmscoll_entry *e)
{
	c2d_tdxverify_prepared_free(e->prep);
	c2d_collateral_free(&e->col);
	free(e);
}

void c2d_kmscoll_close(struct c2d_kmscoll *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_free(c->table[i]);
	pthread_mutex_destroy(&c->lock);
	free(c->root);
	free(c->dir);
	free(c);
}

const struct c2d_tdxverify_prepared *c2d_kmscoll_prepared(const struct c2d_kmscoll_entry *e)
{
	return e->prep;
}

uint64_t c2d_kmscoll_reads(struct c2d_kmscoll *c)
{
	pthread_mutex_lock(&c->lock);
	uint64_t n = c->reads;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void c2d_kmscoll_release(struct c2d_kmscoll *c, struct c2d_kmscoll_entry *e)
{
	pthread_mutex_lock(&c->lock);
	unsigned left = --e->refs;
	pthread_mutex_unlock(&c->lock);
	if (left == 0)
		entry_free(e);
}

/* Fills path with fdir/name and *id with its identity; 1 if it exists. */
static int stat_part(char path[PATH_MAX], const char *fdir, const char *name, struct ident *id)
{
	struct stat st;
	memset(id, 0, sizeof(*id));
	if ((size_t)snprintf(path, PATH_MAX, "%s/%s", fdir, name) >= PATH_MAX || stat(path, &st) != 0)
		return 0;
	*id = (struct ident){ .dev = st.st_dev, .ino = st.st_ino, .size = (uint64_t)st.st_size,
			      .mtime_s = st.st_mtim.tv_sec, .mtime_ns = st.st_mtim.tv_nsec };
	return 1;
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

/* Whether e's collateral is still current at now: on every request, since
 * time passes over a cached entry. */
static c2d_status fresh(const struct c2d_kmscoll_entry *e, const char *fmspc, int64_t now, struct c2d_err *err)
{
	int one = e->combined;
	c2d_status r = stale(fmspc, one ? "collateral.json's TCB info" : "tcbinfo.json", e->col.tcb.next_update, now, err);
	return r < 0 ? r : stale(fmspc, one ? "collateral.json's QE identity" : "qeidentity.json", e->col.qe.next_update,
				 now, err);
}

/* Reads the files of e->id (stat'd before, so that what is read is at
 * least as new as the identity it is cached under) into e->col. */
static c2d_status load(struct c2d_kmscoll_entry *e, char path[F_N][PATH_MAX], const int present[F_N],
		       struct c2d_err *err)
{
	int r;
	if (e->combined) {
		uint8_t *buf;
		size_t len;
		if ((r = c2d_fs_read_file(path[F_COMBINED], COLLATERAL_MAX, &buf, &len, err)) < 0)
			return r;
		r = c2d_collateral_json_parse_dcapqvl((const char *)buf, len, path[F_COMBINED], &e->col, err);
		free(buf);
		return r;
	}
	struct c2d_collateral_paths p = { .tcb_info = path[F_TCB], .tcb_chain = path[F_TCB_CHAIN],
					  .qe_identity = path[F_QE], .qe_chain = path[F_QE_CHAIN],
					  .pck_crl = path[F_PCK_CRL], .root_crl = path[F_ROOT_CRL] };
	if (present[F_PCK_CRL_CHAIN])
		p.pck_crl_chain = path[F_PCK_CRL_CHAIN];
	return c2d_collateral_json_load_files(&p, &e->col, err);
}

/* The table's entry for fmspc, or NULL; under the lock. */
static struct c2d_kmscoll_entry **find(struct c2d_kmscoll *c, const uint8_t fmspc[6])
{
	for (size_t i = 0; i < c->n; i++)
		if (memcmp(c->table[i]->fmspc, fmspc, 6) == 0)
			return &c->table[i];
	return NULL;
}

/* Tables e, held once by the caller, in place of its FMSPC's entry; under
 * the lock. Returns the entry the caller holds (another thread's, made
 * from the same files, if it came first) and, in *drop, one to free after
 * the lock. */
static struct c2d_kmscoll_entry *insert(struct c2d_kmscoll *c, struct c2d_kmscoll_entry *e,
					struct c2d_kmscoll_entry **drop)
{
	struct c2d_kmscoll_entry **slot = find(c, e->fmspc);
	*drop = NULL;
	e->refs = 1;
	if (slot == NULL) {
		if (c->n == C2D_KMSCOLL_MAX)
			return e;   /* untabled: the caller's hold is its only one */
		slot = &c->table[c->n++];
	} else {
		struct c2d_kmscoll_entry *old = *slot;
		if (memcmp(old->id, e->id, sizeof(e->id)) == 0) {
			old->refs++;
			*drop = e;
			return old;
		}
		/* Replaced: its holders keep it until they release it. */
		if (--old->refs == 0)
			*drop = old;
	}
	e->refs++;
	*slot = e;
	return e;
}

c2d_status c2d_kmscoll_acquire(struct c2d_kmscoll *c, const struct c2d_tdx_quote *q, int64_t now,
			       struct c2d_kmscoll_entry **out, struct c2d_err *err)
{
	/* Paths are built from the FMSPC's hex alone: nothing in a quote
	 * names a file. */
	char fmspc[13], fdir[PATH_MAX], path[F_N][PATH_MAX];
	struct c2d_kmscoll_entry probe, *e = NULL, *drop;
	int r;
	*out = NULL;
	memset(&probe, 0, sizeof(probe));
	if ((r = c2d_kmscoll_fmspc(q, probe.fmspc, err)) < 0)
		return r;
	c2d_hex(probe.fmspc, 6, fmspc);
	if ((size_t)snprintf(fdir, sizeof(fdir), "%s/fmspc/%s", c->dir, fmspc) >= sizeof(fdir) - 32)
		return c2d_fail(err, C2D_E_USAGE, "collateral: %s: path too long", c->dir);
	int present[F_N] = { 0 };
	present[F_DIR] = stat_part(path[F_DIR], fdir, file_names[F_DIR], &probe.id[F_DIR]);
	present[F_COMBINED] = stat_part(path[F_COMBINED], fdir, file_names[F_COMBINED], &probe.id[F_COMBINED]);
	for (int i = F_TCB; i < F_N && !present[F_COMBINED]; i++) {
		present[i] = stat_part(path[i], fdir, file_names[i], &probe.id[i]);
		if (!present[i] && i != F_PCK_CRL_CHAIN)
			return c2d_fail(err, C2D_E_REFUSED, "collateral: FMSPC %s: %s missing", fmspc, file_names[i]);
	}
	probe.combined = present[F_COMBINED];

	pthread_mutex_lock(&c->lock);
	struct c2d_kmscoll_entry **slot = find(c, probe.fmspc);
	if (slot != NULL && memcmp((*slot)->id, probe.id, sizeof(probe.id)) == 0) {
		e = *slot;
		e->refs++;
	} else
		c->reads++;
	pthread_mutex_unlock(&c->lock);

	if (e == NULL) {
		/* Read and prepared outside the lock: other FMSPCs, and this
		 * one's current entry, go on being served meanwhile. */
		if ((e = malloc(sizeof(*e))) == NULL)
			return c2d_fail(err, C2D_E_NOMEM, "collateral: out of memory");
		*e = probe;
		if ((r = load(e, path, present, err)) == C2D_OK && (r = fresh(e, fmspc, now, err)) == C2D_OK)
			r = c2d_tdxverify_prepare(&e->col, &c->anchor, now, &e->prep, err);
		if (r < 0) {
			entry_free(e);
			return r;
		}
		pthread_mutex_lock(&c->lock);
		e = insert(c, e, &drop);
		pthread_mutex_unlock(&c->lock);
		if (drop != NULL)
			entry_free(drop);
	} else if ((r = fresh(e, fmspc, now, err)) < 0) {
		c2d_kmscoll_release(c, e);
		return r;
	}
	*out = e;
	return C2D_OK;
}
