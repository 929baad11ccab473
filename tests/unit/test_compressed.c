/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compressed input through the public API: bad/compressed.{zst,gz,xz}
 * (made by the real tools from bad/truncated-frame.txt) give the text's
 * table, from memory, a file and a pipe; pgs_table_info() names the format
 * and the compressed size (the file's size) and bytes is the text's;
 * two gzip members are the text twice; a copy cut short is PGS_E_CORRUPT
 * with an error diagnostic whose offset is where it was cut; the
 * incremental parser does not decompress (PGS_E_FORMAT).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#include <pgsort/pgsort.h>

static const char *dir;

static char *fixture(const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/bad/%s", dir, name);
	return slurp(path, len);
}

struct err_seen {
	int errors;
	uint64_t offset;
	char msg[256];
};

static void on_diag(const struct pgs_diag *d, void *user)
{
	struct err_seen *e = user;

	if (d->level != PGS_DIAG_ERROR)
		return;
	e->errors++;
	e->offset = d->offset;
	snprintf(e->msg, sizeof(e->msg), "%s", d->message);
}

struct feeder {
	int fd;
	const char *p;
	size_t len;
	unsigned times;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	unsigned i;

	for (i = 0; i < f->times; i++) {
		size_t off = 0;

		while (off < f->len) {
			ssize_t n = write(f->fd, f->p + off, f->len - off);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	close(f->fd);
	return NULL;
}

/* buf written `times` times into a pipe, read by pgs_table_open_fd(). */
static int open_pipe(struct pgs_table **t, const char *buf, size_t len, unsigned times,
		     const struct pgs_parse_opts *o)
{
	struct feeder f = { .p = buf, .len = len, .times = times };
	pthread_t tid;
	int fds[2], err;

	assert_int_equal(pipe(fds), 0);
	f.fd = fds[1];
	assert_int_equal(pthread_create(&tid, NULL, feed, &f), 0);
	err = pgs_table_open_fd(t, fds[0], o);
	close(fds[0]);
	pthread_join(tid, NULL);
	return err;
}

static void test_formats(void **state)
{
	static const char *const files[][2] = {
		{ "compressed.zst", "zstd" }, { "compressed.gz", "gzip" }, { "compressed.xz", "xz" },
	};
	struct pgs_table_info want = PGS_INIT(pgs_table_info);
	struct pgs_table *text;
	size_t tlen, i;
	char *t = fixture("truncated-frame.txt", &tlen);

	(void)state;
	assert_int_equal(pgs_table_open_mem(&text, t, tlen, NULL), 0);
	pgs_table_info(text, &want);
	assert_null(want.compression);
	assert_int_equal(want.compressed_bytes, 0);
	for (i = 0; i < 3; i++) {
		struct pgs_table_info info = PGS_INIT(pgs_table_info);
		struct pgs_table *m, *f, *p;
		char path[512];
		size_t len;
		char *c = fixture(files[i][0], &len);

		snprintf(path, sizeof(path), "%s/bad/%s", dir, files[i][0]);
		assert_int_equal(pgs_table_open_mem(&m, c, len, NULL), 0);
		assert_int_equal(pgs_table_open_file(&f, path, NULL), 0);
		assert_int_equal(open_pipe(&p, c, len, 1, NULL), 0);
		pgs_table_info(f, &info);
		assert_string_equal(info.compression, files[i][1]);
		assert_int_equal(info.compressed_bytes, len);
		assert_int_equal(info.bytes, tlen);
		assert_int_equal(info.records, want.records);
		assert_int_equal(info.pages, want.pages);
		assert_int_equal(pgs_table_count(m), want.records);
		assert_int_equal(pgs_table_count(p), want.records);
		pgs_table_info(p, &info);
		assert_int_equal(info.compressed_bytes, len);
		pgs_table_free(m);
		pgs_table_free(f);
		pgs_table_free(p);
		free(c);
	}
	pgs_table_free(text);
	free(t);
}

/* Two gzip members through a pipe: the text twice (gzip -dc's reading). */
static void test_members(void **state)
{
	struct pgs_table *t, *two;
	size_t len, tlen;
	char *c = fixture("compressed.gz", &len);
	char *x = fixture("truncated-frame.txt", &tlen);
	char *xx = malloc(2 * tlen);

	(void)state;
	memcpy(xx, x, tlen);
	memcpy(xx + tlen, x, tlen);
	assert_int_equal(pgs_table_open_mem(&two, xx, 2 * tlen, NULL), 0);
	assert_int_equal(open_pipe(&t, c, len, 2, NULL), 0);
	assert_int_equal(pgs_table_count(t), pgs_table_count(two));
	pgs_table_free(t);
	pgs_table_free(two);
	free(c);
	free(x);
	free(xx);
}

/* Cut short: PGS_E_CORRUPT, the diagnostic's offset where it was cut. */
static void test_cut(void **state)
{
	static const char *const files[] = { "compressed.zst", "compressed.gz", "compressed.xz" };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
		struct err_seen e = { 0 };
		struct pgs_table *t = NULL;
		size_t len;
		char *c = fixture(files[i], &len);

		o.diag = on_diag;
		o.diag_user = &e;
		assert_int_equal(pgs_table_open_mem(&t, c, len / 2, &o), PGS_E_CORRUPT);
		assert_null(t);
		assert_int_equal(e.errors, 1);
		assert_int_equal(e.offset, len / 2);
		assert_non_null(strstr(e.msg, "cut short"));
		free(c);
	}
}

static void test_parser_refuses(void **state)
{
	struct pgs_parser *p;
	struct pgs_table *t = NULL;
	size_t len;
	char *c = fixture("compressed.zst", &len);

	(void)state;
	assert_int_equal(pgs_parser_create(&p, NULL), 0);
	assert_int_equal(pgs_parser_feed(p, c, len) == PGS_E_FORMAT ||
			 pgs_parser_finish(p, &t) == PGS_E_FORMAT, 1);
	assert_null(t);
	pgs_parser_free(p);
	free(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_parser_refuses),
	};

	dir = argc > 1 ? argv[1] : "tests/fixtures";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
