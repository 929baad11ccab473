/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A series' reports: text with a sparkline per group, JSON, and long rows
 * (ndjson, CSV: one per group and sample) for DuckDB and the like.
 */
#include <math.h>

#include "series.h"
#include "../output/output.h"

#define SPARK_MAX 60	/* characters of a sparkline; more samples share one */

static const char *const spark_utf8[8] = {
	"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588",
};
static const char spark_ascii[] = " .:-=+*#";

/* The mean of pages[a..b). */
static double mean(const uint64_t *p, size_t a, size_t b)
{
	double sum = 0;
	size_t i;

	for (i = a; i < b; i++)
		sum += (double)p[i];
	return sum / (double)(b - a);
}

/* One character per sample (per bucket past SPARK_MAX): 8 levels from min to max. */
static void w_spark(struct writer *w, const struct sgroup *g, size_t ns, bool ascii)
{
	size_t cols = ns < SPARK_MAX ? ns : SPARK_MAX, c;
	double lo = (double)g->st.min, span = (double)(g->st.max - g->st.min);

	for (c = 0; c < cols; c++) {
		double v = mean(g->pages, c * ns / cols, (c + 1) * ns / cols);
		int lv = span > 0 ? (int)((v - lo) * 7.0 / span + 0.5) : 0;

		if (lv > 7)
			lv = 7;
		if (ascii)
			w_put(w, &spark_ascii[lv], 1);
		else
			w_str(w, spark_utf8[lv]);
	}
	w_put(w, "\n", 1);
}

/* A JSON or CSV number that may be unknown: null / an empty field. */
static void w_num(struct writer *w, double v, bool csv)
{
	if (isnan(v))
		w_str(w, csv ? "" : "null");
	else if (v == floor(v) && fabs(v) < 1e15)
		w_printf(w, "%.0f", v);
	else
		w_printf(w, "%.3f", v);
}

static void w_key_text(struct writer *w, const struct pgs_series *s, const struct sgroup *g)
{
	unsigned id;

	for (id = 0; id < K__COUNT; id++) {
		struct pgs_value v;

		if (!(s->cull & KEY_BIT(id)) ||
		    !series_key_value(s->cull, s->keys.p + g->koff, g->klen, (enum key_id)id, &v))
			continue;
		if (key_is_stack((enum key_id)id) && v.type == PGS_VALUE_STRING) {
			w_put(w, v.str, v.len);
			if (!v.len || v.str[v.len - 1] != '\n')
				w_put(w, "\n", 1);
			continue;
		}
		w_printf(w, "%s: ", pgs_keys[id].long_name);
		switch (v.type) {
		case PGS_VALUE_NULL: w_str(w, "(none)"); break;
		case PGS_VALUE_INT: w_printf(w, "%lld", (long long)v.i); break;
		case PGS_VALUE_STRING: w_put(w, v.str, v.len); break;
		default:
			if (pgs_keys[id].type == KT_HEX || pgs_keys[id].type == KT_MASK)
				w_printf(w, "%#llx", (unsigned long long)v.u);
			else
				w_u64(w, v.u);
		}
		w_put(w, "\n", 1);
	}
}

static void series_text(struct writer *w, const struct pgs_series *s, bool ascii)
{
	double t0 = s->times[0], t1 = s->times[s->ns - 1];
	size_t i;
	char iec[32];

	w_printf(w, "%zu sample%s", s->ns, s->ns == 1 ? "" : "s");
	if (!isnan(t0) && !isnan(t1))
		w_printf(w, " over %.0f s", t1 - t0);
	w_printf(w, ", %zu group%s (%zu shown); leak score = monotonicity x spread\n\n",
		 s->ng, s->ng == 1 ? "" : "s", s->n);
	for (i = 0; i < s->n; i++) {
		const struct sgroup *g = series_group(s, i);
		const struct pgs_series_group *st = &g->st;
		uint64_t ab = (uint64_t)(st->growth < 0 ? -st->growth : st->growth) * s->page_size;

		fmt_iec(iec, ab);
		w_printf(w, "score %.2f (%.2f x %.2f), growth %+lld pages (%s%s)", st->score,
			 st->monotonicity, st->spread, (long long)st->growth,
			 st->growth < 0 ? "-" : "+", iec);
		if (!isnan(st->growth_per_hour)) {
			fmt_iec(iec, (uint64_t)(fabs(st->growth_per_hour) * (double)s->page_size));
			w_printf(w, ", %+.0f pages/h (%s%s/h)", st->growth_per_hour,
				 st->growth_per_hour < 0 ? "-" : "+", iec);
		}
		else
			w_printf(w, ", %+.1f pages/sample", st->growth_per_sample);
		w_printf(w, "\nfirst %llu, last %llu, min %llu, max %llu pages\n",
			 (unsigned long long)st->first, (unsigned long long)st->last,
			 (unsigned long long)st->min, (unsigned long long)st->max);
		w_spark(w, g, s->ns, ascii);
		w_key_text(w, s, g);
		w_put(w, "\n", 1);
	}
}

/* The cull keys of g as JSON members (",\"name\":value"...). */
static void w_key_json(struct writer *w, const struct pgs_series *s, const struct sgroup *g)
{
	unsigned id;

	for (id = 0; id < K__COUNT; id++) {
		struct pgs_value v;

		if (!(s->cull & KEY_BIT(id)) ||
		    !series_key_value(s->cull, s->keys.p + g->koff, g->klen, (enum key_id)id, &v))
			continue;
		w_printf(w, ",\"%s\":", pgs_keys[id].long_name);
		switch (v.type) {
		case PGS_VALUE_NULL: w_str(w, "null"); break;
		case PGS_VALUE_INT: w_printf(w, "%lld", (long long)v.i); break;
		case PGS_VALUE_UINT: w_u64(w, v.u); break;
		case PGS_VALUE_STRING:
			if (key_is_stack((enum key_id)id)) {
				const char *p = v.str, *end = v.str + v.len, *l;
				size_t len;
				bool first = true;

				w_put(w, "[", 1);
				while (line_next(&p, end, &l, &len)) {
					if (!first)
						w_put(w, ",", 1);
					first = false;
					w_json_str(w, l, len);
				}
				w_put(w, "]", 1);
			} else {
				w_json_str(w, v.str, v.len);
			}
			break;
		}
	}
}

static void w_key_csv(struct writer *w, const struct pgs_series *s, const struct sgroup *g)
{
	unsigned id;

	for (id = 0; id < K__COUNT; id++) {
		struct pgs_value v;

		if (!(s->cull & KEY_BIT(id)) ||
		    !series_key_value(s->cull, s->keys.p + g->koff, g->klen, (enum key_id)id, &v))
			continue;
		w_put(w, ",", 1);
		switch (v.type) {
		case PGS_VALUE_NULL: break;
		case PGS_VALUE_INT: w_printf(w, "%lld", (long long)v.i); break;
		case PGS_VALUE_UINT: w_u64(w, v.u); break;
		case PGS_VALUE_STRING:
			w_csv_str(w, v.str, v.len, key_is_stack((enum key_id)id));
			break;
		}
	}
}

static void w_stats_json(struct writer *w, const struct pgs_series_group *st,
			 uint64_t page_size)
{
	w_printf(w, "\"score\":%.4f,\"monotonicity\":%.4f,\"spread\":%.4f,\"growth\":%lld,"
		 "\"growth_per_hour\":", st->score, st->monotonicity, st->spread,
		 (long long)st->growth);
	w_num(w, st->growth_per_hour, false);
	w_str(w, ",\"growth_bytes_per_hour\":");
	w_num(w, isnan(st->growth_per_hour) ? NAN : round(st->growth_per_hour * (double)page_size),
	      false);
	w_printf(w, ",\"growth_per_sample\":%.3f,\"first\":%llu,\"last\":%llu,\"min\":%llu,"
		 "\"max\":%llu", st->growth_per_sample, (unsigned long long)st->first,
		 (unsigned long long)st->last, (unsigned long long)st->min,
		 (unsigned long long)st->max);
}

static void series_json(struct writer *w, const struct pgs_series *s)
{
	size_t i, j;
	unsigned id;
	bool first = true;

	w_printf(w, "{\"pgsort\":\"%s\",\"page_size\":%llu,\"samples\":[", pgs_version(),
		 (unsigned long long)s->page_size);
	for (j = 0; j < s->ns; j++) {
		w_printf(w, "%s{\"index\":%zu,\"time\":", j ? "," : "", j);
		w_num(w, s->times[j], false);
		w_str(w, ",\"pages\":");
		w_u64(w, s->totals[j]);
		w_put(w, "}", 1);
	}
	w_str(w, "],\"cull\":[");
	for (id = 0; id < K__COUNT; id++)
		if (s->cull & KEY_BIT(id)) {
			w_printf(w, "%s\"%s\"", first ? "" : ",", pgs_keys[id].long_name);
			first = false;
		}
	w_str(w, "],\"groups\":[");
	for (i = 0; i < s->n; i++) {
		const struct sgroup *g = series_group(s, i);

		w_str(w, i ? ",\n{" : "\n{");
		w_stats_json(w, &g->st, s->page_size);
		w_key_json(w, s, g);
		w_str(w, ",\"pages\":[");
		for (j = 0; j < s->ns; j++) {
			if (j)
				w_put(w, ",", 1);
			w_u64(w, g->pages[j]);
		}
		w_str(w, "]}");
	}
	w_str(w, "]}\n");
}

static void series_long(struct writer *w, const struct pgs_series *s, bool csv)
{
	size_t i, j;
	unsigned id;

	if (csv) {
		w_str(w, "group,sample,time,pages,bytes,score");
		for (id = 0; id < K__COUNT; id++)
			if (s->cull & KEY_BIT(id))
				w_printf(w, ",%s", pgs_keys[id].long_name);
		w_str(w, "\r\n");
	}
	for (i = 0; i < s->n; i++) {
		const struct sgroup *g = series_group(s, i);

		for (j = 0; j < s->ns; j++) {
			w_printf(w, csv ? "%zu,%zu," : "{\"group\":%zu,\"sample\":%zu,\"time\":", i, j);
			w_num(w, s->times[j], csv);
			w_str(w, csv ? "," : ",\"pages\":");
			w_u64(w, g->pages[j]);
			w_str(w, csv ? "," : ",\"bytes\":");
			w_u64(w, g->pages[j] * s->page_size);
			w_printf(w, csv ? ",%.4f" : ",\"score\":%.4f", g->st.score);
			if (csv) {
				w_key_csv(w, s, g);
				w_str(w, "\r\n");
			} else {
				w_key_json(w, s, g);
				w_str(w, "}\n");
			}
		}
	}
}

PGS_API int pgs_series_write(const struct pgs_series *s, const struct pgs_write_opts *opts,
			     pgs_write_fn sink, void *user)
{
	struct pgs_write_opts o;
	struct writer *w;

	RETURN_ERROR_IF(!s, -EINVAL);
	RETURN_ERROR_IF(!s->finished, PGS_E_STATE);
	FORWARD_IF_ERROR(writer_open(s->al, opts, sink, user, &o, &w));
	switch (o.format) {
	case PGS_FORMAT_TEXT: series_text(w, s, o.flags & PGS_WRITE_ASCII); break;
	case PGS_FORMAT_JSON: series_json(w, s); break;
	case PGS_FORMAT_NDJSON: series_long(w, s, false); break;
	case PGS_FORMAT_CSV: series_long(w, s, true); break;
	case PGS_FORMAT_SVG:
	case PGS_FORMAT_HTML: series_chart(w, s, &o); break;
	default:
		writer_close(w);
		return -ENOTSUP;
	}
	return writer_close(w);
}
