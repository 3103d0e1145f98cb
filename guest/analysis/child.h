/*
 * guest/analysis/child.h: the analysis side of init's protocol (guest/init/analysis.h).
 *
 * An analysis runs with exactly two descriptors: fd 3, a memfd holding the
 * rows (c2d/rowfile.h), sealed against every change, and fd 4, a pipe to
 * init for the one aggregate (c2d/aggfmt.h); risk-model also reads
 * requests on fd 5.
 *
 * child_start() is the first call of every analysis's main. It confines
 * the process before any row byte is read: a seccomp filter (child.c's
 * table, "Confinement of the analysis child" in docs/architecture.md) lets
 * through only the system calls an analysis makes once it runs: read,
 * write to fd 4 (and 2), memory management without PROT_EXEC, threads
 * (clone with exactly the flags of a pthread), futexes, the CPU count and
 * exit. Anything else, open, socket, execve, ptrace, fork among them,
 * kills the whole process with SIGSYS, which init names in its refusal.
 * The filter stays for the life of the process and its threads. Then it
 * maps fd 3, refusing it without all four seals (F_SEAL_SHRINK,
 * F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_SEAL): an input that could change
 * under the analysis is not the input that init authenticated. The
 * mapping is read-only and private. child_start() returns only on
 * success; on failure it exits as child_exit() does.
 *
 * Exit codes (init names them in its refusal): 0 aggregate written,
 * CHILD_EXIT_INPUT the rows were refused, CHILD_EXIT_IO a system call
 * failed (the filter could not be installed among them). A child has no
 * channel for messages: fds 0-2 are closed under init (the console reaches
 * the host); child_exit() writes the message to fd 2, which reaches
 * someone only where a test or a benchmark runs the child by hand.
 *
 * x86-64 only (the filter checks the architecture and reads arguments as
 * little-endian 64-bit words).
 *
 * Prefix: child_
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

/* Confines the process, then maps the sealed rows of fd 3: *rows, *len. */
void child_start(const uint8_t **rows, size_t *len);

/* Exits with the code for status (0 for C2D_OK). */
void child_exit(int status, const struct c2d_err *err) __attribute__((noreturn));

#endif
