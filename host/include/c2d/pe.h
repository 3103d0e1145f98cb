/*
 * c2d/pe.h: the Authenticode digest of a PE/COFF image (Microsoft, "Windows
 * Authenticode Portable Executable Signature Format", "Calculating the PE
 * Image Hash"), as UEFI firmware computes it before it starts an image and
 * measures it (edk2 Tcg2MeasurePeImage; under TDX the digest is extended
 * into RTMR1). The EFI-stub Linux kernel (bzImage) is such an image.
 *
 * What is hashed, in order:
 *   1. the headers from offset 0 to SizeOfHeaders, leaving out the optional
 *      header's CheckSum (4 bytes) and the certificate-table data directory
 *      entry (8 bytes; absent when NumberOfRvaAndSizes <= 4, and then
 *      nothing is left out there);
 *   2. the raw data of every section with SizeOfRawData > 0, in increasing
 *      PointerToRawData order;
 *   3. the bytes after those (SUM = SizeOfHeaders + the section sizes), less
 *      the certificate table's size: file size - cert size - SUM bytes from
 *      offset SUM, when positive. No padding is added (edk2 adds none;
 *      sbsigntool and dstack-mr pad the file to 8 bytes, which gives the
 *      same digest for every file whose size is a multiple of 8, as a
 *      bzImage's is).
 *
 * The parser is hand-written (no library parses PE for us) and checks every
 * offset against the buffer: a header or section that does not lie inside
 * the image, a certificate table larger
 * than what remains, or more than C2D_PE_MAX_SECTIONS sections fail with
 * C2D_E_INPUT naming the field and offset. Nothing is allocated. Not
 * constant-time: images are public.
 *
 * Prefix: c2d_pe_
 */
#ifndef C2D_PE_H
#define C2D_PE_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define C2D_PE_MAX_SECTIONS 96 /* the PE/COFF limit is 96 for images */

C2D_MUST_CHECK c2d_status c2d_pe_authenticode_sha384(const uint8_t *img, size_t len,
						     uint8_t out[48], struct c2d_err *err);
C2D_MUST_CHECK c2d_status c2d_pe_authenticode_sha256(const uint8_t *img, size_t len,
						     uint8_t out[32], struct c2d_err *err);

#endif
