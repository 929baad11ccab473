/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A snapshot diff's reports. Each group prints its counts before, after and
 * the change, then its cull keys exactly as the single report prints them,
 * from the group's first row in AFTER (in BEFORE when it vanished):
 *   text:   "+N pages (+M times) [new]: A -> B pages, C -> D times, PID 1:\n<stack>\n"
 *           ("stacks" for "times", here and in the JSON and CSV names, when
 *           the inputs are page_owner_stacks files: they have no blocks);
 *           ... then "Total: ..." over every selected row;
 *   json:   {"pgsort", "before": {input}, "after": {input}, "cull", "sort",
 *            "totals": {...}, "groups": [{"status", "pages_before", ...}]}
 *   ndjson: the group objects alone, one per line;
 *   csv:    status,pages_before,...,times_delta,<the CSV report's columns>;
 *   folded: FlameGraph's difffolded "root;...;leaf BEFORE AFTER", the
 *           folded report's stacks (fold.h) with two weights;
 *   svg:    the differential flame graph of those stacks (flame.h).
 */
#include <stdio.h>	/* snprintf */

#include "../query/diff.h"
#include "flame.h"
#include "fold.h"

static const char *const status_name[] = { "both", "new", "gone" };

static enum pgs_diff_status status_of(const struct dgroup *x)
{
	return x->g[0] == D_NONE ? PGS_DIFF_NEW : x->g[1] == D_NONE ? PGS_DIFF_GONE :
	       PGS_DIFF_BOTH;
}

/* A size for --human: "1.5 MiB", or "-1.5 MiB" for a negative byte count. */
static void w_size(struct writer *w, int64_t bytes)
{
	char b[32];
	uint64_t mag = bytes < 0 ? (uint64_t)0 - (uint64_t)bytes : (uint64_t)bytes;

	if (bytes < 0)
		w_put(w, "-", 1);
	w_put(w, b, fmt_iec(b, mag));
}

/*
 * "+12 pages (-3 times)[ mark]: 4 -> 16 pages, 9 -> 6 times"; with --human
 * (page_size set) "+12 pages (+48 KiB, -3 times)[ mark]: 4 -> 16 pages
 * (16 KiB -> 64 KiB), 9 -> 6 times".
 */
static void text_counts(struct writer *w, const uint64_t pages[2], const uint64_t times[2],
			const char *mark, uint64_t page_size, const char *tn)
{
	int64_t dp = (int64_t)(pages[1] - pages[0]);

	w_printf(w, "%+lld pages (", (long long)dp);
	if (page_size) {
		if (dp >= 0)
			w_put(w, "+", 1);
		w_size(w, dp * (int64_t)page_size);
		w_put(w, ", ", 2);
	}
	w_printf(w, "%+lld %s)%s: %llu -> %llu pages", (long long)(times[1] - times[0]), tn, mark,
		 (unsigned long long)pages[0], (unsigned long long)pages[1]);
	if (page_size) {
		w_put(w, " (", 2);
		w_size(w, (int64_t)(pages[0] * page_size));
		w_put(w, " -> ", 4);
		w_size(w, (int64_t)(pages[1] * page_size));
		w_put(w, ")", 1);
	}
	w_printf(w, ", %llu -> %llu %s", (unsigned long long)times[0],
		 (unsigned long long)times[1], tn);
}

static void totals(const struct pgs_diff *d, uint64_t pages[2], uint64_t times[2])
{
	pages[0] = d->r[0]->pages;
	pages[1] = d->r[1]->pages;
	times[0] = d->r[0]->records;
	times[1] = d->r[1]->records;
}

static void diff_text(struct writer *w, const struct pgs_diff *d, bool human)
{
	uint64_t ps = human ? d->r[1]->kc.page_size : 0;
	static const char *const mark[] = { "", " [new]", " [gone]" };
	uint64_t pages[2], times[2];
	size_t i;

	for (i = 0; i < d->n && !w->err; i++) {
		const struct dgroup *x = diff_group(d, i);
		const struct pgs_result *r;
		const struct group *g = dgroup_rep(d, x, &r);

		text_counts(w, x->pages, x->times, mark[status_of(x)], ps, times_name(d->r[1]));
		text_group_keys(w, r, g->first);
		w_put(w, "\n", 1);
	}
	totals(d, pages, times);
	w_str(w, "Total: ");
	text_counts(w, pages, times, "", ps, times_name(d->r[1]));
	w_printf(w, "; %zu group%s: %zu new, %zu gone, %zu grew, %zu shrank, %zu unchanged",
		 d->ngroups, d->ngroups == 1 ? "" : "s", d->nnew, d->ngone, d->ngrew, d->nshrank, d->nsame);
	if (d->n < d->ngroups)
		w_printf(w, "; %zu shown", d->n);
	w_put(w, "\n", 1);
}

static void json_counts(struct writer *w, const uint64_t pages[2], const uint64_t times[2],
			const char *tn)
{
	w_printf(w, "\"pages_before\": %llu, \"pages_after\": %llu, \"pages_delta\": %lld, "
		 "\"%s_before\": %llu, \"%s_after\": %llu, \"%s_delta\": %lld",
		 (unsigned long long)pages[0], (unsigned long long)pages[1],
		 (long long)(pages[1] - pages[0]), tn, (unsigned long long)times[0], tn,
		 (unsigned long long)times[1], tn, (long long)(times[1] - times[0]));
}

/* A group's columns, as the single report's: the same for both results. */
struct cols {
	struct column c[COLUMNS_MAX];
	size_t n;
	char *txt;
	size_t cap;
};

static void json_group(struct writer *w, const struct pgs_diff *d, const struct dgroup *x,
		       struct cols *c)
{
	const struct pgs_result *r;
	const struct group *g = dgroup_rep(d, x, &r);

	w_printf(w, "{\"status\": \"%s\", ", status_name[status_of(x)]);
	json_counts(w, x->pages, x->times, times_name(d->r[1]));
	json_columns(w, r, g->first, c->c, c->n, &c->txt, &c->cap);
	w_put(w, "}", 1);
}

static void diff_json(struct writer *w, const struct pgs_diff *d)
{
	struct cols c = { .txt = NULL };
	uint64_t pages[2], times[2];
	size_t i;
	unsigned id;

	w_printf(w, "{\"pgsort\": \"%s\", \"before\": ", pgs_version());
	input_object(w, d->r[0], d->r[0]->t->name);
	w_str(w, ", \"after\": ");
	input_object(w, d->r[1], d->r[1]->t->name);
	w_str(w, ", \"cull\": [");
	for (id = 0, i = 0; id < K__COUNT; id++)
		if (d->cull & KEY_BIT(id))
			w_printf(w, "%s\"%s\"", i++ ? ", " : "", key_by_id((enum key_id)id)->long_name);
	w_str(w, "], \"sort\": [");
	for (i = 0; i < d->nsort; i++)
		w_printf(w, "%s\"%s%s\"", i ? ", " : "", d->sort[i].sign < 0 ? "-" : "",
			 dkey_name(d->sort[i].id));
	w_str(w, "], \"totals\": {");
	totals(d, pages, times);
	json_counts(w, pages, times, times_name(d->r[1]));
	w_printf(w, ", \"groups\": %zu, \"new\": %zu, \"gone\": %zu, \"grew\": %zu, "
		 "\"shrank\": %zu, \"unchanged\": %zu, \"shown\": %zu}, \"groups\": [",
		 d->ngroups, d->nnew, d->ngone, d->ngrew, d->nshrank, d->nsame, d->n);
	c.n = result_columns(d->r[1], c.c);
	for (i = 0; i < d->n && !w->err; i++) {
		w_str(w, i ? ",\n" : "\n");
		json_group(w, d, diff_group(d, i), &c);
	}
	w_str(w, "\n]}\n");
	pgs__free(w->al, c.txt);
}

static void diff_ndjson(struct writer *w, const struct pgs_diff *d)
{
	struct cols c = { .txt = NULL };
	size_t i;

	c.n = result_columns(d->r[1], c.c);
	for (i = 0; i < d->n && !w->err; i++) {
		json_group(w, d, diff_group(d, i), &c);
		w_put(w, "\n", 1);
	}
	pgs__free(w->al, c.txt);
}

static void diff_csv(struct writer *w, const struct pgs_diff *d)
{
	struct cols c = { .txt = NULL };
	size_t i, j;

	c.n = result_columns(d->r[1], c.c);
	w_printf(w, "status,pages_before,pages_after,pages_delta,%s_before,%s_after,%s_delta",
		 times_name(d->r[1]), times_name(d->r[1]), times_name(d->r[1]));
	for (j = 0; j < c.n; j++) {
		w_put(w, ",", 1);
		w_str(w, c.c[j].name);
	}
	w_put(w, "\r\n", 2);
	for (i = 0; i < d->n && !w->err; i++) {
		const struct dgroup *x = diff_group(d, i);
		const struct pgs_result *r;
		const struct group *g = dgroup_rep(d, x, &r);

		w_printf(w, "%s,%llu,%llu,%lld,%llu,%llu,%lld", status_name[status_of(x)],
			 (unsigned long long)x->pages[0], (unsigned long long)x->pages[1],
			 (long long)(x->pages[1] - x->pages[0]), (unsigned long long)x->times[0],
			 (unsigned long long)x->times[1], (long long)(x->times[1] - x->times[0]));
		for (j = 0; j < c.n; j++) {
			struct cell cell;

			if (column_cell(r, g->first, &c.c[j], &cell, w->al, &c.txt, &c.cap) < 0) {
				w->err = -ENOMEM;
				break;
			}
			w_put(w, ",", 1);
			w_csv_cell(w, &cell);
		}
		w_put(w, "\r\n", 2);
	}
	pgs__free(w->al, c.txt);
}

/*
 * The shown groups as folded stacks (the folded report's, fold.h) with
 * their pages before and after, then their blocks before and after
 * (fold_set's four weights); groups that fold to the same stack sum.
 * Returns 0 or -ENOMEM.
 */
static int fold_diff(const struct pgs_diff *d, const struct pgs_write_opts *o,
		     struct fold_set *set)
{
	unsigned flags = o->flags & PGS_WRITE_KEEP_OFFSETS ? 0 : FOLD_STRIP;
	struct fold_frames f = { .al = d->al };
	char *line = NULL;
	size_t len, cap = 0, i;
	int err = fold_set_init(set, d->al);

	for (i = 0; !err && i < d->n; i++) {
		const struct dgroup *x = diff_group(d, i);
		const struct pgs_result *r;
		const struct group *g = dgroup_rep(d, x, &r);
		uint64_t wt[FOLD_NW] = { x->pages[0], x->pages[1], x->times[0], x->times[1] };

		len = 0;
		err = fold_frames(r, g->first, flags, &f);
		if (!err)
			err = fold_join(r, &f, &line, &len, &cap);
		if (!err)
			err = fold_set_add(set, line, len, wt);
	}
	fold_frames_free(&f);
	pgs__free(d->al, line);
	return err;
}

/* FlameGraph's difffolded form: "root;...;leaf BEFORE AFTER". */
static void diff_folded(struct writer *w, const struct pgs_diff *d, const struct pgs_write_opts *o)
{
	/* Blocks are weights 2 and 3; bytes are pages times the page size. */
	size_t at = o->weight == PGS_WEIGHT_TIMES ? 2 : 0;
	uint64_t mul = o->weight == PGS_WEIGHT_BYTES ? d->r[1]->kc.page_size : 1;
	struct fold_set set;
	size_t i;
	int err = fold_diff(d, o, &set);

	for (i = 1; !err && i < fold_set_count(&set) && !w->err; i++) {
		w_put(w, strpool_str(&set.lines, (uint32_t)i), strpool_len(&set.lines, (uint32_t)i));
		w_put(w, " ", 1);
		w_u64(w, set.w[i][at] * mul);
		w_put(w, " ", 1);
		w_u64(w, set.w[i][at + 1] * mul);
		w_put(w, "\n", 1);
	}
	if (err)
		w->err = err;
	fold_set_fini(&set);
}

/*
 * The differential flame graph: the folded stacks split back into frames
 * (fold_join() turned any ';' inside a frame into ':'), widths after,
 * colours by change. The cull keys but the stack are the grey pseudo
 * frames at the root, as in the single graph.
 */
static void diff_svg(struct writer *w, const struct pgs_diff *d, const struct pgs_write_opts *o)
{
	const keyset stack_keys = key_stacks();
	struct flame_opts fo = { 0 };
	struct flame_stack *st = NULL;
	struct flame_frame *fr = NULL;
	struct fold_set set;
	size_t i, n = 0, nfr = 0, npseudo = 0;
	char title[512], sub[512];
	unsigned id;
	int err = fold_diff(d, o, &set);

	for (id = 0; id < K__COUNT; id++)
		npseudo += (d->cull & ~stack_keys) >> id & 1;
	for (i = 1; !err && i < fold_set_count(&set); i++) {
		const char *s = strpool_str(&set.lines, (uint32_t)i);
		size_t len = strpool_len(&set.lines, (uint32_t)i), k;

		for (k = 0, nfr++; k < len; k++)
			nfr += s[k] == ';';
	}
	if (!err && (!(st = pgs__calloc(w->al, fold_set_count(&set) + 1, sizeof(*st))) ||
		     !(fr = pgs__malloc(w->al, (nfr + 1) * sizeof(*fr)))))
		err = -ENOMEM;
	for (i = 1, nfr = 0; !err && i < fold_set_count(&set); i++) {
		const char *s = strpool_str(&set.lines, (uint32_t)i), *p = s;
		size_t len = strpool_len(&set.lines, (uint32_t)i);
		struct flame_stack *x = &st[n++];

		x->frames = fr + nfr;
		while (p <= s + len) {
			const char *semi = memchr(p, ';', (size_t)(s + len - p));
			const char *e = semi ? semi : s + len;

			fr[nfr].s = p;
			fr[nfr].len = (size_t)(e - p);
			fr[nfr].pseudo = x->nframes < npseudo;
			nfr++;
			x->nframes++;
			p = e + 1;
		}
		x->before.pages = set.w[i][0];
		x->after.pages = set.w[i][1];
		x->before.times = set.w[i][2];
		x->after.times = set.w[i][3];
	}
	if (err) {
		w->err = err;
	} else {
		snprintf(title, sizeof(title), "%s -> %s", d->r[0]->t->name, d->r[1]->t->name);
		snprintf(sub, sizeof(sub), "%s after; red grew, blue shrank since before; "
			 "%zu of %zu groups; root (outermost caller) at the %s",
			 o->weight == PGS_WEIGHT_TIMES && d->r[1]->t->kind != PGS_KIND_PAGE_OWNER ?
			 "stacks" : flame_unit(o->weight), d->n, d->ngroups,
			 o->flags & PGS_WRITE_ICICLE ? "top" : "bottom");
		fo.title = o->title ? o->title : title;
		fo.subtitle = sub;
		fo.weight = o->weight;
		fo.times_unit = d->r[1]->t->kind == PGS_KIND_PAGE_OWNER ? NULL : "stacks";
		fo.page_size = d->r[1]->kc.page_size;
		fo.icicle = o->flags & PGS_WRITE_ICICLE;
		fo.differential = true;
		flame_render(w, st, n, &fo);
	}
	pgs__free(w->al, st);
	pgs__free(w->al, fr);
	fold_set_fini(&set);
}

PGS_API int pgs_diff_write(const struct pgs_diff *d, const struct pgs_write_opts *opts,
			   pgs_write_fn sink, void *user)
{
	struct pgs_write_opts o;
	struct writer *w;

	RETURN_ERROR_IF(!d, -EINVAL);
	FORWARD_IF_ERROR(writer_open(d->al, opts, sink, user, &o, &w));
	switch (o.format) {
	case PGS_FORMAT_TEXT:
		diff_text(w, d, o.flags & PGS_WRITE_HUMAN);
		break;
	case PGS_FORMAT_JSON:
		diff_json(w, d);
		break;
	case PGS_FORMAT_NDJSON:
		diff_ndjson(w, d);
		break;
	case PGS_FORMAT_CSV:
		diff_csv(w, d);
		break;
	case PGS_FORMAT_FOLDED:
		diff_folded(w, d, &o);
		break;
	case PGS_FORMAT_SVG:
		diff_svg(w, d, &o);
		break;
	case PGS_FORMAT_PPROF:
	case PGS_FORMAT_HTML:
		w->err = -ENOTSUP;
		break;
	default:
		w->err = -EINVAL;
	}
	return writer_close(w);
}
