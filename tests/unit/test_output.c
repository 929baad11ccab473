/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/output/writer.c: CSV fields (RFC 4180 quoting, multi-line texts
 * joined by ';'), the lines JSON and CSV split texts into, and --human's
 * sizes. Expected strings are written out by hand from the RFC's rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/output/output.h"

struct mem {
	char buf[4096];
	size_t n;
};

static int mem_sink(const void *p, size_t len, void *user)
{
	struct mem *m = user;

	assert_true(m->n + len < sizeof(m->buf));
	memcpy(m->buf + m->n, p, len);
	m->n += len;
	m->buf[m->n] = '\0';
	return 0;
}

static struct writer *writer_to(struct mem *m)
{
	struct writer *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	m->n = 0;
	m->buf[0] = '\0';
	w->sink = mem_sink;
	w->user = m;
	return w;
}

static const struct {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	bool lines;
	const char *want;
} csv_cases[] = {
	/* Plain fields: quoted only for , " CR LF, and when empty. */
	{ "swapper/0", 0, false, "swapper/0" },
	{ "sp ace  2", 0, false, "sp ace  2" },
	{ " lead", 0, false, " lead" },
	{ "tab\tx", 0, false, "tab\tx" },
	{ "a) b (c", 0, false, "a) b (c" },
	{ "x, ts 5 ns", 0, false, "\"x, ts 5 ns\"" },
	{ "say \"hi\"", 0, false, "\"say \"\"hi\"\"\"" },
	{ "\"", 0, false, "\"\"\"\"" },
	{ "cr\rx", 0, false, "\"cr\rx\"" },
	{ "lf\nx", 0, false, "\"lf\nx\"" },
	{ "semi;colon", 0, false, "semi;colon" },
	{ "", 0, false, "\"\"" },
	{ "\xc3\xbcn\xc3\xaf", 0, false, "\xc3\xbcn\xc3\xaf" },	/* bytes as they are */
	{ "\xff\xfe", 0, false, "\xff\xfe" },
	{ "nul\0x", 5, false, "nul\0x" },
	/* Lines: leading blanks cut, joined by ';', the final LF starts no line. */
	{ " a+0x1/0x2\n b+0x3/0x4\n", 0, true, "a+0x1/0x2;b+0x3/0x4" },
	{ "\ta\n  \tb", 0, true, "a;b" },
	{ "a\n\nb\n", 0, true, "a;;b" },
	{ "only", 0, true, "only" },
	{ "", 0, true, "\"\"" },
	{ "Page allocated via order 0, mask 0x0()\n f+0x1/0x2\n", 0, true,
	  "\"Page allocated via order 0, mask 0x0();f+0x1/0x2\"" },
	{ " a\n \"q\"\n", 0, true, "\"a;\"\"q\"\"\"" },
	{ " a\r\n b\n", 0, true, "\"a\r;b\"" },
	{ " trailing  \n", 0, true, "trailing  " },
};

static void test_csv_str(void **state)
{
	struct mem m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
		struct writer *w = writer_to(&m);
		size_t len = csv_cases[i].len ? csv_cases[i].len : strlen(csv_cases[i].in);
		size_t wl = csv_cases[i].len ? csv_cases[i].len : strlen(csv_cases[i].want);

		w_csv_str(w, csv_cases[i].in, len, csv_cases[i].lines);
		w_flush(w);
		assert_int_equal(w->err, 0);
		if (m.n != wl || memcmp(m.buf, csv_cases[i].want, wl) != 0)
			fail_msg("case %zu: got [%s], want [%s]", i, m.buf, csv_cases[i].want);
		free(w);
	}
}

static void test_line_next(void **state)
{
	const char *text = "  one\n\ttwo\n\n three", *p = text, *end = text + strlen(text), *s;
	const char *want[] = { "one", "two", "", "three" };
	size_t n, i = 0;

	(void)state;
	while (line_next(&p, end, &s, &n)) {
		assert_true(i < 4);
		assert_int_equal(n, strlen(want[i]));
		assert_memory_equal(s, want[i], n);
		i++;
	}
	assert_int_equal(i, 4);
	p = end;
	assert_false(line_next(&p, end, &s, &n));
}

static const struct {
	uint64_t bytes;
	const char *want;
} iec_cases[] = {
	{ 0, "0 B" },
	{ 512, "512 B" },
	{ 1023, "1023 B" },
	{ 1024, "1 KiB" },
	{ 4096, "4 KiB" },
	{ 1536, "1.5 KiB" },
	{ 1075, "1 KiB" },		/* 1.0498: rounds down to 1.0 */
	{ 1076, "1.1 KiB" },		/* 1.0508 */
	{ 1126, "1.1 KiB" },		/* 1.0996 */
	{ 1997, "2 KiB" },		/* 1.9502: .95 rounds up to the next whole */
	{ 5 * 4096, "20 KiB" },
	{ 1048575, "1 MiB" },		/* 1023.999 KiB: rounds to 1024, shown as 1 MiB */
	{ 1048576, "1 MiB" },
	{ 2048ull * 4096, "8 MiB" },
	{ 3ull << 29, "1.5 GiB" },
	{ 8704ull * 4096, "34 MiB" },
	{ 1ull << 40, "1 TiB" },
	{ UINT64_MAX, "16 EiB" },
};

static void test_fmt_iec(void **state)
{
	char out[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(iec_cases) / sizeof(iec_cases[0]); i++) {
		n = fmt_iec(out, iec_cases[i].bytes);
		assert_int_equal(n, strlen(out));
		if (strcmp(out, iec_cases[i].want) != 0)
			fail_msg("%llu bytes: got [%s], want [%s]",
				 (unsigned long long)iec_cases[i].bytes, out, iec_cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_str),
		cmocka_unit_test(test_line_next),
		cmocka_unit_test(test_fmt_iec),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
