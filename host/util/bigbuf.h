/*
 * host/util/bigbuf.h: the large working buffers of the host's in-memory
 * runs (c2d run's rows, the central fit's feature table), faulted in up
 * front in 2 MiB pages where the kernel gives them, and grown in place
 * instead of moved.
 *
 * Why: every first touch of a 4 KiB page is a page fault, and under a
 * shadow-paging hypervisor (the benchmark machines' PVM) each costs tens
 * of microseconds; a buffer that realloc moves (mremap) is faulted again at
 * its new address. One MADV_POPULATE_WRITE over MADV_HUGEPAGE memory
 * replaces a fault a page by one call; the figures are in
 * docs/performance.md, "First touches". Where the kernel has neither
 * (before Linux 5.14, or THP off), the memory is faulted on first touch
 * as plain malloc'd memory would be: slower, never wrong.
 *
 * c2d_bigbuf_reserve(b, hint): an empty buffer (len 0) with address space
 *   for hint bytes set aside (no memory yet).
 * c2d_bigbuf_room(b, n): makes b->p[b->len .. b->len + n) writable and
 *   faulted in. Within the reservation nothing moves; past it the buffer
 *   moves once to a reservation twice as large (a copy). b->p may change.
 * c2d_bigbuf_alloc(b, n): both at once, for a buffer of a known size.
 * c2d_bigbuf_free(b): unmaps it (the caller wipes what must be wiped); b
 *   may be zeroed, reserved or in use.
 * Each returns C2D_OK or C2D_E_NOMEM. On failure reserve leaves b empty,
 * room leaves b as it was, and alloc may leave a reservation: free b
 * either way.
 * Header only: its users are one file each (host/cli/cmd_run.c,
 * host/central/riskmodel_central.c).
 */
#ifndef C2D_HOST_BIGBUF_H
#define C2D_HOST_BIGBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "c2d/err.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23   /* Linux 5.14; older kernels say EINVAL */
#endif

struct c2d_bigbuf {
	uint8_t *p;
	size_t len;     /* bytes in use */
	size_t ready;   /* bytes writable and faulted in, from p */
	size_t cap;     /* bytes of address space reserved, from p */
};

#define C2D_BIGBUF_HUGE ((size_t)2 << 20)
#define C2D_BIGBUF_STEP ((size_t)32 << 20)

static inline size_t c2d_bigbuf_round(size_t n)
{
	return (n + C2D_BIGBUF_HUGE - 1) & ~(C2D_BIGBUF_HUGE - 1);
}

/* Address space only, aligned to 2 MiB so that huge pages can back it
 * from its first byte. */
static inline uint8_t *c2d_bigbuf_map(size_t cap)
{
	size_t span = cap + C2D_BIGBUF_HUGE;
	uint8_t *m = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	uint8_t *p = (uint8_t *)(((uintptr_t)m + C2D_BIGBUF_HUGE - 1) & ~(uintptr_t)(C2D_BIGBUF_HUGE - 1));
	if (p > m)
		munmap(m, (size_t)(p - m));
	munmap(p + cap, (size_t)(m + span - (p + cap)));
	return p;
}

/* Makes [from, to) of p writable, in huge pages, faulted in. */
static inline int c2d_bigbuf_commit(uint8_t *p, size_t from, size_t to)
{
	if (mprotect(p + from, to - from, PROT_READ | PROT_WRITE) != 0)
		return -1;
	/* Both are hints: without them the memory is still correct. */
	(void)madvise(p + from, to - from, MADV_HUGEPAGE);
	(void)madvise(p + from, to - from, MADV_POPULATE_WRITE);
	return 0;
}

static inline int c2d_bigbuf_reserve(struct c2d_bigbuf *b, size_t hint, struct c2d_err *err)
{
	memset(b, 0, sizeof(*b));
	size_t cap = c2d_bigbuf_round(hint ? hint : 1);
	if (cap < hint || (b->p = c2d_bigbuf_map(cap)) == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory (reserving %zu bytes)", hint);
	b->cap = cap;
	return C2D_OK;
}

static inline int c2d_bigbuf_room(struct c2d_bigbuf *b, size_t n, struct c2d_err *err)
{
	if (n > SIZE_MAX / 2 - b->len)
		return c2d_fail(err, C2D_E_NOMEM, "out of memory (%zu more bytes)", n);
	size_t need = b->len + n;
	if (need <= b->ready)
		return C2D_OK;
	/* Ahead by a step (or an eighth of what is there): a few hundred
	 * calls for any size, and at most a step's worth unused at the end. */
	size_t step = b->ready / 8 > C2D_BIGBUF_STEP ? b->ready / 8 : C2D_BIGBUF_STEP;
	size_t want = c2d_bigbuf_round((need / step + 1) * step);
	if (need <= b->cap) {
		want = want < b->cap ? want : b->cap;
		if (c2d_bigbuf_commit(b->p, b->ready, want) != 0)
			return c2d_fail(err, C2D_E_NOMEM, "out of memory (%zu bytes)", want);
		b->ready = want;
		return C2D_OK;
	}
	/* Past the reservation: one move to twice the size. */
	size_t cap = c2d_bigbuf_round(2 * need > want ? 2 * need : want);
	uint8_t *q = c2d_bigbuf_map(cap);
	if (q == NULL || c2d_bigbuf_commit(q, 0, want) != 0) {
		if (q != NULL)
			munmap(q, cap);
		return c2d_fail(err, C2D_E_NOMEM, "out of memory (%zu bytes)", want);
	}
	if (b->len > 0)
		memcpy(q, b->p, b->len);
	if (b->p != NULL) {
		explicit_bzero(b->p, b->len);
		munmap(b->p, b->cap);
	}
	b->p = q;
	b->cap = cap;
	b->ready = want;
	return C2D_OK;
}

static inline int c2d_bigbuf_alloc(struct c2d_bigbuf *b, size_t n, struct c2d_err *err)
{
	int r = c2d_bigbuf_reserve(b, n, err);
	if (r == C2D_OK && (r = c2d_bigbuf_room(b, n, err)) == C2D_OK)
		b->len = n;
	return r;
}

static inline void c2d_bigbuf_free(struct c2d_bigbuf *b)
{
	if (b->p != NULL)
		munmap(b->p, b->cap);
	memset(b, 0, sizeof(*b));
}

#endif
