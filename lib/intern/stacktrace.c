/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stacktraces: page_owner_sort's unit of grouping (every line of a block
 * after the header, PFN lines excepted, each ending in "\n"). A stacktrace
 * seen before costs one hash and one probe. A new one is split once into
 * frames (interned one by one, for per-frame and per-module work), the
 * frames-only stack, the handle and the trailers.
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
			t->features |= ff.form == FRAME_BRACKET ? FEAT_FRAME_BRACKET :
				       ff.form == FRAME_KALLSYMS ? FEAT_FRAME_KALLSYMS :
				       FEAT_FRAME_PS;
		} else if (parse_handle(p, l, &m.handle)) {
			m.has_handle = 1;
			t->features |= FEAT_HANDLE;
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

		m.stack = strpool_intern(&t->strings, stack.p, stack_len, &is_new);
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

/*
 * PLACEHOLDER for the merge with main, which defines the real stack_derive()
 * (module, stripped-offset forms). Drop this definition when merging.
 */
int stack_derive(struct pgs_table *t, uint32_t index)
{
	(void)t;
	(void)index;
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
