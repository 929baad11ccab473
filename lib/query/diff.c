/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Snapshot diff. The query runs on each table as usual; the groups are then
 * matched by a key made of their cull-key values as bytes: a string value
 * by its text, a number by itself. A group's values are those of its first
 * row (every row of a group has the same cull-key values), so matching
 * costs one key per group, not per row: BEFORE's keys go into a hash table
 * and each of AFTER's groups is looked up once.
 */
#include <stdlib.h>	/* qsort_r */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "diff.h"
#include "value.h"

static const char *const dkey_names[] = {
	[D_PAGES_BEFORE - K__COUNT] = "pages_before",
	[D_PAGES_AFTER - K__COUNT] = "pages_after",
	[D_PAGES_DELTA - K__COUNT] = "pages_delta",
	[D_TIMES_BEFORE - K__COUNT] = "times_before",
	[D_TIMES_AFTER - K__COUNT] = "times_after",
	[D_TIMES_DELTA - K__COUNT] = "times_delta",
};

const char *dkey_name(int id)
{
	if (id >= K__COUNT && id < D__END)
		return dkey_names[id - K__COUNT];
	return key_by_id((enum key_id)id)->long_name;
}

/* A diff sort key by name: a diff key, or a query sort key; -1 if neither. */
static int dkey_lookup(const char *s, size_t n)
{
	const struct key_def *k;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dkey_names); i++)
		if (strlen(dkey_names[i]) == n && memcmp(dkey_names[i], s, n) == 0)
			return (int)(K__COUNT + i);
	k = key_lookup(s, n);
	if (!k || !(k->use & KEY_SORT) || k->id == K_TXT)
		return -1;	/* txt: a whole block, which a diff group does not have */
	/* The aggregates of a diff are its deltas. */
	if (k->id == K_PAGES || k->id == K_BYTES)
		return D_PAGES_DELTA;
	if (k->id == K_TIMES)
		return D_TIMES_DELTA;
	return (int)k->id;
}

static int add_dsort(struct pgs_diff *d, size_t *cap, int id, int sign)
{
	FORWARD_IF_ERROR(pgs__grow(d->al, (void **)&d->sort, cap, d->nsort + 1, sizeof(*d->sort)));
	d->sort[d->nsort].id = id;
	d->sort[d->nsort].sign = sign;
	d->nsort++;
	return 0;
}

struct sort_list {
	struct pgs_diff *d;
	const struct pgs_query *q;
	const char *list;	/* the whole argument, for offsets */
	size_t cap;
};

static int add_dsort_item(void *arg, const char *s, size_t n)
{
	struct sort_list *x = arg;
	int sign = sort_sign(&s, &n), id = dkey_lookup(s, n);

	if (id < 0) {
		query_detail_arg(x->q, PGS_E_KEY, NULL, PGS_ORIGIN_SORT, (size_t)(s - x->list), n,
				 "'%.*s' is not a diff sort key: expected [+|-] and a key that "
				 "can sort but txt, or pages_before, pages_after, pages_delta, "
				 "times_before, times_after, times_delta", (int)(n < 64 ? n : 64), s);
		return PGS_E_KEY;
	}
	return add_dsort(x->d, &x->cap, id, sign);
}

/* The diff's sort keys: opts' list, else the query's, else -pages_delta. */
static int set_sort(struct pgs_diff *d, const struct pgs_query *q, const char *list)
{
	struct sort_list x = { d, q, list, 0 };
	size_t i;

	if (list) {
		FORWARD_IF_ERROR(each_item(list, add_dsort_item, &x));
	} else {
		for (i = 0; i < q->s.nsort; i++) {
			const struct key_def *k = key_by_id(q->s.sort[i].id);
			int id = dkey_lookup(k->long_name, strlen(k->long_name));

			if (id < 0) {
				query_detail(q, PGS_E_KEY, NULL, 0, k, PGS_ORIGIN_SORT,
					     "cannot sort a diff (a diff group has no one block "
					     "text): expected another sort key, or the diff's own "
					     "in pgs_diff_opts.sort");
				return PGS_E_KEY;
			}
			FORWARD_IF_ERROR(add_dsort(d, &x.cap, id, q->s.sort[i].sign));
		}
	}
	if (!d->nsort)
		FORWARD_IF_ERROR(add_dsort(d, &x.cap, D_PAGES_DELTA, -1));
	return 0;
}

/* The bytes that name a group across tables: its cull-key values, texts for strings. */
int match_key(const struct pgs_allocator *al, const struct pgs_result *r, keyset cull,
	      size_t row, struct buf *kb)
{
	unsigned id;

	for (id = 0; id < K__COUNT; id++) {
		struct kval v;
		uint64_t len;
		uint8_t type;

		if (!(cull & KEY_BIT(id)))
			continue;
		key_value(&r->kc, (enum key_id)id, row, &v);
		type = v.type;
		FORWARD_IF_ERROR(buf_put(al, kb, &type, 1));
		if (v.type == KV_NULL)
			continue;
		if (v.type != KV_STR) {
			FORWARD_IF_ERROR(buf_put(al, kb, &v.v, sizeof(v.v)));
			continue;
		}
		len = strpool_len(&r->t->strings, (uint32_t)v.v);
		FORWARD_IF_ERROR(buf_put(al, kb, &len, sizeof(len)));
		FORWARD_IF_ERROR(buf_put(al, kb, strpool_str(&r->t->strings, (uint32_t)v.v), len));
	}
	return 0;
}

/* BEFORE's groups by key: open addressing, slot = group + 1, 0 empty. */
struct index {
	const struct pgs_allocator *al;
	struct buf keys;	/* every group's key, one after another */
	size_t *off;		/* by group: its key in keys, and off[n] the end */
	uint32_t *slots, *hash;
	size_t mask;
};

static int index_build(struct index *ix, const struct pgs_allocator *al,
		       const struct pgs_result *r, keyset cull)
{
	size_t n = r->ngroups, i, s;

	memset(ix, 0, sizeof(*ix));
	ix->al = al;
	for (ix->mask = 15; ix->mask < 2 * n; ix->mask = ix->mask * 2 + 1)
		;
	ix->off = pgs__malloc(al, (n + 1) * sizeof(*ix->off));
	ix->slots = pgs__calloc(al, ix->mask + 1, sizeof(*ix->slots));
	ix->hash = pgs__malloc(al, (n + 1) * sizeof(*ix->hash));
	RETURN_ERROR_IF(!ix->off || !ix->slots || !ix->hash, -ENOMEM,
			"out of memory for the index of %zu groups", n);
	for (i = 0; i < n; i++) {
		ix->off[i] = ix->keys.len;
		FORWARD_IF_ERROR(match_key(al, r, cull, r->g[i].first, &ix->keys));
		ix->hash[i] = (uint32_t)XXH3_64bits(ix->keys.p + ix->off[i],
						    ix->keys.len - ix->off[i]);
		for (s = ix->hash[i] & ix->mask; ix->slots[s]; s = (s + 1) & ix->mask)
			;
		ix->slots[s] = (uint32_t)i + 1;
	}
	ix->off[n] = ix->keys.len;
	return 0;
}

/* BEFORE's group with key k[0..len), or D_NONE. */
static uint32_t index_find(const struct index *ix, const char *k, size_t len)
{
	uint32_t h = (uint32_t)XXH3_64bits(k, len);
	size_t s;

	for (s = h & ix->mask; ix->slots[s]; s = (s + 1) & ix->mask) {
		uint32_t g = ix->slots[s] - 1;

		if (ix->hash[g] == h && ix->off[g + 1] - ix->off[g] == len &&
		    memcmp(ix->keys.p + ix->off[g], k, len) == 0)
			return g;
	}
	return D_NONE;
}

static void index_free(struct index *ix)
{
	const struct pgs_allocator *al = ix->al;

	pgs__free(al, ix->keys.p);
	pgs__free(al, ix->off);
	pgs__free(al, ix->slots);
	pgs__free(al, ix->hash);
}

static int match(struct pgs_diff *d)
{
	const struct pgs_result *b = d->r[0], *a = d->r[1];
	struct index ix;
	struct buf kb = { 0 };
	uint8_t *seen = NULL;
	size_t i;
	int err;

	err = index_build(&ix, d->al, b, d->cull);
	if (!err && !(seen = pgs__calloc(d->al, b->ngroups + 1, 1)))
		err = -ENOMEM;
	if (!err &&
	    !(d->g = pgs__malloc(d->al, (a->ngroups + b->ngroups + 1) * sizeof(*d->g))))
		err = -ENOMEM;
	for (i = 0; !err && i < a->ngroups; i++) {
		struct dgroup *x = &d->g[d->ngroups++];

		kb.len = 0;
		err = match_key(d->al, a, d->cull, a->g[i].first, &kb);
		if (err)
			break;
		x->g[0] = index_find(&ix, kb.p, kb.len);
		x->g[1] = (uint32_t)i;
		x->pages[1] = a->g[i].pages;
		x->times[1] = a->g[i].times;
		x->pages[0] = x->times[0] = 0;
		if (x->g[0] != D_NONE) {
			seen[x->g[0]] = 1;
			x->pages[0] = b->g[x->g[0]].pages;
			x->times[0] = b->g[x->g[0]].times;
		}
	}
	for (i = 0; !err && i < b->ngroups; i++) {
		struct dgroup *x;

		if (seen[i])
			continue;
		x = &d->g[d->ngroups++];
		x->g[0] = (uint32_t)i;
		x->g[1] = D_NONE;
		x->pages[0] = b->g[i].pages;
		x->times[0] = b->g[i].times;
		x->pages[1] = x->times[1] = 0;
	}
	pgs__free(d->al, kb.p);
	pgs__free(d->al, seen);
	index_free(&ix);
	return err;
}

static int64_t delta(uint64_t before, uint64_t after)
{
	return (int64_t)(after - before);
}

static int cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int cmp_dkey(const struct pgs_diff *d, int id, const struct dgroup *a,
		    const struct dgroup *b)
{
	const struct pgs_result *ra, *rb;
	const struct group *ga, *gb;

	switch (id) {
	case D_PAGES_BEFORE: return cmp_u64(a->pages[0], b->pages[0]);
	case D_PAGES_AFTER: return cmp_u64(a->pages[1], b->pages[1]);
	case D_PAGES_DELTA: return cmp_i64(delta(a->pages[0], a->pages[1]),
					   delta(b->pages[0], b->pages[1]));
	case D_TIMES_BEFORE: return cmp_u64(a->times[0], b->times[0]);
	case D_TIMES_AFTER: return cmp_u64(a->times[1], b->times[1]);
	case D_TIMES_DELTA: return cmp_i64(delta(a->times[0], a->times[1]),
					   delta(b->times[0], b->times[1]));
	}
	ga = dgroup_rep(d, a, &ra);
	gb = dgroup_rep(d, b, &rb);
	if (id == K_ALLOC_TS)
		return cmp_u64(ga->ts_min, gb->ts_min);
	return key_cmp(&ra->kc, ga->first, &rb->kc, gb->first, (enum key_id)id);
}

static int cmp_dgroups(const void *pa, const void *pb, void *arg)
{
	const struct pgs_diff *d = arg;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	const struct dgroup *a = &d->g[ia], *b = &d->g[ib];
	size_t i;
	int c;

	for (i = 0; i < d->nsort; i++) {
		c = cmp_dkey(d, d->sort[i].id, a, b);
		if (c)
			return c * d->sort[i].sign;
	}
	c = cmp_dkey(d, D_PAGES_DELTA, b, a);
	if (!c)
		c = cmp_dkey(d, D_TIMES_DELTA, b, a);
	/* d->g is in order of first appearance: AFTER's, then BEFORE's alone. */
	return c ? c : cmp_u64(ia, ib);
}

/* Count the kinds of change, then keep groups that changed by min_pages, then top. */
static void trim(struct pgs_diff *d, const struct query_spec *s)
{
	size_t i, n = 0;

	for (i = 0; i < d->ngroups; i++) {
		const struct dgroup *x = &d->g[i];
		int64_t dp = delta(x->pages[0], x->pages[1]);

		if (x->g[0] == D_NONE)
			d->nnew++;
		else if (x->g[1] == D_NONE)
			d->ngone++;
		else if (dp > 0 || (dp == 0 && x->times[1] > x->times[0]))
			d->ngrew++;
		else if (dp < 0 || x->times[1] < x->times[0])
			d->nshrank++;
		else
			d->nsame++;
	}
	for (i = 0; i < d->ngroups; i++) {
		const struct dgroup *x = &d->g[d->order[i]];
		uint64_t change = x->pages[1] > x->pages[0] ? x->pages[1] - x->pages[0] :
				  x->pages[0] - x->pages[1];

		if (change >= s->min_pages)
			d->order[n++] = d->order[i];
	}
	d->n = s->top && s->top < n ? s->top : n;
}

/*
 * The first key that names something only within one boot among those d
 * groups or sorts by (NULL: none), and where it came from.
 */
static const struct key_def *boot_key(const struct pgs_diff *d, enum pgs_origin *origin)
{
	unsigned id;
	size_t i;

	*origin = PGS_ORIGIN_CULL;
	for (id = 0; id < K__COUNT; id++)
		if ((d->cull & KEY_BIT(id)) && (pgs_keys[id].use & KEY_BOOT))
			return &pgs_keys[id];
	*origin = PGS_ORIGIN_SORT;
	for (i = 0; i < d->nsort; i++)
		if (d->sort[i].id < K__COUNT && (pgs_keys[d->sort[i].id].use & KEY_BOOT))
			return &pgs_keys[d->sort[i].id];
	return NULL;
}

PGS_API int pgs_diff_run(const struct pgs_query *q, const struct pgs_table *before,
			 const struct pgs_table *after, const struct pgs_diff_opts *opts,
			 struct pgs_diff **out)
{
	struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
	struct pgs_query qq;
	struct sort_key *rows_sort = NULL;
	const struct key_def *bk;
	enum pgs_origin origin;
	struct pgs_diff *d;
	size_t i;
	int err;

	RETURN_ERROR_IF(!q, -EINVAL, "expected a query, not NULL");
	pgs__note_clear();
	if (!before || !after || !out || OPTS_LOAD(&o, opts) < 0) {
		query_detail(q, -EINVAL, NULL, 0, NULL, PGS_ORIGIN_NONE,
			     "expected two tables and a place for the diff, not NULL, and "
			     "options of a size this library knows");
		return -EINVAL;
	}
	if (before->kind != after->kind) {
		/* Blocks against stacks would count "+26028 times" that mean nothing. */
		query_detail(q, -EINVAL, after, 0, NULL, PGS_ORIGIN_NONE,
			     "before is %s input and after is %s input: expected two inputs "
			     "of one kind (a page_owner dump counts blocks, the page_owner_stacks "
			     "files count stacks)", pgs_kind_name(before->kind),
			     pgs_kind_name(after->kind));
		return -EINVAL;
	}
	d = pgs__calloc(after->al, 1, sizeof(*d));
	if (!d) {
		query_detail(q, -ENOMEM, NULL, 0, NULL, PGS_ORIGIN_NONE,
			     "out of memory while running the diff");
		return -ENOMEM;
	}
	d->al = pgs__keep(&d->alloc, after->al);
	d->cull = q->s.cull ? q->s.cull : KEY_BIT(K_STACKTRACE);
	err = set_sort(d, q, o.sort);
	if (!err && !(o.flags & PGS_DIFF_SAME_BOOT) && (bk = boot_key(d, &origin))) {
		query_detail(q, PGS_E_KEY, NULL, 0, bk, origin,
			     "means something only within one boot (handle, pfn, alloc_ts, "
			     "free_ts): expected a key that compares across boots, or both "
			     "inputs from one boot");
		err = PGS_E_KEY;
	}
	/*
	 * Each side: the query with the diff's cull keys, every group (top
	 * and min_pages apply to the diff), sorted by the diff's per-row keys
	 * so that a key the table lacks fails as it would in a query.
	 */
	if (!err && !(rows_sort = pgs__malloc(d->al, (d->nsort + 1) * sizeof(*rows_sort))))
		err = -ENOMEM;
	if (!err) {
		qq = *q;
		qq.s.cull = d->cull;
		qq.s.top = 0;
		qq.s.min_pages = 0;
		qq.s.sort = rows_sort;
		qq.s.nsort = 0;
		for (i = 0; i < d->nsort; i++) {
			if (d->sort[i].id >= K__COUNT)
				continue;
			rows_sort[qq.s.nsort].id = (enum key_id)d->sort[i].id;
			rows_sort[qq.s.nsort++].sign = d->sort[i].sign;
		}
		err = pgs_query_run(&qq, before, &d->r[0]);
		if (err == PGS_E_NOFIELD || err == -EOVERFLOW)
			query_detail_input(q, 1);
	}
	if (!err && ((err = pgs_query_run(&qq, after, &d->r[1])) == PGS_E_NOFIELD ||
		     err == -EOVERFLOW))
		query_detail_input(q, 2);
	pgs__free(d->al, rows_sort);
	/* The diff's outputs print frames: both sides have them. */
	if (!err)
		err = result_complete(d->r[0]);
	if (!err)
		err = result_complete(d->r[1]);
	if (!err)
		err = match(d);
	if (!err && !(d->order = pgs__malloc(d->al, (d->ngroups + 1) * sizeof(*d->order))))
		err = -ENOMEM;
	if (err) {
		if (err == -ENOMEM)
			query_detail(q, err, NULL, 0, NULL, PGS_ORIGIN_NONE, "%s",
				     pgs__noted(err) ? pgs__noted(err) :
				     "out of memory while running the diff");
		pgs_diff_free(d);
		return err;
	}
	for (i = 0; i < d->ngroups; i++)
		d->order[i] = (uint32_t)i;
	if (d->ngroups)
		qsort_r(d->order, d->ngroups, sizeof(*d->order), cmp_dgroups, d);
	trim(d, &q->s);
	*out = d;
	return 0;
}

PGS_API void pgs_diff_free(struct pgs_diff *d)
{
	if (!d)
		return;
	pgs_result_free(d->r[0]);
	pgs_result_free(d->r[1]);
	pgs__free(d->al, d->g);
	pgs__free(d->al, d->order);
	pgs__free(d->al, d->sort);
	pgs__free(d->al, d);
}

PGS_API size_t pgs_diff_count(const struct pgs_diff *d)
{
	return d ? d->n : 0;
}

static void fill_group(struct pgs_diff_group *g, const uint64_t pages[2],
		       const uint64_t times[2], enum pgs_diff_status status)
{
	struct pgs_diff_group v;
	size_t sz = g->sz < sizeof(v) ? g->sz : sizeof(v);

	memset(&v, 0, sizeof(v));
	v.sz = g->sz;
	v.pages_before = pages[0];
	v.pages_after = pages[1];
	v.pages_delta = delta(pages[0], pages[1]);
	v.times_before = times[0];
	v.times_after = times[1];
	v.times_delta = delta(times[0], times[1]);
	v.status = status;
	memcpy(g, &v, sz);
}

PGS_API int pgs_diff_group(const struct pgs_diff *d, size_t i, struct pgs_diff_group *g)
{
	const struct dgroup *x;

	if (!d || !g || i >= d->n)
		return -ERANGE;
	x = diff_group(d, i);
	fill_group(g, x->pages, x->times, x->g[0] == D_NONE ? PGS_DIFF_NEW :
		   x->g[1] == D_NONE ? PGS_DIFF_GONE : PGS_DIFF_BOTH);
	return 0;
}

PGS_API int pgs_diff_totals(const struct pgs_diff *d, struct pgs_diff_group *g)
{
	uint64_t pages[2], times[2];

	RETURN_ERROR_IF(!d || !g, -EINVAL);
	pages[0] = d->r[0]->pages;
	pages[1] = d->r[1]->pages;
	times[0] = d->r[0]->records;
	times[1] = d->r[1]->records;
	fill_group(g, pages, times, PGS_DIFF_BOTH);
	return 0;
}

PGS_API int pgs_diff_value(const struct pgs_diff *d, size_t i, const char *key,
			   struct pgs_value *out)
{
	const struct pgs_result *r;
	const struct dgroup *x;
	const struct group *g;
	struct pgs_value v;
	size_t sz;
	int id;

	if (!d || !out || i >= d->n)
		return -ERANGE;
	RETURN_ERROR_IF(!key, PGS_E_KEY);
	x = diff_group(d, i);
	id = dkey_lookup(key, strlen(key));
	if (id < 0) {
		const struct key_def *k = key_lookup(key, strlen(key));

		/* Keys that are no sort key but have a value (free). */
		RETURN_ERROR_IF(!k || k->id == K_TXT || k->id == K_FRAME, PGS_E_KEY);
		id = (int)k->id;
	}
	if (id < K__COUNT) {
		g = dgroup_rep(d, x, &r);
		return result_value_of(r, g, key_by_id((enum key_id)id), out);
	}
	memset(&v, 0, sizeof(v));
	switch (id) {
	case D_PAGES_BEFORE: v.u = x->pages[0]; break;
	case D_PAGES_AFTER: v.u = x->pages[1]; break;
	case D_TIMES_BEFORE: v.u = x->times[0]; break;
	case D_TIMES_AFTER: v.u = x->times[1]; break;
	case D_PAGES_DELTA: v.i = delta(x->pages[0], x->pages[1]); break;
	case D_TIMES_DELTA: v.i = delta(x->times[0], x->times[1]); break;
	}
	/* bytes: the pages delta times the page size. */
	if (key_lookup(key, strlen(key)) && key_lookup(key, strlen(key))->id == K_BYTES)
		v.i *= (int64_t)d->r[1]->kc.page_size;
	if (id == D_PAGES_DELTA || id == D_TIMES_DELTA) {
		v.type = PGS_VALUE_INT;
		v.u = (uint64_t)v.i;
	} else {
		v.type = PGS_VALUE_UINT;
		v.i = (int64_t)v.u;
	}
	sz = out->sz < sizeof(v) ? out->sz : sizeof(v);
	v.sz = out->sz;
	memcpy(out, &v, sz);
	return 0;
}
