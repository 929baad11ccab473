/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside lib/query: what pgs_query_run() (result.c) calls in the query's
 * checks (query.c), the selection (select.c) and the grouping engine
 * (group.c). Other stages include query.h only.
 */
#ifndef PGS_QUERY_RUN_H
#define PGS_QUERY_RUN_H

#include "query.h"

/* PGS_E_NOFIELD when t lacks a field q needs (the detail filled), else 0. */
int query_check_fields(const struct pgs_query *q, const struct pgs_table *t);

/*
 * Whether the query reads the stacks' frames or what derives from them:
 * frames, modules, call sites, frames-only stacks, forms without offsets
 * (then the run makes them first: table_derive()).
 */
bool query_needs_frames(const struct pgs_query *q);
/*
 * -EOVERFLOW (the detail filled) when the input's pages times the page size
 * pass 2^64, so that no group's bytes could be told, else 0.
 */
int query_check_bytes(const struct pgs_query *q, const struct pgs_table *t);

/* Per header template: does it pass the pid/tgid/name selection? NULL: ENOMEM. */
uint8_t *select_headers(const struct pgs_query *q, const struct pgs_table *t);
/* Per stacktrace: is its module in --module's list? NULL: ENOMEM. */
uint8_t *select_stacks(const struct pgs_query *q, const struct pgs_table *t);
/* Per PFN template: is the page on a selected node? NULL: ENOMEM. */
uint8_t *select_pfns(const struct pgs_query *q, const struct pgs_table *t);
/* Per row: the filters' verdict in *out, NULL when there are no filters. */
int select_rows(const struct pgs_result *r, const struct pgs_query *q, uint8_t **out);

/*
 * Group the rows of r->t that q selects into r->g (r->ngroups, r->records,
 * r->pages), on q's threads. Returns 0 or -ENOMEM.
 */
int aggregate(struct pgs_result *r, const struct pgs_query *q);

#endif /* PGS_QUERY_RUN_H */
