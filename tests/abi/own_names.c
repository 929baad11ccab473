/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A program that defines functions named as libpgsort's internal ones
 * (buf_put, table_create, each_item), with other signatures, and uses the
 * library: it must link statically against libpgsort.a (whose internal
 * symbols are local) and each side must call its own functions.
 * Usage: own_names DUMP; prints the program's three results and the table's
 * records and pages.
 */
#include <stdio.h>
#include <pgsort/pgsort.h>

int buf_put(int x);
int table_create(const char *s);
int each_item(int a, int b);

int buf_put(int x)
{
	return x + 1;
}

int table_create(const char *s)
{
	return s[0];
}

int each_item(int a, int b)
{
	return a * b;
}

int main(int argc, char **argv)
{
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_table *t = NULL;
	int err;

	if (argc != 2)
		return 1;
	printf("mine: %d %d %d\n", buf_put(41), table_create("A"), each_item(6, 7));
	err = pgs_table_open_file(&t, argv[1], NULL);
	if (err) {
		fprintf(stderr, "own_names: %s: %s\n", argv[1], pgs_strerror(err));
		return 2;
	}
	pgs_table_info(t, &info);
	printf("%llu records, %llu pages\n", (unsigned long long)info.records,
	       (unsigned long long)info.pages);
	pgs_table_free(t);
	return 0;
}
