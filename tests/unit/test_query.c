/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/query: every key as a cull key and as a sort key, selections, and
 * the default grouping, through the public API on a small dump whose
 * groups are worked out by hand below.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pgsort/pgsort.h>
#include "testutil.h"

#define S1 " get_page_from_freelist+0x1/0x10\n __alloc_pages_noprof+0x2/0x20\n do_one+0x3/0x30\n"
#define S2 " get_page_from_freelist+0x1/0x10\n __alloc_pages_noprof+0x2/0x20\n do_two+0x3/0x30\n"
#define S3 " get_page_from_freelist+0x1/0x10\n __alloc_pages_bulk_noprof+0x2/0x20\n __vmalloc_node_range_noprof+0x4/0x40\n"
#define HDR(o, pid, tgid, comm, ts) \
	"Page allocated via order " #o ", mask 0xcc0(GFP_KERNEL), pid " #pid ", tgid " #tgid " (" comm "), ts " #ts " ns\n"
#define PFN(p, bt, fl) "PFN " p " type Unmovable Block 8 type " bt " Flags 0x0(" fl "node=0|zone=1)\n"

/*
 * row  order pid tgid comm ts   stack allocator
 *  0   0     10  10   a    100  S1    OTHERS
 *  1   1     10  10   a    50   S1    OTHERS
 *  2   2     20  20   b    70   S2    CMA
 *  3   0     20  21   b    10   S1    OTHERS
 *  4   0     30  30   c    5    S3    SLAB VMALLOC
 *  5   0     10  10   a    200  S1    OTHERS   (row 0 but for ts and pfn)
 */
static const char dump[] =
	HDR(0, 10, 10, "a", 100) PFN("0x1000", "Unmovable", "") S1 "\n"
	HDR(1, 10, 10, "a", 50) PFN("0x1002", "Unmovable", "") S1 "\n"
	HDR(2, 20, 20, "b", 70) PFN("0x1004", "CMA", "") S2 "\n"
	HDR(0, 20, 21, "b", 10) PFN("0x1008", "Unmovable", "") S1 "\n"
	HDR(0, 30, 30, "c", 5) PFN("0x1009", "Unmovable", "slab|") S3 "\n"
	HDR(0, 10, 10, "a", 200) PFN("0x100a", "Unmovable", "") S1 "\n";

struct qcase {
	const char *cull, *sort, *pid, *tgid, *name;
	const char *expect;	/* "times/pages@first_row ..." in result order */
};

static const struct qcase cases[] = {
	/* Default: blocks equal but for ts (rows 0 and 5) merge. */
	{ NULL, NULL, NULL, NULL, NULL, "2/2@0 1/2@1 1/4@2 1/1@3 1/1@4" },
	/* -a keeps the ts in the text: nothing merges; ascending ts. */
	{ NULL, "at", NULL, NULL, NULL, "1/1@4 1/1@3 1/2@1 1/4@2 1/1@0 1/1@5" },
	{ "pid", NULL, NULL, NULL, NULL, "3/4@0 2/5@2 1/1@4" },
	{ "p", "-m", NULL, NULL, NULL, "2/5@2 3/4@0 1/1@4" },
	{ "tgid", NULL, NULL, NULL, NULL, "3/4@0 1/4@2 1/1@3 1/1@4" },
	{ "tg", "m", NULL, NULL, NULL, "1/1@3 1/1@4 3/4@0 1/4@2" },
	{ "name", NULL, NULL, NULL, NULL, "3/4@0 2/5@2 1/1@4" },
	{ "stacktrace", NULL, NULL, NULL, NULL, "4/5@0 1/4@2 1/1@4" },
	{ "st", "-pages", NULL, NULL, NULL, "4/5@0 1/4@2 1/1@4" },
	{ "allocator", NULL, NULL, NULL, NULL, "4/5@0 1/4@2 1/1@4" },
	{ "st,pid", NULL, NULL, NULL, NULL, "3/4@0 1/4@2 1/1@3 1/1@4" },
	{ "pid,name", "p", NULL, NULL, NULL, "3/4@0 2/5@2 1/1@4" },
	/* Sort keys on the cull-by-pid groups. */
	{ "pid", "-pid", NULL, NULL, NULL, "1/1@4 2/5@2 3/4@0" },
	{ "pid", "n", NULL, NULL, NULL, "3/4@0 2/5@2 1/1@4" },
	{ "pid", "-n", NULL, NULL, NULL, "1/1@4 2/5@2 3/4@0" },
	{ "pid", "at", NULL, NULL, NULL, "1/1@4 2/5@2 3/4@0" },	/* earliest ts: 5, 10, 50 */
	{ "pid", "-at", NULL, NULL, NULL, "3/4@0 2/5@2 1/1@4" },
	{ "pid", "t", NULL, NULL, NULL, "1/1@4 2/5@2 3/4@0" },
	{ "pid", "-t,-p", NULL, NULL, NULL, "3/4@0 2/5@2 1/1@4" },
	{ "pid", "ator", NULL, NULL, NULL, "2/5@2 1/1@4 3/4@0" },	/* CMA 1, SLAB|VMALLOC 6, OTHERS 8 */
	{ "tgid", "-m", NULL, NULL, NULL, "3/4@0 1/4@2 1/1@3 1/1@4" },	/* ties: first appearance */
	{ "tgid", "-m,-tg", NULL, NULL, NULL, "1/4@2 3/4@0 1/1@4 1/1@3" },	/* ties: by tgid */
	{ "st", "st", NULL, NULL, NULL, "1/1@4 4/5@0 1/4@2" },	/* _bulk < _noprof; do_one < do_two */
	{ "st", "-st", NULL, NULL, NULL, "1/4@2 4/5@0 1/1@4" },
	/* Text order: the header decides ("order 0" < "order 1" < "order 2"). */
	{ NULL, "T", NULL, NULL, NULL, "2/2@0 1/1@3 1/1@4 1/2@1 1/4@2" },
	/* Selections. */
	{ "st", NULL, "10", NULL, NULL, "3/4@0" },
	{ "st", NULL, "10,30", NULL, NULL, "3/4@0 1/1@4" },
	{ "pid", NULL, NULL, "21", NULL, "1/1@3" },
	{ "pid", NULL, NULL, NULL, "b,c", "2/5@2 1/1@4" },
	{ "pid", NULL, "20", NULL, "b", "2/5@2" },
	{ "pid", NULL, "20", "20", NULL, "1/4@2" },
	{ "pid", NULL, "99", NULL, NULL, "" },
};

static void run_case(const struct pgs_table *t, const struct qcase *c, char *out, size_t outsz)
{
	struct pgs_query *q;
	struct pgs_result *r;
	size_t i, n = 0;

	out[0] = '\0';
	assert_int_equal(pgs_query_create(&q), 0);
	if (c->cull)
		assert_int_equal(pgs_query_set_cull(q, c->cull), 0);
	if (c->sort)
		assert_int_equal(pgs_query_add_sort(q, c->sort), 0);
	if (c->pid)
		assert_int_equal(pgs_query_select_pid(q, c->pid), 0);
	if (c->tgid)
		assert_int_equal(pgs_query_select_tgid(q, c->tgid), 0);
	if (c->name)
		assert_int_equal(pgs_query_select_name(q, c->name), 0);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	for (i = 0; i < pgs_result_count(r); i++) {
		struct pgs_group g = PGS_INIT(pgs_group);

		assert_int_equal(pgs_result_group(r, i, &g), 0);
		n += (size_t)snprintf(out + n, outsz - n, "%s%llu/%llu@%zu", i ? " " : "",
				      (unsigned long long)g.times, (unsigned long long)g.pages,
				      g.first_row);
	}
	pgs_result_free(r);
	pgs_query_free(q);
}

static void test_keys(void **state)
{
	struct pgs_table *t = NULL;
	char got[256];
	size_t i;

	(void)state;
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, NULL), 0);
	assert_int_equal(pgs_table_count(t), 6);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_case(t, &cases[i], got, sizeof(got));
		if (strcmp(got, cases[i].expect) != 0)
			fail_msg("case %zu (cull %s sort %s): got '%s', expected '%s'", i,
				 cases[i].cull, cases[i].sort, got, cases[i].expect);
	}
	pgs_table_free(t);
}

/* Row fields and the allocator rule of page_owner_sort. */
static void test_records(void **state)
{
	static const uint32_t alloc[] = {
		PGS_ALLOC_OTHERS, PGS_ALLOC_OTHERS, PGS_ALLOC_CMA, PGS_ALLOC_OTHERS,
		PGS_ALLOC_SLAB | PGS_ALLOC_VMALLOC, PGS_ALLOC_OTHERS,
	};
	static const uint64_t pfn[] = { 0x1000, 0x1002, 0x1004, 0x1008, 0x1009, 0x100a };
	struct pgs_table *t = NULL;
	struct pgs_record rec = PGS_INIT(pgs_record);
	size_t i;

	(void)state;
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, NULL), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(pgs_table_record(t, i, &rec), 0);
		assert_int_equal(rec.allocator, alloc[i]);
		assert_int_equal(rec.pfn, pfn[i]);
		assert_int_equal(rec.node, 0);
		assert_int_equal(rec.zone, 1);
		assert_int_equal(rec.gfp, 0xcc0);
		assert_int_equal(rec.line, 1 + 6 * i);
	}
	assert_int_equal(pgs_table_record(t, 2, &rec), 0);
	assert_int_equal(rec.block_mt, PGS_MT_CMA);
	assert_int_equal(rec.pages, 4);
	assert_string_equal(pgs_table_string(t, rec.comm), "b");
	assert_string_equal(pgs_table_string(t, rec.stacktrace), S2);
	assert_string_equal(pgs_table_string(t, rec.stack), S2);
	assert_int_equal(pgs_table_record(t, 6, &rec), -ERANGE);
	pgs_table_free(t);
}

/* Bad keys are refused, and a failed add leaves the earlier keys alone. */
static void test_bad_keys(void **state)
{
	struct pgs_query *q;

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, "txt"), PGS_E_KEY);
	assert_int_equal(pgs_query_set_cull(q, "frame"), PGS_E_KEY);	/* not one value */
	assert_int_equal(pgs_query_set_cull(q, "times"), PGS_E_KEY);
	assert_int_equal(pgs_query_set_cull(q, "st,"), PGS_E_KEY);
	assert_int_equal(pgs_query_set_cull(q, "bogus"), PGS_E_KEY);
	assert_int_equal(pgs_query_add_sort(q, "free"), PGS_E_KEY);
	assert_int_equal(pgs_query_add_sort(q, "-"), PGS_E_KEY);
	assert_int_equal(pgs_query_add_sort(q, "m,nope"), PGS_E_KEY);
	assert_int_equal(pgs_query_select_pid(q, "1,x"), -EINVAL);
	assert_int_equal(pgs_query_select_pid(q, ""), -EINVAL);
	assert_int_equal(pgs_query_select_tgid(q, "99999999999"), -EINVAL);
	pgs_query_free(q);
}

/*
 * page_owner_sort's numbers are strtol's: white space and one sign before
 * the digits, nothing after them. Selected on the dump above by pid.
 */
static void test_pid_syntax(void **state)
{
	/* expect: by pid; by tgid, row 3 (pid 20, tgid 21) is left out of pid 20 */
	static const struct { const char *list, *expect, *expect_tgid; } ok[] = {
		{ " 10, +20", "3/4@0 2/5@2", "3/4@0 1/4@2" },
		{ "\t10,\n30", "3/4@0 1/1@4", "3/4@0 1/1@4" },
		{ "+30", "1/1@4", "1/1@4" },
		{ " -2147483648,2147483647", "", "" },
	};
	static const char *const bad[] = {
		"10 ", "+", " ", "+-10", "- 10", "10,,20", "10,", "2147483648", "-2147483649",
		"0x10", "1e1",
	};
	struct pgs_table *t = NULL;
	struct pgs_query *q;
	struct qcase c = { "pid", NULL, NULL, NULL, NULL, NULL };
	char got[256];
	size_t i;

	(void)state;
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, NULL), 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		c.pid = ok[i].list;
		run_case(t, &c, got, sizeof(got));
		if (strcmp(got, ok[i].expect) != 0)
			fail_msg("--pid '%s': got '%s', expected '%s'", ok[i].list, got, ok[i].expect);
		c.pid = NULL;
		c.tgid = ok[i].list;
		run_case(t, &c, got, sizeof(got));
		if (strcmp(got, ok[i].expect_tgid) != 0)
			fail_msg("--tgid '%s': got '%s', expected '%s'", ok[i].list, got,
				 ok[i].expect_tgid);
		c.tgid = NULL;
	}
	assert_int_equal(pgs_query_create(&q), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pgs_query_select_pid(q, bad[i]) != -EINVAL)
			fail_msg("--pid '%s' was taken", bad[i]);
		if (pgs_query_select_tgid(q, bad[i]) != -EINVAL)
			fail_msg("--tgid '%s' was taken", bad[i]);
	}
	pgs_query_free(q);
	pgs_table_free(t);
}

/*
 * The module of a block: the [name] of its innermost frame that has one,
 * vmlinux without (also without frames, and for a task named "[x]").
 *  row  order  stack                         module
 *   0   0      S1                            vmlinux
 *   1   1      ... brd_insert_page [brd]     brd
 *   2   2      zs_malloc [zsmalloc], zram    zsmalloc
 *   3   0      handle: 5 (no frame)          vmlinux
 *   4   0      S1, task "[x]"                vmlinux
 */
static const char mod_dump[] =
	HDR(0, 10, 10, "a", 1) PFN("0x1000", "Unmovable", "") S1 "\n"
	HDR(1, 10, 10, "a", 2) PFN("0x1002", "Unmovable", "")
	" get_page_from_freelist+0x1/0x10\n brd_insert_page+0x4d/0xc0 [brd]\n"
	" brd_submit_bio+0x1/0x2 [brd]\n\n"
	HDR(2, 20, 20, "b", 3) PFN("0x1004", "Unmovable", "")
	" get_page_from_freelist+0x1/0x10\n zs_malloc+0x17b/0x550 [zsmalloc]\n"
	" zram_submit_bio+0x813/0x8f0 [zram]\n\n"
	HDR(0, 30, 30, "c", 4) PFN("0x1008", "Unmovable", "") "handle: 5\n\n"
	HDR(0, 40, 40, "[x]", 5) PFN("0x1009", "Unmovable", "") S1 "\n";

static void test_select_module(void **state)
{
	static const struct { const char *cull, *sort, *modules, *pid, *expect; } cases[] = {
		{ "mod", NULL, NULL, NULL, "3/3@0 1/2@1 1/4@2" },
		{ "mod", "mod", NULL, NULL, "1/2@1 3/3@0 1/4@2" },
		{ "mod", "-mod", NULL, NULL, "1/4@2 3/3@0 1/2@1" },
		{ "st", NULL, "brd", NULL, "1/2@1" },
		{ "pid", NULL, "vmlinux", NULL, "1/1@0 1/1@3 1/1@4" },
		{ "mod", NULL, "brd,zsmalloc", NULL, "1/2@1 1/4@2" },
		{ "mod", NULL, "zram", NULL, "" },	/* not the innermost */
		{ "mod", NULL, " brd", NULL, "" },	/* compared whole */
		{ "mod", NULL, "x", NULL, "" },
		{ "pid", NULL, "vmlinux", "10,40", "1/1@0 1/1@4" },
	};
	struct pgs_table *t = NULL;
	struct pgs_write_opts o = PGS_INIT(pgs_write_opts);
	struct membuf b = { 0 };
	size_t i, j;

	(void)state;
	assert_int_equal(pgs_table_open_mem(&t, mod_dump, sizeof(mod_dump) - 1, NULL), 0);
	assert_int_equal(pgs_table_count(t), 5);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pgs_query *q;
		struct pgs_result *r;
		char got[256];
		size_t n = 0;

		got[0] = '\0';
		assert_int_equal(pgs_query_create(&q), 0);
		assert_int_equal(pgs_query_set_cull(q, cases[i].cull), 0);
		if (cases[i].sort)
			assert_int_equal(pgs_query_add_sort(q, cases[i].sort), 0);
		if (cases[i].modules)
			assert_int_equal(pgs_query_select_module(q, cases[i].modules), 0);
		if (cases[i].pid)
			assert_int_equal(pgs_query_select_pid(q, cases[i].pid), 0);
		assert_int_equal(pgs_query_run(q, t, &r), 0);
		for (j = 0; j < pgs_result_count(r); j++) {
			struct pgs_group g = PGS_INIT(pgs_group);

			assert_int_equal(pgs_result_group(r, j, &g), 0);
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%llu/%llu@%zu",
					      j ? " " : "", (unsigned long long)g.times,
					      (unsigned long long)g.pages, g.first_row);
		}
		if (strcmp(got, cases[i].expect) != 0)
			fail_msg("case %zu (cull %s, --module %s): got '%s', expected '%s'", i,
				 cases[i].cull, cases[i].modules, got, cases[i].expect);
		pgs_result_free(r);
		pgs_query_free(q);
	}

	/* page_owner_sort 2026's text: ", module: NAME" after the task name,
	 * before the allocator; with --module also when not culled by it. */
	{
		struct pgs_query *q;
		struct pgs_result *r;

		assert_int_equal(pgs_query_create(&q), 0);
		assert_int_equal(pgs_query_set_cull(q, "ator,mod,name"), 0);
		assert_int_equal(pgs_query_run(q, t, &r), 0);
		assert_int_equal(pgs_result_write(r, &o, membuf_sink, &b), 0);
		/* every group one block: first appearance */
		assert_string_equal(b.s,
			"1 times, 1 pages, task_comm_name: a, module: vmlinux, allocated by OTHERS \n"
			"1 times, 2 pages, task_comm_name: a, module: brd, allocated by OTHERS \n"
			"1 times, 4 pages, task_comm_name: b, module: zsmalloc, allocated by OTHERS \n"
			"1 times, 1 pages, task_comm_name: c, module: vmlinux, allocated by OTHERS \n"
			"1 times, 1 pages, task_comm_name: [x], module: vmlinux, allocated by OTHERS \n");
		pgs_result_free(r);
		pgs_query_free(q);
		membuf_reset(&b);

		assert_int_equal(pgs_query_create(&q), 0);
		assert_int_equal(pgs_query_set_cull(q, "pid"), 0);
		assert_int_equal(pgs_query_select_module(q, "brd"), 0);
		assert_int_equal(pgs_query_select_module(q, "zsmalloc"), 0);	/* adds */
		assert_int_equal(pgs_query_run(q, t, &r), 0);
		assert_int_equal(pgs_result_write(r, &o, membuf_sink, &b), 0);
		assert_string_equal(b.s, "1 times, 2 pages, PID 10, module: brd\n"
					 "1 times, 4 pages, PID 20, module: zsmalloc\n");
		pgs_result_free(r);
		pgs_query_free(q);
		membuf_reset(&b);
	}
	pgs_table_free(t);
}

/* free_ts keys: era E text (v5.14-v6.6) has them, 6.12 text does not. */
static void test_free_ts(void **state)
{
	static const char era_e[] =
		"Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, ts 100 ns, free_ts 0 ns\n"
		" a+0x1/0x2\n\n"
		"Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, ts 100 ns, free_ts 300 ns\n"
		" a+0x1/0x2\n\n"
		"Page allocated via order 1, mask 0xcc0(GFP_KERNEL), pid 2, ts 500 ns, free_ts 300 ns\n"
		" a+0x1/0x2\n\n";
	static const struct qcase free_cases[] = {
		{ "f", NULL, NULL, NULL, NULL, "2/3@1 1/1@0" },
		{ NULL, "ft", NULL, NULL, NULL, "1/1@0 1/1@1 1/2@2" },
		{ NULL, "-ft", NULL, NULL, NULL, "1/1@1 1/2@2 1/1@0" },
	};
	struct pgs_table *t = NULL, *h = NULL;
	struct pgs_query *q;
	struct pgs_result *r = NULL;
	char got[128];
	size_t i;

	(void)state;
	assert_int_equal(pgs_table_open_mem(&t, era_e, sizeof(era_e) - 1, NULL), 0);
	for (i = 0; i < sizeof(free_cases) / sizeof(free_cases[0]); i++) {
		run_case(t, &free_cases[i], got, sizeof(got));
		if (strcmp(got, free_cases[i].expect) != 0)
			fail_msg("free case %zu: got '%s', expected '%s'", i, got, free_cases[i].expect);
	}
	/* -f drops rows freed after allocation: ts < free_ts (row 1 only). */
	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_select_unreleased(q, 1);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	assert_int_equal(pgs_result_records(r), 2);
	assert_int_equal(pgs_result_pages(r), 3);
	pgs_result_free(r);

	/* The same query on a dump without free_ts is refused. */
	assert_int_equal(pgs_table_open_mem(&h, dump, sizeof(dump) - 1, NULL), 0);
	r = NULL;
	assert_int_equal(pgs_query_run(q, h, &r), PGS_E_NOFIELD);
	assert_null(r);
	pgs_query_free(q);
	pgs_table_free(h);
	pgs_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_pid_syntax),
		cmocka_unit_test(test_select_module),
		cmocka_unit_test(test_free_ts),
	};

	return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
