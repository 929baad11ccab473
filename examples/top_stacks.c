/* SPDX-License-Identifier: GPL-2.0-or-later */
/* top_stacks: the five stacks holding the most pages (the example of pgsort.h). */
#include <stdio.h>
#include <pgsort/pgsort.h>

int main(int argc, char **argv)
{
	struct pgs_table *t = NULL;
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	int err;

	if (argc < 2)
		return 1;
	err = pgs_table_open_file(&t, argv[1], NULL);
	if (!err)
		err = pgs_query_create(&q);
	if (!err)
		err = pgs_query_set_cull(q, "stacktrace");
	if (!err)
		err = pgs_query_add_sort(q, "-pages");
	if (!err)
		err = pgs_query_run(q, t, &r);
	for (size_t i = 0; !err && i < pgs_result_count(r) && i < 5; i++) {
		struct pgs_group g = PGS_INIT(pgs_group);

		pgs_result_group(r, i, &g);
		printf("%llu pages in %llu blocks:\n%s\n",
		       (unsigned long long)g.pages,
		       (unsigned long long)g.times,
		       pgs_table_string(t, g.stacktrace));
	}
	if (err)
		fprintf(stderr, "pgsort: %s\n", pgs_strerror(err));
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(t);
	return err ? 1 : 0;
}
