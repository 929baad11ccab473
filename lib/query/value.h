/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGS_VALUE_H
#define PGS_VALUE_H

#include "query.h"

/* The value of key k for row (KV_NULL when the row lacks it). */
void key_value(const struct keyctx *c, enum key_id k, size_t row, struct kval *v);

/*
 * The text of v, a value of key k on row: a string, a migratetype's name,
 * a mask's names ("GFP_KERNEL|__GFP_COMP", "SLAB"). NULL when v has none.
 * buf may be used for the text.
 */
const char *key_text(const struct keyctx *c, enum key_id k, size_t row,
		     const struct kval *v, char *buf, size_t bufsz, size_t *len);

/*
 * Order of key k's values on row ra (of ca's table) and row rb (of cb's,
 * the same table or another): missing first, strings bytewise, signed
 * numbers as signed, migratetypes by name. <0, 0 or >0.
 */
int key_cmp(const struct keyctx *ca, size_t ra, const struct keyctx *cb, size_t rb,
	    enum key_id k);

/* A migratetype value's name (a number for eras A1/B). */
const char *key_mt_name(uint64_t v, char *buf, size_t bufsz);

/*
 * Whether the mask key k (gfp, flags, allocator) of row has the flag name:
 * a name printed in the dump, or for gfp one whose v6.x bits are all set.
 */
bool key_has(const struct keyctx *c, enum key_id k, size_t row, const char *name, size_t len);

/* The stacktrace text id of row, stripped of offsets if c->strip. */
uint32_t key_st_text(const struct keyctx *c, size_t row);

/* The frame ids of row's stack (stripped if c->strip). */
const uint32_t *key_frames(const struct keyctx *c, size_t row, size_t *n);
/* The same, stripped if strip (and the table has stripped frames). */
const uint32_t *key_frames_as(const struct keyctx *c, size_t row, bool strip, size_t *n);
/* The text id of row's frames alone, with offsets whatever c->strip. */
uint32_t key_st_frames_text(const struct keyctx *c, size_t row);
/* Whether row's stack says slab_cache_page. */
bool key_st_slab(const struct keyctx *c, size_t row);
/* Whether row's memcg line has flag (PGS_MEMCG_*): 1, 0, -1 without one. */
int key_memcg_flag(const struct keyctx *c, size_t row, unsigned flag);

/*
 * The txt key's value: the block text of row as page_owner_sort compares
 * and prints it, the header (ts digits cut unless with_ts) then the
 * stacktrace (offsets cut if c->strip). Appends to *buf (grown with al);
 * returns 0 or -ENOMEM.
 */
int key_txt(const struct keyctx *c, size_t row, bool with_ts, const struct pgs_allocator *al,
	    char **buf, size_t *len, size_t *cap);
/*
 * A page_owner row's pid, tgid and comm (a string id) as page_owner_sort
 * prints them: the header's, whether or not it has them.
 */
void key_po_task(const struct keyctx *c, size_t row, int32_t *pid, int32_t *tgid,
		 uint32_t *comm);
/* page_owner_sort's " (UNRELEASED)" label for row (else " (RELEASED)"). */
bool key_po_unreleased(const struct keyctx *c, size_t row);

/*
 * Work out every stacktrace's call site: its first frame whose symbol does
 * not match skip (a PCRE2 pattern; NULL: PGS_CALLSITE_SKIP_DEFAULT). Returns 0,
 * PGS_E_FILTER for a bad pattern (*err_off, *err_code: PCRE2's), -ENOMEM.
 * c->cs_own, the regex and its match data come from al.
 */
int key_callsites(struct keyctx *c, const struct pgs_allocator *al, const char *skip,
		  size_t *err_off, int *err_code);

#endif /* PGS_VALUE_H */
