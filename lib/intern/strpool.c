/* SPDX-License-Identifier: GPL-2.0-or-later */
#define XXH_INLINE_ALL
#include <xxhash.h>	/* XXH3_64bits */

#include "strpool.h"

uint64_t strpool_hash(const void *s, size_t len)
{
	return XXH3_64bits(s, len);
}

static int grow_ids(struct strpool *p, size_t need)
{
	size_t cap = p->cap, c2 = p->cap, c3 = p->cap;

	if (need <= p->cap)
		return 0;
	FORWARD_IF_ERROR(pgs__grow(p->al, (void **)&p->off, &cap, need, sizeof(*p->off)));
	FORWARD_IF_ERROR(pgs__grow(p->al, (void **)&p->len, &c2, need, sizeof(*p->len)));
	FORWARD_IF_ERROR(pgs__grow(p->al, (void **)&p->hash, &c3, need, sizeof(*p->hash)));
	p->cap = cap;
	return 0;
}

static int rehash(struct strpool *p, size_t nslots)
{
	uint32_t *slots = pgs__calloc(p->al, nslots, sizeof(*slots));
	size_t mask = nslots - 1, id;

	RETURN_ERROR_IF(!slots, -ENOMEM);
	for (id = 1; id < p->count; id++) {
		size_t i = (size_t)p->hash[id] & mask;

		while (slots[i])
			i = (i + 1) & mask;
		slots[i] = (uint32_t)id;
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
	p->len[0] = 0;
	p->hash[0] = 0;
	p->count = 1;
	return rehash(p, 256);
}

void strpool_fini(struct strpool *p)
{
	pgs__free(p->al, p->arena);
	pgs__free(p->al, p->off);
	pgs__free(p->al, p->len);
	pgs__free(p->al, p->hash);
	pgs__free(p->al, p->slots);
	memset(p, 0, sizeof(*p));
}

static inline bool same(const struct strpool *p, uint32_t id, const char *s,
			size_t len, uint64_t hash)
{
	return p->hash[id] == hash && p->len[id] == len &&
	       memcmp(p->arena + p->off[id], s, len) == 0;
}

uint32_t strpool_find(const struct strpool *p, const char *s, size_t len)
{
	uint64_t h;
	size_t i;

	if (len == 0)
		return 0;
	h = strpool_hash(s, len);
	for (i = (size_t)h & p->mask; p->slots[i]; i = (i + 1) & p->mask)
		if (same(p, p->slots[i], s, len, h))
			return p->slots[i];
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
	for (i = (size_t)hash & p->mask; p->slots[i]; i = (i + 1) & p->mask)
		if (same(p, p->slots[i], s, len, hash))
			return p->slots[i];

	/* New string. Ids are 32-bit; refuse rather than wrap. */
	if (p->count >= UINT32_MAX || len >= UINT32_MAX)
		return 0;
	if (grow_ids(p, p->count + 1) < 0 ||
	    pgs__grow(p->al, (void **)&p->arena, &p->arena_cap,
		      p->arena_len + len + 1, 1) < 0)
		return 0;
	id = p->count++;
	p->off[id] = p->arena_len;
	p->len[id] = (uint32_t)len;
	p->hash[id] = hash;
	memcpy(p->arena + p->arena_len, s, len);
	p->arena[p->arena_len + len] = '\0';
	p->arena_len += len + 1;
	p->slots[i] = (uint32_t)id;
	if (p->count * 2 > p->mask + 1 && rehash(p, (p->mask + 1) * 2) < 0) {
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
