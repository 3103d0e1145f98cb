/* Placeholder, replaced by the VAES/VPCLMULQDQ implementation. */
#include "c2d/aead.h"
