/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGS_QUERY_H
#define PGS_QUERY_H

#include "../table/table.h"

enum key_id {
	K_PID, K_TGID, K_NAME, K_STACKTRACE, K_TXT, K_ALLOC_TS, K_ALLOCATOR,
	K_FREE_TS, K_FREE, K_TIMES, K_PAGES, K__COUNT
};

#define KEY_CULL 0x1u	/* may group */
#define KEY_SORT 0x2u	/* may order */

struct key_def {
	const char *short_name, *long_name;
	enum key_id id;
	unsigned use;
	const char *help;
};

/* The key named s[0..len) (short or long name), NULL if none. */
const struct key_def *key_lookup(const char *s, size_t len);
const struct key_def *key_by_id(enum key_id id);
extern const struct key_def pgs_keys[K__COUNT];

struct sort_key {
	enum key_id id;
	int sign;	/* 1 ascending, -1 descending */
};

/* What a query asks, copied into its result so that output needs only it. */
struct query_spec {
	unsigned cull;		/* 1u << enum key_id */
	struct sort_key *sort;
	size_t nsort;
	bool sel_pid, sel_tgid, sel_name, unreleased;
};

struct pgs_query {
	struct query_spec s;
	size_t sort_cap;
	int32_t *pids, *tgids;
	size_t npids, ntgids, pids_cap, tgids_cap;
	char **names;
	size_t nnames, names_cap;
	unsigned threads;	/* 0: online CPUs */
};

struct group {
	uint64_t times, pages;
	size_t first;		/* first row, in input order */
	uint64_t ts_min;
};

struct pgs_result {
	const struct pgs_table *t;
	struct query_spec s;	/* sort points into sort_copy */
	struct sort_key *sort_copy;
	bool ts_in_txt;		/* first sort key is alloc_ts: keep ts digits */
	struct group *g;	/* in order of first appearance */
	uint32_t *order;	/* g indexes in sort order */
	size_t n;
	uint64_t records, pages;
	char *txt;		/* rendered block texts, only for the txt key */
	size_t *txt_off;	/* by group, into txt */
	size_t txt_len, txt_cap;
};

/* Group i of the result in sort order. */
static inline const struct group *result_group(const struct pgs_result *r, size_t i)
{
	return &r->g[r->order[i]];
}

/*
 * Render the block text of row i as page_owner_sort compares and prints it:
 * the header (ts digits cut unless with_ts) then the stacktrace.
 * Appends to *buf; returns 0 or -ENOMEM.
 */
int render_txt(const struct pgs_table *t, size_t i, bool with_ts,
	       char **buf, size_t *len, size_t *cap);

/* page_owner_sort's allocator text: "CMA SLAB " ... with trailing space. */
const char *allocator_label(uint32_t bits, char *out, size_t outsz);

#endif /* PGS_QUERY_H */
