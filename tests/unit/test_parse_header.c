/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/parse/header.c: every era's header, and the ways a header breaks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../lib/parse/fields.h"

struct hcase {
	const char *line;
	enum hdr_error err;
	uint32_t order, gfp;
	int32_t pid, tgid;
	const char *comm;	/* NULL: no tgid/comm */
	uint64_t ts, free_ts;
	unsigned have;
};

#define H PGS_HAVE_HEADER
#define P PGS_HAVE_PID
#define G PGS_HAVE_TGID
#define T PGS_HAVE_TS
#define F PGS_HAVE_FREE_TS

static const struct hcase cases[] = {
	/* A0 first posting, A0/A1/B: order and a bare mask. */
	{ "Page allocated via order 3", HDR_OK, 3, 0, 0, 0, NULL, 0, 0, H },
	{ "Page allocated via order 0, mask 0x50", HDR_OK, 0, 0x50, 0, 0, NULL, 0, 0, H },
	{ "Page allocated via order 0, mask 0x201da", HDR_OK, 0, 0x201da, 0, 0, NULL, 0, 0, H },
	/* C: mask with names. */
	{ "Page allocated via order 0, mask 0x24213ca(GFP_HIGHUSER_MOVABLE|GFP_COLD|GFP_NOWARN|GFP_NORETRY)",
	  HDR_OK, 0, 0x24213ca, 0, 0, NULL, 0, 0, H },
	/* D: pid and ts. */
	{ "Page allocated via order 1, mask 0x100cca(GFP_HIGHUSER_MOVABLE), pid 1873, ts 47360432147 ns",
	  HDR_OK, 1, 0x100cca, 1873, 0, NULL, 47360432147ull, 0, H | P | T },
	/* E: free_ts. */
	{ "Page allocated via order 0, mask 0x100cca(GFP_HIGHUSER_MOVABLE), pid 1873, ts 47360432147 ns, free_ts 47298101530 ns",
	  HDR_OK, 0, 0x100cca, 1873, 0, NULL, 47360432147ull, 47298101530ull, H | P | T | F },
	/* F/G: tgid and comm, free_ts. */
	{ "Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (swapper/0), ts 158908732 ns, free_ts 0 ns",
	  HDR_OK, 0, 0, 1, 1, "swapper/0", 158908732, 0, H | P | G | T | F },
	/* H: 6.12 as captured. */
	{ "Page allocated via order 0, mask 0x0(), pid 0, tgid 0 (swapper), ts 258546027 ns",
	  HDR_OK, 0, 0, 0, 0, "swapper", 258546027, 0, H | P | G | T },
	{ "Page allocated via order 2, mask 0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), pid 2291, tgid 2270 (Web Content), ts 90231874415 ns",
	  HDR_OK, 2, 0x140cca, 2291, 2270, "Web Content", 90231874415ull, 0, H | P | G | T },
	/* Hostile comms: the comm is right-anchored. */
	{ "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 5, tgid 5 (x, ts 5 ns), ts 77 ns",
	  HDR_OK, 0, 0xcc0, 5, 5, "x, ts 5 ns", 77, 0, H | P | G | T },
	{ "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 5, tgid 6 (a) b (c), ts 1 ns",
	  HDR_OK, 0, 0xcc0, 5, 6, "a) b (c", 1, 0, H | P | G | T },
	{ "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 5, tgid 6 ()), ts 1 ns",
	  HDR_OK, 0, 0xcc0, 5, 6, ")", 1, 0, H | P | G | T },
	{ "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 5, tgid 6 (), ts 1 ns",
	  HDR_OK, 0, 0xcc0, 5, 6, "", 1, 0, H | P | G | T },
	{ "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 5, tgid 6 (pid 7, tgid 8), ts 1 ns",
	  HDR_OK, 0, 0xcc0, 5, 6, "pid 7, tgid 8", 1, 0, H | P | G | T },
	{ "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 5, tgid 6 (tab\tx), ts 1 ns",
	  HDR_OK, 0, 0xcc0, 5, 6, "tab\tx", 1, 0, H | P | G | T },
	/* RFC swap page_owner suffix. */
	{ "Page allocated via order 0, mask 0xcc0(GFP_KERNEL), pid 5, tgid 6 (sh), ts 1 ns (swapped)",
	  HDR_OK, 0, 0xcc0, 5, 6, "sh", 1, 0, H | P | G | T },
	/* Order 40 is the largest accepted. */
	{ "Page allocated via order 40, mask 0x0(), pid 1, tgid 1 (a), ts 1 ns",
	  HDR_OK, 40, 0, 1, 1, "a", 1, 0, H | P | G | T },
	/* Damage. */
	{ "Page allocated via", HDR_E_PREFIX },
	{ "page allocated via order 0, mask 0x0()", HDR_E_PREFIX },
	{ "Page allocated via order , mask 0x0()", HDR_E_ORDER },
	{ "Page allocated via order 99, mask 0x0(), pid 1, tgid 1 (a), ts 1 ns", HDR_E_ORDER },
	{ "Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (a), ts 1", HDR_E_TS },
	{ "Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (a), ts 99999999999999999999999 ns", HDR_E_TS },
	{ "Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (a), ts  ns", HDR_E_TS },
	{ "Page allocated via order 0, mask 0x0(), pid 1099511627776, tgid 1 (a), ts 1 ns", HDR_E_PID },
	{ "Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (a)", HDR_E_TS },
	{ "Page allocated via order 0, mask 0x0(), pid 1, tg", HDR_E_TS },
	{ "Page allocated via order 0, mask 0x0(), pid 1, tgid 1 a), ts 1 ns", HDR_E_TGID },
	{ "Page allocated via order 0, mask zz, pid 1, ts 1 ns", HDR_E_MASK },
	{ "Page allocated via order 0, mask 0x10(GFP_X", HDR_E_MASK },
	{ "Page allocated via order 0, mask 0x10(A) junk", HDR_E_PID },
	{ "Page allocated via order 0 trailing", HDR_E_MASK },
	{ "Page allocated via order 0, mask 0x10, ts 5 ns", HDR_E_PID },
};

static void test_headers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hcase *c = &cases[i];
		struct hdr_fields f;
		enum hdr_error e = parse_header(c->line, strlen(c->line), &f);

		if (e != c->err)
			fail_msg("case %zu '%s': error %d (%s), expected %d", i, c->line, e,
				 hdr_error_str(e), c->err);
		if (e != HDR_OK)
			continue;
		assert_int_equal(f.order, c->order);
		assert_int_equal(f.gfp, c->gfp);
		assert_int_equal(f.pid, c->pid);
		assert_int_equal(f.tgid, c->tgid);
		assert_int_equal(f.ts, c->ts);
		assert_int_equal(f.free_ts, c->free_ts);
		assert_int_equal(f.have, c->have);
		if (c->comm) {
			assert_int_equal(f.comm_len, strlen(c->comm));
			assert_memory_equal(f.comm, c->comm, f.comm_len);
		} else {
			assert_null(f.comm);
		}
	}
}

/* The tail scan finds the digits to cut, and only the real ts. */
static void test_tail_positions(void **state)
{
	const char *l = "Page allocated via order 0, mask 0x0(), pid 1, tgid 1 (x, ts 5 ns), ts 123 ns, free_ts 45 ns";
	struct hdr_fields f;
	size_t tail;

	(void)state;
	memset(&f, 0, sizeof(f));
	tail = header_tail(l, strlen(l), &f);
	assert_int_equal(f.ts, 123);
	assert_int_equal(f.free_ts, 45);
	assert_int_equal(f.ts_len, 3);
	assert_memory_equal(l + f.ts_pos, "123", 3);
	assert_memory_equal(l + f.fts_pos, "45", 2);
	assert_memory_equal(l + tail, ", ts 123 ns", 11);

	/* No ts at all (eras A-C): the tail is the end of the line. */
	l = "Page allocated via order 0, mask 0x0()";
	assert_int_equal(header_tail(l, strlen(l), &f), strlen(l));
	assert_int_equal(f.ts_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_tail_positions),
	};

	return cmocka_run_group_tests_name("parse_header", tests, NULL, NULL);
}
