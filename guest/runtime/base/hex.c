/* Hexadecimal: see c2d/hex.h. */
#include "c2d/hex.h"

void c2d_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

c2d_status c2d_hex_decode(const char *text, size_t text_len, uint8_t *out, size_t len,
		     struct c2d_err *err)
{
	if (text_len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		text += 2;
		text_len -= 2;
	}
	if (text_len != 2 * len)
		return c2d_fail(err, C2D_E_INPUT, "expected %zu hex digits, found %zu characters",
				2 * len, text_len);
	for (size_t i = 0; i < len; i++) {
		int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return c2d_fail(err, C2D_E_INPUT, "expected %zu hex digits, found another character at %zu",
					2 * len, 2 * i + (hi < 0 ? 0 : 1));
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return C2D_OK;
}
