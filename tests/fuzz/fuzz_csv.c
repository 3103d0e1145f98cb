/* libFuzzer target: the CSV/TSV reader and the value parsers. Every field
 * it hands out lies inside its buffer, at a sane line and column; parsed
 * values format back to text that parses to the same value. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "csv.h"
#include "values.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	struct c2d_csv c;
	if (c2d_csv_open(&c, fd, "fuzz", data[0] & 1, NULL) == C2D_OK) {
		int r;
		while ((r = c2d_csv_next(&c, NULL)) == 1) {
			for (size_t i = 0; i < c.nfields; i++) {
				const struct c2d_csv_field *f = &c.fields[i];
				assert(f->p >= c.buf && f->p + f->len <= c.buf + c.end);
				assert(f->line >= 1 && f->col >= 1);
				int64_t v;
				double d, d2;
				int32_t day, day2;
				char buf[32];
				if (c2d_values_parse_int64(f->p, f->len, &v, NULL) == 0) {
					int64_t w;
					int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
					assert(c2d_values_parse_int64(buf, (size_t)n, &w, NULL) == 0 && w == v);
				}
				if (c2d_values_parse_float64(f->p, f->len, &d, NULL) == 0) {
					/* The fast path must agree with strtod to the bit. */
					char text[64];
					memcpy(text, f->p, f->len);
					text[f->len] = '\0';
					double ref = strtod(text, NULL);
					assert(memcmp(&ref, &d, sizeof(d)) == 0);
					c2d_values_format_float64(d, buf);
					assert(c2d_values_parse_float64(buf, strlen(buf), &d2, NULL) == 0 && d2 == d);
				}
				if (c2d_values_parse_date(f->p, f->len, &day, NULL) == 0) {
					c2d_values_format_date(day, buf);
					assert(c2d_values_parse_date(buf, strlen(buf), &day2, NULL) == 0 && day2 == day);
				}
			}
		}
		c2d_csv_close(&c);
	}
	close(fd);
	return 0;
}
