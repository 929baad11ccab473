/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CSV (RFC 4180): a header row, then one row per group in sort order:
 *   times,pages,bytes,<result_columns(), by name>
 * ("stacks" for "times" when the input is a page_owner_stacks file).
 * Rows end in CRLF. Numbers are unquoted decimals, free is true or false, a
 * null is an empty field and an empty text "" (PostgreSQL's COPY reading).
 * Multi-line texts (stacktrace, stack, txt) are their lines without leading
 * whitespace joined by ';'. A field holding ',', '"', CR or LF is quoted;
 * bytes are written as the dump has them (comms need not be UTF-8).
 */

#include "output.h"

void w_csv_cell(struct writer *w, const struct cell *c)
{
	switch (c->type) {
	case CELL_NULL:
		break;
	case CELL_BOOL:
		w_str(w, c->u ? "true" : "false");
		break;
	case CELL_INT:
		w_printf(w, "%lld", (long long)c->u);
		break;
	case CELL_UINT:
		w_u64(w, c->u);
		break;
	case CELL_STR:
	case CELL_LINES:
		w_csv_str(w, c->s, c->len, c->type == CELL_LINES);
		break;
	}
}

void write_csv(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	struct column cols[COLUMNS_MAX];
	char *txt = NULL;
	size_t txt_cap = 0, ncols = result_columns(r, cols), i, j;

	(void)o;
	w_str(w, times_name(r));
	w_str(w, ",pages,bytes");
	for (j = 0; j < ncols; j++) {
		w_put(w, ",", 1);
		w_str(w, cols[j].name);
	}
	w_put(w, "\r\n", 2);
	for (i = 0; i < r->n && !w->err; i++) {
		const struct group *g = result_group(r, i);

		w_u64(w, g->times);
		w_put(w, ",", 1);
		w_u64(w, g->pages);
		w_put(w, ",", 1);
		w_u64(w, g->pages * r->kc.page_size);
		for (j = 0; j < ncols; j++) {
			struct cell c;

			if (column_cell(r, g->first, &cols[j], &c, w->al, &txt, &txt_cap) < 0) {
				w->err = -ENOMEM;
				break;
			}
			w_put(w, ",", 1);
			w_csv_cell(w, &c);
		}
		w_put(w, "\r\n", 2);
	}
	pgs__free(w->al, txt);
}
