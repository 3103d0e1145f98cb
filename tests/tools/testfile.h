/* The one way unit tests read a file whole (a vector under tests/vectors/,
 * a seed), and catch what reaches their own console; linked into every
 * unit test. */
#ifndef C2D_TESTS_TESTFILE_H
#define C2D_TESTS_TESTFILE_H

#include <stddef.h>

/* The bytes of the regular file at path (relative to the repository root,
 * where the tests run), at most 16 MiB, in a malloc'd buffer with a NUL
 * after the *len bytes (so that text can be used as a string); the caller
 * frees it. Fails the running cmocka test with the reason, naming path,
 * if the file cannot be read. */
void *testfile_load(const char *path, size_t *len);

/* The test's console caught: testfile_console_grab() points descriptors 1
 * and 2 at a fresh temporary file; testfile_console_release() puts them
 * back, removes the file and returns how many bytes reached it meanwhile.
 * For the tests that a child writes nothing where init's console would
 * take it. Fails the running test if a descriptor cannot be moved. */
struct testfile_console {
	int saved_out, saved_err, fd;
};
void testfile_console_grab(struct testfile_console *c);
size_t testfile_console_release(struct testfile_console *c);

#endif
