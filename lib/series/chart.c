/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A series as a line chart: the first groups of the report as lines of
 * pages over time, in SVG (self-contained, no script: every line and point
 * has a <title>, which browsers show on hover) or in an HTML page with a
 * table of the groups under it.
 */
#include <math.h>

#include "series.h"
#include "../output/output.h"
#include "../output/flame.h"	/* w_xml_text */

#define CHART_LINES 12		/* groups drawn; the table lists them all */
#define CHART_POINTS 200	/* past this many samples, lines have no points */
#define W 960
#define PX0 80
#define PX1 (W - 24)
#define PY0 48
#define PY1 368

static const char *const palette[CHART_LINES] = {
	"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939",
};

/* Frames a label skips: the page and slab allocators every stack starts with. */
static bool alloc_frame(const char *s, size_t n)
{
	static const char *const skip[] = {
		"get_page_from_freelist", "__alloc_pages", "alloc_pages", "__alloc_frozen",
		"alloc_frozen", "folio_alloc", "__folio_alloc", "vma_alloc_folio", "new_slab",
		"___slab_alloc", "__slab_alloc", "allocate_slab", "kmem_cache_alloc",
		"__kmalloc", "kmalloc", "post_alloc_hook", "prep_new_page", "__get_free_pages",
		"get_zeroed_page", "alloc_slab_page",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(skip); i++)
		if (n >= strlen(skip[i]) && memcmp(s, skip[i], strlen(skip[i])) == 0)
			return true;
	return false;
}

/* A group's short name: its stack's first frame past the allocators, or its keys. */
static void w_label(struct writer *w, const struct pgs_series *s, const struct sgroup *g)
{
	unsigned id;
	bool first = true;

	for (id = 0; id < K__COUNT; id++) {
		struct pgs_value v;

		if (!(s->cull & KEY_BIT(id)) ||
		    !series_key_value(s->cull, s->keys.p + g->koff, g->klen, (enum key_id)id, &v))
			continue;
		if (!first)
			w_str(w, ", ");
		first = false;
		if (key_is_stack((enum key_id)id) && v.type == PGS_VALUE_STRING) {
			const char *p = v.str, *end = v.str + v.len, *l, *pick = NULL;
			size_t len, plen = 0;

			while (line_next(&p, end, &l, &len)) {
				size_t fn = strcspn(l, "+ \n");

				if (fn > len)
					fn = len;
				if (!pick) {
					pick = l;
					plen = fn;
				}
				if (!alloc_frame(l, fn)) {
					pick = l;
					plen = fn;
					break;
				}
			}
			w_xml_text(w, pick ? pick : "", plen);
			continue;
		}
		w_printf(w, "%s=", pgs_keys[id].long_name);
		switch (v.type) {
		case PGS_VALUE_NULL: w_str(w, "(none)"); break;
		case PGS_VALUE_INT: w_printf(w, "%lld", (long long)v.i); break;
		case PGS_VALUE_UINT: w_u64(w, v.u); break;
		case PGS_VALUE_STRING: w_xml_text(w, v.str, v.len); break;
		}
	}
}

/* Whether every sample has a time, so that the x axis can be seconds. */
static bool timed(const struct pgs_series *s)
{
	size_t j;

	for (j = 0; j < s->ns; j++)
		if (isnan(s->times[j]))
			return false;
	return s->ns > 1 && s->times[s->ns - 1] > s->times[0];
}

static double xpos(const struct pgs_series *s, bool t, size_t j)
{
	double span = t ? s->times[s->ns - 1] - s->times[0] : (double)(s->ns - 1);
	double v = t ? s->times[j] - s->times[0] : (double)j;

	return span > 0 ? PX0 + (PX1 - PX0) * v / span : (PX0 + PX1) / 2.0;
}

static void w_group_title(struct writer *w, const struct pgs_series *s, size_t i,
			  const struct sgroup *g)
{
	w_printf(w, "#%zu score %.2f, %+lld pages (%llu -> %llu, max %llu): ", i + 1, g->st.score,
		 (long long)g->st.growth, (unsigned long long)g->st.first,
		 (unsigned long long)g->st.last, (unsigned long long)g->st.max);
	w_label(w, s, g);
}

/* The top of group k's band at sample j: the pages of groups 0..k (stacked) or k's. */
static uint64_t band_top(const struct pgs_series *s, size_t k, size_t j, bool stacked)
{
	uint64_t sum = 0;
	size_t i;

	if (!stacked)
		return series_group(s, k)->pages[j];
	for (i = 0; i <= k; i++)
		sum += series_group(s, i)->pages[j];
	return sum;
}

static void chart_svg(struct writer *w, const struct pgs_series *s, const char *title,
		      bool inline_svg, bool stacked)
{
	size_t lines = s->n < CHART_LINES ? s->n : CHART_LINES, i, j, k;
	size_t legend_rows = (lines + 1) / 2;
	int h = PY1 + 56 + (int)legend_rows * 18;
	uint64_t ymax = 1;
	bool t = timed(s);

	for (i = 0; !stacked && i < lines; i++)
		if (series_group(s, i)->st.max > ymax)
			ymax = series_group(s, i)->st.max;
	for (j = 0; stacked && j < s->ns; j++) {
		uint64_t sum = 0;

		for (i = 0; i < lines; i++)
			sum += series_group(s, i)->pages[j];
		if (sum > ymax)
			ymax = sum;
	}
	if (!inline_svg)
		w_str(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	w_printf(w, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"pgs-series-chart\" "
		 "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
		 "font-size=\"12\">\n<title>", W, h, W, h);
	w_xml_text(w, title, strlen(title));
	w_printf(w, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
		 "<text x=\"%d\" y=\"24\" font-size=\"16\" text-anchor=\"middle\">", W, h, W / 2);
	w_xml_text(w, title, strlen(title));
	w_str(w, "</text>\n");
	/* Axes: pages at 0, 1/4 ... of the top; time (or samples) along x. */
	for (k = 0; k <= 4; k++) {
		double y = PY1 - (PY1 - PY0) * (double)k / 4.0;

		w_printf(w, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#dddddd\"/>"
			 "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", PX0, PX1, y, y,
			 PX0 - 6, y + 4, (double)ymax * (double)k / 4.0);
	}
	for (k = 0; k <= 4; k++) {
		double x = PX0 + (PX1 - PX0) * (double)k / 4.0;
		double v = t ? (s->times[s->ns - 1] - s->times[0]) * (double)k / 4.0 :
			   (double)(s->ns ? s->ns - 1 : 0) * (double)k / 4.0;

		w_printf(w, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n", x,
			 PY1 + 18, v);
	}
	w_printf(w, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#000000\"/>\n"
		 "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#000000\"/>\n"
		 "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n"
		 "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">"
		 "pages</text>\n", PX0, PX1, PY1, PY1, PX0, PX0, PY0, PY1, (PX0 + PX1) / 2, PY1 + 36,
		 t ? "seconds since the first sample" : "sample", (PY0 + PY1) / 2, (PY0 + PY1) / 2);
	/* Lines last to first, so that the top suspect is drawn over the others. */
	for (k = lines; k-- > 0;) {
		const struct sgroup *g = series_group(s, k);

		w_printf(w, "<g class=\"pgs-line\" data-rank=\"%zu\">\n", k + 1);
		if (stacked) {
			/* The band from the groups below (k - 1's top, or 0) up to k's top. */
			w_printf(w, "<polygon fill=\"%s\" fill-opacity=\"0.85\" stroke=\"%s\" "
				 "points=\"", palette[k], palette[k]);
			for (j = 0; j < s->ns; j++)
				w_printf(w, "%s%.1f,%.1f", j ? " " : "", xpos(s, t, j),
					 PY1 - (PY1 - PY0) * (double)band_top(s, k, j, true) /
					 (double)ymax);
			for (j = s->ns; j-- > 0;)
				w_printf(w, " %.1f,%.1f", xpos(s, t, j),
					 PY1 - (PY1 - PY0) * (double)(k ? band_top(s, k - 1, j, true) : 0) /
					 (double)ymax);
			w_str(w, "\"><title>");
			w_group_title(w, s, k, g);
			w_str(w, "</title></polygon>\n");
		} else {
			w_printf(w, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
				 "points=\"", palette[k]);
			for (j = 0; j < s->ns; j++)
				w_printf(w, "%s%.1f,%.1f", j ? " " : "", xpos(s, t, j),
					 PY1 - (PY1 - PY0) * (double)g->pages[j] / (double)ymax);
			w_str(w, "\"><title>");
			w_group_title(w, s, k, g);
			w_str(w, "</title></polyline>\n");
		}
		for (j = 0; s->ns <= CHART_POINTS && j < s->ns; j++) {
			w_printf(w, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>#%zu ",
				 xpos(s, t, j),
				 PY1 - (PY1 - PY0) * (double)band_top(s, k, j, stacked) / (double)ymax,
				 palette[k], k + 1);
			w_label(w, s, g);
			w_printf(w, ": sample %zu", j);
			if (t)
				w_printf(w, " (+%.0f s)", s->times[j] - s->times[0]);
			w_printf(w, ", %llu pages</title></circle>\n",
				 (unsigned long long)g->pages[j]);
		}
		w_str(w, "</g>\n");
	}
	for (k = 0; k < lines; k++) {
		int x = PX0 + (int)(k % 2) * ((PX1 - PX0) / 2), y = PY1 + 60 + (int)(k / 2) * 18;

		w_printf(w, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			 "<text x=\"%d\" y=\"%d\" class=\"pgs-legend\">", x, y - 10, palette[k], x + 18, y);
		w_printf(w, "#%zu %.2f %+lld: ", k + 1, series_group(s, k)->st.score,
			 (long long)series_group(s, k)->st.growth);
		w_label(w, s, series_group(s, k));
		w_str(w, "</text>\n");
	}
	w_str(w, "</svg>\n");
}

static void chart_html(struct writer *w, const struct pgs_series *s, const char *title,
		       bool stacked)
{
	size_t i;

	w_str(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	w_xml_text(w, title, strlen(title));
	w_str(w, "</title>\n<style>body{font-family:sans-serif;margin:16px}"
		 "table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right;"
		 "border-bottom:1px solid #ddd}td.k{text-align:left}pre{margin:0}"
		 "span.sw{display:inline-block;width:12px;height:12px}</style></head><body>\n");
	chart_svg(w, s, title, true, stacked);
	w_str(w, "<table id=\"pgs-series\"><thead><tr><th>#</th><th>score</th>"
		 "<th>monotonicity</th><th>spread</th><th>growth</th><th>pages/h</th>"
		 "<th>first</th><th>last</th><th>min</th><th>max</th><th>group</th></tr></thead>"
		 "<tbody>\n");
	for (i = 0; i < s->n; i++) {
		const struct sgroup *g = series_group(s, i);
		unsigned id;

		w_printf(w, "<tr><td>");
		if (i < CHART_LINES)
			w_printf(w, "<span class=\"sw\" style=\"background:%s\"></span> ", palette[i]);
		w_printf(w, "%zu</td><td>%.2f</td><td>%.2f</td><td>%.2f</td><td>%+lld</td><td>",
			 i + 1, g->st.score, g->st.monotonicity, g->st.spread,
			 (long long)g->st.growth);
		if (isnan(g->st.growth_per_hour))
			w_str(w, "-");
		else
			w_printf(w, "%+.0f", g->st.growth_per_hour);
		w_printf(w, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>"
			 "<td class=\"k\"><details><summary>", (unsigned long long)g->st.first,
			 (unsigned long long)g->st.last, (unsigned long long)g->st.min,
			 (unsigned long long)g->st.max);
		w_label(w, s, g);
		w_str(w, "</summary><pre>");
		for (id = 0; id < K__COUNT; id++) {
			struct pgs_value v;

			if ((s->cull & KEY_BIT(id)) && key_is_stack((enum key_id)id) &&
			    series_key_value(s->cull, s->keys.p + g->koff, g->klen,
					     (enum key_id)id, &v) && v.type == PGS_VALUE_STRING)
				w_xml_text(w, v.str, v.len);
		}
		w_str(w, "</pre></details></td></tr>\n");
	}
	w_str(w, "</tbody></table>\n</body></html>\n");
}

void series_chart(struct writer *w, const struct pgs_series *s, const struct pgs_write_opts *o)
{
	const char *title = o->title ? o->title : "pgsort series: pages per group";

	bool stacked = o->flags & PGS_WRITE_STACKED;

	if (o->format == PGS_FORMAT_HTML)
		chart_html(w, s, title, stacked);
	else
		chart_svg(w, s, title, false, stacked);
}
