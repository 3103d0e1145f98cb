/*
 * c2d/pckext.h: the Intel SGX extension of PCK certificates (OID
 * 1.2.840.113741.1.13.1; Intel "SGX PCK Certificate and CRL Profile",
 * section "Intel SGX PCK Certificate"). Its value is
 *
 *   SEQUENCE {
 *     SEQUENCE { OID .1  PPID,        OCTET STRING (16) }
 *     SEQUENCE { OID .2  TCB,         SEQUENCE {
 *         SEQUENCE { OID .2.1 .. .2.16  SGX TCB component SVN, INTEGER (0..255) } x16
 *         SEQUENCE { OID .2.17 PCESVN, INTEGER (0..65535) }
 *         SEQUENCE { OID .2.18 CPUSVN, OCTET STRING (16) } } }
 *     SEQUENCE { OID .3  PCE-ID,      OCTET STRING (2) }
 *     SEQUENCE { OID .4  FMSPC,       OCTET STRING (6) }
 *     SEQUENCE { OID .5  SGX type,    ENUMERATED (0 Standard, 1 Scalable,
 *                                       2 Scalable with integrity) }
 *     -- platform CA certificates only:
 *     SEQUENCE { OID .6  PlatformInstanceID, OCTET STRING (16) }   OPTIONAL
 *     SEQUENCE { OID .7  Configuration, SEQUENCE {
 *         SEQUENCE { OID .7.1 dynamicPlatform, BOOLEAN } OPTIONAL
 *         SEQUENCE { OID .7.2 cachedKeys,      BOOLEAN } OPTIONAL
 *         SEQUENCE { OID .7.3 SMTEnabled,      BOOLEAN } OPTIONAL } } OPTIONAL
 *   }
 *
 * in exactly that order; anything else (another order, a missing or
 * repeated entry, a wrong size, trailing bytes) is refused with
 * C2D_E_INPUT naming the offset within the extension value. Hand-written
 * over c2d/der.h: no library c2d uses knows this extension. Not
 * constant-time: certificates are public.
 *
 * Prefix: c2d_pck_ext_
 */
#ifndef C2D_PCKEXT_H
#define C2D_PCKEXT_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

struct c2d_pck_ext {
	uint8_t ppid[16];
	uint8_t cpusvn[16];
	uint8_t comp_svn[16];      /* SGX TCB components 1..16 */
	uint16_t pcesvn;
	uint8_t pceid[2];
	uint8_t fmspc[6];
	int sgx_type;
	int has_instance_id;       /* the platform-only entries: */
	uint8_t instance_id[16];
	int dynamic_platform, cached_keys, smt_enabled;   /* -1 when absent, else 0 or 1 */
};

/* ext[0..len): the extnValue content (struct c2d_x509's sgx_ext). */
C2D_MUST_CHECK c2d_status c2d_pck_ext_parse(const uint8_t *ext, size_t len, struct c2d_pck_ext *out,
					    struct c2d_err *err);

#endif
