/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One JSON document:
 *   {"pgsort": VERSION, "input": {...}, "cull": [...], "sort": [...],
 *    "groups": [{"times": N, "pages": N, <one member per cull key>}, ...]}
 * Multi-line texts (stacktrace, txt) are arrays of their lines with leading
 * whitespace removed. Numbers are JSON numbers.
 */
#include <stdlib.h>	/* free */

#include "output.h"

void lines_array(struct writer *w, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	bool first = true;

	w_put(w, "[", 1);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (!first)
			w_put(w, ", ", 2);
		first = false;
		w_json_str(w, p, (size_t)(le - p));
		p = nl ? nl + 1 : end;
	}
	w_put(w, "]", 1);
}

static void key_list(struct writer *w, const struct pgs_result *r, bool sort)
{
	size_t i, n = 0;

	w_put(w, "[", 1);
	for (i = 0; i < (sort ? r->s.nsort : K__COUNT); i++) {
		const struct key_def *k;

		if (sort) {
			k = key_by_id(r->s.sort[i].id);
			w_printf(w, "%s\"%s%s\"", n++ ? ", " : "",
				 r->s.sort[i].sign < 0 ? "-" : "", k->long_name);
		} else if (r->s.cull & (1u << i)) {
			k = key_by_id((enum key_id)i);
			w_printf(w, "%s\"%s\"", n++ ? ", " : "", k->long_name);
		}
	}
	w_put(w, "]", 1);
}

/* page_owner_sort's allocator label ("SLAB VMALLOC"), as JSON 0.1 defined it. */
static void allocator_member(struct writer *w, uint32_t bits)
{
	char label[40];
	size_t n;

	allocator_label(bits, label, sizeof(label));
	n = strlen(label);
	w_str(w, ", \"allocator\": ");
	w_json_str(w, label, n ? n - 1 : 0);	/* without the trailing space */
}

/* One member per cull key (and per selection), under the key's long name. */
void key_members(struct writer *w, const struct pgs_result *r, size_t row)
{
	unsigned cull = r->s.cull, id;

	for (id = 0; id < K__COUNT; id++) {
		char buf[64];
		const char *s;
		struct kval v;
		size_t n;
		bool sel = (id == K_PID && r->s.sel_pid) || (id == K_TGID && r->s.sel_tgid) ||
			   (id == K_NAME && r->s.sel_name) || (id == K_NODE && r->s.sel_node);

		if (!(cull & (1u << id)) && !sel)
			continue;
		key_value(&r->kc, (enum key_id)id, row, &v);
		if (id == K_ALLOCATOR && v.type != KV_NULL) {
			allocator_member(w, (uint32_t)v.v);
			continue;
		}
		w_printf(w, ", \"%s\": ", key_by_id((enum key_id)id)->long_name);
		s = key_text(&r->kc, (enum key_id)id, row, &v, buf, sizeof(buf), &n);
		if (v.type == KV_NULL)
			w_str(w, "null");
		else if (id == K_FREE)
			w_str(w, v.v ? "true" : "false");
		else if (id == K_STACKTRACE || id == K_STACK)
			lines_array(w, s, n);
		else if (v.type == KV_INT)
			w_printf(w, "%lld", (long long)v.v);
		else if (v.type == KV_STR || id == K_MT || id == K_BMT)
			w_json_str(w, s ? s : "", s ? n : 0);
		else
			w_u64(w, v.v);
		if (id == K_GFP && v.type != KV_NULL) {
			w_str(w, ", \"gfp_names\": ");
			w_json_str(w, s ? s : "", s ? n : 0);
		}
	}
}

void input_object(struct writer *w, const struct pgs_result *r, const char *name)
{
	const struct pgs_table *t = r->t;

	w_str(w, "{\"name\": ");
	w_json_str(w, name, strlen(name));
	w_printf(w, ", \"kind\": \"%s\", \"era\": \"%s\", \"bytes\": %llu, \"records\": %llu, "
		 "\"pages\": %llu, \"skipped\": %llu, \"unknown_lines\": %llu, "
		 "\"selected_records\": %llu, \"selected_pages\": %llu, \"log_prefix\": %s%s%s}",
		 pgs_kind_name(t->kind), table_era(t), (unsigned long long)t->bytes,
		 (unsigned long long)t->rows, (unsigned long long)t->pages,
		 (unsigned long long)t->skipped, (unsigned long long)t->unknown_lines,
		 (unsigned long long)r->records, (unsigned long long)r->pages,
		 t->prefix ? "\"" : "", t->prefix ? t->prefix : "null", t->prefix ? "\"" : "");
}

void write_json(struct writer *w, const struct pgs_result *r, const char *input_name)
{
	const struct pgs_table *t = r->t;
	char *txt = NULL;
	size_t txt_len, txt_cap = 0, i;

	w_printf(w, "{\"pgsort\": \"%s\", \"input\": ", pgs_version());
	input_object(w, r, input_name);
	w_str(w, ", \"cull\": ");
	key_list(w, r, false);
	w_str(w, ", \"sort\": ");
	key_list(w, r, true);
	w_str(w, ", \"groups\": [");
	for (i = 0; i < r->n && !w->err; i++) {
		const struct group *g = result_group(r, i);

		w_printf(w, "%s\n{\"times\": %llu, \"pages\": %llu", i ? "," : "",
			 (unsigned long long)g->times, (unsigned long long)g->pages);
		if (r->s.cull) {
			key_members(w, r, g->first);
		} else if (t->kind != PGS_KIND_PAGE_OWNER) {
			uint32_t text = key_st_text(&r->kc, g->first);

			if (t->kind != PGS_KIND_SHOW_STACKS)
				w_printf(w, ", \"handle\": %u", t->c_handle[g->first]);
			w_str(w, ", \"stacktrace\": ");
			lines_array(w, strpool_str(&t->strings, text), strpool_len(&t->strings, text));
		} else {
			txt_len = 0;
			if (render_txt(r, g->first, &txt, &txt_len, &txt_cap) < 0) {
				w->err = -ENOMEM;
				break;
			}
			allocator_member(w, table_row_allocator(t, g->first));
			w_str(w, ", \"txt\": ");
			lines_array(w, txt, txt_len);
		}
		w_put(w, "}", 1);
	}
	w_str(w, "\n]}\n");
	free(txt);
}
