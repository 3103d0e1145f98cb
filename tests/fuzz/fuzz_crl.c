/* libFuzzer target: the CRL parser, then the revocation lookup against a
 * fixed serial. What the parser returns lies inside the input; its count
 * of entries is what the lookup walks. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "c2d/crl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN(p, n) assert((p) >= data && (p) + (n) <= data + size)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first serial of the real PCK CRL in the seeds. */
	static const uint8_t serial[20] = { 0x6f, 0xc3, 0x4e, 0x50, 0x23, 0xe7, 0x28, 0x92, 0x34, 0x35,
					    0xd6, 0x1a, 0xa4, 0xb8, 0x3c, 0x61, 0x81, 0x66, 0xad, 0x35 };
	struct c2d_crl crl;
	struct c2d_x509 cert;

	if (c2d_crl_parse(data, size, &crl, NULL) != C2D_OK)
		return 0;
	IN(crl.tbs, crl.tbs_len);
	IN(crl.issuer, crl.issuer_len);
	IN(crl.sig, crl.sig_len);
	assert(crl.this_update < crl.next_update);
	if (crl.revoked != NULL) {
		IN(crl.revoked, crl.revoked_len);
		assert(crl.n_revoked >= 1);
	} else {
		assert(crl.n_revoked == 0);
	}
	memset(&cert, 0, sizeof(cert));
	cert.serial = serial;
	cert.serial_len = sizeof(serial);
	int r = c2d_crl_revokes(&crl, &cert);
	assert(r == 0 || r == 1);
	if (crl.n_revoked == 0)
		assert(r == 0);
	return 0;
}
