/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The error detail of 0.4: every setter that refuses its argument says
 * where in it (offset, length: counted here from the argument itself),
 * which key, how it was given and what was expected; runs and diffs say
 * which input and set no offset. A call that succeeds leaves it alone.
 * RETURN_ERROR_IF's message reaches the detail through the thread's note.
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
#include "../../lib/common.h"

static const char *fixtures;

static struct pgs_table *open_fixture(const char *name)
{
	struct pgs_table *t = NULL;
	char path[4096];
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	buf = slurp(path, &len);
	assert_int_equal(pgs_table_open_mem(&t, buf, len, NULL), 0);
	free(buf);
	return t;
}

/* The byte offset of item in arg, as the caller would count it. */
static size_t at(const char *arg, const char *item)
{
	const char *p = strstr(arg, item);

	assert_non_null(p);
	return (size_t)(p - arg);
}

/* e says: code, origin, key (NULL: none), the item at offset of length len. */
static void expect(const struct pgs_error_detail *e, int code, enum pgs_origin origin,
		   const char *key, size_t offset, size_t len, const char *says)
{
	assert_int_equal(e->code, code);
	assert_int_equal(e->origin, origin);
	if (key)
		assert_string_equal(e->key, key);
	else
		assert_null(e->key);
	assert_int_equal(e->input, 0);
	assert_int_equal(e->offset, offset);
	assert_int_equal(e->length, len);
	assert_non_null(strstr(e->message, says));
	assert_null(strchr(e->message, '\n'));
}

static void test_detail_cull_sort(void **state)
{
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	struct pgs_query *q = NULL;
	const char *arg;

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_error_detail(q, &e);

	arg = "pid,bogus,st";
	assert_int_equal(pgs_query_set_cull(q, arg), PGS_E_KEY);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_CULL, NULL, at(arg, "bogus"), strlen("bogus"),
	       "'bogus' is not a key: expected a key that can group");
	/* A key that exists but cannot group: named by its long name. */
	arg = "st,T";
	assert_int_equal(pgs_query_set_cull(q, arg), PGS_E_KEY);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_CULL, "txt", 3, 1, "cannot group: expected");
	arg = "pid,frame";
	assert_int_equal(pgs_query_set_cull(q, arg), PGS_E_KEY);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_CULL, "frame", 4, 5, "cannot group");
	/* An empty item: its place, no length. */
	arg = "pid,,st";
	assert_int_equal(pgs_query_set_cull(q, arg), PGS_E_KEY);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_CULL, NULL, 4, 0, "an empty key: expected");
	arg = "";
	assert_int_equal(pgs_query_set_cull(q, arg), PGS_E_KEY);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_CULL, NULL, 0, 0, "an empty key");

	/* Sort: the offset is the key's, past its sign. */
	arg = "-pages,+bogus,name";
	assert_int_equal(pgs_query_add_sort(q, arg), PGS_E_KEY);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_SORT, NULL, at(arg, "bogus"), 5,
	       "expected [+|-] and a key that can sort");
	arg = "-t,-free";
	assert_int_equal(pgs_query_add_sort(q, arg), PGS_E_KEY);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_SORT, "free", at(arg, "free"), 4, "cannot sort");
	assert_int_equal(pgs_query_add_sort(q, NULL), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_SORT, NULL, PGS_OFFSET_NONE, 0, "not NULL");

	/* Success leaves the detail as it was. */
	memset(&e, 0, sizeof(e));
	e.sz = sizeof(e);
	assert_int_equal(pgs_query_set_cull(q, "pid,st"), 0);
	assert_int_equal(pgs_query_add_sort(q, "-m"), 0);
	assert_int_equal(e.code, 0);
	assert_int_equal(e.offset, 0);
	pgs_query_free(q);
}

static void test_detail_select(void **state)
{
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	struct pgs_query *q = NULL;
	const char *arg;

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_error_detail(q, &e);

	arg = "1, 2,x";
	assert_int_equal(pgs_query_select_pid(q, arg), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_SELECT, "pid", at(arg, "x"), 1,
	       "takes decimal numbers from -2147483648 to 2147483647, not 'x'");
	/* INT32_MAX + 1: the whole item, its leading blank included. */
	arg = "7, 2147483648";
	assert_int_equal(pgs_query_select_tgid(q, arg), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_SELECT, "tgid", 2, 11, "not ' 2147483648'");
	arg = "0,2-1";
	assert_int_equal(pgs_query_select_node(q, arg), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_SELECT, "node", 2, 3, "from high to low");
	arg = "0-3,1024";
	assert_int_equal(pgs_query_select_node(q, arg), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_SELECT, "node", 4, 4, "from 0 to 1023");
	arg = "1-";
	assert_int_equal(pgs_query_select_node(q, arg), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_SELECT, "node", 0, 2, "ranges lo-hi");
	assert_int_equal(pgs_query_select_name(q, NULL), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_SELECT, NULL, PGS_OFFSET_NONE, 0, "expected a string");
	assert_int_equal(pgs_query_select_module(q, NULL), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_SELECT, NULL, PGS_OFFSET_NONE, 0, "expected a string");

	/* Page size 0; a callsite pattern that does not compile. */
	assert_int_equal(pgs_query_set_page_size(q, 0), -EINVAL);
	expect(&e, -EINVAL, PGS_ORIGIN_NONE, "bytes", PGS_OFFSET_NONE, 0, "at least 1 byte");
	arg = "ab(c";
	assert_int_equal(pgs_query_set_callsite_skip(q, arg), PGS_E_FILTER);
	assert_string_equal(e.key, "callsite");
	assert_int_equal(e.code, PGS_E_FILTER);
	/* PCRE2 finds the missing ')' at the end of the pattern. */
	assert_int_equal(e.offset, strlen(arg));
	assert_non_null(strstr(e.message, "expected a PCRE2 pattern"));
	assert_non_null(strstr(e.message, "missing closing parenthesis"));
	pgs_query_free(q);
}

static void test_detail_filter(void **state)
{
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	struct pgs_filter_error fe = PGS_INIT(pgs_filter_error);
	struct pgs_query *q = NULL;
	const char *arg = "order>=3 and bogus=1";

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_error_detail(q, &e);
	assert_int_equal(pgs_query_add_filter(q, arg, &fe), PGS_E_FILTER);
	/* The same place and words as pgs_filter_error, which names the key. */
	expect(&e, PGS_E_FILTER, PGS_ORIGIN_FILTER, NULL, at(arg, "bogus"), 0, "bogus");
	assert_int_equal(e.offset, fe.offset);
	assert_string_equal(e.message, fe.message);
	/* Without a pgs_filter_error the detail still has it. */
	arg = "pid=";
	assert_int_equal(pgs_query_add_filter(q, arg, NULL), PGS_E_FILTER);
	expect(&e, PGS_E_FILTER, PGS_ORIGIN_FILTER, NULL, 4, 0, "expected");
	pgs_query_free(q);
}

static void test_detail_run(void **state)
{
	struct pgs_table *small = open_fixture("real/small.txt");
	struct pgs_table *h = open_fixture("eras/eraH.txt");
	struct pgs_table *g = open_fixture("eras/eraG.txt");
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_result *r = NULL;
	struct pgs_diff *d = NULL;
	struct pgs_query *q = NULL;
	char want[64];

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_error_detail(q, &e);
	/* A run's fault is in no argument: no offset. */
	assert_int_equal(pgs_query_set_cull(q, "pid,free_ts"), 0);
	assert_int_equal(pgs_query_run(q, h, &r), PGS_E_NOFIELD);
	assert_int_equal(e.offset, PGS_OFFSET_NONE);
	assert_string_equal(e.key, "free_ts");
	assert_int_equal(e.origin, PGS_ORIGIN_CULL);
	/* 2^63-byte pages: any dump of two pages or more overflows. */
	pgs_table_info(small, &info);
	assert_true(info.pages >= 2);
	assert_int_equal(pgs_query_set_cull(q, "st"), 0);
	assert_int_equal(pgs_query_set_page_size(q, (uint64_t)1 << 63), 0);
	assert_int_equal(pgs_query_run(q, small, &r), -EOVERFLOW);
	assert_null(r);
	assert_int_equal(e.code, -EOVERFLOW);
	assert_int_equal(e.input, 0);
	assert_int_equal(e.offset, PGS_OFFSET_NONE);
	assert_null(e.key);
	snprintf(want, sizeof(want), "(%llu) exceed 2^64", 1ULL << 63);
	assert_non_null(strstr(e.message, want));
	/* NULL arguments. */
	assert_int_equal(pgs_query_run(q, NULL, &r), -EINVAL);
	assert_int_equal(e.code, -EINVAL);
	/* RETURN_ERROR_IF's own message, through the note. */
	assert_string_equal(e.message,
			    "expected a query, a table and a place for the result, not NULL");

	/* Diff: which input; where in pgs_diff_opts.sort. */
	assert_int_equal(pgs_query_set_page_size(q, 4096), 0);
	assert_int_equal(pgs_diff_run(q, small, small, &o, &d), 0);
	pgs_diff_free(d);
	d = NULL;
	o.sort = "-pages_delta,+nosuch";
	assert_int_equal(pgs_diff_run(q, g, h, &o, &d), PGS_E_KEY);
	assert_null(d);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_SORT, NULL, at(o.sort, "nosuch"), 6,
	       "'nosuch' is not a diff sort key: expected");
	o.sort = NULL;
	assert_int_equal(pgs_query_set_cull(q, "ft"), 0);
	assert_int_equal(pgs_diff_run(q, g, h, &o, &d), PGS_E_KEY);
	expect(&e, PGS_E_KEY, PGS_ORIGIN_CULL, "free_ts", PGS_OFFSET_NONE, 0,
	       "only within one boot");
	o.flags = PGS_DIFF_SAME_BOOT;
	assert_int_equal(pgs_diff_run(q, g, h, &o, &d), PGS_E_NOFIELD);
	assert_int_equal(e.input, 2);
	assert_int_equal(e.offset, PGS_OFFSET_NONE);
	assert_string_equal(e.era, "H");
	assert_int_equal(pgs_diff_run(q, h, g, &o, &d), PGS_E_NOFIELD);
	assert_int_equal(e.input, 1);
	pgs_query_free(q);
	pgs_table_free(small);
	pgs_table_free(g);
	pgs_table_free(h);
}

/* A caller built against 0.3's struct: the new fields are not written. */
static void test_detail_old_size(void **state)
{
	unsigned char raw[sizeof(struct pgs_error_detail)];
	struct pgs_error_detail *old = (struct pgs_error_detail *)raw;
	size_t sz = offsetof(struct pgs_error_detail, offset);
	struct pgs_query *q = NULL;

	(void)state;
	memset(raw, 0xa5, sizeof(raw));
	old->sz = sz;
	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_error_detail(q, old);
	assert_int_equal(pgs_query_set_cull(q, "pid,bogus"), PGS_E_KEY);
	assert_int_equal(old->sz, sz);
	assert_int_equal(old->code, PGS_E_KEY);
	assert_non_null(strstr(old->message, "'bogus'"));
	assert_int_equal(raw[sz], 0xa5);
	assert_int_equal(raw[sizeof(raw) - 1], 0xa5);
	pgs_query_free(q);
}

static int with_message(int x)
{
	RETURN_ERROR_IF(x == 1, -EDOM);
	RETURN_ERROR_IF(x == 2, -ERANGE, "x is %d, expected %s", x, "0");
	return 0;
}

/* The macro with and without a message; the note is per thread, per error. */
static void test_return_error_if(void **state)
{
	(void)state;
	pgs__note_clear();
	assert_int_equal(with_message(0), 0);
	assert_int_equal(with_message(1), -EDOM);
	assert_null(pgs__noted(-EDOM));		/* no message: nothing noted */
	assert_int_equal(with_message(2), -ERANGE);
	assert_string_equal(pgs__noted(-ERANGE), "x is 2, expected 0");
	assert_null(pgs__noted(-EDOM));		/* the note is for -ERANGE */
	pgs__note_clear();
	assert_null(pgs__noted(-ERANGE));
}

/* -ENOMEM in a setter: the detail has the message of the check that failed. */
static void test_detail_nomem(void **state)
{
	struct failing fa = { 0, 0 };
	struct pgs_allocator al = { f_malloc, f_realloc, f_free, &fa };
	struct pgs_query_opts o = PGS_INIT(pgs_query_opts);
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	struct pgs_query *q = NULL;

	(void)state;
	o.allocator = &al;
	assert_int_equal(pgs_query_create_opts(&q, &o), 0);
	pgs_query_set_error_detail(q, &e);
	fa.fail_at = fa.calls + 1;	/* the sort keys' array */
	assert_int_equal(pgs_query_add_sort(q, "-pages"), -ENOMEM);
	expect(&e, -ENOMEM, PGS_ORIGIN_SORT, NULL, PGS_OFFSET_NONE, 0,
	       "out of memory growing an array to");
	fa.fail_at = fa.calls + 2;	/* the copy of a name */
	assert_int_equal(pgs_query_select_name(q, "a,b"), -ENOMEM);
	expect(&e, -ENOMEM, PGS_ORIGIN_SELECT, NULL, PGS_OFFSET_NONE, 0,
	       "out of memory for a name of 1 bytes");
	fa.fail_at = 0;
	assert_int_equal(pgs_query_add_sort(q, "-pages"), 0);
	pgs_query_free(q);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detail_cull_sort),
		cmocka_unit_test(test_detail_select),
		cmocka_unit_test(test_detail_filter),
		cmocka_unit_test(test_detail_run),
		cmocka_unit_test(test_detail_old_size),
		cmocka_unit_test(test_return_error_if),
		cmocka_unit_test(test_detail_nomem),
	};

	fixtures = argc > 1 ? argv[1] : "tests/fixtures";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
