/* KMS challenges: see kmschal.h. A linear scan: the store is bounded, a
 * scan of a few thousand 40-byte entries costs microseconds, and it needs
 * no hash function that an attacker choosing nothing could not defeat
 * anyway (the values are random). */
#include "kmschal.h"

#include <stdlib.h>
#include <string.h>

#include "c2d/random.h"

c2d_status c2d_kmschal_init(struct c2d_kmschal_store *s, size_t capacity, int64_t lifetime,
			    struct c2d_err *err)
{
	memset(s, 0, sizeof(*s));
	if (capacity == 0 || capacity > C2D_KMSCHAL_CAPACITY_MAX || lifetime <= 0)
		return c2d_fail(err, C2D_E_USAGE, "challenges: capacity 1 to %u and a positive lifetime",
				C2D_KMSCHAL_CAPACITY_MAX);
	if ((s->e = calloc(capacity, sizeof(*s->e))) == NULL)
		return c2d_fail(err, C2D_E_NOMEM, "challenges: out of memory");
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s->e);
		s->e = NULL;
		return c2d_fail(err, C2D_E_INTERNAL, "challenges: no mutex");
	}
	s->capacity = capacity;
	s->lifetime = lifetime;
	return C2D_OK;
}

void c2d_kmschal_free(struct c2d_kmschal_store *s)
{
	if (s->e == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/* Drops entry i by moving the last one into its place (order is free). */
static void drop(struct c2d_kmschal_store *s, size_t i)
{
	s->e[i] = s->e[--s->n];
	memset(&s->e[s->n], 0, sizeof(s->e[s->n]));
}

c2d_status c2d_kmschal_issue(struct c2d_kmschal_store *s, int64_t now,
			     uint8_t out[C2D_KMSR_CHALLENGE_LEN], struct c2d_err *err)
{
	int r = c2d_random(out, C2D_KMSR_CHALLENGE_LEN, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	if (s->n == s->capacity)
		for (size_t i = s->n; i-- > 0;)
			if (now >= s->e[i].expires)
				drop(s, i);
	if (s->n == s->capacity) {
		pthread_mutex_unlock(&s->lock);
		memset(out, 0, C2D_KMSR_CHALLENGE_LEN);
		return c2d_fail(err, C2D_E_UNAVAILABLE, "challenges: %zu outstanding, none expired; try later",
				s->capacity);
	}
	memcpy(s->e[s->n].value, out, C2D_KMSR_CHALLENGE_LEN);
	s->e[s->n].expires = now + s->lifetime;
	s->n++;
	pthread_mutex_unlock(&s->lock);
	return C2D_OK;
}

enum c2d_kmschal_state c2d_kmschal_take(struct c2d_kmschal_store *s, int64_t now,
					const uint8_t value[C2D_KMSR_CHALLENGE_LEN])
{
	enum c2d_kmschal_state st = C2D_KMSCHAL_UNKNOWN;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++) {
		if (memcmp(s->e[i].value, value, C2D_KMSR_CHALLENGE_LEN) != 0)
			continue;
		st = now < s->e[i].expires ? C2D_KMSCHAL_FRESH : C2D_KMSCHAL_EXPIRED;
		drop(s, i);
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return st;
}
