/*
 * host/chain/consortium.h: the inputs and the judgement of `c2d chain`, apart from
 * the chain itself so that they can be tested without one.
 *
 * Owners file (c2d chain deploy --owners): one owner per line,
 *   ADDRESS [JURISDICTION [LABEL...]]
 * separated by spaces or tabs; '#' starts a comment running to the end of
 * the line; blank lines are skipped. A JURISDICTION of "-" means none (to
 * give labels without one). Labels are kept as one string of words joined
 * by single spaces ("hospital records=412000 HIPAA"). Addresses are checked
 * (EIP-55 case when mixed) and must be distinct and non-zero. Errors name
 * path:line:column. At most 64 owners; only printable ASCII.
 *
 * Budgets (c2d budget set --epsilon, --rho): a decimal without sign or
 * exponent, at most 6 decimals, converted exactly to micro-units (the
 * contract's unit for epsilon and for rho alike): "1.25" is 1250000;
 * "0.0000001" is refused rather than rounded.
 *
 * Dataset id: 64 hex digits (optionally 0x), as `c2d seal --dataset-id` and
 * `c2d inspect` write it, is the id itself; any other text is a name and
 * the id is its Keccak-256 (so "cohort-2025" always names the same id).
 *
 * Criteria: the three lines of the consortium's product page, computed from
 * what the chain says (see c2d_consortium_criteria()).
 *
 * Prefix: c2d_consortium_
 */
#ifndef C2D_HOST_CONSORTIUM_H
#define C2D_HOST_CONSORTIUM_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_OWNERS_MAX 64

struct c2d_owner_line {
	uint8_t addr[20];
	char *jurisdiction;   /* malloc'd, "" for none */
	char *labels;         /* malloc'd, "" for none */
};

struct c2d_owners {
	struct c2d_owner_line *v;
	size_t n;
};

/* Parses text[0..len) (the file's bytes); path is for messages only. */
C2D_MUST_CHECK c2d_status c2d_consortium_owners_parse(const char *path, const char *text, size_t len,
					   struct c2d_owners *out, struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_consortium_owners_read(const char *path, struct c2d_owners *out,
					  struct c2d_err *err);
void c2d_consortium_owners_free(struct c2d_owners *o);

/* text as micro-units into *micro; `what` ("epsilon", "rho") names the
 * value in errors (C2D_E_INPUT). */
C2D_MUST_CHECK c2d_status c2d_consortium_micro_parse(const char *text, const char *what, uint64_t *micro,
						     struct c2d_err *err);
/* The text form of micro-units: "1.25", "0.000001", "3". cap >= 32. */
void c2d_consortium_micro_text(uint64_t micro, char *out, size_t cap);

C2D_MUST_CHECK c2d_status c2d_consortium_dataset_id(const char *text, uint8_t id[32], struct c2d_err *err);

/* The words of a labels string (c2d_owner_line.labels, or the same text read
 * back from the chain), split at spaces; runs of spaces and spaces at either
 * end make no empty words. Call with *pos at the string's start: returns the
 * next word, not terminated, its length in *len, and moves *pos past it;
 * NULL at the end. The word points into the string; nothing is allocated.
 *   for (const char *p = labels, *w; (w = c2d_consortium_labels_next(&p, &n)) != NULL;) */
const char *c2d_consortium_labels_next(const char **pos, size_t *len);

/* The value of the word "records=N" in labels; 0 if none, 1 if found. */
int c2d_consortium_labels_records(const char *labels, uint64_t *records);

enum c2d_grade { C2D_MISS = 0, C2D_PARTIAL = 1, C2D_MATCH = 2 };

struct c2d_criteria {
	enum c2d_grade owners;         /* at least 3 owners: match n >= 3, partial n = 2 */
	enum c2d_grade jurisdictions;  /* match: >= 2 distinct non-empty; partial: some owners
	                                  have none; else miss */
	enum c2d_grade regulated;      /* HIPAA/GDPR-grade: threshold = n, and every owner has set
	                                  a budget; match both, partial one */
	size_t distinct;               /* distinct non-empty jurisdictions */
	size_t unplaced;               /* owners without a jurisdiction */
};

/* jurisdictions[i] of owner i ("" for none), has_budget[i] whether owner i
 * set at least one budget. */
void c2d_consortium_criteria(size_t n, const char *const *jurisdictions, uint64_t threshold, const int *has_budget,
		  struct c2d_criteria *c);
const char *c2d_consortium_grade_name(enum c2d_grade g);

#endif
