/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Flame graphs drawn from a plain list of stacks, so that every producer
 * (--format=svg and html on a query result, pgsort diff's differential
 * graph) shares one renderer that knows nothing of tables or queries.
 *
 * The SVG is self-contained: inline style and script, no URL it would fetch.
 * Every frame is a <g class="f"> holding its <title> ("name\nfigures"), its
 * <rect> and, when wide enough, its <text> label; a frame's children are
 * nested inside its <g>, so the tree is the document's. The script zooms on
 * a click, fills a details line on hover and highlights search matches.
 */
#ifndef PGS_FLAME_H
#define PGS_FLAME_H

#include "output.h"

/* One frame: any bytes (escaped on output), not NUL-terminated. */
struct flame_frame {
	const char *s;
	size_t len;
	bool pseudo;	/* a cull key's value ("pid:1"), not a function: grey */
};

struct flame_count {
	uint64_t times;	/* blocks (or flame_opts.times_unit) */
	uint64_t pages;	/* base pages */
};

struct flame_stack {
	const struct flame_frame *frames;	/* root (outermost caller) first */
	size_t nframes;
	struct flame_count after;	/* what the widths show */
	struct flame_count before;	/* differential graphs: the baseline */
	uint32_t allocator;		/* PGS_ALLOC_* bits; 0: unknown */
};

enum flame_color {
	FLAME_COLOR_MODULE,	/* vmlinux warm, each module its own hue */
	FLAME_COLOR_ALLOCATOR,	/* SLAB, VMALLOC, CMA, OTHERS, mixed */
};

struct flame_opts {
	const char *title;	/* NUL-terminated, any bytes; NULL: "pgsort" */
	const char *subtitle;	/* NULL: none */
	enum pgs_weight weight;	/* what widths count */
	const char *times_unit;	/* what flame_count.times counts; NULL: "blocks" */
	uint64_t page_size;	/* bytes per base page; 0: PAGE_SIZE_DEFAULT */
	enum flame_color color;
	bool icicle;		/* root at the top */
	/*
	 * Colour by change instead: red where a frame grew from before to
	 * after, blue where it shrank, the deeper the larger the change
	 * against the largest one; widths still show after, the hover text
	 * adds before and the delta. Frames only in before have no width.
	 */
	bool differential;
	bool embedded;		/* the <svg> element alone, for an HTML page */
};

/*
 * Write the flame graph of stacks[0..n) through w. Stacks with the same
 * frames merge; siblings are ordered by name (bytes), so the output depends
 * only on the set of stacks. stacks is sorted in place. Frames narrower
 * than FLAME_MIN_PX are left out (the graph says how many). Errors are left
 * in w->err (-ENOMEM).
 */
void flame_render(struct writer *w, struct flame_stack *stacks, size_t n,
		  const struct flame_opts *o);

/* What widths of weight w count: "pages", "blocks" or "bytes". */
const char *flame_unit(enum pgs_weight w);

#define FLAME_WIDTH 1200	/* px */
#define FLAME_MIN_PX 0.1	/* narrower frames are left out */

/*
 * s[0..len) as XML or HTML character data or attribute value: & < > " '
 * as references; bytes that are not UTF-8, control characters and
 * non-characters XML forbids as the visible text "\xNN".
 */
void w_xml_text(struct writer *w, const char *s, size_t len);

#endif /* PGS_FLAME_H */
