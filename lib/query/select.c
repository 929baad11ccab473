/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Selection: which rows a query keeps. Selections by pid/tgid/name depend
 * only on the header template, --node only on the PFN template and
 * --module only on the stacktrace, so they are decided once per template
 * or stack, not once per row; filters are decided per row.
 */
#include "filter.h"
#include "run.h"
#include "value.h"

static bool in_nums(const int32_t *v, size_t n, int32_t x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* Per header template: does it pass the pid/tgid/name selection? */
uint8_t *select_headers(const struct pgs_query *q, const struct pgs_table *t)
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
uint8_t *select_stacks(const struct pgs_query *q, const struct pgs_table *t)
{
	size_t n = t->st_n, i, j;
	uint8_t *ok = pgs__malloc(t->al, n);

	if (!ok)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *mod = strpool_str(&t->strings, t->sd[i].module);
		size_t len = strpool_len(&t->strings, t->sd[i].module);
		bool hit = false;

		for (j = 0; j < q->nmodules && !hit; j++)
			hit = strlen(q->modules[j]) == len && memcmp(q->modules[j], mod, len) == 0;
		ok[i] = hit;
	}
	return ok;
}

/* Per PFN template: is the page on a selected node? */
uint8_t *select_pfns(const struct pgs_query *q, const struct pgs_table *t)
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
int select_rows(const struct pgs_result *r, const struct pgs_query *q, uint8_t **out)
{
	const struct pgs_table *t = r->t;
	struct fctx f = { .kc = &r->kc };
	uint8_t *sel;
	size_t i, k;

	*out = NULL;
	if (!q->nfilters)
		return 0;
	sel = pgs__malloc(r->al, t->rows);
	RETURN_ERROR_IF(!sel, -ENOMEM, "out of memory for the filters' answer on %zu rows",
			t->rows);
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
