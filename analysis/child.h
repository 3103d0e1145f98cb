/*
 * analysis/child.h: the analysis side of init's protocol (init/analysis.h).
 *
 * An analysis runs with exactly two descriptors: fd 3, a memfd holding the
 * rows (c2d/rowfile.h), sealed against every change, and fd 4, a pipe to
 * init for the one aggregate (c2d/aggfmt.h). child_map_input() refuses an
 * fd 3 without all four seals (F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE,
 * F_SEAL_SEAL): an input that could change under the analysis is not the
 * input that init authenticated. The mapping is read-only and private.
 *
 * Exit codes (init names them in its refusal): 0 aggregate written,
 * CHILD_EXIT_INPUT the rows were refused, CHILD_EXIT_IO a system call
 * failed. A child has no channel for messages: fds 0-2 are closed under
 * init (the console reaches the host); child_exit() writes the message to
 * fd 2 only if someone opened it (a test, a benchmark).
 */
#ifndef C2D_ANALYSIS_CHILD_H
#define C2D_ANALYSIS_CHILD_H

#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"

#define CHILD_IN_FD 3
#define CHILD_OUT_FD 4
#define CHILD_EXIT_INPUT 2
#define CHILD_EXIT_IO 3

/* Checks the seals of fd and maps it. */
int child_map_input(int fd, const uint8_t **p, size_t *len, struct c2d_err *err);

/* Exits with the code for status (0 for C2D_OK). */
void child_exit(int status, const struct c2d_err *err) __attribute__((noreturn));

#endif
