/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What is known about one stacktrace beyond its text: the rules shared by
 * the parser (a stacktrace read from the input) and by the handle join (one
 * whose frames come from a show_stacks_handles file).
 */
#ifndef PGS_STACKTRACE_H
#define PGS_STACKTRACE_H

#include "../table/table.h"

/* page_owner_sort's VMALLOC rule on a stacktrace text (st_meta.vmalloc). */
bool is_vmalloc(const char *s, size_t len);

/*
 * Values derived once per stacktrace from its frames: the module, and the
 * frame, stack and text forms with "+0xoff/0xsize" (and addresses) cut, so
 * that stacks of two builds of one kernel compare by symbol names. Called
 * for every new stacktrace, and again when the join gives one its frames.
 * Returns 0 or -ENOMEM.
 */
int stack_derive(struct pgs_table *t, uint32_t index);

/*
 * stack_derive() for every stacktrace that has frames and not yet its
 * derived values, in st order (so the ids are the same for any number of
 * threads): once, at the end of the parse, on the joined table. 0 or
 * -ENOMEM (the stacks done so far keep their values; calling again goes on).
 */
int table_derive_stacks(struct pgs_table *t);

#endif /* PGS_STACKTRACE_H */
