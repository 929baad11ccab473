/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --format=svg and html: the result's groups as flame_render() stacks.
 *
 * A group's stack is its cull keys' values as pseudo frames ("pid:42",
 * "name:kworker/0:1"; long key names, in key order) at the root, then its
 * frames from the outermost caller in, when the group has one stack: the
 * default grouping, or a cull with stacktrace or stack. Any other cull
 * (module, callsite, ...) groups rows of many stacks, which the result does
 * not keep, so such a group is its pseudo frames alone. Frames lose their
 * "+0xoff/0xsize" unless PGS_WRITE_KEEP_OFFSETS; equal stacks then merge.
 */
#include <stdio.h>	/* snprintf */
#include <stdlib.h>	/* malloc */

#include "flame.h"

#define STACK_KEYS ((1u << K_STACKTRACE) | (1u << K_STACK))

struct fbuf {
	char *p;
	size_t len, cap;
};

static int fb_put(struct fbuf *b, const void *s, size_t n)
{
	FORWARD_IF_ERROR(pgs__grow(NULL, (void **)&b->p, &b->cap, b->len + n + 1, 1));
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int fb_str(struct fbuf *b, const char *s)
{
	return fb_put(b, s, strlen(s));
}

/* A cull key's value of row, as the text report prints it ("-": none). */
static int value_text(const struct pgs_result *r, unsigned id, size_t row, struct fbuf *b)
{
	char buf[64], num[48];
	const char *s;
	struct kval v;
	size_t n;

	key_value(&r->kc, (enum key_id)id, row, &v);
	if (v.type == KV_NULL)
		return fb_put(b, "-", 1);
	s = key_text(&r->kc, (enum key_id)id, row, &v, buf, sizeof(buf), &n);
	if (id == K_GFP || id == K_PFN) {
		snprintf(num, sizeof(num), "%#llx", (unsigned long long)v.v);
		FORWARD_IF_ERROR(fb_str(b, num));
		if (id == K_GFP) {
			FORWARD_IF_ERROR(fb_put(b, "(", 1));
			FORWARD_IF_ERROR(fb_put(b, s ? s : "", s ? n : 0));
			return fb_put(b, ")", 1);
		}
		return 0;
	}
	if (v.type == KV_INT) {
		snprintf(num, sizeof(num), "%lld", (long long)v.v);
		return fb_str(b, num);
	}
	if (s)
		return fb_put(b, s, n);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v.v);
	return fb_str(b, num);
}

static const uint32_t *frame_ids(const struct pgs_table *t, const struct st_meta *m, bool keep)
{
	const uint32_t *f = !keep && t->frame_strip ? t->frame_strip : t->frames;

	return m->nframes ? f + m->frame_off : NULL;
}

/* Frames root first, text without the line's indent. */
static void add_frames(const struct pgs_table *t, const struct st_meta *m, bool keep,
		       struct flame_frame *out)
{
	const uint32_t *ids = frame_ids(t, m, keep);
	size_t k;

	for (k = 0; k < m->nframes; k++) {
		uint32_t id = ids[m->nframes - 1 - k];
		const char *s = strpool_str(&t->strings, id);
		size_t len = strpool_len(&t->strings, id);

		while (len && (*s == ' ' || *s == '\t'))
			s++, len--;
		out[k].s = s;
		out[k].len = len;
		out[k].pseudo = false;
	}
}

struct stacks {
	struct flame_stack *st;
	struct flame_frame *fr;
	size_t n;
	struct fbuf txt;	/* pseudo frames' texts */
};

static void stacks_free(struct stacks *s)
{
	free(s->st);
	free(s->fr);
	free(s->txt.p);
}

/* Without pseudo frames: one stack per distinct stacktrace of the groups. */
static int stacks_by_st(const struct pgs_result *r, bool keep, struct stacks *out)
{
	const struct pgs_table *t = r->t;
	struct flame_stack *acc = calloc(t->st_n ? t->st_n : 1, sizeof(*acc));
	size_t i, nfr = 0, used = 0, k = 0;

	RETURN_ERROR_IF(!acc, -ENOMEM);
	for (i = 0; i < r->n; i++) {
		const struct group *g = result_group(r, i);
		struct flame_stack *a = &acc[t->c_st[g->first]];

		if (!a->nframes) {
			used++;
			nfr += t->st[t->c_st[g->first]].nframes;
		}
		a->after.times += g->times;
		a->after.pages += g->pages;
		a->allocator |= t->kind == PGS_KIND_PAGE_OWNER ?
				table_row_allocator(t, g->first) : 0;
		a->nframes = 1;	/* seen */
	}
	out->st = calloc(used ? used : 1, sizeof(*out->st));
	out->fr = malloc((nfr ? nfr : 1) * sizeof(*out->fr));
	if (!out->st || !out->fr) {
		free(acc);
		return -ENOMEM;
	}
	nfr = 0;
	for (i = 0; i < t->st_n; i++) {
		if (!acc[i].nframes)
			continue;
		out->st[k] = acc[i];
		out->st[k].frames = out->fr + nfr;
		out->st[k].nframes = t->st[i].nframes;
		add_frames(t, &t->st[i], keep, out->fr + nfr);
		nfr += t->st[i].nframes;
		k++;
	}
	out->n = k;
	free(acc);
	return 0;
}

/* With pseudo frames: one stack per group. */
static int stacks_by_group(const struct pgs_result *r, unsigned pseudo, bool with_stack,
			   bool keep, struct stacks *out)
{
	const struct pgs_table *t = r->t;
	size_t i, nfr = 0, np = 0, k;
	size_t *off;
	unsigned id;

	for (id = 0; id < K__COUNT; id++)
		np += (pseudo >> id) & 1;
	for (i = 0; i < r->n; i++)
		nfr += np + (with_stack ? t->st[t->c_st[result_group(r, i)->first]].nframes : 0);
	out->st = calloc(r->n ? r->n : 1, sizeof(*out->st));
	out->fr = malloc((nfr ? nfr : 1) * sizeof(*out->fr));
	off = malloc((nfr ? nfr : 1) * sizeof(*off));
	if (!out->st || !out->fr || !off) {
		free(off);
		return -ENOMEM;
	}
	nfr = 0;
	for (i = 0; i < r->n; i++) {
		const struct group *g = result_group(r, i);
		const struct st_meta *m = &t->st[t->c_st[g->first]];
		struct flame_stack *s = &out->st[i];

		s->frames = out->fr + nfr;
		s->after.times = g->times;
		s->after.pages = g->pages;
		s->allocator = t->kind == PGS_KIND_PAGE_OWNER ? table_row_allocator(t, g->first) : 0;
		for (id = 0; id < K__COUNT; id++) {
			const char *name = key_by_id((enum key_id)id)->long_name;
			size_t at = out->txt.len;

			if (!(pseudo & (1u << id)))
				continue;
			if (fb_str(&out->txt, name) < 0 || fb_put(&out->txt, ":", 1) < 0 ||
			    value_text(r, id, g->first, &out->txt) < 0) {
				free(off);
				return -ENOMEM;
			}
			off[nfr] = at;
			out->fr[nfr].len = out->txt.len - at;
			out->fr[nfr].pseudo = true;
			nfr++;
		}
		if (with_stack) {
			add_frames(t, m, keep, out->fr + nfr);
			for (k = 0; k < m->nframes; k++)
				off[nfr + k] = SIZE_MAX;
			nfr += m->nframes;
		}
		s->nframes = (size_t)(out->fr + nfr - s->frames);
	}
	/* The texts stopped moving: point at them. */
	for (k = 0; k < nfr; k++)
		if (off[k] != SIZE_MAX)
			out->fr[k].s = out->txt.p + off[k];
	out->n = r->n;
	free(off);
	return 0;
}

static const char *weight_name(enum pgs_weight w)
{
	return w == PGS_WEIGHT_TIMES ? "blocks" : w == PGS_WEIGHT_BYTES ? "bytes" : "pages";
}

/* "pages of 12 groups (cull: pid, stacktrace) ..." */
static int subtitle(const struct pgs_result *r, const struct pgs_write_opts *o, struct fbuf *b)
{
	char tmp[160];
	unsigned id;
	bool first = true;

	snprintf(tmp, sizeof(tmp), "%s of %zu group%s of %llu blocks, %llu pages; cull: ",
		 weight_name(o->weight), r->n, r->n == 1 ? "" : "s",
		 (unsigned long long)r->records, (unsigned long long)r->pages);
	FORWARD_IF_ERROR(fb_str(b, tmp));
	if (!r->s.cull)
		FORWARD_IF_ERROR(fb_str(b, "every distinct block"));
	for (id = 0; id < K__COUNT; id++) {
		if (!(r->s.cull & (1u << id)))
			continue;
		FORWARD_IF_ERROR(fb_str(b, first ? "" : ","));
		FORWARD_IF_ERROR(fb_str(b, key_by_id((enum key_id)id)->long_name));
		first = false;
	}
	return fb_str(b, o->flags & PGS_WRITE_ICICLE ? "; root (outermost caller) at the top" :
			 "; root (outermost caller) at the bottom");
}

static void html_stack_cell(struct writer *w, const struct pgs_result *r, size_t row)
{
	const struct pgs_table *t = r->t;
	uint32_t id = (r->s.cull & (1u << K_STACK)) && !(r->s.cull & (1u << K_STACKTRACE)) ?
		      table_row_st(t, row)->stack : key_st_text(&r->kc, row);
	uint32_t cs = r->kc.cs ? r->kc.cs[t->c_st[row]] : 0;
	const char *s = strpool_str(&t->strings, id);
	size_t len = strpool_len(&t->strings, id);
	const char *nl = memchr(s, '\n', len);
	const char *sum = cs ? strpool_str(&t->strings, cs) : s;
	size_t slen = cs ? strpool_len(&t->strings, cs) : nl ? (size_t)(nl - s) : len;

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

static void html_table(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	struct fbuf b = { 0 };
	uint64_t ps = r->kc.page_size;
	unsigned id;
	size_t i;

	w_printf(w, "<h2>Top groups</h2>\n<p>%zu group%s shown, in sort order.</p>\n"
		 "<table id=\"pgs-top\">\n<thead><tr><th>#</th><th>times</th><th>pages</th>"
		 "<th>bytes</th><th>share</th>", r->n, r->n == 1 ? "" : "s");
	for (id = 0; id < K__COUNT; id++)
		if (r->s.cull & (1u << id))
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
			if (!(r->s.cull & (1u << id)))
				continue;
			if ((1u << id) & STACK_KEYS) {
				html_stack_cell(w, r, g->first);
				continue;
			}
			b.len = 0;
			if (value_text(r, id, g->first, &b) < 0) {
				w->err = -ENOMEM;
				break;
			}
			w_str(w, "<td class=\"k\">");
			w_xml_text(w, b.p, b.len);
			w_str(w, "</td>");
		}
		if (!r->s.cull)
			html_stack_cell(w, r, g->first);
		w_str(w, "</tr>\n");
	}
	w_str(w, "</tbody>\n</table>\n");
	free(b.p);
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
	bool keep = o->flags & PGS_WRITE_KEEP_OFFSETS;
	unsigned pseudo = r->s.cull & ~STACK_KEYS;
	bool with_stack = !r->s.cull || (r->s.cull & STACK_KEYS);
	struct flame_opts fo = { 0 };
	struct stacks s = { 0 };
	struct fbuf sub = { 0 };
	const char *title = o->title ? o->title : o->input_name ? o->input_name :
			    t->name ? t->name : "-";
	int err;

	if (strcmp(title, "-") == 0)
		title = "standard input";
	err = pseudo ? stacks_by_group(r, pseudo, with_stack, keep, &s) :
		       stacks_by_st(r, keep, &s);
	if (!err)
		err = subtitle(r, o, &sub);
	if (err) {
		stacks_free(&s);
		free(sub.p);
		w->err = err;
		return;
	}
	fo.title = title;
	fo.subtitle = sub.p;
	fo.weight = o->weight;
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
	free(sub.p);
}
