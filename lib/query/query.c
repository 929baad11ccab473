/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Select, cull, sort. Culling is a hash aggregation over the rows (one pass,
 * groups numbered in order of first appearance); sorting then orders the
 * groups, with first appearance as the last tie-break so that equal groups
 * always come out in the same order (page_owner_sort's qsort is unstable).
 * Selections by pid/tgid/name depend only on the header template, so they
 * are decided once per template, not once per row.
 */
#include <pthread.h>
#include <stdlib.h>	/* qsort_r */
#include <unistd.h>	/* sysconf */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "query.h"

PGS_API int pgs_query_create(struct pgs_query **out)
{
	RETURN_ERROR_IF(!out, -EINVAL);
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

PGS_API void pgs_query_free(struct pgs_query *q)
{
	size_t i;

	if (!q)
		return;
	for (i = 0; i < q->nnames; i++)
		free(q->names[i]);
	free(q->names);
	free(q->pids);
	free(q->tgids);
	free(q->s.sort);
	free(q);
}

/* Calls fn for each comma-separated item of list (empty items included). */
static int each_item(const char *list, int (*fn)(void *, const char *, size_t),
		     void *arg)
{
	const char *p = list;

	RETURN_ERROR_IF(!list, -EINVAL);
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		FORWARD_IF_ERROR(fn(arg, p, n));
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int add_cull(void *arg, const char *s, size_t n)
{
	const struct key_def *k = key_lookup(s, n);
	unsigned *cull = arg;

	RETURN_ERROR_IF(!k || !(k->use & KEY_CULL), PGS_E_KEY);
	*cull |= 1u << k->id;
	return 0;
}

PGS_API int pgs_query_set_cull(struct pgs_query *q, const char *keys)
{
	unsigned cull = 0;

	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(each_item(keys, add_cull, &cull));
	q->s.cull = cull;
	return 0;
}

static int add_sort(void *arg, const char *s, size_t n)
{
	struct pgs_query *q = arg;
	const struct key_def *k;
	int sign = 1;

	if (n && (s[0] == '-' || s[0] == '+')) {
		sign = s[0] == '-' ? -1 : 1;
		s++;
		n--;
	}
	k = key_lookup(s, n);
	RETURN_ERROR_IF(!k || !(k->use & KEY_SORT), PGS_E_KEY);
	FORWARD_IF_ERROR(pgs__grow(NULL, (void **)&q->s.sort, &q->sort_cap,
				   q->s.nsort + 1, sizeof(*q->s.sort)));
	q->s.sort[q->s.nsort].id = k->id;
	q->s.sort[q->s.nsort].sign = sign;
	q->s.nsort++;
	return 0;
}

PGS_API int pgs_query_add_sort(struct pgs_query *q, const char *keys)
{
	size_t before;
	int err;

	RETURN_ERROR_IF(!q, -EINVAL);
	before = q->s.nsort;
	err = each_item(keys, add_sort, q);
	if (err)
		q->s.nsort = before;	/* all or nothing */
	return err;
}

PGS_API void pgs_query_clear_sort(struct pgs_query *q)
{
	if (q)
		q->s.nsort = 0;
}

struct numlist {
	int32_t **v;
	size_t *n, *cap;
};

static int add_num(void *arg, const char *s, size_t n)
{
	struct numlist *l = arg;
	bool neg = n && s[0] == '-';
	uint64_t v;

	RETURN_ERROR_IF(n == neg || pgs__parse_u64(s + neg, n - neg, &v) != n - neg ||
			v > (uint64_t)INT32_MAX + neg, -EINVAL);
	FORWARD_IF_ERROR(pgs__grow(NULL, (void **)l->v, l->cap, *l->n + 1, sizeof(**l->v)));
	(*l->v)[(*l->n)++] = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	return 0;
}

static int select_nums(int32_t **v, size_t *n, size_t *cap, const char *list)
{
	struct numlist l = { v, n, cap };
	size_t before = *n;
	int err = each_item(list, add_num, &l);

	if (err)
		*n = before;
	return err;
}

PGS_API int pgs_query_select_pid(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(select_nums(&q->pids, &q->npids, &q->pids_cap, list));
	q->s.sel_pid = true;
	return 0;
}

PGS_API int pgs_query_select_tgid(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(select_nums(&q->tgids, &q->ntgids, &q->tgids_cap, list));
	q->s.sel_tgid = true;
	return 0;
}

static int add_name(void *arg, const char *s, size_t n)
{
	struct pgs_query *q = arg;
	char *copy;

	FORWARD_IF_ERROR(pgs__grow(NULL, (void **)&q->names, &q->names_cap,
				   q->nnames + 1, sizeof(*q->names)));
	copy = malloc(n + 1);
	RETURN_ERROR_IF(!copy, -ENOMEM);
	memcpy(copy, s, n);
	copy[n] = '\0';
	q->names[q->nnames++] = copy;
	return 0;
}

PGS_API int pgs_query_select_name(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(each_item(list, add_name, q));
	q->s.sel_name = true;
	return 0;
}

PGS_API void pgs_query_select_unreleased(struct pgs_query *q, int on)
{
	if (q)
		q->s.unreleased = !!on;
}

/* ---- running ---- */

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned)n;
}

PGS_API void pgs_query_set_threads(struct pgs_query *q, unsigned threads)
{
	if (q)
		q->threads = threads;
}

static bool in_nums(const int32_t *v, size_t n, int32_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Per header template: does it pass the pid/tgid/name selection? */
static uint8_t *select_headers(const struct pgs_query *q, const struct pgs_table *t)
{
	size_t n = t->hdrs.count, i, j;
	uint8_t *ok = malloc(n ? n : 1);

	if (!ok)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct hdr_meta *h = &t->hdr[i];
		bool pass = true;

		/* A field the header lacks never matches (page_owner_sort: -1, ""). */
		if (q->s.sel_pid)
			pass = pass && (h->have & PGS_HAVE_PID) && in_nums(q->pids, q->npids, h->pid);
		if (q->s.sel_tgid)
			pass = pass && (h->have & PGS_HAVE_TGID) &&
			       in_nums(q->tgids, q->ntgids, h->tgid);
		if (q->s.sel_name && pass) {
			const char *comm = strpool_str(&t->strings, h->comm);
			bool hit = false;

			for (j = 0; j < q->nnames && !hit; j++)
				hit = strcmp(q->names[j], comm) == 0;
			pass = hit;
		}
		ok[i] = pass;
	}
	return ok;
}

struct gkey {
	uint32_t st, hdr;
	int32_t pid, tgid;
	uint32_t comm, alloc, handle, freed;
	uint64_t ts, free_ts;
};

static void row_key(const struct pgs_result *r, size_t i, struct gkey *k)
{
	const struct pgs_table *t = r->t;
	unsigned cull = r->s.cull;

	memset(k, 0, sizeof(*k));
	if (t->kind != PGS_KIND_PAGE_OWNER) {
		k->st = t->c_st[i];
		if (!cull)
			k->handle = t->c_handle[i];
		return;
	}
	if (!cull) {
		k->hdr = t->c_hdr[i];
		k->st = t->c_st[i];
		k->free_ts = t->c_fts ? t->c_fts[i] : 0;
		if (r->ts_in_txt)
			k->ts = t->c_ts[i];
		return;
	}
	if (cull & (1u << K_STACKTRACE))
		k->st = t->c_st[i];
	if (cull & (1u << K_PID))
		k->pid = table_row_hdr(t, i)->pid;
	if (cull & (1u << K_TGID))
		k->tgid = table_row_hdr(t, i)->tgid;
	if (cull & (1u << K_NAME))
		k->comm = table_row_hdr(t, i)->comm;
	if (cull & (1u << K_ALLOCATOR))
		k->alloc = table_row_allocator(t, i);
	if (cull & (1u << K_FREE))
		k->freed = t->c_fts && t->c_fts[i] != 0;
}

/*
 * Open addressing over group numbers. A slot keeps 32 bits of the key's
 * hash beside the group; the key itself is not stored but recomputed from
 * the group's first row when the hash bits match, which keeps a group at a
 * few words even when every block is its own group (-a), and rehashing
 * needs no key at all.
 */
struct slot {
	uint32_t group;		/* group index + 1; 0: empty */
	uint32_t hash;
};

/* Groups being built: one per thread, then joined. */
struct grouper {
	const struct pgs_result *r;	/* the table and the keys (read only) */
	struct group *g;
	size_t n, cap;
	struct slot *slots;
	size_t mask;
	uint64_t records, pages;
};

static int grouper_init(struct grouper *gr, const struct pgs_result *r, size_t rows)
{
	memset(gr, 0, sizeof(*gr));
	gr->r = r;
	gr->mask = 1023;
	gr->slots = calloc(gr->mask + 1, sizeof(*gr->slots));
	RETURN_ERROR_IF(!gr->slots, -ENOMEM);
	/*
	 * Never more groups than rows: reserve that once instead of copying
	 * the array as it doubles. Pages never written are never touched.
	 */
	if (rows)
		FORWARD_IF_ERROR(pgs__grow(NULL, (void **)&gr->g, &gr->cap, rows, sizeof(*gr->g)));
	return 0;
}

static void grouper_fini(struct grouper *gr)
{
	free(gr->g);
	free(gr->slots);
	gr->g = NULL;
	gr->slots = NULL;
}

static int grow_slots(struct slot **slots, size_t *mask)
{
	size_t nmask = *mask * 2 + 1, j;
	struct slot *ns = calloc(nmask + 1, sizeof(*ns));

	RETURN_ERROR_IF(!ns, -ENOMEM);
	for (j = 0; j <= *mask; j++) {
		size_t x;

		if (!(*slots)[j].group)
			continue;
		for (x = (*slots)[j].hash & nmask; ns[x].group; x = (x + 1) & nmask)
			;
		ns[x] = (*slots)[j];
	}
	free(*slots);
	*slots = ns;
	*mask = nmask;
	return 0;
}

/*
 * Add `times` rows, the first of which is `first`, to the group of that
 * row's key: a single row while grouping, a whole group when joining the
 * groups of two threads.
 */
static int grouper_add(struct grouper *gr, size_t first, uint64_t times, uint64_t pages,
		       uint64_t ts_min)
{
	struct gkey k, other;
	struct group *g;
	uint32_t h;
	size_t s;

	row_key(gr->r, first, &k);
	h = (uint32_t)XXH3_64bits(&k, sizeof(k));
	for (s = h & gr->mask; gr->slots[s].group; s = (s + 1) & gr->mask) {
		if (gr->slots[s].hash != h)
			continue;
		g = &gr->g[gr->slots[s].group - 1];
		row_key(gr->r, g->first, &other);
		if (memcmp(&other, &k, sizeof(k)) == 0) {
			g->times += times;
			g->pages += pages;
			if (ts_min < g->ts_min)
				g->ts_min = ts_min;
			return 0;
		}
	}
	RETURN_ERROR_IF(gr->n >= UINT32_MAX - 1, -ENOMEM);
	FORWARD_IF_ERROR(pgs__grow(NULL, (void **)&gr->g, &gr->cap, gr->n + 1, sizeof(*gr->g)));
	g = &gr->g[gr->n];
	memset(g, 0, sizeof(*g));
	g->times = times;
	g->pages = pages;
	g->first = first;
	g->ts_min = ts_min;
	gr->slots[s].group = (uint32_t)++gr->n;
	gr->slots[s].hash = h;
	if (gr->n * 2 > gr->mask)
		FORWARD_IF_ERROR(grow_slots(&gr->slots, &gr->mask));
	return 0;
}

struct part {
	struct grouper gr;
	const struct pgs_query *q;
	const uint8_t *hsel;	/* per header template: selected */
	size_t from, to;	/* rows */
	int err;
};

static void *group_rows(void *arg)
{
	struct part *p = arg;
	const struct pgs_table *t = p->gr.r->t;
	size_t i;

	for (i = p->from; i < p->to && !p->err; i++) {
		uint64_t pages;

		if (p->hsel && !p->hsel[t->c_hdr[i]])
			continue;
		if (p->q->s.unreleased && t->c_fts && t->c_fts[i] != 0 &&
		    t->c_ts[i] < t->c_fts[i])
			continue;
		pages = table_row_pages(t, i);
		p->gr.records++;
		p->gr.pages += pages;
		p->err = grouper_add(&p->gr, i, 1, pages, t->c_ts ? t->c_ts[i] : 0);
	}
	return NULL;
}

/* Fewer rows than this are grouped on the calling thread. */
#define PARALLEL_ROWS 65536

/*
 * Group the rows, on several threads for large tables: each groups a
 * contiguous block of rows, then the blocks' groups are joined in order.
 * Every group of a later block first appears after all rows of an earlier
 * one, so the groups' order of first appearance, and the result, do not
 * depend on the number of threads.
 */
static int aggregate(struct pgs_result *r, const struct pgs_query *q, unsigned threads)
{
	const struct pgs_table *t = r->t;
	struct part parts[16];
	pthread_t tid[16];
	bool started[16] = { false };
	uint8_t *hsel = NULL;
	unsigned n, k;
	size_t j;
	int err = 0;

	if ((q->s.sel_pid || q->s.sel_tgid || q->s.sel_name) && t->kind == PGS_KIND_PAGE_OWNER &&
	    !(hsel = select_headers(q, t)))
		return -ENOMEM;
	n = t->rows < PARALLEL_ROWS ? 1 : threads < 1 ? 1 : threads > 16 ? 16 : threads;
	for (k = 0; k < n; k++) {
		parts[k].q = q;
		parts[k].hsel = hsel;
		parts[k].from = t->rows * k / n;
		parts[k].to = t->rows * (k + 1) / n;
		/* The first part receives the others' groups: room for all rows. */
		parts[k].err = grouper_init(&parts[k].gr, r, k ? parts[k].to - parts[k].from : t->rows);
		if (parts[k].err)
			err = parts[k].err;
	}
	for (k = 1; !err && k < n; k++)
		started[k] = pthread_create(&tid[k], NULL, group_rows, &parts[k]) == 0;
	if (!err)
		group_rows(&parts[0]);
	for (k = 1; k < n; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else if (!err)
			group_rows(&parts[k]);	/* no thread: do it here */
	}
	for (k = 0; !err && k < n; k++)
		err = parts[k].err;
	/* Join into the first block's groups, in order. */
	for (k = 1; !err && k < n; k++) {
		for (j = 0; !err && j < parts[k].gr.n; j++) {
			const struct group *x = &parts[k].gr.g[j];

			err = grouper_add(&parts[0].gr, x->first, x->times, x->pages, x->ts_min);
		}
		parts[0].gr.records += parts[k].gr.records;
		parts[0].gr.pages += parts[k].gr.pages;
	}
	if (!err) {
		r->g = parts[0].gr.g;
		r->n = parts[0].gr.n;
		r->records = parts[0].gr.records;
		r->pages = parts[0].gr.pages;
		parts[0].gr.g = NULL;
	}
	for (k = 0; k < n; k++)
		grouper_fini(&parts[k].gr);
	free(hsel);
	return err;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_i32(int32_t a, int32_t b)
{
	return a < b ? -1 : a > b;
}

/* strcmp order (unsigned bytes), for strings that may hold a NUL. */
static int cmp_str(const struct pgs_table *t, uint32_t a, uint32_t b)
{
	size_t la, lb;
	int c;

	if (a == b)
		return 0;
	la = strpool_len(&t->strings, a);
	lb = strpool_len(&t->strings, b);
	c = memcmp(strpool_str(&t->strings, a), strpool_str(&t->strings, b), la < lb ? la : lb);
	return c ? c : cmp_u64(la, lb);
}

static int cmp_key(const struct pgs_result *r, enum key_id id,
		   const struct group *a, const struct group *b)
{
	const struct pgs_table *t = r->t;
	size_t ia = a->first, ib = b->first;

	switch (id) {
	case K_TIMES:
		return cmp_u64(a->times, b->times);
	case K_PAGES:
		return cmp_u64(a->pages, b->pages);
	case K_PID:
		return cmp_i32(table_row_hdr(t, ia)->pid, table_row_hdr(t, ib)->pid);
	case K_TGID:
		return cmp_i32(table_row_hdr(t, ia)->tgid, table_row_hdr(t, ib)->tgid);
	case K_NAME:
		return cmp_str(t, table_row_hdr(t, ia)->comm, table_row_hdr(t, ib)->comm);
	case K_STACKTRACE:
		return cmp_str(t, table_row_st(t, ia)->text, table_row_st(t, ib)->text);
	case K_TXT:
		return strcmp(r->txt + r->txt_off[a - r->g], r->txt + r->txt_off[b - r->g]);
	case K_ALLOC_TS:
		return cmp_u64(a->ts_min, b->ts_min);
	case K_ALLOCATOR:
		return cmp_u64(table_row_allocator(t, ia), table_row_allocator(t, ib));
	case K_FREE_TS:
		return cmp_u64(t->c_fts ? t->c_fts[ia] : 0, t->c_fts ? t->c_fts[ib] : 0);
	default:
		break;
	}
	return 0;
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

static bool needs_free_ts(const struct query_spec *s)
{
	size_t i;

	if (s->unreleased || (s->cull & (1u << K_FREE)))
		return true;
	for (i = 0; i < s->nsort; i++)
		if (s->sort[i].id == K_FREE_TS)
			return true;
	return false;
}

static bool needs_header(const struct query_spec *s)
{
	unsigned hdr_keys = (1u << K_PID) | (1u << K_TGID) | (1u << K_NAME) |
			    (1u << K_ALLOCATOR) | (1u << K_FREE);
	size_t i;

	if (s->sel_pid || s->sel_tgid || s->sel_name || (s->cull & hdr_keys))
		return true;
	for (i = 0; i < s->nsort; i++)
		if ((1u << s->sort[i].id) & (hdr_keys | (1u << K_TXT) | (1u << K_ALLOC_TS) |
					     (1u << K_FREE_TS)))
			return true;
	return false;
}

PGS_API int pgs_query_run(const struct pgs_query *q, const struct pgs_table *t,
			  struct pgs_result **out)
{
	static const struct sort_key by_times = { K_TIMES, -1 };
	struct pgs_result *r;
	size_t i;
	int err;

	RETURN_ERROR_IF(!q || !t || !out, -EINVAL);
	if (needs_free_ts(&q->s) && !(t->features & FEAT_FREE_TS))
		return PGS_E_NOFIELD;
	if (t->kind != PGS_KIND_PAGE_OWNER && needs_header(&q->s))
		return PGS_E_NOFIELD;
	r = calloc(1, sizeof(*r));
	RETURN_ERROR_IF(!r, -ENOMEM);
	r->t = t;
	r->s = q->s;
	r->s.nsort = q->s.nsort ? q->s.nsort : 1;
	r->sort_copy = malloc(r->s.nsort * sizeof(*r->sort_copy));
	if (!r->sort_copy) {
		pgs_result_free(r);
		return -ENOMEM;
	}
	if (q->s.nsort)
		memcpy(r->sort_copy, q->s.sort, q->s.nsort * sizeof(*r->sort_copy));
	else
		r->sort_copy[0] = by_times;
	r->s.sort = r->sort_copy;
	/* page_owner_sort keeps the ts digits only when sorting by time first. */
	r->ts_in_txt = r->s.sort[0].id == K_ALLOC_TS;

	err = aggregate(r, q, q->threads ? q->threads : online_cpus());
	for (i = 0; !err && i < r->s.nsort; i++)
		if (r->s.sort[i].id == K_TXT)
			break;
	if (!err && i < r->s.nsort) {
		size_t j;

		r->txt_off = malloc(r->n * sizeof(*r->txt_off) + 1);
		if (!r->txt_off)
			err = -ENOMEM;
		for (j = 0; !err && j < r->n; j++) {
			r->txt_off[j] = r->txt_len;
			err = render_txt(t, r->g[j].first, r->ts_in_txt,
					 &r->txt, &r->txt_len, &r->txt_cap);
			if (!err)
				err = pgs__grow(NULL, (void **)&r->txt, &r->txt_cap,
						r->txt_len + 1, 1);
			if (!err)
				r->txt[r->txt_len++] = '\0';
		}
	}
	if (!err && !(r->order = malloc(r->n * sizeof(*r->order) + 1)))
		err = -ENOMEM;
	if (err) {
		pgs_result_free(r);
		return err;
	}
	for (i = 0; i < r->n; i++)
		r->order[i] = (uint32_t)i;
	if (r->n)
		qsort_r(r->order, r->n, sizeof(*r->order), cmp_groups, r);
	*out = r;
	return 0;
}

PGS_API void pgs_result_free(struct pgs_result *r)
{
	if (!r)
		return;
	free(r->g);
	free(r->order);
	free(r->sort_copy);
	free(r->txt);
	free(r->txt_off);
	free(r);
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
