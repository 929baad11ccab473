/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The snapshot file (pgsort record): a zstd stream whose data frames hold
 * the kernel's text exactly as read, so `zstd -dc` gives that text, with
 * pgsort's parts in zstd skippable frames (magic 0x184D2A50, which zstd -dc
 * and every zstd reader skip):
 *   [meta "pgsort-snapshot 1\n" + "key: value\n" lines]   before the data
 *   [data: one zstd frame of the kernel's text]
 *   [dict "pgsort-stacks-handles 1\n" + a zstd frame of show_stacks_handles]
 *   [meta "pgsort-snapshot-end 1\n" + "key: value\n" lines]   after the data
 * The dictionary is compressed inside its skippable frame, so it never
 * joins the text that zstd -dc gives; pgsort reads it and resolves the
 * data's handles with it (pgs_table_join_stacks()).
 */
#ifndef PGS_SNAPSHOT_H
#define PGS_SNAPSHOT_H

#include "../common.h"

#define SNAP_SKIP_MAGIC 0x184D2A50u
#define SNAP_META_SIG "pgsort-snapshot 1\n"
#define SNAP_END_SIG "pgsort-snapshot-end 1\n"
#define SNAP_DICT_SIG "pgsort-stacks-handles 1\n"
/* A series file (pgs_record_series()): this header, then one snapshot per sample. */
#define SNAP_SERIES_SIG "pgsort-series 1\n"
/* Skippable frames larger than this are not pgsort's: skipped unread. */
#define SNAP_PART_MAX ((size_t)256 << 20)

/* What the skippable frames of one input held. */
struct snap_parts {
	struct buf meta;	/* "key: value\n" lines of every meta frame */
	struct buf dict;	/* the dictionary's zstd frame (compressed) */
	bool series;		/* a series file's header was seen */
};

/* One skippable frame's payload: kept when it is one of pgsort's parts. */
int snap_collect(const struct pgs_allocator *al, struct snap_parts *sp,
		 const unsigned char *payload, size_t len);
void snap_parts_fini(const struct pgs_allocator *al, struct snap_parts *sp);

/* Append a skippable frame holding sig then body[0..len) to out. */
int snap_frame(const struct pgs_allocator *al, struct buf *out, const char *sig,
	       const void *body, size_t len);

#endif /* PGS_SNAPSHOT_H */
