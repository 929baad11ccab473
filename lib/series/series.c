/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The series model: samples added one table at a time, groups matched by
 * their cull-key values, and each group's shape (growth, leak score).
 */
#include <math.h>
#include <stdio.h>	/* snprintf */
#include <stdlib.h>	/* qsort_r */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "series.h"

static const char *const skey_names[S__END] = {
	[S_SCORE] = "score", [S_GROWTH] = "growth", [S_FIRST] = "first",
	[S_LAST] = "last", [S_MIN] = "min", [S_MAX] = "max",
};

const char *skey_name(int id)
{
	return id >= 0 && id < S__END ? skey_names[id] : NULL;
}

static int add_sort(struct pgs_series *s, size_t *cap, int id, int sign)
{
	FORWARD_IF_ERROR(pgs__grow(s->al, (void **)&s->sort, cap, s->nsort + 1, sizeof(*s->sort)));
	s->sort[s->nsort].id = id;
	s->sort[s->nsort++].sign = sign;
	return 0;
}

struct sort_list {
	struct pgs_series *s;
	size_t cap;
};

static int add_sort_item(void *arg, const char *p, size_t n)
{
	struct sort_list *x = arg;
	int sign = sort_sign(&p, &n), id;

	for (id = 0; id < S__END; id++)
		if (strlen(skey_names[id]) == n && memcmp(skey_names[id], p, n) == 0)
			return add_sort(x->s, &x->cap, id, sign);
	query_detail(x->s->q, PGS_E_KEY, NULL, 0, NULL, PGS_ORIGIN_SORT,
		     "'%.*s' is not a series sort key (score, growth, first, last, min, max)",
		     (int)(n < 64 ? n : 64), p);
	return PGS_E_KEY;
}

PGS_API int pgs_series_create(struct pgs_series **out, const struct pgs_query *q,
			      const struct pgs_series_opts *opts)
{
	struct pgs_series_opts o = PGS_INIT(pgs_series_opts);
	struct sort_list x = { NULL, 0 };
	struct pgs_series *s;
	unsigned id;
	int err = 0;

	RETURN_ERROR_IF(!out || !q, -EINVAL);
	FORWARD_IF_ERROR(OPTS_LOAD(&o, opts));
	s = pgs__calloc(q->al, 1, sizeof(*s));
	RETURN_ERROR_IF(!s, -ENOMEM);
	s->al = pgs__keep(&s->alloc, q->al);
	s->q = q;
	s->cull = q->s.cull ? q->s.cull : KEY_BIT(K_STACKTRACE);
	s->kind = PGS_KIND_UNKNOWN;
	x.s = s;
	if (!(o.flags & PGS_SERIES_SAME_BOOT))
		for (id = 0; id < K__COUNT; id++)
			if ((s->cull & KEY_BIT(id)) && (pgs_keys[id].use & KEY_BOOT)) {
				query_detail(q, PGS_E_KEY, NULL, 0, &pgs_keys[id],
					     PGS_ORIGIN_CULL, "means something only within one "
					     "boot (handle, pfn, alloc_ts, free_ts): allowed "
					     "with PGS_SERIES_SAME_BOOT");
				err = PGS_E_KEY;
				break;
			}
	if (!err && o.sort)
		err = each_item(o.sort, add_sort_item, &x);
	if (!err && !s->nsort) {
		err = add_sort(s, &x.cap, S_SCORE, -1);
		if (!err)
			err = add_sort(s, &x.cap, S_GROWTH, -1);
	}
	if (err) {
		pgs_series_free(s);
		return err;
	}
	*out = s;
	return 0;
}

PGS_API void pgs_series_free(struct pgs_series *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ng; i++)
		pgs__free(s->al, s->g[i].pages);
	pgs__free(s->al, s->g);
	pgs__free(s->al, s->keys.p);
	pgs__free(s->al, s->slots);
	pgs__free(s->al, s->hash);
	pgs__free(s->al, s->times);
	pgs__free(s->al, s->totals);
	pgs__free(s->al, s->order);
	pgs__free(s->al, s->sort);
	pgs__free(s->al, s->maps);
	pgs__free(s->al, s->hslots);
	pgs__free(s->al, s);
}

/* Room for sample s->ns in every group and the per-sample arrays. */
static int grow_samples(struct pgs_series *s)
{
	size_t cap = s->scap ? s->scap * 2 : 16, i;
	double *t;
	uint64_t *tot;

	if (s->ns < s->scap)
		return 0;
	t = pgs__realloc(s->al, s->times, cap * sizeof(*t));
	RETURN_ERROR_IF(!t, -ENOMEM);
	s->times = t;
	tot = pgs__realloc(s->al, s->totals, cap * sizeof(*tot));
	RETURN_ERROR_IF(!tot, -ENOMEM);
	s->totals = tot;
	for (i = 0; i < s->ng; i++) {
		uint64_t *p = pgs__realloc(s->al, s->g[i].pages, cap * sizeof(*p));

		RETURN_ERROR_IF(!p, -ENOMEM);
		memset(p + s->scap, 0, (cap - s->scap) * sizeof(*p));
		s->g[i].pages = p;
	}
	s->scap = cap;
	return 0;
}

static int rehash(struct pgs_series *s)
{
	size_t mask = s->mask ? s->mask * 2 + 1 : 63, i, k;
	uint32_t *slots = pgs__calloc(s->al, mask + 1, sizeof(*slots));

	RETURN_ERROR_IF(!slots, -ENOMEM);
	for (i = 0; i < s->ng; i++) {
		for (k = s->hash[i] & mask; slots[k]; k = (k + 1) & mask)
			;
		slots[k] = (uint32_t)i + 1;
	}
	pgs__free(s->al, s->slots);
	s->slots = slots;
	s->mask = mask;
	return 0;
}

/* The group with key bytes kb, added (pages all 0) when new. */
static int find_or_add(struct pgs_series *s, const struct buf *kb, struct sgroup **out)
{
	uint32_t h = (uint32_t)XXH3_64bits(kb->p, kb->len);
	struct sgroup *g;
	size_t k, hcap;

	if ((s->ng + 1) * 2 > s->mask)
		FORWARD_IF_ERROR(rehash(s));
	for (k = h & s->mask; s->slots[k]; k = (k + 1) & s->mask) {
		g = &s->g[s->slots[k] - 1];
		if (s->hash[s->slots[k] - 1] == h && g->klen == kb->len &&
		    memcmp(s->keys.p + g->koff, kb->p, kb->len) == 0) {
			*out = g;
			return 0;
		}
	}
	RETURN_ERROR_IF(s->ng >= UINT32_MAX - 1, -ENOMEM);
	hcap = s->gcap;
	FORWARD_IF_ERROR(pgs__grow(s->al, (void **)&s->g, &s->gcap, s->ng + 1, sizeof(*s->g)));
	if (hcap != s->gcap) {
		uint32_t *hh = pgs__realloc(s->al, s->hash, s->gcap * sizeof(*hh));

		RETURN_ERROR_IF(!hh, -ENOMEM);
		s->hash = hh;
	}
	g = &s->g[s->ng];
	memset(g, 0, sizeof(*g));
	g->pages = pgs__calloc(s->al, s->scap, sizeof(*g->pages));
	RETURN_ERROR_IF(!g->pages, -ENOMEM);
	g->koff = s->keys.len;
	g->klen = kb->len;
	FORWARD_IF_ERROR(buf_put(s->al, &s->keys, kb->p, kb->len));
	s->hash[s->ng] = h;
	s->slots[k] = (uint32_t)++s->ng;
	*out = g;
	return 0;
}

static int add_groups(struct pgs_series *s, const struct pgs_result *r)
{
	struct buf kb = { 0 };
	size_t i;
	int err = 0;

	for (i = 0; !err && i < r->ngroups; i++) {
		struct sgroup *g;

		kb.len = 0;
		err = match_key(s->al, r, s->cull, r->g[i].first, &kb);
		if (!err)
			err = find_or_add(s, &kb, &g);
		if (!err)
			g->pages[s->ns] += r->g[i].pages;
	}
	pgs__free(s->al, kb.p);
	return err;
}

PGS_API int pgs_series_add_stacks(struct pgs_series *s, const struct pgs_table *map)
{
	const struct pgs_table **m;

	RETURN_ERROR_IF(!s || !map || map->kind != PGS_KIND_SHOW_STACKS_HANDLES, -EINVAL);
	RETURN_ERROR_IF(s->finished || s->ns, PGS_E_STATE);
	m = pgs__realloc(s->al, s->maps, (s->nmaps + 1) * sizeof(*m));
	RETURN_ERROR_IF(!m, -ENOMEM);
	s->maps = m;
	/* --strip-offsets reads the stacks' offset-free texts: made once here. */
	if (s->q->s.strip)
		FORWARD_IF_ERROR(table_derive(map));
	s->maps[s->nmaps++] = map;
	return 0;
}

/* What the fast path needs: a stacktrace cull alone, nothing that reads rows. */
static bool handles_fast(const struct pgs_series *s, const struct pgs_table *t)
{
	const struct pgs_query *q = s->q;

	return t->kind == PGS_KIND_SHOW_HANDLES && t->c_handle && t->c_pages &&
	       s->cull == KEY_BIT(K_STACKTRACE) && !q->nfilters && !q->s.sel_pid &&
	       !q->s.sel_tgid && !q->s.sel_name && !q->s.sel_node && !q->s.sel_module &&
	       !q->s.unreleased;
}

/* The map's stacktrace text for handle, as pgs_table_join_stacks() gives it; false: none. */
static bool map_text(const struct pgs_series *s, uint32_t handle, const char **p, size_t *len)
{
	size_t k, r;

	for (k = 0; k < s->nmaps; k++) {
		const struct pgs_table *m = s->maps[k];

		/* The first record of handle with frames, as the join takes it. */
		for (r = 0; r < m->rows; r++) {
			const struct st_meta *e = &m->st[m->c_st[r]];
			uint32_t id;

			if (m->c_handle[r] != handle || !e->nframes)
				continue;
			id = s->q->s.strip && m->sd[m->c_st[r]].text_strip ?
			     m->sd[m->c_st[r]].text_strip : e->text;
			*p = strpool_str(&m->strings, id);
			*len = strpool_len(&m->strings, id);
			return true;
		}
	}
	return false;
}

/* The group of handle: from the cache, else made from the maps' text. */
static int handle_group(struct pgs_series *s, uint32_t handle, struct buf *kb, uint32_t *gi)
{
	size_t k;
	struct sgroup *g;
	const char *p;
	char line[32];
	uint64_t len;
	uint8_t type = KV_STR;
	size_t n;

	for (k = (handle * 2654435761u) & s->hmask; s->hmask && s->hslots[2 * k + 1];
	     k = (k + 1) & s->hmask)
		if (s->hslots[2 * k] == handle) {
			*gi = s->hslots[2 * k + 1] - 1;
			return 0;
		}
	if ((s->nh + 1) * 2 > s->hmask) {
		size_t mask = s->hmask ? s->hmask * 2 + 1 : 1023, i, j;
		uint32_t *slots = pgs__calloc(s->al, 2 * (mask + 1), sizeof(*slots));

		RETURN_ERROR_IF(!slots, -ENOMEM);
		for (i = 0; s->hmask && i <= s->hmask; i++) {
			if (!s->hslots[2 * i + 1])
				continue;
			for (j = (s->hslots[2 * i] * 2654435761u) & mask; slots[2 * j + 1];
			     j = (j + 1) & mask)
				;
			slots[2 * j] = s->hslots[2 * i];
			slots[2 * j + 1] = s->hslots[2 * i + 1];
		}
		pgs__free(s->al, s->hslots);
		s->hslots = slots;
		s->hmask = mask;
	}
	if (!map_text(s, handle, &p, &n)) {
		/* As the join leaves it: "handle: N" as the stacktrace. */
		n = (size_t)snprintf(line, sizeof(line), "handle: %u\n", handle);
		p = line;
	}
	len = n;
	kb->len = 0;
	FORWARD_IF_ERROR(buf_put(s->al, kb, &type, 1));
	FORWARD_IF_ERROR(buf_put(s->al, kb, &len, sizeof(len)));
	FORWARD_IF_ERROR(buf_put(s->al, kb, p, n));
	FORWARD_IF_ERROR(find_or_add(s, kb, &g));
	*gi = (uint32_t)(g - s->g);
	for (k = (handle * 2654435761u) & s->hmask; s->hslots[2 * k + 1]; k = (k + 1) & s->hmask)
		;
	s->hslots[2 * k] = handle;
	s->hslots[2 * k + 1] = *gi + 1;
	s->nh++;
	return 0;
}

/* A show_handles sample through the maps: per row, its handle's group. */
static int add_handles(struct pgs_series *s, const struct pgs_table *t)
{
	struct buf kb = { 0 };
	uint64_t total = 0;
	size_t r;
	int err = grow_samples(s);

	for (r = 0; !err && r < t->rows; r++) {
		uint64_t pages = table_row_pages(t, r);
		uint32_t gi;

		err = handle_group(s, t->c_handle[r], &kb, &gi);
		if (!err) {
			s->g[gi].pages[s->ns] += pages;
			total += pages;
		}
	}
	pgs__free(s->al, kb.p);
	if (err) {
		for (r = 0; r < s->ng && s->ns < s->scap; r++)
			s->g[r].pages[s->ns] = 0;
		return err;
	}
	s->kind = t->kind;
	s->page_size = s->q->s.page_size ? s->q->s.page_size : 4096;
	s->totals[s->ns] = total;
	return 0;
}

PGS_API int pgs_series_add(struct pgs_series *s, const struct pgs_table *t, double time)
{
	struct pgs_result *r = NULL;
	struct pgs_query qq;
	int err;

	RETURN_ERROR_IF(!s || !t, -EINVAL);
	RETURN_ERROR_IF(s->finished, PGS_E_STATE);
	if (s->ns && t->kind != s->kind) {
		query_detail(s->q, -EINVAL, t, 0, NULL, PGS_ORIGIN_NONE,
			     "sample %zu is %s input and the first is %s input: they do not "
			     "count the same things", s->ns, pgs_kind_name(t->kind),
			     pgs_kind_name(s->kind));
		return -EINVAL;
	}
	if (s->nmaps && t->kind == PGS_KIND_SHOW_HANDLES) {
		RETURN_ERROR_IF(!handles_fast(s, t), -ENOTSUP);
		FORWARD_IF_ERROR(add_handles(s, t));
		s->times[s->ns++] = time;
		return 0;
	}
	qq = *s->q;
	qq.s.cull = s->cull;
	qq.s.top = 0;
	qq.s.min_pages = 0;
	qq.s.nsort = 0;
	FORWARD_IF_ERROR(pgs_query_run(&qq, t, &r));
	err = grow_samples(s);
	if (!err)
		err = add_groups(s, r);
	if (!err) {
		s->kind = t->kind;
		s->page_size = r->kc.page_size;
		s->times[s->ns] = time;
		s->totals[s->ns] = r->pages;
		s->ns++;
	} else {
		/* Leave the series as it was: this sample's pages back to 0. */
		size_t i;

		for (i = 0; i < s->ng && s->ns < s->scap; i++)
			s->g[i].pages[s->ns] = 0;
	}
	pgs_result_free(r);
	return err;
}

PGS_API int pgs_series_shape(const uint64_t *p, const double *times, size_t n,
			     struct pgs_series_group *out)
{
	struct pgs_series_group g;
	size_t i, sz;

	RETURN_ERROR_IF(!p || !out, -EINVAL);
	memset(&g, 0, sizeof(g));
	g.growth_per_hour = NAN;
	if (n) {
		g.first = g.min = g.max = p[0];
		g.last = p[n - 1];
	}
	for (i = 1; i < n; i++) {
		if (p[i] > p[i - 1]) {
			g.rises += p[i] - p[i - 1];
			if (p[i] - p[i - 1] > g.max_rise)
				g.max_rise = p[i] - p[i - 1];
		} else {
			g.falls += p[i - 1] - p[i];
		}
		if (p[i] < g.min)
			g.min = p[i];
		if (p[i] > g.max)
			g.max = p[i];
	}
	g.growth = (int64_t)(g.last - g.first);
	if (n > 1) {
		g.growth_per_sample = (double)g.growth / (double)(n - 1);
		if (times && !isnan(times[0]) && !isnan(times[n - 1]) &&
		    times[n - 1] > times[0])
			g.growth_per_hour = (double)g.growth * 3600.0 /
					    (times[n - 1] - times[0]);
	}
	for (i = 0; times && i < n; i++)
		if (isnan(times[i]))
			g.growth_per_hour = NAN;
	if (n >= 3 && g.growth > 0) {
		g.monotonicity = (double)g.growth / (double)(g.rises + g.falls);
		g.spread = 1.0 - (double)g.max_rise / (double)g.rises;
		g.score = g.monotonicity * g.spread;
	}
	sz = out->sz < sizeof(g) ? out->sz : sizeof(g);
	g.sz = out->sz;
	memcpy(out, &g, sz);
	return 0;
}

static int cmp_f(double a, double b)
{
	return (a > b) - (a < b);
}

static int cmp_skey(int id, const struct pgs_series_group *a, const struct pgs_series_group *b)
{
	switch (id) {
	/* As printed, to two decimals: scores that look equal go by the next key. */
	case S_SCORE: return cmp_f(round(a->score * 100), round(b->score * 100));
	case S_GROWTH: return (a->growth > b->growth) - (a->growth < b->growth);
	case S_FIRST: return (a->first > b->first) - (a->first < b->first);
	case S_LAST: return (a->last > b->last) - (a->last < b->last);
	case S_MIN: return (a->min > b->min) - (a->min < b->min);
	case S_MAX: return (a->max > b->max) - (a->max < b->max);
	}
	return 0;
}

static int cmp_groups(const void *pa, const void *pb, void *arg)
{
	const struct pgs_series *s = arg;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	const struct pgs_series_group *a = &s->g[ia].st, *b = &s->g[ib].st;
	size_t i;
	int c;

	for (i = 0; i < s->nsort; i++)
		if ((c = cmp_skey(s->sort[i].id, a, b)))
			return c * s->sort[i].sign;
	if ((c = cmp_skey(S_GROWTH, b, a)))
		return c;
	return (ia > ib) - (ia < ib);
}

PGS_API int pgs_series_finish(struct pgs_series *s)
{
	size_t i, n = 0;

	RETURN_ERROR_IF(!s, -EINVAL);
	if (s->finished)
		return 0;
	RETURN_ERROR_IF(!s->ns, PGS_E_EMPTY);
	s->order = pgs__malloc(s->al, (s->ng + 1) * sizeof(*s->order));
	RETURN_ERROR_IF(!s->order, -ENOMEM);
	for (i = 0; i < s->ng; i++) {
		s->g[i].st.sz = sizeof(s->g[i].st);
		pgs_series_shape(s->g[i].pages, s->times, s->ns, &s->g[i].st);
		s->order[i] = (uint32_t)i;
	}
	if (s->ng)
		qsort_r(s->order, s->ng, sizeof(*s->order), cmp_groups, s);
	for (i = 0; i < s->ng; i++)
		if (s->g[s->order[i]].st.max >= s->q->s.min_pages)
			s->order[n++] = s->order[i];
	s->n = s->q->s.top && s->q->s.top < n ? s->q->s.top : n;
	s->finished = true;
	return 0;
}

PGS_API size_t pgs_series_samples(const struct pgs_series *s)
{
	return s ? s->ns : 0;
}

PGS_API size_t pgs_series_count(const struct pgs_series *s)
{
	return s && s->finished ? s->n : 0;
}

PGS_API int pgs_series_group(const struct pgs_series *s, size_t i, struct pgs_series_group *g)
{
	size_t sz;

	if (!s || !g || !s->finished || i >= s->n)
		return -ERANGE;
	sz = g->sz < sizeof(*g) ? g->sz : sizeof(*g);
	memcpy((char *)g + sizeof(g->sz), (const char *)&series_group(s, i)->st + sizeof(g->sz),
	       sz > sizeof(g->sz) ? sz - sizeof(g->sz) : 0);
	return 0;
}

PGS_API const uint64_t *pgs_series_pages(const struct pgs_series *s, size_t i)
{
	if (!s || !s->finished || i >= s->n)
		return NULL;
	return series_group(s, i)->pages;
}

PGS_API int pgs_series_sample(const struct pgs_series *s, size_t j, double *time,
			      uint64_t *pages)
{
	if (!s || j >= s->ns)
		return -ERANGE;
	if (time)
		*time = s->times[j];
	if (pages)
		*pages = s->totals[j];
	return 0;
}

bool series_key_value(keyset cull, const char *p, size_t len, enum key_id k,
		      struct pgs_value *v)
{
	const char *end = p + len;
	unsigned id;

	for (id = 0; id < K__COUNT && p < end; id++) {
		uint8_t type;
		uint64_t x = 0;

		if (!(cull & KEY_BIT(id)))
			continue;
		type = (uint8_t)*p++;
		if (type != KV_NULL) {
			memcpy(&x, p, sizeof(x));
			p += sizeof(x);
		}
		if (type == KV_STR)
			p += x;
		if (id != (unsigned)k)
			continue;
		v->str = NULL;
		v->len = 0;
		v->u = x;
		v->i = (int64_t)x;
		switch (type) {
		case KV_NULL: v->type = PGS_VALUE_NULL; v->u = 0; v->i = 0; break;
		case KV_INT: v->type = PGS_VALUE_INT; break;
		case KV_STR:
			v->type = PGS_VALUE_STRING;
			v->str = p - x;
			v->len = x;
			v->u = 0;
			v->i = 0;
			break;
		default: v->type = PGS_VALUE_UINT; break;
		}
		return true;
	}
	return false;
}

PGS_API int pgs_series_value(const struct pgs_series *s, size_t i, const char *key,
			     struct pgs_value *out)
{
	const struct key_def *k;
	const struct sgroup *g;
	struct pgs_value v;
	size_t sz;

	if (!s || !out || !s->finished || i >= s->n)
		return -ERANGE;
	RETURN_ERROR_IF(!key || !(k = key_lookup(key, strlen(key))), PGS_E_KEY);
	g = series_group(s, i);
	memset(&v, 0, sizeof(v));
	RETURN_ERROR_IF(!series_key_value(s->cull, s->keys.p + g->koff, g->klen, k->id, &v),
			PGS_E_KEY);
	sz = out->sz < sizeof(v) ? out->sz : sizeof(v);
	v.sz = out->sz;
	memcpy(out, &v, sz);
	return 0;
}
