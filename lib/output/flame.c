/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --format=svg and html: the result's groups as flame_render() stacks.
 *
 * A group's stack is its folded frames (fold.h), the very frames of
 * --format=folded and pprof: its cull keys' values as grey pseudo frames
 * ("pid:42") at the root, then, when the group has one stack, its frames
 * from the outermost caller in, offsets cut unless PGS_WRITE_KEEP_OFFSETS.
 * Equal stacks merge in flame_render(). html adds a table of the groups.
 */
#include <stdio.h>	/* snprintf */

#include "flame.h"
#include "fold.h"

/*
 * The groups as flame_render() stacks: each group's frames as fold_frames()
 * makes them for --format=folded, pseudo frames grey. Groups that fold to
 * the same frames merge in flame_render().
 */
struct stacks {
	struct flame_stack *st;
	struct flame_frame *fr;
	size_t n, nfr, fr_cap;
	const struct pgs_allocator *al;
	struct buf txt;		/* pseudo frames' texts, in the order of their frames */
};

static void stacks_free(struct stacks *s)
{
	pgs__free(s->al, s->st);
	pgs__free(s->al, s->fr);
	pgs__free(s->al, s->txt.p);
}

static int group_frames(const struct pgs_result *r, const struct group *g, unsigned flags,
			struct fold_frames *f, struct stacks *out)
{
	struct flame_stack *s = &out->st[out->n++];
	size_t k;

	FORWARD_IF_ERROR(fold_frames(r, g->first, flags, f));
	FORWARD_IF_ERROR(pgs__grow(out->al, (void **)&out->fr, &out->fr_cap, out->nfr + f->n,
				   sizeof(*out->fr)));
	for (k = 0; k < f->n; k++) {
		struct flame_frame *x = &out->fr[out->nfr + k];

		x->s = fold_frame_text(r, f, k, &x->len);
		x->pseudo = !f->f[k].id;
		/* f's texts are overwritten by the next group: keep a copy. */
		if (x->pseudo)
			FORWARD_IF_ERROR(buf_put(out->al, &out->txt, x->s, x->len));
	}
	out->nfr += f->n;
	s->nframes = f->n;
	s->after.times = g->times;
	s->after.pages = g->pages;
	if (r->t->kind == PGS_KIND_PAGE_OWNER) {
		struct kval v;

		key_value(&r->kc, K_ALLOCATOR, g->first, &v);
		s->allocator = (uint32_t)v.v;
	} else {
		s->allocator = 0;
	}
	return 0;
}

static int stacks_build(const struct pgs_result *r, unsigned flags, struct stacks *out)
{
	struct fold_frames f = { .al = out->al };
	size_t i, at = 0, nfr = 0;
	int err = 0;

	out->st = pgs__calloc(out->al, r->n ? r->n : 1, sizeof(*out->st));
	RETURN_ERROR_IF(!out->st, -ENOMEM);
	for (i = 0; i < r->n && !err; i++)
		err = group_frames(r, result_group(r, i), flags, &f, out);
	fold_frames_free(&f);
	FORWARD_IF_ERROR(err);
	/* fr and txt stopped moving: point at them. */
	for (i = 0; i < out->n; i++) {
		/* No frame at all (a stack-less group): fr was never allocated. */
		out->st[i].frames = out->fr ? out->fr + nfr : NULL;
		nfr += out->st[i].nframes;
	}
	for (i = 0; i < out->nfr; i++) {
		if (!out->fr[i].pseudo)
			continue;
		out->fr[i].s = out->txt.p + at;
		at += out->fr[i].len;
	}
	return 0;
}

/* "pages of 12 groups (cull: pid, stacktrace) ..." */
static int subtitle(const struct pgs_result *r, const struct pgs_write_opts *o,
		    const struct pgs_allocator *al, struct buf *b)
{
	bool stacks = r->t->kind != PGS_KIND_PAGE_OWNER, first = true;
	char tmp[160];
	unsigned id;

	snprintf(tmp, sizeof(tmp), "%s of %zu group%s of %llu %s, %llu pages; cull: ",
		 o->weight == PGS_WEIGHT_TIMES && stacks ? "stacks" : flame_unit(o->weight),
		 r->n, r->n == 1 ? "" : "s", (unsigned long long)r->records,
		 stacks ? "stacks" : "blocks",
		 (unsigned long long)r->pages);
	FORWARD_IF_ERROR(buf_str(al, b, tmp));
	if (!r->s.cull)
		FORWARD_IF_ERROR(buf_str(al, b, stacks ? "every distinct stack" :
					 "every distinct block"));
	for (id = 0; id < K__COUNT; id++) {
		if (!(r->s.cull & KEY_BIT(id)))
			continue;
		FORWARD_IF_ERROR(buf_str(al, b, first ? "" : ","));
		FORWARD_IF_ERROR(buf_str(al, b, key_by_id((enum key_id)id)->long_name));
		first = false;
	}
	return buf_str(al, b, o->flags & PGS_WRITE_ICICLE ? "; root (outermost caller) at the top" :
			 "; root (outermost caller) at the bottom");
}

static void html_stack_cell(struct writer *w, const struct pgs_result *r, size_t row)
{
	const struct pgs_table *t = r->t;
	uint32_t id = (r->s.cull & KEY_BIT(K_STACK)) && !(r->s.cull & KEY_BIT(K_STACKTRACE)) ?
		      key_st_frames_text(&r->kc, row) : key_st_text(&r->kc, row);
	struct kval v;
	uint32_t cs;
	const char *s = strpool_str(&t->strings, id);
	size_t len = strpool_len(&t->strings, id);
	const char *nl = memchr(s, '\n', len);
	const char *sum;
	size_t slen;

	key_value(&r->kc, K_CALLSITE, row, &v);
	cs = v.type == KV_NULL ? 0 : (uint32_t)v.v;
	sum = cs ? strpool_str(&t->strings, cs) : s;
	slen = cs ? strpool_len(&t->strings, cs) : nl ? (size_t)(nl - s) : len;

	while (slen && (*sum == ' ' || *sum == '\t'))
		sum++, slen--;
	w_str(w, "<td class=\"k\"><details><summary>");
	w_xml_text(w, sum, slen);
	w_str(w, "</summary><pre>");
	while (len) {
		const char *eol = memchr(s, '\n', len);
		size_t n = eol ? (size_t)(eol - s) : len;

		w_xml_text(w, s, n);
		if (eol) {
			w_put(w, "\n", 1);
			n++;
		}
		s += n;
		len -= n;
	}
	w_str(w, "</pre></details></td>");
}

/*
 * The keys html_table() shows: the cull keys; without a cull, the fields
 * that tell its groups (distinct blocks, or stacks) apart beside their
 * stacktrace (last), those that none of the groups has left out: a block's
 * header fields (the time stamp when the text keeps it, see key_txt()),
 * a handle file's handle.
 */
static keyset html_keys(const struct pgs_result *r)
{
	keyset want, keys = 0;
	unsigned id;
	size_t i;

	if (r->s.cull)
		return r->s.cull;
	if (r->t->kind == PGS_KIND_PAGE_OWNER)
		want = key_set_col(KCOL_HDR) | (r->ts_in_txt ? KEY_BIT(K_ALLOC_TS) : 0);
	else
		want = r->t->kind == PGS_KIND_SHOW_STACKS ? 0 : KEY_BIT(K_HANDLE);
	for (id = 0; id < K__COUNT; id++) {
		if (!(want & KEY_BIT(id)))
			continue;
		for (i = 0; i < r->n; i++) {
			struct kval v;

			key_value(&r->kc, (enum key_id)id, result_group(r, i)->first, &v);
			if (v.type != KV_NULL) {
				keys |= KEY_BIT(id);
				break;
			}
		}
	}
	return keys;
}

static void html_table(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	bool strip = !(o->flags & PGS_WRITE_KEEP_OFFSETS);
	uint64_t ps = r->kc.page_size;
	keyset keys = html_keys(r);
	unsigned id;
	size_t i;

	w_printf(w, "<h2>Top groups</h2>\n<p>%zu group%s shown, in sort order.</p>\n"
		 "<table id=\"pgs-top\">\n<thead><tr><th>#</th><th>%s</th><th>pages</th>"
		 "<th>bytes</th><th>share</th>", r->n, r->n == 1 ? "" : "s", times_name(r));
	for (id = 0; id < K__COUNT; id++)
		if (keys & KEY_BIT(id))
			w_printf(w, "<th>%s</th>", key_by_id((enum key_id)id)->long_name);
	if (!r->s.cull)
		w_str(w, "<th>stacktrace</th>");
	w_str(w, "</tr></thead>\n<tbody>\n");
	for (i = 0; i < r->n && !w->err; i++) {
		const struct group *g = result_group(r, i);
		uint64_t part = o->weight == PGS_WEIGHT_TIMES ? g->times : g->pages;
		uint64_t whole = o->weight == PGS_WEIGHT_TIMES ? r->records : r->pages;
		uint64_t h = whole ? (part * 10000 + whole / 2) / whole : 0;

		w_printf(w, "<tr><td>%zu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
			 "<td>%llu.%02llu%%</td>", i + 1, (unsigned long long)g->times,
			 (unsigned long long)g->pages, (unsigned long long)(g->pages * ps),
			 (unsigned long long)(h / 100), (unsigned long long)(h % 100));
		for (id = 0; id < K__COUNT; id++) {
			char buf[128];
			const char *s;
			size_t n;

			if (!(keys & KEY_BIT(id)))
				continue;
			/* A stack, folded under its call site. */
			if (key_is_stack(id)) {
				html_stack_cell(w, r, g->first);
				continue;
			}
			/* The value as the graph's pseudo frame shows it. */
			s = fold_value_text(r, (enum key_id)id, g->first, strip, buf, sizeof(buf), &n);
			w_str(w, "<td class=\"k\">");
			w_xml_text(w, s ? s : "-", s ? n : 1);
			w_str(w, "</td>");
		}
		if (!r->s.cull)
			html_stack_cell(w, r, g->first);
		w_str(w, "</tr>\n");
	}
	w_str(w, "</tbody>\n</table>\n");
}

static const char html_style[] =
	"body{font:13px sans-serif;margin:16px;background:#fff}\n"
	"table{border-collapse:collapse}\n"
	"th,td{border:1px solid #ccc;padding:2px 6px;text-align:right;vertical-align:top}\n"
	"td.k{text-align:left;font-family:monospace}\n"
	"td.k pre{margin:2px 0}\n"
	"thead th{background:#eee}\n";

void write_flame(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	const struct pgs_table *t = r->t;
	unsigned flags = o->flags & PGS_WRITE_KEEP_OFFSETS ? 0 : FOLD_STRIP;
	struct flame_opts fo = { 0 };
	struct stacks s = { .al = w->al };
	struct buf sub = { 0 };
	const char *title = o->title ? o->title : o->input_name ? o->input_name :
			    t->name ? t->name : "-";
	int err;

	if (strcmp(title, "-") == 0)
		title = "standard input";
	err = stacks_build(r, flags, &s);
	if (!err)
		err = subtitle(r, o, w->al, &sub);
	if (err) {
		stacks_free(&s);
		pgs__free(w->al, sub.p);
		w->err = err;
		return;
	}
	fo.title = title;
	fo.subtitle = sub.p;
	fo.weight = o->weight;
	fo.times_unit = t->kind == PGS_KIND_PAGE_OWNER ? NULL : "stacks";
	fo.page_size = r->kc.page_size;
	fo.color = o->flags & PGS_WRITE_COLOR_ALLOCATOR ? FLAME_COLOR_ALLOCATOR : FLAME_COLOR_MODULE;
	fo.icicle = o->flags & PGS_WRITE_ICICLE;
	fo.embedded = o->format == PGS_FORMAT_HTML;
	if (fo.embedded) {
		w_str(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "script-src 'unsafe-inline'; style-src 'unsafe-inline'\">\n<title>");
		w_xml_text(w, title, strlen(title));
		w_str(w, "</title>\n<style>\n");
		w_str(w, html_style);
		w_str(w, "</style>\n</head>\n<body>\n");
	}
	flame_render(w, s.st, s.n, &fo);
	if (fo.embedded && !w->err) {
		html_table(w, r, o);
		w_str(w, "</body>\n</html>\n");
	}
	stacks_free(&s);
	pgs__free(w->al, sub.p);
}
