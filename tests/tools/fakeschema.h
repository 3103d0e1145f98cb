/* The output schema of the fake analyses (tests/tools/fakeanalysis.c) that
 * test_analysis runs under init's runner: one count and one sum. */
#ifndef C2D_TESTS_FAKESCHEMA_H
#define C2D_TESTS_FAKESCHEMA_H

#include "c2d/aggfmt.h"

#define FAKE_SUM_BOUND 16

extern const struct c2d_outschema fake_schema;

#endif
