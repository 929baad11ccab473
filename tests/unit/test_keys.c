/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-record keys of issue 5 (order, gfp, migratetypes, pfn, node,
 * zone, flags, memcg, migrate reason, handle, module, callsite, stack,
 * bytes) as cull and sort keys, their values through pgs_result_value(),
 * --strip-offsets, --node, --top and --min-pages, through the public API
 * on a four-block dump whose groups are worked out by hand below.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <pgsort/pgsort.h>

#define ALLOC " post_alloc_hook+0x1/0x10\n get_page_from_freelist+0x2/0x20\n __alloc_pages_noprof+0x3/0x30\n"

/*
 * row order gfp       mt/bmt                  pfn    node zone flags         handle memcg trailer    module  callsite
 *  0  0     0xcc0     Movable/Movable         0x1000 0    1    uptodate|lru  7      /a               xfs     xfs_read+0x1/0x10 [xfs]
 *  1  2     0x140cca  Unmovable/Movable       0x2000 1    2    head          8      -     compaction brd     foo+0x5/0x50 [brd]
 *  2  0     0xcc0     Movable/Movable         0x1001 0    1    uptodate|lru  9      /b               xfs     xfs_read+0x2/0x10 [xfs]
 *  3  1     0x2800    Reclaimable/Reclaimable 0x3000 1    1    (none)        -      -                vmlinux kmalloc_thing+0x9/0x90
 * Rows 0 and 2 differ only in xfs_read's offset: one stack once offsets are cut.
 */
static const char dump[] =
	"Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (a), ts 10 ns\n"
	"PFN 0x1000 type Movable Block 8 type Movable Flags 0x3fffe800000028(uptodate|lru|node=0|zone=1)\n"
	ALLOC " xfs_read+0x1/0x10 [xfs]\n vfs_read+0x4/0x40\nhandle: 7\nCharged to memcg /a\n\n"
	"Page allocated via order 2, mask 0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), pid 2, tgid 2 (b), ts 20 ns\n"
	"PFN 0x2000 type Unmovable Block 16 type Movable Flags 0x7fffe800000040(head|node=1|zone=2)\n"
	" post_alloc_hook+0x1/0x10\n alloc_pages_mpol+0x6/0x60\n foo+0x5/0x50 [brd]\n bar+0x7/0x70 [xfs]\n"
	"handle: 8\nPage has been migrated, last migrate reason: compaction\n\n"
	"Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (a), ts 30 ns\n"
	"PFN 0x1001 type Movable Block 8 type Movable Flags 0x3fffe800000028(uptodate|lru|node=0|zone=1)\n"
	ALLOC " xfs_read+0x2/0x10 [xfs]\n vfs_read+0x4/0x40\nhandle: 9\nCharged to memcg /b\n\n"
	"Page allocated via order 1, mask 0x2800(__GFP_NOWARN|__GFP_KSWAPD_RECLAIM), pid 3, tgid 3 (c), ts 40 ns\n"
	"PFN 0x3000 type Reclaimable Block 24 type Reclaimable Flags 0x7fffe000000000(node=1|zone=1)\n"
	" post_alloc_hook+0x1/0x10\n kmalloc_thing+0x9/0x90\n\n";

struct kcase {
	const char *cull, *sort, *node;
	int strip, top, min_pages;
	const char *expect;	/* "times/pages@first_row ..." in result order */
};

static const struct kcase cases[] = {
	{ "order", NULL, NULL, 0, 0, 0, "2/2@0 1/4@1 1/2@3" },
	{ "at", "-at", NULL, 0, 0, 0, "1/2@3 1/1@2 1/4@1 1/1@0" },
	{ "o", "order", NULL, 0, 0, 0, "2/2@0 1/2@3 1/4@1" },
	{ "o", "-o", NULL, 0, 0, 0, "1/4@1 1/2@3 2/2@0" },
	{ "gfp", NULL, NULL, 0, 0, 0, "2/2@0 1/4@1 1/2@3" },
	{ "gfp", "gfp", NULL, 0, 0, 0, "2/2@0 1/2@3 1/4@1" },	/* 0xcc0 < 0x2800 < 0x140cca */
	{ "mt", NULL, NULL, 0, 0, 0, "2/2@0 1/4@1 1/2@3" },
	{ "migratetype", "mt", NULL, 0, 0, 0, "2/2@0 1/2@3 1/4@1" },	/* by name */
	{ "bmt", NULL, NULL, 0, 0, 0, "3/6@0 1/2@3" },
	{ "pfn", "-pfn", NULL, 0, 0, 0, "1/2@3 1/4@1 1/1@2 1/1@0" },
	{ "node", NULL, NULL, 0, 0, 0, "2/2@0 2/6@1" },
	{ "node", "-node", NULL, 0, 0, 0, "2/6@1 2/2@0" },
	{ "zone", NULL, NULL, 0, 0, 0, "3/4@0 1/4@1" },
	{ "flags", "flags", NULL, 0, 0, 0, "1/2@3 1/4@1 2/2@0" },	/* "" < head < uptodate|lru */
	{ "memcg", NULL, NULL, 0, 0, 0, "2/6@1 1/1@0 1/1@2" },
	{ "memcg", "-memcg", NULL, 0, 0, 0, "1/1@2 1/1@0 2/6@1" },	/* missing sorts first */
	{ "mr", NULL, NULL, 0, 0, 0, "3/4@0 1/4@1" },
	{ "handle", "handle", NULL, 0, 0, 0, "1/2@3 1/1@0 1/4@1 1/1@2" },
	{ "mod", NULL, NULL, 0, 0, 0, "2/2@0 1/4@1 1/2@3" },
	{ "module", "module", NULL, 0, 0, 0, "1/4@1 1/2@3 2/2@0" },	/* brd vmlinux xfs */
	{ "cs", NULL, NULL, 0, 0, 0, "1/1@0 1/4@1 1/1@2 1/2@3" },
	{ "callsite", NULL, NULL, 1, 0, 0, "2/2@0 1/4@1 1/2@3" },
	{ "stack", NULL, NULL, 0, 0, 0, "1/1@0 1/4@1 1/1@2 1/2@3" },
	{ "stack", NULL, NULL, 1, 0, 0, "2/2@0 1/4@1 1/2@3" },
	/* st keeps the handle lines, which differ, with or without offsets. */
	{ "st", NULL, NULL, 1, 0, 0, "1/1@0 1/4@1 1/1@2 1/2@3" },
	{ "node,order", NULL, NULL, 0, 0, 0, "2/2@0 1/4@1 1/2@3" },
	{ "mod,node", "-bytes", NULL, 0, 0, 0, "1/4@1 2/2@0 1/2@3" },
	{ "order", NULL, "1", 0, 0, 0, "1/4@1 1/2@3" },
	{ "order", NULL, "0-1", 0, 0, 0, "2/2@0 1/4@1 1/2@3" },
	{ "order", NULL, "2,5-7", 0, 0, 0, "" },
	{ "order", "-m", NULL, 0, 2, 0, "1/4@1 2/2@0" },
	{ "order", "-m", NULL, 0, 0, 3, "1/4@1" },
	{ "order", "-m", NULL, 0, 1, 2, "1/4@1" },
};

static struct pgs_table *open_dump(void)
{
	struct pgs_table *t = NULL;

	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, NULL), 0);
	return t;
}

static void test_cull_sort(void **state)
{
	struct pgs_table *t = open_dump();
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kcase *c = &cases[i];
		struct pgs_query *q = NULL;
		struct pgs_result *r = NULL;
		char got[256] = "";
		size_t n = 0;

		assert_int_equal(pgs_query_create(&q), 0);
		assert_int_equal(pgs_query_set_cull(q, c->cull), 0);
		if (c->sort)
			assert_int_equal(pgs_query_add_sort(q, c->sort), 0);
		if (c->node)
			assert_int_equal(pgs_query_select_node(q, c->node), 0);
		pgs_query_set_strip_offsets(q, c->strip);
		pgs_query_set_top(q, (size_t)c->top);
		pgs_query_set_min_pages(q, (uint64_t)c->min_pages);
		assert_int_equal(pgs_query_run(q, t, &r), 0);
		for (j = 0; j < pgs_result_count(r); j++) {
			struct pgs_group g = { .sz = sizeof(g) };

			assert_int_equal(pgs_result_group(r, j, &g), 0);
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%llu/%llu@%zu", j ? " " : "",
					      (unsigned long long)g.times,
					      (unsigned long long)g.pages, g.first_row);
		}
		if (strcmp(got, c->expect) != 0)
			fail_msg("case %zu (--cull=%s --sort=%s node=%s strip=%d top=%d min=%d): "
				 "got '%s', expected '%s'", i, c->cull, c->sort ? c->sort : "-",
				 c->node ? c->node : "-", c->strip, c->top, c->min_pages, got, c->expect);
		pgs_result_free(r);
		pgs_query_free(q);
	}
	pgs_table_free(t);
}

struct vcase {
	size_t group;		/* in the result of --cull=pfn --sort=pfn: group = row */
	const char *key;
	enum pgs_value_type type;
	uint64_t u;
	int64_t i;
	const char *str;	/* NULL: no text */
};

static const struct vcase values[] = {
	{ 0, "order", PGS_VALUE_UINT, 0, 0, NULL },
	{ 1, "o", PGS_VALUE_UINT, 2, 2, NULL },
	{ 0, "gfp", PGS_VALUE_UINT, 0xcc0, 0xcc0, "GFP_KERNEL" },
	{ 3, "gfp", PGS_VALUE_UINT, 0x2800, 0x2800, "__GFP_NOWARN|__GFP_KSWAPD_RECLAIM" },
	{ 1, "mt", PGS_VALUE_UINT, PGS_MT_UNMOVABLE, PGS_MT_UNMOVABLE, "Unmovable" },
	{ 1, "block_migratetype", PGS_VALUE_UINT, PGS_MT_MOVABLE, PGS_MT_MOVABLE, "Movable" },
	{ 2, "pfn", PGS_VALUE_UINT, 0x1001, 0x1001, NULL },
	{ 1, "node", PGS_VALUE_INT, 1, 1, NULL },
	{ 1, "zone", PGS_VALUE_INT, 2, 2, NULL },
	{ 0, "flags", PGS_VALUE_STRING, 0, 0, "uptodate|lru" },
	{ 3, "flags", PGS_VALUE_STRING, 0, 0, "" },
	{ 0, "memcg", PGS_VALUE_STRING, 0, 0, "/a" },
	{ 1, "memcg", PGS_VALUE_NULL, 0, 0, NULL },
	{ 1, "mr", PGS_VALUE_STRING, 0, 0, "compaction" },
	{ 0, "migrate_reason", PGS_VALUE_NULL, 0, 0, NULL },
	{ 2, "handle", PGS_VALUE_UINT, 9, 9, NULL },
	{ 3, "handle", PGS_VALUE_NULL, 0, 0, NULL },
	{ 1, "module", PGS_VALUE_STRING, 0, 0, "brd" },
	{ 3, "mod", PGS_VALUE_STRING, 0, 0, "vmlinux" },
	{ 0, "callsite", PGS_VALUE_STRING, 0, 0, "xfs_read+0x1/0x10 [xfs]" },
	{ 1, "cs", PGS_VALUE_STRING, 0, 0, "foo+0x5/0x50 [brd]" },
	{ 3, "cs", PGS_VALUE_STRING, 0, 0, "kmalloc_thing+0x9/0x90" },
	{ 3, "stack", PGS_VALUE_STRING, 0, 0, " post_alloc_hook+0x1/0x10\n kmalloc_thing+0x9/0x90\n" },
	{ 1, "pid", PGS_VALUE_INT, 2, 2, NULL },
	{ 1, "name", PGS_VALUE_STRING, 0, 0, "b" },
	{ 1, "pages", PGS_VALUE_UINT, 4, 4, NULL },
	{ 1, "bytes", PGS_VALUE_UINT, 4 * 16384, 4 * 16384, NULL },
	{ 1, "times", PGS_VALUE_UINT, 1, 1, NULL },
	{ 2, "alloc_ts", PGS_VALUE_UINT, 30, 30, NULL },
	{ 1, "allocator", PGS_VALUE_UINT, PGS_ALLOC_OTHERS, PGS_ALLOC_OTHERS, NULL },
};

static void test_values(void **state)
{
	struct pgs_table *t = open_dump();
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	struct pgs_value v = { .sz = sizeof(v) };
	size_t i;

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, "pfn"), 0);
	assert_int_equal(pgs_query_add_sort(q, "pfn"), 0);
	assert_int_equal(pgs_query_set_page_size(q, 16384), 0);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	/* Sorted by pfn: 0x1000 0x1001 0x2000 0x3000 = rows 0 2 1 3. */
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const struct vcase *c = &values[i];
		static const size_t pos[] = { 0, 2, 1, 3 };

		assert_int_equal(pgs_result_value(r, pos[c->group], c->key, &v), 0);
		if (v.type != c->type)
			fail_msg("row %zu %s: type %d, expected %d", c->group, c->key, v.type, c->type);
		if (c->type == PGS_VALUE_UINT && v.u != c->u)
			fail_msg("row %zu %s: %llu, expected %llu", c->group, c->key,
				 (unsigned long long)v.u, (unsigned long long)c->u);
		if (c->type == PGS_VALUE_INT && v.i != c->i)
			fail_msg("row %zu %s: %lld, expected %lld", c->group, c->key,
				 (long long)v.i, (long long)c->i);
		if ((c->str == NULL) != (v.str == NULL) ||
		    (c->str && (v.len != strlen(c->str) || memcmp(v.str, c->str, v.len) != 0)))
			fail_msg("row %zu %s: text '%.*s', expected '%s'", c->group, c->key,
				 (int)v.len, v.str ? v.str : "(null)", c->str ? c->str : "(null)");
	}
	assert_int_equal(pgs_result_value(r, 4, "order", &v), -ERANGE);
	assert_int_equal(pgs_result_value(r, 0, "nope", &v), PGS_E_KEY);
	assert_int_equal(pgs_result_value(r, 0, "txt", &v), PGS_E_KEY);
	pgs_result_free(r);
	/* Offsets cut: the call site and stack print by symbol. */
	pgs_query_set_strip_offsets(q, 1);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	assert_int_equal(pgs_result_value(r, 0, "cs", &v), 0);
	assert_int_equal(v.len, strlen("xfs_read [xfs]"));
	assert_memory_equal(v.str, "xfs_read [xfs]", v.len);
	assert_int_equal(pgs_result_value(r, 3, "stack", &v), 0);
	assert_int_equal(v.len, strlen(" post_alloc_hook\n kmalloc_thing\n"));
	assert_memory_equal(v.str, " post_alloc_hook\n kmalloc_thing\n", v.len);
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(t);
}

static void test_bad_args(void **state)
{
	static const char *const bad_nodes[] = { "", "x", "1-", "-1", "3-1", "1,,2", "1024", "0-x" };
	struct pgs_query *q = NULL;
	struct pgs_key_info k = { .sz = sizeof(k) };
	size_t i, n;

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	for (i = 0; i < sizeof(bad_nodes) / sizeof(bad_nodes[0]); i++)
		if (pgs_query_select_node(q, bad_nodes[i]) != -EINVAL)
			fail_msg("node list '%s' accepted", bad_nodes[i]);
	assert_int_equal(pgs_query_set_page_size(q, 0), -EINVAL);
	assert_int_equal(pgs_query_set_callsite_skip(q, "("), PGS_E_FILTER);
	assert_int_equal(pgs_query_set_callsite_skip(q, "^foo$"), 0);
	assert_int_equal(pgs_query_set_callsite_skip(q, NULL), 0);
	assert_int_equal(pgs_query_set_cull(q, "frame"), PGS_E_KEY);
	assert_int_equal(pgs_query_set_cull(q, "bytes"), PGS_E_KEY);
	assert_int_equal(pgs_query_add_sort(q, "frame"), PGS_E_KEY);
	pgs_query_free(q);
	/* The key table: every name unique, every key usable somewhere. */
	for (n = 0; pgs_key_info(n, &k) == 0; n++)
		assert_true(k.use != 0 && k.short_name && k.long_name && k.help);
	assert_int_equal(n, 27);
	assert_int_equal(pgs_key_info(n, &k), -ERANGE);
}

/* A custom skip pattern moves the call site. */
static void test_callsite_skip(void **state)
{
	struct pgs_table *t = open_dump();
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	struct pgs_value v = { .sz = sizeof(v) };

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, "pfn,cs"), 0);
	assert_int_equal(pgs_query_add_sort(q, "pfn"), 0);
	assert_int_equal(pgs_query_set_callsite_skip(q, "^(post_alloc_hook|get_page_from_freelist|__alloc_pages_noprof|xfs_read|alloc_pages_mpol|foo)$"), 0);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	assert_int_equal(pgs_result_value(r, 0, "cs", &v), 0);
	assert_memory_equal(v.str, "vfs_read+0x4/0x40", v.len);
	assert_int_equal(pgs_result_value(r, 2, "cs", &v), 0);
	assert_memory_equal(v.str, "bar+0x7/0x70 [xfs]", v.len);
	pgs_result_free(r);
	/* Every frame skipped: no call site. */
	assert_int_equal(pgs_query_set_callsite_skip(q, "."), 0);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	assert_int_equal(pgs_result_value(r, 0, "cs", &v), 0);
	assert_int_equal(v.type, PGS_VALUE_NULL);
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cull_sort),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_callsite_skip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
