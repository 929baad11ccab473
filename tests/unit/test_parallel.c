/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/parse/parallel.c and lib/table/merge.c: shards of one or two records, parsed by
 * 2-4 threads and merged, give the very table one pass gives: same rows,
 * same ids, same warnings, for every fixture of expected.tsv.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#include "../../lib/parse/parse.h"
#include "../../lib/parse/stacktrace.h"
#include "../../lib/input/input.h"

static const char *dir;

struct log {
	char text[16384];
	size_t n;
};

static void keep(const struct pgs_diag *d, void *user)
{
	struct log *l = user;

	l->n += (size_t)snprintf(l->text + l->n, sizeof(l->text) - l->n, "%d %llu %llu %s\n",
				 d->level, (unsigned long long)d->line,
				 (unsigned long long)d->offset, d->message);
	if (l->n >= sizeof(l->text))
		l->n = sizeof(l->text) - 1;
}

/* 0 and a table, or the parse error. */
static int parse(const char *buf, size_t len, unsigned threads, struct log *log,
		 struct pgs_table **out)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct parse_ctx c;
	int err;

	o.diag = keep;
	o.diag_user = log;
	o.diag_level = PGS_DIAG_INFO;
	assert_int_equal(parse_ctx_init(&c, &o, "x"), 0);
	err = detect_kind(&c, buf, len, true);
	if (!err)
		err = threads > 1 ? input_mem_parallel(&c, buf, len, &o, threads, false, NULL, 256) :
				    parse_range(&c, buf, len, true);
	if (!err)
		err = parse_finish(&c);
	if (!err) {
		*out = c.t;
		c.t = NULL;
	}
	parse_ctx_fini(&c);
	return err;
}

static void same(const struct pgs_table *a, const struct pgs_table *b)
{
	size_t i;

	assert_int_equal(a->rows, b->rows);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->features, b->features);
	assert_int_equal(a->pages, b->pages);
	assert_int_equal(a->lines, b->lines);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->skipped, b->skipped);
	assert_int_equal(a->unknown_lines, b->unknown_lines);
	assert_int_equal(a->strings.count, b->strings.count);
	assert_int_equal(a->st_n, b->st_n);
	/* Made by parse_finish() for the INFO summary, else by a query. */
	assert_int_equal(table_derive(a), 0);
	assert_int_equal(table_derive(b), 0);
	assert_int_equal(a->derived.count, b->derived.count);
	for (i = 1; i < a->derived.count; i++)
		assert_string_equal(strpool_str(&a->derived, (uint32_t)i),
				    strpool_str(&b->derived, (uint32_t)i));
	assert_int_equal(a->distinct_stacks, b->distinct_stacks);
	assert_int_equal(a->distinct_frames, b->distinct_frames);
	assert_int_equal(a->frames_n, b->frames_n);
	assert_memory_equal(a->frames, b->frames, a->frames_n * sizeof(*a->frames));
	/* Ids come out in the same order as in one pass. */
	for (i = 1; i < a->strings.count; i++)
		assert_string_equal(strpool_str(&a->strings, (uint32_t)i),
				    strpool_str(&b->strings, (uint32_t)i));
	/*
	 * What is derived from the frames is made once, for the stacks of
	 * every shard: present, and the same.
	 */
	for (i = 1; i < a->st_n; i++) {
		assert_true(a->sd[i].module);
		assert_true(!a->st[i].nframes || a->sd[i].stack);
		assert_int_equal(a->st[i].nframes, b->st[i].nframes);
		assert_memory_equal(&a->sd[i], &b->sd[i], sizeof(a->sd[i]));
	}
	if (a->frames_n)
		assert_memory_equal(a->frame_strip, b->frame_strip,
				    a->frames_n * sizeof(*a->frame_strip));
	assert_memory_equal(a->c_st, b->c_st, a->rows * sizeof(*a->c_st));
	assert_memory_equal(a->c_line, b->c_line, a->rows * sizeof(*a->c_line));
	if (a->kind == PGS_KIND_PAGE_OWNER) {
		assert_memory_equal(a->c_hdr, b->c_hdr, a->rows * sizeof(*a->c_hdr));
		assert_memory_equal(a->c_pfnt, b->c_pfnt, a->rows * sizeof(*a->c_pfnt));
		assert_memory_equal(a->c_ts, b->c_ts, a->rows * sizeof(*a->c_ts));
		assert_memory_equal(a->c_pfn, b->c_pfn, a->rows * sizeof(*a->c_pfn));
		assert_int_equal(!a->c_fts, !b->c_fts);
		if (a->c_fts)
			assert_memory_equal(a->c_fts, b->c_fts, a->rows * sizeof(*a->c_fts));
	} else {
		assert_memory_equal(a->c_pages, b->c_pages, a->rows * sizeof(*a->c_pages));
		assert_memory_equal(a->c_handle, b->c_handle, a->rows * sizeof(*a->c_handle));
	}
	for (i = 0; i < UNK_KINDS; i++) {
		assert_string_equal(a->unk[i].name, b->unk[i].name);
		assert_int_equal(a->unk[i].count, b->unk[i].count);
		assert_int_equal(a->unk[i].first_line, b->unk[i].first_line);
	}
}

static void test_shards(void **state)
{
	char path[4096], line[1024];
	FILE *tsv;
	unsigned files = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/expected.tsv", dir);
	tsv = fopen(path, "r");
	assert_non_null(tsv);
	assert_non_null(fgets(line, sizeof(line), tsv));
	while (fgets(line, sizeof(line), tsv)) {
		char file[256];
		struct pgs_table *one = NULL, *many = NULL;
		static struct log l1, ln;
		unsigned threads;
		size_t len;
		char *buf;
		int e1;

		assert_int_equal(sscanf(line, "%255s", file), 1);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		buf = slurp(path, &len);
		memset(&l1, 0, sizeof(l1));
		e1 = parse(buf, len, 1, &l1, &one);
		for (threads = 2; threads <= 4; threads++) {
			memset(&ln, 0, sizeof(ln));
			many = NULL;
			assert_int_equal(parse(buf, len, threads, &ln, &many), e1);
			assert_string_equal(l1.text, ln.text);
			if (!e1)
				same(one, many);
			pgs_table_free(many);
		}
		pgs_table_free(one);
		free(buf);
		files++;
	}
	fclose(tsv);
	assert_true(files >= 30);
}

/* The result of a query, 0 or the error; the result freed. */
static int run(const struct pgs_table *t, const char *cull, const char *sort)
{
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	int err;

	assert_int_equal(pgs_query_create(&q), 0);
	assert_int_equal(pgs_query_set_cull(q, cull), 0);
	assert_int_equal(pgs_query_add_sort(q, sort), 0);
	err = pgs_query_run(q, t, &r);
	pgs_result_free(r);
	pgs_query_free(q);
	return err;
}

/*
 * The parse splits no stack into frames; a query by stacktrace does not
 * either, one by module does (once), and the frames then agree with the
 * text: frame k of each stack is its k-th frame line.
 */
static void test_frames_on_demand(void **state)
{
	char path[4096];
	struct pgs_table *t = NULL;
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	size_t len, i;
	char *buf;

	(void)state;
	snprintf(path, sizeof(path), "%s/real/modules.txt", dir);
	buf = slurp(path, &len);
	o.threads = 2;
	assert_int_equal(pgs_table_open_mem(&t, buf, len, &o), 0);
	assert_false(table_derived(t));
	assert_int_equal(t->frames_n, 0);
	assert_int_equal(run(t, "stacktrace", "-pages"), 0);
	assert_false(table_derived(t));
	assert_int_equal(run(t, "module", "-pages"), 0);
	assert_true(table_derived(t));
	for (i = 1; i < t->st_n; i++) {
		const char *s = strpool_str(&t->strings, t->st[i].text), *p = s;
		uint32_t k = 0;

		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			struct frame_fields ff;

			if (parse_frame(p, n, &ff)) {
				const uint32_t id = t->frames[t->sd[i].frame_off + k];

				assert_true(k < t->st[i].nframes);
				assert_int_equal(strpool_len(&t->strings, id), ff.text_len);
				assert_memory_equal(strpool_str(&t->strings, id), ff.text, ff.text_len);
				k++;
			}
			p += n + (nl != NULL);
		}
		assert_int_equal(k, t->st[i].nframes);
	}
	pgs_table_free(t);
	free(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shards),
		cmocka_unit_test(test_frames_on_demand),
	};

	dir = argc > 1 ? argv[1] : "tests/fixtures";
	return cmocka_run_group_tests_name("parallel", tests, NULL, NULL);
}
