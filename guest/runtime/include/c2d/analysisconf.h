/*
 * c2d/analysisconf.h: an image's analysis configuration, its privacy
 * recipe: which fixed analysis the image runs and how much privacy one run
 * spends, split over what it releases.
 *
 * One image per analysis: the initramfs holds the analysis binary as
 * /analysis and this file as /etc/c2d/analysis.conf (from
 * image/analyses/NAME.conf), so the compose-hash the owners approve covers
 * both. init reads it at boot; `c2d run --dp --conf` reads the same file on
 * the host.
 *
 * Format c2d-analysis-v1: ASCII, LF line ends, at most C2D_ACONF_MAX_LEN
 * bytes, ending with LF. Line 1 is exactly "c2d-analysis-v1". Every other
 * line is empty, a comment (starting with '#', printable ASCII), or
 * "KEY VALUE": KEY of [a-z0-9_.], one space, VALUE of printable ASCII
 * without spaces; no tab, CR or trailing space anywhere. The keys come in
 * this order, each exactly once; any other key, a repeated or a missing
 * one is refused:
 *
 *   analysis NAME        cohort-stats or risk-model
 *   epsilon DEC          the pure ε one run charges, in all
 * then for cohort-stats (discrete Laplace on each released output):
 *   eps.OUTPUT DEC       one line per output of the analysis's schema, in
 *                        the schema's order (1..C2D_ACONF_MAX_OUTPUTS);
 *                        OUTPUT is 1..64 of [a-z0-9_]; the shares sum to
 *                        epsilon exactly
 * or for risk-model (noisy gradient descent, guest/init/riskmodel_dp.h):
 *   rho DEC              the zCDP ρ one run charges, in all
 *   epochs N             1..C2D_ACONF_MAX_EPOCHS, no leading zero
 *   rho_per_epoch DEC    ρ of each epoch's gradient;
 *                        epochs × rho_per_epoch = rho exactly
 *   eps_rows DEC         ε of the row count (released once)
 *   eps_loss_per_epoch DEC  ε of each epoch's loss sum
 *   eps_confusion DEC    ε of the confusion matrix; eps_rows +
 *                        epochs × eps_loss_per_epoch + eps_confusion =
 *                        epsilon exactly
 *
 * DEC is a decimal with at most 6 fractional digits ("1", "0.125", "1.0"):
 * no sign, no exponent, no leading zero before another digit, a point only
 * between digits; it is held in millionths (micro-ε, micro-ρ, the chain's
 * budget unit), never in floating point, and must lie in
 * [0.000001, C2D_ACONF_MAX_MICRO / 10^6]. Because the totals must equal the
 * sum of the parts, the declared epsilon (and rho) is exactly what a run
 * charges, and what the KMS can debit.
 *
 * What the format cannot check is the parser's caller's: that the outputs
 * named are the schema's (c2d_aconf_output_eps) and that each share fits
 * its mechanism's limits (c2d/dp.h).
 *
 * Errors: C2D_E_INPUT, one line "NAME:LINE: KEY: what is wrong" (NAME the
 * caller's name for the text, usually its path; the key left out where the
 * line has none); C2D_E_IO for a file that cannot be read. On failure *c
 * is zeroed. No allocation, no global state; not constant-time (the file
 * is public: it is part of the image).
 *
 * Prefix: c2d_aconf_
 */
#ifndef C2D_ANALYSISCONF_H
#define C2D_ANALYSISCONF_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/aggfmt.h"
#include "c2d/err.h"

#define C2D_ACONF_MAGIC "c2d-analysis-v1"
#define C2D_ACONF_MAX_LEN 4096
#define C2D_ACONF_MAX_OUTPUTS 16
#define C2D_ACONF_MAX_EPOCHS 200
/* Any ε or ρ, a part or a total: at most 100, far beyond any meaningful
 * guarantee, so that sums and products of parts stay far from overflow. */
#define C2D_ACONF_MAX_MICRO UINT64_C(100000000)
/* Where the image holds it. */
#define C2D_ACONF_PATH "/etc/c2d/analysis.conf"
/* c2d_aconf_fmt_micro's output, NUL included: "100.000000". */
#define C2D_ACONF_DEC_LEN 24

enum c2d_aconf_kind {
	C2D_ACONF_COHORT_STATS = 1,
	C2D_ACONF_RISK_MODEL = 2,
};

/* One released output's share (cohort-stats). */
struct c2d_aconf_share {
	char output[C2D_AGG_NAME_MAX + 1];
	uint64_t eps_ueps;
	unsigned line;              /* for messages */
};

struct c2d_aconf {
	enum c2d_aconf_kind kind;
	const char *analysis;       /* static: "cohort-stats" or "risk-model" */
	uint64_t eps_ueps;          /* pure ε of one run, in all */
	uint64_t rho_urho;          /* zCDP ρ of one run, in all; 0 for cohort-stats */
	/* cohort-stats */
	size_t nshares;
	struct c2d_aconf_share shares[C2D_ACONF_MAX_OUTPUTS];
	/* risk-model */
	struct {
		unsigned epochs;
		uint64_t rho_epoch_urho, eps_rows_ueps, eps_loss_ueps, eps_confusion_ueps;
	} rm;
};

/* Parses len bytes of text; name labels the messages. */
C2D_MUST_CHECK c2d_status c2d_aconf_parse(const char *name, const uint8_t *text, size_t len,
					  struct c2d_aconf *c, struct c2d_err *err);

/* Reads and parses the file at path (messages name the path). */
C2D_MUST_CHECK c2d_status c2d_aconf_load(const char *path, struct c2d_aconf *c, struct c2d_err *err);

/* For a conf with per-output shares: eps_ueps[i] = the share of schema s's
 * output i. Refuses (C2D_E_INPUT, naming the line) unless the conf names
 * exactly s's outputs in s's order, and a conf without shares. */
C2D_MUST_CHECK c2d_status c2d_aconf_output_eps(const struct c2d_aconf *c,
					       const struct c2d_outschema *s, uint64_t *eps_ueps,
					       struct c2d_err *err);

/* Millionths as a decimal with six places: 1000000 -> "1.000000". */
void c2d_aconf_fmt_micro(uint64_t v, char buf[C2D_ACONF_DEC_LEN]);

#endif
