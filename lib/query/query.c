/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The query object: its setters, which check each argument as it is given
 * (a key that cannot be culled, a pid that is not a number), and the checks
 * of a query against a table before it runs (a field the input lacks, bytes
 * past 2^64), which fill the error detail. Running it: result.c.
 */
#include <stdarg.h>	/* va_list */
#include <stdio.h>	/* snprintf */

#include "filter.h"
#include "run.h"
#include "value.h"

/* MAX_NUMNODES is at most 1024 (NODES_SHIFT 10): --node's bound. */
#define MAX_NUMNODES 1024

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
	RETURN_ERROR_IF(hi < lo || hi >= MAX_NUMNODES, -EINVAL);
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

static keyset filter_keys_of(const struct pgs_query *q)
{
	keyset used = 0;
	size_t i;

	for (i = 0; i < q->nfilters; i++)
		used |= filter_keys(q->filters[i]);
	return used;
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
int query_check_fields(const struct pgs_query *q, const struct pgs_table *t)
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
int query_check_bytes(const struct pgs_query *q, const struct pgs_table *t)
{
	uint64_t page_size = query_page_size(&q->s), total = 0, bytes;
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
