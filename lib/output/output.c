/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "output.h"

PGS_API int pgs_result_write(const struct pgs_result *r, const struct pgs_write_opts *opts,
			     pgs_write_fn sink, void *user)
{
	struct pgs_write_opts o;
	struct writer *w;

	RETURN_ERROR_IF(!r, -EINVAL);
	FORWARD_IF_ERROR(writer_open(r->al, opts, sink, user, &o, &w));
	/*
	 * The text report prints the query's keys and the stacktrace texts;
	 * every other format may print frames, modules or call sites.
	 */
	if (o.format != PGS_FORMAT_TEXT)
		w->err = result_complete(r);
	if (w->err)
		return writer_close(w);
	switch (o.format) {
	case PGS_FORMAT_TEXT:
		write_text(w, r, &o);
		break;
	case PGS_FORMAT_JSON:
		write_json(w, r, o.input_name ? o.input_name : r->t->name);
		break;
	case PGS_FORMAT_NDJSON:
		write_ndjson(w, r, &o);
		break;
	case PGS_FORMAT_CSV:
		write_csv(w, r, &o);
		break;
	case PGS_FORMAT_FOLDED:
		write_folded(w, r, &o);
		break;
	case PGS_FORMAT_PPROF:
		write_pprof(w, r, &o);
		break;
	case PGS_FORMAT_SVG:
	case PGS_FORMAT_HTML:
		write_flame(w, r, &o);
		break;
	default:
		w->err = -EINVAL;
	}
	return writer_close(w);
}

/* Indexed by enum pgs_format; the --format names of pgsort(1). */
static const char *const format_names[] = {
	[PGS_FORMAT_TEXT] = "text", [PGS_FORMAT_JSON] = "json",
	[PGS_FORMAT_NDJSON] = "ndjson", [PGS_FORMAT_CSV] = "csv",
	[PGS_FORMAT_FOLDED] = "folded", [PGS_FORMAT_PPROF] = "pprof",
	[PGS_FORMAT_SVG] = "svg", [PGS_FORMAT_HTML] = "html",
};

PGS_API const char *pgs_format_name(enum pgs_format format)
{
	return (unsigned)format < ARRAY_SIZE(format_names) ? format_names[format] : NULL;
}

PGS_API int pgs_format_from_name(const char *name, enum pgs_format *out)
{
	size_t i;

	RETURN_ERROR_IF(!name || !out, -EINVAL);
	for (i = 0; i < ARRAY_SIZE(format_names); i++)
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum pgs_format)i;
			return 0;
		}
	return -EINVAL;
}
