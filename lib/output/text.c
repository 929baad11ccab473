/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * page_owner_sort's text report (formats.md §4.4), byte for byte:
 *   no cull:  "%d times, %d pages, allocated by <labels>:\n<txt>\n"
 *   cull:     "%d times, %d pages[, PID %d][, TGID %d][, task_comm_name: %s]
 *              [, module: %s][, allocated by <labels>][ (UNRELEASED|RELEASED)]
 *              [:\n<stacktrace>]\n"
 * (", module: " as page_owner_sort 2026 prints it, culled or selected),
 * where txt is the block minus its PFN line, the ts digits cut unless the
 * first sort key is alloc_ts. PGS_WRITE_HUMAN adds " (1.5 MiB)" after the
 * pages (pages x the query's page size).
 */
#include "output.h"

/* page_owner_sort's "allocated by" labels of row, with their trailing space. */
static const char *row_allocator(const struct pgs_result *r, size_t row, char *label,
				 size_t size)
{
	struct kval v;

	key_value(&r->kc, K_ALLOCATOR, row, &v);
	return allocator_label((uint32_t)v.v, label, size);
}

/*
 * The keys page_owner_sort cannot cull by, after its own: ", order 3",
 * ", callsite f", ... in table order, each as its row's text says (the
 * keys whose text is KTXT_OWN print in page_owner_sort's own places). A
 * missing value prints as "-".
 */
static void new_keys(struct writer *w, const struct pgs_result *r, size_t row)
{
	unsigned id;

	for (id = 0; id < K__COUNT; id++) {
		const struct key_def *k = &pgs_keys[id];
		char buf[64];
		const char *s;
		struct kval v;
		size_t n;

		if (k->text == KTXT_OWN || !(r->s.cull & KEY_BIT(id)))
			continue;
		key_value(&r->kc, (enum key_id)id, row, &v);
		w_printf(w, ", %s ", k->long_name);
		if (v.type == KV_NULL) {
			w_put(w, "-", 1);
			continue;
		}
		s = key_text(&r->kc, (enum key_id)id, row, &v, buf, sizeof(buf), &n);
		if (k->text == KTXT_AFTER_HEX || k->text == KTXT_AFTER_HEX_NAMES) {
			w_printf(w, "%#llx", (unsigned long long)v.v);
			if (k->text == KTXT_AFTER_HEX_NAMES) {
				w_put(w, "(", 1);
				w_put(w, s ? s : "", n);
				w_put(w, ")", 1);
			}
		} else if (v.type == KV_INT) {
			w_printf(w, "%lld", (long long)v.v);
		} else if (s) {
			w_put(w, s, n);
		} else {
			w_u64(w, v.v);
		}
	}
}

/* The stack printed under a group: page_owner_sort's stacktrace, or the frames. */
static void group_stack(struct writer *w, const struct pgs_result *r, size_t row)
{
	struct kval v;

	if (r->s.cull & KEY_BIT(K_STACKTRACE))
		key_value(&r->kc, K_STACKTRACE, row, &v);
	else if (r->s.cull & KEY_BIT(K_STACK))
		key_value(&r->kc, K_STACK, row, &v);
	else
		return;
	w_put(w, ":\n", 2);
	if (v.type == KV_STR)
		w_put(w, strpool_str(&r->t->strings, (uint32_t)v.v),
		      strpool_len(&r->t->strings, (uint32_t)v.v));
}

void text_group_keys(struct writer *w, const struct pgs_result *r, size_t row)
{
	const struct pgs_table *t = r->t;
	keyset cull = r->s.cull;
	char label[40];
	struct kval v;

	if (t->kind == PGS_KIND_PAGE_OWNER) {
		int32_t pid, tgid;
		uint32_t comm;

		key_po_task(&r->kc, row, &pid, &tgid, &comm);
		if (cull & KEY_BIT(K_PID) || r->s.sel_pid)
			w_printf(w, ", PID %d", pid);
		if (cull & KEY_BIT(K_TGID) || r->s.sel_tgid)
			w_printf(w, ", TGID %d", tgid);
		if (cull & KEY_BIT(K_NAME) || r->s.sel_name) {
			w_str(w, ", task_comm_name: ");
			w_put(w, strpool_str(&t->strings, comm), strpool_len(&t->strings, comm));
		}
	}
	/* page_owner_sort 2026's module, for every kind of input. */
	if (cull & KEY_BIT(K_MODULE) || r->s.sel_module) {
		key_value(&r->kc, K_MODULE, row, &v);
		w_str(w, ", module: ");
		if (v.type == KV_STR)
			w_put(w, strpool_str(&t->strings, (uint32_t)v.v),
			      strpool_len(&t->strings, (uint32_t)v.v));
		else
			w_put(w, "-", 1);
	}
	if (t->kind == PGS_KIND_PAGE_OWNER) {
		if (cull & KEY_BIT(K_ALLOCATOR))
			w_printf(w, ", allocated by %s",
				 row_allocator(r, row, label, sizeof(label)));
		if (cull & KEY_BIT(K_FREE))
			w_str(w, key_po_unreleased(&r->kc, row) ? " (UNRELEASED)" : " (RELEASED)");
	}
	new_keys(w, r, row);
	group_stack(w, r, row);
}

/*
 * "N times, M pages", and with human " (X MiB)". The page_owner_stacks
 * files have no blocks: "1 stack, M pages" (page_owner_sort reads none).
 */
static void counts(struct writer *w, const struct pgs_result *r, const struct group *g, bool human)
{
	char b[32];

	w_u64(w, g->times);
	if (r->t->kind != PGS_KIND_PAGE_OWNER)
		w_str(w, g->times == 1 ? " stack, " : " stacks, ");
	else
		w_str(w, " times, ");
	w_u64(w, g->pages);
	w_str(w, " pages");
	if (human) {
		w_str(w, " (");
		w_put(w, b, fmt_iec(b, g->pages * r->kc.page_size));
		w_put(w, ")", 1);
	}
}

static void stacks_group(struct writer *w, const struct pgs_result *r, const struct group *g,
			 bool human)
{
	const struct pgs_table *t = r->t;
	uint32_t text = key_st_text(&r->kc, g->first);

	counts(w, r, g, human);
	if (!r->s.cull && t->kind != PGS_KIND_SHOW_STACKS) {
		struct kval v;

		key_value(&r->kc, K_HANDLE, g->first, &v);
		w_printf(w, ", handle %u", (unsigned)v.v);
	}
	if (!r->s.cull) {
		if (text) {
			w_put(w, ":\n", 2);
			w_put(w, strpool_str(&t->strings, text), strpool_len(&t->strings, text));
		}
	} else {
		text_group_keys(w, r, g->first);
	}
	w_put(w, "\n", 1);
}

void write_text(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	const struct pgs_table *t = r->t;
	keyset cull = r->s.cull;
	bool human = o->flags & PGS_WRITE_HUMAN;
	char *txt = NULL, label[40];
	size_t txt_len, txt_cap = 0, i;

	for (i = 0; i < r->n && !w->err; i++) {
		const struct group *g = result_group(r, i);

		if (t->kind != PGS_KIND_PAGE_OWNER) {
			stacks_group(w, r, g, human);
			continue;
		}
		counts(w, r, g, human);
		if (!cull) {
			w_str(w, ", allocated by ");
			w_str(w, row_allocator(r, g->first, label, sizeof(label)));
			w_str(w, ":\n");
			txt_len = 0;
			if (key_txt(&r->kc, g->first, r->ts_in_txt, w->al, &txt, &txt_len,
				    &txt_cap) < 0) {
				w->err = -ENOMEM;
				break;
			}
			w_put(w, txt, txt_len);
			w_put(w, "\n", 1);
			continue;
		}
		text_group_keys(w, r, g->first);
		w_put(w, "\n", 1);
	}
	pgs__free(w->al, txt);
}
