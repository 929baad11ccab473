/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The snapshot file's skippable parts (snapshot.h): writing and collecting. */
#include "snapshot.h"

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int snap_frame(const struct pgs_allocator *al, struct buf *out, const char *sig,
	       const void *body, size_t len)
{
	size_t sl = strlen(sig);
	unsigned char h[8];

	RETURN_ERROR_IF(sl + len > UINT32_MAX, -EFBIG);
	put_le32(h, SNAP_SKIP_MAGIC);
	put_le32(h + 4, (uint32_t)(sl + len));
	FORWARD_IF_ERROR(buf_put(al, out, h, sizeof(h)));
	FORWARD_IF_ERROR(buf_put(al, out, sig, sl));
	return buf_put(al, out, body, len);
}

int snap_collect(const struct pgs_allocator *al, struct snap_parts *sp,
		 const unsigned char *p, size_t len)
{
	const char *s = (const char *)p;

	if (HAS_PREFIX(s, len, SNAP_META_SIG))
		return buf_put(al, &sp->meta, s + sizeof(SNAP_META_SIG) - 1,
			       len - (sizeof(SNAP_META_SIG) - 1));
	if (HAS_PREFIX(s, len, SNAP_SERIES_SIG))
		sp->series = true;
	if (HAS_PREFIX(s, len, SNAP_END_SIG))
		return buf_put(al, &sp->meta, s + sizeof(SNAP_END_SIG) - 1,
			       len - (sizeof(SNAP_END_SIG) - 1));
	if (HAS_PREFIX(s, len, SNAP_DICT_SIG) && !sp->dict.len)
		return buf_put(al, &sp->dict, s + sizeof(SNAP_DICT_SIG) - 1,
			       len - (sizeof(SNAP_DICT_SIG) - 1));
	return 0;
}

void snap_parts_fini(const struct pgs_allocator *al, struct snap_parts *sp)
{
	pgs__free(al, sp->meta.p);
	pgs__free(al, sp->dict.p);
	memset(sp, 0, sizeof(*sp));
}
