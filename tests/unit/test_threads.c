/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The library on several threads at once (pgsort.h: "Separate objects may be
 * used from separate threads at the same time"; "A table ... may be queried
 * from several threads concurrently"), meant to run under ThreadSanitizer
 * (meson setup build-tsan -Db_sanitize=thread -Db_lundef=false).
 *
 * Phase 1: two threads start together; each parses its own fixture
 * (real/small.txt, real/modules.txt) with pgs_table_open_file and threads=2
 * twice: from the regular file (mapped; a file this small is parsed on the
 * calling thread, the pool starts at 16 MiB) and from a FIFO fed by a third
 * thread (a stream: read in buffers handed to the worker pool, 2 workers),
 * then runs queries and writes text and JSON reports to memory, diagnostics
 * included.
 * Phase 2: two threads query the same table at once.
 * Then the same work is done again on the main thread alone, with threads=1,
 * and every report must be byte-identical to the concurrent one; the mapped
 * and the FIFO parse of a fixture must give the same reports too.
 *
 * No cmocka here: its assertions longjmp and are not for other threads.
 * Usage: test_threads FIXTURES_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pgsort/pgsort.h>

static int failures;
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;

static void fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_mu);
	failures++;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&fail_mu);
}

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;

		while (cap < b->len + len + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			perror("realloc");
			abort();
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_add(b, tmp, n < 0 ? 0 : (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static int sink(const void *data, size_t len, void *user)
{
	buf_add(user, data, len);
	return 0;
}

static void on_diag(const struct pgs_diag *d, void *user)
{
	buf_printf(user, "diag %d %s:%llu@%llu %s\n", (int)d->level, d->source,
		   (unsigned long long)d->line, (unsigned long long)d->offset, d->message);
}

/* ---- queries and reports on one table ---- */

static const struct {
	const char *cull, *sort, *pid;
} queries[] = {
	{ "st", "-m", NULL },
	{ "pid,name", "-m", NULL },
	{ NULL, NULL, NULL },
	{ NULL, "at", NULL },
	{ "st", "T", "0,78" },
	{ "ator,tg", "-t,n", NULL },
};

static void query_all(const struct pgs_table *t, struct buf *out, const char *who)
{
	size_t i;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		struct pgs_query *q = NULL;
		struct pgs_result *r = NULL;
		struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
		int err;

		buf_printf(out, "== query %zu\n", i);
		err = pgs_query_create(&q);
		if (!err && queries[i].cull)
			err = pgs_query_set_cull(q, queries[i].cull);
		if (!err && queries[i].sort)
			err = pgs_query_add_sort(q, queries[i].sort);
		if (!err && queries[i].pid)
			err = pgs_query_select_pid(q, queries[i].pid);
		if (!err)
			err = pgs_query_run(q, t, &r);
		if (!err)
			err = pgs_result_write(r, &wo, sink, out);
		wo.format = PGS_FORMAT_JSON;
		wo.input_name = "fixture";
		if (!err)
			err = pgs_result_write(r, &wo, sink, out);
		if (err)
			fail("%s: query %zu: %s", who, i, pgs_strerror(err));
		pgs_result_free(r);
		pgs_query_free(q);
	}
}

/* ---- parsing from the file and from a FIFO ---- */

struct feeder {
	const char *fifo, *path;
	pthread_t thr;
};

/* Copies the fixture into the FIFO (opening blocks until the reader opens). */
static void *feed_fifo(void *arg)
{
	struct feeder *f = arg;
	char chunk[8192];
	int in = open(f->path, O_RDONLY), out = open(f->fifo, O_WRONLY);
	ssize_t n;

	if (in < 0 || out < 0) {
		fail("feeder: cannot open %s or %s: %s", f->path, f->fifo, strerror(errno));
	} else {
		while ((n = read(in, chunk, sizeof(chunk))) > 0) {
			ssize_t w = 0;

			while (w < n) {
				ssize_t k = write(out, chunk + w, (size_t)(n - w));

				if (k < 0) {
					fail("feeder: write: %s", strerror(errno));
					break;
				}
				w += k;
			}
		}
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return NULL;
}

/*
 * Parse path (or a FIFO fed from it) with `threads` workers, append the
 * diagnostics, the table's figures and every query's reports to out. The
 * table is returned in *keep when keep is not NULL.
 */
static void parse_and_query(const char *path, const char *fifo, const char *name,
			    unsigned threads, struct buf *out, struct pgs_table **keep)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_table *t = NULL;
	struct feeder f = { fifo, path, 0 };
	int err;

	o.name = name;	/* the same source name in the diagnostics either way */
	o.threads = threads;
	o.diag = on_diag;
	o.diag_user = out;
	o.diag_level = PGS_DIAG_INFO;
	if (fifo && pthread_create(&f.thr, NULL, feed_fifo, &f) != 0) {
		fail("pthread_create");
		return;
	}
	err = pgs_table_open_file(&t, fifo ? fifo : path, &o);
	if (fifo)
		pthread_join(f.thr, NULL);
	if (err) {
		fail("%s%s: %s", path, fifo ? " (FIFO)" : "", pgs_strerror(err));
		return;
	}
	pgs_table_info(t, &info);
	buf_printf(out, "table %s %s lines %llu records %llu pages %llu skipped %llu unknown %llu "
		   "stacks %llu frames %llu\n", pgs_kind_name(info.kind), info.era,
		   (unsigned long long)info.lines, (unsigned long long)info.records,
		   (unsigned long long)info.pages, (unsigned long long)info.skipped,
		   (unsigned long long)info.unknown_lines, (unsigned long long)info.stacks,
		   (unsigned long long)info.frames);
	query_all(t, out, path);
	if (keep)
		*keep = t;
	else
		pgs_table_free(t);
}

struct job {
	const char *path, *fifo, *name;
	unsigned threads;
	pthread_barrier_t *start;
	struct buf file_out, fifo_out;	/* parse from the file, from the FIFO */
	struct pgs_table *table;	/* kept for phase 2 */
	struct buf shared_out;		/* phase 2 */
};

static void *phase1(void *arg)
{
	struct job *j = arg;

	pthread_barrier_wait(j->start);
	parse_and_query(j->path, NULL, j->name, j->threads, &j->file_out, &j->table);
	parse_and_query(j->path, j->fifo, j->name, j->threads, &j->fifo_out, NULL);
	return NULL;
}

static void *phase2(void *arg)
{
	struct job *j = arg;

	pthread_barrier_wait(j->start);
	query_all(j->table, &j->shared_out, "shared table");
	return NULL;
}

static void same(const struct buf *a, const struct buf *b, const char *what)
{
	size_t i;

	if (a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0)) {
		printf("ok: %s (%zu bytes)\n", what, a->len);
		return;
	}
	for (i = 0; i < a->len && i < b->len && a->p[i] == b->p[i]; i++)
		;
	fail("%s: %zu vs %zu bytes, first difference at byte %zu", what, a->len, b->len, i);
}

int main(int argc, char **argv)
{
	static const char *const fixtures[] = { "real/small.txt", "real/modules.txt" };
	char dir[] = "/tmp/pgsort-threads-XXXXXX";
	struct job jobs[2];
	pthread_barrier_t start;
	pthread_t thr[2];
	char paths[2][4096], fifos[2][4096 + 16];
	int i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
		return 2;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	memset(jobs, 0, sizeof(jobs));
	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", argv[1], fixtures[i]);
		snprintf(fifos[i], sizeof(fifos[i]), "%s/fifo%d", dir, i);
		if (mkfifo(fifos[i], 0600) != 0) {
			perror("mkfifo");
			return 2;
		}
		jobs[i].path = paths[i];
		jobs[i].fifo = fifos[i];
		jobs[i].name = fixtures[i];
		jobs[i].threads = 2;
		jobs[i].start = &start;
	}

	/* Phase 1: two parses and their queries at once. */
	for (i = 0; i < 2; i++)
		if (pthread_create(&thr[i], NULL, phase1, &jobs[i]) != 0)
			return 2;
	for (i = 0; i < 2; i++)
		pthread_join(thr[i], NULL);
	/* Phase 2: two threads on the same table (small.txt's). */
	pgs_table_free(jobs[1].table);
	jobs[1].table = NULL;
	if (jobs[0].table) {
		jobs[1].table = jobs[0].table;
		for (i = 0; i < 2; i++)
			if (pthread_create(&thr[i], NULL, phase2, &jobs[i]) != 0)
				return 2;
		for (i = 0; i < 2; i++)
			pthread_join(thr[i], NULL);
	}

	/* The same work alone, on this thread, with one thread per parse. */
	for (i = 0; i < 2; i++) {
		struct buf file_ref = { 0 }, fifo_ref = { 0 }, shared_ref = { 0 };
		char what[256];
		struct pgs_table *t = NULL;

		parse_and_query(paths[i], NULL, fixtures[i], 1, &file_ref, &t);
		parse_and_query(paths[i], fifos[i], fixtures[i], 1, &fifo_ref, NULL);
		snprintf(what, sizeof(what), "%s: concurrent, threads=2 == alone, threads=1",
			 fixtures[i]);
		same(&jobs[i].file_out, &file_ref, what);
		snprintf(what, sizeof(what), "%s from a FIFO: concurrent, threads=2 == alone, threads=1",
			 fixtures[i]);
		same(&jobs[i].fifo_out, &fifo_ref, what);
		snprintf(what, sizeof(what), "%s: mapped file == FIFO", fixtures[i]);
		same(&file_ref, &fifo_ref, what);
		if (t) {
			query_all(t, &shared_ref, "reference");
			if (i == 0) {
				same(&jobs[0].shared_out, &shared_ref, "shared table, thread 1 == alone");
				same(&jobs[1].shared_out, &shared_ref, "shared table, thread 2 == alone");
			}
		}
		pgs_table_free(t);
		free(file_ref.p);
		free(fifo_ref.p);
		free(shared_ref.p);
	}

	pgs_table_free(jobs[0].table);
	for (i = 0; i < 2; i++) {
		free(jobs[i].file_out.p);
		free(jobs[i].fifo_out.p);
		free(jobs[i].shared_out.p);
		unlink(fifos[i]);
	}
	rmdir(dir);
	pthread_barrier_destroy(&start);
	printf("%s\n", failures ? "FAILED" : "all passed");
	return failures ? 1 : 0;
}
