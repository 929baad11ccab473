/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgs_detect_kind(): the kind of input a buffer starts, decided as the
 * parse calls decide it (detect_kind(), log prefixes included), without
 * parsing the rest. The CLI asks it before replacing an existing OUTPUT.
 *
 * And every compressed format pgsort names, by its magic bytes: the parser
 * names it in its error (text that is still compressed), input/decompress.c
 * reads the three it can.
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

static const struct dec_magic magics[] = {
	{ "zstd", "zstd -dc", DEC_ZSTD },
	{ "gzip", "gzip -dc", DEC_GZIP },
	{ "xz", "xz -dc", DEC_XZ },
	{ "lz4", "lz4 -dc", DEC_NONE },
	{ "bzip2", "bzip2 -dc", DEC_NONE },
};

const struct dec_magic *dec_magic(const void *buf, size_t len)
{
	const unsigned char *u = buf;

	if (len >= 4 && memcmp(u, "\x28\xb5\x2f\xfd", 4) == 0)
		return &magics[0];
	/* A zstd skippable frame (magic 0x184D2A50-5F) before the data. */
	if (len >= 4 && (u[0] & 0xf0) == 0x50 && u[1] == 0x2a && u[2] == 0x4d && u[3] == 0x18)
		return &magics[0];
	if (len >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		return &magics[1];
	if (len >= 6 && memcmp(u, "\xfd" "7zXZ\0", 6) == 0)
		return &magics[2];
	if (len >= 4 && memcmp(u, "\x04\x22\x4d\x18", 4) == 0)
		return &magics[3];
	if (len >= 4 && memcmp(u, "BZh", 3) == 0 && u[3] >= '1' && u[3] <= '9')
		return &magics[4];
	return NULL;
}

enum dec_format dec_sniff(const void *buf, size_t len)
{
	const struct dec_magic *m = dec_magic(buf, len);

	if (!m)
		return DEC_NONE;
	/* gzip: magic, then deflate (8), the only method there is. */
	if (m->fmt == DEC_GZIP && (len < 3 || ((const unsigned char *)buf)[2] != 8))
		return DEC_NONE;
	return m->fmt;
}
