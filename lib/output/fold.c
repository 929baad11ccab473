/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Groups as stacks of frames, root first (see fold.h). The frames come
 * from the table's per-stack frame lists, so building a line costs a copy
 * of its frames' texts, never a parse.
 */
#include <inttypes.h>	/* PRIu64 */
#include <stdio.h>	/* snprintf */

#include "fold.h"

bool fold_has_stack(const struct pgs_result *r)
{
	return !r->s.cull || (r->s.cull & key_stacks());
}

/* The call site (a frame id of row's stack), as shown with or without offsets. */
static uint32_t callsite_id(const struct pgs_result *r, size_t row, uint32_t cs, bool strip)
{
	size_t n, k;
	const uint32_t *raw = key_frames_as(&r->kc, row, false, &n);
	const uint32_t *cut = key_frames_as(&r->kc, row, true, &n);

	for (k = 0; k < n; k++)
		if (raw[k] == cs || cut[k] == cs)
			return strip ? cut[k] : raw[k];
	return cs;
}

const char *fold_value_text(const struct pgs_result *r, enum key_id k, size_t row, bool strip,
			    char *buf, size_t bufsz, size_t *len)
{
	const struct key_def *d = key_by_id(k);
	const char *s;
	struct kval v;

	key_value(&r->kc, k, row, &v);
	*len = 0;
	if (v.type == KV_NULL)
		return NULL;
	if (k == K_CALLSITE) {
		uint32_t id = callsite_id(r, row, (uint32_t)v.v, strip);

		*len = strpool_len(&r->t->strings, id);
		return strpool_str(&r->t->strings, id);
	}
	s = key_text(&r->kc, k, row, &v, buf, bufsz, len);
	if (s && (*len || v.type == KV_STR))
		return s;
	/* Numbers, and masks printed without names. */
	if (d->type == KT_BOOL)
		snprintf(buf, bufsz, "%s", v.v ? "true" : "false");
	else if (v.type == KV_INT)
		snprintf(buf, bufsz, "%" PRId64, (int64_t)v.v);
	else if (d->type == KT_HEX || d->type == KT_MASK)
		snprintf(buf, bufsz, "0x%" PRIx64, v.v);
	else
		snprintf(buf, bufsz, "%" PRIu64, v.v);
	*len = strlen(buf);
	return buf;
}

static int push(struct fold_frames *f, const struct fold_frame *x)
{
	FORWARD_IF_ERROR(pgs__grow(f->al, (void **)&f->f, &f->cap, f->n + 1, sizeof(*f->f)));
	f->f[f->n++] = *x;
	return 0;
}

/* A pseudo frame "KEY:VALUE" ("KEY:-" when the row lacks the field). */
static int push_pseudo(const struct pgs_result *r, size_t row, enum key_id k, bool strip,
		       struct fold_frames *f)
{
	const char *name = key_by_id(k)->long_name;
	size_t nl = strlen(name), vl;
	char buf[128];
	const char *v = fold_value_text(r, k, row, strip, buf, sizeof(buf), &vl);
	struct fold_frame x = { .key = k };

	if (!v) {
		v = "-";
		vl = 1;
	}
	FORWARD_IF_ERROR(pgs__grow(f->al, (void **)&f->text, &f->text_cap,
				   f->text_len + nl + 1 + vl, 1));
	x.off = (uint32_t)f->text_len;
	x.len = (uint32_t)(nl + 1 + vl);
	memcpy(f->text + f->text_len, name, nl);
	f->text[f->text_len + nl] = ':';
	memcpy(f->text + f->text_len + nl + 1, v, vl);
	f->text_len += x.len;
	return push(f, &x);
}

int fold_frames(const struct pgs_result *r, size_t row, unsigned flags, struct fold_frames *f)
{
	bool strip = (flags & FOLD_STRIP) || r->kc.strip;
	unsigned id;

	f->n = 0;
	f->nstack = 0;
	f->text_len = 0;
	FORWARD_IF_ERROR(result_complete(r));	/* the frames */
	for (id = 0; id < K__COUNT; id++)
		if ((r->s.cull & KEY_BIT(id)) && !key_is_stack(id))
			FORWARD_IF_ERROR(push_pseudo(r, row, (enum key_id)id, strip, f));
	if (fold_has_stack(r)) {
		size_t n, k;
		const uint32_t *raw = key_frames_as(&r->kc, row, false, &n);
		const uint32_t *shown = key_frames_as(&r->kc, row, strip, &n);

		/* page_owner prints the innermost frame first. */
		for (k = n; k-- > 0;) {
			struct fold_frame x = { .id = shown[k], .raw = raw[k] };

			FORWARD_IF_ERROR(push(f, &x));
		}
		f->nstack = n;
		/* A handle whose frames are elsewhere (print_mode=handle, show_handles). */
		if (!n && !(r->s.cull & KEY_BIT(K_HANDLE))) {
			struct kval v;

			key_value(&r->kc, K_HANDLE, row, &v);
			if (v.type != KV_NULL)
				FORWARD_IF_ERROR(push_pseudo(r, row, K_HANDLE, strip, f));
		}
	}
	return 0;
}

void fold_frames_free(struct fold_frames *f)
{
	const struct pgs_allocator *al = f->al;

	pgs__free(al, f->f);
	pgs__free(al, f->text);
	memset(f, 0, sizeof(*f));
	f->al = al;
}

const char *fold_frame_text(const struct pgs_result *r, const struct fold_frames *f,
			    size_t i, size_t *len)
{
	const struct fold_frame *x = &f->f[i];

	if (!x->id) {
		*len = x->len;
		return f->text + x->off;
	}
	*len = strpool_len(&r->t->strings, x->id);
	return strpool_str(&r->t->strings, x->id);
}

int fold_join(const struct pgs_result *r, const struct fold_frames *f,
	      char **buf, size_t *len, size_t *cap)
{
	static const char none[] = "[no stack]";
	size_t i, need = *len + sizeof(none);

	for (i = 0; i < f->n; i++) {
		size_t n;

		fold_frame_text(r, f, i, &n);
		need += n + 1;
	}
	FORWARD_IF_ERROR(pgs__grow(f->al, (void **)buf, cap, need, 1));
	if (!f->n) {
		memcpy(*buf + *len, none, sizeof(none) - 1);
		*len += sizeof(none) - 1;
		return 0;
	}
	for (i = 0; i < f->n; i++) {
		size_t n, k;
		const char *s = fold_frame_text(r, f, i, &n);
		char *o = *buf + *len;

		if (i)
			*o++ = ';';
		for (k = 0; k < n; k++) {
			char c = s[k];

			o[k] = c == ';' ? ':' : c == '\n' || c == '\r' ? ' ' : c;
		}
		*len += n + (i ? 1 : 0);
	}
	return 0;
}

uint64_t fold_weight(const struct pgs_result *r, const struct group *g, enum pgs_weight w)
{
	switch (w) {
	case PGS_WEIGHT_TIMES:
		return g->times;
	case PGS_WEIGHT_BYTES:
		return g->pages * r->kc.page_size;
	case PGS_WEIGHT_PAGES:
	default:
		return g->pages;
	}
}

int fold_set_init(struct fold_set *s, const struct pgs_allocator *al)
{
	s->w = NULL;
	s->cap = 0;
	return strpool_init(&s->lines, al);
}

void fold_set_fini(struct fold_set *s)
{
	pgs__free(s->lines.al, s->w);
	strpool_fini(&s->lines);
	s->w = NULL;
	s->cap = 0;
}

int fold_set_add(struct fold_set *s, const char *line, size_t len, const uint64_t w[FOLD_NW])
{
	bool is_new;
	uint32_t id = strpool_intern(&s->lines, line, len, &is_new);
	size_t k;

	RETURN_ERROR_IF(!id, -ENOMEM);
	if (is_new) {
		FORWARD_IF_ERROR(pgs__grow(s->lines.al, (void **)&s->w, &s->cap, (size_t)id + 1,
					   sizeof(*s->w)));
		memset(s->w[id], 0, sizeof(s->w[id]));
	}
	for (k = 0; k < FOLD_NW; k++)
		s->w[id][k] += w[k];
	return 0;
}
