/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * String interning: identical byte strings share one id. Ids are dense,
 * starting at 1 (0 is the empty "none" string), in order of first insertion,
 * so per-string metadata can live in plain arrays indexed by id.
 */
#ifndef PGS_STRPOOL_H
#define PGS_STRPOOL_H

#include "../common.h"

struct strpool {
	const struct pgs_allocator *al;
	char *arena;		/* NUL-terminated strings back to back */
	size_t arena_len, arena_cap;
	uint64_t *off;		/* by id: offset in arena */
	uint32_t *len;		/* by id: length without the NUL */
	uint64_t *hash;		/* by id: XXH3 of the bytes */
	size_t count;		/* ids in use, including id 0 */
	size_t cap;
	uint32_t *slots;	/* open addressing: 0 empty, else id */
	size_t mask;		/* slots - 1 (power of two) */
};

int strpool_init(struct strpool *p, const struct pgs_allocator *al);
void strpool_fini(struct strpool *p);

uint64_t strpool_hash(const void *s, size_t len);

/*
 * The id of s[0..len), inserting it if new (then *is_new = true). hash must
 * be strpool_hash(s, len). Returns 0 on allocation failure (never a valid id
 * for a non-empty string); the empty string is id 0 too, by design.
 */
uint32_t strpool_intern_h(struct strpool *p, const char *s, size_t len,
			  uint64_t hash, bool *is_new);

static inline uint32_t strpool_intern(struct strpool *p, const char *s,
				      size_t len, bool *is_new)
{
	return strpool_intern_h(p, s, len, strpool_hash(s, len), is_new);
}

/*
 * As strpool_intern(), but first compares s with the string *last (the id
 * this call site interned the previous time): neighbouring records repeat
 * their header, PFN line and stack far more often than not, and a match
 * costs one memcmp instead of a hash, a probe and a memcmp. *last is
 * updated. Identity still rests on comparing the bytes, never on a hash.
 */
static inline uint32_t strpool_intern_last(struct strpool *p, const char *s, size_t len,
					   uint32_t *last, bool *is_new)
{
	uint32_t id = *last;

	if (id && p->len[id] == len && memcmp(p->arena + p->off[id], s, len) == 0) {
		if (is_new)
			*is_new = false;
		return id;
	}
	id = strpool_intern(p, s, len, is_new);
	if (id)
		*last = id;
	return id;
}

/* Look up without inserting: the id, or 0 if absent. */
uint32_t strpool_find(const struct strpool *p, const char *s, size_t len);

static inline const char *strpool_str(const struct strpool *p, uint32_t id)
{
	return id < p->count ? p->arena + p->off[id] : "";
}

static inline size_t strpool_len(const struct strpool *p, uint32_t id)
{
	return id < p->count ? p->len[id] : 0;
}

#endif /* PGS_STRPOOL_H */
