/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the unit tests (include after cmocka.h). */
#ifndef PGS_TESTUTIL_H
#define PGS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file at path, malloc'ed (one spare byte); *len its size. */
static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * An allocator hook (struct pgs_allocator's functions, user = a struct
 * failing) that fails its fail_at-th call, 0: never; calls counts them.
 */
struct failing {
	unsigned long calls, fail_at;
};

static inline void *f_malloc(size_t n, void *u)
{
	struct failing *f = u;

	return ++f->calls == f->fail_at ? NULL : malloc(n);
}

static inline void *f_realloc(void *p, size_t n, void *u)
{
	struct failing *f = u;

	return ++f->calls == f->fail_at ? NULL : realloc(p, n);
}

static inline void f_free(void *p, void *u)
{
	(void)u;
	free(p);
}

/*
 * A pgs_write_fn that gathers the output in s (malloc'ed, NUL-terminated;
 * free it). fail_after > 0 fails the call that would pass that many bytes.
 */
struct membuf {
	char *s;
	size_t len;
	size_t fail_after;
};

/* Empty b for the next output, freeing what it held. */
static inline void membuf_reset(struct membuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = 0;
}

static inline int membuf_sink(const void *p, size_t n, void *user)
{
	struct membuf *b = user;

	if (b->fail_after && b->len + n > b->fail_after)
		return -1;
	b->s = realloc(b->s, b->len + n + 1);
	assert_non_null(b->s);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

#endif
