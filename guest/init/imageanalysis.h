/*
 * guest/init/imageanalysis.h: the analyses init knows, and the one this image
 * runs.
 *
 * One image per analysis: the initramfs holds the analysis's static binary
 * as /analysis and its privacy recipe as /etc/c2d/analysis.conf
 * (c2d/analysisconf.h), both covered by the compose-hash. At boot init
 * loads the conf, looks its analysis up in the table compiled into init
 * (name -> the output schemas the child's answers are checked against),
 * maps the conf onto that analysis's mechanism parameters, refusing any
 * the mechanisms could not use, and checks that /analysis is a regular
 * executable file. Any failure fails the boot closed: an image whose
 * recipe is missing, malformed or inconsistent with its analysis never
 * runs, whatever the owners approved.
 *
 * Paths are under root ("" in the CVM, the --host sysroot in tests).
 * Errors: C2D_E_IO for a file that cannot be read or found, C2D_E_INPUT
 * for a malformed conf, one init does not know or cannot use, or a binary
 * that is not a regular executable file; each message names the path (and
 * the conf's line). On failure *a is zeroed. No allocation, no global
 * state.
 *
 * Prefix: imageanalysis_
 */
#ifndef C2D_INIT_IMAGEANALYSIS_H
#define C2D_INIT_IMAGEANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/aggfmt.h"
#include "c2d/analysisconf.h"
#include "c2d/err.h"
#include "riskmodel_dp.h"

#define IMAGE_ANALYSIS_BIN "/analysis"

struct image_analysis;

struct known_analysis {
	const char *name;
	/* Every schema a child's answer is checked against, self-checked at
	 * boot (c2d_agg_schema_check). */
	const struct c2d_outschema *const *schemas;
	size_t nschemas;
	/* Fills a's parameters from a->conf, or refuses it. */
	int (*setup)(struct image_analysis *a, struct c2d_err *err);
};

/* The table, in the order of c2d/analysisconf.h's names. */
extern const struct known_analysis imageanalysis_known[];
extern const size_t imageanalysis_known_count;

struct image_analysis {
	const struct known_analysis *known;
	struct c2d_aconf conf;
	char bin[512];                  /* the binary's path */
	/* cohort-stats: each released output's ε, in its schema's order. */
	uint64_t output_eps[C2D_ACONF_MAX_OUTPUTS];
	/* risk-model */
	struct riskmodel_params rm;
};

C2D_MUST_CHECK c2d_status imageanalysis_load(const char *root, struct image_analysis *a,
					      struct c2d_err *err);

#endif
