/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The grouping engine: culling is a hash aggregation over the selected
 * rows (one pass, groups numbered in order of first appearance), in
 * parallel on large tables, or a sum per id when every cull key is a
 * function of one column's ids.
 */
#include <pthread.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "run.h"
#include "value.h"

/* Threads that group at most: the size of the per-thread arrays. */
#define GROUP_THREADS_MAX 16
/* Fewer rows than this are grouped on the calling thread. */
#define PARALLEL_ROWS 65536
/* Up to this many ids, group_ids() is used whatever the number of rows. */
#define IDS_MIN 65536
/* Slots of a grouper at least (a power of two). */
#define SLOTS_MIN 1024

/*
 * A row's group key: the values of the cull keys, in key order, and which
 * of them are missing. Only the first n values are hashed and compared.
 */
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
	size_t want = SLOTS_MIN;

	gr->r = r;
	gr->g = g;
	gr->cap = rows;
	gr->n = 0;
	while (want < rows * 2 && want < ((size_t)1 << 40))
		want *= 2;
	gr->mask = want - 1;
	gr->slots = pgs__calloc(r->al, want, sizeof(*gr->slots));
	RETURN_ERROR_IF(!gr->slots, -ENOMEM, "out of memory for %zu hash slots of groups", want);
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
	RETURN_ERROR_IF(gr->n >= gr->cap || gr->n >= UINT32_MAX - 1, -ENOMEM,
			"more than %zu groups in one part of the rows", gr->n);
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
	size_t in_part[GROUP_THREADS_MAX];	/* pass 1: selected rows per partition */
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
	pthread_t tid[GROUP_THREADS_MAX];
	bool started[GROUP_THREADS_MAX] = { false };
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

int aggregate(struct pgs_result *r, const struct pgs_query *q)
{
	const struct pgs_table *t = r->t;
	struct part parts[GROUP_THREADS_MAX];
	uint8_t *hsel = NULL, *psel = NULL, *ssel = NULL, *rsel = NULL;
	const uint32_t *col;
	uint32_t *hash;
	size_t nids = 0;
	size_t ngroups = 0, base = 0, rows_k;
	unsigned threads = q->threads ? q->threads : pgs__online_cpus(), n, k;
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
	    threads > GROUP_THREADS_MAX ? GROUP_THREADS_MAX : threads;
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
