/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key names: page_owner_sort's (formats.md §4.5) plus times and pages,
 * which page_owner_sort only reaches through -t and -m.
 */
#include "query.h"

/*
 * Every property of every key, one row each (issue 14): names, what it
 * may do (use), its value's type (KT_STACK: a stack key), the column its
 * value depends on (group.c groups by it), the input kinds and table
 * features that have it, how the text report and JSON/ndjson/CSV records
 * print it. key_value() (value.c) extracts the value. test_keytable
 * checks that each row is complete.
 */
const struct key_def pgs_keys[K__COUNT] = {
#define CSF (KEY_CULL | KEY_SORT | KEY_FILTER)
	[K_PID] = { .short_name = "p", .long_name = "pid", .id = K_PID, .use = CSF,
		.type = KT_INT, .col = KCOL_HDR, .kinds = KINDS_PO,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "pid",
		.help = "process id of the allocating task" },
	[K_TGID] = { .short_name = "tg", .long_name = "tgid", .id = K_TGID, .use = CSF,
		.type = KT_INT, .col = KCOL_HDR, .kinds = KINDS_PO,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "tgid",
		.help = "thread group id" },
	[K_NAME] = { .short_name = "n", .long_name = "name", .id = K_NAME, .use = CSF,
		.type = KT_STR, .col = KCOL_HDR, .kinds = KINDS_PO,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "comm",
		.help = "task command name; comm is accepted too" },
	[K_STACKTRACE] = { .short_name = "st", .long_name = "stacktrace", .id = K_STACKTRACE, .use = CSF,
		.type = KT_STACK, .col = KCOL_ST, .kinds = KINDS_ALL,
		.text = KTXT_OWN, .rec = KREC_FRAMES,
		.field = "stacktrace",
		.help = "the block's lines after the header, PFN line excepted (page_owner_sort's)" },
	[K_TXT] = { .short_name = "T", .long_name = "txt", .id = K_TXT, .use = KEY_SORT,
		.type = KT_STR, .col = KCOL_ROW, .kinds = KINDS_PO,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "header",
		.help = "the whole block text" },
	[K_ALLOC_TS] = { .short_name = "at", .long_name = "alloc_ts", .id = K_ALLOC_TS, .use = CSF | KEY_BOOT,
		.type = KT_TIME, .col = KCOL_ROW, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "ts",
		.help = "allocation time stamp (ns since boot); of a group, its earliest" },
	[K_ALLOCATOR] = { .short_name = "ator", .long_name = "allocator", .id = K_ALLOCATOR, .use = CSF,
		.type = KT_MASK, .col = KCOL_ROW, .kinds = KINDS_PO,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "header",
		.help = "CMA, SLAB, VMALLOC or OTHERS" },
	[K_FREE_TS] = { .short_name = "ft", .long_name = "free_ts", .id = K_FREE_TS, .use = CSF | KEY_BOOT,
		.type = KT_TIME, .col = KCOL_ROW, .kinds = KINDS_PO, .feat = FEAT_FREE_TS,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "free_ts",
		.help = "free time stamp (kernels 5.14-6.6)" },
	[K_FREE] = { .short_name = "f", .long_name = "free", .id = K_FREE, .use = KEY_CULL | KEY_FILTER,
		.type = KT_BOOL, .col = KCOL_ROW, .kinds = KINDS_PO, .feat = FEAT_FREE_TS,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "free_ts",
		.help = "whether free_ts is non-zero (5.14-6.6)" },
	[K_TIMES] = { .short_name = "t", .long_name = "times", .id = K_TIMES, .use = KEY_SORT,
		.type = KT_AGG, .col = KCOL_ROW, .kinds = KINDS_ALL,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "times",
		.help = "blocks in the group" },
	[K_PAGES] = { .short_name = "m", .long_name = "pages", .id = K_PAGES, .use = KEY_SORT | KEY_FILTER,
		.type = KT_NUM, .col = KCOL_ROW, .kinds = KINDS_ALL,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "pages",
		.help = "base pages (in a filter: of the block, 2^order)" },
	[K_BYTES] = { .short_name = "b", .long_name = "bytes", .id = K_BYTES, .use = KEY_SORT | KEY_FILTER,
		.type = KT_NUM, .col = KCOL_ROW, .kinds = KINDS_ALL,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "bytes",
		.help = "pages x page size (--page-size)" },
	[K_ORDER] = { .short_name = "o", .long_name = "order", .id = K_ORDER, .use = CSF,
		.type = KT_NUM, .col = KCOL_HDR, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "order",
		.help = "allocation order" },
	[K_GFP] = { .short_name = "gfp", .long_name = "gfp", .id = K_GFP, .use = CSF,
		.type = KT_MASK, .col = KCOL_HDR, .kinds = KINDS_PO,
		.text = KTXT_AFTER_HEX_NAMES, .rec = KREC_VALUE_NAMES, .names_col = "gfp_names",
		.field = "mask",
		.help = "GFP mask; filters test flag names" },
	[K_MT] = { .short_name = "mt", .long_name = "migratetype", .id = K_MT, .use = CSF,
		.type = KT_ENUM, .col = KCOL_PFNT, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "PFN line",
		.help = "the page's migratetype" },
	[K_BMT] = { .short_name = "bmt", .long_name = "block_migratetype", .id = K_BMT, .use = CSF,
		.type = KT_ENUM, .col = KCOL_PFNT, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "PFN line",
		.help = "the migratetype of the page's pageblock" },
	[K_PFN] = { .short_name = "pfn", .long_name = "pfn", .id = K_PFN, .use = CSF | KEY_BOOT,
		.type = KT_HEX, .col = KCOL_ROW, .kinds = KINDS_PO,
		.text = KTXT_AFTER_HEX, .rec = KREC_VALUE,
		.field = "pfn",
		.help = "page frame number" },
	[K_NODE] = { .short_name = "node", .long_name = "node", .id = K_NODE, .use = CSF,
		.type = KT_INT, .col = KCOL_PFNT, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "page flags",
		.help = "NUMA node (page flags' node=)" },
	[K_ZONE] = { .short_name = "zone", .long_name = "zone", .id = K_ZONE, .use = CSF,
		.type = KT_INT, .col = KCOL_PFNT, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "page flags",
		.help = "zone index (page flags' zone=)" },
	[K_FLAGS] = { .short_name = "flags", .long_name = "flags", .id = K_FLAGS, .use = CSF,
		.type = KT_MASK, .col = KCOL_PFNT, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "page flags",
		.help = "page flag names (node=, zone= and other fields left out)" },
	[K_MEMCG] = { .short_name = "memcg", .long_name = "memcg", .id = K_MEMCG, .use = CSF,
		.type = KT_STR, .col = KCOL_ST, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "memcg",
		.help = "memory cgroup charged" },
	[K_MR] = { .short_name = "mr", .long_name = "migrate_reason", .id = K_MR, .use = CSF,
		.type = KT_STR, .col = KCOL_ST, .kinds = KINDS_PO,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "migrate reason",
		.help = "last migrate reason" },
	[K_HANDLE] = { .short_name = "handle", .long_name = "handle", .id = K_HANDLE, .use = CSF | KEY_BOOT,
		.type = KT_NUM, .col = KCOL_ROW, .kinds = KINDS_ALL,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "handle",
		.help = "stack depot handle" },
	[K_MODULE] = { .short_name = "mod", .long_name = "module", .id = K_MODULE, .use = CSF,
		.type = KT_STR, .col = KCOL_ST, .kinds = KINDS_ALL,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "module",
		.help = "module of the innermost frame that has one; vmlinux if none" },
	[K_CALLSITE] = { .short_name = "cs", .long_name = "callsite", .id = K_CALLSITE, .use = CSF,
		.type = KT_STR, .col = KCOL_ST, .kinds = KINDS_ALL,
		.text = KTXT_AFTER, .rec = KREC_VALUE,
		.field = "callsite",
		.help = "first frame outside the page allocator" },
	[K_STACK] = { .short_name = "stack", .long_name = "stack", .id = K_STACK, .use = CSF,
		.type = KT_STACK, .col = KCOL_ST, .kinds = KINDS_ALL,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "stack",
		.help = "the frames alone, without trailers (show_stacks' keying)" },
	[K_FRAME] = { .short_name = "frame", .long_name = "frame", .id = K_FRAME, .use = KEY_FILTER,
		.type = KT_STACK, .col = KCOL_ROW, .kinds = KINDS_ALL,
		.text = KTXT_OWN, .rec = KREC_VALUE,
		.field = "frame",
		.help = "filters only: true when any frame matches" },
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

keyset key_stacks(void)
{
	keyset s = 0;
	unsigned id;

	for (id = 0; id < K__COUNT; id++)
		if (key_is_stack(id))
			s |= KEY_BIT(id);
	return s;
}

keyset key_set_col(enum key_col col)
{
	keyset s = 0;
	unsigned id;

	for (id = 0; id < K__COUNT; id++)
		if (pgs_keys[id].col == col)
			s |= KEY_BIT(id);
	return s;
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
