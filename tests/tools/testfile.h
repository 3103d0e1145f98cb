/* The one way unit tests read a file whole (a vector under tests/vectors/,
 * a seed), linked into every unit test. */
#ifndef C2D_TESTS_TESTFILE_H
#define C2D_TESTS_TESTFILE_H

#include <stddef.h>

/* The bytes of the regular file at path (relative to the repository root,
 * where the tests run), at most 16 MiB, in a malloc'd buffer with a NUL
 * after the *len bytes (so that text can be used as a string); the caller
 * frees it. Fails the running cmocka test with the reason, naming path,
 * if the file cannot be read. */
void *testfile_load(const char *path, size_t *len);

#endif
