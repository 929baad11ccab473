/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key names: page_owner_sort's (formats.md §4.5) plus times and pages,
 * which page_owner_sort only reaches through -t and -m.
 */
#include "query.h"

const struct key_def pgs_keys[K__COUNT] = {
	{ "p", "pid", K_PID, KEY_CULL | KEY_SORT, "process id of the allocating task" },
	{ "tg", "tgid", K_TGID, KEY_CULL | KEY_SORT, "thread group id" },
	{ "n", "name", K_NAME, KEY_CULL | KEY_SORT, "task command name (comm)" },
	{ "st", "stacktrace", K_STACKTRACE, KEY_CULL | KEY_SORT,
	  "the block's lines after the header, PFN line excepted" },
	{ "T", "txt", K_TXT, KEY_SORT, "the whole block text" },
	{ "at", "alloc_ts", K_ALLOC_TS, KEY_SORT, "allocation time stamp" },
	{ "ator", "allocator", K_ALLOCATOR, KEY_CULL | KEY_SORT,
	  "CMA, SLAB, VMALLOC or OTHERS" },
	{ "ft", "free_ts", K_FREE_TS, KEY_SORT, "free time stamp (kernels 5.14-6.6)" },
	{ "f", "free", K_FREE, KEY_CULL, "whether free_ts is non-zero (5.14-6.6)" },
	{ "t", "times", K_TIMES, KEY_SORT, "blocks in the group" },
	{ "m", "pages", K_PAGES, KEY_SORT, "base pages in the group" },
};

const struct key_def *key_lookup(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < K__COUNT; i++) {
		const struct key_def *k = &pgs_keys[i];

		if ((strlen(k->short_name) == len && memcmp(k->short_name, s, len) == 0) ||
		    (strlen(k->long_name) == len && memcmp(k->long_name, s, len) == 0))
			return k;
	}
	return NULL;
}

const struct key_def *key_by_id(enum key_id id)
{
	return (unsigned)id < K__COUNT ? &pgs_keys[id] : NULL;
}

const char *allocator_label(uint32_t bits, char *out, size_t outsz)
{
	size_t n = 0;

	out[0] = '\0';
#define ADD(bit, s) \
	if ((bits & (bit)) && n + sizeof(s) <= outsz) { \
		memcpy(out + n, s, sizeof(s)); \
		n += sizeof(s) - 1; \
	}
	ADD(PGS_ALLOC_CMA, "CMA ");
	ADD(PGS_ALLOC_SLAB, "SLAB ");
	ADD(PGS_ALLOC_VMALLOC, "VMALLOC ");
	ADD(PGS_ALLOC_OTHERS, "OTHERS ");
#undef ADD
	return out;
}
