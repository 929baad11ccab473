/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key names: page_owner_sort's (formats.md §4.5) plus times and pages,
 * which page_owner_sort only reaches through -t and -m.
 */
#include "query.h"

const struct key_def pgs_keys[K__COUNT] = {
#define CSF (KEY_CULL | KEY_SORT | KEY_FILTER)
	{ "p", "pid", K_PID, CSF, KT_INT, "process id of the allocating task" },
	{ "tg", "tgid", K_TGID, CSF, KT_INT, "thread group id" },
	{ "n", "name", K_NAME, CSF, KT_STR, "task command name; comm is accepted too" },
	{ "st", "stacktrace", K_STACKTRACE, CSF, KT_STACK,
	  "the block's lines after the header, PFN line excepted (page_owner_sort's)" },
	{ "T", "txt", K_TXT, KEY_SORT, KT_STR, "the whole block text" },
	{ "at", "alloc_ts", K_ALLOC_TS, CSF | KEY_BOOT, KT_TIME,
	  "allocation time stamp (ns since boot); of a group, its earliest" },
	{ "ator", "allocator", K_ALLOCATOR, CSF, KT_MASK,
	  "CMA, SLAB, VMALLOC or OTHERS" },
	{ "ft", "free_ts", K_FREE_TS, CSF | KEY_BOOT, KT_TIME,
	  "free time stamp (kernels 5.14-6.6)" },
	{ "f", "free", K_FREE, KEY_CULL | KEY_FILTER, KT_BOOL,
	  "whether free_ts is non-zero (5.14-6.6)" },
	{ "t", "times", K_TIMES, KEY_SORT, KT_AGG, "blocks in the group" },
	{ "m", "pages", K_PAGES, KEY_SORT | KEY_FILTER, KT_NUM,
	  "base pages (in a filter: of the block, 2^order)" },
	{ "b", "bytes", K_BYTES, KEY_SORT | KEY_FILTER, KT_NUM,
	  "pages x page size (--page-size)" },
	{ "o", "order", K_ORDER, CSF, KT_NUM, "allocation order" },
	{ "gfp", "gfp", K_GFP, CSF, KT_MASK, "GFP mask; filters test flag names" },
	{ "mt", "migratetype", K_MT, CSF, KT_ENUM, "the page's migratetype" },
	{ "bmt", "block_migratetype", K_BMT, CSF, KT_ENUM,
	  "the migratetype of the page's pageblock" },
	{ "pfn", "pfn", K_PFN, CSF | KEY_BOOT, KT_HEX, "page frame number" },
	{ "node", "node", K_NODE, CSF, KT_INT, "NUMA node (page flags' node=)" },
	{ "zone", "zone", K_ZONE, CSF, KT_INT, "zone index (page flags' zone=)" },
	{ "flags", "flags", K_FLAGS, CSF, KT_MASK,
	  "page flag names (node=, zone= and other fields left out)" },
	{ "memcg", "memcg", K_MEMCG, CSF, KT_STR, "memory cgroup charged" },
	{ "mr", "migrate_reason", K_MR, CSF, KT_STR, "last migrate reason" },
	{ "handle", "handle", K_HANDLE, CSF | KEY_BOOT, KT_NUM, "stack depot handle" },
	{ "mod", "module", K_MODULE, CSF, KT_STR,
	  "module of the innermost frame that has one; vmlinux if none" },
	{ "cs", "callsite", K_CALLSITE, CSF, KT_STR,
	  "first frame outside the page allocator" },
	{ "stack", "stack", K_STACK, CSF, KT_STACK,
	  "the frames alone, without trailers (show_stacks' keying)" },
	{ "frame", "frame", K_FRAME, KEY_FILTER, KT_STACK,
	  "filters only: true when any frame matches" },
#undef CSF
};

const struct key_def *key_lookup(const char *s, size_t len)
{
	size_t i;

	/* The kernel calls the task name comm (page_owner_sort 2026 too). */
	if (len == 4 && memcmp(s, "comm", 4) == 0)
		return &pgs_keys[K_NAME];
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

PGS_API int pgs_key_info(size_t i, struct pgs_key_info *info)
{
	struct pgs_key_info v;
	size_t sz;

	if (i >= K__COUNT || !info)
		return -ERANGE;
	v.short_name = pgs_keys[i].short_name;
	v.long_name = pgs_keys[i].long_name;
	v.help = pgs_keys[i].help;
	/* KEY_* and PGS_KEY_* are the same bits. */
	v.use = pgs_keys[i].use;
	sz = info->sz < sizeof(v) ? info->sz : sizeof(v);
	v.sz = info->sz;
	memcpy(info, &v, sz);
	return 0;
}
