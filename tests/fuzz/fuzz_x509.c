/* libFuzzer target: PEM chains, certificates and the SGX extension. The
 * decoder hands back DER wholly inside its buffer; every field the
 * certificate parser returns lies inside that certificate; the extension
 * parser, given what the certificate parser found, never overruns; chain
 * verification, in full or above verified CAs, reads only the chain. */
#include <assert.h>
#include <stdint.h>

#include "c2d/pckext.h"
#include "c2d/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN(c, p, n) assert((p) >= (c)->der && (p) + (n) <= (c)->der + (c)->der_len)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct c2d_pem_chain chain;
	if (c2d_x509_pem_chain_decode((const char *)data, size, &chain, NULL) != C2D_OK)
		return 0;
	assert(chain.n >= 1 && chain.n <= C2D_X509_MAX_CHAIN);
	for (size_t i = 0; i < chain.n; i++) {
		struct c2d_x509 c;
		struct c2d_pck_ext ext;
		assert(chain.len[i] > 0 && chain.off[i] + chain.len[i] <= size);
		if (c2d_x509_parse(chain.buf + chain.off[i], chain.len[i], &c, NULL) != C2D_OK)
			continue;
		IN(&c, c.tbs, c.tbs_len);
		IN(&c, c.serial, c.serial_len);
		IN(&c, c.issuer, c.issuer_len);
		IN(&c, c.subject, c.subject_len);
		IN(&c, c.sig, c.sig_len);
		assert(c.serial_len >= 1 && c.serial_len <= 20);
		assert(c.pub[0] == 0x04);
		char cn[64];
		c2d_x509_cn(&c, cn, sizeof(cn));
		if (c.sgx_ext != NULL) {
			IN(&c, c.sgx_ext, c.sgx_ext_len);
			if (c2d_pck_ext_parse(c.sgx_ext, c.sgx_ext_len, &ext, NULL) == C2D_OK)
				assert(ext.sgx_type >= 0 && ext.sgx_type <= 2);
		}
	}
	/* Verification must fail closed on anything (the root is real). */
	struct c2d_x509 leaf;
	c2d_ignore(c2d_x509_chain_verify(&chain, c2d_intel_sgx_root_der, c2d_intel_sgx_root_der_len,
					 1751328000, &leaf, NULL));
	/* The path for a chain whose CAs were verified before: here the
	 * input's own certificates above its leaf stand for them (nothing
	 * is claimed of the result; it must not read out of bounds). */
	if (chain.n >= 2) {
		struct c2d_pem_chain known = { .buf = chain.buf, .n = chain.n - 1 };
		for (size_t i = 0; i + 1 < chain.n; i++) {
			known.off[i] = chain.off[i + 1];
			known.len[i] = chain.len[i + 1];
		}
		c2d_ignore(c2d_x509_chain_verify_known(&chain, &known, c2d_intel_sgx_root_der,
						       c2d_intel_sgx_root_der_len, 1751328000, &leaf, NULL));
	}
	c2d_ignore(c2d_x509_chain_check_time(&chain, c2d_intel_sgx_root_der, c2d_intel_sgx_root_der_len,
					     1751328000, NULL));
	c2d_x509_pem_chain_free(&chain);
	return 0;
}
