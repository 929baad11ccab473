/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Size-versioned options (lib/opts.h), through the public API: for the
 * parse, query, diff and write options, a newer caller's longer struct is
 * accepted when its extra fields are zero and refused (-EINVAL, nothing
 * made, nothing written) when one is not; an older, shorter struct gets
 * the defaults; sz below sizeof(size_t) is refused. And the write options
 * are checked once for every format: a weight or a format outside its enum
 * is -EINVAL for text, json, ... html alike (svg and html used to fall
 * back to pages), for pgs_result_write() and pgs_diff_write().
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

static const char dump[] =
	"Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (a), ts 11000 ns\n"
	"PFN 0x1000 type Movable Block 8 type Movable Flags 0x3fffe800000028(uptodate|lru|node=0|zone=1)\n"
	" get_page_from_freelist+0x1/0x10\n"
	" a_caller+0x2/0x20\n\n";

/* A caller's struct of type with 16 more bytes of fields we do not know. */
#define NEWER(type) union { struct type o; unsigned char b[sizeof(struct type) + 16]; }
/* Zeroed, sized as the newer caller's; extra: a non-zero byte in its new fields. */
#define SET_NEWER(u, extra) do { \
	memset(&(u), 0, sizeof(u)); \
	(u).o.sz = sizeof(u); \
	if (extra) \
		(u).b[sizeof((u).o) + 5] = 1; \
} while (0)

static unsigned long writes;

static int sink(const void *buf, size_t len, void *user)
{
	(void)buf, (void)len, (void)user;
	writes++;
	return 0;
}

static void test_parse_opts(void **state)
{
	NEWER(pgs_parse_opts) u;
	struct pgs_parse_opts old = { .sz = sizeof(size_t) };
	struct pgs_table *t = NULL;
	struct pgs_parser *p = NULL;

	(void)state;
	SET_NEWER(u, 0);
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, &u.o), 0);
	assert_int_equal(pgs_table_count(t), 1);
	pgs_table_free(t);
	t = NULL;
	assert_int_equal(pgs_parser_create(&p, &u.o), 0);
	pgs_parser_free(p);
	p = NULL;
	SET_NEWER(u, 1);
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, &u.o), -EINVAL);
	assert_null(t);
	assert_int_equal(pgs_parser_create(&p, &u.o), -EINVAL);
	assert_null(p);
	/* The oldest caller: sz alone, every field its default. */
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, &old), 0);
	assert_int_equal(pgs_table_count(t), 1);
	pgs_table_free(t);
	t = NULL;
	old.sz = 4;
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, &old), -EINVAL);
	assert_null(t);
}

static void test_query_and_diff_opts(void **state)
{
	NEWER(pgs_query_opts) qu;
	NEWER(pgs_diff_opts) du;
	struct pgs_diff_opts old = { .sz = sizeof(size_t) };
	struct pgs_table *t = NULL;
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;

	(void)state;
	SET_NEWER(qu, 0);
	assert_int_equal(pgs_query_create_opts(&q, &qu.o), 0);
	pgs_query_free(q);
	q = NULL;
	SET_NEWER(qu, 1);
	assert_int_equal(pgs_query_create_opts(&q, &qu.o), -EINVAL);
	assert_null(q);

	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, NULL), 0);
	assert_int_equal(pgs_query_create(&q), 0);
	SET_NEWER(du, 0);
	assert_int_equal(pgs_diff_run(q, t, t, &du.o, &d), 0);
	assert_int_equal(pgs_diff_count(d), 1);
	pgs_diff_free(d);
	d = NULL;
	SET_NEWER(du, 1);
	assert_int_equal(pgs_diff_run(q, t, t, &du.o, &d), -EINVAL);
	assert_null(d);
	assert_int_equal(pgs_diff_run(q, t, t, &old, &d), 0);
	pgs_diff_free(d);
	d = NULL;
	old.sz = 0;
	assert_int_equal(pgs_diff_run(q, t, t, &old, &d), -EINVAL);
	assert_null(d);
	pgs_query_free(q);
	pgs_table_free(t);
}

static void test_write_opts(void **state)
{
	NEWER(pgs_write_opts) u;
	struct pgs_write_opts o;
	struct pgs_table *t = NULL;
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	struct pgs_diff *d = NULL;
	unsigned f;

	(void)state;
	assert_int_equal(pgs_table_open_mem(&t, dump, sizeof(dump) - 1, NULL), 0);
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	assert_int_equal(pgs_diff_run(q, t, t, NULL, &d), 0);
	for (f = 0; pgs_format_name((enum pgs_format)f); f++) {
		/* pprof and html are not written for a diff. */
		int diff_ok = f == PGS_FORMAT_PPROF || f == PGS_FORMAT_HTML ? -ENOTSUP : 0;
		enum pgs_weight wt;

		SET_NEWER(u, 0);
		u.o.format = (enum pgs_format)f;
		writes = 0;
		assert_int_equal(pgs_result_write(r, &u.o, sink, NULL), 0);
		assert_true(writes > 0);
		assert_int_equal(pgs_diff_write(d, &u.o, sink, NULL), diff_ok);
		SET_NEWER(u, 1);
		u.o.format = (enum pgs_format)f;
		writes = 0;
		assert_int_equal(pgs_result_write(r, &u.o, sink, NULL), -EINVAL);
		assert_int_equal(pgs_diff_write(d, &u.o, sink, NULL), -EINVAL);
		assert_int_equal(writes, 0);
		for (wt = PGS_WEIGHT_PAGES; wt <= PGS_WEIGHT_BYTES; wt++) {
			o = PGS_INIT(pgs_write_opts);
			o.format = (enum pgs_format)f;
			o.weight = wt;
			assert_int_equal(pgs_result_write(r, &o, sink, NULL), 0);
			assert_int_equal(pgs_diff_write(d, &o, sink, NULL), diff_ok);
		}
		o = PGS_INIT(pgs_write_opts);
		o.format = (enum pgs_format)f;
		o.weight = (enum pgs_weight)(PGS_WEIGHT_BYTES + 1);
		writes = 0;
		if (pgs_result_write(r, &o, sink, NULL) != -EINVAL)
			fail_msg("--format=%s: a weight past the enum is accepted",
				 pgs_format_name((enum pgs_format)f));
		assert_int_equal(pgs_diff_write(d, &o, sink, NULL), -EINVAL);
		assert_int_equal(writes, 0);
	}
	o = PGS_INIT(pgs_write_opts);
	o.format = (enum pgs_format)f;	/* the first value past the formats */
	assert_int_equal(pgs_result_write(r, &o, sink, NULL), -EINVAL);
	assert_int_equal(pgs_diff_write(d, &o, sink, NULL), -EINVAL);
	o.format = PGS_FORMAT_TEXT;
	o.sz = 1;
	assert_int_equal(pgs_result_write(r, &o, sink, NULL), -EINVAL);
	pgs_diff_free(d);
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_opts),
		cmocka_unit_test(test_query_and_diff_opts),
		cmocka_unit_test(test_write_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
