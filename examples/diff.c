/* SPDX-License-Identifier: GPL-2.0-or-later */
/* diff: the five stacks that grew most between two page_owner snapshots. */
#include <stdio.h>
#include <pgsort/pgsort.h>

int main(int argc, char **argv)
{
	struct pgs_table *before = NULL, *after = NULL;
	struct pgs_query *q = NULL;
	struct pgs_diff *d = NULL;
	struct pgs_diff_group total = PGS_INIT(pgs_diff_group);
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: diff BEFORE AFTER\n");
		return 1;
	}
	err = pgs_table_open_file(&before, argv[1], NULL);
	if (!err)
		err = pgs_table_open_file(&after, argv[2], NULL);
	if (!err)
		err = pgs_query_create(&q);
	if (!err)
		err = pgs_query_set_cull(q, "stacktrace");
	if (!err)
		pgs_query_set_top(q, 5);
	/* Default order: growth first (-pages_delta). */
	if (!err)
		err = pgs_diff_run(q, before, after, NULL, &d);
	for (size_t i = 0; !err && i < pgs_diff_count(d); i++) {
		struct pgs_diff_group g = PGS_INIT(pgs_diff_group);
		struct pgs_value st = PGS_INIT(pgs_value);

		pgs_diff_group(d, i, &g);
		pgs_diff_value(d, i, "stacktrace", &st);
		printf("%+lld pages (%llu -> %llu)%s:\n%.*s\n", (long long)g.pages_delta,
		       (unsigned long long)g.pages_before, (unsigned long long)g.pages_after,
		       g.status == PGS_DIFF_NEW ? " new" : g.status == PGS_DIFF_GONE ? " gone" : "",
		       (int)st.len, st.str);
	}
	if (!err)
		err = pgs_diff_totals(d, &total);
	if (!err)
		printf("total: %+lld pages (%llu -> %llu)\n", (long long)total.pages_delta,
		       (unsigned long long)total.pages_before,
		       (unsigned long long)total.pages_after);
	if (err)
		fprintf(stderr, "pgsort: %s\n", pgs_strerror(err));
	pgs_diff_free(d);
	pgs_query_free(q);
	pgs_table_free(after);
	pgs_table_free(before);
	return err ? 1 : 0;
}
