/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A snapshot diff: one query run on two tables, the groups of both matched
 * by the texts of their cull-key values (string ids mean nothing across
 * tables), in the diff's sort order.
 */
#ifndef PGS_DIFF_H
#define PGS_DIFF_H

#include "query.h"

/* Diff-only sort keys, numbered after the query's keys. */
enum dkey_id {
	D_PAGES_BEFORE = K__COUNT, D_PAGES_AFTER, D_PAGES_DELTA,
	D_TIMES_BEFORE, D_TIMES_AFTER, D_TIMES_DELTA,
	D__END
};

#define D_NONE UINT32_MAX

/* One group of the diff: its group in each result, D_NONE if absent. */
struct dgroup {
	uint32_t g[2];		/* [0] before, [1] after: index into r[x]->g */
	uint64_t pages[2], times[2];
};

struct dsort {
	int id;		/* enum key_id or enum dkey_id */
	int sign;	/* 1 ascending, -1 descending */
};

struct pgs_diff {
	struct pgs_allocator alloc;
	const struct pgs_allocator *al;	/* &alloc or NULL: the AFTER table's hook */
	struct pgs_result *r[2];	/* [0] before, [1] after (owned) */
	struct dgroup *g;		/* AFTER's groups, then those only in BEFORE */
	size_t ngroups;
	uint32_t *order;		/* g indexes in sort order */
	size_t n;			/* groups shown (after min_pages and top) */
	struct dsort *sort;
	size_t nsort;
	keyset cull;			/* KEY_BIT(enum key_id) */
	size_t nnew, ngone, ngrew, nshrank, nsame;	/* over all groups */
};

static inline const struct dgroup *diff_group(const struct pgs_diff *d, size_t i)
{
	return &d->g[d->order[i]];
}

/* Which side speaks for group x: after when it is there, else before. */
static inline int dgroup_side(const struct dgroup *x)
{
	return x->g[1] != D_NONE;
}

/* The result and the group that speak for x. */
static inline const struct group *dgroup_rep(const struct pgs_diff *d, const struct dgroup *x,
					     const struct pgs_result **r)
{
	int s = dgroup_side(x);

	*r = d->r[s];
	return &d->r[s]->g[x->g[s]];
}

/*
 * Append to kb the bytes that name row's group across tables: for each cull
 * key in id order its kv_type byte, then a number's 8 bytes or a string's
 * length (8 bytes) and text. The series (lib/series) matches groups by it too.
 */
int match_key(const struct pgs_allocator *al, const struct pgs_result *r, keyset cull,
	      size_t row, struct buf *kb);

/* The name of a diff sort key ("pages_delta", or a query key's long name). */
const char *dkey_name(int id);

#endif /* PGS_DIFF_H */
