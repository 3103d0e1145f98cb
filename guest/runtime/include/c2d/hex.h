/*
 * c2d/hex.h: hexadecimal. Encoding is lowercase; decoding accepts either
 * case and an optional "0x" prefix, and requires exactly the expected
 * number of digits. Not constant-time: used for public values and for key
 * files, whose secrecy does not depend on the timing of a one-time parse.
 *
 * Prefix: c2d_hex
 */
#ifndef C2D_HEX_H
#define C2D_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

/* Writes 2*len lowercase hex digits and a NUL into out (size 2*len+1). */
void c2d_hex(const uint8_t *in, size_t len, char *out);

/* Decodes text[0..text_len) into exactly len bytes; C2D_E_INPUT if the
 * text is not 2*len hex digits (after an optional 0x). The message quotes
 * no part of the text: it may be a secret key. */
C2D_MUST_CHECK c2d_status c2d_hex_decode(const char *text, size_t text_len, uint8_t *out, size_t len,
				    struct c2d_err *err);

#endif
