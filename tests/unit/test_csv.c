/* Unit tests of the CSV/TSV reader and the typed value parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "csv.h"
#include "values.h"

/* Opens a reader over text, through a temporary file. */
static int reader(struct c2d_csv *c, const char *text, size_t len, int tsv)
{
	char path[] = "/tmp/c2d-test-csv.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	lseek(fd, 0, SEEK_SET);
	unlink(path);
	assert_int_equal(c2d_csv_open(c, fd, "t.csv", tsv, NULL), C2D_OK);
	return fd;
}

static void expect_field(const struct c2d_csv *c, size_t i, const char *want,
			 uint64_t line, uint64_t col)
{
	assert_true(i < c->nfields);
	assert_int_equal(c->fields[i].len, strlen(want));
	assert_memory_equal(c->fields[i].p, want, strlen(want));
	assert_int_equal(c->fields[i].line, line);
	assert_int_equal(c->fields[i].col, col);
}

static void test_rfc4180(void **state)
{
	(void)state;
	static const char text[] =
		"a,b,c\r\n"
		"1,\"x,y\",\"say \"\"hi\"\"\"\n"
		"\"multi\nline\",,last\n"
		",\"\",end";
	struct c2d_csv c;
	struct c2d_err err = { 0 };
	int fd = reader(&c, text, sizeof(text) - 1, 0);
	assert_int_equal(c2d_csv_next(&c, &err), 1);
	assert_int_equal(c.nfields, 3);
	expect_field(&c, 2, "c", 1, 5);
	assert_int_equal(c2d_csv_next(&c, &err), 1);
	expect_field(&c, 0, "1", 2, 1);
	expect_field(&c, 1, "x,y", 2, 3);
	expect_field(&c, 2, "say \"hi\"", 2, 9);
	assert_int_equal(c2d_csv_next(&c, &err), 1);
	expect_field(&c, 0, "multi\nline", 3, 1);
	expect_field(&c, 1, "", 4, 7);
	expect_field(&c, 2, "last", 4, 8);
	assert_int_equal(c2d_csv_next(&c, &err), 1);
	assert_int_equal(c.nfields, 3);
	expect_field(&c, 0, "", 5, 1);
	assert_true(c.fields[1].quoted);
	expect_field(&c, 2, "end", 5, 5);
	assert_int_equal(c2d_csv_next(&c, &err), 0);
	c2d_csv_close(&c);
	close(fd);
}

static void expect_error(const char *text, int tsv, const char *msg)
{
	struct c2d_csv c;
	struct c2d_err err = { 0 };
	int fd = reader(&c, text, strlen(text), tsv);
	int r;
	while ((r = c2d_csv_next(&c, &err)) == 1)
		;
	assert_int_equal(r, C2D_E_INPUT);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("'%s' lacks '%s'", err.msg, msg);
	c2d_csv_close(&c);
	close(fd);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error("a\n\"open", 0, "t.csv:2:1: quoted field is not closed");
	expect_error("a,b\n\"x\"y,z\n", 0, "t.csv:2:4: expected a separator or a line end after a closing quote, found 'y'");
	expect_error("a,b\nx\"y,z\n", 0, "t.csv:2:2: a quote inside an unquoted field");
}

static void test_bom_is_skipped(void **state)
{
	(void)state;
	static const char text[] = "\xef\xbb\xbf" "age,sex\n1,F\n";
	struct c2d_csv c;
	int fd = reader(&c, text, sizeof(text) - 1, 0);
	assert_int_equal(c2d_csv_next(&c, NULL), 1);
	expect_field(&c, 0, "age", 1, 1);
	expect_field(&c, 1, "sex", 1, 5);
	assert_int_equal(c2d_csv_next(&c, NULL), 1);
	assert_int_equal(c2d_csv_next(&c, NULL), 0);
	assert_int_equal(c.consumed, sizeof(text) - 1);
	c2d_csv_close(&c);
	close(fd);
}

static void test_tsv(void **state)
{
	(void)state;
	static const char text[] = "a\tb\n\"q\"\t2\n";
	struct c2d_csv c;
	int fd = reader(&c, text, sizeof(text) - 1, 1);
	assert_int_equal(c2d_csv_next(&c, NULL), 1);
	assert_int_equal(c2d_csv_next(&c, NULL), 1);
	expect_field(&c, 0, "\"q\"", 2, 1);   /* no quoting in TSV */
	expect_field(&c, 1, "2", 2, 5);
	c2d_csv_close(&c);
	close(fd);
}

/* Records that straddle the reader's 1 MiB buffer, quoted and escaped at
 * every offset around the boundary, read back exactly. */
static void test_buffer_boundaries(void **state)
{
	(void)state;
	size_t cap = 3u << 20;
	char *text = malloc(cap);
	size_t n = 0;
	unsigned rows = 0;
	while (n < cap - 100) {
		n += (size_t)sprintf(text + n, "%u,\"v\"\"%u\"\"\n,x\",tail%u\r\n", rows, rows, rows);
		rows++;
	}
	struct c2d_csv c;
	struct c2d_err err = { 0 };
	int fd = reader(&c, text, n, 0);
	unsigned got = 0;
	int r;
	char want[64];
	while ((r = c2d_csv_next(&c, &err)) == 1) {
		assert_int_equal(c.nfields, 3);
		sprintf(want, "v\"%u\"\n,x", got);
		assert_int_equal(c.fields[1].len, strlen(want));
		assert_memory_equal(c.fields[1].p, want, strlen(want));
		sprintf(want, "tail%u", got);
		assert_int_equal(c.fields[2].len, strlen(want));
		assert_memory_equal(c.fields[2].p, want, strlen(want));
		assert_int_equal(c.fields[0].line, 2 * (uint64_t)got + 1);
		got++;
	}
	assert_int_equal(r, 0);
	assert_int_equal(got, rows);
	assert_int_equal(c.consumed, n);
	c2d_csv_close(&c);
	close(fd);
	free(text);
}

static void test_values(void **state)
{
	(void)state;
	int64_t i;
	double d;
	int b;
	int32_t day;
	assert_int_equal(c2d_values_parse_int64("-9223372036854775808", 20, &i, NULL), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(c2d_values_parse_int64("9223372036854775808", 19, &i, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_int64("+42", 3, &i, NULL), 0);
	assert_int_equal(i, 42);
	assert_int_equal(c2d_values_parse_int64("4 2", 3, &i, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_int64("-", 1, &i, NULL), C2D_E_INPUT);
	struct c2d_err err = { 0 };
	assert_int_equal(c2d_values_parse_int64("x", 1, &i, &err), C2D_E_INPUT);
	assert_int_equal(err.status, C2D_E_INPUT);
	assert_string_equal(err.msg, "expected an int64");
	assert_int_equal(c2d_values_parse_float64("1e3", 3, &d, NULL), 0);
	assert_true(d == 1000.0);
	assert_int_equal(c2d_values_parse_float64("-.5", 3, &d, NULL), 0);
	assert_true(d == -0.5);
	assert_int_equal(c2d_values_parse_float64("inf", 3, &d, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_float64("nan", 3, &d, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_float64("0x10", 4, &d, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_float64("1e999", 5, &d, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_float64(" 1", 2, &d, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_float64("1.", 2, &d, NULL), 0);
	assert_int_equal(c2d_values_parse_float64(".", 1, &d, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_bool("True", 4, &b, NULL), 0);
	assert_int_equal(b, 1);
	assert_int_equal(c2d_values_parse_bool("no", 2, &b, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_date("1970-01-01", 10, &day, NULL), 0);
	assert_int_equal(day, 0);
	assert_int_equal(c2d_values_parse_date("2000-02-29", 10, &day, NULL), 0);
	assert_int_equal(day, 11016);
	assert_int_equal(c2d_values_parse_date("1900-02-29", 10, &day, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_date("2023-04-31", 10, &day, NULL), C2D_E_INPUT);
	assert_int_equal(c2d_values_parse_date("1969-12-31", 10, &day, NULL), 0);
	assert_int_equal(day, -1);
	/* Every day from 1800 to 2200 goes round through the text form. */
	for (int32_t k = -62000; k < 84000; k++) {
		char buf[16];
		c2d_values_format_date(k, buf);
		assert_int_equal(c2d_values_parse_date(buf, 10, &day, NULL), 0);
		assert_int_equal(day, k);
	}
	/* Doubles round-trip through c2d_values_format_float64. */
	double vals[] = { 0.1, 1.0 / 3, 6.02214076e23, -2.5e-300, 123456789.125 };
	for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
		char buf[32];
		c2d_values_format_float64(vals[k], buf);
		assert_int_equal(c2d_values_parse_float64(buf, strlen(buf), &d, NULL), 0);
		assert_memory_equal(&d, &vals[k], 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4180),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bom_is_skipped),
		cmocka_unit_test(test_tsv),
		cmocka_unit_test(test_buffer_boundaries),
		cmocka_unit_test(test_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
