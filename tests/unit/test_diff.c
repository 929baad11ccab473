/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgs_diff_*: growth, shrink, new, vanished, ties, sort keys, top and
 * min_pages, refused boot keys and PGS_DIFF_SAME_BOOT, --strip-offsets
 * across builds, values and reports, through the public API on two small
 * dumps whose groups are worked out by hand below.
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

#include "testutil.h"
#include <pgsort/pgsort.h>

/* A block of order o by task (pid, comm) at pfn p whose stack calls X_caller. */
#define BLOCK(o, pid, comm, p, x) \
	"Page allocated via order " #o ", mask 0xcc0(GFP_KERNEL), pid " #pid ", tgid " #pid \
	" (" comm "), ts 1" #p " ns\n" \
	"PFN 0x" #p " type Movable Block 8 type Movable Flags 0x3fffe800000028(uptodate|lru|node=0|zone=1)\n" \
	" get_page_from_freelist+0x1/0x10\n " #x "_caller+0x2/0x20\n " #x "_entry+0x3/0x30\n\n"

/*
 * Stacks by their caller (a..h). Pages/times before -> after (cull=stacktrace):
 *   a 2/2 -> 5/5  +3/+3   grew
 *   b 4/1 -> 1/1  -3/+0   shrank (an order-2 block became an order-0 one)
 *   c 1/1 -> 0/0  -1/-1   gone
 *   d 0/0 -> 2/1  +2/+1   new
 *   e 1/1 -> 1/1  +0/+0   unchanged
 *   f 1/1 -> 4/1  +3/+0   grew: ties a on pages, loses on times
 *   g 1/1 -> 2/2  +1/+1   grew: ties h on both, h appears first in AFTER
 *   h 1/1 -> 2/2  +1/+1   grew
 * Totals: 11 pages in 8 blocks -> 17 pages in 13 blocks.
 * AFTER lists the stacks in another order, so that their string ids differ.
 * pfns: before 1000..1007; after 1000 (d), 1001, 1002 (h), 2000.. (rest):
 * by pfn (same boot) 3 pfns are in both.
 */
static const char before[] =
	BLOCK(0, 1, "a", 1000, a) BLOCK(0, 1, "a", 1001, a) BLOCK(2, 2, "b", 1002, b)
	BLOCK(0, 3, "c", 1003, c) BLOCK(0, 5, "e", 1004, e) BLOCK(0, 6, "f", 1005, f)
	BLOCK(0, 7, "g", 1006, g) BLOCK(0, 8, "h", 1007, h);
static const char after[] =
	BLOCK(1, 4, "d", 1000, d) BLOCK(0, 8, "h", 1001, h) BLOCK(0, 8, "h", 1002, h)
	BLOCK(0, 1, "a", 2000, a) BLOCK(0, 1, "a", 2001, a) BLOCK(0, 1, "a", 2002, a)
	BLOCK(0, 1, "a", 2003, a) BLOCK(0, 1, "a", 2004, a) BLOCK(0, 2, "b", 2005, b)
	BLOCK(0, 5, "e", 2006, e) BLOCK(2, 6, "f", 2008, f) BLOCK(0, 7, "g", 2010, g)
	BLOCK(0, 7, "g", 2011, g);

struct dump {
	struct pgs_table *b, *a;
};

static int setup(void **state)
{
	struct dump *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	assert_int_equal(pgs_table_open_mem(&d->b, before, sizeof(before) - 1, NULL), 0);
	assert_int_equal(pgs_table_open_mem(&d->a, after, sizeof(after) - 1, NULL), 0);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dump *d = *state;

	pgs_table_free(d->b);
	pgs_table_free(d->a);
	free(d);
	return 0;
}

/* The caller letter of group i's stack ('?' if none). */
static char letter(const struct pgs_diff *d, size_t i)
{
	struct pgs_value v = PGS_INIT(pgs_value);
	const char *p;

	assert_int_equal(pgs_diff_value(d, i, "stacktrace", &v), 0);
	assert_int_equal(v.type, PGS_VALUE_STRING);
	p = strstr(v.str, "_caller");
	return p && p > v.str ? p[-1] : '?';
}

/* "a+3/+3 d+2/+1new c-1/-1gone ..." in sort order. */
static void describe(const struct pgs_diff *d, char *out, size_t outsz)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < pgs_diff_count(d); i++) {
		struct pgs_diff_group g = PGS_INIT(pgs_diff_group);

		assert_int_equal(pgs_diff_group(d, i, &g), 0);
		assert_int_equal(g.pages_delta, (int64_t)(g.pages_after - g.pages_before));
		assert_int_equal(g.times_delta, (int64_t)(g.times_after - g.times_before));
		n += (size_t)snprintf(out + n, outsz - n, "%s%c%+lld/%+lld%s", i ? " " : "",
				      letter(d, i), (long long)g.pages_delta,
				      (long long)g.times_delta,
				      g.status == PGS_DIFF_NEW ? "new" :
				      g.status == PGS_DIFF_GONE ? "gone" : "");
	}
}

static int refuse(const void *p, size_t n, void *user)
{
	(void)p;
	(void)n;
	(void)user;
	return 1;
}

struct dcase {
	const char *cull, *qsort, *dsort;
	int top, min_pages;
	const char *expect;
};

static const struct dcase cases[] = {
	/* Growth first; ties on pages by times (a, f), then first appearance (h, g). */
	{ NULL, NULL, NULL, 0, 0,
	  "a+3/+3 f+3/+0 d+2/+1new h+1/+1 g+1/+1 e+0/+0 c-1/-1gone b-3/+0" },
	{ "st", NULL, NULL, 0, 0,
	  "a+3/+3 f+3/+0 d+2/+1new h+1/+1 g+1/+1 e+0/+0 c-1/-1gone b-3/+0" },
	/* The query's sort keys: -t means -times_delta here. */
	{ NULL, "-t", NULL, 0, 0,
	  "a+3/+3 d+2/+1new h+1/+1 g+1/+1 f+3/+0 e+0/+0 b-3/+0 c-1/-1gone" },
	{ NULL, "-m", NULL, 0, 0,
	  "a+3/+3 f+3/+0 d+2/+1new h+1/+1 g+1/+1 e+0/+0 c-1/-1gone b-3/+0" },
	/* The options' sort keys replace the query's. */
	{ NULL, "-t", "pages_after", 0, 0,
	  "c-1/-1gone e+0/+0 b-3/+0 d+2/+1new h+1/+1 g+1/+1 f+3/+0 a+3/+3" },
	{ NULL, NULL, "-times_before", 0, 0,
	  "a+3/+3 f+3/+0 h+1/+1 g+1/+1 e+0/+0 c-1/-1gone b-3/+0 d+2/+1new" },
	{ NULL, NULL, "+pages_delta", 0, 0,
	  "b-3/+0 c-1/-1gone e+0/+0 h+1/+1 g+1/+1 d+2/+1new a+3/+3 f+3/+0" },
	{ NULL, NULL, "times_after,-pages_before", 0, 0,
	  "c-1/-1gone b-3/+0 f+3/+0 e+0/+0 d+2/+1new h+1/+1 g+1/+1 a+3/+3" },
	/* A per-row key: the stack text, bytewise ("a_caller" < "b_caller" ...). */
	{ NULL, NULL, "st", 0, 0,
	  "a+3/+3 b-3/+0 c-1/-1gone d+2/+1new e+0/+0 f+3/+0 g+1/+1 h+1/+1" },
	{ NULL, NULL, "-stacktrace", 0, 0,
	  "h+1/+1 g+1/+1 f+3/+0 e+0/+0 d+2/+1new c-1/-1gone b-3/+0 a+3/+3" },
	/* min_pages: |pages_delta| >= 2, then top. */
	{ NULL, NULL, NULL, 0, 2, "a+3/+3 f+3/+0 d+2/+1new b-3/+0" },
	{ NULL, NULL, NULL, 3, 0, "a+3/+3 f+3/+0 d+2/+1new" },
	{ NULL, NULL, NULL, 3, 3, "a+3/+3 f+3/+0 b-3/+0" },
	{ NULL, NULL, "pages_delta", 1, 0, "b-3/+0" },
};

static void test_cases(void **state)
{
	struct dump *dd = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];
		struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
		struct pgs_query *q = NULL;
		struct pgs_diff *d = NULL;
		char got[512];

		assert_int_equal(pgs_query_create(&q), 0);
		if (c->cull)
			assert_int_equal(pgs_query_set_cull(q, c->cull), 0);
		if (c->qsort)
			assert_int_equal(pgs_query_add_sort(q, c->qsort), 0);
		pgs_query_set_top(q, (size_t)c->top);
		pgs_query_set_min_pages(q, (uint64_t)c->min_pages);
		o.sort = c->dsort;
		assert_int_equal(pgs_diff_run(q, dd->b, dd->a, &o, &d), 0);
		describe(d, got, sizeof(got));
		if (strcmp(got, c->expect) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got, c->expect);
		pgs_diff_free(d);
		pgs_query_free(q);
	}
}

static void test_totals_and_values(void **state)
{
	struct dump *dd = *state;
	struct pgs_diff_group t = PGS_INIT(pgs_diff_group), g = PGS_INIT(pgs_diff_group);
	struct pgs_value v = PGS_INIT(pgs_value);
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;

	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, "name,stacktrace"), 0);
	pgs_query_set_top(q, 2);	/* totals still count every group */
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, NULL, &d), 0);
	assert_int_equal(pgs_diff_count(d), 2);
	assert_int_equal(pgs_diff_totals(d, &t), 0);
	assert_int_equal(t.pages_before, 11);
	assert_int_equal(t.pages_after, 17);
	assert_int_equal(t.pages_delta, 6);
	assert_int_equal(t.times_before, 8);
	assert_int_equal(t.times_after, 13);
	assert_int_equal(t.times_delta, 5);

	assert_int_equal(pgs_diff_group(d, 1, &g), 0);	/* f: 1/1 -> 4/1 */
	assert_int_equal(g.pages_before, 1);
	assert_int_equal(g.pages_after, 4);
	assert_int_equal(g.times_before, 1);
	assert_int_equal(g.times_after, 1);
	assert_int_equal(g.status, PGS_DIFF_BOTH);
	assert_int_equal(pgs_diff_group(d, 2, &g), -ERANGE);

	assert_int_equal(pgs_diff_value(d, 1, "name", &v), 0);
	assert_int_equal(v.type, PGS_VALUE_STRING);
	assert_int_equal(v.len, 1);
	assert_memory_equal(v.str, "f", 1);
	assert_int_equal(pgs_diff_value(d, 1, "pages", &v), 0);	/* the delta */
	assert_int_equal(v.type, PGS_VALUE_INT);
	assert_int_equal(v.i, 3);
	assert_int_equal(pgs_diff_value(d, 1, "bytes", &v), 0);
	assert_int_equal(v.i, 3 * 4096);
	assert_int_equal(pgs_diff_value(d, 1, "pages_before", &v), 0);
	assert_int_equal(v.type, PGS_VALUE_UINT);
	assert_int_equal(v.u, 1);
	assert_int_equal(pgs_diff_value(d, 1, "pages_after", &v), 0);
	assert_int_equal(v.u, 4);
	assert_int_equal(pgs_diff_value(d, 1, "times_delta", &v), 0);
	assert_int_equal(v.type, PGS_VALUE_INT);
	assert_int_equal(v.i, 0);
	assert_int_equal(pgs_diff_value(d, 0, "times", &v), 0);	/* a: +3 */
	assert_int_equal(v.i, 3);
	/* order and pid of f's first row in AFTER (order 2), not BEFORE's (0). */
	assert_int_equal(pgs_diff_value(d, 1, "order", &v), 0);
	assert_int_equal(v.u, 2);
	assert_int_equal(pgs_diff_value(d, 1, "pid", &v), 0);
	assert_int_equal(v.type, PGS_VALUE_INT);
	assert_int_equal(v.i, 6);
	assert_int_equal(pgs_diff_value(d, 0, "txt", &v), PGS_E_KEY);
	assert_int_equal(pgs_diff_value(d, 0, "nosuchkey", &v), PGS_E_KEY);
	assert_int_equal(pgs_diff_value(d, 2, "name", &v), -ERANGE);
	pgs_diff_free(d);
	pgs_query_free(q);
}

/* A vanished group speaks through BEFORE's row. */
static void test_gone_values(void **state)
{
	struct dump *dd = *state;
	struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
	struct pgs_value v = PGS_INIT(pgs_value);
	struct pgs_diff_group g = PGS_INIT(pgs_diff_group);
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;

	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, "pid"), 0);
	o.sort = "pid";
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, &o, &d), 0);
	/* pids 1 2 3 4 5 6 7 8: 3 only before, 4 only after */
	assert_int_equal(pgs_diff_count(d), 8);
	assert_int_equal(pgs_diff_group(d, 2, &g), 0);
	assert_int_equal(g.status, PGS_DIFF_GONE);
	assert_int_equal(g.pages_before, 1);
	assert_int_equal(g.pages_after, 0);
	assert_int_equal(pgs_diff_value(d, 2, "pid", &v), 0);
	assert_int_equal(v.i, 3);
	assert_int_equal(pgs_diff_value(d, 2, "name", &v), 0);
	assert_memory_equal(v.str, "c", 1);
	assert_int_equal(pgs_diff_group(d, 3, &g), 0);
	assert_int_equal(g.status, PGS_DIFF_NEW);
	assert_int_equal(g.pages_after, 2);
	assert_int_equal(pgs_diff_value(d, 3, "pid", &v), 0);
	assert_int_equal(v.i, 4);
	pgs_diff_free(d);
	pgs_query_free(q);
}

struct refusal {
	const char *cull, *dsort;
	unsigned flags;
	int err;
	size_t groups;		/* when err == 0 */
};

static const struct refusal refusals[] = {
	{ "pfn", NULL, 0, PGS_E_KEY, 0 },
	{ "handle", NULL, 0, PGS_E_KEY, 0 },
	{ "st,pfn", NULL, 0, PGS_E_KEY, 0 },
	{ "at", NULL, 0, PGS_E_KEY, 0 },
	{ NULL, "-pfn", 0, PGS_E_KEY, 0 },
	{ NULL, "alloc_ts", 0, PGS_E_KEY, 0 },
	{ NULL, "txt", PGS_DIFF_SAME_BOOT, PGS_E_KEY, 0 },
	{ NULL, "pages_nope", 0, PGS_E_KEY, 0 },
	{ NULL, "free", 0, PGS_E_KEY, 0 },	/* a cull key, no sort key */
	{ "ft", NULL, PGS_DIFF_SAME_BOOT, PGS_E_NOFIELD, 0 },	/* 6.12 has no free_ts */
	{ NULL, "ft", PGS_DIFF_SAME_BOOT, PGS_E_NOFIELD, 0 },
	/* Same boot: pfns 1000, 1001, 1002 are in both (3), 5 only before, 10 only after. */
	{ "pfn", NULL, PGS_DIFF_SAME_BOOT, 0, 18 },
	/* No handle lines: one group (handle missing) on each side. */
	{ "handle", NULL, PGS_DIFF_SAME_BOOT, 0, 1 },
	{ NULL, "-pfn", PGS_DIFF_SAME_BOOT, 0, 8 },
	{ "st", "name,pages_delta", 0, 0, 8 },
};

static void test_refusals(void **state)
{
	struct dump *dd = *state;
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const struct refusal *c = &refusals[i];
		struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
		struct pgs_query *q = NULL;
		struct pgs_diff *d = NULL;
		int err;

		assert_int_equal(pgs_query_create(&q), 0);
		if (c->cull)
			assert_int_equal(pgs_query_set_cull(q, c->cull), 0);
		o.sort = c->dsort;
		o.flags = c->flags;
		err = pgs_diff_run(q, dd->b, dd->a, &o, &d);
		if (err != c->err)
			fail_msg("case %zu: %d, want %d", i, err, c->err);
		if (!err)
			assert_int_equal(pgs_diff_count(d), c->groups);
		else
			assert_null(d);	/* untouched */
		pgs_diff_free(d);
		pgs_query_free(q);
	}
}

/* The query's own sort keys are checked the same way. */
static void test_query_sort_refused(void **state)
{
	struct dump *dd = *state;
	struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;

	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_add_sort(q, "-at"), 0);
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, NULL, &d), PGS_E_KEY);
	o.flags = PGS_DIFF_SAME_BOOT;
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, &o, &d), 0);
	pgs_diff_free(d);
	d = NULL;
	pgs_query_clear_sort(q);
	assert_int_equal(pgs_query_add_sort(q, "T"), 0);
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, &o, &d), PGS_E_KEY);
	assert_null(d);
	pgs_query_free(q);
}

/*
 * Two builds of one kernel: the same functions at other offsets. Only
 * with --strip-offsets do the stacks match.
 */
static void test_strip_offsets(void **state)
{
	static const char b1[] =
		"Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (x), ts 5 ns\n"
		" get_page_from_freelist+0x1/0x10\n x_caller+0x2/0x20\n\n"
		"Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (x), ts 6 ns\n"
		" get_page_from_freelist+0x1/0x10\n y_caller+0x2/0x20\n\n";
	static const char b2[] =
		"Page allocated via order 1, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (x), ts 5 ns\n"
		" get_page_from_freelist+0x9/0x90\n x_caller+0x3/0x21\n\n";
	struct pgs_table *t1 = NULL, *t2 = NULL;
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;
	struct pgs_value v = PGS_INIT(pgs_value);
	struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
	struct membuf b = { 0 };
	char got[256];

	(void)state;
	assert_int_equal(pgs_table_open_mem(&t1, b1, sizeof(b1) - 1, NULL), 0);
	assert_int_equal(pgs_table_open_mem(&t2, b2, sizeof(b2) - 1, NULL), 0);
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_diff_run(q, t1, t2, NULL, &d), 0);
	describe(d, got, sizeof(got));
	assert_string_equal(got, "x+2/+1new x-1/-1gone y-1/-1gone");
	pgs_diff_free(d);
	d = NULL;
	pgs_query_set_strip_offsets(q, 1);
	assert_int_equal(pgs_diff_run(q, t1, t2, NULL, &d), 0);
	describe(d, got, sizeof(got));
	assert_string_equal(got, "x+1/+0 y-1/-1gone");
	assert_int_equal(pgs_diff_value(d, 0, "stacktrace", &v), 0);
	assert_int_equal(v.len, strlen(" get_page_from_freelist\n x_caller\n"));
	assert_memory_equal(v.str, " get_page_from_freelist\n x_caller\n", v.len);
	pgs_diff_free(d);
	d = NULL;
	/*
	 * Matched with offsets, folded without: x's new and vanished groups
	 * fold to one line, their weights summed.
	 */
	pgs_query_set_strip_offsets(q, 0);
	assert_int_equal(pgs_diff_run(q, t1, t2, NULL, &d), 0);
	wo.format = PGS_FORMAT_FOLDED;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_string_equal(b.s, "x_caller;get_page_from_freelist 1 2\n"
				 "y_caller;get_page_from_freelist 1 0\n");
	free(b.s);
	/* callsite and stack keys strip too */
	pgs_diff_free(d);
	d = NULL;
	pgs_query_set_strip_offsets(q, 1);
	assert_int_equal(pgs_query_set_cull(q, "cs"), 0);
	assert_int_equal(pgs_diff_run(q, t1, t2, NULL, &d), 0);
	assert_int_equal(pgs_diff_count(d), 2);
	pgs_diff_free(d);
	pgs_query_free(q);
	pgs_table_free(t1);
	pgs_table_free(t2);
}

static void test_write(void **state)
{
	struct dump *dd = *state;
	struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;
	struct membuf b = { 0 };

	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, "pid,name"), 0);
	pgs_query_set_min_pages(q, 2);
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, NULL, &d), 0);
	/* Text: pid 1 (a) +3, pid 6 (f) +3, pid 4 (d) new +2, pid 2 (b) -3; totals. */
	assert_int_equal(pgs_diff_write(d, NULL, membuf_sink, &b), 0);
	assert_string_equal(b.s,
		"+3 pages (+3 times): 2 -> 5 pages, 2 -> 5 times, PID 1, task_comm_name: a\n"
		"+3 pages (+0 times): 1 -> 4 pages, 1 -> 1 times, PID 6, task_comm_name: f\n"
		"+2 pages (+1 times) [new]: 0 -> 2 pages, 0 -> 1 times, PID 4, task_comm_name: d\n"
		"-3 pages (+0 times): 4 -> 1 pages, 1 -> 1 times, PID 2, task_comm_name: b\n"
		"Total: +6 pages (+5 times): 11 -> 17 pages, 8 -> 13 times; "
		"8 groups: 1 new, 1 gone, 4 grew, 1 shrank, 1 unchanged; 4 shown\n");
	membuf_reset(&b);

	wo.format = PGS_FORMAT_NDJSON;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_non_null(strstr(b.s,
		"{\"status\": \"new\", \"pages_before\": 0, \"pages_after\": 2, \"pages_delta\": 2, "
		"\"times_before\": 0, \"times_after\": 1, \"times_delta\": 1, \"pid\": 4, \"name\": \"d\"}\n"));
	assert_non_null(strstr(b.s, "\"pages_delta\": -3, \"times_before\": 1, \"times_after\": 1, "
				    "\"times_delta\": 0, \"pid\": 2, \"name\": \"b\"}\n"));
	membuf_reset(&b);

	wo.format = PGS_FORMAT_JSON;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_non_null(strstr(b.s, "\"cull\": [\"pid\", \"name\"], \"sort\": [\"-pages_delta\"], "
				    "\"totals\": {\"pages_before\": 11, \"pages_after\": 17, "
				    "\"pages_delta\": 6, \"times_before\": 8, \"times_after\": 13, "
				    "\"times_delta\": 5, \"groups\": 8, \"new\": 1, \"gone\": 1, "
				    "\"grew\": 4, \"shrank\": 1, \"unchanged\": 1, \"shown\": 4}"));
	assert_non_null(strstr(b.s, "\"before\": {\"name\": "));
	assert_non_null(strstr(b.s, "\"selected_pages\": 17"));
	membuf_reset(&b);

	/* difffolded: the cull keys as pseudo frames, then pages before and after. */
	wo.format = PGS_FORMAT_FOLDED;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_string_equal(b.s, "pid:1;name:a 2 5\npid:6;name:f 1 4\npid:4;name:d 0 2\n"
				 "pid:2;name:b 4 1\n");
	membuf_reset(&b);
	wo.weight = PGS_WEIGHT_TIMES;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_string_equal(b.s, "pid:1;name:a 2 5\npid:6;name:f 1 1\npid:4;name:d 0 1\n"
				 "pid:2;name:b 1 1\n");
	membuf_reset(&b);

	/* CSV: the diff's counts, then the CSV report's columns. */
	wo.format = PGS_FORMAT_CSV;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_string_equal(b.s,
		"status,pages_before,pages_after,pages_delta,times_before,times_after,times_delta,"
		"pid,name\r\n"
		"both,2,5,3,2,5,3,1,a\r\n"
		"both,1,4,3,1,1,0,6,f\r\n"
		"new,0,2,2,0,1,1,4,d\r\n"
		"both,4,1,-3,1,1,0,2,b\r\n");
	membuf_reset(&b);

	/* A differential flame graph: after's widths, before in the hover text. */
	wo.format = PGS_FORMAT_SVG;
	wo.weight = PGS_WEIGHT_PAGES;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_non_null(strstr(b.s, "<svg "));
	assert_non_null(strstr(b.s, "<title>pid:1\n5 blocks, 5 pages,"));
	assert_non_null(strstr(b.s, "before: 2 blocks, 2 pages; change: +3 pages"));
	assert_non_null(strstr(b.s, "<title>name:b\n1 blocks, 1 pages,"));
	assert_non_null(strstr(b.s, "before: 1 blocks, 4 pages; change: -3 pages"));
	assert_non_null(strstr(b.s, "</svg>"));
	free(b.s);

	assert_int_equal(pgs_diff_write(d, NULL, refuse, NULL), PGS_E_WRITE);
	wo.format = PGS_FORMAT_PPROF;
	assert_int_equal(pgs_diff_write(d, &wo, refuse, NULL), -ENOTSUP);
	wo.format = PGS_FORMAT_HTML;
	assert_int_equal(pgs_diff_write(d, &wo, refuse, NULL), -ENOTSUP);
	wo.format = PGS_FORMAT_FOLDED;
	wo.weight = (enum pgs_weight)7;
	assert_int_equal(pgs_diff_write(d, &wo, refuse, NULL), -EINVAL);
	assert_int_equal(pgs_diff_write(NULL, NULL, refuse, NULL), -EINVAL);
	pgs_diff_free(d);
	pgs_query_free(q);
}

/* Folded stacks: outermost frame first, offsets cut unless asked, weights. */
static void test_folded(void **state)
{
	struct dump *dd = *state;
	struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;
	struct membuf b = { 0 };

	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_top(q, 3);
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, NULL, &d), 0);
	wo.format = PGS_FORMAT_FOLDED;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_string_equal(b.s, "a_entry;a_caller;get_page_from_freelist 2 5\n"
				 "f_entry;f_caller;get_page_from_freelist 1 4\n"
				 "d_entry;d_caller;get_page_from_freelist 0 2\n");
	membuf_reset(&b);
	wo.flags = PGS_WRITE_KEEP_OFFSETS;
	wo.weight = PGS_WEIGHT_BYTES;
	assert_int_equal(pgs_diff_write(d, &wo, membuf_sink, &b), 0);
	assert_string_equal(b.s,
		"a_entry+0x3/0x30;a_caller+0x2/0x20;get_page_from_freelist+0x1/0x10 8192 20480\n"
		"f_entry+0x3/0x30;f_caller+0x2/0x20;get_page_from_freelist+0x1/0x10 4096 16384\n"
		"d_entry+0x3/0x30;d_caller+0x2/0x20;get_page_from_freelist+0x1/0x10 0 8192\n");
	free(b.s);
	pgs_diff_free(d);
	pgs_query_free(q);
}

static void test_null_and_empty(void **state)
{
	struct dump *dd = *state;
	struct pgs_diff_group g = PGS_INIT(pgs_diff_group);
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;
	struct pgs_diff_opts small = { .sz = 1 };

	pgs_diff_free(NULL);
	assert_int_equal(pgs_diff_count(NULL), 0);
	assert_int_equal(pgs_diff_group(NULL, 0, &g), -ERANGE);
	assert_int_equal(pgs_diff_totals(NULL, &g), -EINVAL);
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_diff_run(NULL, dd->b, dd->a, NULL, &d), -EINVAL);
	assert_int_equal(pgs_diff_run(q, NULL, dd->a, NULL, &d), -EINVAL);
	assert_int_equal(pgs_diff_run(q, dd->b, NULL, NULL, &d), -EINVAL);
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, NULL, NULL), -EINVAL);
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, &small, &d), -EINVAL);
	/* A filter nothing passes: no group, zero totals. */
	assert_int_equal(pgs_query_add_filter(q, "order>5", NULL), 0);
	assert_int_equal(pgs_diff_run(q, dd->b, dd->a, NULL, &d), 0);
	assert_int_equal(pgs_diff_count(d), 0);
	assert_int_equal(pgs_diff_totals(d, &g), 0);
	assert_int_equal(g.pages_before + g.pages_after + g.times_before + g.times_after, 0);
	pgs_diff_free(d);
	d = NULL;
	/* The same table on both sides: every group unchanged. */
	pgs_query_free(q);
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_diff_run(q, dd->a, dd->a, NULL, &d), 0);
	assert_int_equal(pgs_diff_count(d), 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(pgs_diff_group(d, i, &g), 0);
		assert_int_equal(g.status, PGS_DIFF_BOTH);
		assert_int_equal(g.pages_delta, 0);
	}
	pgs_diff_free(d);
	pgs_query_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_totals_and_values),
		cmocka_unit_test(test_gone_values),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_query_sort_refused),
		cmocka_unit_test(test_strip_offsets),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_null_and_empty),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
