/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Results: pgs_query_run() checks the query against the table, groups
 * (group.c), then sorts the groups, with first appearance as the last
 * tie-break so that equal groups always come out in the same order
 * (page_owner_sort's qsort is unstable), and keeps min_pages and top; the
 * pgs_result_*() accessors read the groups.
 */
#include <stdlib.h>	/* qsort_r */

#include "run.h"
#include "value.h"

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* Group a against b on a per-row key: the values of their first rows. */
static int cmp_value(const struct pgs_result *r, enum key_id id, size_t ia, size_t ib)
{
	return key_cmp(&r->kc, ia, &r->kc, ib, id);
}

static int cmp_key(const struct pgs_result *r, enum key_id id,
		   const struct group *a, const struct group *b)
{
	switch (id) {
	case K_TIMES:
		return cmp_u64(a->times, b->times);
	case K_PAGES:
	case K_BYTES:
		return cmp_u64(a->pages, b->pages);
	case K_TXT:
		return strcmp(r->txt + r->txt_off[a - r->g], r->txt + r->txt_off[b - r->g]);
	case K_ALLOC_TS:
		return cmp_u64(a->ts_min, b->ts_min);
	default:
		return cmp_value(r, id, a->first, b->first);
	}
}

/* Sorts group indexes: a 4-byte element keeps qsort's buffer small. */
static int cmp_groups(const void *pa, const void *pb, void *arg)
{
	const struct pgs_result *r = arg;
	const struct group *a = &r->g[*(const uint32_t *)pa], *b = &r->g[*(const uint32_t *)pb];
	size_t i;

	for (i = 0; i < r->s.nsort; i++) {
		int c = cmp_key(r, r->s.sort[i].id, a, b);

		if (c)
			return c * r->s.sort[i].sign;
	}
	return cmp_u64(a->first, b->first);
}


/* Keep the groups of at least min_pages, then the first top of them. */
static void trim(struct pgs_result *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->ngroups; i++)
		if (r->g[r->order[i]].pages >= r->s.min_pages)
			r->order[n++] = r->order[i];
	r->n = r->s.top && r->s.top < n ? r->s.top : n;
}


static int query_run(const struct pgs_query *q, const struct pgs_table *t,
		     struct pgs_result **out)
{
	static const struct sort_key by_times = { K_TIMES, -1 };
	static const struct sort_key by_pages = { K_PAGES, -1 };
	struct pgs_result *r;
	size_t i;
	int err = 0;

	RETURN_ERROR_IF(!q || !t || !out, -EINVAL,
			"expected a query, a table and a place for the result, not NULL");
	FORWARD_IF_ERROR(query_check_fields(q, t));
	FORWARD_IF_ERROR(query_check_bytes(q, t));
	r = pgs__calloc(t->al, 1, sizeof(*r));
	RETURN_ERROR_IF(!r, -ENOMEM, "out of memory for a result");
	r->al = pgs__keep(&r->alloc, t->al);
	r->t = t;
	r->s = q->s;
	r->kc.t = t;
	r->kc.strip = q->s.strip;
	r->kc.page_size = query_page_size(&q->s);
	r->s.nsort = q->s.nsort ? q->s.nsort : 1;
	r->sort_copy = pgs__malloc(r->al, r->s.nsort * sizeof(*r->sort_copy));
	if (!r->sort_copy) {
		pgs_result_free(r);
		return -ENOMEM;
	}
	if (q->s.nsort)
		memcpy(r->sort_copy, q->s.sort, q->s.nsort * sizeof(*r->sort_copy));
	else if (t->kind == PGS_KIND_PAGE_OWNER)
		r->sort_copy[0] = by_times;	/* page_owner_sort's default */
	else
		r->sort_copy[0] = by_pages;	/* a stacks file counts no blocks */
	r->s.sort = r->sort_copy;
	/* page_owner_sort keeps the ts digits only when sorting by time first. */
	r->ts_in_txt = r->s.sort[0].id == K_ALLOC_TS;

	if (q->cs_skip && !(r->cs_skip = pgs__malloc(r->al, strlen(q->cs_skip) + 1)))
		err = -ENOMEM;
	else if (q->cs_skip)
		memcpy(r->cs_skip, q->cs_skip, strlen(q->cs_skip) + 1);
	/*
	 * Frames and call sites (once per distinct stack) only if the query
	 * reads them; else an output or pgs_result_value() makes them.
	 */
	if (!err && query_needs_frames(q))
		err = result_complete(r);
	if (!err)
		err = aggregate(r, q);
	for (i = 0; !err && i < r->s.nsort; i++)
		if (r->s.sort[i].id == K_TXT)
			break;
	if (!err && i < r->s.nsort) {
		size_t j;

		r->txt_off = pgs__malloc(r->al, r->ngroups * sizeof(*r->txt_off) + 1);
		if (!r->txt_off)
			err = -ENOMEM;
		for (j = 0; !err && j < r->ngroups; j++) {
			r->txt_off[j] = r->txt_len;
			err = key_txt(&r->kc, r->g[j].first, r->ts_in_txt, r->al, &r->txt,
				      &r->txt_len, &r->txt_cap);
			if (!err)
				err = pgs__grow(r->al, (void **)&r->txt, &r->txt_cap,
						r->txt_len + 1, 1);
			if (!err)
				r->txt[r->txt_len++] = '\0';
		}
	}
	if (!err && !(r->order = pgs__malloc(r->al, r->ngroups * sizeof(*r->order) + 1)))
		err = -ENOMEM;
	if (err) {
		pgs_result_free(r);
		return err;
	}
	for (i = 0; i < r->ngroups; i++)
		r->order[i] = (uint32_t)i;
	if (r->ngroups)
		qsort_r(r->order, r->ngroups, sizeof(*r->order), cmp_groups, r);
	trim(r);
	*out = r;
	return 0;
}

int result_complete(const struct pgs_result *cr)
{
	/* Made once, as if the run had made them: r is not shared. */
	struct pgs_result *r = (struct pgs_result *)cr;

	if (r->complete)
		return 0;
	FORWARD_IF_ERROR(table_derive(r->t));
	FORWARD_IF_ERROR(key_callsites(&r->kc, r->al, r->cs_skip, NULL, NULL));
	r->complete = true;
	return 0;
}

PGS_API int pgs_query_run(const struct pgs_query *q, const struct pgs_table *t,
			  struct pgs_result **out)
{
	const char *why;
	int err;

	pgs__note_clear();
	err = query_run(q, t, out);
	/*
	 * The checks fill the detail of their own errors; the others take
	 * what RETURN_ERROR_IF noted on this thread, if anything.
	 */
	why = pgs__noted(err);
	if (q && err == -ENOMEM)
		query_detail(q, err, t, 0, NULL, PGS_ORIGIN_NONE, "%s",
			     why ? why : "out of memory while running the query");
	else if (q && err == -EINVAL)
		query_detail(q, err, NULL, 0, NULL, PGS_ORIGIN_NONE, "%s",
			     why ? why : "expected a table and a place for the result, not NULL");
	return err;
}

PGS_API void pgs_result_free(struct pgs_result *r)
{
	if (!r)
		return;
	pgs__free(r->al, r->g);
	pgs__free(r->al, r->order);
	pgs__free(r->al, r->sort_copy);
	pgs__free(r->al, r->txt);
	pgs__free(r->al, r->txt_off);
	pgs__free(r->al, r->kc.cs_own);
	pgs__free(r->al, r->cs_skip);
	pgs__free(r->al, r);
}

int result_value_of(const struct pgs_result *r, const struct group *g,
		    const struct key_def *k, struct pgs_value *out)
{
	struct pgs_value v;
	struct kval kv;
	char buf[16];
	size_t sz;

	if (key_needs_frames(k->id))
		FORWARD_IF_ERROR(result_complete(r));
	memset(&v, 0, sizeof(v));
	switch (k->id) {
	case K_TIMES:
		kv.type = KV_NUM, kv.v = g->times;
		break;
	case K_PAGES:
		kv.type = KV_NUM, kv.v = g->pages;
		break;
	case K_BYTES:
		kv.type = KV_NUM, kv.v = g->pages * r->kc.page_size;
		break;
	case K_ALLOC_TS:
		key_value(&r->kc, k->id, g->first, &kv);
		kv.v = g->ts_min;
		break;
	default:
		key_value(&r->kc, k->id, g->first, &kv);
		break;
	}
	v.type = kv.type == KV_NULL ? PGS_VALUE_NULL : kv.type == KV_INT ? PGS_VALUE_INT :
		 kv.type == KV_STR ? PGS_VALUE_STRING : PGS_VALUE_UINT;
	v.u = kv.v;
	v.i = (int64_t)kv.v;
	if (kv.type != KV_NULL && k->id != K_ALLOCATOR &&
	    (v.str = key_text(&r->kc, k->id, g->first, &kv, buf, sizeof(buf), &v.len)) == buf)
		v.str = NULL, v.u -= 256;	/* a number of eras A1/B: u has it */
	if (v.type == PGS_VALUE_STRING)
		v.u = 0, v.i = 0;	/* ids are not part of the API */
	sz = out->sz < sizeof(v) ? out->sz : sizeof(v);
	v.sz = out->sz;
	memcpy(out, &v, sz);
	return 0;
}

PGS_API int pgs_result_value(const struct pgs_result *r, size_t i, const char *key,
			     struct pgs_value *out)
{
	const struct key_def *k;

	if (!r || !out || i >= r->n)
		return -ERANGE;
	RETURN_ERROR_IF(!key || !(k = key_lookup(key, strlen(key))) || k->id == K_TXT ||
			k->id == K_FRAME, PGS_E_KEY);
	return result_value_of(r, result_group(r, i), k, out);
}

PGS_API size_t pgs_result_count(const struct pgs_result *r)
{
	return r ? r->n : 0;
}

PGS_API uint64_t pgs_result_records(const struct pgs_result *r)
{
	return r ? r->records : 0;
}

PGS_API uint64_t pgs_result_pages(const struct pgs_result *r)
{
	return r ? r->pages : 0;
}

PGS_API int pgs_result_group(const struct pgs_result *r, size_t i, struct pgs_group *g)
{
	struct pgs_group v;
	const struct pgs_table *t;
	const struct group *x;
	size_t sz;

	if (!r || !g || i >= r->n)
		return -ERANGE;
	t = r->t;
	x = result_group(r, i);
	memset(&v, 0, sizeof(v));
	v.times = x->times;
	v.pages = x->pages;
	v.first_row = x->first;
	v.stacktrace = table_row_st(t, x->first)->text;
	v.ts_min = x->ts_min;
	if (t->kind == PGS_KIND_PAGE_OWNER) {
		const struct hdr_meta *h = table_row_hdr(t, x->first);

		v.pid = h->pid;
		v.tgid = h->tgid;
		v.comm = h->comm;
		v.allocator = table_row_allocator(t, x->first);
		v.free_ts = t->c_fts ? t->c_fts[x->first] : 0;
	}
	sz = g->sz < sizeof(v) ? g->sz : sizeof(v);
	v.sz = g->sz;
	memcpy(g, &v, sz);
	return 0;
}
