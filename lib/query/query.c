/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The query object: its setters, which check each argument as it is given
 * (a key that cannot be culled, a pid that is not a number), and the checks
 * of a query against a table before it runs (a field the input lacks, bytes
 * past 2^64), which fill the error detail. Running it: result.c.
 */
#include <stdarg.h>	/* va_list */
#include <stdio.h>	/* snprintf */

#include "../regex.h"	/* pcre2_get_error_message */
#include "filter.h"
#include "run.h"
#include "value.h"

/* MAX_NUMNODES is at most 1024 (NODES_SHIFT 10): --node's bound. */
#define MAX_NUMNODES 1024

PGS_API int pgs_query_create_opts(struct pgs_query **out, const struct pgs_query_opts *opts)
{
	struct pgs_query_opts o = PGS_INIT(pgs_query_opts);
	struct pgs_query *q;

	RETURN_ERROR_IF(!out, -EINVAL, "expected a place for the query, not NULL");
	FORWARD_IF_ERROR(OPTS_LOAD(&o, opts));
	RETURN_ERROR_IF(o.allocator && !(o.allocator->malloc_fn && o.allocator->realloc_fn &&
					 o.allocator->free_fn), -EINVAL,
			"expected an allocator with malloc_fn, realloc_fn and free_fn");
	q = pgs__calloc(o.allocator, 1, sizeof(*q));
	RETURN_ERROR_IF(!q, -ENOMEM, "out of memory for a query of %zu bytes", sizeof(*q));
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

	RETURN_ERROR_IF(!list, -EINVAL, "expected a comma-separated list, not NULL");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		FORWARD_IF_ERROR(fn(arg, p, n));
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* A setter's list: the query, the whole argument (for offsets) and the result. */
struct setter {
	struct pgs_query *q;
	const char *list;
	keyset cull;
};

/*
 * The key named s[0..n) (an item of x->list) if it has use (KEY_CULL or
 * KEY_SORT); else NULL, with the detail filled: where in the list, which
 * key, what was expected.
 */
static const struct key_def *list_key(const struct setter *x, const char *s, size_t n,
				      unsigned use, enum pgs_origin origin)
{
	const struct key_def *k = key_lookup(s, n);
	const char *can = use == KEY_CULL ? "group" : "sort";
	const char *such = use == KEY_CULL ? "stacktrace, pid, name, module, callsite" :
			   "times, pages, pid, name, alloc_ts";
	size_t off = (size_t)(s - x->list);

	if (k && (k->use & use))
		return k;
	if (!n)
		query_detail_arg(x->q, PGS_E_KEY, NULL, origin, off, 0,
				 "an empty key: expected %sa key that can %s, such as %s, "
				 "between commas", use == KEY_SORT ? "[+|-] and " : "", can, such);
	else if (!k)
		query_detail_arg(x->q, PGS_E_KEY, NULL, origin, off, n,
				 "'%.*s' is not a key: expected %sa key that can %s, such as %s",
				 (int)(n < 64 ? n : 64), s, use == KEY_SORT ? "[+|-] and " : "",
				 can, such);
	else
		query_detail_arg(x->q, PGS_E_KEY, k, origin, off, n,
				 "cannot %s: expected a key that can, such as %s", can, such);
	return NULL;
}

static int add_cull(void *arg, const char *s, size_t n)
{
	struct setter *x = arg;
	const struct key_def *k = list_key(x, s, n, KEY_CULL, PGS_ORIGIN_CULL);

	RETURN_ERROR_IF(!k, PGS_E_KEY);
	x->cull |= KEY_BIT(k->id);
	return 0;
}

/*
 * A setter's error err, returned; -ENOMEM, which no setter details itself,
 * fills the detail with what RETURN_ERROR_IF noted (query_null_arg(),
 * which every setter of a string calls first, cleared the note).
 */
static int setter_end(const struct pgs_query *q, enum pgs_origin origin, int err)
{
	const char *why = pgs__noted(err);

	if (err == -ENOMEM)
		query_detail_arg(q, err, NULL, origin, PGS_OFFSET_NONE, 0, "%s",
				 why ? why : "out of memory");
	return err;
}

PGS_API int pgs_query_set_cull(struct pgs_query *q, const char *keys)
{
	struct setter x = { q, keys, 0 };

	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	FORWARD_IF_ERROR(query_null_arg(q, keys, PGS_ORIGIN_CULL));
	FORWARD_IF_ERROR(each_item(keys, add_cull, &x));
	q->s.cull = x.cull;
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
	struct setter *x = arg;
	struct pgs_query *q = x->q;
	const struct key_def *k;
	int sign = sort_sign(&s, &n);

	k = list_key(x, s, n, KEY_SORT, PGS_ORIGIN_SORT);
	RETURN_ERROR_IF(!k, PGS_E_KEY);
	FORWARD_IF_ERROR(pgs__grow(q->al, (void **)&q->s.sort, &q->sort_cap,
				   q->s.nsort + 1, sizeof(*q->s.sort)));
	q->s.sort[q->s.nsort].id = k->id;
	q->s.sort[q->s.nsort].sign = sign;
	q->s.nsort++;
	return 0;
}

PGS_API int pgs_query_add_sort(struct pgs_query *q, const char *keys)
{
	struct setter x = { q, keys, 0 };
	size_t before;
	int err;

	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	FORWARD_IF_ERROR(query_null_arg(q, keys, PGS_ORIGIN_SORT));
	before = q->s.nsort;
	err = each_item(keys, add_sort, &x);
	if (err)
		q->s.nsort = before;	/* all or nothing */
	return setter_end(q, PGS_ORIGIN_SORT, err);
}

PGS_API void pgs_query_clear_sort(struct pgs_query *q)
{
	if (q)
		q->s.nsort = 0;
}

struct numlist {
	const struct pgs_query *q;
	const char *list;
	const struct key_def *key;	/* pid or tgid */
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
	const char *item = s;
	size_t len = n;
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
	if (n == 0 || pgs__parse_u64(s, n, &v) != n || v > (uint64_t)INT32_MAX + neg) {
		query_detail_arg(l->q, -EINVAL, l->key, PGS_ORIGIN_SELECT,
				 (size_t)(item - l->list), len,
				 "takes decimal numbers from -2147483648 to 2147483647, not '%.*s'",
				 (int)(len < 64 ? len : 64), item);
		return -EINVAL;
	}
	FORWARD_IF_ERROR(pgs__grow(l->q->al, (void **)l->v, l->cap, *l->n + 1, sizeof(**l->v)));
	(*l->v)[(*l->n)++] = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	return 0;
}

static int select_nums(const struct pgs_query *q, enum key_id key, int32_t **v, size_t *n,
		       size_t *cap, const char *list)
{
	struct numlist l = { q, list, key_by_id(key), v, n, cap };
	size_t before = *n;
	int err = query_null_arg(q, list, PGS_ORIGIN_SELECT);

	if (!err)
		err = each_item(list, add_num, &l);
	if (err)
		*n = before;
	return setter_end(q, PGS_ORIGIN_SELECT, err);
}

PGS_API int pgs_query_select_pid(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	FORWARD_IF_ERROR(select_nums(q, K_PID, &q->pids, &q->npids, &q->pids_cap, list));
	q->s.sel_pid = true;
	return 0;
}

PGS_API int pgs_query_select_tgid(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	FORWARD_IF_ERROR(select_nums(q, K_TGID, &q->tgids, &q->ntgids, &q->tgids_cap, list));
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
	RETURN_ERROR_IF(!copy, -ENOMEM, "out of memory for a name of %zu bytes", n);
	(*l->v)[(*l->n)++] = copy;
	return 0;
}

static int select_strs(const struct pgs_query *q, char ***v, size_t *n, size_t *cap,
		       const char *list)
{
	struct strlist l = { q->al, v, n, cap };

	FORWARD_IF_ERROR(query_null_arg(q, list, PGS_ORIGIN_SELECT));
	return setter_end(q, PGS_ORIGIN_SELECT, each_item(list, add_str, &l));
}

PGS_API int pgs_query_select_name(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	FORWARD_IF_ERROR(select_strs(q, &q->names, &q->nnames, &q->names_cap, list));
	q->s.sel_name = true;
	return 0;
}

PGS_API int pgs_query_select_module(struct pgs_query *q, const char *list)
{
	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	FORWARD_IF_ERROR(select_strs(q, &q->modules, &q->nmodules, &q->modules_cap, list));
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
	struct setter *x = arg;
	struct pgs_query *q = x->q;
	const char *dash = memchr(s, '-', n);
	uint64_t lo, hi = 0;
	size_t ln = dash ? (size_t)(dash - s) : n;
	bool ok = ln && pgs__parse_u64(s, ln, &lo) == ln;

	if (ok && !dash)
		hi = lo;
	else if (ok)
		ok = n - ln - 1 && pgs__parse_u64(dash + 1, n - ln - 1, &hi) == n - ln - 1;
	if (!ok || hi < lo || hi >= MAX_NUMNODES) {
		query_detail_arg(q, -EINVAL, key_by_id(K_NODE), PGS_ORIGIN_SELECT,
				 (size_t)(s - x->list), n,
				 "takes node numbers from 0 to %d and ranges lo-hi (0,2-3), "
				 "not '%.*s'%s", MAX_NUMNODES - 1, (int)(n < 64 ? n : 64), s,
				 ok ? (hi < lo ? ": a range from high to low" : ": past the last node") : "");
		return -EINVAL;
	}
	for (; lo <= hi; lo++) {
		FORWARD_IF_ERROR(pgs__grow(q->al, (void **)&q->nodes, &q->nodes_cap,
					   q->nnodes + 1, sizeof(*q->nodes)));
		q->nodes[q->nnodes++] = (int32_t)lo;
	}
	return 0;
}

PGS_API int pgs_query_select_node(struct pgs_query *q, const char *nodelist)
{
	struct setter x = { q, nodelist, 0 };
	size_t before;
	int err;

	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	FORWARD_IF_ERROR(query_null_arg(q, nodelist, PGS_ORIGIN_SELECT));
	before = q->nnodes;
	err = each_item(nodelist, add_nodes, &x);
	if (err) {
		q->nnodes = before;
		return setter_end(q, PGS_ORIGIN_SELECT, err);
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
	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	if (!bytes) {
		query_detail_arg(q, -EINVAL, key_by_id(K_BYTES), PGS_ORIGIN_NONE, PGS_OFFSET_NONE, 0,
				 "needs a page size of at least 1 byte, not 0");
		return -EINVAL;
	}
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
	size_t off = 0;
	int code = 0, err;

	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	pgs__note_clear();
	if (pattern) {
		/* Compile it once now, so that a bad pattern fails here. */
		err = key_callsites(&kc, q->al, pattern, &off, &code);
		if (err == PGS_E_FILTER) {
			PCRE2_UCHAR why[120];

			if (pcre2_get_error_message(code, why, sizeof(why)) < 0)
				snprintf((char *)why, sizeof(why), "PCRE2 error %d", code);
			query_detail_arg(q, err, key_by_id(K_CALLSITE), PGS_ORIGIN_NONE, off, 0,
					 "skip pattern: expected a PCRE2 pattern that compiles: "
					 "%s at byte %zu", (const char *)why, off);
		}
		if (err)
			return setter_end(q, PGS_ORIGIN_NONE, err);
		pgs__free(q->al, kc.cs_own);
		copy = pgs__strdup(q->al, pattern);
		if (!copy)
			return setter_end(q, PGS_ORIGIN_NONE, -ENOMEM);
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

	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	FORWARD_IF_ERROR(query_null_arg(q, expr, PGS_ORIGIN_FILTER));
	ret = filter_parse(expr, q->al, &f, &fe);
	if (ret == PGS_E_FILTER)
		query_detail_arg(q, ret, NULL, PGS_ORIGIN_FILTER, fe.pos, 0, "%s", fe.msg);
	if (ret == PGS_E_FILTER && err) {
		struct pgs_filter_error v = { 0 };
		size_t sz = err->sz < sizeof(v) ? err->sz : sizeof(v);

		v.sz = err->sz;
		v.offset = fe.pos;
		snprintf(v.message, sizeof(v.message), "%s", fe.msg);
		memcpy(err, &v, sz);
	}
	if (ret)
		return setter_end(q, PGS_ORIGIN_FILTER, ret);
	ret = pgs__grow(q->al, (void **)&q->filters, &q->filters_cap, q->nfilters + 1,
			sizeof(*q->filters));
	if (ret) {
		filter_free(f);
		return setter_end(q, PGS_ORIGIN_FILTER, ret);
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

static void vdetail(const struct pgs_query *q, int code, const struct pgs_table *t, int input,
		    const struct key_def *key, enum pgs_origin origin, size_t off, size_t len,
		    const char *fmt, va_list ap)
	__attribute__((format(printf, 9, 0)));

static void vdetail(const struct pgs_query *q, int code, const struct pgs_table *t, int input,
		    const struct key_def *key, enum pgs_origin origin, size_t off, size_t len,
		    const char *fmt, va_list ap)
{
	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
	size_t sz;

	if (!q->detail || q->detail->sz < sizeof(size_t))
		return;
	e.code = code;
	e.offset = off;
	e.length = len;
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
	vsnprintf(e.message, sizeof(e.message), fmt, ap);
	/* A caller built against an older, smaller struct gets what fits. */
	sz = q->detail->sz < sizeof(e) ? q->detail->sz : sizeof(e);
	e.sz = q->detail->sz;
	memcpy(q->detail, &e, sz);
}

void query_detail(const struct pgs_query *q, int code, const struct pgs_table *t, int input,
		  const struct key_def *key, enum pgs_origin origin, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdetail(q, code, t, input, key, origin, PGS_OFFSET_NONE, 0, fmt, ap);
	va_end(ap);
}

void query_detail_arg(const struct pgs_query *q, int code, const struct key_def *key,
		      enum pgs_origin origin, size_t off, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdetail(q, code, NULL, 0, key, origin, off, len, fmt, ap);
	va_end(ap);
}

int query_null_arg(const struct pgs_query *q, const void *arg, enum pgs_origin origin)
{
	pgs__note_clear();
	if (arg)
		return 0;
	query_detail_arg(q, -EINVAL, NULL, origin, PGS_OFFSET_NONE, 0,
			 "expected a string, not NULL");
	return -EINVAL;
}

static keyset filter_keys_of(const struct pgs_query *q)
{
	keyset used = 0;
	size_t i;

	for (i = 0; i < q->nfilters; i++)
		used |= filter_keys(q->filters[i]);
	return used;
}

bool query_needs_frames(const struct pgs_query *q)
{
	keyset used = q->s.cull | filter_keys_of(q);
	size_t i;
	enum key_id k;

	for (i = 0; i < q->s.nsort; i++)
		if (q->s.sort[i].id < K__COUNT)
			used |= KEY_BIT(q->s.sort[i].id);
	if (q->s.strip || q->nmodules)
		return true;
	for (k = 0; k < K__COUNT; k++)
		if ((used & KEY_BIT(k)) && key_needs_frames(k))
			return true;
	return false;
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
		     "its pages times the page size (%llu) exceed 2^64 bytes, which the "
		     "bytes of its groups must fit",
		     (unsigned long long)page_size);
	return -EOVERFLOW;
}
