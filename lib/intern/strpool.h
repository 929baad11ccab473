/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * String interning: identical byte strings share one id. Ids are dense,
 * starting at 1 (0 is the empty "none" string), in order of first insertion,
 * so per-string metadata can live in plain arrays indexed by id.
 */
#ifndef PGS_STRPOOL_H
#define PGS_STRPOOL_H

#include "../common.h"

/*
 * Memory per string: its bytes and NUL, 8 bytes of offset, 4 of length,
 * and 8 bytes per hash slot (1.33 to 2.67 slots a string). Its hash lives
 * only in its slot: the high 32 bits of XXH3 pick the slot and are kept
 * beside the id, so a probe compares them without touching the string (a
 * cache miss each) and a rehash needs neither the strings nor their
 * hashes. Strings need not be back to back (strpool_splice() leaves the
 * bytes of strings the pool had already in its arena, unused).
 */
struct strpool {
	const struct pgs_allocator *al;
	char *arena;		/* NUL-terminated strings */
	size_t arena_len, arena_cap;
	size_t arena_res;	/* mapped: the reservation's size */
	bool arena_mapped;	/* arena is a reservation (strpool.c), not malloc's */
	size_t arena_ready;	/* mapped: bytes from the start known faulted in */
	uint64_t *off;		/* by id: offset in arena */
	uint32_t *len;		/* by id: length (without the NUL) */
	size_t count;		/* ids in use, including id 0 */
	size_t cap;		/* of off and len */
	uint64_t *slots;	/* open addressing: 0 empty, else hash >> 32 << 32 | id */
	size_t mask;		/* slots - 1 (power of two) */
	/*
	 * A second pool whose ids are STRPOOL_MORE | its own id: strings
	 * added later without moving this pool's (the table's derived
	 * strings; see table.h). NULL: none.
	 */
	const struct strpool *more;
};

/* The bit that marks an id of p->more. */
#define STRPOOL_MORE 0x80000000u

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

	if (id && p->len[id] == len &&
	    memcmp(p->arena + p->off[id], s, len) == 0) {
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

/* As strpool_find(), hash being strpool_hash(s, len). */
uint32_t strpool_find_h(const struct strpool *p, const char *s, size_t len, uint64_t hash);

static inline const char *strpool_str(const struct strpool *p, uint32_t id)
{
	if (__builtin_expect(id & STRPOOL_MORE, 0)) {
		p = p->more;
		id &= ~STRPOOL_MORE;
		if (!p)
			return "";
	}
	return id < p->count ? p->arena + p->off[id] : "";
}

static inline size_t strpool_len(const struct strpool *p, uint32_t id)
{
	if (__builtin_expect(id & STRPOOL_MORE, 0)) {
		p = p->more;
		id &= ~STRPOOL_MORE;
		if (!p)
			return 0;
	}
	return id < p->count ? p->len[id] : 0;
}

/*
 * Intern every string of src into dst, in src's id order (as
 * strpool_intern() of each would), and set map[src id] to its dst id
 * (map[0] = 0). src is emptied: its arena may become part of dst's
 * (moved by the kernel, not copied, when both are mmaps). Returns 0 or
 * -ENOMEM (then dst has some of the strings, and src is freed anyway).
 */
int strpool_splice(struct strpool *dst, struct strpool *src, uint32_t *map);

#endif /* PGS_STRPOOL_H */
