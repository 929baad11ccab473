/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/table/join.c through the public API: the real handle excerpts of
 * tests/fixtures/real/handles joined with their show_stacks_handles
 * excerpt, against join-expected.tsv (awk, gen/join_expected.sh) and
 * against the print_mode=stack_handle read of the same PFNs; small inputs
 * written here for what the excerpts lack (VMALLOC, a show_handles handle
 * the map lacks, a dump mixing both print modes); allocation failures.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include <pgsort/pgsort.h>

static const char *dir;

static struct pgs_table *open_fx(const char *name)
{
	struct pgs_table *t = NULL;
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (pgs_table_open_file(&t, path, NULL))
		fail_msg("cannot open %s", path);
	return t;
}

static struct pgs_table *open_str(const char *s)
{
	struct pgs_table *t = NULL;

	assert_int_equal(pgs_table_open_mem(&t, s, strlen(s), NULL), 0);
	return t;
}

static struct pgs_record rec_of(const struct pgs_table *t, size_t i)
{
	struct pgs_record r = PGS_INIT(pgs_record);

	assert_int_equal(pgs_table_record(t, i, &r), 0);
	return r;
}

/* The map's record for handle h (its rows carry the handle), or -1. */
static long map_row(const struct pgs_table *map, uint32_t h)
{
	size_t i;

	for (i = 0; i < pgs_table_count(map); i++)
		if (rec_of(map, i).handle == h)
			return (long)i;
	return -1;
}

#define MAP "real/handles/show_stacks_handles.txt"
#define MODE_HANDLE "real/handles/page_owner.mode_handle.txt"
#define MODE_STACK_HANDLE "real/handles/page_owner.mode_stack_handle.txt"

/*
 * Every line of join-expected.tsv: rows and pages unchanged, the
 * unresolved count, and the rows left without frames and their pages.
 */
static void test_expected(void **state)
{
	char path[4096], line[1024];
	unsigned cases = 0;
	FILE *tsv;

	(void)state;
	snprintf(path, sizeof(path), "%s/join-expected.tsv", dir);
	tsv = fopen(path, "r");
	assert_non_null(tsv);
	assert_non_null(fgets(line, sizeof(line), tsv));	/* header */
	while (fgets(line, sizeof(line), tsv)) {
		char in[256], mp[256];
		unsigned long long records, handles, uh, ur, up, rows = 0, pages = 0;
		struct pgs_table_info a = PGS_INIT(pgs_table_info), b = PGS_INIT(pgs_table_info);
		struct pgs_table *t, *map;
		uint64_t unresolved = 99;
		size_t i;

		if (sscanf(line, "%255s %255s %llu %llu %llu %llu %llu", in, mp, &records,
			   &handles, &uh, &ur, &up) != 7)
			fail_msg("bad join-expected.tsv line: %s", line);
		t = open_fx(in);
		map = open_fx(mp);
		pgs_table_info(t, &a);
		assert_int_equal(pgs_table_join_stacks(t, map, &unresolved), 0);
		pgs_table_info(t, &b);
		assert_int_equal(pgs_table_count(t), records);
		assert_int_equal(b.records, a.records);
		assert_int_equal(b.pages, a.pages);
		assert_int_equal(unresolved, uh);
		for (i = 0; i < pgs_table_count(t); i++) {
			struct pgs_record r = rec_of(t, i);

			if (!(r.have & PGS_HAVE_STACK)) {
				rows++;
				pages += r.pages;
			}
		}
		assert_int_equal(rows, ur);
		assert_int_equal(pages, up);
		/* Something to resolve gave stacks that were not there. */
		if (handles > uh)
			assert_true(b.stacks > a.stacks);
		else
			assert_int_equal(b.stacks, a.stacks);
		pgs_table_free(map);
		pgs_table_free(t);
		cases++;
	}
	fclose(tsv);
	assert_int_equal(cases, 3);
}

/*
 * mode_handle joined is mode_stack_handle, row for row (the excerpts hold
 * the same PFNs in the same order), but for the handles the map lacks;
 * each joined row's frames are the map's frames of its handle.
 */
static void test_like_stack_handle(void **state)
{
	struct pgs_table *t = open_fx(MODE_HANDLE), *map = open_fx(MAP);
	struct pgs_table *sh = open_fx(MODE_STACK_HANDLE);
	size_t i, same = 0, kept = 0;
	uint64_t unresolved;

	(void)state;
	assert_int_equal(pgs_table_join_stacks(t, map, &unresolved), 0);
	assert_int_equal(pgs_table_count(t), pgs_table_count(sh));
	for (i = 0; i < pgs_table_count(t); i++) {
		struct pgs_record r = rec_of(t, i), s = rec_of(sh, i);
		const char *text = pgs_table_string(t, r.stacktrace);
		long m;

		assert_int_equal(r.pfn, s.pfn);
		assert_int_equal(r.handle, s.handle);
		m = map_row(map, r.handle);
		if (m < 0) {
			/* Left as it was: "handle: N\n" and the trailers. */
			char want[32];

			snprintf(want, sizeof(want), "handle: %u\n", r.handle);
			assert_int_equal(strncmp(text, want, strlen(want)), 0);
			assert_int_equal(r.stack, PGS_NONE);
			kept++;
			continue;
		}
		assert_string_equal(text, pgs_table_string(sh, s.stacktrace));
		assert_string_equal(pgs_table_string(t, r.stack), pgs_table_string(sh, s.stack));
		assert_string_equal(pgs_table_string(t, r.stack),
				    pgs_table_string(map, rec_of(map, (size_t)m).stack));
		assert_int_equal(r.allocator, s.allocator);
		same++;
	}
	assert_int_equal(kept, 5);	/* join-expected.tsv: unresolved_records */
	assert_int_equal(same + kept, pgs_table_count(t));
	pgs_table_free(sh);
	pgs_table_free(map);
	pgs_table_free(t);
}

/* The groups of --cull=st, sorted by text: "times/pages" per line. */
static void groups_by_st(const struct pgs_table *t, char *out, size_t cap, bool skip_handles)
{
	struct pgs_query *q;
	struct pgs_result *r;
	size_t i, n = 0;

	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, "st"), 0);
	assert_int_equal(pgs_query_add_sort(q, "st"), 0);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	out[0] = '\0';
	for (i = 0; i < pgs_result_count(r); i++) {
		struct pgs_group g = PGS_INIT(pgs_group);
		const char *text;

		assert_int_equal(pgs_result_group(r, i, &g), 0);
		text = pgs_table_string(t, g.stacktrace);
		if (skip_handles && strncmp(text, "handle: ", 8) == 0)
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%llu/%llu %s\n",
				      (unsigned long long)g.times, (unsigned long long)g.pages, text);
		assert_true(n < cap);
	}
	pgs_result_free(r);
	pgs_query_free(q);
}

/* --cull=st groups as on the stack_handle read, for the resolved stacks. */
static void test_cull_st(void **state)
{
	struct pgs_table *t = open_fx(MODE_HANDLE), *map = open_fx(MAP);
	struct pgs_table *sh = open_fx(MODE_STACK_HANDLE);
	static char a[1 << 20], b[1 << 20];
	struct pgs_table *shr;
	size_t i, merged;

	(void)state;
	assert_int_equal(pgs_table_join_stacks(t, map, NULL), 0);
	groups_by_st(t, a, sizeof(a), true);
	/* The stack_handle read minus the blocks of the handles the map lacks. */
	{
		char *buf, path[4096], *p, *o;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, MODE_STACK_HANDLE);
		buf = slurp(path, &len);
		buf[len] = '\0';
		for (p = o = buf; *p;) {
			char *end = strstr(p, "\n\n"), *h;
			size_t bl = end ? (size_t)(end + 2 - p) : strlen(p);
			unsigned long v;

			h = strstr(p, "\nhandle: ");
			assert_true(h && h < p + bl);
			v = strtoul(h + 9, NULL, 10);
			if (map_row(map, (uint32_t)v) >= 0) {
				memmove(o, p, bl);
				o += bl;
			}
			p += bl;
		}
		*o = '\0';
		shr = open_str(buf);
		free(buf);
	}
	groups_by_st(shr, b, sizeof(b), false);
	assert_string_equal(a, b);
	/* Some group merged blocks, or this would prove little. */
	for (i = 0, merged = 0; a[i]; i++)
		merged += (i == 0 || a[i - 1] == '\n') && a[i] != ' ' && strncmp(a + i, "1/", 2) != 0;
	assert_true(merged > 0);
	pgs_table_free(shr);
	pgs_table_free(sh);
	pgs_table_free(map);
	pgs_table_free(t);
}

/* show_handles gets show_stacks' stacks: the map's frames, its pages. */
static void test_show_handles(void **state)
{
	struct pgs_table *t = open_fx("real/handles/show_handles.txt"), *map = open_fx(MAP);
	struct pgs_query *q;
	struct pgs_result *r;
	uint64_t unresolved = 99;
	size_t i;

	(void)state;
	assert_int_equal(pgs_table_join_stacks(t, map, &unresolved), 0);
	assert_int_equal(unresolved, 0);
	for (i = 0; i < pgs_table_count(t); i++) {
		struct pgs_record x = rec_of(t, i);
		long m = map_row(map, x.handle);
		struct pgs_record y;

		assert_true(m >= 0);
		y = rec_of(map, (size_t)m);
		assert_string_equal(pgs_table_string(t, x.stacktrace), pgs_table_string(map, y.stacktrace));
		assert_string_equal(pgs_table_string(t, x.stack), pgs_table_string(map, y.stack));
	}
	/* One group per stack, holding that record's nr_base_pages. */
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, "st"), 0);
	assert_int_equal(pgs_query_run(q, t, &r), 0);
	assert_int_equal(pgs_result_count(r), pgs_table_count(t));
	for (i = 0; i < pgs_result_count(r); i++) {
		struct pgs_group g = PGS_INIT(pgs_group);

		assert_int_equal(pgs_result_group(r, i, &g), 0);
		assert_int_equal(g.pages, rec_of(t, g.first_row).pages);
		assert_true(pgs_table_string_len(t, g.stacktrace) > 0);
	}
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(map);
	pgs_table_free(t);
}

/* A second join changes nothing: same ids, texts, counts. */
static void test_twice(void **state)
{
	struct pgs_table *t = open_fx(MODE_HANDLE), *map = open_fx(MAP);
	struct pgs_table_info a = PGS_INIT(pgs_table_info), b = PGS_INIT(pgs_table_info);
	uint64_t u1, u2;
	uint32_t *ids;
	size_t i, n = pgs_table_count(t);

	(void)state;
	assert_int_equal(pgs_table_join_stacks(t, map, &u1), 0);
	pgs_table_info(t, &a);
	ids = malloc(n * sizeof(*ids));
	assert_non_null(ids);
	for (i = 0; i < n; i++)
		ids[i] = rec_of(t, i).stacktrace;
	assert_int_equal(pgs_table_join_stacks(t, map, &u2), 0);
	pgs_table_info(t, &b);
	assert_int_equal(u1, 3);
	assert_int_equal(u2, u1);
	assert_int_equal(b.stacks, a.stacks);
	assert_int_equal(b.frames, a.frames);
	for (i = 0; i < n; i++)
		assert_int_equal(rec_of(t, i).stacktrace, ids[i]);
	free(ids);
	pgs_table_free(map);
	pgs_table_free(t);
}

/* Wrong kinds and NULLs: -EINVAL, nothing changed, *unresolved untouched. */
static void test_kinds(void **state)
{
	struct pgs_table *po = open_fx(MODE_HANDLE), *map = open_fx(MAP);
	struct pgs_table *sh = open_fx("real/handles/show_handles.txt");
	struct pgs_table *ss = open_fx("real/show_stacks.txt");
	uint64_t u = 12345;
	uint32_t before = rec_of(po, 0).stacktrace;

	(void)state;
	assert_int_equal(pgs_table_join_stacks(po, sh, &u), -EINVAL);
	assert_int_equal(pgs_table_join_stacks(po, ss, &u), -EINVAL);
	assert_int_equal(pgs_table_join_stacks(po, po, &u), -EINVAL);
	assert_int_equal(pgs_table_join_stacks(map, map, &u), -EINVAL);
	assert_int_equal(pgs_table_join_stacks(ss, map, &u), -EINVAL);
	assert_int_equal(pgs_table_join_stacks(NULL, map, &u), -EINVAL);
	assert_int_equal(pgs_table_join_stacks(po, NULL, &u), -EINVAL);
	assert_int_equal(u, 12345);
	assert_int_equal(rec_of(po, 0).stacktrace, before);
	pgs_table_free(ss);
	pgs_table_free(sh);
	pgs_table_free(map);
	pgs_table_free(po);
}

#define HDR "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (a), ts 5 ns\n" \
	    "PFN 0x1000 type Unmovable Block 8 type Unmovable Flags 0x0(node=0|zone=1)\n"
#define VFRAMES " get_page_from_freelist+0x1/0x10\n alloc_pages_bulk_noprof+0x2/0x20\n" \
		" __vmalloc_node_range_noprof+0x3/0x30\n"
#define OFRAMES " get_page_from_freelist+0x1/0x10\n do_other+0x2/0x20\n"
#define MAPTEXT VFRAMES "handle: 7\n\n" OFRAMES "handle: 8\n\n"

/* The VMALLOC class is decided on the joined text. */
static void test_vmalloc(void **state)
{
	struct pgs_table *t = open_str(HDR "handle: 7\nSlab cache page\n\n");
	struct pgs_table *want = open_str(HDR VFRAMES "handle: 7\nSlab cache page\n\n");
	struct pgs_table *map = open_str(MAPTEXT);

	(void)state;
	assert_int_equal(rec_of(t, 0).allocator, PGS_ALLOC_OTHERS);
	assert_int_equal(pgs_table_join_stacks(t, map, NULL), 0);
	assert_int_equal(rec_of(t, 0).allocator, PGS_ALLOC_VMALLOC);
	assert_int_equal(rec_of(want, 0).allocator, PGS_ALLOC_VMALLOC);
	assert_string_equal(pgs_table_string(t, rec_of(t, 0).stacktrace),
			    pgs_table_string(want, rec_of(want, 0).stacktrace));
	assert_int_equal(rec_of(t, 0).slab, 1);
	pgs_table_free(map);
	pgs_table_free(want);
	pgs_table_free(t);
}

/*
 * A dump holding both print modes: the joined block gets the very
 * stacktrace (same id) the stack_handle block has, so they group. Handle
 * 9, missing, has two stacktraces (trailers differ) but counts once.
 */
static void test_mixed_modes(void **state)
{
	struct pgs_table *t = open_str(HDR OFRAMES "handle: 8\n\n" HDR "handle: 8\n\n"
				       HDR "handle: 9\n\n" HDR "handle: 9\nSlab cache page\n\n");
	struct pgs_table *map = open_str(MAPTEXT);
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	uint64_t u;
	char g[4096];

	(void)state;
	assert_int_equal(pgs_table_join_stacks(t, map, &u), 0);
	assert_int_equal(u, 1);
	assert_int_equal(rec_of(t, 1).stacktrace, rec_of(t, 0).stacktrace);
	groups_by_st(t, g, sizeof(g), false);
	assert_string_equal(g, "2/2 " OFRAMES "handle: 8\n\n1/1 handle: 9\n\n"
			    "1/1 handle: 9\nSlab cache page\n\n");
	pgs_table_info(t, &info);
	assert_int_equal(info.stacks, 1);
	pgs_table_free(map);
	pgs_table_free(t);
}

/* show_handles: a handle the map lacks keeps "handle: N", apart from others. */
static void test_show_handles_missing(void **state)
{
	struct pgs_table *t = open_str("handle: 8\nnr_base_pages: 3\n\nhandle: 40\nnr_base_pages: 5\n\n"
				       "handle: 41\nnr_base_pages: 6\n\n");
	struct pgs_table *map = open_str(MAPTEXT);
	uint64_t u;
	char g[4096];

	(void)state;
	assert_int_equal(pgs_table_join_stacks(t, map, &u), 0);
	assert_int_equal(u, 2);
	groups_by_st(t, g, sizeof(g), false);
	assert_string_equal(g, "1/3 " OFRAMES "\n1/5 handle: 40\n\n1/6 handle: 41\n\n");
	assert_int_equal(pgs_table_join_stacks(t, map, &u), 0);
	assert_int_equal(u, 2);
	groups_by_st(t, g, sizeof(g), false);
	assert_string_equal(g, "1/3 " OFRAMES "\n1/5 handle: 40\n\n1/6 handle: 41\n\n");
	pgs_table_free(map);
	pgs_table_free(t);
}

/*
 * Every allocation of a join failing in turn: -ENOMEM and a table that
 * still works, and a second join (nothing failing) completes it into
 * exactly what a join without failures gives.
 */
static void test_allocation_failures(void **state)
{
	struct pgs_allocator al = { f_malloc, f_realloc, f_free, NULL };
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct pgs_table *want = open_fx(MODE_HANDLE), *map = open_fx(MAP);
	struct pgs_table_info wi = PGS_INIT(pgs_table_info);
	struct failing f = { 0, 0 };
	char path[4096];
	unsigned long n, failed = 0;
	uint64_t u;

	(void)state;
	assert_int_equal(pgs_table_join_stacks(want, map, &u), 0);
	pgs_table_info(want, &wi);
	snprintf(path, sizeof(path), "%s/%s", dir, MODE_HANDLE);
	al.user = &f;
	o.allocator = &al;
	o.threads = 1;
	for (n = 1;; n++) {
		struct pgs_table_info gi = PGS_INIT(pgs_table_info);
		struct pgs_table *t = NULL;
		size_t i;
		int err;

		f.fail_at = 0;
		assert_int_equal(pgs_table_open_file(&t, path, &o), 0);
		f.fail_at = f.calls + n;
		err = pgs_table_join_stacks(t, map, &u);
		f.fail_at = 0;
		if (!err) {
			pgs_table_free(t);
			break;
		}
		assert_int_equal(err, -ENOMEM);
		failed++;
		/* Still a table: every row readable, then the join completes. */
		for (i = 0; i < pgs_table_count(t); i++)
			assert_true(pgs_table_string_len(t, rec_of(t, i).stacktrace) > 0);
		assert_int_equal(pgs_table_join_stacks(t, map, &u), 0);
		assert_int_equal(u, 3);
		pgs_table_info(t, &gi);
		assert_int_equal(gi.stacks, wi.stacks);
		assert_int_equal(gi.frames, wi.frames);
		for (i = 0; i < pgs_table_count(t); i++)
			assert_string_equal(pgs_table_string(t, rec_of(t, i).stacktrace),
					    pgs_table_string(want, rec_of(want, i).stacktrace));
		pgs_table_free(t);
	}
	assert_true(failed > 5);
	pgs_table_free(map);
	pgs_table_free(want);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected),
		cmocka_unit_test(test_like_stack_handle),
		cmocka_unit_test(test_cull_st),
		cmocka_unit_test(test_show_handles),
		cmocka_unit_test(test_twice),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_vmalloc),
		cmocka_unit_test(test_mixed_modes),
		cmocka_unit_test(test_show_handles_missing),
		cmocka_unit_test(test_allocation_failures),
	};

	dir = argc > 1 ? argv[1] : "tests/fixtures";
	return cmocka_run_group_tests_name("join", tests, NULL, NULL);
}
