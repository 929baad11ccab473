/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/parse/pfn.c: the PFN line of every era. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "../../lib/parse/fields.h"

struct pcase {
	const char *line;
	bool ok;
	uint64_t pfn, block;
	uint8_t mt, bmt;
	uint32_t bmt_num;
	uint64_t flags;
	int32_t node, zone;
	bool hex, old;
};

static const struct pcase cases[] = {
	/* H (6.12 capture): hex PFN, node/zone in the flags. */
	{ "PFN 0x1000 type Unmovable Block 8 type Unmovable Flags 0x100000000000000(node=0|zone=1)",
	  true, 0x1000, 8, PGS_MT_UNMOVABLE, PGS_MT_UNMOVABLE, 0, 0x100000000000000ull, 0, 1, true, false },
	{ "PFN 0x100000 type Movable Block 2048 type CMA Flags 0x200(workingset|node=1|zone=2)",
	  true, 0x100000, 2048, PGS_MT_MOVABLE, PGS_MT_CMA, 0, 0x200, 1, 2, true, false },
	/* F: decimal PFN, lastcpupid after zone. */
	{ "PFN 4540 type Unmovable Block 8 type Unmovable Flags 0xfffffc0010200(slab|head|node=0|zone=1|lastcpupid=0x1fffff)",
	  true, 4540, 8, PGS_MT_UNMOVABLE, PGS_MT_UNMOVABLE, 0, 0xfffffc0010200ull, 0, 1, false, false },
	/* C before v5.13: no node/zone. */
	{ "PFN 674308 type Movable Block 1317 type Movable Flags 0x1fffff80010068(uptodate|lru|active|mappedtodisk)",
	  true, 674308, 1317, PGS_MT_MOVABLE, PGS_MT_MOVABLE, 0, 0x1fffff80010068ull, -1, -1, false, false },
	{ "PFN 5 type Reclaimable Block 0 type HighAtomic Flags 0x0()",
	  true, 5, 0, PGS_MT_RECLAIMABLE, PGS_MT_HIGHATOMIC, 0, 0, -1, -1, false, false },
	{ "PFN 5 type Movable Block 0 type Isolate Flags 0x0(zone=3)",
	  true, 5, 0, PGS_MT_MOVABLE, PGS_MT_ISOLATE, 0, 0, -1, 3, false, false },
	/* A1/B: numeric pageblock type, Fallback or eight spaces, letters. */
	{ "PFN 8193 Block 16 type 2          Flags   RU L     M",
	  true, 8193, 16, PGS_MT_NONE, PGS_MT_NUMERIC, 2, 0, -1, -1, false, true },
	{ "PFN 7355 Block 7 type 3 Fallback Flags      LA     ",
	  true, 7355, 7, PGS_MT_NONE, PGS_MT_NUMERIC, 3, 0, -1, -1, false, true },
	/* Unknown type names are kept as OTHER, not rejected. */
	{ "PFN 0x10 type Weird Block 0 type Movable Flags 0x0()",
	  true, 0x10, 0, PGS_MT_OTHER, PGS_MT_MOVABLE, 0, 0, -1, -1, true, false },
	/* Damage. */
	{ "PFN", false },
	{ "PFN 0x1000 type Unmovable Bl", false },
	{ "PFN zz type Unmovable Block 8 type Unmovable Flags 0x0()", false },
	{ "PFN 0x1000 type Unmovable Block 8 type Unmovable Flags 0x1(node=0", false },
	{ "PFN 0x1000 type Unmovable Block 8 type", false },
};

static void test_pfn(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		struct pfn_fields f;
		bool ok = parse_pfn(c->line, strlen(c->line), &f);

		if (ok != c->ok)
			fail_msg("case %zu '%s': %d, expected %d", i, c->line, ok, c->ok);
		if (!ok)
			continue;
		assert_int_equal(f.pfn, c->pfn);
		assert_int_equal(f.block, c->block);
		assert_int_equal(f.mt, c->mt);
		assert_int_equal(f.bmt, c->bmt);
		assert_int_equal(f.bmt_num, c->bmt_num);
		assert_int_equal(f.flags, c->flags);
		assert_int_equal(f.node, c->node);
		assert_int_equal(f.zone, c->zone);
		assert_int_equal(f.hex, c->hex);
		assert_int_equal(f.old, c->old);
	}
}

/* The cuts cover exactly the PFN and Block digits. */
static void test_cuts(void **state)
{
	const char *l = "PFN 0x1a2b type Movable Block 13 type Movable Flags 0x0()";
	struct pfn_fields f;

	(void)state;
	assert_true(pfn_cuts(l, strlen(l), &f));
	assert_memory_equal(l + f.pfn_pos, "0x1a2b", f.pfn_len);
	assert_int_equal(f.pfn_len, 6);
	assert_memory_equal(l + f.block_pos, "13", f.block_len);
	assert_int_equal(f.block_len, 2);
	assert_false(pfn_cuts("PFNs are fun", 12, &f));
}

/* A line that ends right after "PFN 0" (the fuzzer's pfn-end): no read past it. */
static void test_short_line(void **state)
{
	static const char *const lines[] = { "PFN 0", "PFN 0x", "PFN 1", "PFN " };
	struct pfn_fields f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t n = strlen(lines[i]);
		char *exact = malloc(n);	/* no NUL: ASan sees any read past n */

		assert_non_null(exact);
		memcpy(exact, lines[i], n);
		assert_false(pfn_cuts(exact, n, &f));
		assert_false(parse_pfn(exact, n, &f));
		free(exact);
	}
}

static void test_migratetype_names(void **state)
{
	static const struct { const char *name; uint8_t mt; } names[] = {
		{ "Unmovable", PGS_MT_UNMOVABLE }, { "Movable", PGS_MT_MOVABLE },
		{ "Reclaimable", PGS_MT_RECLAIMABLE }, { "HighAtomic", PGS_MT_HIGHATOMIC },
		{ "CMA", PGS_MT_CMA }, { "Isolate", PGS_MT_ISOLATE }, { "movable", PGS_MT_OTHER },
		{ "Movabl", PGS_MT_OTHER }, { "", PGS_MT_OTHER },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(migratetype_from_name(names[i].name, strlen(names[i].name)),
				 names[i].mt);
		if (names[i].mt < PGS_MT_NUMERIC)
			assert_string_equal(pgs_migratetype_name(names[i].mt), names[i].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pfn),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_short_line),
		cmocka_unit_test(test_migratetype_names),
	};

	return cmocka_run_group_tests_name("parse_pfn", tests, NULL, NULL);
}
