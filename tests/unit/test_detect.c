/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Public API of 0.3 that the CLI's safety checks stand on: pgs_detect_kind()
 * on the first bytes of each kind and era (the kind each fixture is, from
 * its README, not from the parser), and the error detail of queries and
 * diffs: which key, given how, lacks which field in which input.
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

static const char *fixtures;

static char *fixture(const char *name, size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	return slurp(path, len);
}

static void test_detect_fixtures(void **state)
{
	static const struct { const char *file; enum pgs_kind kind; } cases[] = {
		{ "eras/eraA0.txt", PGS_KIND_PAGE_OWNER }, { "eras/eraA1.txt", PGS_KIND_PAGE_OWNER },
		{ "eras/eraB.txt", PGS_KIND_PAGE_OWNER }, { "eras/eraC.txt", PGS_KIND_PAGE_OWNER },
		{ "eras/eraD.txt", PGS_KIND_PAGE_OWNER }, { "eras/eraE.txt", PGS_KIND_PAGE_OWNER },
		{ "eras/eraF.txt", PGS_KIND_PAGE_OWNER }, { "eras/eraG.txt", PGS_KIND_PAGE_OWNER },
		{ "eras/eraH.txt", PGS_KIND_PAGE_OWNER },
		{ "bad/dmesg-prefix.txt", PGS_KIND_PAGE_OWNER },
		{ "bad/syslog-prefix.txt", PGS_KIND_PAGE_OWNER },
		{ "real/show_stacks.txt", PGS_KIND_SHOW_STACKS },
		{ "real/handles/show_handles.txt", PGS_KIND_SHOW_HANDLES },
		{ "real/handles/show_stacks_handles.txt", PGS_KIND_SHOW_STACKS_HANDLES },
		{ "real/handles/page_owner.mode_handle.txt", PGS_KIND_PAGE_OWNER },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum pgs_kind kind = PGS_KIND_UNKNOWN;
		size_t len, head;
		char *buf = fixture(cases[i].file, &len);
		const char *nl;

		/* The whole file, then its first 4 KiB cut at a line end, as the CLI does. */
		assert_int_equal(pgs_detect_kind(buf, len, &kind), 0);
		assert_int_equal(kind, cases[i].kind);
		head = len < 4096 ? len : 4096;
		nl = memrchr(buf, '\n', head);
		kind = PGS_KIND_UNKNOWN;
		assert_int_equal(pgs_detect_kind(buf, nl ? (size_t)(nl - buf) + 1 : head, &kind), 0);
		assert_int_equal(kind, cases[i].kind);
		free(buf);
	}
}

static void test_detect_not_input(void **state)
{
	static const char json[] = "{\"pgsort\": \"0.2.0\", \"groups\": []}\n";
	static const char meminfo[] = "MemTotal:        1000552 kB\nMemFree:  1 kB\n";
	enum pgs_kind kind = PGS_KIND_SHOW_STACKS;

	(void)state;
	assert_int_equal(pgs_detect_kind(json, strlen(json), &kind), PGS_E_FORMAT);
	assert_int_equal(pgs_detect_kind(meminfo, strlen(meminfo), &kind), PGS_E_FORMAT);
	assert_int_equal(pgs_detect_kind("\n\n\n", 3, &kind), PGS_E_EMPTY);
	assert_int_equal(pgs_detect_kind("", 0, &kind), PGS_E_EMPTY);
	assert_int_equal(kind, PGS_KIND_SHOW_STACKS);	/* untouched on failure */
	assert_int_equal(pgs_detect_kind(NULL, 3, &kind), -EINVAL);
	assert_int_equal(pgs_detect_kind("x", 1, NULL), -EINVAL);
}

/* The magic bytes of each compressor, as its tool writes them; text is none. */
static void test_compression_name(void **state)
{
	static const struct { const char *bytes; size_t len; const char *name; } cases[] = {
		{ "\x28\xb5\x2f\xfd\x24\x00", 6, "zstd" },
		{ "\x50\x2a\x4d\x18\x04\x00", 6, "zstd" },	/* skippable frame */
		{ "\x1f\x8b\x08\x00\x00\x00", 6, "gzip" },
		{ "\xfd" "7zXZ\0\x00\x04", 8, "xz" },
		{ "\x04\x22\x4d\x18\x64\x40", 6, "lz4" },
		{ "BZh91AY", 7, "bzip2" },
		{ "BZh is not bzip2", 16, NULL },
		{ "Page allocated via order 0", 26, NULL },
		{ "\x1f", 1, NULL },		/* too short to tell */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = pgs_compression_name(cases[i].bytes, cases[i].len);

		if (cases[i].name)
			assert_string_equal(got, cases[i].name);
		else
			assert_null(got);
	}
	assert_null(pgs_compression_name(NULL, 4));
}

static struct pgs_table *open_fixture(const char *name)
{
	struct pgs_table *t = NULL;
	size_t len;
	char *buf = fixture(name, &len);

	assert_int_equal(pgs_table_open_mem(&t, buf, len, NULL), 0);
	free(buf);
	return t;
}

static void test_detail_query(void **state)
{
	struct pgs_table *ss = open_fixture("real/show_stacks.txt");
	struct pgs_table *h = open_fixture("eras/eraH.txt");
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	struct pgs_filter_error fe = PGS_INIT(pgs_filter_error);
	struct pgs_result *r = NULL;
	struct pgs_query *q = NULL;

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_error_detail(q, &e);
	/* comm names the name key; on show_stacks it lacks its field. */
	assert_int_equal(pgs_query_set_cull(q, "st,comm"), 0);
	assert_int_equal(pgs_query_run(q, ss, &r), PGS_E_NOFIELD);
	assert_null(r);
	assert_int_equal(e.code, PGS_E_NOFIELD);
	assert_string_equal(e.key, "name");
	assert_string_equal(e.field, "comm");
	assert_int_equal(e.origin, PGS_ORIGIN_CULL);
	assert_int_equal(e.kind, PGS_KIND_SHOW_STACKS);
	assert_int_equal(e.input, 0);
	assert_non_null(strstr(e.message, "show_stacks input has only stacks"));

	/* A sort key after a good cull; then a filter; then a selection. */
	assert_int_equal(pgs_query_set_cull(q, "st"), 0);
	assert_int_equal(pgs_query_add_sort(q, "-m,ft"), 0);
	assert_int_equal(pgs_query_run(q, h, &r), PGS_E_NOFIELD);
	assert_string_equal(e.key, "free_ts");
	assert_int_equal(e.origin, PGS_ORIGIN_SORT);
	assert_string_equal(e.era, "H");
	assert_non_null(strstr(e.message, "kernels 5.14-6.6"));
	pgs_query_clear_sort(q);
	assert_int_equal(pgs_query_add_filter(q, "order>=1", &fe), 0);
	assert_int_equal(pgs_query_run(q, ss, &r), PGS_E_NOFIELD);
	assert_string_equal(e.key, "order");
	assert_int_equal(e.origin, PGS_ORIGIN_FILTER);
	pgs_query_free(q);

	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_error_detail(q, &e);
	assert_int_equal(pgs_query_select_tgid(q, "1"), 0);
	assert_int_equal(pgs_query_run(q, ss, &r), PGS_E_NOFIELD);
	assert_string_equal(e.key, "tgid");
	assert_int_equal(e.origin, PGS_ORIGIN_SELECT);
	/* The same query on a dump runs, and leaves the detail as it was. */
	memset(&e, 0, sizeof(e));
	e.sz = sizeof(e);
	assert_int_equal(pgs_query_run(q, h, &r), 0);
	assert_null(e.key);
	assert_int_equal(e.code, 0);
	pgs_result_free(r);

	/* An older caller's smaller struct: nothing past its sz is written. */
	{
		unsigned char raw[sizeof(struct pgs_error_detail)];
		struct pgs_error_detail *old = (struct pgs_error_detail *)raw;
		size_t sz = offsetof(struct pgs_error_detail, era);

		memset(raw, 0xa5, sizeof(raw));
		old->sz = sz;
		pgs_query_set_error_detail(q, old);
		assert_int_equal(pgs_query_run(q, ss, &r), PGS_E_NOFIELD);
		assert_int_equal(old->sz, sz);
		assert_int_equal(old->code, PGS_E_NOFIELD);
		assert_int_equal(old->kind, PGS_KIND_SHOW_STACKS);
		assert_int_equal(raw[sz], 0xa5);
		assert_int_equal(raw[sizeof(raw) - 1], 0xa5);
	}
	pgs_query_free(q);
	pgs_table_free(ss);
	pgs_table_free(h);
}

static void test_detail_diff(void **state)
{
	struct pgs_table *g = open_fixture("eras/eraG.txt");
	struct pgs_table *h = open_fixture("eras/eraH.txt");
	struct pgs_table *ss = open_fixture("real/show_stacks.txt");
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
	struct pgs_diff *d = NULL;
	struct pgs_query *q = NULL;

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	pgs_query_set_error_detail(q, &e);
	assert_int_equal(pgs_query_set_cull(q, "f"), 0);
	/* free_ts: G has it, H does not; the detail says which input. */
	assert_int_equal(pgs_diff_run(q, g, h, NULL, &d), PGS_E_NOFIELD);
	assert_int_equal(e.input, 2);
	assert_string_equal(e.key, "free");
	assert_string_equal(e.era, "H");
	assert_int_equal(pgs_diff_run(q, h, g, NULL, &d), PGS_E_NOFIELD);
	assert_int_equal(e.input, 1);
	/* Blocks against stacks: refused, both kinds named. */
	assert_int_equal(pgs_query_set_cull(q, "st"), 0);
	assert_int_equal(pgs_diff_run(q, h, ss, NULL, &d), -EINVAL);
	assert_null(d);
	assert_int_equal(e.code, -EINVAL);
	assert_non_null(strstr(e.message, "before is page_owner input and after is show_stacks input"));
	/* A boot-dependent key, and an unknown diff sort key. */
	assert_int_equal(pgs_query_set_cull(q, "pfn"), 0);
	assert_int_equal(pgs_diff_run(q, g, h, NULL, &d), PGS_E_KEY);
	assert_string_equal(e.key, "pfn");
	assert_int_equal(e.origin, PGS_ORIGIN_CULL);
	assert_int_equal(pgs_query_set_cull(q, "name"), 0);
	o.sort = "-pages_delta,nosuch";
	assert_int_equal(pgs_diff_run(q, g, h, &o, &d), PGS_E_KEY);
	assert_int_equal(e.origin, PGS_ORIGIN_SORT);
	assert_non_null(strstr(e.message, "'nosuch' is not a diff sort key"));
	pgs_query_free(q);
	pgs_table_free(g);
	pgs_table_free(h);
	pgs_table_free(ss);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_fixtures),
		cmocka_unit_test(test_detect_not_input),
		cmocka_unit_test(test_compression_name),
		cmocka_unit_test(test_detail_query),
		cmocka_unit_test(test_detail_diff),
	};

	fixtures = argc > 1 ? argv[1] : "tests/fixtures";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
