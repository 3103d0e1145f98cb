/*
 * host/kms/kmsimage.h: loading an image the KMS serves (docs/kms-protocol.md,
 * "Served images") from its directory, as `make image` lays it out
 * (out/image/, out/image-NAME/) or as a release publishes it:
 *
 *   DIR/measurements.json   written by `c2d measure`: the compose-hash and
 *                           the digests it is made of; MRTD and RTMR0-2
 *                           (tdx.mrtd ... tdx.rtmr2, null where unknown)
 *   DIR/initrd.cpio         the image's initramfs, whose
 *                           /etc/c2d/analysis.conf is the analysis's
 *                           recipe (c2d/analysisconf.h): its epsilon and
 *                           rho are what one run charges each dataset;
 *   or, where the initramfs is not published,
 *   DIR/analysis.conf       that same file.
 *
 * The compose-hash is recomputed from the three digests measurements.json
 * lists, and the initramfs, when present, must be the one they list, so
 * the charge is read from the measured image itself; a separate
 * analysis.conf is the operator's word. RTMR1 and RTMR2 must be pinned
 * (they are what ties the event log's compose-hash to the image booted,
 * docs/kms-protocol.md "Measured identity"); MRTD and RTMR0 are pinned
 * where measurements.json gives them and unchecked where it says null.
 *
 * Errors: C2D_E_INPUT naming the file and what is wrong, C2D_E_IO for a
 * file that cannot be read. Not constant-time; no global state.
 *
 * Prefix: c2d_kmsimage_
 */
#ifndef C2D_HOST_KMSIMAGE_H
#define C2D_HOST_KMSIMAGE_H

#include "c2d/err.h"
#include "kmsdecide.h"

C2D_MUST_CHECK c2d_status c2d_kmsimage_load(const char *dir, struct c2d_kms_image *im, struct c2d_err *err);

#endif
