/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/output/fold.c, folded.c and pprof.c's gzip framing: folded lines of
 * a small dump whose stacks are worked out by hand below, the line set that
 * a diff will use, write errors, and the deflated gzip member: compressed
 * blocks, inflated by zlib, checked against a bitwise CRC-32 written here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include <zlib.h>

#include "testutil.h"
#include "../../lib/output/fold.h"

#define HDR(o, pid, comm) \
	"Page allocated via order " #o ", mask 0xcc0(GFP_KERNEL), pid " #pid ", tgid " #pid \
	" (" comm "), ts 100 ns\nPFN 0x1000 type Unmovable Block 8 type Unmovable Flags 0x0()\n"
#define GPF " get_page_from_freelist+0x1/0x10\n"

/*
 * row order pid comm stack (innermost first)
 *  0   0    10  a    gpf, __alloc_pages_noprof+0x2/0x20, do_one+0x3/0x30
 *  1   1    10  a    the same but do_one+0x5/0x30
 *  2   2    20  b;c  gpf, __alloc_pages_noprof+0x2/0x20, do_two+0x3/0x30
 *  3   0    30  a    gpf, __alloc_pages_bulk_noprof+0x2/0x20, mod;fn+0x4/0x40 [m]
 */
static const char dump[] =
	HDR(0, 10, "a") GPF " __alloc_pages_noprof+0x2/0x20\n do_one+0x3/0x30\n\n"
	HDR(1, 10, "a") GPF " __alloc_pages_noprof+0x2/0x20\n do_one+0x5/0x30\n\n"
	HDR(2, 20, "b;c") GPF " __alloc_pages_noprof+0x2/0x20\n do_two+0x3/0x30\n\n"
	HDR(0, 30, "a") GPF " __alloc_pages_bulk_noprof+0x2/0x20\n mod;fn+0x4/0x40 [m]\n\n";

#define ONE "do_one;__alloc_pages_noprof;get_page_from_freelist"
#define TWO "do_two;__alloc_pages_noprof;get_page_from_freelist"
#define MOD "mod:fn [m];__alloc_pages_bulk_noprof;get_page_from_freelist"

struct fcase {
	const char *cull, *sort;
	enum pgs_weight weight;
	unsigned flags;
	size_t top;
	const char *expect;
};

static const struct fcase cases[] = {
	/* Rows 0 and 1 differ (order, offsets) but fold alike: one line. */
	{ NULL, NULL, PGS_WEIGHT_PAGES, 0, 0, ONE " 3\n" TWO " 4\n" MOD " 1\n" },
	{ NULL, NULL, PGS_WEIGHT_TIMES, 0, 0, ONE " 2\n" TWO " 1\n" MOD " 1\n" },
	{ NULL, NULL, PGS_WEIGHT_BYTES, 0, 0, ONE " 12288\n" TWO " 16384\n" MOD " 4096\n" },
	{ NULL, NULL, PGS_WEIGHT_PAGES, PGS_WRITE_KEEP_OFFSETS, 0,
	  "do_one+0x3/0x30;__alloc_pages_noprof+0x2/0x20;get_page_from_freelist+0x1/0x10 1\n"
	  "do_one+0x5/0x30;__alloc_pages_noprof+0x2/0x20;get_page_from_freelist+0x1/0x10 2\n"
	  "do_two+0x3/0x30;__alloc_pages_noprof+0x2/0x20;get_page_from_freelist+0x1/0x10 4\n"
	  "mod:fn+0x4/0x40 [m];__alloc_pages_bulk_noprof+0x2/0x20;get_page_from_freelist+0x1/0x10 1\n" },
	/* A comm's ';' is ':' too; two st groups fold to one line. */
	{ "name,st", NULL, PGS_WEIGHT_PAGES, 0, 0,
	  "name:a;" ONE " 3\nname:b:c;" TWO " 4\nname:a;" MOD " 1\n" },
	/* No stack key: pseudo frames alone, in the result's order. */
	{ "pid", NULL, PGS_WEIGHT_PAGES, 0, 0, "pid:10 3\npid:20 4\npid:30 1\n" },
	{ "pid", "-pages", PGS_WEIGHT_PAGES, 0, 0, "pid:20 4\npid:10 3\npid:30 1\n" },
	{ "pid", "-pages", PGS_WEIGHT_TIMES, 0, 1, "pid:20 1\n" },
	{ "stack,order", NULL, PGS_WEIGHT_PAGES, 0, 0,
	  "order:0;" ONE " 1\norder:1;" ONE " 2\norder:2;" TWO " 4\norder:0;" MOD " 1\n" },
	{ "pid,name,order,stack", "-pages", PGS_WEIGHT_PAGES, 0, 2,
	  "pid:20;name:b:c;order:2;" TWO " 4\npid:10;name:a;order:1;" ONE " 2\n" },
};

static struct pgs_result *run(struct pgs_table *t, const char *cull, const char *sort,
			      size_t top)
{
	struct pgs_query *q;
	struct pgs_result *r;

	assert_int_equal(pgs_query_create(&q), 0);
	if (cull)
		assert_int_equal(pgs_query_set_cull(q, cull), 0);
	if (sort)
		assert_int_equal(pgs_query_add_sort(q, sort), 0);
	pgs_query_set_top(q, top);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	pgs_query_free(q);
	return r;
}

static struct pgs_table *open_dump(const char *s, size_t len)
{
	struct pgs_table *t;

	assert_int_equal(pgs_table_open_mem(&t, s, len, NULL), 0);
	return t;
}

static void test_folded(void **state)
{
	struct pgs_table *t = open_dump(dump, sizeof(dump) - 1);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fcase *c = &cases[i];
		struct pgs_write_opts o = PGS_INIT(pgs_write_opts);
		struct pgs_result *r = run(t, c->cull, c->sort, c->top);
		struct membuf s = { 0 };

		o.format = PGS_FORMAT_FOLDED;
		o.weight = c->weight;
		o.flags = c->flags;
		assert_int_equal(pgs_result_write(r, &o, membuf_sink, &s), 0);
		if (strcmp(s.s ? s.s : "", c->expect) != 0)
			fail_msg("case %zu (cull %s): got\n%s\nwant\n%s", i, c->cull, s.s, c->expect);
		free(s.s);
		pgs_result_free(r);
	}
	pgs_table_free(t);
}

/* The frame list itself: pseudo frames first, then root to leaf. */
static void test_frames(void **state)
{
	struct pgs_table *t = open_dump(dump, sizeof(dump) - 1);
	struct pgs_result *r = run(t, "name,st", "-pages", 0);
	struct fold_frames f = { 0 };
	const char *want[] = { "name:b;c", "do_two", "__alloc_pages_noprof",
			       "get_page_from_freelist" };
	size_t i, len;

	(void)state;
	/* Group 0 by pages is row 2. */
	assert_int_equal(fold_frames(r, result_group(r, 0)->first, FOLD_STRIP, &f), 0);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.nstack, 3);
	for (i = 0; i < f.n; i++) {
		const char *s = fold_frame_text(r, &f, i, &len);

		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(s, want[i], len);
	}
	assert_int_equal(f.f[0].id, 0);	/* a pseudo frame */
	assert_string_equal(pgs_table_string(t, f.f[1].raw), "do_two+0x3/0x30");
	fold_frames_free(&f);
	pgs_result_free(r);
	pgs_table_free(t);
}

/* Two weights per line, summed per distinct line: difffolded's input. */
static void test_set(void **state)
{
	static const struct {
		const char *line;
		uint64_t w[FOLD_NW];
	} adds[] = {
		{ "a;b", { 1, 0 } }, { "c", { 0, 2 } }, { "a;b", { 3, 4 } }, { "a", { 5, 0 } },
	};
	struct fold_set s;
	size_t i;

	(void)state;
	assert_int_equal(fold_set_init(&s, NULL), 0);
	for (i = 0; i < sizeof(adds) / sizeof(adds[0]); i++)
		assert_int_equal(fold_set_add(&s, adds[i].line, strlen(adds[i].line), adds[i].w), 0);
	assert_int_equal(fold_set_count(&s), 4);	/* ids 1..3 */
	assert_string_equal(strpool_str(&s.lines, 1), "a;b");
	assert_int_equal(s.w[1][0], 4);
	assert_int_equal(s.w[1][1], 4);
	assert_string_equal(strpool_str(&s.lines, 2), "c");
	assert_int_equal(s.w[2][1], 2);
	assert_string_equal(strpool_str(&s.lines, 3), "a");
	assert_int_equal(s.w[3][0], 5);
	fold_set_fini(&s);
}

static void test_errors(void **state)
{
	static const enum pgs_format formats[] = { PGS_FORMAT_FOLDED, PGS_FORMAT_PPROF };
	struct pgs_table *t = open_dump(dump, sizeof(dump) - 1);
	struct pgs_result *r = run(t, NULL, NULL, 0);
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct pgs_write_opts o = PGS_INIT(pgs_write_opts);
		struct membuf s = { .fail_after = 10 };

		o.format = formats[i];
		assert_int_equal(pgs_result_write(r, &o, membuf_sink, &s), PGS_E_WRITE);
		o.weight = (enum pgs_weight)7;
		assert_int_equal(pgs_result_write(r, &o, membuf_sink, &s), -EINVAL);
		free(s.s);
	}
	pgs_result_free(r);
	pgs_table_free(t);
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * A profile of some 300 KiB whose frame names do not compress well (so the
 * member spans several of the writer's 16 KiB pieces): one gzip member,
 * compressed deflate blocks (not stored), that inflates to a profile whose
 * CRC (computed here bit by bit) and size the trailer holds, under half
 * the profile's size.
 */
static void test_gzip(void **state)
{
	size_t n = 6000, i, len = 0, cap = 64u << 20;
	char *big = malloc(n * 400);
	uint8_t *data = malloc(cap);
	struct pgs_write_opts o = PGS_INIT(pgs_write_opts);
	struct membuf s = { 0 };
	struct pgs_table *t;
	struct pgs_result *r;
	z_stream z = { 0 };
	uint64_t x = 0x9e3779b97f4a7c15u;
	uint8_t *g;

	(void)state;
	assert_non_null(big);
	assert_non_null(data);
	for (i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;	/* xorshift: names apart */
		len += (size_t)sprintf(big + len, HDR(0, 1, "x") GPF " fn_%zu_%016llx+0x1/0x2\n\n",
				       i, (unsigned long long)x);
	}
	t = open_dump(big, len);
	r = run(t, NULL, NULL, 0);
	o.format = PGS_FORMAT_PPROF;
	assert_int_equal(pgs_result_write(r, &o, membuf_sink, &s), 0);
	g = (uint8_t *)s.s;
	assert_true(s.len > 2 * 16384);
	assert_int_equal(g[0], 0x1f);
	assert_int_equal(g[1], 0x8b);
	assert_int_equal(g[2], 8);	/* deflate */
	assert_int_equal(g[3], 0);	/* no name, comment, extra */
	assert_int_not_equal(g[10] & 6, 0);	/* BTYPE 01 or 10, not 00: stored */
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = g;
	z.avail_in = (uInt)s.len;
	z.next_out = data;
	z.avail_out = (uInt)cap;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.avail_in, 0);	/* one member, nothing after it */
	len = z.total_out;
	inflateEnd(&z);
	assert_true(2 * s.len < len);
	assert_int_equal(rd32(g + s.len - 8), crc32_bitwise(data, len));
	assert_int_equal(rd32(g + s.len - 4), (uint32_t)len);
	/* Every stack's function name is in the profile's string table. */
	assert_non_null(memmem(data, len, "fn_5999_", 8));
	free(data);
	free(s.s);
	free(big);
	pgs_result_free(r);
	pgs_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_gzip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
