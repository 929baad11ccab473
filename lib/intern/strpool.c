/* SPDX-License-Identifier: GPL-2.0-or-later */
#define XXH_INLINE_ALL
#include <xxhash.h>	/* XXH3_64bits */

#include <stdint.h>
#include <sys/mman.h>	/* madvise, mmap, mremap */
#include <unistd.h>	/* sysconf */

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

/*
 * Past this size, a pool of the default allocator keeps its arena in a
 * reservation of address space (PROT_NONE, which costs no memory) made
 * readable and writable as it grows: growing never moves or copies the
 * strings, so it never holds an old and a new arena at once (on a dump of
 * distinct stacks the arena is most of the table, and its doubling was the
 * peak of the parse), and strpool_splice() can move another arena's pages
 * into it (the kernel moves them: no copy).
 */
#define ARENA_MAP_MIN ((size_t)1 << 20)
#define ARENA_RESERVE ((size_t)64 << 30)

static size_t page_size(void)
{
	long pg = sysconf(_SC_PAGESIZE);

	return pg > 0 ? (size_t)pg : 4096;
}

static size_t page_up(size_t n)
{
	size_t pg = page_size();

	return (n + pg - 1) & ~(pg - 1);
}

/* A new reservation for at least need bytes, with the strings so far. */
static int map_arena(struct strpool *p, size_t need)
{
	size_t res = need > ARENA_RESERVE / 2 ? page_up(need) * 2 : ARENA_RESERVE;
	size_t cap = page_up(need < ARENA_MAP_MIN ? ARENA_MAP_MIN : need);
	char *m = mmap(NULL, res, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (m == MAP_FAILED)
		return -ENOMEM;
	if (mprotect(m, cap, PROT_READ | PROT_WRITE) < 0) {
		munmap(m, res);
		return -ENOMEM;
	}
	memcpy(m, p->arena, p->arena_len);
	if (p->arena_mapped)
		munmap(p->arena, p->arena_res);
	else
		pgs__free(p->al, p->arena);
	p->arena = m;
	p->arena_cap = cap;
	p->arena_res = res;
	p->arena_mapped = true;
	p->arena_ready = p->arena_len;	/* the copy faulted those in */
	return 0;
}

/*
 * A reservation's pages are faulted in ahead of the strings, POPULATE_STEP
 * at a time, by one madvise(MADV_POPULATE_WRITE) each (Linux 5.14): on a
 * dump of distinct stacks every string is new, and taking one page fault
 * per 4 KiB of strings was a fifth of the parse. The memory is the same
 * (at most a step more per pool); a kernel without it says EINVAL once
 * and the pages fault in as before.
 */
#define POPULATE_STEP ((size_t)1 << 20)

static void populate(struct strpool *p, size_t need)
{
#ifdef MADV_POPULATE_WRITE
	size_t from = p->arena_ready & ~(page_size() - 1);
	size_t to = page_up(need) + POPULATE_STEP;

	if (to > p->arena_cap)
		to = p->arena_cap;
	if (to > from && madvise(p->arena + from, to - from, MADV_POPULATE_WRITE) < 0) {
		p->arena_ready = SIZE_MAX;	/* not on this kernel: stop asking */
		return;
	}
	p->arena_ready = to;
#else
	p->arena_ready = SIZE_MAX;
	(void)need;
#endif
}

static int grow_arena(struct strpool *p, size_t need)
{
	size_t cap;

	if (need <= p->arena_cap)
		return 0;
	if (!p->arena_mapped) {
		/* A hook's memory, a small pool, or no reservation to be had. */
		if (p->al || need < ARENA_MAP_MIN || map_arena(p, need) < 0)
			return pgs__grow(p->al, (void **)&p->arena, &p->arena_cap, need, 1);
		return 0;
	}
	cap = p->arena_cap * 2 > need ? p->arena_cap * 2 : page_up(need);
	if (cap > p->arena_res)
		cap = page_up(need);
	if (cap > p->arena_res)
		return map_arena(p, need);	/* past 64 GiB: moved once */
	RETURN_ERROR_IF(mprotect(p->arena + p->arena_cap, cap - p->arena_cap,
				 PROT_READ | PROT_WRITE) < 0, -ENOMEM);
	p->arena_cap = cap;
	return 0;
}

static void free_arena(struct strpool *p)
{
	if (p->arena_mapped)
		munmap(p->arena, p->arena_res);
	else
		pgs__free(p->al, p->arena);
}

static int grow_ids(struct strpool *p, size_t need)
{
	size_t cap = p->cap, lcap = p->cap;

	if (need <= p->cap)
		return 0;
	/* Both grow alike (pgs__grow doubles from the same cap). */
	FORWARD_IF_ERROR(pgs__grow(p->al, (void **)&p->off, &cap, need, sizeof(*p->off)));
	FORWARD_IF_ERROR(pgs__grow(p->al, (void **)&p->len, &lcap, need, sizeof(*p->len)));
	p->cap = cap < lcap ? cap : lcap;
	return 0;
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
	FORWARD_IF_ERROR(grow_arena(p, 4096));
	p->arena[0] = '\0';
	p->arena_len = 1;
	p->off[0] = 0;
	p->len[0] = 0;
	p->count = 1;
	return rehash(p, 256);
}

void strpool_fini(struct strpool *p)
{
	free_arena(p);
	pgs__free(p->al, p->off);
	pgs__free(p->al, p->len);
	pgs__free(p->al, p->slots);
	memset(p, 0, sizeof(*p));
}

static inline bool same(const struct strpool *p, uint64_t slot, const char *s,
			size_t len, uint64_t hash)
{
	uint32_t id = (uint32_t)slot;

	return slot >> 32 == hash >> 32 && p->len[id] == len &&
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
	if (grow_ids(p, p->count + 1) < 0 || grow_arena(p, p->arena_len + len + 1) < 0)
		return 0;
	if (p->arena_mapped && p->arena_len + len + 1 > p->arena_ready)
		populate(p, p->arena_len + len + 1);
	id = p->count++;
	memcpy(p->arena + p->arena_len, s, len);
	p->arena[p->arena_len + len] = '\0';
	p->off[id] = p->arena_len;
	p->len[id] = (uint32_t)len;
	p->arena_len += len + 1;
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

/*
 * Move src's arena to the end of dst's, page-aligned: the kernel moves the
 * pages (mremap), nothing is copied and nothing is held twice. src's must
 * be a reservation (arena_mapped); dst's becomes one. Returns where src's
 * arena starts in dst's, or 0 (then no string moved: copy them instead).
 */
static size_t splice_arena(struct strpool *dst, struct strpool *src)
{
	size_t base = page_up(dst->arena_len), used = page_up(src->arena_len);
	void *m;

	if (!src->arena_mapped || dst->al || used > src->arena_cap ||
	    grow_arena(dst, base + used) < 0 || !dst->arena_mapped)
		return 0;
	m = mremap(src->arena, used, used, MREMAP_MAYMOVE | MREMAP_FIXED, dst->arena + base);
	if (m == MAP_FAILED)
		return 0;
	/* What is left of src's reservation past its strings. */
	munmap(src->arena + used, src->arena_res - used);
	src->arena = NULL;
	src->arena_cap = src->arena_len = src->arena_res = 0;
	src->arena_mapped = false;
	dst->arena_len = base + used;
	if (dst->arena_ready != SIZE_MAX)
		dst->arena_ready = dst->arena_len;	/* src's strings touched every page moved */
	return base;
}

int strpool_splice(struct strpool *dst, struct strpool *src, uint32_t *map)
{
	size_t base, id;
	int err = 0;

	map[0] = 0;
	/* Small arenas, or a hook's memory: the strings are copied. */
	if (src->arena_len < ARENA_MAP_MIN || !(base = splice_arena(dst, src))) {
		for (id = 1; id < src->count; id++) {
			bool is_new;

			map[id] = strpool_intern(dst, strpool_str(src, (uint32_t)id),
						 strpool_len(src, (uint32_t)id), &is_new);
			if (!map[id]) {
				err = -ENOMEM;
				break;
			}
		}
		strpool_fini(src);
		return err;
	}
	/*
	 * The strings dst has already keep their ids; the new ones get theirs
	 * in src's order, their bytes where the splice put them. Those of
	 * strings dst had stay in the arena, unused.
	 */
	for (id = 1; id < src->count && !err; id++) {
		const char *s = dst->arena + base + src->off[id];
		size_t len = src->len[id], i, nid;
		uint64_t hash = strpool_hash(s, len);

		for (i = home(hash, dst->mask); dst->slots[i]; i = (i + 1) & dst->mask)
			if (same(dst, dst->slots[i], s, len, hash))
				break;
		if (dst->slots[i]) {
			map[id] = (uint32_t)dst->slots[i];
			continue;
		}
		if (dst->count >= STRPOOL_MORE || grow_ids(dst, dst->count + 1) < 0) {
			err = -ENOMEM;
			break;
		}
		nid = dst->count++;
		dst->off[nid] = base + src->off[id];
		dst->len[nid] = (uint32_t)len;
		dst->slots[i] = slot_of(hash, nid);
		map[id] = (uint32_t)nid;
		if ((dst->count - 1) * STRPOOL_LOAD_DEN > (dst->mask + 1) * STRPOOL_LOAD_NUM &&
		    rehash(dst, (dst->mask + 1) * 2) < 0) {
			dst->slots[i] = 0;
			dst->count--;
			err = -ENOMEM;
		}
	}
	strpool_fini(src);
	return err;
}
