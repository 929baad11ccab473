/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading a live kernel file (lib/parse/parallel.c's read_job): read() is
 * wrapped to behave like /sys/kernel/debug/page_owner (formats.md 2.1): one
 * record per read(), formatted into min(count, PAGE_SIZE) bytes, ENOMEM when
 * it does not fit, nothing consumed by a read that fails. The file is
 * real/small.txt REPEAT times over, longer than one 8 MiB read buffer (the
 * buffer's free tail then shrinks below a record: issue 13's ENOMEM); the
 * figures a correct read must give are REPEAT times its row of
 * tests/fixtures/expected.tsv.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#include <pgsort/pgsort.h>

static const char *dir;

#define REPEAT 50

/* The simulated file. */
static struct sim {
	int fd;			/* reads of this fd are simulated */
	const char *text;
	size_t len, pos;
	size_t clamp;		/* the kernel's PAGE_SIZE; 0: no clamp */
	size_t kmalloc_max;	/* a larger count fails (no clamp), 0: none */
	size_t least;		/* the smallest count a read offered */
	unsigned long reads, enomem;
} sim;

ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count);

ssize_t __wrap_read(int fd, void *buf, size_t count)
{
	const char *end;
	size_t rec;

	if (fd != sim.fd)
		return __real_read(fd, buf, count);
	sim.reads++;
	if (count < sim.least)
		sim.least = count;
	if (sim.pos == sim.len)
		return 0;
	/* The record: up to its blank line (a plain loop: ASan's strstr scans
	 * the whole rest of the text on every call). */
	for (end = sim.text + sim.pos; end + 1 < sim.text + sim.len; end++)
		if (end[0] == '\n' && end[1] == '\n')
			break;
	rec = end + 1 < sim.text + sim.len ? (size_t)(end - (sim.text + sim.pos)) + 2 :
					      sim.len - sim.pos;
	if (sim.clamp && count > sim.clamp)
		count = sim.clamp;
	/* The kernel's `if (ret >= count) goto err;` after snprintf. */
	if ((sim.kmalloc_max && count > sim.kmalloc_max) || rec >= count) {
		sim.enomem++;
		errno = ENOMEM;
		return -1;
	}
	memcpy(buf, sim.text + sim.pos, rec);
	sim.pos += rec;
	return (ssize_t)rec;
}

struct log {
	char text[4096];
	size_t n;
};

static void keep(const struct pgs_diag *d, void *user)
{
	struct log *l = user;

	if (d->level != PGS_DIAG_ERROR)
		return;
	l->n += (size_t)snprintf(l->text + l->n, sizeof(l->text) - l->n, "%s\n", d->message);
	if (l->n >= sizeof(l->text))
		l->n = sizeof(l->text) - 1;
}

static char *text;
static size_t text_len;
static unsigned long long want_records, want_pages;

static int setup(void **state)
{
	char path[4096], line[1024];
	FILE *tsv;

	char *one;
	size_t one_len, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/real/small.txt", dir);
	one = slurp(path, &one_len);
	text_len = one_len * REPEAT;
	assert_true(text_len > (size_t)9 << 20);
	text = malloc(text_len + 1);
	assert_non_null(text);
	for (i = 0; i < REPEAT; i++)
		memcpy(text + i * one_len, one, one_len);
	text[text_len] = '\0';
	free(one);
	snprintf(path, sizeof(path), "%s/expected.tsv", dir);
	tsv = fopen(path, "r");
	assert_non_null(tsv);
	while (fgets(line, sizeof(line), tsv))
		if (sscanf(line, "real/small.txt page_owner %*s %llu %llu", &want_records,
			   &want_pages) == 2)
			break;
	fclose(tsv);
	assert_true(want_records > 0 && want_pages > 0);
	want_records *= REPEAT;
	want_pages *= REPEAT;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(text);
	return 0;
}

/* Open the simulated file; returns pgs_table_open_fd()'s result. */
static int read_sim(size_t clamp, size_t kmalloc_max, unsigned threads, struct log *log,
		    struct pgs_table **t)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	int err;

	memset(&sim, 0, sizeof(sim));
	/* A real fd, readable for poll(); its reads never reach the kernel. */
	sim.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(sim.fd >= 0);
	sim.text = text;
	sim.len = text_len;
	sim.clamp = clamp;
	sim.kmalloc_max = kmalloc_max;
	sim.least = SIZE_MAX;
	o.threads = threads;
	o.diag = keep;
	o.diag_user = log;
	o.name = "page_owner";
	*t = NULL;
	err = pgs_table_open_fd(t, sim.fd, &o);
	close(sim.fd);
	return err;
}

static void assert_whole(const struct pgs_table *t)
{
	struct pgs_table_info ti = PGS_INIT(pgs_table_info);

	pgs_table_info(t, &ti);
	assert_int_equal(ti.records, want_records);
	assert_int_equal(ti.pages, want_pages);
	assert_int_equal(ti.bytes, text_len);
	assert_int_equal(ti.skipped, 0);
}

/* A 6.x kernel: every read offers at least a page; no ENOMEM at all. */
static void test_clamped(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned threads;

	(void)state;
	for (threads = 1; threads <= 2; threads++) {
		struct log log = { .n = 0 };
		struct pgs_table *t;

		assert_int_equal(read_sim(page, 0, threads, &log, &t), 0);
		assert_whole(t);
		assert_true(sim.least >= page);
		assert_int_equal(sim.enomem, 0);
		/* One read per record, and one or two that say EOF. */
		assert_in_range(sim.reads, want_records + 1, want_records + 2);
		pgs_table_free(t);
	}
}

/*
 * An older kernel that allocates the count asked for: a read of more than
 * kmalloc can give fails; the retry offers less, and so does every read
 * after it.
 */
static void test_unclamped(void **state)
{
	struct log log = { .n = 0 };
	struct pgs_table *t;

	(void)state;
	assert_int_equal(read_sim(0, 4 << 20, 2, &log, &t), 0);
	assert_whole(t);
	assert_int_equal(sim.enomem, 1);
	assert_in_range(sim.reads, want_records + 2, want_records + 3);
	pgs_table_free(t);
}

/* A record that no room fits: a clear error, not "Cannot allocate memory". */
static void test_never_fits(void **state)
{
	struct log log = { .n = 0 };
	struct pgs_table *t;

	(void)state;
	/* Every record of small.txt is longer than 64 bytes. */
	assert_int_equal(read_sim(64, 0, 2, &log, &t), -EMSGSIZE);
	assert_null(t);
	assert_non_null(strstr(log.text, "after byte 0, read() failed with ENOMEM even when "
				       "offered 1048576 bytes"));
	/* Each retry doubled the room, from a page to 1 MiB, then gave up. */
	{
		size_t room = (size_t)sysconf(_SC_PAGESIZE);
		unsigned long tries = 1;

		for (; room < (1 << 20); room *= 2)
			tries++;
		assert_int_equal(sim.enomem, tries);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clamped),
		cmocka_unit_test(test_unclamped),
		cmocka_unit_test(test_never_fits),
	};

	dir = argc > 1 ? argv[1] : "tests/fixtures";
	return cmocka_run_group_tests_name("read", tests, setup, teardown);
}
