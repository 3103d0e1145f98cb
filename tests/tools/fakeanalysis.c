/*
 * c2d-fakeanalysis MODE: analysis children that misbehave on purpose, for
 * test_analysis (init's runner must refuse each). They speak the protocol of
 * analysis/child.h against tests/tools/fakeschema.h; "ok" is the honest one:
 * rows = { n, 0 }, total = { 16 n, 0 } (the largest sum n rows may give).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "c2d/rowfile.h"
#include "c2d/fdio.h"
#include "child.h"
#include "fakeschema.h"

extern char **environ;

static uint64_t count_rows(void)
{
	struct c2d_err err = { 0 };
	const uint8_t *p;
	size_t len;
	struct c2d_rowfile f;
	uint32_t n;
	if (child_map_input(CHILD_IN_FD, &p, &len, &err) < 0 ||
	    c2d_rowfile_open(&f, p, len, &err) < 0)
		_exit(40);
	struct c2d_rg_col *cols = calloc(f.schema.ncols, sizeof(*cols));
	int r;
	while ((r = c2d_rowfile_next(&f, &n, cols, &err)) == 1)
		;
	if (r < 0)
		_exit(41);
	return f.rows;
}

/* Writes an aggregate in the shape of s (fake_schema, or a variant). */
static void emit(const struct c2d_outschema *s, int64_t rows, int64_t total)
{
	int64_t a[2] = { rows, 0 }, b[2] = { total, 0 };
	const int64_t *v[2] = { a, b };
	uint8_t buf[256];
	size_t n = c2d_agg_encode(s, v, buf);
	if (c2d_write_all(CHILD_OUT_FD, buf, n, "output", NULL) < 0)
		_exit(42);
}

/* fake_schema with output 0 or 1 changed. */
static void emit_variant(int which, const struct c2d_outspec *o, int64_t rows)
{
	struct c2d_outspec outs[2] = { fake_schema.outputs[0], fake_schema.outputs[1] };
	outs[which] = *o;
	struct c2d_outschema s = fake_schema;
	s.outputs = outs;
	s.max_bytes = c2d_outschema_wire_len(&s);
	emit(&s, rows, 0);
}

/* Every way of changing a sealed memfd must fail. Exit 5 when all did, or
 * 10 + k for the first one that worked. */
static int attack_input(void)
{
	uint8_t b = 0x55;
	if (write(CHILD_IN_FD, &b, 1) >= 0)
		return 10;
	if (pwrite(CHILD_IN_FD, &b, 1, 0) >= 0)
		return 11;
	if (ftruncate(CHILD_IN_FD, 0) == 0 || ftruncate(CHILD_IN_FD, 1 << 20) == 0)
		return 12;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, CHILD_IN_FD, 0);
	if (m != MAP_FAILED)
		return 13;
	if (fcntl(CHILD_IN_FD, F_ADD_SEALS, 0) == 0 && fcntl(CHILD_IN_FD, F_GET_SEALS) != 0xf)
		return 14;
	if (fallocate(CHILD_IN_FD, 0, 0, 1 << 20) == 0)
		return 15;
	return 5;
}

/* Only fds 3 (the sealed memfd) and 4 (a pipe) are open, the environment
 * is empty. Exit 0 after an honest aggregate, else 20 + k. */
static int probe(void)
{
	struct stat st;
	for (int fd = 0; fd < 1024; fd++) {
		int open_ = fcntl(fd, F_GETFD) >= 0;
		if (open_ != (fd == 3 || fd == 4))
			return 20;
	}
	if (fcntl(CHILD_IN_FD, F_GET_SEALS) != (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		return 21;
	if (fstat(CHILD_OUT_FD, &st) < 0 || !S_ISFIFO(st.st_mode) ||
	    (fcntl(CHILD_OUT_FD, F_GETFL) & O_ACCMODE) != O_WRONLY)
		return 22;
	if (environ != NULL && environ[0] != NULL)
		return 23;
	uint64_t n = count_rows();
	emit(&fake_schema, (int64_t)n, (int64_t)n * FAKE_SUM_BOUND);
	return 0;
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";
	if (strcmp(m, "probe") == 0)
		return probe();
	if (strcmp(m, "attack-input") == 0)
		return attack_input();
	if (strcmp(m, "crash") == 0) {
		volatile int *volatile nowhere = NULL;
		*nowhere = 1;
		return 30;
	}
	if (strcmp(m, "abort") == 0)
		abort();
	if (strcmp(m, "loop") == 0) {
		for (volatile unsigned long i = 0;; i++)
			;
	}
	if (strcmp(m, "exit3") == 0)
		return 3;
	if (strcmp(m, "flood") == 0) {
		static const uint8_t junk[4096];
		for (;;)
			if (c2d_write_all(CHILD_OUT_FD, junk, sizeof(junk), "output", NULL) < 0)
				return 43;
	}
	uint64_t n = count_rows();
	int64_t rows = (int64_t)n;
	if (strcmp(m, "ok") == 0) {
		emit(&fake_schema, rows, rows * FAKE_SUM_BOUND);
	} else if (strcmp(m, "trailing") == 0) {
		emit(&fake_schema, rows, 0);
		if (c2d_write_all(CHILD_OUT_FD, (const uint8_t *)"", 1, "output", NULL) < 0)
			return 43;
	} else if (strcmp(m, "short") == 0) {
		if (c2d_write_all(CHILD_OUT_FD, (const uint8_t *)"C2DA\1\0\2\0\4rows", 13, "output", NULL) < 0)
			return 43;
	} else if (strcmp(m, "count-above-rows") == 0) {
		emit(&fake_schema, rows + 1, 0);
	} else if (strcmp(m, "sum-above-bound") == 0) {
		emit(&fake_schema, rows, rows * FAKE_SUM_BOUND + 1);
	} else if (strcmp(m, "wrong-name") == 0) {
		struct c2d_outspec o = fake_schema.outputs[0];
		o.name = "rowz";
		emit_variant(0, &o, rows);
	} else if (strcmp(m, "wrong-kind") == 0) {
		struct c2d_outspec o = fake_schema.outputs[0];
		o.kind = C2D_AGG_SUM;
		emit_variant(0, &o, rows);
	} else if (strcmp(m, "wrong-scale") == 0) {
		struct c2d_outspec o = fake_schema.outputs[1];
		o.scale = 3;
		emit_variant(1, &o, rows);
	} else if (strcmp(m, "wrong-shape") == 0) {
		struct c2d_outspec o = fake_schema.outputs[1];
		o.dims[0] = 2;
		o.dims[1] = 1;
		emit_variant(1, &o, rows);
	} else if (strcmp(m, "hold-output") == 0) {
		/* A descendant keeps the pipe open after the child's exit. */
		emit(&fake_schema, rows, 0);
		if (fork() == 0) {
			sleep(3);
			_exit(0);
		}
	} else {
		return 99;
	}
	return 0;
}
