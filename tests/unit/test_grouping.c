/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The two ways a query groups rows give the same groups. When every cull
 * key is a function of one column's ids (the stacktrace's, the header
 * template's or the PFN template's), rows are first summed per id and only
 * the ids are grouped; otherwise every row's key is hashed. `handle` is a
 * row's own key, and missing on every row of a dump without handles: added
 * to a cull it forces the second way without changing the groups. So each
 * cull runs both ways, with 1 and 2 threads, and every group is compared:
 * first row, blocks, pages and earliest timestamp, in sort order.
 *
 * Rows are summed on several threads only from 65536 rows on, so the real
 * excerpt is also repeated past that in memory.
 *
 * Usage: test_grouping FIXTURES_DIR
 */
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

static const char *dir;

/* Culls on one column's ids: stack keys, header keys, PFN keys. */
static const char *const culls[] = {
	"st", "module", "callsite", "stack", "memcg", "migrate_reason",
	"st,module,callsite", "pid", "tgid", "name", "order", "gfp", "pid,name",
	"order,gfp,name", "mt", "bmt", "node", "zone", "flags", "node,zone,flags",
};

struct qopts {
	const char *sort, *filter, *pids;
};

static struct pgs_result *run(const struct pgs_table *t, const char *cull,
			      const struct qopts *o, unsigned threads)
{
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;

	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, cull), 0);
	assert_int_equal(pgs_query_add_sort(q, o->sort), 0);
	if (o->filter)
		assert_int_equal(pgs_query_add_filter(q, o->filter, NULL), 0);
	if (o->pids)
		assert_int_equal(pgs_query_select_pid(q, o->pids), 0);
	pgs_query_set_threads(q, threads);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	pgs_query_free(q);
	return r;
}

/* Every cull both ways on t; returns the groups compared. */
static size_t compare_ways(const struct pgs_table *t, const char *const *cl, size_t ncl,
			   const struct qopts *o)
{
	size_t c, i, groups = 0;
	unsigned threads;

	for (c = 0; c < ncl; c++) {
		char both[128];
		struct pgs_result *hashed;

		snprintf(both, sizeof(both), "%s,handle", cl[c]);
		hashed = run(t, both, o, 1);
		for (threads = 1; threads <= 2; threads++) {
			struct pgs_result *ids = run(t, cl[c], o, threads);
			uint64_t times = 0;

			assert_int_equal(pgs_result_count(ids), pgs_result_count(hashed));
			assert_int_equal(pgs_result_records(ids), pgs_result_records(hashed));
			assert_int_equal(pgs_result_pages(ids), pgs_result_pages(hashed));
			for (i = 0; i < pgs_result_count(ids); i++) {
				struct pgs_group a = PGS_INIT(pgs_group), b = PGS_INIT(pgs_group);

				assert_int_equal(pgs_result_group(ids, i, &a), 0);
				assert_int_equal(pgs_result_group(hashed, i, &b), 0);
				if (a.first_row != b.first_row || a.times != b.times ||
				    a.pages != b.pages || a.ts_min != b.ts_min)
					fail_msg("cull %s, %u threads, group %zu: first row %zu/%zu, "
						 "blocks %llu/%llu, pages %llu/%llu, ts %llu/%llu",
						 cl[c], threads, i, a.first_row, b.first_row,
						 (unsigned long long)a.times, (unsigned long long)b.times,
						 (unsigned long long)a.pages, (unsigned long long)b.pages,
						 (unsigned long long)a.ts_min, (unsigned long long)b.ts_min);
				times += a.times;
			}
			assert_int_equal(times, pgs_result_records(ids));
			groups += pgs_result_count(ids);
			pgs_result_free(ids);
		}
		pgs_result_free(hashed);
	}
	return groups;
}

static struct pgs_table *open_repeated(const char *file, size_t min_rows)
{
	struct pgs_parse_opts po = PGS_INIT(pgs_parse_opts);
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_table *t = NULL;
	char path[4096];
	size_t len, n, i;
	char *one, *many;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	one = slurp(path, &len);
	po.name = file;
	assert_int_equal(pgs_table_open_mem(&t, one, len, &po), 0);
	pgs_table_info(t, &info);
	assert_true(info.records > 0);
	pgs_table_free(t);
	n = min_rows / info.records + 1;
	many = malloc(n * len);
	assert_non_null(many);
	for (i = 0; i < n; i++)
		memcpy(many + i * len, one, len);
	assert_int_equal(pgs_table_open_mem(&t, many, n * len, &po), 0);
	pgs_table_info(t, &info);
	assert_true(info.records >= min_rows);
	free(one);
	free(many);
	return t;
}

static void test_excerpts(void **state)
{
	static const char *const files[] = {
		"real/small.txt", "real/modules.txt", "real/edgecomm.txt",
		"real/leak-early.txt", "eras/eraF.txt", "eras/eraA1.txt",
	};
	static const struct qopts opts[] = {
		{ "-pages", NULL, NULL },
		{ "times", "order>0", NULL },
		{ "-alloc_ts", "pid>1", "0,1,36,78" },
	};
	size_t f, k, groups = 0;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct pgs_table *t = open_repeated(files[f], 0);

		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			groups += compare_ways(t, culls, sizeof(culls) / sizeof(culls[0]), &opts[k]);
		pgs_table_free(t);
	}
	assert_true(groups > 1000);
}

/* show_stacks has no header or PFN line: its culls are the stack keys. */
static void test_show_stacks(void **state)
{
	static const char *const st[] = { "st", "stack", "module", "callsite", "st,module,callsite" };
	static const struct qopts o = { "-pages", NULL, NULL };
	struct pgs_table *t = open_repeated("real/show_stacks.txt", 0);

	(void)state;
	assert_true(compare_ways(t, st, sizeof(st) / sizeof(st[0]), &o) > 0);
	pgs_table_free(t);
}

static void test_threads(void **state)
{
	static const char *const few[] = { "st", "pid,name", "node,zone,flags", "module" };
	static const struct qopts o = { "-pages", NULL, NULL };
	struct pgs_table *t = open_repeated("real/small.txt", 70000);

	(void)state;
	assert_true(compare_ways(t, few, sizeof(few) / sizeof(few[0]), &o) > 0);
	pgs_table_free(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_excerpts),
		cmocka_unit_test(test_show_stacks),
		cmocka_unit_test(test_threads),
	};

	dir = argc > 1 ? argv[1] : "tests/fixtures";
	return cmocka_run_group_tests_name("grouping", tests, NULL, NULL);
}
