/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgs_format_name() and pgs_format_from_name() (0.3), through the public
 * API: the eight names of pgsort(1)'s --format, each round-tripping to its
 * enum value, unknown names and values refused, and each name's format
 * writing what that format's specification says it begins with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pgsort/pgsort.h>

/* The names and what the report of one order-0 block by task "a" begins
 * with (or holds) in each format, from the header and the man page. */
static const struct {
	const char *name;
	enum pgs_format format;
	const char *starts, *holds;
} expect[] = {
	{ "text", PGS_FORMAT_TEXT, "1 times, 1 pages", " a_caller+0x2/0x20\n" },
	{ "json", PGS_FORMAT_JSON, "{\"pgsort\": ", "\"groups\"" },
	{ "ndjson", PGS_FORMAT_NDJSON, "{\"times\": 1, \"pages\": 1, ", "}\n" },
	{ "csv", PGS_FORMAT_CSV, "times,pages,bytes,", "\r\n1,1,4096," },
	/* Root first, leaf last, then the weight (pages). */
	{ "folded", PGS_FORMAT_FOLDED, "a_caller;get_page_from_freelist 1\n", "" },
	{ "pprof", PGS_FORMAT_PPROF, "\x1f\x8b\x08", "" },
	{ "svg", PGS_FORMAT_SVG, "<?xml", "<svg " },
	{ "html", PGS_FORMAT_HTML, "<!DOCTYPE html>", "<svg " },
};
#define NFORMATS (sizeof(expect) / sizeof(expect[0]))

static const char dump[] =
	"Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (a), ts 11000 ns\n"
	"PFN 0x1000 type Movable Block 8 type Movable Flags 0x3fffe800000028(uptodate|lru|node=0|zone=1)\n"
	" get_page_from_freelist+0x1/0x10\n"
	" a_caller+0x2/0x20\n\n";

/* Every value from 0 up has a name until the first NULL: the eight. */
static void test_names_round_trip(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; pgs_format_name((enum pgs_format)i); i++) {
		enum pgs_format f = (enum pgs_format)-1;

		assert_true(i < NFORMATS);
		assert_string_equal(pgs_format_name((enum pgs_format)i), expect[i].name);
		assert_int_equal(expect[i].format, i);
		assert_int_equal(pgs_format_from_name(expect[i].name, &f), 0);
		assert_int_equal(f, i);
	}
	assert_int_equal(i, NFORMATS);
	assert_int_equal(PGS_FORMAT_HTML + 1, NFORMATS);
	assert_null(pgs_format_name((enum pgs_format)NFORMATS));
	assert_null(pgs_format_name((enum pgs_format)-1));
	assert_null(pgs_format_name((enum pgs_format)1000));
}

static void test_unknown_names(void **state)
{
	static const char *const bad[] = { "", "TEXT", "Json", "xml", "svg ", " svg",
					   "pprof.gz", "htm", "textx" };
	enum pgs_format f = PGS_FORMAT_CSV;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pgs_format_from_name(bad[i], &f), -EINVAL);
		assert_int_equal(f, PGS_FORMAT_CSV);	/* left alone */
	}
	assert_int_equal(pgs_format_from_name(NULL, &f), -EINVAL);
	assert_int_equal(pgs_format_from_name("json", NULL), -EINVAL);
	assert_int_equal(f, PGS_FORMAT_CSV);
}

struct out {
	char *p;
	size_t n;
};

static int sink(const void *buf, size_t len, void *user)
{
	struct out *o = user;
	char *p = realloc(o->p, o->n + len + 1);

	if (!p)
		return -1;
	memcpy(p + o->n, buf, len);
	o->n += len;
	p[o->n] = '\0';
	o->p = p;
	return 0;
}

/* The format a name maps to writes that format. */
static void test_names_write_their_format(void **state)
{
	struct pgs_table *t = NULL;
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	size_t i;

	(void)state;
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, NULL), 0);
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	for (i = 0; i < NFORMATS; i++) {
		struct pgs_write_opts o = PGS_INIT(pgs_write_opts);
		struct out out = { NULL, 0 };

		assert_int_equal(pgs_format_from_name(expect[i].name, &o.format), 0);
		assert_int_equal(pgs_result_write(r, &o, sink, &out), 0);
		assert_non_null(out.p);
		if (memcmp(out.p, expect[i].starts, strlen(expect[i].starts)) != 0)
			fail_msg("--format=%s does not begin with '%s'", expect[i].name,
				 expect[i].starts);
		if (!strstr(out.p, expect[i].holds))
			fail_msg("--format=%s does not hold '%s'", expect[i].name, expect[i].holds);
		free(out.p);
	}
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_names_write_their_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
