/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stacktraces: page_owner_sort's unit of grouping (every line of a block
 * after the header, PFN lines excepted, each ending in "\n"). A stacktrace
 * seen before costs one hash and one probe. A new one is split once into
 * frames (interned one by one, for per-frame and per-module work), the
 * frames-only stack, the handle and the trailers. What is derived from its
 * frames (module, forms without offsets) waits for the end of the parse
 * (table_derive_stacks()): made in the shards, it would be interned twice,
 * in the shard and again when the shard is joined, and held twice until
 * then; with most stacks distinct, that was half of the strings.
 */
#include "../parse/parse.h"
#include "stacktrace.h"

/* page_owner_sort's VMALLOC rule: a line holding "__vmalloc_node_range"
 * right after a line holding "alloc_pages". */
bool is_vmalloc(const char *s, size_t len)
{
	const char *m = pgs__memmem(s, len, "__vmalloc_node_range", 20);
	const char *prev_end, *prev;

	if (!m)
		return false;
	prev_end = m;
	while (prev_end > s && prev_end[-1] != '\n')
		prev_end--;
	if (prev_end == s)
		return false;	/* first line: page_owner_sort sees the header */
	prev = prev_end - 1;
	while (prev > s && prev[-1] != '\n')
		prev--;
	return pgs__memmem(prev, (size_t)(prev_end - prev), "alloc_pages", 11) != NULL;
}

/*
 * A frame line (with its indent) without offsets and addresses:
 * "sym [mod]". Returns false, out untouched, when the line is not a frame.
 */
static bool strip_frame(const char *line, size_t len, struct buf *out,
			const struct pgs_allocator *al, int *err,
			const char **mod, size_t *mod_len)
{
	struct frame_fields ff;
	size_t need;

	if (!parse_frame(line, len, &ff))
		return false;
	need = out->len + 2 + ff.sym_len + (ff.module ? ff.module_len + 3 : 0) + 1;
	if (buf_reserve(al, out, need) < 0) {
		*err = -ENOMEM;
		return true;
	}
	if (ff.form != FRAME_KALLSYMS)
		out->p[out->len++] = ' ';
	memcpy(out->p + out->len, ff.sym, ff.sym_len);
	out->len += ff.sym_len;
	if (ff.module) {
		memcpy(out->p + out->len, " [", 2);
		memcpy(out->p + out->len + 2, ff.module, ff.module_len);
		out->p[out->len + 2 + ff.module_len] = ']';
		out->len += ff.module_len + 3;
	}
	*mod = ff.module;
	*mod_len = ff.module_len;
	return true;
}

static uint32_t intern_buf(struct pgs_table *t, const struct buf *b)
{
	bool is_new;

	return strpool_intern(&t->strings, b->len ? b->p : "", b->len, &is_new);
}

int stack_derive(struct pgs_table *t, uint32_t index)
{
	const struct pgs_allocator *al = t->al;
	struct st_meta *m = &t->st[index];
	struct buf text = { 0 }, stack = { 0 }, one = { 0 };
	char *copy = NULL;
	size_t len = strpool_len(&t->strings, m->text), mod_len = 0, k = 0;
	const char *p, *end, *modname = NULL;	/* modname: in copy */
	uint32_t module = 0, stack_strip = 0, text_strip = 0;
	int err = 0;

	if (!m->nframes) {
		/* No frame, so none with a module: page_owner_sort 2026 says vmlinux. */
		module = strpool_intern(&t->strings, "vmlinux", 7, &(bool){ 0 });
		if (!module)
			return -ENOMEM;
		t->st[index].module = module;
		return 0;
	}
	/* Interning may move the pool: work on a copy of the text. */
	if (pgs__grow(al, (void **)&t->frame_strip, &t->frame_strip_cap, t->frames_n,
		      sizeof(*t->frame_strip)) < 0 || !(copy = pgs__malloc(al, len + 1)))
		goto nomem;
	memcpy(copy, strpool_str(&t->strings, m->text), len);
	for (p = copy, end = copy + len; p < end && !err;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		const char *mod = NULL;
		size_t ml = 0;

		one.len = 0;
		if (strip_frame(p, l, &one, al, &err, &mod, &ml)) {
			uint32_t fid;

			if (err)
				break;
			if (mod && !modname) {
				modname = mod;
				mod_len = ml;
			}
			/* The frame's own text starts after the indent. */
			fid = strpool_intern(&t->strings, one.p + (one.p[0] == ' '),
					     one.len - (one.p[0] == ' '), &(bool){ 0 });
			if (!fid)
				goto nomem;
			if (k < m->nframes)
				t->frame_strip[m->frame_off + k++] = fid;
			if (buf_reserve(al, &stack, stack.len + one.len + 1) < 0)
				goto nomem;
			memcpy(stack.p + stack.len, one.p, one.len);
			stack.len += one.len;
			stack.p[stack.len++] = '\n';
		} else {
			if (buf_reserve(al, &one, l) < 0)
				goto nomem;
			memcpy(one.p, p, l);
			one.len = l;
		}
		if (buf_reserve(al, &text, text.len + one.len + 1) < 0)
			goto nomem;
		memcpy(text.p + text.len, one.p, one.len);
		text.len += one.len;
		text.p[text.len++] = '\n';
		p = nl ? nl + 1 : end;
	}
	if (err)
		goto out;
	/* Frames the text did not show (cannot happen for parsed stacks). */
	for (; k < m->nframes; k++)
		t->frame_strip[m->frame_off + k] = t->frames[m->frame_off + k];
	module = modname ? strpool_intern(&t->strings, modname, mod_len, &(bool){ 0 }) :
			   strpool_intern(&t->strings, "vmlinux", 7, &(bool){ 0 });
	stack_strip = intern_buf(t, &stack);
	/* Without trailers the two are one string: no second hash and probe. */
	text_strip = text.len == stack.len && (!text.len || memcmp(text.p, stack.p, text.len) == 0) ?
		     stack_strip : intern_buf(t, &text);
	if (!module || (!stack_strip && stack.len) || (!text_strip && text.len))
		goto nomem;	/* "" is id 0 */
	m = &t->st[index];
	m->module = module;
	m->stack_strip = stack_strip;
	m->text_strip = text_strip;
	goto out;
nomem:
	err = -ENOMEM;
out:
	pgs__free(al, copy);
	pgs__free(al, text.p);
	pgs__free(al, stack.p);
	pgs__free(al, one.p);
	return err;
}

static int split_stacktrace(struct parse_ctx *c, uint32_t index)
{
	struct pgs_table *t = c->t;
	struct st_meta m = t->st[index];
	const char *s, *p, *end;
	size_t stack_len = 0;
	struct buf stack = { 0 };
	int err = 0;

	/* Interning frames may move the arena: work on a copy. */
	FORWARD_IF_ERROR(buf_reserve(c->al, &c->meta, strpool_len(&t->strings, m.text)));
	memcpy(c->meta.p, strpool_str(&t->strings, m.text), strpool_len(&t->strings, m.text));
	s = c->meta.p;
	end = s + strpool_len(&t->strings, m.text);
	m.frame_off = (uint32_t)t->frames_n;
	m.vmalloc = is_vmalloc(s, (size_t)(end - s));

	for (p = s; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		struct frame_fields ff;
		const char *v;
		size_t vl;
		uint32_t fl;
		bool is_new;

		if (parse_frame(p, l, &ff)) {
			uint32_t fid = strpool_intern(&t->strings, ff.text, ff.text_len, &is_new);

			if (!fid || pgs__grow(c->al, (void **)&t->frames, &t->frames_cap,
					      t->frames_n + 1, sizeof(*t->frames)) < 0 ||
			    buf_reserve(c->al, &stack, stack_len + l + 1) < 0) {
				err = -ENOMEM;
				goto out;
			}
			t->frames[t->frames_n++] = fid;
			m.nframes++;
			memcpy(stack.p + stack_len, p, l);
			stack_len += l;
			stack.p[stack_len++] = '\n';
			table_feature(t, ff.form == FRAME_BRACKET ? FEAT_FRAME_BRACKET :
					 ff.form == FRAME_KALLSYMS ? FEAT_FRAME_KALLSYMS :
					 FEAT_FRAME_PS);
		} else if (parse_handle(p, l, &m.handle)) {
			m.has_handle = 1;
			table_feature(t, FEAT_HANDLE);
		} else if (parse_migrated(p, l, &v, &vl)) {
			m.migrate = strpool_intern(&t->strings, v, vl, &is_new);
		} else if (l == 15 && memcmp(p, "Slab cache page", 15) == 0) {
			m.slab = 1;
			t->features |= FEAT_MEMCG;
		} else if (parse_memcg(p, l, &v, &vl, &fl)) {
			m.memcg_flags = (uint8_t)fl;
			m.memcg = strpool_intern(&t->strings, v, vl, &is_new);
			t->features |= FEAT_MEMCG;
		}
		p = nl ? nl + 1 : end;
	}
	if (stack_len) {
		bool is_new;

		/* Frames only (no trailers): the stack is the text itself. */
		m.stack = stack_len == (size_t)(end - s) && memcmp(stack.p, s, stack_len) == 0 ?
			  m.text : strpool_intern(&t->strings, stack.p, stack_len, &is_new);
		if (!m.stack) {
			err = -ENOMEM;
			goto out;
		}
	}
	t->st[index] = m;
out:
	pgs__free(c->al, stack.p);
	return err;
}

int table_derive_stacks(struct pgs_table *t)
{
	size_t i;

	/* Frameless stacks too: their module is vmlinux (stack_derive). */
	for (i = 1; i < t->st_n; i++)
		if (!t->st[i].module)
			FORWARD_IF_ERROR(stack_derive(t, (uint32_t)i));
	return 0;
}

int intern_stacktrace(struct parse_ctx *c, const char *text, size_t len,
		      uint32_t *st_index)
{
	uint32_t id;
	bool is_new;

	*st_index = 0;
	if (len == 0)
		return 0;
	id = strpool_intern_last(&c->t->strings, text, len, &c->last_st, &is_new);
	RETURN_ERROR_IF(!id, -ENOMEM);
	FORWARD_IF_ERROR(table_st_index(c->t, id, st_index, &is_new));
	if (is_new)
		return split_stacktrace(c, *st_index);
	return 0;
}
