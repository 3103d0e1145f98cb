/* Placeholder, replaced by the SHA-NI SHA-256 implementation. */
#include "c2d/digest.h"
