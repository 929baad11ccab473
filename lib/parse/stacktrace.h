/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What is known about a stacktrace beyond its text and trailers: its frames
 * and what derives from them, split out of the text once, for every stack
 * of a table at once, when a query or an output first needs them.
 */
#ifndef PGS_PARSE_STACKTRACE_H
#define PGS_PARSE_STACKTRACE_H

#include "../table/table.h"

/* page_owner_sort's VMALLOC rule on a stacktrace text (st_meta.vmalloc). */
bool is_vmalloc(const char *s, size_t len);

/*
 * Make the frames of every stacktrace of t (table.frames, frame_strip) and
 * each stack's frames-only form, module, and forms without "+0xoff/0xsize"
 * (st_meta's derived fields), and the distinct stack and frame counts, if
 * not made yet. In st order and on one thread, so the ids are the same for
 * any number of parse threads. Safe to call from several threads querying
 * one table: the first one makes them, under t->derive_mu, into strings
 * no reader of the parse's strings sees move. Returns 0 or -ENOMEM (then
 * nothing is made, and the next call tries again).
 */
int table_derive(const struct pgs_table *t);

/* Whether table_derive() has made them. */
static inline bool table_derived(const struct pgs_table *t)
{
	return __atomic_load_n(&t->derive_done, __ATOMIC_ACQUIRE) != 0;
}

#endif /* PGS_PARSE_STACKTRACE_H */
