/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgs_series_*: the leak score on constructed series (linear, sawtooth,
 * step, spike, noise, flat, a leak with noise, a cache dropped), each
 * expected figure worked out by hand below from the definition in pgsort.h
 * (score = net / (rises + falls) x (1 - largest rise / rises)); and the
 * model through the public API on small show_stacks tables.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <pgsort/pgsort.h>

#define N 60

static struct pgs_series_group shape(const uint64_t *p, const double *t, size_t n)
{
	struct pgs_series_group g = PGS_INIT(pgs_series_group);

	assert_int_equal(pgs_series_shape(p, t, n, &g), 0);
	return g;
}

/* 0, 10, ..., 590 over 118 s: rises 590 in 59 steps of 10, no fall. */
static void test_linear(void **state)
{
	uint64_t p[N];
	double t[N];
	struct pgs_series_group g;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		p[i] = 10 * i;
		t[i] = 1000.0 + 2.0 * (double)i;
	}
	g = shape(p, t, N);
	assert_int_equal(g.growth, 590);
	assert_int_equal(g.rises, 590);
	assert_int_equal(g.falls, 0);
	assert_true(fabs(g.monotonicity - 1.0) < 1e-9);
	assert_true(fabs(g.spread - (1.0 - 10.0 / 590.0)) < 1e-9);	/* 0.98305 */
	assert_true(fabs(g.score - 0.983051) < 1e-6);
	/* 590 pages in 118 s: 18,000 pages an hour; 10 a sample. */
	assert_true(fabs(g.growth_per_hour - 18000.0) < 1e-6);
	assert_true(fabs(g.growth_per_sample - 10.0) < 1e-9);
	/* No times: growth per hour unknown. */
	g = shape(p, NULL, N);
	assert_true(isnan(g.growth_per_hour));
	t[7] = NAN;
	g = shape(p, t, N);
	assert_true(isnan(g.growth_per_hour));
}

/* 0, 100, 200 twenty times: net 200, rises 4000, falls 3800. */
static void test_sawtooth(void **state)
{
	uint64_t p[N];
	struct pgs_series_group g;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = 100 * (i % 3);
	g = shape(p, NULL, N);
	assert_int_equal(g.growth, 200);
	assert_int_equal(g.rises, 4000);
	assert_int_equal(g.falls, 3800);
	/* 200 / 7800 x (1 - 100 / 4000) = 0.02564 x 0.975 = 0.025 */
	assert_true(fabs(g.score - 0.025) < 1e-6);
	assert_int_equal(g.min, 0);
	assert_int_equal(g.max, 200);
}

/* 10 samples at 0 then 50 at 1000: all the growth in one step. */
static void test_step(void **state)
{
	uint64_t p[N];
	struct pgs_series_group g;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = i < 10 ? 0 : 1000;
	g = shape(p, NULL, N);
	assert_int_equal(g.growth, 1000);
	assert_true(fabs(g.monotonicity - 1.0) < 1e-9);
	assert_true(g.spread == 0.0);
	assert_true(g.score == 0.0);
}

/* 100 throughout but 5000 at sample 30: ends where it began. */
static void test_spike(void **state)
{
	uint64_t p[N];
	struct pgs_series_group g;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = i == 30 ? 5000 : 100;
	g = shape(p, NULL, N);
	assert_int_equal(g.growth, 0);
	assert_int_equal(g.max, 5000);
	assert_true(g.score == 0.0);
	/* A spike at the end is a step: growth, but no spread. */
	p[N - 1] = 5000;
	p[30] = 100;
	g = shape(p, NULL, N);
	assert_int_equal(g.growth, 4900);
	assert_true(g.score == 0.0);
}

/*
 * 1000 + e_i, e_i in -50..50 from a fixed LCG, last sample set to 1010:
 * net 10, rises and falls each hundreds of pages: score under 0.05.
 */
static void test_noise(void **state)
{
	uint64_t p[N];
	struct pgs_series_group g;
	uint32_t x = 12345;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = 950 + (x >> 16) % 101;
	}
	p[0] = 1000;
	p[N - 1] = 1010;
	g = shape(p, NULL, N);
	assert_int_equal(g.growth, 10);
	assert_true(g.rises > 500);
	assert_true(g.score < 0.05);
}

static void test_flat(void **state)
{
	uint64_t p[N];
	struct pgs_series_group g;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = 777;
	g = shape(p, NULL, N);
	assert_int_equal(g.growth, 0);
	assert_int_equal(g.rises + g.falls, 0);
	assert_true(g.score == 0.0);
	/* Fewer than 3 samples: never a leak. */
	p[1] = 900;
	g = shape(p, NULL, 2);
	assert_int_equal(g.growth, 123);
	assert_true(g.score == 0.0);
	g = shape(p, NULL, 1);
	assert_true(g.growth_per_sample == 0.0);
}

/*
 * A leak under noise: +30 a sample, then -10 every 4th sample (a part
 * freed): 0, 30, 60, 90, 80, ... Over 60 samples (59 steps: 45 rises of
 * 30 = 1350, 14 falls of 10 = 140): net 1210, score =
 * 1210 / 1490 x (1 - 30 / 1350) = 0.81208 x 0.97778 = 0.79403.
 */
static void test_noisy_leak(void **state)
{
	uint64_t p[N];
	struct pgs_series_group g;
	size_t i;

	(void)state;
	p[0] = 0;
	for (i = 1; i < N; i++)
		p[i] = i % 4 == 0 ? p[i - 1] - 10 : p[i - 1] + 30;
	g = shape(p, NULL, N);
	assert_int_equal(g.rises, 1350);
	assert_int_equal(g.falls, 140);
	assert_int_equal(g.growth, 1210);
	assert_true(fabs(g.score - 0.794034) < 1e-5);
}

/* A cache: +10 a sample for 50 samples, then dropped to 100: 500 -> 100. */
static void test_cache_dropped(void **state)
{
	uint64_t p[N];
	struct pgs_series_group g;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		p[i] = i <= 50 ? 10 * i : 100;
	g = shape(p, NULL, N);
	assert_int_equal(g.growth, 100);
	/* 100 / (500 + 400) x (1 - 10 / 500) = 0.1111 x 0.98 = 0.10889 */
	assert_true(fabs(g.score - 0.108889) < 1e-5);
}

/* show_stacks text: stack X (callers x_*) with n pages. */
static char *stacks_text(unsigned a, unsigned b)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	fprintf(f, " get_page_from_freelist+0x1/0x10\n leak_caller+0x2/0x20\n leak_entry+0x3/0x30\n"
		"nr_base_pages: %u\n\n", a);
	fprintf(f, " get_page_from_freelist+0x1/0x10\n cache_caller+0x2/0x20\n cache_entry+0x3/0x30\n"
		"nr_base_pages: %u\n\n", b);
	fclose(f);
	return s;
}

static struct pgs_table *table_of(unsigned a, unsigned b)
{
	struct pgs_parse_opts po = PGS_INIT(pgs_parse_opts);
	struct pgs_table *t = NULL;
	char *s = stacks_text(a, b);

	assert_int_equal(pgs_table_open_mem(&t, s, strlen(s), &po), 0);
	free(s);	/* buf is not kept */
	return t;
}

/*
 * leak: 10, 20, 30, 40, 50 (score 1 x (1 - 10/40) = 0.75); cache: 100, 0,
 * 100, 0, 100 (net 0: score 0). Times 0, 60, 120, 180, 240 s: the leak
 * grows 40 pages in 4 minutes, 600 an hour.
 */
static void test_model(void **state)
{
	static const unsigned leak[5] = { 10, 20, 30, 40, 50 }, cache[5] = { 100, 0, 100, 0, 100 };
	struct pgs_query *q = NULL;
	struct pgs_series *s = NULL;
	struct pgs_series_group g = PGS_INIT(pgs_series_group);
	struct pgs_value v = PGS_INIT(pgs_value);
	const uint64_t *p;
	uint64_t tot;
	double t;
	size_t i;

	(void)state;
	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_series_create(&s, q, NULL), 0);
	assert_int_equal(pgs_series_finish(s), PGS_E_EMPTY);
	for (i = 0; i < 5; i++) {
		struct pgs_table *tb = table_of(leak[i], cache[i]);

		assert_int_equal(pgs_series_add(s, tb, 60.0 * (double)i), 0);
		pgs_table_free(tb);
	}
	assert_int_equal(pgs_series_finish(s), 0);
	assert_int_equal(pgs_series_samples(s), 5);
	assert_int_equal(pgs_series_count(s), 2);
	assert_int_equal(pgs_series_group(s, 0, &g), 0);
	assert_true(fabs(g.score - 0.75) < 1e-9);
	assert_true(fabs(g.growth_per_hour - 600.0) < 1e-9);
	p = pgs_series_pages(s, 0);
	assert_non_null(p);
	for (i = 0; i < 5; i++)
		assert_int_equal(p[i], leak[i]);
	assert_int_equal(pgs_series_value(s, 0, "stacktrace", &v), 0);
	assert_int_equal(v.type, PGS_VALUE_STRING);
	assert_non_null(memmem(v.str, v.len, "leak_caller", 11));
	assert_int_equal(pgs_series_group(s, 1, &g), 0);
	assert_true(g.score == 0.0);
	assert_int_equal(g.max, 100);
	assert_int_equal(pgs_series_group(s, 2, &g), -ERANGE);
	assert_int_equal(pgs_series_value(s, 0, "pid", &v), PGS_E_KEY);
	assert_int_equal(pgs_series_sample(s, 3, &t, &tot), 0);
	assert_true(t == 180.0);
	assert_int_equal(tot, 40);
	assert_int_equal(pgs_series_add(s, NULL, 0), -EINVAL);
	{
		/* A map must be show_stacks_handles, and come before the samples. */
		struct pgs_table *tb = table_of(1, 2);

		assert_int_equal(pgs_series_add_stacks(s, tb), -EINVAL);
		pgs_table_free(tb);
	}
	pgs_series_free(s);

	/* Sort by max, top 1: the cache. min_pages 60: the leak (max 50) goes. */
	pgs_query_set_top(q, 1);
	{
		struct pgs_series_opts o = PGS_INIT(pgs_series_opts);

		o.sort = "-max";
		assert_int_equal(pgs_series_create(&s, q, &o), 0);
		for (i = 0; i < 5; i++) {
			struct pgs_table *tb = table_of(leak[i], cache[i]);

			assert_int_equal(pgs_series_add(s, tb, NAN), 0);
			pgs_table_free(tb);
		}
		assert_int_equal(pgs_series_finish(s), 0);
		assert_int_equal(pgs_series_count(s), 1);
		assert_int_equal(pgs_series_group(s, 0, &g), 0);
		assert_int_equal(g.max, 100);
		assert_true(isnan(g.growth_per_hour));
		pgs_series_free(s);
		o.sort = "-bogus";
		assert_int_equal(pgs_series_create(&s, q, &o), PGS_E_KEY);
	}
	pgs_query_set_top(q, 0);
	pgs_query_set_min_pages(q, 60);
	assert_int_equal(pgs_series_create(&s, q, NULL), 0);
	for (i = 0; i < 5; i++) {
		struct pgs_table *tb = table_of(leak[i], cache[i]);

		assert_int_equal(pgs_series_add(s, tb, NAN), 0);
		pgs_table_free(tb);
	}
	assert_int_equal(pgs_series_finish(s), 0);
	assert_int_equal(pgs_series_count(s), 1);
	assert_int_equal(pgs_series_group(s, 0, &g), 0);
	assert_int_equal(g.max, 100);
	pgs_series_free(s);
	/* A boot-only cull key is refused. */
	assert_int_equal(pgs_query_set_cull(q, "handle"), 0);
	assert_int_equal(pgs_series_create(&s, q, NULL), PGS_E_KEY);
	pgs_query_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_sawtooth),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_spike),
		cmocka_unit_test(test_noise),
		cmocka_unit_test(test_flat),
		cmocka_unit_test(test_noisy_leak),
		cmocka_unit_test(test_cache_dropped),
		cmocka_unit_test(test_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
