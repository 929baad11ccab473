/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "output.h"

PGS_API int pgs_result_write(const struct pgs_result *r, const struct pgs_write_opts *opts,
			     pgs_write_fn sink, void *user)
{
	struct pgs_write_opts o;
	struct writer *w;

	RETURN_ERROR_IF(!r, -EINVAL);
	FORWARD_IF_ERROR(writer_open(r->al, opts, sink, user, &o, &w));
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
