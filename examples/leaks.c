/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * leaks: the five top leak suspects of snapshots given in capture order
 * (show_stacks, page_owner dumps, or with -s DICT show_handles whose
 * handles DICT, a show_stacks_handles file, resolves): pgs_series_* with
 * the default sort, the leak score first.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <pgsort/pgsort.h>

int main(int argc, char **argv)
{
	struct pgs_query *q = NULL;
	struct pgs_series *s = NULL;
	struct pgs_table *dict = NULL;
	int err = 0, i = 1;

	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		err = pgs_table_open_file(&dict, argv[2], NULL);
		i = 3;
	}
	if (argc - i < 3) {
		fprintf(stderr, "usage: leaks [-s SHOW_STACKS_HANDLES] SNAPSHOT SNAPSHOT SNAPSHOT...\n");
		return 1;
	}
	if (!err)
		err = pgs_query_create(&q);
	if (!err) {
		pgs_query_set_top(q, 5);
		err = pgs_series_create(&s, q, NULL);
	}
	for (; !err && i < argc; i++) {
		struct pgs_table *t = NULL;

		err = pgs_table_open_file(&t, argv[i], NULL);
		if (!err && dict)
			err = pgs_table_join_stacks(t, dict, NULL);
		if (!err)
			err = pgs_series_add(s, t, NAN);	/* no capture time known */
		pgs_table_free(t);	/* the series keeps what it needs */
	}
	if (!err)
		err = pgs_series_finish(s);
	for (size_t k = 0; !err && k < pgs_series_count(s); k++) {
		struct pgs_series_group g = PGS_INIT(pgs_series_group);
		struct pgs_value st = PGS_INIT(pgs_value);

		pgs_series_group(s, k, &g);
		pgs_series_value(s, k, "stacktrace", &st);
		printf("score %.2f: %+lld pages (%llu -> %llu, max %llu):\n%.*s\n", g.score,
		       (long long)g.growth, (unsigned long long)g.first,
		       (unsigned long long)g.last, (unsigned long long)g.max, (int)st.len, st.str);
	}
	if (err)
		fprintf(stderr, "pgsort: %s\n", pgs_strerror(err));
	pgs_series_free(s);
	pgs_query_free(q);
	pgs_table_free(dict);
	return err ? 1 : 0;
}
