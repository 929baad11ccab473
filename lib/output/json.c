/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One JSON document:
 *   {"pgsort": VERSION, "input": {...}, "cull": [...], "sort": [...],
 *    "groups": [{"times": N, "pages": N, "bytes": N, <columns>}, ...]}
 * ("stacks" for "times" when the input is a page_owner_stacks file).
 * Multi-line texts (stacktrace, txt) are arrays of their lines with leading
 * whitespace removed. Numbers are JSON numbers. The columns are
 * result_columns()'s; ndjson writes the same group objects, one per line.
 */

#include "output.h"

static void lines_array(struct writer *w, const char *s, size_t len)
{
	const char *p = s, *end = s + len, *l;
	size_t n;
	bool first = true;

	w_put(w, "[", 1);
	while (line_next(&p, end, &l, &n)) {
		if (!first)
			w_put(w, ", ", 2);
		first = false;
		w_json_str(w, l, n);
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
		} else if (r->s.cull & KEY_BIT(i)) {
			k = key_by_id((enum key_id)i);
			w_printf(w, "%s\"%s\"", n++ ? ", " : "", k->long_name);
		}
	}
	w_put(w, "]", 1);
}

void json_columns(struct writer *w, const struct pgs_result *r, size_t row,
		  const struct column *cols, size_t ncols, char **txt, size_t *cap)
{
	size_t i;

	for (i = 0; i < ncols; i++) {
		struct cell c;

		if (column_cell(r, row, &cols[i], &c, w->al, txt, cap) < 0) {
			w->err = -ENOMEM;
			return;
		}
		if (cols[i].kind == COL_NAMES && c.type == CELL_NULL)
			continue;
		w_str(w, ", \"");
		w_str(w, cols[i].name);
		w_str(w, "\": ");
		switch (c.type) {
		case CELL_NULL:
			w_str(w, "null");
			break;
		case CELL_BOOL:
			w_str(w, c.u ? "true" : "false");
			break;
		case CELL_INT:
			w_printf(w, "%lld", (long long)c.u);
			break;
		case CELL_UINT:
			w_u64(w, c.u);
			break;
		case CELL_STR:
			w_json_str(w, c.s, c.len);
			break;
		case CELL_LINES:
			lines_array(w, c.s, c.len);
			break;
		}
	}
}

/*
 * One group as a JSON object: {"times": N, "pages": N, "bytes": N, <columns>}.
 * gfp_names is left out when gfp is null.
 */
static void json_group(struct writer *w, const struct pgs_result *r, const struct group *g,
		       const struct column *cols, size_t ncols, char **txt, size_t *cap)
{
	w_printf(w, "{\"%s\": ", times_name(r));
	w_u64(w, g->times);
	w_str(w, ", \"pages\": ");
	w_u64(w, g->pages);
	w_str(w, ", \"bytes\": ");
	w_u64(w, g->pages * r->kc.page_size);
	json_columns(w, r, g->first, cols, ncols, txt, cap);
	w_put(w, "}", 1);
}

void input_object(struct writer *w, const struct pgs_result *r, const char *name)
{
	const struct pgs_table *t = r->t;

	w_str(w, "{\"name\": ");
	w_json_str(w, name, strlen(name));
	w_printf(w, ", \"kind\": \"%s\", \"era\": \"%s\", \"bytes\": %llu, \"records\": %llu, "
		 "\"pages\": %llu, \"skipped\": %llu, \"unknown_lines\": %llu, "
		 "\"selected_records\": %llu, \"selected_pages\": %llu, \"log_prefix\": %s%s%s",
		 pgs_kind_name(t->kind), table_era(t), (unsigned long long)t->bytes,
		 (unsigned long long)t->rows, (unsigned long long)t->pages,
		 (unsigned long long)t->skipped, (unsigned long long)t->unknown_lines,
		 (unsigned long long)r->records, (unsigned long long)r->pages,
		 t->prefix ? "\"" : "", t->prefix ? t->prefix : "null", t->prefix ? "\"" : "");
	/* Compressed input only: its format and size ("bytes" is the text's). */
	if (t->compression)
		w_printf(w, ", \"compression\": \"%s\", \"compressed_bytes\": %llu",
			 t->compression, (unsigned long long)t->compressed_bytes);
	/* A snapshot (pgsort record): its metadata, every value a string. */
	if (t->snapshot) {
		const char *p = t->snapshot, *end = p + strlen(p);
		bool first = true;

		w_str(w, ", \"snapshot\": {");
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
			const char *colon = memchr(p, ':', l);

			if (colon) {
				const char *v = colon + 1;

				while (v < p + l && *v == ' ')
					v++;
				w_str(w, first ? "" : ", ");
				w_json_str(w, p, (size_t)(colon - p));
				w_str(w, ": ");
				w_json_str(w, v, (size_t)(p + l - v));
				first = false;
			}
			p += l + 1;
		}
		w_str(w, "}");
	}
	w_str(w, "}");
}

void write_json(struct writer *w, const struct pgs_result *r, const char *input_name)
{
	struct column cols[COLUMNS_MAX];
	char *txt = NULL;
	size_t txt_cap = 0, ncols, i;

	w_printf(w, "{\"pgsort\": \"%s\", \"input\": ", pgs_version());
	input_object(w, r, input_name);
	w_str(w, ", \"cull\": ");
	key_list(w, r, false);
	w_str(w, ", \"sort\": ");
	key_list(w, r, true);
	w_str(w, ", \"groups\": [");
	ncols = result_columns(r, cols);
	for (i = 0; i < r->n && !w->err; i++) {
		w_str(w, i ? ",\n" : "\n");
		json_group(w, r, result_group(r, i), cols, ncols, &txt, &txt_cap);
	}
	w_str(w, "\n]}\n");
	pgs__free(w->al, txt);
}

/* ndjson: the groups of write_json(), one per line, nothing around them. */
void write_ndjson(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	struct column cols[COLUMNS_MAX];
	char *txt = NULL;
	size_t txt_cap = 0, ncols = result_columns(r, cols), i;

	(void)o;
	for (i = 0; i < r->n && !w->err; i++) {
		json_group(w, r, result_group(r, i), cols, ncols, &txt, &txt_cap);
		w_put(w, "\n", 1);
	}
	pgs__free(w->al, txt);
}
