/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * record: take a snapshot of the live kernel's page_owner (what `pgsort
 * record` does), then read it back and print what it holds: its metadata
 * and the three stacks holding the most pages. As root:
 *
 *	./record snap.zst [NODELIST [DEBUGFS]]
 *
 * zstd -dc snap.zst gives the kernel's text; pgsort snap.zst reports on it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <pgsort/pgsort.h>

static void say(const struct pgs_diag *d, void *user)
{
	(void)user;
	fprintf(stderr, "record: %s\n", d->message);
}

int main(int argc, char **argv)
{
	struct pgs_record_opts ro = PGS_INIT(pgs_record_opts);
	struct pgs_record_info ri = PGS_INIT(pgs_record_info);
	struct pgs_parse_opts po = PGS_INIT(pgs_parse_opts);
	struct pgs_group g = PGS_INIT(pgs_group);
	struct pgs_table *t = NULL;
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	size_t i;
	int fd, err;

	if (argc < 2) {
		fprintf(stderr, "usage: record SNAPSHOT [NODELIST [DEBUGFS]]\n");
		return 1;
	}
	ro.nodes = argc > 2 ? argv[2] : NULL;
	ro.debugfs = argc > 3 ? argv[3] : NULL;
	ro.diag = say;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 3;
	}
	err = pgs_record(fd, &ro, &ri);
	if (close(fd) < 0 && !err)
		err = -1;
	if (err) {
		fprintf(stderr, "record: %s\n", pgs_strerror(err));
		return 2;
	}
	printf("%s: %llu records, %llu bytes of text, %s\n", ri.source,
	       (unsigned long long)ri.records, (unsigned long long)ri.bytes,
	       ri.kernel_filtered < 0 ? "no selection" :
	       ri.kernel_filtered ? "selected by the kernel" : "selected in user space");

	po.diag = say;
	err = pgs_table_open_file(&t, argv[1], &po);
	if (!err) {
		fputs(pgs_table_snapshot(t), stdout);
		err = pgs_query_create(&q);
	}
	if (!err)
		err = pgs_query_set_cull(q, "stacktrace");
	if (!err)
		err = pgs_query_add_sort(q, "-pages");
	if (!err)
		err = pgs_query_run(q, t, &r);
	for (i = 0; !err && i < 3 && i < pgs_result_count(r); i++) {
		err = pgs_result_group(r, i, &g);
		if (!err)
			printf("%llu pages in %llu records:\n%s\n", (unsigned long long)g.pages,
			       (unsigned long long)g.times, pgs_table_string(t, g.stacktrace));
	}
	if (err)
		fprintf(stderr, "record: %s\n", pgs_strerror(err));
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(t);
	return err ? 2 : 0;
}
