/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/output/flamegraph.c through flame.h, the interface pgsort diff draws
 * with: merged stacks, widths, the differential colours and hover text,
 * the frames under 0.1 px, escaping, and bytes that do not depend on the
 * order of the stacks. Expected figures are worked out by hand below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "testutil.h"
#include "../../lib/output/flame.h"

/* The SVG of stacks, as a NUL-terminated string to free. */
static char *render(struct flame_stack *st, size_t n, const struct flame_opts *fo)
{
	struct writer *w = calloc(1, sizeof(*w));
	struct membuf o = { 0 };

	assert_non_null(w);
	w->sink = membuf_sink;
	w->user = &o;
	flame_render(w, st, n, fo);
	w_flush(w);
	assert_int_equal(w->err, 0);
	free(w);
	return o.s;
}

#define F(s) { s, sizeof(s) - 1, false }

/* The <g> of the frame whose title starts with name: its title and rect. */
static const char *frame_of(const char *svg, const char *name)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "<g class=\"f\"><title>%s\n", name);
	p = strstr(svg, key);
	assert_non_null(p);
	assert_null(strstr(p + 1, key));	/* merged: once */
	return p;
}

static void assert_in_frame(const char *svg, const char *name, const char *want)
{
	const char *p = frame_of(svg, name), *end = strstr(p, "/>");
	char *hit = strstr(p, want);

	if (!hit || hit > end)
		fail_msg("frame %s lacks %s", name, want);
}

/*
 * a;b grew 5 -> 10 pages, a;c shrank 6 -> 2, a;d stayed 4, e vanished
 * (3 -> 0). after = 16 pages: a = 16/16 of 1180 px, b 10/16 = 737.50,
 * c 2/16 = 147.50, d 4/16 = 295.00, e no width (left out, noted).
 * Largest change under the root: b's 5, so b is the deepest red
 * (235 - 200 = 35: #ff2323), c 4/5 of it in blue (235 - 160 = 75:
 * #4b4bff), d unchanged #f0f0f0; a grew by 1 (16 vs 15): 235 - 40 = 195.
 */
static void test_differential(void **state)
{
	static const struct flame_frame ab[] = { F("a"), F("b") }, ac[] = { F("a"), F("c") },
		ad[] = { F("a"), F("d") }, e[] = { F("e") };
	struct flame_stack st[] = {
		{ ac, 2, { 1, 2 }, { 3, 6 }, 0 },
		{ e, 1, { 0, 0 }, { 1, 3 }, 0 },
		{ ab, 2, { 2, 10 }, { 1, 5 }, 0 },
		{ ad, 2, { 1, 4 }, { 1, 4 }, 0 },
	};
	struct flame_opts fo = { .title = "diff", .differential = true };
	char *svg;

	(void)state;
	svg = render(st, 4, &fo);
	assert_in_frame(svg, "a", "width=\"1180.00\"");
	assert_in_frame(svg, "a", "fill=\"#ffc3c3\"");
	assert_in_frame(svg, "b", "x=\"10.00\"");
	assert_in_frame(svg, "b", "width=\"737.50\"");
	assert_in_frame(svg, "b", "fill=\"#ff2323\"");
	assert_in_frame(svg, "b", "before: 1 blocks, 5 pages; change: +5 pages (+100.00%)");
	assert_in_frame(svg, "c", "x=\"747.50\"");
	assert_in_frame(svg, "c", "width=\"147.50\"");
	assert_in_frame(svg, "c", "fill=\"#4b4bff\"");
	assert_in_frame(svg, "c", "2 pages, 8192 bytes (8.0 KiB), 12.50% of pages\n"
			"before: 3 blocks, 6 pages; change: -4 pages (-66.67%)");
	assert_in_frame(svg, "d", "width=\"295.00\"");
	assert_in_frame(svg, "d", "fill=\"#f0f0f0\"");
	assert_in_frame(svg, "d", "change: +0 pages (+0.00%)");
	assert_in_frame(svg, "all", "before: 6 blocks, 18 pages; change: -2 pages (-11.11%)");
	assert_null(strstr(svg, "<title>e\n"));
	assert_non_null(strstr(svg, ">1 frames narrower than 0.1 px left out"));
	assert_non_null(strstr(svg, ">grew</text>"));
	free(svg);
}

/* A frame new in after says so; widths count blocks with PGS_WEIGHT_TIMES. */
static void test_differential_new(void **state)
{
	static const struct flame_frame x[] = { F("x") }, y[] = { F("y") };
	struct flame_stack st[] = {
		{ x, 1, { 3, 3 }, { 0, 0 }, 0 },
		{ y, 1, { 1, 8 }, { 1, 8 }, 0 },
	};
	struct flame_opts fo = { .weight = PGS_WEIGHT_TIMES, .differential = true };
	char *svg;

	(void)state;
	svg = render(st, 2, &fo);
	assert_in_frame(svg, "x", "width=\"885.00\"");	/* 3 of 4 blocks */
	assert_in_frame(svg, "x", "change: +3 blocks (new)");
	assert_in_frame(svg, "x", "fill=\"#ff2323\"");
	assert_in_frame(svg, "y", "width=\"295.00\"");
	free(svg);
}

/* Equal stacks merge; a frame's own pages stay right of its children. */
static void test_merge(void **state)
{
	static const struct flame_frame s1[] = { F("m"), F("n") }, s2[] = { F("m") };
	struct flame_stack st[] = {
		{ s1, 2, { 1, 1 }, { 0, 0 }, 0 },
		{ s2, 1, { 1, 2 }, { 0, 0 }, 0 },
		{ s1, 2, { 1, 1 }, { 0, 0 }, 0 },
	};
	struct flame_opts fo = { .icicle = true };
	char *svg;

	(void)state;
	svg = render(st, 3, &fo);
	assert_in_frame(svg, "m", "3 blocks, 4 pages, 16384 bytes (16.0 KiB), 100.00% of pages");
	assert_in_frame(svg, "n", "2 blocks, 2 pages");
	assert_in_frame(svg, "n", "x=\"10.00\" y=\"102\" width=\"590.00\"");	/* depth 2 */
	free(svg);
}

/* The bytes depend on the set of stacks, not on their order. */
static void test_order(void **state)
{
	static const struct flame_frame a[] = { F("p"), F("q") }, b[] = { F("p"), F("r") },
		c[] = { F("s") };
	struct flame_stack st1[] = {
		{ a, 2, { 1, 1 }, { 0, 0 }, PGS_ALLOC_SLAB },
		{ b, 2, { 1, 2 }, { 0, 0 }, PGS_ALLOC_OTHERS },
		{ c, 1, { 1, 3 }, { 0, 0 }, PGS_ALLOC_SLAB },
	};
	struct flame_stack st2[] = { st1[2], st1[0], st1[1] };
	struct flame_opts fo = { .color = FLAME_COLOR_ALLOCATOR };
	int j = (int)(strpool_hash("p", 1) & 15) - 8, k = (int)(strpool_hash("s", 1) & 15) - 8;
	char *x, *y, want[32];

	(void)state;
	x = render(st1, 3, &fo);
	y = render(st2, 3, &fo);
	assert_string_equal(x, y);
	/* p holds SLAB and OTHERS stacks: mixed (200, 196, 150), s SLAB (96, 184, 96), each shade shifted by its name's hash. */
	snprintf(want, sizeof(want), "fill=\"#%02x%02x%02x\"", 200 + j, 196 + j, 150 + j);
	assert_in_frame(x, "p", want);
	snprintf(want, sizeof(want), "fill=\"#%02x%02x%02x\"", 96 + k, 184 + k, 96 + k);
	assert_in_frame(x, "s", want);
	free(x);
	free(y);
}

static const struct {
	const char *in;
	size_t len;
	const char *want;
} esc_cases[] = {
#define E(in, want) { in, sizeof(in) - 1, want }
	E("plain", "plain"),
	E("<a href=\"x\">&'", "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"),
	E("tab\tnl\n", "tab\\x09nl\\x0a"),
	E("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9"),		/* UTF-8 kept */
	E("bad\xff\xc3", "bad\\xff\\xc3"),			/* invalid, truncated */
	E("\xef\xbf\xbe!", "\\xef\\xbf\\xbe!"),		/* U+FFFE */
	E("\xed\xa0\x80", "\\xed\\xa0\\x80"),		/* a surrogate */
	E("nul\0x", "nul\\x00x"),
	E("\x7f", "\\x7f"),
#undef E
};

static void test_xml_text(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
		struct writer *w = calloc(1, sizeof(*w));
		struct membuf o = { 0 };

		assert_non_null(w);
		w->sink = membuf_sink;
		w->user = &o;
		w_xml_text(w, esc_cases[i].in, esc_cases[i].len);
		w_flush(w);
		assert_string_equal(o.s, esc_cases[i].want);
		free(o.s);
		free(w);
	}
}

/* No stacks: a valid graph of the root alone that says so. */
static void test_empty(void **state)
{
	struct flame_opts fo = { .embedded = true };
	char *svg;

	(void)state;
	svg = render(NULL, 0, &fo);
	assert_int_equal(strncmp(svg, "<svg ", 5), 0);	/* embedded: no XML declaration */
	assert_non_null(strstr(svg, ">nothing selected</text>"));
	assert_in_frame(svg, "all", "0 blocks, 0 pages, 0 bytes (0 B), 0.00% of pages");
	free(svg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_differential_new),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_xml_text),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("flamegraph", tests, NULL, NULL);
}
