/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The allocator hook (issue 7): a whole pipeline run with a counting hook
 * (parse from memory, from a pipe with worker threads and chunk by chunk,
 * a dump with a log prefix, the handle join, two queries with filters, selections and call sites,
 * every value, every output format, a diff and its formats) allocates
 * nothing through malloc and frees all it took from the hook; and with the
 * hook failing its Nth call, every call returns -ENOMEM, leaks nothing and
 * writes the same output when it succeeds.
 *
 * Linked with --wrap=malloc,calloc,realloc,free,strdup (and PCRE2's
 * constructors, zlib's deflateInit2_ and inflateInit2_, zstd's and liblzma's
 * decoders) against the static core, so that a call to one of those
 * from lib/ reaches the __wrap_ counters below instead.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>	/* pipe, write, close */
#include <cmocka.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <zlib.h>
#include <lzma.h>
#include <zstd.h>

#include "pgsort/pgsort.h"

static const char *fixtures = "tests/fixtures";

/* Calls from lib/ that bypass the hook --------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);

static int armed;		/* count bypasses while set */
static unsigned long bypass;	/* calls to the wrapped functions while armed */

static void bypassed(void)
{
	if (__atomic_load_n(&armed, __ATOMIC_RELAXED))
		__atomic_fetch_add(&bypass, 1, __ATOMIC_RELAXED);
}

void *__wrap_malloc(size_t n)
{
	bypassed();
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	bypassed();
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	bypassed();
	return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
	if (p)
		bypassed();
	__real_free(p);
}

char *__wrap_strdup(const char *s)
{
	bypassed();
	return __real_strdup(s);
}

/*
 * PCRE2 allocates inside its own library, where no wrap reaches: a
 * pattern compiled, or match data made, without a context uses malloc.
 * (Match data made from a pattern uses the pattern's functions.)
 */
pcre2_code *__real_pcre2_compile_8(PCRE2_SPTR p, PCRE2_SIZE len, uint32_t opts, int *err,
				   PCRE2_SIZE *off, pcre2_compile_context *cc);
pcre2_code *__wrap_pcre2_compile_8(PCRE2_SPTR p, PCRE2_SIZE len, uint32_t opts, int *err,
				   PCRE2_SIZE *off, pcre2_compile_context *cc);
pcre2_match_data *__real_pcre2_match_data_create_8(uint32_t n, pcre2_general_context *gc);
pcre2_match_data *__wrap_pcre2_match_data_create_8(uint32_t n, pcre2_general_context *gc);

pcre2_code *__wrap_pcre2_compile_8(PCRE2_SPTR p, PCRE2_SIZE len, uint32_t opts, int *err,
				   PCRE2_SIZE *off, pcre2_compile_context *cc)
{
	if (!cc)
		bypassed();
	return __real_pcre2_compile_8(p, len, opts, err, off, cc);
}

pcre2_match_data *__wrap_pcre2_match_data_create_8(uint32_t n, pcre2_general_context *gc)
{
	if (!gc)
		bypassed();
	return __real_pcre2_match_data_create_8(n, gc);
}

/*
 * zlib (pprof's gzip) likewise: a stream without zalloc and zfree uses
 * malloc inside libz.
 */
int __real_deflateInit2_(z_streamp z, int level, int method, int bits, int mem, int strategy,
			 const char *version, int size);
int __wrap_deflateInit2_(z_streamp z, int level, int method, int bits, int mem, int strategy,
			 const char *version, int size);

int __wrap_deflateInit2_(z_streamp z, int level, int method, int bits, int mem, int strategy,
			 const char *version, int size)
{
	if (!z->zalloc || !z->zfree)
		bypassed();
	return __real_deflateInit2_(z, level, method, bits, mem, strategy, version, size);
}

/*
 * The decompressors (compressed input): inflate without zalloc, a zstd
 * context made without ZSTD_customMem, an xz decoder without an allocator.
 */
int __real_inflateInit2_(z_streamp z, int bits, const char *version, int size);
int __wrap_inflateInit2_(z_streamp z, int bits, const char *version, int size);
ZSTD_DCtx *__real_ZSTD_createDCtx(void);
ZSTD_DCtx *__wrap_ZSTD_createDCtx(void);
ZSTD_DStream *__real_ZSTD_createDStream(void);
ZSTD_DStream *__wrap_ZSTD_createDStream(void);
lzma_ret __real_lzma_stream_decoder(lzma_stream *l, uint64_t mem, uint32_t flags);
lzma_ret __wrap_lzma_stream_decoder(lzma_stream *l, uint64_t mem, uint32_t flags);

int __wrap_inflateInit2_(z_streamp z, int bits, const char *version, int size)
{
	if (!z->zalloc || !z->zfree)
		bypassed();
	return __real_inflateInit2_(z, bits, version, size);
}

ZSTD_DCtx *__wrap_ZSTD_createDCtx(void)
{
	bypassed();
	return __real_ZSTD_createDCtx();
}

ZSTD_DStream *__wrap_ZSTD_createDStream(void)
{
	bypassed();
	return __real_ZSTD_createDStream();
}

lzma_ret __wrap_lzma_stream_decoder(lzma_stream *l, uint64_t mem, uint32_t flags)
{
	if (!l->allocator)
		bypassed();
	return __real_lzma_stream_decoder(l, mem, flags);
}

/* The counting hook ----------------------------------------------------- */

/*
 * Blocks carry their size in a header, so that live bytes are known. Calls
 * may come from several threads (parse workers): counters are atomic.
 */
struct counting {
	unsigned long calls;	/* malloc and realloc calls */
	unsigned long fail_at;	/* 0: never */
	unsigned long frees;
	long blocks;		/* live */
	long long bytes;	/* live */
};

#define HDR 16

static int fails(struct counting *c)
{
	unsigned long n = __atomic_add_fetch(&c->calls, 1, __ATOMIC_RELAXED);

	return c->fail_at && n == c->fail_at;
}

static void *c_malloc(size_t n, void *user)
{
	struct counting *c = user;
	char *p;

	if (fails(c) || !(p = __real_malloc(n + HDR)))
		return NULL;
	memcpy(p, &n, sizeof(n));
	__atomic_add_fetch(&c->blocks, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->bytes, (long long)n, __ATOMIC_RELAXED);
	return p + HDR;
}

static void *c_realloc(void *ptr, size_t n, void *user)
{
	struct counting *c = user;
	size_t old = 0;
	char *p;

	if (!ptr)
		return c_malloc(n, user);
	if (fails(c))
		return NULL;
	memcpy(&old, (char *)ptr - HDR, sizeof(old));
	if (!(p = __real_realloc((char *)ptr - HDR, n + HDR)))
		return NULL;
	memcpy(p, &n, sizeof(n));
	__atomic_add_fetch(&c->bytes, (long long)n - (long long)old, __ATOMIC_RELAXED);
	return p + HDR;
}

static void c_free(void *ptr, void *user)
{
	struct counting *c = user;
	size_t n;

	if (!ptr)
		return;
	memcpy(&n, (char *)ptr - HDR, sizeof(n));
	__atomic_add_fetch(&c->frees, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&c->blocks, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&c->bytes, (long long)n, __ATOMIC_RELAXED);
	__real_free((char *)ptr - HDR);
}

/* Fixtures, read before anything is counted ------------------------------ */

struct file {
	char *p;
	size_t len;
};

static struct file small, early, handle_dump, handle_map, prefixed, text_zst, zst, gz, xz;

static void slurp(const char *name, struct file *f)
{
	char path[512];
	FILE *in;
	long n;

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	in = fopen(path, "rb");
	assert_non_null(in);
	fseek(in, 0, SEEK_END);
	n = ftell(in);
	fseek(in, 0, SEEK_SET);
	f->p = __real_malloc((size_t)n + 1);
	assert_non_null(f->p);
	assert_int_equal(fread(f->p, 1, (size_t)n, in), (size_t)n);
	fclose(in);
	f->len = (size_t)n;
}

/* Output: a hash of every byte written, no allocation. */
struct sink {
	uint64_t h, n;
};

static int sink(const void *buf, size_t len, void *user)
{
	struct sink *s = user;
	const unsigned char *b = buf;
	size_t i;

	for (i = 0; i < len; i++)
		s->h = (s->h ^ b[i]) * 0x100000001b3ull;
	s->n += len;
	return 0;
}

/* The pipeline ----------------------------------------------------------- */

/* What the parse stage made, for the query stage. */
struct tables {
	struct pgs_table *small, *early, *fd, *inc, *joined, *prefixed;
};

static void tables_free(struct tables *t)
{
	pgs_table_free(t->small);
	pgs_table_free(t->early);
	pgs_table_free(t->fd);
	pgs_table_free(t->inc);
	pgs_table_free(t->joined);
	pgs_table_free(t->prefixed);
	memset(t, 0, sizeof(*t));
}

struct feeder {
	int fd;
	const struct file *f;
};

static void *feed(void *arg)
{
	struct feeder *fe = arg;
	size_t off = 0;

	while (off < fe->f->len) {
		ssize_t n = write(fe->fd, fe->f->p + off, fe->f->len - off);

		if (n <= 0)
			break;	/* the reader gave up (EPIPE) */
		off += (size_t)n;
	}
	close(fe->fd);
	return NULL;
}

/* f (small.txt) through a pipe, parsed with threads workers. */
static int open_pipe_of(struct pgs_table **out, const struct pgs_parse_opts *o,
			const struct file *f)
{
	struct feeder fe = { .f = f };
	pthread_t tid;
	int fds[2], err;

	assert_int_equal(pipe(fds), 0);
	fe.fd = fds[1];
	assert_int_equal(pthread_create(&tid, NULL, feed, &fe), 0);
	err = pgs_table_open_fd(out, fds[0], o);
	close(fds[0]);
	pthread_join(tid, NULL);
	return err;
}

static int open_pipe(struct pgs_table **out, const struct pgs_parse_opts *o)
{
	return open_pipe_of(out, o, &small);
}

/*
 * The compressed copies of bad/truncated-frame.txt, from memory and (zstd)
 * through a pipe: each the table of the text (its rows), its format named.
 */
static int compressed_stage(const struct pgs_parse_opts *o, unsigned fd_threads)
{
	static const struct { const struct file *f; const char *name; } c[] = {
		{ &zst, "zstd" }, { &gz, "gzip" }, { &xz, "xz" }, { &zst, "zstd" },
	};
	struct pgs_parse_opts po = *o;
	struct pgs_table *text = NULL;
	size_t i;
	int err;

	err = pgs_table_open_mem(&text, text_zst.p, text_zst.len, o);
	for (i = 0; !err && i < sizeof(c) / sizeof(c[0]); i++) {
		struct pgs_table_info info = PGS_INIT(pgs_table_info);
		struct pgs_table *t = NULL;

		if (i == 3) {
			po.threads = fd_threads;
			err = open_pipe_of(&t, &po, c[i].f);
		} else {
			err = pgs_table_open_mem(&t, c[i].f->p, c[i].f->len, o);
		}
		if (err)
			break;
		pgs_table_info(t, &info);
		assert_int_equal(pgs_table_count(t), pgs_table_count(text));
		assert_non_null(info.compression);
		assert_string_equal(info.compression, c[i].name);
		assert_int_equal(info.compressed_bytes, c[i].f->len);
		pgs_table_free(t);
	}
	pgs_table_free(text);
	return err;
}

/* small.txt chunk by chunk. */
static int open_incremental(struct pgs_table **out, const struct pgs_parse_opts *o)
{
	struct pgs_parser *p;
	size_t off;
	int err;

	err = pgs_parser_create(&p, o);
	if (err)
		return err;
	for (off = 0; !err && off < small.len; off += 4096)
		err = pgs_parser_feed(p, small.p + off,
				      small.len - off < 4096 ? small.len - off : 4096);
	if (!err)
		err = pgs_parser_finish(p, out);
	pgs_parser_free(p);
	return err;
}

/* Make the frames of every table (pgs_table_info() counts them). */
static void derive_tables(const struct tables *t)
{
	const struct pgs_table *all[] = { t->small, t->early, t->fd, t->inc, t->joined,
					  t->prefixed };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		struct pgs_table_info info = PGS_INIT(pgs_table_info);

		pgs_table_info(all[i], &info);
		assert_true(info.stacks > 0);
	}
}

/* The parse stage: every table of the query stage. fd_threads: the pipe's workers. */
static int parse_stage(const struct pgs_allocator *al, unsigned fd_threads, struct tables *t)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct pgs_table *map = NULL;
	uint64_t unresolved = 0;
	int err;

	o.allocator = al;
	o.threads = 1;
	memset(t, 0, sizeof(*t));
	err = pgs_table_open_mem(&t->small, small.p, small.len, &o);
	if (!err)
		err = pgs_table_open_mem(&t->early, early.p, early.len, &o);
	if (!err) {
		o.threads = fd_threads;
		err = open_pipe(&t->fd, &o);
		o.threads = 1;
	}
	if (!err)
		err = open_incremental(&t->inc, &o);
	if (!err)
		err = pgs_table_open_mem(&t->joined, handle_dump.p, handle_dump.len, &o);
	if (!err)
		err = pgs_table_open_mem(&map, handle_map.p, handle_map.len, &o);
	if (!err)
		err = pgs_table_join_stacks(t->joined, map, &unresolved);
	if (!err)
		err = pgs_table_open_mem(&t->prefixed, prefixed.p, prefixed.len, &o);
	if (!err)
		err = compressed_stage(&o, fd_threads);
	pgs_table_free(map);
	if (err)
		tables_free(t);
	return err;
}

static const enum pgs_format formats[] = {
	PGS_FORMAT_TEXT, PGS_FORMAT_JSON, PGS_FORMAT_NDJSON, PGS_FORMAT_CSV,
	PGS_FORMAT_FOLDED, PGS_FORMAT_PPROF, PGS_FORMAT_SVG, PGS_FORMAT_HTML,
};
static const enum pgs_format diff_formats[] = {
	PGS_FORMAT_TEXT, PGS_FORMAT_JSON, PGS_FORMAT_NDJSON, PGS_FORMAT_CSV,
	PGS_FORMAT_FOLDED, PGS_FORMAT_SVG,
};
static const char *const value_keys[] = {
	"times", "pages", "bytes", "name", "callsite", "stacktrace", "pid", "gfp", "node",
	"alloc_ts", "allocator",
};

/* Every value of the first groups, then r in every format. */
static int use_result(const struct pgs_result *r, struct sink *s)
{
	size_t i, k;
	int err;

	for (i = 0; i < pgs_result_count(r) && i < 5; i++)
		for (k = 0; k < sizeof(value_keys) / sizeof(value_keys[0]); k++) {
			struct pgs_value v = PGS_INIT(pgs_value);

			err = pgs_result_value(r, i, value_keys[k], &v);
			if (err)
				return err;
			sink(v.str ? v.str : "", v.str ? v.len : 0, s);
		}
	for (k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
		struct pgs_write_opts w = PGS_INIT(pgs_write_opts);

		w.format = formats[k];
		w.flags = PGS_WRITE_HUMAN;
		err = pgs_result_write(r, &w, sink, s);
		if (err)
			return err;
	}
	return 0;
}

/* A query on t: built with al, run, used, freed. */
static int query_on(const struct pgs_allocator *al, const struct pgs_table *t, int which,
		    struct sink *s)
{
	struct pgs_query_opts qo = PGS_INIT(pgs_query_opts);
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	int err;

	qo.allocator = al;
	err = pgs_query_create_opts(&q, &qo);
	if (err)
		return err;
	if (which == 0) {
		/* --cull, sort, a regex filter, call sites, a node selection */
		err = pgs_query_set_cull(q, "name,callsite");
		if (!err)
			err = pgs_query_add_sort(q, "-pages,callsite");
		if (!err)
			err = pgs_query_add_filter(q, "name ~ \"^kworker\" or stack ~ 'alloc_pages'",
						   NULL);
		if (!err)
			err = pgs_query_add_filter(q, "order < 10", NULL);
		if (!err)
			err = pgs_query_select_node(q, "0-1");
		if (!err)
			err = pgs_query_set_callsite_skip(q, "^(__)?alloc_pages|^get_page_from");
	} else if (which == 1) {
		/* page_owner_sort's default grouping, sorted by block text */
		err = pgs_query_add_sort(q, "txt");
		if (!err)
			err = pgs_query_select_name(q, "swapper,kworker/0:1,systemd");
		if (!err)
			err = pgs_query_select_pid(q, "0,1,2");
	} else {
		err = pgs_query_set_cull(q, "stacktrace");
	}
	if (!err)
		err = pgs_query_run(q, t, &r);
	if (!err)
		err = use_result(r, s);
	pgs_result_free(r);
	pgs_query_free(q);
	return err;
}

static int diff_stage(const struct pgs_allocator *al, const struct tables *t, struct sink *s)
{
	struct pgs_query_opts qo = PGS_INIT(pgs_query_opts);
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;
	size_t k;
	int err;

	qo.allocator = al;
	err = pgs_query_create_opts(&q, &qo);
	if (!err)
		err = pgs_query_set_cull(q, "stacktrace");
	if (!err)
		err = pgs_query_add_filter(q, "stack ~ '^\\s*\\w'", NULL);
	if (!err)
		err = pgs_diff_run(q, t->early, t->small, NULL, &d);
	for (k = 0; !err && k < sizeof(diff_formats) / sizeof(diff_formats[0]); k++) {
		struct pgs_write_opts w = PGS_INIT(pgs_write_opts);

		w.format = diff_formats[k];
		err = pgs_diff_write(d, &w, sink, s);
	}
	pgs_diff_free(d);
	pgs_query_free(q);
	return err;
}

/* The query stage on tables t: queries, results, outputs, a diff. */
static int query_stage(const struct pgs_allocator *al, const struct tables *t, struct sink *s)
{
	int err;

	err = query_on(al, t->small, 0, s);
	if (!err)
		err = query_on(al, t->small, 1, s);
	if (!err)
		err = query_on(al, t->fd, 2, s);
	if (!err)
		err = query_on(al, t->inc, 2, s);
	if (!err)
		err = query_on(al, t->joined, 2, s);
	if (!err)
		err = diff_stage(al, t, s);
	return err;
}

static struct pgs_allocator hook(struct counting *c)
{
	struct pgs_allocator a = { c_malloc, c_realloc, c_free, c };

	return a;
}

/* Tests ------------------------------------------------------------------ */

/* Reference figures of a run without failures, for the sweeps. */
static unsigned long parse_allocs, query_allocs;
static struct sink reference;

static void test_nothing_bypasses(void **state)
{
	struct counting c = { 0 };
	struct pgs_allocator a = hook(&c);
	struct tables t;
	struct sink s = { 0xcbf29ce484222325ull, 0 }, plain = s;
	unsigned long after_parse;

	(void)state;
	__atomic_store_n(&armed, 1, __ATOMIC_RELAXED);
	assert_int_equal(parse_stage(&a, 2, &t), 0);
	derive_tables(&t);	/* as test_oom_query does */
	after_parse = c.calls;
	assert_int_equal(query_stage(&a, &t, &s), 0);
	query_allocs = c.calls - after_parse;
	tables_free(&t);
	__atomic_store_n(&armed, 0, __ATOMIC_RELAXED);

	print_message("hook: %lu allocations (%lu parsing, %lu querying and writing), "
		      "%lu frees, %llu bytes written; %lu calls bypassed it\n",
		      c.calls, after_parse, query_allocs, c.frees,
		      (unsigned long long)s.n, bypass);
	assert_int_equal(bypass, 0);
	assert_true(after_parse > 0 && query_allocs > 0);
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.bytes, 0);
	assert_true(s.n > 0);
	reference = s;

	/* The same pipeline without a hook writes the same bytes (threads=1). */
	assert_int_equal(parse_stage(NULL, 1, &t), 0);
	assert_int_equal(query_stage(NULL, &t, &plain), 0);
	tables_free(&t);
	assert_int_equal(plain.h, s.h);
	assert_int_equal(plain.n, s.n);

	/* The count of a deterministic parse, for the sweep. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(parse_stage(&a, 1, &t), 0);
	parse_allocs = c.calls;
	tables_free(&t);
	assert_int_equal(c.blocks, 0);
}

/*
 * The query stage with its Nth allocation failing, for every N. The tables
 * are parsed with the same hook (not failing then), so that the results'
 * and outputs' allocations, which use the tables' hook, fail too.
 */
static void test_oom_query(void **state)
{
	struct counting c = { 0 };
	struct pgs_allocator a = hook(&c);
	struct tables t;
	unsigned long n, failed = 0;

	(void)state;
	assert_int_equal(parse_stage(&a, 1, &t), 0);
	/*
	 * The tables' frames, made once by the first query that needs them
	 * and kept by the table: made here, so that each query's own
	 * allocations are what the sweep counts (test_fixtures fails them).
	 */
	derive_tables(&t);
	for (n = 1;; n++) {
		struct sink s = { 0xcbf29ce484222325ull, 0 };
		long blocks = c.blocks;
		long long bytes = c.bytes;
		int err;

		c.calls = 0;
		c.fail_at = n;
		err = query_stage(&a, &t, &s);
		c.fail_at = 0;
		if (err != 0 && err != -ENOMEM)
			fail_msg("allocation %lu failing: %s (%d)", n, pgs_strerror(err), err);
		assert_int_equal(c.blocks, blocks);
		assert_int_equal(c.bytes, bytes);
		if (!err) {
			/* A failure swallowed (PCRE2's JIT): the same output. */
			if (s.h != reference.h)
				fail_msg("allocation %lu failing: 0 but other output", n);
		} else {
			failed++;
		}
		if (c.calls < n)
			break;	/* no Nth allocation: the sweep is over */
	}
	tables_free(&t);
	assert_int_equal(c.blocks, 0);
	print_message("query stage: failed each of %lu allocations, %lu returned -ENOMEM\n",
		      n - 1, failed);
	assert_int_equal(n - 1, query_allocs);
}

/*
 * The parse stage (threads=1) with its Nth allocation failing: every N up
 * to PARSE_ALL (each table's creation, the first records), then every
 * PARSE_STRIDE-th (the stage makes thousands of allocations, mostly the
 * same growth paths; the stride is odd so that it lands on all of them).
 */
#define PARSE_ALL 400
#define PARSE_STRIDE 7

static void test_oom_parse(void **state)
{
	struct counting c = { 0 };
	struct pgs_allocator a = hook(&c);
	unsigned long n, runs = 0, failed = 0;

	(void)state;
	for (n = 1;; n += n < PARSE_ALL ? 1 : PARSE_STRIDE) {
		struct tables t;
		int err;

		c.calls = 0;
		c.fail_at = n;
		err = parse_stage(&a, 1, &t);
		c.fail_at = 0;
		runs++;
		if (err != 0 && err != -ENOMEM)
			fail_msg("allocation %lu failing: %s (%d)", n, pgs_strerror(err), err);
		if (!err)
			tables_free(&t);
		else
			failed++;
		assert_int_equal(c.blocks, 0);
		assert_int_equal(c.bytes, 0);
		if (c.calls < n)
			break;
	}
	print_message("parse stage: failed %lu of its %lu allocations, %lu returned -ENOMEM\n",
		      runs - 1, parse_allocs, failed);
	/*
	 * The sweep reached the end of the stage: past the last allocation of
	 * its final run, within a stride of the count measured first (the
	 * pipe's reads, and so its buffers, vary by one from run to run).
	 */
	assert_true(n + PARSE_STRIDE > parse_allocs);
}

/*
 * The pipe parsed by two workers, its Nth allocation failing: the order of
 * allocations varies between runs, so every N is a different failure
 * somewhere in the pool, the workers' shards or the merge.
 */
static void test_oom_threads(void **state)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct counting c = { 0 };
	struct pgs_allocator a = hook(&c);
	unsigned long n, total, failed = 0;
	struct pgs_table *t = NULL;

	(void)state;
	o.allocator = &a;
	o.threads = 2;
	assert_int_equal(open_pipe(&t, &o), 0);
	pgs_table_free(t);
	total = c.calls;
	for (n = 1; n <= total; n++) {
		int err;

		c.calls = 0;
		c.fail_at = n;
		t = NULL;
		err = open_pipe(&t, &o);
		c.fail_at = 0;
		if (err != 0 && err != -ENOMEM)
			fail_msg("allocation %lu failing: %s (%d)", n, pgs_strerror(err), err);
		pgs_table_free(t);
		failed += err != 0;
		assert_int_equal(c.blocks, 0);
		assert_int_equal(c.bytes, 0);
	}
	print_message("pipe, 2 workers: failed each of %lu allocations, %lu returned -ENOMEM\n",
		      total, failed);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_bypasses),
		cmocka_unit_test(test_oom_query),
		cmocka_unit_test(test_oom_parse),
		cmocka_unit_test(test_oom_threads),
	};

	if (argc > 1)
		fixtures = argv[1];
	signal(SIGPIPE, SIG_IGN);	/* a parse that fails stops reading the pipe */
	slurp("real/small.txt", &small);
	slurp("real/leak-early.txt", &early);
	slurp("real/handles/page_owner.mode_handle.txt", &handle_dump);
	slurp("real/handles/show_stacks_handles.txt", &handle_map);
	slurp("bad/dmesg-prefix.txt", &prefixed);
	slurp("bad/truncated-frame.txt", &text_zst);
	slurp("bad/compressed.zst", &zst);
	slurp("bad/compressed.gz", &gz);
	slurp("bad/compressed.xz", &xz);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
