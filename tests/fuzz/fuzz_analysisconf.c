/* libFuzzer target: the analysis configuration parser. Whatever it accepts
 * has its totals equal to the sum of its parts, every value in range, and
 * written back out in the format (without comments) parses to the same
 * configuration. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "c2d/analysisconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN_RANGE(v) assert((v) >= 1 && (v) <= C2D_ACONF_MAX_MICRO)

static size_t put(char *buf, size_t off, const char *key, uint64_t v)
{
	char d[C2D_ACONF_DEC_LEN];
	c2d_aconf_fmt_micro(v, d);
	int n = snprintf(buf + off, C2D_ACONF_MAX_LEN + 1 - off, "%s %s\n", key, d);
	assert(n > 0 && off + (size_t)n <= C2D_ACONF_MAX_LEN);
	return off + (size_t)n;
}

static size_t write_conf(const struct c2d_aconf *c, char *buf)
{
	size_t off = (size_t)snprintf(buf, C2D_ACONF_MAX_LEN + 1, C2D_ACONF_MAGIC "\nanalysis %s\n",
				      c->analysis);
	off = put(buf, off, "epsilon", c->eps_ueps);
	if (c->kind == C2D_ACONF_COHORT_STATS) {
		for (size_t i = 0; i < c->nshares; i++) {
			char key[8 + C2D_AGG_NAME_MAX];
			snprintf(key, sizeof(key), "eps.%s", c->shares[i].output);
			off = put(buf, off, key, c->shares[i].eps_ueps);
		}
		return off;
	}
	off = put(buf, off, "rho", c->rho_urho);
	off += (size_t)snprintf(buf + off, C2D_ACONF_MAX_LEN + 1 - off, "epochs %u\n", c->rm.epochs);
	off = put(buf, off, "rho_per_epoch", c->rm.rho_epoch_urho);
	off = put(buf, off, "eps_rows", c->rm.eps_rows_ueps);
	off = put(buf, off, "eps_loss_per_epoch", c->rm.eps_loss_ueps);
	return put(buf, off, "eps_confusion", c->rm.eps_confusion_ueps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct c2d_aconf c, d;
	static char buf[C2D_ACONF_MAX_LEN + 1];
	if (c2d_aconf_parse("fuzz", data, size, &c, NULL) != C2D_OK)
		return 0;
	assert(size <= C2D_ACONF_MAX_LEN);
	IN_RANGE(c.eps_ueps);
	if (c.kind == C2D_ACONF_COHORT_STATS) {
		uint64_t sum = 0;
		assert(c.nshares >= 1 && c.nshares <= C2D_ACONF_MAX_OUTPUTS && c.rho_urho == 0);
		for (size_t i = 0; i < c.nshares; i++) {
			IN_RANGE(c.shares[i].eps_ueps);
			size_t n = strlen(c.shares[i].output);
			assert(n >= 1 && n <= C2D_AGG_NAME_MAX);
			assert(strspn(c.shares[i].output, "abcdefghijklmnopqrstuvwxyz0123456789_") == n);
			sum += c.shares[i].eps_ueps;
		}
		assert(sum == c.eps_ueps);
	} else {
		assert(c.kind == C2D_ACONF_RISK_MODEL && c.nshares == 0);
		assert(c.rm.epochs >= 1 && c.rm.epochs <= C2D_ACONF_MAX_EPOCHS);
		IN_RANGE(c.rho_urho);
		IN_RANGE(c.rm.rho_epoch_urho);
		IN_RANGE(c.rm.eps_rows_ueps);
		IN_RANGE(c.rm.eps_loss_ueps);
		IN_RANGE(c.rm.eps_confusion_ueps);
		assert(c.rho_urho == c.rm.epochs * c.rm.rho_epoch_urho);
		assert(c.eps_ueps == c.rm.eps_rows_ueps + c.rm.epochs * c.rm.eps_loss_ueps +
					     c.rm.eps_confusion_ueps);
	}
	size_t len = write_conf(&c, buf);
	assert(c2d_aconf_parse("again", (const uint8_t *)buf, len, &d, NULL) == C2D_OK);
	/* Equal but for the line numbers, which the comments shifted. */
	for (size_t i = 0; i < c.nshares; i++)
		c.shares[i].line = d.shares[i].line = 0;
	assert(memcmp(&c, &d, sizeof(c)) == 0);
	return 0;
}
