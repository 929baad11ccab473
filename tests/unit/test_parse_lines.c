/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/parse/lines.c: line classes, frames, trailers, stacks-file lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../lib/parse/fields.h"

static void test_classify(void **state)
{
	static const struct { const char *line; enum line_class lc; } cases[] = {
		{ "", LC_BLANK },
		{ "Page allocated via order 0, mask 0x0()", LC_HEADER },
		{ "PFN 0x1000 type Unmovable Block 8 type Unmovable Flags 0x0()", LC_PFN },
		{ " get_page_from_freelist+0x1553/0x1780", LC_FRAME },
		{ "\tget_page_from_freelist+0x1553/0x1780", LC_FRAME },
		{ " [<ffffffff8115a1c7>] __alloc_pages_nodemask+0x197/0x9a0", LC_FRAME },
		{ "[0xc0140f2c] __alloc_pages+348", LC_FRAME },
		{ "Page has been migrated, last migrate reason: compaction", LC_MIGRATED },
		{ "Slab cache page", LC_SLAB },
		{ "Slab cache pages", LC_UNKNOWN },
		{ "Charged to memcg /", LC_MEMCG },
		{ "handle: 17432583", LC_HANDLE },
		{ "nr_base_pages: 20824", LC_PAGES },
		{ "stack_count: 3", LC_PAGES },
		{ "=== snapshot 2 ===", LC_UNKNOWN },
		{ "   ", LC_UNKNOWN },
		{ "[  12.345678] page_owner", LC_UNKNOWN },
		{ "MemTotal:        1004048 kB", LC_UNKNOWN },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (classify_line(cases[i].line, strlen(cases[i].line)) != cases[i].lc)
			fail_msg("case %zu '%s': class %d, expected %d", i, cases[i].line,
				 classify_line(cases[i].line, strlen(cases[i].line)), cases[i].lc);
}

static void test_frames(void **state)
{
	static const struct {
		const char *line, *text, *sym, *module;
		uint64_t off, size;
		enum frame_form form;
		bool has_offset;
	} cases[] = {
		{ " post_alloc_hook+0x136/0x150", "post_alloc_hook+0x136/0x150", "post_alloc_hook",
		  NULL, 0x136, 0x150, FRAME_PS, true },
		{ " xwrite.constprop.0+0x30/0xa0", "xwrite.constprop.0+0x30/0xa0", "xwrite.constprop.0",
		  NULL, 0x30, 0xa0, FRAME_PS, true },
		{ " brd_insert_page+0x4d/0xc0 [brd]", "brd_insert_page+0x4d/0xc0 [brd]", "brd_insert_page",
		  "brd", 0x4d, 0xc0, FRAME_PS, true },
		{ " xfs_file_read_iter+0x1f0/0x380 [xfs 0123abcd]", "xfs_file_read_iter+0x1f0/0x380 [xfs 0123abcd]",
		  "xfs_file_read_iter", "xfs", 0x1f0, 0x380, FRAME_PS, true },
		{ " [<ffffffff81164e9a>] __alloc_pages_nodemask+0x15a/0xa30",
		  "[<ffffffff81164e9a>] __alloc_pages_nodemask+0x15a/0xa30", "__alloc_pages_nodemask",
		  NULL, 0x15a, 0xa30, FRAME_BRACKET, true },
		{ "[0xc0146f01] kmem_getpages+49", "[0xc0146f01] kmem_getpages+49", "kmem_getpages",
		  NULL, 49, 0, FRAME_KALLSYMS, true },
		{ " 0xffffffffc0a1b2c3", "0xffffffffc0a1b2c3", "0xffffffffc0a1b2c3", NULL, 0, 0, FRAME_PS, false },
		{ "  prep_new_page mm/page_alloc.c:1544 [inline]", "prep_new_page mm/page_alloc.c:1544 [inline]",
		  "prep_new_page mm/page_alloc.c:1544", "inline", 0, 0, FRAME_PS, false },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct frame_fields f;

		if (!parse_frame(cases[i].line, strlen(cases[i].line), &f))
			fail_msg("case %zu '%s' not a frame", i, cases[i].line);
		assert_int_equal(f.text_len, strlen(cases[i].text));
		assert_memory_equal(f.text, cases[i].text, f.text_len);
		assert_int_equal(f.sym_len, strlen(cases[i].sym));
		assert_memory_equal(f.sym, cases[i].sym, f.sym_len);
		if (cases[i].module) {
			assert_int_equal(f.module_len, strlen(cases[i].module));
			assert_memory_equal(f.module, cases[i].module, f.module_len);
		} else {
			assert_null(f.module);
		}
		assert_int_equal(f.off, cases[i].off);
		assert_int_equal(f.size, cases[i].size);
		assert_int_equal(f.form, cases[i].form);
		assert_int_equal(f.has_offset, cases[i].has_offset);
	}
	/* Not frames. */
	{
		struct frame_fields f;

		assert_false(parse_frame("", 0, &f));
		assert_false(parse_frame("   ", 3, &f));
		assert_false(parse_frame("foo+0x1/0x2", 11, &f));
		assert_false(parse_frame("[0xc01", 6, &f));
		assert_false(parse_frame(" [<ffff", 7, &f));
	}
}

static void test_trailers(void **state)
{
	static const struct {
		const char *line, *name;
		uint32_t flags;
	} memcg[] = {
		{ "Charged to memcg /", "/", PGS_MEMCG_CHARGED },
		{ "Charged to memcg leaky", "leaky", PGS_MEMCG_CHARGED },
		{ "Charged (via objcg) to memcg NetworkManager.service", "NetworkManager.service",
		  PGS_MEMCG_CHARGED | PGS_MEMCG_OBJCG },
		{ "Charged to offline memcg gone", "gone", PGS_MEMCG_CHARGED | PGS_MEMCG_OFFLINE },
		{ "Charged (via objcg) to offline memcg a b", "a b",
		  PGS_MEMCG_CHARGED | PGS_MEMCG_OBJCG | PGS_MEMCG_OFFLINE },
		{ "Charged to offlined memcg x", "x", PGS_MEMCG_CHARGED | PGS_MEMCG_OFFLINE },
	};
	const char *v;
	size_t vl, i;
	uint32_t fl, h;
	int64_t pages;

	(void)state;
	for (i = 0; i < sizeof(memcg) / sizeof(memcg[0]); i++) {
		assert_true(parse_memcg(memcg[i].line, strlen(memcg[i].line), &v, &vl, &fl));
		assert_int_equal(vl, strlen(memcg[i].name));
		assert_memory_equal(v, memcg[i].name, vl);
		assert_int_equal(fl, memcg[i].flags);
	}
	assert_false(parse_memcg("Charged", 7, &v, &vl, &fl));
	assert_false(parse_memcg("Charged to cgroup x", 19, &v, &vl, &fl));

	assert_true(parse_migrated("Page has been migrated, last migrate reason: compaction", 55, &v, &vl));
	assert_int_equal(vl, 10);
	assert_memory_equal(v, "compaction", 10);
	assert_false(parse_migrated("Page has been migrated", 22, &v, &vl));

	assert_true(parse_handle("handle: 17432583", 16, &h));
	assert_int_equal(h, 17432583);
	assert_true(parse_handle("handle: 4294967295", 18, &h));
	assert_int_equal(h, 4294967295u);
	assert_true(parse_handle("handle: -1", 10, &h));	/* %d of the same bits */
	assert_int_equal(h, 4294967295u);
	assert_false(parse_handle("handle: 4294967296", 18, &h));
	assert_false(parse_handle("handle: ", 8, &h));
	assert_false(parse_handle("handle: 12x", 11, &h));

	assert_true(parse_pages("nr_base_pages: 20824", 20, &pages));
	assert_int_equal(pages, 20824);
	assert_true(parse_pages("stack_count: 7", 14, &pages));
	assert_int_equal(pages, 7);
	assert_true(parse_pages("nr_base_pages: -3", 17, &pages));
	assert_int_equal(pages, -3);
	assert_false(parse_pages("nr_base_pages: ", 15, &pages));
	assert_false(parse_pages("nr_base_pages: 99999999999999999999", 35, &pages));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_trailers),
	};

	return cmocka_run_group_tests_name("parse_lines", tests, NULL, NULL);
}
