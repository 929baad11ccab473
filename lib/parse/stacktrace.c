/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stacktraces: page_owner_sort's unit of grouping (every line of a block
 * after the header, PFN lines excepted, each ending in "\n").
 *
 * The parse interns a stacktrace's text and nothing else of it: a text
 * seen before costs one hash and one probe, a new one a look at each line
 * for its trailers (handle, migrate reason, slab, memcg) and a count of its
 * frames. The frames themselves, the frames-only stack, the module and the
 * forms without offsets are made later from the texts, once, for every
 * stack of the joined table, and only when a query or an output needs them
 * (table_derive()): with most stacks distinct, they were four strings in
 * five and two thirds of the memory, and `--cull=st` never reads them.
 */
#include "parse.h"
#include "stacktrace.h"

/* page_owner_sort's VMALLOC rule: a line holding "__vmalloc_node_range"
 * right after a line holding "alloc_pages". */
bool is_vmalloc(const char *s, size_t len)
{
	const char *m = NULL, *p = s, *end = s + len, *prev_end, *prev;

	/*
	 * Its first occurrence, found by its "vmalloc_node_range": a search
	 * led by '_' stops and compares at nearly every symbol of a stack
	 * (7% of the time on a dump of distinct stacks).
	 */
	while (p < end && (p = pgs__memmem(p, (size_t)(end - p), "vmalloc_node_range", 18))) {
		if (p - s >= 2 && p[-2] == '_' && p[-1] == '_') {
			m = p - 2;
			break;
		}
		p++;
	}
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
 * A frame line's form without offsets and addresses, ff being its fields:
 * "sym [mod]", after a space but in the kallsyms form. 0 or -ENOMEM.
 */
static int strip_frame(const struct frame_fields *ff, struct buf *out,
		       const struct pgs_allocator *al)
{
	size_t need = 2 + ff->sym_len + (ff->module ? ff->module_len + 3 : 0) + 1;

	out->len = 0;
	FORWARD_IF_ERROR(buf_reserve(al, out, need));
	if (ff->form != FRAME_KALLSYMS)
		out->p[out->len++] = ' ';
	memcpy(out->p + out->len, ff->sym, ff->sym_len);
	out->len += ff->sym_len;
	if (ff->module) {
		memcpy(out->p + out->len, " [", 2);
		memcpy(out->p + out->len + 2, ff->module, ff->module_len);
		out->p[out->len + 2 + ff->module_len] = ']';
		out->len += ff->module_len + 3;
	}
	return 0;
}

/*
 * The id of s[0..len) among t's strings: the parse's id when the parse
 * interned it, else one of t->derived. 0 on allocation failure (or "").
 */
static uint32_t derive_intern(struct pgs_table *t, const char *s, size_t len)
{
	uint64_t h;
	uint32_t id;

	if (!len)
		return 0;
	h = strpool_hash(s, len);
	id = strpool_find_h(&t->strings, s, len, h);
	if (id)
		return id;
	id = strpool_intern_h(&t->derived, s, len, h, NULL);
	return id ? id | STRPOOL_MORE : 0;
}

struct derive_bufs {
	struct buf text, stack, strip, one;
};

/*
 * Split stack index of t into its frames and make what derives from them.
 * The text stays where it is: t->strings does not move while derived grows.
 */
static int derive_one(struct pgs_table *t, uint32_t index, struct derive_bufs *b)
{
	const struct pgs_allocator *al = t->al;
	const struct st_meta *m = &t->st[index];
	struct st_derived *d = &t->sd[index];
	const char *s = strpool_str(&t->strings, m->text), *p, *end;
	size_t len = strpool_len(&t->strings, m->text), mod_len = 0, k = 0;
	const char *modname = NULL;
	uint32_t module, stack = 0, stack_strip = 0, text_strip = 0;

	if (!m->nframes) {
		/* No frame, so none with a module: page_owner_sort 2026 says vmlinux. */
		module = derive_intern(t, "vmlinux", 7);
		RETURN_ERROR_IF(!module, -ENOMEM);
		d->module = module;
		return 0;
	}
	FORWARD_IF_ERROR(pgs__grow(al, (void **)&t->frames, &t->frames_cap,
				   t->frames_n + m->nframes, sizeof(*t->frames)));
	FORWARD_IF_ERROR(pgs__grow(al, (void **)&t->frame_strip, &t->frame_strip_cap,
				   t->frames_n + m->nframes, sizeof(*t->frame_strip)));
	b->text.len = b->stack.len = b->strip.len = 0;
	for (p = s, end = s + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		struct frame_fields ff;

		b->one.len = 0;
		if (parse_frame(p, l, &ff)) {
			uint32_t fid = derive_intern(t, ff.text, ff.text_len), sid;

			if (!fid || buf_reserve(al, &b->stack, b->stack.len + l + 1) < 0)
				return -ENOMEM;
			memcpy(b->stack.p + b->stack.len, p, l);
			b->stack.len += l;
			b->stack.p[b->stack.len++] = '\n';
			FORWARD_IF_ERROR(strip_frame(&ff, &b->one, al));
			if (ff.module && !modname) {
				modname = ff.module;
				mod_len = ff.module_len;
			}
			/* The frame's own text starts after the indent. */
			sid = derive_intern(t, b->one.p + (b->one.p[0] == ' '),
					    b->one.len - (b->one.p[0] == ' '));
			RETURN_ERROR_IF(!sid, -ENOMEM);
			if (k < m->nframes) {
				t->frames[t->frames_n + k] = fid;
				t->frame_strip[t->frames_n + k] = sid;
				k++;
			}
			FORWARD_IF_ERROR(buf_reserve(al, &b->strip, b->strip.len + b->one.len + 1));
			memcpy(b->strip.p + b->strip.len, b->one.p, b->one.len);
			b->strip.len += b->one.len;
			b->strip.p[b->strip.len++] = '\n';
		} else {
			FORWARD_IF_ERROR(buf_reserve(al, &b->one, l));
			memcpy(b->one.p, p, l);
			b->one.len = l;
		}
		FORWARD_IF_ERROR(buf_reserve(al, &b->text, b->text.len + b->one.len + 1));
		memcpy(b->text.p + b->text.len, b->one.p, b->one.len);
		b->text.len += b->one.len;
		b->text.p[b->text.len++] = '\n';
		p = nl ? nl + 1 : end;
	}
	/* Frames the text did not show (cannot happen: the parse counted them). */
	for (; k < m->nframes; k++)
		t->frames[t->frames_n + k] = t->frame_strip[t->frames_n + k] = 0;
	module = modname ? derive_intern(t, modname, mod_len) :
			   derive_intern(t, "vmlinux", 7);
	/* Frames only (no trailers): the stack is the text itself. */
	stack = b->stack.len == len && memcmp(b->stack.p, s, len) == 0 ?
		m->text : derive_intern(t, b->stack.p, b->stack.len);
	stack_strip = derive_intern(t, b->strip.p, b->strip.len);
	/* Without trailers the two are one string: no second hash and probe. */
	text_strip = b->text.len == b->strip.len &&
		     (!b->text.len || memcmp(b->text.p, b->strip.p, b->text.len) == 0) ?
		     stack_strip : derive_intern(t, b->text.p, b->text.len);
	if (!module || (!stack && b->stack.len) || (!stack_strip && b->strip.len) ||
	    (!text_strip && b->text.len))
		return -ENOMEM;	/* "" is id 0 */
	d->frame_off = (uint32_t)t->frames_n;
	t->frames_n += m->nframes;
	d->stack = stack;
	d->module = module;
	d->stack_strip = stack_strip;
	d->text_strip = text_strip;
	return 0;
}

static int derive_all(struct pgs_table *t)
{
	struct derive_bufs b = { 0 };
	size_t i;
	int err;

	err = strpool_init(&t->derived, t->al);
	if (!err)
		t->strings.more = &t->derived;
	if (!err && !(t->sd = pgs__calloc(t->al, t->st_n, sizeof(*t->sd))))
		err = -ENOMEM;
	/* Frameless stacks too, stack 0 included: their module is vmlinux. */
	for (i = 0; !err && i < t->st_n; i++)
		err = derive_one(t, (uint32_t)i, &b);
	if (!err)
		err = table_count_stacks(t);
	pgs__free(t->al, b.text.p);
	pgs__free(t->al, b.stack.p);
	pgs__free(t->al, b.strip.p);
	pgs__free(t->al, b.one.p);
	if (err)
		table_underive(t);
	return err;
}

static int derive_once(const struct pgs_table *ct)
{
	/* A const table's derived part is made once, as if it always was. */
	struct pgs_table *t = (struct pgs_table *)ct;
	int err = 0;

	if (table_derived(t))
		return 0;
	pthread_mutex_lock(&t->derive_mu);
	if (!t->derive_done) {
		err = derive_all(t);
		if (!err)
			__atomic_store_n(&t->derive_done, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&t->derive_mu);
	return err;
}

const struct stack_ops parse_stack_ops = { derive_once, is_vmalloc };

/*
 * A new stacktrace: its trailers, its frames counted (and their forms
 * noted as features), its VMALLOC rule. Nothing is interned but the
 * trailers' values.
 */
static int scan_stacktrace(struct parse_ctx *c, uint32_t index, const char *s, size_t len)
{
	struct pgs_table *t = c->t;
	struct st_meta m = t->st[index];
	const char *p, *end = s + len;

	m.vmalloc = is_vmalloc(s, len);
	for (p = s; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);
		enum frame_form form;
		const char *v;
		size_t vl;
		uint32_t fl;
		bool is_new;

		if (frame_line(p, l, &form)) {
			m.nframes++;
			table_feature(t, form == FRAME_BRACKET ? FEAT_FRAME_BRACKET :
					 form == FRAME_KALLSYMS ? FEAT_FRAME_KALLSYMS :
					 FEAT_FRAME_PS);
		} else if (parse_handle(p, l, &m.handle)) {
			m.has_handle = 1;
			table_feature(t, FEAT_HANDLE);
		} else if (parse_migrated(p, l, &v, &vl)) {
			m.migrate = strpool_intern(&t->strings, v, vl, &is_new);
			RETURN_ERROR_IF(!m.migrate && vl, -ENOMEM);
		} else if (l == 15 && memcmp(p, "Slab cache page", 15) == 0) {
			m.slab = 1;
			t->features |= FEAT_MEMCG;
		} else if (parse_memcg(p, l, &v, &vl, &fl)) {
			m.memcg_flags = (uint8_t)fl;
			m.memcg = strpool_intern(&t->strings, v, vl, &is_new);
			RETURN_ERROR_IF(!m.memcg && vl, -ENOMEM);
			t->features |= FEAT_MEMCG;
		}
		p = nl ? nl + 1 : end;
	}
	t->st[index] = m;
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
		return scan_stacktrace(c, *st_index, text, len);
	return 0;
}
