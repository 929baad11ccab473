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
 * The stack_ops every table the parser makes carries (table.h), so that
 * the stages above reach them without calling into parse/. Its derive
 * makes the frames of every stacktrace of t (table.frames, frame_strip)
 * and each stack's frames-only form, module, and forms without
 * "+0xoff/0xsize" (st_derived), and the distinct stack and frame counts,
 * if not made yet. In st order and on one thread, so the ids are the same
 * for any number of parse threads. Safe to call from several threads
 * querying one table: the first one makes them, under t->derive_mu, into
 * strings no reader of the parse's strings sees move. Returns 0 or -ENOMEM
 * (then nothing is made, and the next call tries again).
 */
extern const struct stack_ops parse_stack_ops;

#endif /* PGS_PARSE_STACKTRACE_H */
