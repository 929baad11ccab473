/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A mapped file truncated while it is parsed (issue 13): pgs_table_open_file
 * returns PGS_E_CHANGED, with an error diagnostic at the offset where the
 * file now ends, and no crash (SIGBUS) and no leak (run it under ASan).
 *
 * The truncation comes from inside the parse: the allocator hook truncates
 * the file on its Nth call, on whichever thread makes it. Files are real
 * blocks (real/small.txt) repeated: 3 MiB (parsed on the calling thread)
 * and 40 MiB with threads=2 (the worker pool). Each is cut to 0, 4096, a
 * third, two thirds, and 100 bytes short of its end (inside its last page:
 * no fault, only fstat tells).
 *
 * Politeness: a SIGBUS handler of the test's own is installed first (in
 * each test: cmocka puts its own around every test). It
 * must be back after every parse; a fault in a mapping that is not the
 * library's, made during a parse, must reach it; with PGS_PARSE_NO_MMAP
 * the library must not touch SIGBUS at all.
 *
 * Two parses at once, one truncated: only that one fails, the other's
 * records are all there, and the handler comes back after both.
 *
 * Usage: test_changed FIXTURES_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pgsort/pgsort.h>

static const char *fixtures;
static char path[] = "/tmp/pgsort-changed-XXXXXX";
static char other_path[] = "/tmp/pgsort-other-XXXXXX";

/* The allocator hook's plan: on call `at`, do `what`. */
enum action { NOTHING, TRUNCATE, FOREIGN_FAULT, CHECK_HANDLER };
static struct {
	long calls, at;
	enum action what;
	off_t size;
	int done;
	int handler_seen;	/* CHECK_HANDLER: ours was in place (1) or not (2) */
	int only_thread;	/* act only on the thread `thread` */
	pthread_t thread;
} plan;

static void *a_malloc(size_t n, void *u);

/* ---- the test's own SIGBUS handler ---- */

static volatile sig_atomic_t own_calls;
static sigjmp_buf own_jmp;

static void own_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	own_calls++;
	siglongjmp(own_jmp, 1);
}

static void install_own(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = own_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGBUS, &sa, NULL), 0);
}

static int own_in_place(void)
{
	struct sigaction cur;

	sigaction(SIGBUS, NULL, &cur);
	return (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == own_handler;
}

/* Read a page of a file of the test's own past its end: a real SIGBUS. */
static void foreign_fault(void)
{
	int fd = open(other_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	volatile const char *m;

	if (fd < 0 || ftruncate(fd, 8192) != 0)
		abort();
	m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || ftruncate(fd, 0) != 0)
		abort();
	if (sigsetjmp(own_jmp, 1) == 0)
		(void)m[4096];
	munmap((void *)m, 8192);
	close(fd);
}

static void act(void)
{
	if (plan.only_thread &&
	    !pthread_equal(pthread_self(), __atomic_load_n(&plan.thread, __ATOMIC_SEQ_CST)))
		return;
	if (__atomic_add_fetch(&plan.calls, 1, __ATOMIC_SEQ_CST) != plan.at ||
	    __atomic_exchange_n(&plan.done, 1, __ATOMIC_SEQ_CST))
		return;
	switch (plan.what) {
	case TRUNCATE:
		if (truncate(path, plan.size) != 0)
			abort();
		break;
	case FOREIGN_FAULT:
		foreign_fault();
		break;
	case CHECK_HANDLER:
		plan.handler_seen = own_in_place() ? 1 : 2;
		break;
	case NOTHING:
		break;
	}
}

static void *a_malloc(size_t n, void *u)
{
	(void)u;
	act();
	return malloc(n);
}

static void *a_realloc(void *p, size_t n, void *u)
{
	(void)u;
	act();
	return realloc(p, n);
}

static void a_free(void *p, void *u)
{
	(void)u;
	free(p);
}

static const struct pgs_allocator hook = { a_malloc, a_realloc, a_free, NULL };

/* ---- diagnostics ---- */

static struct {
	int errors;
	uint64_t offset;
	char msg[400];
} seen;

static void on_diag(const struct pgs_diag *d, void *user)
{
	(void)user;
	if (d->level != PGS_DIAG_ERROR)
		return;
	seen.errors++;
	seen.offset = d->offset;
	snprintf(seen.msg, sizeof(seen.msg), "%s", d->message);
}

/* p := real/small.txt repeated until at least size bytes. */
static off_t make_file_at(const char *p, size_t size)
{
	char src[4096];
	FILE *in, *out;
	char *text;
	size_t n, done = 0;
	struct stat st;

	snprintf(src, sizeof(src), "%s/real/small.txt", fixtures);
	in = fopen(src, "rb");
	assert_non_null(in);
	assert_int_equal(fstat(fileno(in), &st), 0);
	text = malloc((size_t)st.st_size);
	assert_non_null(text);
	n = fread(text, 1, (size_t)st.st_size, in);
	assert_int_equal(n, (size_t)st.st_size);
	fclose(in);
	out = fopen(p, "wb");
	assert_non_null(out);
	while (done < size) {
		assert_int_equal(fwrite(text, 1, n, out), n);
		done += n;
	}
	fclose(out);
	free(text);
	return (off_t)done;
}

static off_t make_file(size_t size)
{
	return make_file_at(path, size);
}

static int parse(unsigned threads, unsigned flags, struct pgs_table **t)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);

	o.diag = on_diag;
	o.allocator = &hook;
	o.threads = threads;
	o.flags = flags;
	memset(&seen, 0, sizeof(seen));
	*t = NULL;
	return pgs_table_open_file(t, path, &o);
}

static void truncated_at(size_t size, unsigned threads, long at)
{
	off_t full = make_file(size);
	off_t cuts[] = { 0, 4096, full / 3, 2 * full / 3, full - 100 };
	size_t i;

	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct pgs_table *t;
		struct stat st;
		int err;

		make_file(size);
		memset(&plan, 0, sizeof(plan));
		plan.what = TRUNCATE;
		plan.at = at;
		plan.size = cuts[i];
		own_calls = 0;
		err = parse(threads, 0, &t);
		assert_int_equal(stat(path, &st), 0);
		if (st.st_size != cuts[i])
			fail_msg("the hook did not truncate (%ld calls)", plan.calls);
		if (err != PGS_E_CHANGED)
			fail_msg("size %zu threads %u cut at %lld: err %d (%s), want PGS_E_CHANGED",
				 size, threads, (long long)cuts[i], err, pgs_strerror(err));
		assert_null(t);
		assert_int_equal(seen.errors, 1);
		assert_int_equal(seen.offset, (uint64_t)cuts[i]);
		assert_non_null(strstr(seen.msg, "changed while being read at byte"));
		assert_int_equal(own_calls, 0);
		assert_true(own_in_place());
	}
}

static void test_truncated_serial(void **state)
{
	(void)state;
	install_own();
	truncated_at((size_t)3 << 20, 1, 40);
}

/*
 * Late in the parse of the one range, but before its end: the parse of
 * this file makes about 105 allocations in all (the last ones after the
 * last check of the file's size), so a cut at a later call would come
 * after the reading and rightly not count.
 */
static void test_truncated_serial_late(void **state)
{
	(void)state;
	install_own();
	truncated_at((size_t)3 << 20, 1, 80);
}

static void test_truncated_pool(void **state)
{
	(void)state;
	install_own();
	truncated_at((size_t)40 << 20, 2, 60);
}

/* The same file, not truncated, parses; the handler is ours again after. */
static void test_unchanged(void **state)
{
	struct pgs_table *t;

	(void)state;
	install_own();
	make_file((size_t)3 << 20);
	memset(&plan, 0, sizeof(plan));
	plan.what = CHECK_HANDLER;
	plan.at = 40;
	assert_int_equal(parse(1, 0, &t), 0);
	assert_non_null(t);
	pgs_table_free(t);
	/* During the mapped parse the library's handler was in place... */
	assert_int_equal(plan.handler_seen, 2);
	/* ...and after it, ours is back. */
	assert_true(own_in_place());
}

/* A fault in another mapping during the parse reaches the program's handler. */
static void test_foreign_fault(void **state)
{
	struct pgs_table *t;

	(void)state;
	install_own();
	make_file((size_t)3 << 20);
	memset(&plan, 0, sizeof(plan));
	plan.what = FOREIGN_FAULT;
	plan.at = 40;
	own_calls = 0;
	assert_int_equal(parse(1, 0, &t), 0);
	assert_int_equal(plan.done, 1);
	assert_int_equal(own_calls, 1);
	pgs_table_free(t);
	assert_true(own_in_place());
}

/* PGS_PARSE_NO_MMAP: read(), SIGBUS left alone; a truncated file is short. */
static void test_no_mmap(void **state)
{
	struct pgs_table *t;
	struct pgs_table_info info = PGS_INIT(pgs_table_info);

	(void)state;
	install_own();
	make_file((size_t)3 << 20);
	memset(&plan, 0, sizeof(plan));
	plan.what = CHECK_HANDLER;
	plan.at = 40;
	assert_int_equal(parse(1, PGS_PARSE_NO_MMAP, &t), 0);
	assert_int_equal(plan.handler_seen, 1);
	pgs_table_info(t, &info);
	assert_true(info.records > 0);
	pgs_table_free(t);
}

/* ---- two parses at once, one of them truncated ---- */

struct job {
	const char *file;
	int truncated;		/* the hook acts on this one's thread */
	pthread_t thr;
	int err;
	uint64_t records;
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct pgs_table *t = NULL;

	o.allocator = &hook;
	o.threads = 1;
	if (j->truncated)
		__atomic_store_n(&plan.thread, pthread_self(), __ATOMIC_SEQ_CST);
	j->err = pgs_table_open_file(&t, j->file, &o);
	if (!j->err) {
		struct pgs_table_info info = PGS_INIT(pgs_table_info);

		pgs_table_info(t, &info);
		j->records = info.records;
	}
	pgs_table_free(t);
	return NULL;
}

/* Blocks in a file: its lines that start a header, counted here. */
static uint64_t count_headers(const char *p)
{
	FILE *f = fopen(p, "r");
	char line[8192];
	uint64_t n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strncmp(line, "Page allocated via order ", 25) == 0;
	fclose(f);
	return n;
}

static void test_concurrent(void **state)
{
	char other[] = "/tmp/pgsort-changed-b-XXXXXX";
	struct job a = { .file = path, .truncated = 1 }, b = { .file = other };
	uint64_t want;
	int fd;

	(void)state;
	install_own();
	fd = mkstemp(other);
	assert_true(fd >= 0);
	close(fd);
	make_file((size_t)3 << 20);
	make_file_at(other, (size_t)3 << 20);
	want = count_headers(other);
	memset(&plan, 0, sizeof(plan));
	plan.what = TRUNCATE;
	plan.at = 40;
	plan.size = 4096;
	plan.only_thread = 1;
	plan.thread = pthread_self();	/* a's own, once it runs */
	assert_int_equal(pthread_create(&a.thr, NULL, run_job, &a), 0);
	assert_int_equal(pthread_create(&b.thr, NULL, run_job, &b), 0);
	pthread_join(a.thr, NULL);
	pthread_join(b.thr, NULL);
	unlink(other);
	assert_int_equal(plan.done, 1);
	assert_int_equal(a.err, PGS_E_CHANGED);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.records, want);
	assert_true(own_in_place());
}

/*
 * Under valgrind the main thread's stack grows only into a reservation that
 * a large mmap may take; a SIGBUS frame then cannot be pushed ("Can't
 * extend stack ... during signal delivery"). Grow it first, by 1 MiB.
 */
static void __attribute__((noinline)) grow_stack(void)
{
	volatile char pad[1 << 20];

	pad[0] = 0;
	pad[sizeof(pad) - 1] = 0;
	for (size_t i = 0; i < sizeof(pad); i += 4096)
		pad[i] = 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated_serial),
		cmocka_unit_test(test_truncated_serial_late),
		cmocka_unit_test(test_truncated_pool),
		cmocka_unit_test(test_unchanged),
		cmocka_unit_test(test_foreign_fault),
		cmocka_unit_test(test_no_mmap),
		cmocka_unit_test(test_concurrent),
	};
	int fd, rc;

	grow_stack();
	if (argc < 2) {
		fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
		return 2;
	}
	fixtures = argv[1];
	fd = mkstemp(path);
	if (fd < 0 || (close(fd), (fd = mkstemp(other_path)) < 0))
		return 2;
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	unlink(other_path);
	return rc;
}
