/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the unit tests (include after cmocka.h). */
#ifndef PGS_TESTUTIL_H
#define PGS_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

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

#endif
