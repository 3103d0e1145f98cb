/* See analysistest.h. */
#include "analysistest.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void analysistest_bindir(char dir[PATH_MAX])
{
	ssize_t n = readlink("/proc/self/exe", dir, PATH_MAX - 1);
	if (n <= 0)
		abort();
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
}

void analysistest_set_cats(struct c2d_column *c, const char *const *labels, uint32_t n)
{
	c->type = C2D_T_CATEGORY;
	c->ncats = n;
	c->cats = calloc(n, sizeof(char *));
	if (c->cats == NULL)
		abort();
	for (uint32_t i = 0; i < n; i++)
		c->cats[i] = strdup(labels[i]);
}
