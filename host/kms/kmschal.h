/*
 * host/kms/kmschal.h: the KMS's challenges (docs/kms-protocol.md,
 * "Challenges"): fresh, random, single use, with a lifetime.
 *
 * A store holds at most `capacity` outstanding challenges, in memory the
 * caller fixes at c2d_kmschal_init (no growth under load). Issuing into a
 * full store first drops the expired ones; if it is still full, the issue
 * is refused (C2D_E_UNAVAILABLE: the daemon answers "busy") rather than
 * evicting a live challenge, so that a flood of challenge requests cannot
 * invalidate an honest CVM's challenge. Taking a challenge removes it,
 * whatever the outcome of the request that named it: a refused request
 * cannot be replayed with the same challenge.
 *
 * Time is the caller's (now, unix seconds), so that tests can move it. A
 * challenge issued at t is fresh while now < t + lifetime.
 *
 * Challenges are public once issued (they travel in clear); lookups are not
 * constant-time. The store has its own mutex: issue and take may be called
 * from several threads. No global state.
 *
 * Prefix: c2d_kmschal_
 */
#ifndef C2D_HOST_KMSCHAL_H
#define C2D_HOST_KMSCHAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "c2d/err.h"
#include "c2d/kmsrelease.h"

#define C2D_KMSCHAL_CAPACITY_MAX (1u << 20)

struct c2d_kmschal_entry {
	uint8_t value[C2D_KMSR_CHALLENGE_LEN];
	int64_t expires;
};

struct c2d_kmschal_store {
	pthread_mutex_t lock;
	struct c2d_kmschal_entry *e;   /* capacity entries, n in use, unordered */
	size_t n, capacity;
	int64_t lifetime;
};

/* What taking a challenge found. */
enum c2d_kmschal_state {
	C2D_KMSCHAL_FRESH = 0,   /* issued, unused, within its lifetime: now used */
	C2D_KMSCHAL_UNKNOWN,     /* never issued here, or already used */
	C2D_KMSCHAL_EXPIRED,     /* issued, unused, past its lifetime: now dropped */
};

/* capacity 1 .. C2D_KMSCHAL_CAPACITY_MAX, lifetime > 0 seconds.
 * C2D_E_USAGE out of range, C2D_E_NOMEM. Release with c2d_kmschal_free. */
C2D_MUST_CHECK c2d_status c2d_kmschal_init(struct c2d_kmschal_store *s, size_t capacity,
					   int64_t lifetime, struct c2d_err *err);

void c2d_kmschal_free(struct c2d_kmschal_store *s);

/* A new challenge (c2d_random) into out, valid until now + lifetime.
 * C2D_E_UNAVAILABLE when the store is full of live challenges, C2D_E_IO
 * when the kernel gives no randomness. */
C2D_MUST_CHECK c2d_status c2d_kmschal_issue(struct c2d_kmschal_store *s, int64_t now,
					    uint8_t out[C2D_KMSR_CHALLENGE_LEN], struct c2d_err *err);

/* Removes value from the store and says what it was (never fails). */
enum c2d_kmschal_state c2d_kmschal_take(struct c2d_kmschal_store *s, int64_t now,
					const uint8_t value[C2D_KMSR_CHALLENGE_LEN]);

#endif
