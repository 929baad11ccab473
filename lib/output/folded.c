/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * FlameGraph's folded stacks, as stackcollapse-pageowner.pl makes them:
 * one line per distinct stack, "root;...;leaf WEIGHT", the lines of groups
 * that fold to the same stack summed (offsets cut, or a grouping finer
 * than the stack). Lines come in the result's order of their first group,
 * so --sort and --top still decide what comes first.
 */

#include "fold.h"

void write_folded(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	unsigned flags = o->flags & PGS_WRITE_KEEP_OFFSETS ? 0 : FOLD_STRIP;
	struct fold_frames f = { .al = w->al };
	struct fold_set set;
	char *line = NULL;
	size_t len, cap = 0, i;
	int err;

	err = fold_set_init(&set, w->al);
	for (i = 0; !err && i < r->n; i++) {
		const struct group *g = result_group(r, i);
		uint64_t wt[FOLD_NW] = { fold_weight(r, g, o->weight), 0 };

		len = 0;
		err = fold_frames(r, g->first, flags, &f);
		if (!err)
			err = fold_join(r, &f, &line, &len, &cap);
		if (!err)
			err = fold_set_add(&set, line, len, wt);
	}
	for (i = 1; !err && i < fold_set_count(&set) && !w->err; i++) {
		w_put(w, strpool_str(&set.lines, (uint32_t)i), strpool_len(&set.lines, (uint32_t)i));
		w_put(w, " ", 1);
		w_u64(w, set.w[i][0]);
		w_put(w, "\n", 1);
	}
	if (err)
		w->err = err;
	fold_set_fini(&set);
	fold_frames_free(&f);
	pgs__free(w->al, line);
}
