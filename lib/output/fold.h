/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A group as a flame graph sees it: a list of frames, root first, and the
 * FlameGraph "folded" line made of them. Shared by the folded, pprof, svg
 * and html outputs, so all show the same frames (and meant for a two-weight
 * diff of folded lines):
 *
 *	struct fold_frames f = { .al = w->al };
 *	fold_frames(r, g->first, FOLD_STRIP, &f);	// pseudo frames, then root..leaf
 *	fold_join(r, &f, &line, &len, &cap);		// "name:dd;kernel_init;...;leaf"
 *	fold_set_add(&set, line, len, w);		// identical lines summed
 *
 * Semantics follow FlameGraph's stackcollapse-pageowner.pl: page_owner
 * prints the innermost frame first, a folded line starts at the outermost
 * caller; "+0xoff/0xsize" is cut unless asked to keep it; a ';' inside a
 * frame becomes ':'. Unlike that script, a frame keeps its " [module]".
 */
#ifndef PGS_FOLD_H
#define PGS_FOLD_H

#include "output.h"

struct fold_frame {
	uint32_t id;		/* strings id of the frame as shown; 0: a pseudo frame */
	uint32_t raw;		/* strings id of the frame as printed (offsets kept) */
	uint32_t off, len;	/* pseudo frame: its text in fold_frames.text */
	enum key_id key;	/* pseudo frame: the cull key it shows */
};

struct fold_frames {
	const struct pgs_allocator *al;	/* set by the caller: f, text and fold_join's line */
	struct fold_frame *f;	/* root first */
	size_t n, cap;
	size_t nstack;		/* of which the stack's frames (the last nstack) */
	char *text;		/* the pseudo frames' texts */
	size_t text_len, text_cap;
};

/* fold_frames() flags */
#define FOLD_STRIP 0x1u		/* frames without +0xoff/0xsize */

/*
 * Whether each group of r has one stack: the grouping has stacktrace, stack
 * or txt, or is page_owner_sort's default (every distinct block text).
 * Otherwise a group holds many stacks and shows only its pseudo frames.
 */
bool fold_has_stack(const struct pgs_result *r);

/*
 * The frames of the group whose first row is row, root first, into *f
 * (reset first): one pseudo frame "KEY:VALUE" (the key's long name) per
 * cull key other than stacktrace, stack and txt, in key order, then, when
 * fold_has_stack(), the stack's frames from the outermost caller to the
 * innermost; a stack known only by its handle (no frames) is the pseudo
 * frame "handle:N". Returns 0 or -ENOMEM.
 */
int fold_frames(const struct pgs_result *r, size_t row, unsigned flags, struct fold_frames *f);
void fold_frames_free(struct fold_frames *f);

/* The text of frame i of f (not escaped). */
const char *fold_frame_text(const struct pgs_result *r, const struct fold_frames *f,
			    size_t i, size_t *len);

/*
 * The text of key k's value on row as a pseudo frame shows it (without
 * "KEY:"): numbers in decimal, pfn in hex, masks and migratetypes by name,
 * free as true/false, a call site stripped of offsets when strip. NULL
 * when the row lacks the field. buf (at least 64 bytes) may hold the text.
 */
const char *fold_value_text(const struct pgs_result *r, enum key_id k, size_t row, bool strip,
			    char *buf, size_t bufsz, size_t *len);

/*
 * Append f as a folded stack ("a;b;c", no weight) to *buf (grown with
 * f->al): frames joined
 * with ';', a ';' inside a frame written ':', a line break ' '; no frames
 * at all is "[no stack]". Returns 0 or -ENOMEM.
 */
int fold_join(const struct pgs_result *r, const struct fold_frames *f,
	      char **buf, size_t *len, size_t *cap);

/* A group's weight: pages, blocks (times) or bytes. */
uint64_t fold_weight(const struct pgs_result *r, const struct group *g, enum pgs_weight w);

/*
 * Distinct folded lines with FOLD_NW weights each (a diff's pages before
 * and after, then its blocks before and after), in order of first
 * appearance: ids 1..fold_set_count()-1.
 */
#define FOLD_NW 4
struct fold_set {
	struct strpool lines;
	uint64_t (*w)[FOLD_NW];
	size_t cap;
};

int fold_set_init(struct fold_set *s, const struct pgs_allocator *al);
void fold_set_fini(struct fold_set *s);
/* Add w to the weights of line (non-empty). Returns 0 or -ENOMEM. */
int fold_set_add(struct fold_set *s, const char *line, size_t len, const uint64_t w[FOLD_NW]);

static inline size_t fold_set_count(const struct fold_set *s)
{
	return s->lines.count;
}

#endif /* PGS_FOLD_H */
