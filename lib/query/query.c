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
#include <stdarg.h>	/* va_list */
#include <stdio.h>	/* snprintf */
#include <stdlib.h>	/* qsort_r */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "filter.h"
#include "value.h"

PGS_API int pgs_query_create_opts(struct pgs_query **out, const struct pgs_query_opts *opts)
{
	struct pgs_query_opts o = PGS_INIT(pgs_query_opts);
	struct pgs_query *q;

	RETURN_ERROR_IF(!out, -EINVAL);
	FORWARD_IF_ERROR(OPTS_LOAD(&o, opts));
	RETURN_ERROR_IF(o.allocator && !(o.allocator->malloc_fn && o.allocator->realloc_fn &&
					 o.allocator->free_fn), -EINVAL);
	q = pgs__calloc(o.allocator, 1, sizeof(*q));
	RETURN_ERROR_IF(!q, -ENOMEM);
	q->al = pgs__keep(&q->alloc, o.allocator);
	*out = q;
	return 0;
}

PGS_API int pgs_query_create(struct pgs_query **out)
{
	return pgs_query_create_opts(out, NULL);
}

PGS_API void pgs_query_free(struct pgs_query *q)
{
	size_t i;

	if (!q)
		return;
	for (i = 0; i < q->nnames; i++)
		pgs__free(q->al, q->names[i]);
	pgs__free(q->al, q->names);
	for (i = 0; i < q->nmodules; i++)
		pgs__free(q->al, q->modules[i]);
	pgs__free(q->al, q->modules);
	pgs__free(q->al, q->pids);
	pgs__free(q->al, q->tgids);
	pgs__free(q->al, q->s.sort);
	pgs__free(q->al, q->nodes);
	pgs__free(q->al, q->cs_skip);
	for (i = 0; i < q->nfilters; i++)
		filter_free(q->filters[i]);
	pgs__free(q->al, q->filters);
	pgs__free(q->al, q);
}

int each_item(const char *list, int (*fn)(void *, const char *, size_t), void *arg)
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
	keyset *cull = arg;

	RETURN_ERROR_IF(!k || !(k->use & KEY_CULL), PGS_E_KEY);
	*cull |= KEY_BIT(k->id);
	return 0;
}

PGS_API int pgs_query_set_cull(struct pgs_query *q, const char *keys)
{
	keyset cull = 0;

	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(each_item(keys, add_cull, &cull));
	q->s.cull = cull;
	return 0;
}

int sort_sign(const char **s, size_t *n)
{
	int sign = 1;

	if (*n && (**s == '-' || **s == '+')) {
		sign = **s == '-' ? -1 : 1;
		(*s)++;
		(*n)--;
	}
	return sign;
}

static int add_sort(void *arg, const char *s, size_t n)
{
	struct pgs_query *q = arg;
	const struct key_def *k;
	int sign = sort_sign(&s, &n);

	k = key_lookup(s, n);
	RETURN_ERROR_IF(!k || !(k->use & KEY_SORT), PGS_E_KEY);
	FORWARD_IF_ERROR(pgs__grow(q->al, (void **)&q->s.sort, &q->sort_cap,
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
	const struct pgs_allocator *al;
	int32_t **v;
	size_t *n, *cap;
};

/*
 * One number as page_owner_sort's strtol(s, &end, 10) reads it: white
 * space and one sign skipped, then digits up to the end of the item.
 */
static int add_num(void *arg, const char *s, size_t n)
{
	struct numlist *l = arg;
	bool neg;
	uint64_t v;

	while (n && (*s == ' ' || (*s >= '\t' && *s <= '\r'))) {
		s++;
		n--;
	}
	neg = n && s[0] == '-';
	if (n && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	RETURN_ERROR_IF(n == 0 || pgs__parse_u64(s, n, &v) != n ||
			v > (uint64_t)INT32_MAX + neg, -EINVAL);
	FORWARD_IF_ERROR(pgs__grow(l->al, (void **)l->v, l->cap, *l->n + 1, sizeof(**l->v)));
	(*l->v)[(*l->n)++] = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	return 0;
}

static int select_nums(const struct pgs_allocator *al, int32_t **v, size_t *n, size_t *cap,
		       const char *list)
{
	struct numlist l = { al, v, n, cap };
	size_t before = *n;
	int err = each_item(list, add_num, &l);

	if (err)
		*n = before;
	return err;
}

PGS_API int pgs_query_select_pid(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(select_nums(q->al, &q->pids, &q->npids, &q->pids_cap, list));
	q->s.sel_pid = true;
	return 0;
}

PGS_API int pgs_query_select_tgid(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(select_nums(q->al, &q->tgids, &q->ntgids, &q->tgids_cap, list));
	q->s.sel_tgid = true;
	return 0;
}

struct strlist {
	const struct pgs_allocator *al;
	char ***v;
	size_t *n, *cap;
};

static int add_str(void *arg, const char *s, size_t n)
{
	struct strlist *l = arg;
	char *copy;

	FORWARD_IF_ERROR(pgs__grow(l->al, (void **)l->v, l->cap, *l->n + 1, sizeof(**l->v)));
	copy = pgs__strndup(l->al, s, n);
	RETURN_ERROR_IF(!copy, -ENOMEM);
	(*l->v)[(*l->n)++] = copy;
	return 0;
}

static int select_strs(const struct pgs_allocator *al, char ***v, size_t *n, size_t *cap,
		       const char *list)
{
	struct strlist l = { al, v, n, cap };

	return each_item(list, add_str, &l);
}

PGS_API int pgs_query_select_name(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(select_strs(q->al, &q->names, &q->nnames, &q->names_cap, list));
	q->s.sel_name = true;
	return 0;
}

PGS_API int pgs_query_select_module(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL);
	FORWARD_IF_ERROR(select_strs(q->al, &q->modules, &q->nmodules, &q->modules_cap, list));
	q->s.sel_module = true;
	return 0;
}

PGS_API void pgs_query_select_unreleased(struct pgs_query *q, int on)
{
	if (q)
		q->s.unreleased = !!on;
}

/* ---- running ---- */

/* "0,2-3": a node or a range of nodes, kernel nodelist syntax. */
static int add_nodes(void *arg, const char *s, size_t n)
{
	struct pgs_query *q = arg;
	const char *dash = memchr(s, '-', n);
	uint64_t lo, hi;
	size_t ln = dash ? (size_t)(dash - s) : n;

	RETURN_ERROR_IF(!ln || pgs__parse_u64(s, ln, &lo) != ln, -EINVAL);
	hi = lo;
	if (dash)
		RETURN_ERROR_IF(n - ln - 1 == 0 ||
				pgs__parse_u64(dash + 1, n - ln - 1, &hi) != n - ln - 1, -EINVAL);
	/* MAX_NUMNODES is at most 1024 (NODES_SHIFT 10). */
	RETURN_ERROR_IF(hi < lo || hi >= 1024, -EINVAL);
	for (; lo <= hi; lo++) {
		FORWARD_IF_ERROR(pgs__grow(q->al, (void **)&q->nodes, &q->nodes_cap,
					   q->nnodes + 1, sizeof(*q->nodes)));
		q->nodes[q->nnodes++] = (int32_t)lo;
	}
	return 0;
}

PGS_API int pgs_query_select_node(struct pgs_query *q, const char *nodelist)
{
	size_t before;
	int err;

	RETURN_ERROR_IF(!q || !nodelist, -EINVAL);
	before = q->nnodes;
	err = each_item(nodelist, add_nodes, q);
	if (err) {
		q->nnodes = before;
		return err;
	}
	q->s.sel_node = true;
	return 0;
}

PGS_API void pgs_query_set_strip_offsets(struct pgs_query *q, int on)
{
	if (q)
		q->s.strip = !!on;
}

PGS_API int pgs_query_set_page_size(struct pgs_query *q, uint64_t bytes)
{
	RETURN_ERROR_IF(!q || !bytes, -EINVAL);
	q->s.page_size = bytes;
	return 0;
}

PGS_API void pgs_query_set_min_pages(struct pgs_query *q, uint64_t min_pages)
{
	if (q)
		q->s.min_pages = min_pages;
}

PGS_API void pgs_query_set_top(struct pgs_query *q, size_t top)
{
	if (q)
		q->s.top = top;
}

PGS_API int pgs_query_set_callsite_skip(struct pgs_query *q, const char *pattern)
{
	struct pgs_table empty = { 0 };
	struct keyctx kc = { .t = &empty };
	char *copy = NULL;

	RETURN_ERROR_IF(!q, -EINVAL);
	if (pattern) {
		/* Compile it once now, so that a bad pattern fails here. */
		FORWARD_IF_ERROR(key_callsites(&kc, q->al, pattern, NULL, NULL));
		pgs__free(q->al, kc.cs_own);
		copy = pgs__strdup(q->al, pattern);
		RETURN_ERROR_IF(!copy, -ENOMEM);
	}
	pgs__free(q->al, q->cs_skip);
	q->cs_skip = copy;
	return 0;
}

PGS_API int pgs_query_add_filter(struct pgs_query *q, const char *expr,
				 struct pgs_filter_error *err)
{
	struct filter_error fe = { 0 };
	struct filter *f = NULL;
	int ret;

	RETURN_ERROR_IF(!q || !expr, -EINVAL);
	ret = filter_parse(expr, q->al, &f, &fe);
	if (ret == PGS_E_FILTER && err) {
		struct pgs_filter_error v = { 0 };
		size_t sz = err->sz < sizeof(v) ? err->sz : sizeof(v);

		v.sz = err->sz;
		v.offset = fe.pos;
		snprintf(v.message, sizeof(v.message), "%s", fe.msg);
		memcpy(err, &v, sz);
	}
	FORWARD_IF_ERROR(ret);
	ret = pgs__grow(q->al, (void **)&q->filters, &q->filters_cap, q->nfilters + 1,
			sizeof(*q->filters));
	if (ret) {
		filter_free(f);
		return ret;
	}
	q->filters[q->nfilters++] = f;
	return 0;
}

PGS_API void pgs_query_set_threads(struct pgs_query *q, unsigned threads)
{
	if (q)
		q->threads = threads;
}

PGS_API void pgs_query_set_error_detail(struct pgs_query *q, struct pgs_error_detail *detail)
{
	if (q)
		q->detail = detail;
}

void query_detail_input(const struct pgs_query *q, int input)
{
	if (q->detail && q->detail->sz >= offsetof(struct pgs_error_detail, input) + sizeof(int))
		q->detail->input = input;
}

void query_detail(const struct pgs_query *q, int code, const struct pgs_table *t, int input,
		  const struct key_def *key, enum pgs_origin origin, const char *fmt, ...)
{
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	va_list ap;
	size_t sz;

	if (!q->detail || q->detail->sz < sizeof(size_t))
		return;
	e.code = code;
	e.input = input;
	if (t) {
		e.kind = t->kind;
		e.era = table_era(t);
	}
	if (key) {
		e.key = key->long_name;
		e.field = key->field;
	}
	e.origin = origin;
	va_start(ap, fmt);
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	va_end(ap);
	/* A caller built against an older, smaller struct gets what fits. */
	sz = q->detail->sz < sizeof(e) ? q->detail->sz : sizeof(e);
	e.sz = q->detail->sz;
	memcpy(q->detail, &e, sz);
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
	uint8_t *ok = pgs__malloc(t->al, n);

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

/*
 * Per stacktrace: is its module in --module's list? Every row has a
 * stacktrace (index 0: none), whose module is "vmlinux" when no frame has one.
 */
static uint8_t *select_stacks(const struct pgs_query *q, const struct pgs_table *t)
{
	size_t n = t->st_n, i, j;
	uint8_t *ok = pgs__malloc(t->al, n);

	if (!ok)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *mod = strpool_str(&t->strings, t->st[i].module);
		size_t len = strpool_len(&t->strings, t->st[i].module);
		bool hit = false;

		for (j = 0; j < q->nmodules && !hit; j++)
			hit = strlen(q->modules[j]) == len && memcmp(q->modules[j], mod, len) == 0;
		ok[i] = hit;
	}
	return ok;
}

/*
 * A row's group key: the values of the cull keys, in key order, and which
 * of them are missing. Only the first n values are hashed and compared.
 */
/* Per PFN template: is the page on a selected node? */
static uint8_t *select_pfns(const struct pgs_query *q, const struct pgs_table *t)
{
	size_t n = t->pfns.count, i;
	uint8_t *ok = pgs__malloc(t->al, n);

	if (!ok)
		return NULL;
	for (i = 0; i < n; i++)
		ok[i] = t->pfnm[i].node >= 0 && in_nums(q->nodes, q->nnodes, t->pfnm[i].node);
	return ok;
}

/* The filters see a row through its key values (filter.h). */
struct fctx {
	const struct keyctx *kc;
	size_t row;
	char buf[64];
};

static void f_value(void *ctx, enum key_id k, struct kval *out)
{
	struct fctx *f = ctx;

	key_value(f->kc, k, f->row, out);
	/* Filters compare the flags word the dump prints; groups use the names. */
	if (k == K_FLAGS && out->type != KV_NULL) {
		out->type = KV_NUM;
		out->v = table_row_pfn(f->kc->t, f->row)->flags;
	}
}

static const char *f_text(void *ctx, enum key_id k, const struct kval *v, size_t *len)
{
	struct fctx *f = ctx;
	const struct pgs_table *t = f->kc->t;
	struct kval own;

	if (k == K_FLAGS) {
		uint32_t id = table_row_pfn(t, f->row)->flag_names;

		*len = strpool_len(&t->strings, id);
		return strpool_str(&t->strings, id);
	}
	own = *v;
	return key_text(f->kc, k, f->row, &own, f->buf, sizeof(f->buf), len);
}

static bool f_has(void *ctx, enum key_id k, const char *name, size_t len)
{
	struct fctx *f = ctx;

	return key_has(f->kc, k, f->row, name, len);
}

static void f_frames(void *ctx, const uint32_t **ids, size_t *n)
{
	struct fctx *f = ctx;

	*ids = key_frames(f->kc, f->row, n);
}

static const char *f_str(void *ctx, uint32_t id, size_t *len)
{
	struct fctx *f = ctx;

	*len = strpool_len(&f->kc->t->strings, id);
	return strpool_str(&f->kc->t->strings, id);
}

static const struct filter_ops fops = { f_value, f_text, f_has, f_frames, f_str };

/*
 * Per row: the filters' verdict, NULL when there are no filters. On the
 * calling thread: a filter's memo (one answer per distinct string) is not
 * shared between threads, and with it a test costs a lookup per row.
 */
static int select_rows(const struct pgs_result *r, const struct pgs_query *q, uint8_t **out)
{
	const struct pgs_table *t = r->t;
	struct fctx f = { .kc = &r->kc };
	uint8_t *sel;
	size_t i, k;

	*out = NULL;
	if (!q->nfilters)
		return 0;
	sel = pgs__malloc(r->al, t->rows);
	RETURN_ERROR_IF(!sel, -ENOMEM);
	for (k = 0; k < q->nfilters; k++)
		filter_forget(q->filters[k]);	/* ids are this table's */
	for (i = 0; i < t->rows; i++) {
		int pass = 1;

		f.row = i;
		for (k = 0; k < q->nfilters && pass == 1; k++)
			pass = filter_eval(q->filters[k], &fops, &f, t->strings.count);
		if (pass < 0) {
			pgs__free(r->al, sel);
			return pass;
		}
		sel[i] = (uint8_t)pass;
	}
	*out = sel;
	return 0;
}

struct gkey {
	uint64_t v[K__COUNT];
	uint32_t n;
	uint64_t nulls;	/* bit i: v[i] is a missing field */
};

static void row_key(const struct pgs_result *r, size_t i, struct gkey *k)
{
	const struct pgs_table *t = r->t;
	keyset cull = r->s.cull;
	unsigned id;

	k->n = 0;
	k->nulls = 0;
	if (!cull) {
		/* Every distinct block text, which the text ids decide. */
		k->v[k->n++] = key_st_text(&r->kc, i);
		if (t->kind != PGS_KIND_PAGE_OWNER) {
			k->v[k->n++] = t->c_handle[i];
			return;
		}
		k->v[k->n++] = t->c_hdr[i];
		k->v[k->n++] = t->c_fts ? t->c_fts[i] : 0;
		if (r->ts_in_txt)
			k->v[k->n++] = t->c_ts[i];
		return;
	}
	for (id = 0; id < K__COUNT; id++) {
		struct kval kv;

		if (!(cull & KEY_BIT(id)))
			continue;
		key_value(&r->kc, (enum key_id)id, i, &kv);
		if (kv.type == KV_NULL)
			k->nulls |= (uint64_t)1 << k->n;
		k->v[k->n++] = kv.v;
	}
}

static bool gkey_eq(const struct gkey *a, const struct gkey *b)
{
	return a->n == b->n && a->nulls == b->nulls &&
	       memcmp(a->v, b->v, a->n * sizeof(a->v[0])) == 0;
}

static uint32_t gkey_hash(const struct gkey *k)
{
	return (uint32_t)XXH3_64bits_withSeed(k->v, k->n * sizeof(k->v[0]), k->nulls);
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

/* One thread's groups: those whose key hash falls in its partition. */
struct grouper {
	const struct pgs_result *r;	/* the table and the keys (read only) */
	struct group *g;	/* borrowed: this partition's part of r->g */
	size_t n, cap;
	struct slot *slots;
	size_t mask;
};

/*
 * Slots for the partition's `rows` (an upper bound on its groups) at most
 * half full, reserved at once: the table never rehashes, and calloc's
 * untouched pages cost nothing when there are few groups (--cull=st).
 */
static int grouper_init(struct grouper *gr, const struct pgs_result *r, struct group *g,
			size_t rows)
{
	size_t want = 1024;

	gr->r = r;
	gr->g = g;
	gr->cap = rows;
	gr->n = 0;
	while (want < rows * 2 && want < ((size_t)1 << 40))
		want *= 2;
	gr->mask = want - 1;
	gr->slots = pgs__calloc(r->al, want, sizeof(*gr->slots));
	RETURN_ERROR_IF(!gr->slots, -ENOMEM);
	return 0;
}

/* Count add's rows in g: a group's first row is the earliest of its parts'. */
static void group_absorb(struct group *g, const struct group *add)
{
	g->times += add->times;
	g->pages += add->pages;
	if (add->ts_min < g->ts_min)
		g->ts_min = add->ts_min;
	if (add->first < g->first)
		g->first = add->first;
}

/*
 * Add `add` (one row, or rows already summed) to the group of its key,
 * which hashes to h.
 */
static int grouper_add(struct grouper *gr, const struct group *add, uint32_t h)
{
	struct gkey k, other;
	struct group *g;
	size_t s;
	bool have_key = false;

	for (s = h & gr->mask; gr->slots[s].group; s = (s + 1) & gr->mask) {
		if (gr->slots[s].hash != h)
			continue;
		if (!have_key) {
			row_key(gr->r, add->first, &k);
			have_key = true;
		}
		g = &gr->g[gr->slots[s].group - 1];
		row_key(gr->r, g->first, &other);
		if (gkey_eq(&other, &k)) {
			group_absorb(g, add);
			return 0;
		}
	}
	/* grouper_init reserved a group per part and twice as many slots. */
	RETURN_ERROR_IF(gr->n >= gr->cap || gr->n >= UINT32_MAX - 1, -ENOMEM);
	gr->g[gr->n] = *add;
	gr->slots[s].group = (uint32_t)++gr->n;
	gr->slots[s].hash = h;
	return 0;
}

/*
 * Grouping runs in two parallel passes. First each thread takes a block of
 * rows, applies the selection and stores each selected row's key hash
 * (0: not selected). Then each thread takes a partition of the hash space
 * and groups, in row order, the rows whose hash falls in it: partitions
 * share no group, so nothing is joined afterwards and every group's
 * first row is its earliest, whatever the number of threads.
 */
/* The most threads a grouping uses: a part, a partition of the groups, each. */
#define AGGREGATE_THREADS_MAX 16

struct part {
	struct grouper gr;
	const struct pgs_query *q;
	const uint8_t *hsel;	/* per header template: selected */
	const uint8_t *psel;	/* per PFN template: selected (--node) */
	const uint8_t *ssel;	/* per stacktrace: selected (--module) */
	const uint8_t *rsel;	/* per row: passed the filters */
	uint32_t *hash;		/* per row, shared: written in pass 1, read in pass 2 */
	size_t from, to;	/* pass 1: rows */
	unsigned k, n;		/* pass 2: partition k of n */
	uint64_t records, pages;
	size_t in_part[AGGREGATE_THREADS_MAX];	/* pass 1: selected rows per partition */
	const uint32_t *col;	/* by ids: the column the cull keys depend on */
	struct group *acc;	/* by ids: this thread's sums */
	int err;
};

/* Whether row i passes the selections and filters. */
static bool row_selected(const struct part *p, const struct pgs_table *t, size_t i)
{
	if (p->hsel && !p->hsel[t->c_hdr[i]])
		return false;
	if (p->psel && !p->psel[t->c_pfnt[i]])
		return false;
	if (p->ssel && !p->ssel[t->c_st[i]])
		return false;
	if (p->rsel && !p->rsel[i])
		return false;
	return !(p->q->s.unreleased && t->c_fts && t->c_fts[i] != 0 && t->c_ts[i] < t->c_fts[i]);
}

static unsigned partition_of(uint32_t h, unsigned n)
{
	return (unsigned)(((uint64_t)(h >> 16) * n) >> 16);
}

static void *hash_rows(void *arg)
{
	struct part *p = arg;
	const struct pgs_table *t = p->gr.r->t;
	struct gkey k;
	size_t i;

	for (i = p->from; i < p->to; i++) {
		uint32_t h;

		p->hash[i] = 0;
		if (!row_selected(p, t, i))
			continue;
		p->records++;
		p->pages += table_row_pages(t, i);
		row_key(p->gr.r, i, &k);
		h = gkey_hash(&k);
		h = h ? h : 1;
		p->hash[i] = h;
		p->in_part[partition_of(h, p->n)]++;
	}
	return NULL;
}

static void *group_rows(void *arg)
{
	struct part *p = arg;
	const struct pgs_table *t = p->gr.r->t;
	size_t i;

	for (i = 0; i < t->rows && !p->err; i++) {
		uint32_t h = p->hash[i];
		struct group one;

		if (!h || (p->n > 1 && partition_of(h, p->n) != p->k))
			continue;
		one.times = 1;
		one.pages = table_row_pages(t, i);
		one.first = i;
		one.ts_min = t->c_ts ? t->c_ts[i] : 0;
		p->err = grouper_add(&p->gr, &one, h);
	}
	return NULL;
}

/* Run fn on parts[0..n) on n threads (the calling one included). */
static void run_parts(struct part *parts, unsigned n, void *(*fn)(void *))
{
	pthread_t tid[AGGREGATE_THREADS_MAX];
	bool started[AGGREGATE_THREADS_MAX] = { false };
	unsigned k;

	for (k = 1; k < n; k++)
		started[k] = pthread_create(&tid[k], NULL, fn, &parts[k]) == 0;
	fn(&parts[0]);
	for (k = 1; k < n; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		else
			fn(&parts[k]);	/* no thread: do it here */
	}
}

/*
 * Grouping by ids first. When every cull key is a function of one column's
 * ids (the stacktrace's, the header template's or the PFN template's),
 * each thread sums its block of rows per id, without a key or a hash per
 * row, and only the ids are then grouped by key: for --cull=st the 1.78
 * million rows of the bench dump are 824 stacks. The column a key's value
 * depends on is its table row's col (keys.c).
 */

/* The column all cull keys depend on, with its number of ids; or NULL. */
static const uint32_t *cull_column(const struct pgs_result *r, size_t *nids)
{
	const struct pgs_table *t = r->t;
	enum key_col col = KCOL_ROW;
	unsigned id;

	for (id = 0; id < K__COUNT; id++) {
		enum key_col c;

		if (!(r->s.cull & KEY_BIT(id)))
			continue;
		c = pgs_keys[id].col;
		if (c == KCOL_ROW || (col != KCOL_ROW && c != col))
			return NULL;
		col = c;
	}
	switch (col) {
	case KCOL_ST:
		*nids = t->st_n;
		return t->c_st;
	case KCOL_HDR:
		*nids = t->hdrs.count;
		return t->c_hdr;
	case KCOL_PFNT:
		*nids = t->pfns.count;
		return t->c_pfnt;
	default:
		return NULL;
	}
}

static void *sum_rows(void *arg)
{
	struct part *p = arg;
	const struct pgs_table *t = p->gr.r->t;
	size_t i;

	for (i = p->from; i < p->to; i++) {
		uint64_t pages, ts;
		struct group *a;

		if (!row_selected(p, t, i))
			continue;
		pages = table_row_pages(t, i);
		ts = t->c_ts ? t->c_ts[i] : 0;
		p->records++;
		p->pages += pages;
		a = &p->acc[p->col[i]];
		if (!a->times++) {
			a->first = i;
			a->ts_min = ts;
		} else if (ts < a->ts_min) {
			a->ts_min = ts;
		}
		a->pages += pages;
	}
	return NULL;
}

/* Join the parts' sums per id (sum_rows), then group the ids (see above). */
static int group_ids(struct pgs_result *r, struct part *parts, unsigned n, size_t nids)
{
	struct group *sum = parts[0].acc;
	struct grouper gr = { 0 };
	size_t id, used = 0;
	unsigned k;
	int err = 0;

	for (k = 1; k < n; k++) {
		for (id = 0; id < nids; id++) {
			const struct group *b = &parts[k].acc[id];

			if (!b->times)
				continue;
			if (!sum[id].times)
				sum[id] = *b;
			else
				group_absorb(&sum[id], b);
		}
	}
	for (id = 0; id < nids; id++)
		used += sum[id].times != 0;
	if (!(r->g = pgs__malloc(r->al, used * sizeof(*r->g) + 1)))
		err = -ENOMEM;
	if (!err)
		err = grouper_init(&gr, r, r->g, used);
	for (id = 0; !err && id < nids; id++) {
		struct gkey key;
		uint32_t h;

		if (!sum[id].times)
			continue;
		row_key(r, sum[id].first, &key);
		h = gkey_hash(&key);
		err = grouper_add(&gr, &sum[id], h ? h : 1);
	}
	if (!err)
		r->ngroups = gr.n;
	pgs__free(r->al, gr.slots);
	return err;
}

/* Fewer rows than this are grouped on the calling thread. */
#define PARALLEL_ROWS 65536
/* Up to this many ids, group_ids() is used whatever the number of rows. */
#define IDS_MIN 65536

static int aggregate(struct pgs_result *r, const struct pgs_query *q, unsigned threads)
{
	const struct pgs_table *t = r->t;
	struct part parts[AGGREGATE_THREADS_MAX];
	uint8_t *hsel = NULL, *psel = NULL, *ssel = NULL, *rsel = NULL;
	const uint32_t *col;
	uint32_t *hash;
	size_t nids = 0;
	size_t ngroups = 0, base = 0, rows_k;
	unsigned n, k;
	int err = 0;

	if ((q->s.sel_pid || q->s.sel_tgid || q->s.sel_name) && t->kind == PGS_KIND_PAGE_OWNER &&
	    !(hsel = select_headers(q, t)))
		return -ENOMEM;
	if (q->s.sel_node && t->kind == PGS_KIND_PAGE_OWNER && !(psel = select_pfns(q, t))) {
		pgs__free(r->al, hsel);
		return -ENOMEM;
	}
	if (q->s.sel_module && !(ssel = select_stacks(q, t))) {
		pgs__free(r->al, hsel);
		pgs__free(r->al, psel);
		return -ENOMEM;
	}
	err = select_rows(r, q, &rsel);
	col = err ? NULL : cull_column(r, &nids);
	/* Ids few enough that a sum array per thread is cheaper than hashing. */
	if (col && nids > IDS_MIN && nids > t->rows / 8)
		col = NULL;
	hash = err || col ? NULL : pgs__malloc(r->al, t->rows * sizeof(*hash) + 1);
	if (!err && !col && !hash)
		err = -ENOMEM;
	if (err) {
		pgs__free(r->al, hsel);
		pgs__free(r->al, psel);
		pgs__free(r->al, ssel);
		pgs__free(r->al, rsel);
		return err;
	}
	n = t->rows < PARALLEL_ROWS ? 1 : threads < 1 ? 1 :
	    threads > AGGREGATE_THREADS_MAX ? AGGREGATE_THREADS_MAX : threads;
	memset(parts, 0, sizeof(parts));
	for (k = 0; k < n; k++) {
		parts[k].gr.r = r;
		parts[k].q = q;
		parts[k].hsel = hsel;
		parts[k].psel = psel;
		parts[k].ssel = ssel;
		parts[k].rsel = rsel;
		parts[k].hash = hash;
		parts[k].from = t->rows * k / n;
		parts[k].to = t->rows * (k + 1) / n;
		parts[k].k = k;
		parts[k].n = n;
		parts[k].col = col;
	}
	/* Pass 1: per-id sums, or each row's key hash. */
	for (k = 0; k < n && col && !err; k++)
		if (!(parts[k].acc = pgs__calloc(r->al, nids, sizeof(*parts[k].acc))))
			err = -ENOMEM;
	if (!err)
		run_parts(parts, n, col ? sum_rows : hash_rows);
	for (k = 0; k < n; k++) {
		r->records += parts[k].records;
		r->pages += parts[k].pages;
	}
	if (col) {
		if (!err)
			err = group_ids(r, parts, n, nids);
		goto out;
	}
	/*
	 * Partition k fills r->g from the number of rows the earlier ones
	 * hold (a bound on their groups); the groups are packed afterwards.
	 */
	if (!(r->g = pgs__malloc(r->al, (size_t)r->records * sizeof(*r->g) + 1)))
		err = -ENOMEM;
	for (k = 0; k < n && !err; k++) {
		unsigned j;

		for (j = 0, rows_k = 0; j < n; j++)
			rows_k += parts[j].in_part[k];
		err = grouper_init(&parts[k].gr, r, r->g + base, rows_k);
		base += rows_k;
	}
	if (!err)
		run_parts(parts, n, group_rows);
	for (k = 0; k < n && !err; k++) {
		err = parts[k].err;
		memmove(r->g + ngroups, parts[k].gr.g, parts[k].gr.n * sizeof(*r->g));
		ngroups += parts[k].gr.n;
	}
	if (!err)
		r->ngroups = ngroups;
	for (k = 0; k < n; k++)
		pgs__free(r->al, parts[k].gr.slots);
out:
	for (k = 0; k < n; k++)
		pgs__free(r->al, parts[k].acc);
	pgs__free(r->al, hash);
	pgs__free(r->al, hsel);
	pgs__free(r->al, psel);
	pgs__free(r->al, ssel);
	pgs__free(r->al, rsel);
	return err;
}

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

static keyset filter_keys_of(const struct pgs_query *q)
{
	keyset used = 0;
	size_t i;

	for (i = 0; i < q->nfilters; i++)
		used |= filter_keys(q->filters[i]);
	return used;
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

/* Whether rows of t lack the field of key id. */
static bool key_missing(const struct pgs_table *t, enum key_id id)
{
	const struct key_def *k = &pgs_keys[id];

	return (k->feat & t->features) != k->feat || !(k->kinds & KIND_BIT(t->kind));
}

/* What the rows of each page_owner_stacks file hold. */
static const char *stacks_content(enum pgs_kind kind)
{
	return kind == PGS_KIND_SHOW_STACKS ? "stacks and their pages" :
	       kind == PGS_KIND_SHOW_HANDLES ? "handles and their pages" : "handles and their stacks";
}

/*
 * The first key of q whose field t lacks (cull, sort, unreleased, filters,
 * then selections), with where it came from; false when there is none.
 */
static bool missing_key(const struct pgs_query *q, const struct pgs_table *t,
			enum key_id *key, enum pgs_origin *origin)
{
	static const enum key_id sel_key[] = { K_PID, K_TGID, K_NAME, K_NODE };
	const bool sel[] = { q->s.sel_pid, q->s.sel_tgid, q->s.sel_name, q->s.sel_node };
	keyset filters = filter_keys_of(q);
	size_t i;

	for (i = 0; i < K__COUNT; i++)
		if ((q->s.cull & KEY_BIT(i)) && key_missing(t, (enum key_id)i)) {
			*key = (enum key_id)i, *origin = PGS_ORIGIN_CULL;
			return true;
		}
	for (i = 0; i < q->s.nsort; i++)
		if (key_missing(t, q->s.sort[i].id)) {
			*key = q->s.sort[i].id, *origin = PGS_ORIGIN_SORT;
			return true;
		}
	if (q->s.unreleased && key_missing(t, K_FREE_TS)) {
		*key = K_FREE_TS, *origin = PGS_ORIGIN_UNRELEASED;
		return true;
	}
	for (i = 0; i < K__COUNT; i++)
		if ((filters & KEY_BIT(i)) && key_missing(t, (enum key_id)i)) {
			*key = (enum key_id)i, *origin = PGS_ORIGIN_FILTER;
			return true;
		}
	/* A selection needs page_owner blocks; an era without the field just never matches. */
	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++)
		if (sel[i] && t->kind != PGS_KIND_PAGE_OWNER) {
			*key = sel_key[i], *origin = PGS_ORIGIN_SELECT;
			return true;
		}
	return false;
}

/* PGS_E_NOFIELD when t lacks a field q needs (the detail filled), else 0. */
static int query_check_fields(const struct pgs_query *q, const struct pgs_table *t)
{
	const struct key_def *k;
	enum pgs_origin origin;
	enum key_id id;

	if (!missing_key(q, t, &id, &origin))
		return 0;
	k = key_by_id(id);
	if (t->kind != PGS_KIND_PAGE_OWNER)
		query_detail(q, PGS_E_NOFIELD, t, 0, k, origin,
			     "needs the %s of each block; %s input has only %s", k->field,
			     pgs_kind_name(t->kind), stacks_content(t->kind));
	else
		query_detail(q, PGS_E_NOFIELD, t, 0, k, origin,
			     "needs the free_ts of each block, which only dumps of kernels "
			     "5.14-6.6 have; this page_owner dump is of era %s", table_era(t));
	return PGS_E_NOFIELD;
}

/*
 * -EOVERFLOW (the detail filled) when the input's pages times the page size
 * pass 2^64, so that no group's bytes could be told, else 0.
 */
static int query_check_bytes(const struct pgs_query *q, const struct pgs_table *t)
{
	uint64_t page_size = q->s.page_size ? q->s.page_size : PAGE_SIZE_DEFAULT, total = 0, bytes;
	size_t i;

	if (t->kind == PGS_KIND_PAGE_OWNER)
		total = t->pages;
	else
		for (i = 0; i < t->rows; i++)
			if (__builtin_add_overflow(total, table_row_pages(t, i), &total))
				goto overflow;
	if (!__builtin_mul_overflow(total, page_size, &bytes))
		return 0;
overflow:
	query_detail(q, -EOVERFLOW, t, 0, NULL, PGS_ORIGIN_NONE,
		     "its pages times the page size (%llu) exceed 2^64 bytes",
		     (unsigned long long)page_size);
	return -EOVERFLOW;
}

PGS_API int pgs_query_run(const struct pgs_query *q, const struct pgs_table *t,
			  struct pgs_result **out)
{
	static const struct sort_key by_times = { K_TIMES, -1 };
	static const struct sort_key by_pages = { K_PAGES, -1 };
	struct pgs_result *r;
	size_t i;
	int err = 0;

	RETURN_ERROR_IF(!q || !t || !out, -EINVAL);
	FORWARD_IF_ERROR(query_check_fields(q, t));
	FORWARD_IF_ERROR(query_check_bytes(q, t));
	r = pgs__calloc(t->al, 1, sizeof(*r));
	RETURN_ERROR_IF(!r, -ENOMEM);
	r->al = pgs__keep(&r->alloc, t->al);
	r->t = t;
	r->s = q->s;
	r->kc.t = t;
	r->kc.strip = q->s.strip;
	r->kc.page_size = q->s.page_size ? q->s.page_size : PAGE_SIZE_DEFAULT;
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

	/* Once per distinct stack, so pgs_result_value() has it for any key. */
	err = key_callsites(&r->kc, r->al, q->cs_skip, NULL, NULL);
	if (!err)
		err = aggregate(r, q, q->threads ? q->threads : pgs__online_cpus());
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
	pgs__free(r->al, r);
}

int result_value_of(const struct pgs_result *r, const struct group *g,
		    const struct key_def *k, struct pgs_value *out)
{
	struct pgs_value v;
	struct kval kv;
	char buf[16];
	size_t sz;

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
