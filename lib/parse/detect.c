/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgs_detect_kind(): the kind of input a buffer starts, decided as the
 * parse calls decide it (detect_kind(), log prefixes included), without
 * parsing the rest. The CLI asks it before replacing an existing OUTPUT.
 */
#include "parse.h"

PGS_API int pgs_detect_kind(const void *buf, size_t len, enum pgs_kind *kind)
{
	struct parse_ctx c;
	int err;

	RETURN_ERROR_IF(!buf || !kind, -EINVAL);
	if (len == 0)
		return PGS_E_EMPTY;
	FORWARD_IF_ERROR(parse_ctx_init(&c, NULL, "-"));
	/* final: what is given is all there is to decide on. */
	err = detect_kind(&c, buf, len, true);
	if (!err)
		*kind = c.t->kind;
	parse_ctx_fini(&c);
	return err;
}
