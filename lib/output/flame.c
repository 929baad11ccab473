/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PLACEHOLDER: replaced by its implementation before merging. */
#include "output.h"

void write_flame(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	(void)r;
	(void)o;
	w->err = -ENOTSUP;
}
