/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Records of the page_owner_stacks files (formats.md §3): frames, then
 * "handle: N" and/or "nr_base_pages: N" ("stack_count: N" on v6.9-rc), then
 * a blank line. One row per record: the stack, its pages, its handle.
 */
#include "parse.h"

struct srec {
	const char *fr0, *fr1;	/* frames span */
	bool clean, has_pages, has_handle, broken;
	int64_t pages;
	uint32_t handle;
	uint64_t line, off;
	unsigned nlines;
};

static bool is_frame(const char *line, size_t len)
{
	return classify_line(line, len) == LC_FRAME;
}

static int finish_record(struct parse_ctx *c, struct srec *r)
{
	struct pgs_table *t = c->t;
	enum pgs_kind k = t->kind;
	const char *text = NULL;
	size_t len = 0;
	uint32_t st = 0;
	bool ok;

	if (!r->fr0 && !r->has_pages && !r->has_handle)
		return 0;	/* only lines not understood: counted already */
	ok = (k == PGS_KIND_SHOW_STACKS && r->fr0 && r->has_pages) ||
	     (k == PGS_KIND_SHOW_HANDLES && r->has_handle && r->has_pages) ||
	     (k == PGS_KIND_SHOW_STACKS_HANDLES && r->fr0 && r->has_handle);
	if (!ok) {
		t->skipped++;
		parse_warn(c, r->line, r->off, "incomplete %s record skipped (expected %s)",
			   pgs_kind_name(k),
			   k == PGS_KIND_SHOW_STACKS ? "frames then 'nr_base_pages: N'" :
			   k == PGS_KIND_SHOW_HANDLES ? "'handle: N' then 'nr_base_pages: N'" :
			   "frames then 'handle: N'");
		return 0;
	}
	if (r->pages < 0) {
		parse_warn(c, r->line, r->off, "negative page count %lld counted as 0",
			   (long long)r->pages);
		r->pages = 0;
	}
	if (r->fr0) {
		if (r->clean) {
			text = r->fr0;
			len = (size_t)(r->fr1 - r->fr0);
		} else {
			FORWARD_IF_ERROR(copy_lines(c, r->fr0, r->fr1, is_frame, &len));
			text = c->scratch.p;
		}
	}
	FORWARD_IF_ERROR(intern_stacktrace(c, text, len, &st));
	FORWARD_IF_ERROR(table_reserve_row(t));
	t->c_st[t->rows] = st;
	t->c_pages[t->rows] = r->pages;
	t->c_handle[t->rows] = r->handle;
	t->c_line[t->rows] = r->line;
	t->rows++;
	t->pages += (uint64_t)r->pages;
	if (r->has_handle)
		t->features |= FEAT_HANDLE;
	return 0;
}

int parse_stacks(struct parse_ctx *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	uint64_t line = c->line;
	struct srec r;
	bool in = false;

	while (p < end) {
		const char *nl = find_nl(p, end);
		const char *next = nl ? nl + 1 : end;
		size_t l = (size_t)((nl ? nl : end) - p);
		bool cr = l && p[l - 1] == '\r';
		enum line_class lc;

		line++;
		l -= cr;
		if (l == 0) {
			if (in)
				FORWARD_IF_ERROR(finish_record(c, &r));
			in = false;
			p = next;
			continue;
		}
		if (!in) {
			memset(&r, 0, sizeof(r));
			r.clean = true;
			r.line = line;
			r.off = c->off + (uint64_t)(p - buf);
			in = true;
		}
		lc = (p[0] == ' ' || p[0] == '\t') ? LC_FRAME : classify_line(p, l);
		if (cr)
			r.clean = false;
		switch (lc) {
		case LC_FRAME:
			if (!r.fr0)
				r.fr0 = p;
			else if (r.broken)
				r.clean = false;
			r.fr1 = next;
			if (!nl)
				r.clean = false;
			break;
		case LC_PAGES:
			r.broken = true;
			r.has_pages = parse_pages(p, l, &r.pages);
			if (!r.has_pages)
				parse_warn(c, line, c->off + (uint64_t)(p - buf),
					   "page count out of range or malformed");
			break;
		case LC_HANDLE:
			r.broken = true;
			r.has_handle = parse_handle(p, l, &r.handle);
			if (!r.has_handle)
				parse_warn(c, line, c->off + (uint64_t)(p - buf),
					   "handle out of range or malformed");
			break;
		default:
			r.broken = true;
			table_count_unknown(c->t, p, l, line);
			parse_warn(c, line, c->off + (uint64_t)(p - buf),
				   "line not understood in a %s record, skipped",
				   pgs_kind_name(c->t->kind));
		}
		p = next;
	}
	if (in)
		FORWARD_IF_ERROR(finish_record(c, &r));
	c->line = line;
	return 0;
}
