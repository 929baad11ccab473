/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every fixture of tests/fixtures/expected.tsv (figures from grep/awk,
 * independent of pgsort) through the public API: kind, era, records and
 * pages; and the same table whether the input is mapped or fed to the
 * incremental parser in chunks of 1, 7 or 4096 bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include <pgsort/pgsort.h>

static const char *dir;

static int feed_chunks(struct pgs_table **out, const char *buf, size_t len, size_t chunk)
{
	struct pgs_parser *p;
	size_t off;
	int err = 0;

	assert_int_equal(pgs_parser_create(&p, NULL), 0);
	for (off = 0; off < len && !err; off += chunk)
		err = pgs_parser_feed(p, buf + off, len - off < chunk ? len - off : chunk);
	if (!err)
		err = pgs_parser_finish(p, out);
	pgs_parser_free(p);
	return err;
}

/* Two tables hold the same rows with the same texts. */
static void same_tables(const struct pgs_table *a, const struct pgs_table *b)
{
	size_t i, n = pgs_table_count(a);

	assert_int_equal(pgs_table_count(b), n);
	for (i = 0; i < n; i++) {
		struct pgs_record x = PGS_INIT(pgs_record), y = PGS_INIT(pgs_record);

		assert_int_equal(pgs_table_record(a, i, &x), 0);
		assert_int_equal(pgs_table_record(b, i, &y), 0);
		assert_int_equal(x.pages, y.pages);
		assert_int_equal(x.pid, y.pid);
		assert_int_equal(x.ts, y.ts);
		assert_int_equal(x.pfn, y.pfn);
		assert_int_equal(x.line, y.line);
		assert_int_equal(x.handle, y.handle);
		assert_string_equal(pgs_table_string(a, x.stacktrace), pgs_table_string(b, y.stacktrace));
		assert_string_equal(pgs_table_string(a, x.comm), pgs_table_string(b, y.comm));
	}
}

static void test_expected(void **state)
{
	char path[4096], line[1024];
	FILE *tsv;
	unsigned rows = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/expected.tsv", dir);
	tsv = fopen(path, "r");
	assert_non_null(tsv);
	assert_non_null(fgets(line, sizeof(line), tsv));	/* header */
	while (fgets(line, sizeof(line), tsv)) {
		char file[256], kind[32], era[8];
		unsigned long long records, pages;
		struct pgs_table *t = NULL, *c = NULL;
		struct pgs_table_info info = PGS_INIT(pgs_table_info);
		static const size_t chunks[] = { 1, 7, 4096 };
		size_t len, k;
		char *buf;
		int err;

		if (sscanf(line, "%255s %31s %7s %llu %llu", file, kind, era, &records, &pages) != 5)
			fail_msg("bad expected.tsv line: %s", line);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		err = pgs_table_open_file(&t, path, NULL);
		rows++;
		if (records == 0) {
			/* No record at all: an error, never an empty success. */
			if (err != PGS_E_EMPTY && err != PGS_E_FORMAT)
				fail_msg("%s: %d (%s), expected an empty/format error", file, err,
					 pgs_strerror(err));
			continue;
		}
		if (err)
			fail_msg("%s: %s", file, pgs_strerror(err));
		pgs_table_info(t, &info);
		if (strcmp(pgs_kind_name(info.kind), kind) || strcmp(info.era, era) ||
		    info.records != records || info.pages != pages)
			fail_msg("%s: %s %s %llu records %llu pages, expected %s %s %llu %llu", file,
				 pgs_kind_name(info.kind), info.era,
				 (unsigned long long)info.records, (unsigned long long)info.pages,
				 kind, era, records, pages);
		buf = slurp(path, &len);
		for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			c = NULL;
			assert_int_equal(feed_chunks(&c, buf, len, chunks[k]), 0);
			same_tables(t, c);
			pgs_table_free(c);
		}
		c = NULL;
		assert_int_equal(pgs_table_open_mem(&c, buf, len, NULL), 0);
		same_tables(t, c);
		pgs_table_free(c);
		free(buf);
		pgs_table_free(t);
	}
	fclose(tsv);
	assert_true(rows >= 30);
}

/*
 * Past the detection window (256 KiB) the incremental parser cuts its input
 * at record boundaries: a record split across feeds must come out whole.
 */
static void test_chunk_boundaries(void **state)
{
	static const size_t chunks[] = { 1, 13, 4095, 65536 };
	struct pgs_table *t = NULL, *c;
	char path[4096], *one, *three;
	size_t len, k;

	(void)state;
	snprintf(path, sizeof(path), "%s/real/small.txt", dir);
	one = slurp(path, &len);
	three = malloc(3 * len);
	assert_non_null(three);
	for (k = 0; k < 3; k++)
		memcpy(three + k * len, one, len);
	assert_int_equal(pgs_table_open_mem(&t, three, 3 * len, NULL), 0);
	assert_int_equal(pgs_table_count(t), 3 * 311);
	for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		c = NULL;
		assert_int_equal(feed_chunks(&c, three, 3 * len, chunks[k]), 0);
		same_tables(t, c);
		pgs_table_free(c);
	}
	pgs_table_free(t);
	free(three);
	free(one);
}

/* No fixed buffer: a 1 MiB frame line and a block of 100,000 frames. */
static void test_long_records(void **state)
{
	const char *hdr = "Page allocated via order 3, mask 0xcc0(GFP_KERNEL), pid 1, tgid 1 (big), ts 5 ns\n"
			  "PFN 0x1000 type Unmovable Block 8 type Unmovable Flags 0x0(node=0|zone=1)\n";
	size_t hl = strlen(hdr), cap = 16u << 20, n = 0, i, big = 1u << 20;
	char *buf = malloc(cap);
	struct pgs_table *t = NULL, *c = NULL;
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_record rec = PGS_INIT(pgs_record);

	(void)state;
	assert_non_null(buf);
	/* Block 1: one frame line of 1 MiB. */
	memcpy(buf, hdr, hl);
	n = hl;
	buf[n++] = ' ';
	memset(buf + n, 'x', big);
	n += big;
	memcpy(buf + n, "+0x1/0x2\n\n", 10);
	n += 10;
	/* Block 2: 100,000 distinct frames. */
	memcpy(buf + n, hdr, hl);
	n += hl;
	for (i = 0; i < 100000; i++)
		n += (size_t)sprintf(buf + n, " f%zu+0x1/0x2\n", i);
	buf[n++] = '\n';

	assert_int_equal(pgs_table_open_mem(&t, buf, n, NULL), 0);
	pgs_table_info(t, &info);
	assert_int_equal(info.records, 2);
	assert_int_equal(info.pages, 16);
	assert_int_equal(info.frames, 100001);
	assert_int_equal(info.stacks, 2);
	assert_int_equal(pgs_table_record(t, 0, &rec), 0);
	assert_int_equal(pgs_table_string_len(t, rec.stacktrace), 1 + big + 9);
	assert_int_equal(pgs_table_record(t, 1, &rec), 0);
	assert_int_equal(rec.line, 5);
	assert_int_equal(feed_chunks(&c, buf, n, 65536), 0);
	same_tables(t, c);
	pgs_table_free(c);
	pgs_table_free(t);
	free(buf);
}

/*
 * Every allocation of a parse, failing in turn: the call returns -ENOMEM,
 * or succeeds with the very table a parse without failures gives, never a
 * table with wrong counts (the fuzzer found stacks and frames counted 0
 * when the counting bitmap could not be allocated).
 */
static void test_allocation_failures(void **state)
{
	struct pgs_allocator al = { f_malloc, f_realloc, f_free, NULL };
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct pgs_table_info want = PGS_INIT(pgs_table_info);
	struct failing f = { 0, 0 };
	struct pgs_table *t = NULL;
	unsigned long total, n;
	char path[4096], *buf;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/real/edgecomm.txt", dir);
	buf = slurp(path, &len);
	al.user = &f;
	o.allocator = &al;
	o.threads = 1;
	assert_int_equal(pgs_table_open_mem(&t, buf, len, &o), 0);
	pgs_table_info(t, &want);
	pgs_table_free(t);
	total = f.calls;
	assert_true(total > 10);
	for (n = 1; n <= total; n++) {
		struct pgs_table_info got = PGS_INIT(pgs_table_info);
		int err;

		f.calls = 0;
		f.fail_at = n;
		t = NULL;
		err = pgs_table_open_mem(&t, buf, len, &o);
		if (err) {
			assert_int_equal(err, -ENOMEM);
			assert_null(t);
			continue;
		}
		/*
		 * The counts split the stacks into frames, once, at the first
		 * call that needs them: failing, it leaves them 0 and the next
		 * call makes them.
		 */
		pgs_table_info(t, &got);
		assert_int_equal(got.records, want.records);
		assert_int_equal(got.pages, want.pages);
		assert_true(got.stacks == want.stacks || got.stacks == 0);
		f.fail_at = 0;
		pgs_table_info(t, &got);
		assert_int_equal(got.stacks, want.stacks);
		assert_int_equal(got.frames, want.frames);
		pgs_table_free(t);
	}
	free(buf);
}

/* finish on a parser that was never fed: no input, no undefined behaviour. */
static void test_unfed_parser(void **state)
{
	struct pgs_parser *p;
	struct pgs_table *t = NULL;

	(void)state;
	assert_int_equal(pgs_parser_create(&p, NULL), 0);
	assert_int_equal(pgs_parser_finish(p, &t), PGS_E_EMPTY);
	assert_null(t);
	assert_int_equal(pgs_parser_feed(p, "x", 1), PGS_E_STATE);
	pgs_parser_free(p);
	pgs_parser_free(NULL);
}

struct diag_log {
	unsigned errors, warnings;
	uint64_t first_error_line;
	char first_error[512];
};

static void log_diag(const struct pgs_diag *d, void *user)
{
	struct diag_log *l = user;

	if (d->level == PGS_DIAG_ERROR && !l->errors++) {
		l->first_error_line = d->line;
		snprintf(l->first_error, sizeof(l->first_error), "%s", d->message);
	}
	if (d->level == PGS_DIAG_WARN)
		l->warnings++;
}

/* Bad inputs: the error, the line it names, and what it says was expected. */
static void test_bad(void **state)
{
	static const struct {
		const char *file;
		int err;
		uint64_t line;
		const char *says;
	} cases[] = {
		{ "bad/empty.txt", PGS_E_EMPTY, 0, NULL },
		{ "bad/blank-only.txt", PGS_E_EMPTY, 0, NULL },
		{ "bad/garbage.bin", PGS_E_FORMAT, 1, "expected a page_owner block" },
		{ "bad/not-page-owner.txt", PGS_E_FORMAT, 1, "found 'MemTotal:" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
		struct diag_log log = { 0 };
		struct pgs_table *t = NULL;
		char path[4096];

		o.diag = log_diag;
		o.diag_user = &log;
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		assert_int_equal(pgs_table_open_file(&t, path, &o), cases[i].err);
		assert_null(t);
		if (cases[i].says) {
			assert_int_equal(log.errors, 1);
			assert_int_equal(log.first_error_line, cases[i].line);
			if (!strstr(log.first_error, cases[i].says))
				fail_msg("%s: '%s' lacks '%s'", cases[i].file, log.first_error, cases[i].says);
		}
	}
	/* A path that does not exist is an errno, not a crash. */
	{
		struct pgs_table *t = NULL;

		assert_int_equal(pgs_table_open_file(&t, "/nonexistent/page_owner", NULL), -ENOENT);
		assert_int_equal(pgs_table_open_file(&t, "/", NULL), -EISDIR);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_long_records),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_unfed_parser),
	};

	dir = argc > 1 ? argv[1] : "tests/fixtures";
	return cmocka_run_group_tests_name("fixtures", tests, NULL, NULL);
}
