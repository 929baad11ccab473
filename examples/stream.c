/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream: read page_owner text from standard input in small chunks, as a
 * monitoring agent reading a socket would, feed them to the incremental
 * parser, and print the totals and the three tasks holding the most pages.
 *
 *	ssh host cat /sys/kernel/debug/page_owner | ./stream
 */
#include <stdio.h>
#include <unistd.h>
#include <pgsort/pgsort.h>

static void warn(const struct pgs_diag *d, void *user)
{
	(void)user;
	fprintf(stderr, "stream: line %llu: %s\n", (unsigned long long)d->line, d->message);
}

int main(void)
{
	struct pgs_parse_opts opts = PGS_INIT(pgs_parse_opts);
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_parser *p = NULL;
	struct pgs_table *t = NULL;
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	char chunk[4096];
	ssize_t n;
	size_t i;
	int err;

	opts.diag = warn;
	err = pgs_parser_create(&p, &opts);
	while (!err && (n = read(0, chunk, sizeof(chunk))) > 0)
		err = pgs_parser_feed(p, chunk, (size_t)n);
	if (!err)
		err = pgs_parser_finish(p, &t);
	pgs_parser_free(p);
	if (!err) {
		pgs_table_info(t, &info);
		printf("%s (era %s): %llu records, %llu pages, %llu distinct stacks\n",
		       pgs_kind_name(info.kind), info.era, (unsigned long long)info.records,
		       (unsigned long long)info.pages, (unsigned long long)info.stacks);
		err = pgs_query_create(&q);
	}
	if (!err)
		err = pgs_query_set_cull(q, "pid,name");
	if (!err)
		err = pgs_query_add_sort(q, "-pages");
	if (!err)
		err = pgs_query_run(q, t, &r);
	for (i = 0; !err && i < pgs_result_count(r) && i < 3; i++) {
		struct pgs_group g = PGS_INIT(pgs_group);

		pgs_result_group(r, i, &g);
		printf("%llu pages: pid %d (%s)\n", (unsigned long long)g.pages, g.pid,
		       pgs_table_string(t, g.comm));
	}
	if (err)
		fprintf(stderr, "stream: %s\n", pgs_strerror(err));
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(t);
	return err ? 1 : 0;
}
