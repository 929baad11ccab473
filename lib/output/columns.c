/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A group as a record: which fields JSON, ndjson and CSV print after the
 * counts, and each one's typed value. One plan for the three formats, so
 * that a CSV row and an ndjson line of the same group hold the same fields
 * under the same names.
 */
#include "output.h"

/*
 * The lines page_owner prints after a block's frames, which its
 * stacktrace key (page_owner_sort's) holds and a stacktrace column does
 * not: each a column of its own unless it is a cull key already.
 */
static size_t trailer_columns(const struct pgs_result *r, struct column *out)
{
	keyset cull = r->s.cull;
	size_t n = 0;

	if (r->t->kind != PGS_KIND_PAGE_OWNER)
		return 0;
	if ((r->t->features & FEAT_HANDLE) && !(cull & KEY_BIT(K_HANDLE)))
		out[n++] = (struct column){ "handle", K_HANDLE, COL_KEY };
	if (!(cull & KEY_BIT(K_MR)))
		out[n++] = (struct column){ "migrate_reason", K_MR, COL_KEY };
	out[n++] = (struct column){ "slab_cache_page", K_STACKTRACE, COL_SLAB };
	if (!(cull & KEY_BIT(K_MEMCG)))
		out[n++] = (struct column){ "memcg", K_MEMCG, COL_KEY };
	out[n++] = (struct column){ "memcg_objcg", K_MEMCG, COL_MEMCG_OBJCG };
	out[n++] = (struct column){ "memcg_offline", K_MEMCG, COL_MEMCG_OFFLINE };
	return n;
}

size_t result_columns(const struct pgs_result *r, struct column *out)
{
	const struct query_spec *s = &r->s;
	size_t n = 0;
	unsigned id;

	if (!s->cull) {
		if (r->t->kind == PGS_KIND_PAGE_OWNER) {
			out[n++] = (struct column){ "allocator", K_ALLOCATOR, COL_ALLOCATOR };
			out[n++] = (struct column){ "txt", K_TXT, COL_TXT };
			return n;
		}
		if (r->t->kind != PGS_KIND_SHOW_STACKS)
			out[n++] = (struct column){ "handle", K_HANDLE, COL_HANDLE };
		out[n++] = (struct column){ "stacktrace", K_STACKTRACE, COL_STACKTRACE };
		return n;
	}
	for (id = 0; id < K__COUNT; id++) {
		bool sel = (id == K_PID && s->sel_pid) || (id == K_TGID && s->sel_tgid) ||
			   (id == K_NAME && s->sel_name) || (id == K_NODE && s->sel_node) ||
			   (id == K_MODULE && s->sel_module);

		if (!(s->cull & KEY_BIT(id)) && !sel)
			continue;
		out[n++] = (struct column){ key_by_id((enum key_id)id)->long_name, (enum key_id)id,
					    COL_KEY };
		if (pgs_keys[id].rec == KREC_VALUE_NAMES)
			out[n++] = (struct column){ pgs_keys[id].names_col, (enum key_id)id,
						    COL_NAMES };
		if (pgs_keys[id].rec == KREC_FRAMES)
			n += trailer_columns(r, out + n);
	}
	return n;
}

/* page_owner_sort's allocator label ("SLAB VMALLOC"), as JSON 0.1 defined it. */
static void allocator_cell(uint32_t bits, struct cell *out)
{
	size_t n;

	allocator_label(bits, out->buf, sizeof(out->buf));
	n = strlen(out->buf);
	out->type = CELL_STR;
	out->s = out->buf;
	out->len = n ? n - 1 : 0;	/* without the trailing space */
}

int column_cell(const struct pgs_result *r, size_t row, const struct column *c,
		struct cell *out, const struct pgs_allocator *al, char **txt, size_t *cap)
{
	const struct pgs_table *t = r->t;
	struct kval v;
	size_t len = 0;

	out->type = CELL_NULL;
	out->u = 0;
	out->s = NULL;
	out->len = 0;
	switch (c->kind) {
	case COL_ALLOCATOR:
		key_value(&r->kc, K_ALLOCATOR, row, &v);
		allocator_cell((uint32_t)v.v, out);
		return 0;
	case COL_TXT:
		FORWARD_IF_ERROR(key_txt(&r->kc, row, r->ts_in_txt, al, txt, &len, cap));
		out->type = CELL_LINES;
		out->s = *txt;
		out->len = len;
		return 0;
	case COL_HANDLE:
		key_value(&r->kc, K_HANDLE, row, &v);
		out->type = CELL_UINT;
		out->u = v.v;
		return 0;
	case COL_STACKTRACE: {
		uint32_t text = key_st_text(&r->kc, row);

		out->type = CELL_LINES;
		out->s = strpool_str(&t->strings, text);
		out->len = strpool_len(&t->strings, text);
		return 0;
	}
	case COL_SLAB:
		out->type = CELL_BOOL;
		out->u = key_st_slab(&r->kc, row);
		return 0;
	case COL_MEMCG_OBJCG:
	case COL_MEMCG_OFFLINE: {
		int f = key_memcg_flag(&r->kc, row, c->kind == COL_MEMCG_OBJCG ? PGS_MEMCG_OBJCG :
						    PGS_MEMCG_OFFLINE);

		if (f >= 0) {
			out->type = CELL_BOOL;
			out->u = (uint64_t)f;
		}
		return 0;
	}
	case COL_NAMES:
	case COL_KEY:
		break;
	}
	if (pgs_keys[c->id].rec == KREC_FRAMES) {
		/* The frames alone (stripped like the key): trailers have their columns. */
		key_value(&r->kc, K_STACKTRACE, row, &v);
		if (v.type == KV_NULL)
			return 0;
		key_value(&r->kc, K_STACK, row, &v);
		out->type = CELL_LINES;
		out->s = v.type == KV_NULL ? "" : strpool_str(&t->strings, (uint32_t)v.v);
		out->len = v.type == KV_NULL ? 0 : strpool_len(&t->strings, (uint32_t)v.v);
		return 0;
	}
	key_value(&r->kc, c->id, row, &v);
	if (v.type == KV_NULL)
		return 0;
	if (c->id == K_ALLOCATOR) {
		allocator_cell((uint32_t)v.v, out);
		return 0;
	}
	out->s = key_text(&r->kc, c->id, row, &v, out->buf, sizeof(out->buf), &out->len);
	out->u = v.v;
	if (c->kind == COL_NAMES || v.type == KV_STR || pgs_keys[c->id].type == KT_ENUM) {
		out->type = key_is_stack(c->id) ? CELL_LINES : CELL_STR;
		if (!out->s)
			out->s = "", out->len = 0;
	} else if (pgs_keys[c->id].type == KT_BOOL) {
		out->type = CELL_BOOL;
	} else {
		out->type = v.type == KV_INT ? CELL_INT : CELL_UINT;
	}
	return 0;
}
