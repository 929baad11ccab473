/* SPDX-License-Identifier: GPL-2.0-or-later */
#define XXH_INLINE_ALL
#include <xxhash.h>	/* XXH3_64bits */

#include <stdint.h>
#include <sys/mman.h>	/* madvise */

#include "strpool.h"

/* The table grows past LOAD_NUM / LOAD_DEN full (see strpool.h). */
#ifndef STRPOOL_LOAD_NUM
#define STRPOOL_LOAD_NUM 3
#define STRPOOL_LOAD_DEN 4
#endif

uint64_t strpool_hash(const void *s, size_t len)
{
	return XXH3_64bits(s, len);
}

/* A slot's content: the hash's high half beside the id. */
static inline uint64_t slot_of(uint64_t hash, size_t id)
{
	return (hash >> 32 << 32) | id;
}

static inline size_t home(uint64_t slot_or_hash_hi, size_t mask)
{
	return (size_t)(slot_or_hash_hi >> 32) & mask;
}

/*
 * Nearly every probe of a large table misses the TLB as well as the cache
 * (the slot, then the string's offset and bytes); with huge pages the page
 * walks go away (a third of the time on a dump of distinct stacks). Only
 * for the default allocator (a hook's memory is the caller's), only where
 * the kernel asks for it (transparent_hugepage=madvise), and only a hint.
 * (Measured and rejected: the same for the arena and the offsets, whose
 * huge pages cost more in faults and memory than they saved.)
 */
static void hint_huge(const struct pgs_allocator *al, void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);

	if (p && !al && bytes >= 2 * huge && e > a)
		(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
	(void)al, (void)p, (void)bytes;
#endif
}

static int grow_ids(struct strpool *p, size_t need)
{
	/* off[count] is the arena's end: one more than the ids. */
	return pgs__grow(p->al, (void **)&p->off, &p->cap, need + 1, sizeof(*p->off));
}

static int rehash(struct strpool *p, size_t nslots)
{
	uint64_t *slots = pgs__calloc(p->al, nslots, sizeof(*slots));
	size_t mask = nslots - 1, i;

	RETURN_ERROR_IF(!slots, -ENOMEM);
	hint_huge(p->al, slots, nslots * sizeof(*slots));
	for (i = 0; p->slots && i <= p->mask; i++) {
		size_t j;

		if (!p->slots[i])
			continue;
		for (j = home(p->slots[i], mask); slots[j]; j = (j + 1) & mask)
			;
		slots[j] = p->slots[i];
	}
	pgs__free(p->al, p->slots);
	p->slots = slots;
	p->mask = mask;
	return 0;
}

int strpool_init(struct strpool *p, const struct pgs_allocator *al)
{
	memset(p, 0, sizeof(*p));
	p->al = al;
	FORWARD_IF_ERROR(grow_ids(p, 64));
	FORWARD_IF_ERROR(pgs__grow(al, (void **)&p->arena, &p->arena_cap, 4096, 1));
	p->arena[0] = '\0';
	p->arena_len = 1;
	p->off[0] = 0;
	p->off[1] = 1;
	p->count = 1;
	return rehash(p, 256);
}

void strpool_fini(struct strpool *p)
{
	pgs__free(p->al, p->arena);
	pgs__free(p->al, p->off);
	pgs__free(p->al, p->slots);
	memset(p, 0, sizeof(*p));
}

static inline bool same(const struct strpool *p, uint64_t slot, const char *s,
			size_t len, uint64_t hash)
{
	uint32_t id = (uint32_t)slot;

	return slot >> 32 == hash >> 32 && p->off[id + 1] - p->off[id] - 1 == len &&
	       memcmp(p->arena + p->off[id], s, len) == 0;
}

uint32_t strpool_find(const struct strpool *p, const char *s, size_t len)
{
	return len ? strpool_find_h(p, s, len, strpool_hash(s, len)) : 0;
}

uint32_t strpool_find_h(const struct strpool *p, const char *s, size_t len, uint64_t h)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = home(h, p->mask); p->slots[i]; i = (i + 1) & p->mask)
		if (same(p, p->slots[i], s, len, h))
			return (uint32_t)p->slots[i];
	return 0;
}

uint32_t strpool_intern_h(struct strpool *p, const char *s, size_t len,
			  uint64_t hash, bool *is_new)
{
	size_t i, id;

	if (is_new)
		*is_new = false;
	if (len == 0)
		return 0;
	for (i = home(hash, p->mask); p->slots[i]; i = (i + 1) & p->mask)
		if (same(p, p->slots[i], s, len, hash))
			return (uint32_t)p->slots[i];

	/* New string. Ids are 31-bit (STRPOOL_MORE); refuse rather than wrap. */
	if (p->count >= STRPOOL_MORE || len >= UINT32_MAX)
		return 0;
	if (grow_ids(p, p->count + 1) < 0 ||
	    pgs__grow(p->al, (void **)&p->arena, &p->arena_cap,
		      p->arena_len + len + 1, 1) < 0)
		return 0;
	id = p->count++;
	memcpy(p->arena + p->arena_len, s, len);
	p->arena[p->arena_len + len] = '\0';
	p->arena_len += len + 1;
	p->off[id + 1] = p->arena_len;
	p->slots[i] = slot_of(hash, id);
	if ((p->count - 1) * STRPOOL_LOAD_DEN > (p->mask + 1) * STRPOOL_LOAD_NUM &&
	    rehash(p, (p->mask + 1) * 2) < 0) {
		/* Keep the table usable: undo the insertion. */
		p->slots[i] = 0;
		p->count--;
		p->arena_len -= len + 1;
		return 0;
	}
	if (is_new)
		*is_new = true;
	return (uint32_t)id;
}
