/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A snapshot diff's reports. Each group prints its counts before, after and
 * the change, then its cull keys exactly as the single report prints them,
 * from the group's first row in AFTER (in BEFORE when it vanished):
 *   text:   "+N pages (+M times) [new]: A -> B pages, C -> D times, PID 1:\n<stack>\n"
 *           ... then "Total: ..." over every selected row;
 *   json:   {"pgsort", "before": {input}, "after": {input}, "cull", "sort",
 *            "totals": {...}, "groups": [{"status", "pages_before", ...}]}
 *   ndjson: the group objects alone, one per line;
 *   folded: FlameGraph's difffolded "root;...;leaf BEFORE AFTER".
 */
#include <stdlib.h>	/* malloc */

#include "../query/diff.h"
#include "output.h"

static const char *const status_name[] = { "both", "new", "gone" };

static enum pgs_diff_status status_of(const struct dgroup *x)
{
	return x->g[0] == D_NONE ? PGS_DIFF_NEW : x->g[1] == D_NONE ? PGS_DIFF_GONE :
	       PGS_DIFF_BOTH;
}

/* "+12 pages (-3 times)[ mark]: 4 -> 16 pages, 9 -> 6 times" */
static void text_counts(struct writer *w, const uint64_t pages[2], const uint64_t times[2],
			const char *mark)
{
	w_printf(w, "%+lld pages (%+lld times)%s: %llu -> %llu pages, %llu -> %llu times",
		 (long long)(pages[1] - pages[0]), (long long)(times[1] - times[0]), mark,
		 (unsigned long long)pages[0], (unsigned long long)pages[1],
		 (unsigned long long)times[0], (unsigned long long)times[1]);
}

static void totals(const struct pgs_diff *d, uint64_t pages[2], uint64_t times[2])
{
	pages[0] = d->r[0]->pages;
	pages[1] = d->r[1]->pages;
	times[0] = d->r[0]->records;
	times[1] = d->r[1]->records;
}

static void diff_text(struct writer *w, const struct pgs_diff *d)
{
	static const char *const mark[] = { "", " [new]", " [gone]" };
	uint64_t pages[2], times[2];
	size_t i;

	for (i = 0; i < d->n && !w->err; i++) {
		const struct dgroup *x = diff_group(d, i);
		const struct pgs_result *r;
		const struct group *g = dgroup_rep(d, x, &r);

		text_counts(w, x->pages, x->times, mark[status_of(x)]);
		text_group_keys(w, r, g->first);
		w_put(w, "\n", 1);
	}
	totals(d, pages, times);
	w_str(w, "Total: ");
	text_counts(w, pages, times, "");
	w_printf(w, "; %zu group%s: %zu new, %zu gone, %zu grew, %zu shrank, %zu unchanged",
		 d->ngroups, d->ngroups == 1 ? "" : "s", d->nnew, d->ngone, d->ngrew, d->nshrank, d->nsame);
	if (d->n < d->ngroups)
		w_printf(w, "; %zu shown", d->n);
	w_put(w, "\n", 1);
}

static void json_counts(struct writer *w, const uint64_t pages[2], const uint64_t times[2])
{
	w_printf(w, "\"pages_before\": %llu, \"pages_after\": %llu, \"pages_delta\": %lld, "
		 "\"times_before\": %llu, \"times_after\": %llu, \"times_delta\": %lld",
		 (unsigned long long)pages[0], (unsigned long long)pages[1],
		 (long long)(pages[1] - pages[0]), (unsigned long long)times[0],
		 (unsigned long long)times[1], (long long)(times[1] - times[0]));
}

static void json_group(struct writer *w, const struct pgs_diff *d, const struct dgroup *x)
{
	const struct pgs_result *r;
	const struct group *g = dgroup_rep(d, x, &r);

	w_printf(w, "{\"status\": \"%s\", ", status_name[status_of(x)]);
	json_counts(w, x->pages, x->times);
	key_members(w, r, g->first);
	w_put(w, "}", 1);
}

static void diff_json(struct writer *w, const struct pgs_diff *d)
{
	uint64_t pages[2], times[2];
	size_t i;
	unsigned id;

	w_printf(w, "{\"pgsort\": \"%s\", \"before\": ", pgs_version());
	input_object(w, d->r[0], d->r[0]->t->name);
	w_str(w, ", \"after\": ");
	input_object(w, d->r[1], d->r[1]->t->name);
	w_str(w, ", \"cull\": [");
	for (id = 0, i = 0; id < K__COUNT; id++)
		if (d->cull & (1u << id))
			w_printf(w, "%s\"%s\"", i++ ? ", " : "", key_by_id((enum key_id)id)->long_name);
	w_str(w, "], \"sort\": [");
	for (i = 0; i < d->nsort; i++)
		w_printf(w, "%s\"%s%s\"", i ? ", " : "", d->sort[i].sign < 0 ? "-" : "",
			 dkey_name(d->sort[i].id));
	w_str(w, "], \"totals\": {");
	totals(d, pages, times);
	json_counts(w, pages, times);
	w_printf(w, ", \"groups\": %zu, \"new\": %zu, \"gone\": %zu, \"grew\": %zu, "
		 "\"shrank\": %zu, \"unchanged\": %zu, \"shown\": %zu}, \"groups\": [",
		 d->ngroups, d->nnew, d->ngone, d->ngrew, d->nshrank, d->nsame, d->n);
	for (i = 0; i < d->n && !w->err; i++) {
		w_str(w, i ? ",\n" : "\n");
		json_group(w, d, diff_group(d, i));
	}
	w_str(w, "\n]}\n");
}

static void diff_ndjson(struct writer *w, const struct pgs_diff *d)
{
	size_t i;

	for (i = 0; i < d->n && !w->err; i++) {
		json_group(w, d, diff_group(d, i));
		w_put(w, "\n", 1);
	}
}

/*
 * A culled key's value as one folded frame: its text (names for gfp,
 * flags, allocator, migratetypes), else a number in decimal (pfn, handle
 * and a gfp without names in hex), "-" when missing. ';' and newlines, which
 * would split the frame, become ':' and ' '.
 */
static void folded_key(struct writer *w, const struct pgs_result *r, enum key_id id, size_t row)
{
	struct kval v;
	char buf[64];
	const char *s;
	size_t n, i;

	key_value(&r->kc, id, row, &v);
	s = key_text(&r->kc, id, row, &v, buf, sizeof(buf), &n);
	if (v.type == KV_NULL) {
		w_put(w, "-", 1);
	} else if (s && n) {
		for (i = 0; i < n; i++)
			w_put(w, s[i] == ';' ? ":" : s[i] == '\n' ? " " : s + i, 1);
	} else if (v.type == KV_INT) {
		w_printf(w, "%lld", (long long)v.v);
	} else if (id == K_PFN || id == K_GFP || id == K_HANDLE) {
		w_printf(w, "%#llx", (unsigned long long)v.v);
	} else {
		w_u64(w, v.v);
	}
}

/*
 * FlameGraph's difffolded form, "frame;frame;... BEFORE AFTER": per group
 * its cull keys but the stack, root-most first, then its stack's frames
 * from the outermost in, then the weight before and after. Frames lose
 * their offsets unless PGS_WRITE_KEEP_OFFSETS.
 */
static void diff_folded(struct writer *w, const struct pgs_diff *d, const struct pgs_write_opts *o)
{
	const unsigned stack_keys = (1u << K_STACKTRACE) | (1u << K_STACK);
	size_t i;

	for (i = 0; i < d->n && !w->err; i++) {
		const struct dgroup *x = diff_group(d, i);
		const struct pgs_result *r;
		const struct group *g = dgroup_rep(d, x, &r);
		struct keyctx kc = r->kc;
		const uint32_t *f = NULL;
		size_t nf = 0, k, parts = 0;
		unsigned id;
		int s;

		for (id = 0; id < K__COUNT; id++) {
			if (!(d->cull & (1u << id)) || (stack_keys & (1u << id)))
				continue;
			if (parts++)
				w_put(w, ";", 1);
			folded_key(w, r, (enum key_id)id, g->first);
		}
		kc.strip = !(o->flags & PGS_WRITE_KEEP_OFFSETS);
		if (d->cull & stack_keys)
			f = key_frames(&kc, g->first, &nf);
		for (k = nf; k-- > 0;) {
			if (parts++)
				w_put(w, ";", 1);
			w_put(w, strpool_str(&r->t->strings, f[k]), strpool_len(&r->t->strings, f[k]));
		}
		if (!parts)
			w_put(w, "-", 1);	/* a stack without frames */
		for (s = 0; s < 2; s++) {
			uint64_t v = o->weight == PGS_WEIGHT_TIMES ? x->times[s] :
				     o->weight == PGS_WEIGHT_BYTES ? x->pages[s] * r->kc.page_size :
				     x->pages[s];

			w_put(w, " ", 1);
			w_u64(w, v);
		}
		w_put(w, "\n", 1);
	}
}

PGS_API int pgs_diff_write(const struct pgs_diff *d, const struct pgs_write_opts *opts,
			   pgs_write_fn sink, void *user)
{
	struct pgs_write_opts o = PGS_INIT(pgs_write_opts);
	struct writer *w;
	int err;

	RETURN_ERROR_IF(!d || !sink, -EINVAL);
	if (opts) {
		RETURN_ERROR_IF(opts->sz < sizeof(size_t), -EINVAL);
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	w = malloc(sizeof(*w));
	RETURN_ERROR_IF(!w, -ENOMEM);
	w->sink = sink;
	w->user = user;
	w->err = 0;
	w->n = 0;
	switch (o.format) {
	case PGS_FORMAT_TEXT:
		diff_text(w, d);
		break;
	case PGS_FORMAT_JSON:
		diff_json(w, d);
		break;
	case PGS_FORMAT_NDJSON:
		diff_ndjson(w, d);
		break;
	case PGS_FORMAT_FOLDED:
		diff_folded(w, d, &o);
		break;
	case PGS_FORMAT_CSV:
	case PGS_FORMAT_PPROF:
	case PGS_FORMAT_SVG:
	case PGS_FORMAT_HTML:
		w->err = -ENOTSUP;
		break;
	default:
		w->err = -EINVAL;
	}
	w_flush(w);
	err = w->err;
	free(w);
	return err;
}
