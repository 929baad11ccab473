/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A time series of snapshots: one query run on each table as it is added,
 * its groups matched across samples by match_key() (the diff's), their
 * pages kept per sample. Tables are not kept: only each group's key bytes
 * (which hold the texts of its string values) and its pages.
 */
#ifndef PGS_SERIES_H
#define PGS_SERIES_H

#include "../query/diff.h"

/* Series-only sort keys. */
enum skey_id { S_SCORE, S_GROWTH, S_FIRST, S_LAST, S_MIN, S_MAX, S__END };

struct ssort {
	int id;		/* enum skey_id */
	int sign;	/* 1 ascending, -1 descending */
};

struct sgroup {
	size_t koff, klen;		/* its match_key() bytes in keys */
	uint64_t *pages;		/* scap values, 0 where absent */
	struct pgs_series_group st;	/* after finish */
};

struct pgs_series {
	struct pgs_allocator alloc;
	const struct pgs_allocator *al;
	const struct pgs_query *q;
	keyset cull;
	enum pgs_kind kind;
	uint64_t page_size;
	struct ssort *sort;
	size_t nsort;
	struct buf keys;
	struct sgroup *g;
	size_t ng, gcap;
	uint32_t *slots;		/* group + 1, 0 empty */
	uint32_t *hash;			/* by group */
	size_t mask;
	double *times;			/* by sample */
	uint64_t *totals;		/* by sample: pages the query selected */
	size_t ns, scap;
	/* pgs_series_add_stacks(): the maps, and by handle its group + 1. */
	const struct pgs_table **maps;
	size_t nmaps;
	uint32_t *hslots;		/* (handle, group + 1) pairs, open addressing */
	size_t hmask, nh;
	uint32_t *order;		/* groups in sort order */
	size_t n;			/* shown */
	bool finished;
};

static inline const struct sgroup *series_group(const struct pgs_series *s, size_t i)
{
	return &s->g[s->order[i]];
}

/* The name of a series sort key. */
const char *skey_name(int id);

/*
 * The value of cull key k in key bytes [p, p + len) as match_key() wrote
 * them (for the keys of cull in id order) into *v; false when k is not
 * among them.
 */
bool series_key_value(keyset cull, const char *p, size_t len, enum key_id k,
		      struct pgs_value *v);

struct writer;
/* The svg or html line chart of s (chart.c). */
void series_chart(struct writer *w, const struct pgs_series *s, const struct pgs_write_opts *o);

#endif /* PGS_SERIES_H */
