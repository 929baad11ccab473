/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The columnar table. A page_owner block becomes one row holding only what
 * differs from block to block (ts, free_ts, pfn, line) plus three ids of
 * interned templates:
 *  - hdr: the header line with the ts and free_ts digits cut out; order,
 *    gfp, pid, tgid and comm are properties of the template (hdr_meta);
 *  - pfnt: the PFN line with the pfn and block digits cut out; types and
 *    flags are properties of the template (pfn_meta);
 *  - st: page_owner_sort's stacktrace (all lines after the header except
 *    PFN lines); its frames, handle and trailers live in st_meta.
 * So memory grows with rows (a few tens of bytes each) plus distinct
 * templates, never with the input's bytes.
 */
#ifndef PGS_TABLE_H
#define PGS_TABLE_H

#include <pthread.h>

#include "../common.h"
#include "../intern/strpool.h"

#define HDR_NOCUT 0xffffu

struct hdr_meta {
	uint32_t order, gfp;
	int32_t pid, tgid;
	uint32_t comm;		/* strings id */
	uint32_t gfp_names;	/* strings id of the mask's names, 0: none */
	uint16_t ts_off, fts_off;	/* where digits were cut, HDR_NOCUT */
	uint16_t have;		/* PGS_HAVE_HEADER|PID|TGID|TS|FREE_TS */
	uint8_t valid;		/* 0: damaged header, records are skipped */
	uint8_t error;		/* enum hdr_error when !valid */
	uint8_t shape;		/* enum hdr_shape */
};

struct pfn_meta {
	uint64_t flags;
	uint32_t flag_names;	/* strings id: the flags' names, fields left out */
	int32_t node, zone;
	uint32_t mt_num, bmt_num;
	uint8_t mt, bmt;	/* enum pgs_migratetype */
	uint8_t alloc;		/* PGS_ALLOC_CMA|SLAB from the line's text */
	uint8_t valid;
};

struct st_meta {
	uint32_t text;		/* strings id of the stacktrace text */
	uint32_t migrate;	/* strings id of the migrate reason */
	uint32_t memcg;		/* strings id of the memcg name */
	uint32_t handle;
	uint32_t nframes;	/* frame lines in the text */
	uint8_t memcg_flags;
	uint8_t slab, vmalloc, has_handle;
};

/*
 * What derives from a stacktrace's frames, made for every stack at once,
 * only when a query or output needs it (table_derive()): table.sd, by st
 * index like st.
 */
struct st_derived {
	uint32_t stack;		/* strings id of the frames alone */
	uint32_t module;	/* strings id: innermost frame's module, "vmlinux" */
	uint32_t stack_strip;	/* strings id: stack with +0xoff/0xsize cut */
	uint32_t text_strip;	/* strings id: text with +0xoff/0xsize cut */
	uint32_t frame_off;	/* first index in table.frames */
};

/* Feature bits seen in the text, for era inference (spec §7.3). */
enum {
	FEAT_MASK_NAMES = 1u << 0,	/* mask 0x..(names) */
	FEAT_PID = 1u << 1,
	FEAT_TGID = 1u << 2,
	FEAT_TS = 1u << 3,
	FEAT_FREE_TS = 1u << 4,
	FEAT_PFN_HEX = 1u << 5,
	FEAT_PFN_NAMED = 1u << 6,	/* PFN n type NAME Block ... */
	FEAT_PFN_OLD = 1u << 7,		/* PFN n Block n type DIGIT */
	FEAT_FRAME_BRACKET = 1u << 8,	/* [<addr>] sym */
	FEAT_FRAME_KALLSYMS = 1u << 9,	/* [0xaddr] sym+dec */
	FEAT_FRAME_PS = 1u << 10,
	FEAT_HANDLE = 1u << 11,
	FEAT_MEMCG = 1u << 12,
	FEAT_SWAPPED = 1u << 13,
	FEAT_NODEZONE = 1u << 14,
	FEAT_MASK_ONLY = 1u << 15,	/* mask 0x.. without names */
};

#define UNK_KINDS 16

struct unk_kind {
	char name[24];
	uint64_t count;
	uint64_t first_line;
};

/* What a header line carries, which tells eras apart (formats.md §1). */
enum hdr_shape {
	SHAPE_ABC,	/* no pid */
	SHAPE_D,	/* pid, ts */
	SHAPE_E,	/* pid, ts, free_ts */
	SHAPE_FG,	/* pid, tgid, comm, ts, free_ts */
	SHAPE_H,	/* pid, tgid, comm, ts */
	SHAPES
};

struct pgs_table {
	struct pgs_allocator alloc;	/* copy of the caller's hook */
	const struct pgs_allocator *al;	/* &alloc or NULL */
	enum pgs_kind kind;
	uint32_t features;

	/*
	 * Public strings (ids in the API): what the parse interns. What is
	 * derived later from the stacks (frames, frames-only stacks, modules,
	 * forms without offsets) goes to derived, reached through
	 * strings.more (ids with STRPOOL_MORE set), so that making it never
	 * moves a string another thread's query may be reading; a derived
	 * string equal to one of strings has that string's id.
	 */
	struct strpool strings;
	struct strpool hdrs;	/* header templates */
	struct strpool pfns;	/* PFN-line templates */
	struct hdr_meta *hdr;	/* by hdrs id */
	size_t hdr_cap;
	struct pfn_meta *pfnm;	/* by pfns id */
	size_t pfnm_cap;
	struct st_meta *st;	/* by st index; index 0: empty */
	size_t st_n, st_cap;
	uint32_t *st_of;	/* strings id -> st index (0: not a stacktrace) */
	size_t st_of_cap;
	/* Made by table_derive() (lib/parse/stacktrace.c), under derive_mu: */
	struct strpool derived;
	struct st_derived *sd;	/* by st index, st_n of them */
	uint32_t *frames;	/* frame string ids, st_meta.frame_off.. */
	uint32_t *frame_strip;	/* beside frames: the frame without offsets */
	size_t frames_n, frames_cap, frame_strip_cap;
	uint64_t distinct_stacks, distinct_frames;
	pthread_mutex_t derive_mu;
	int derive_done;	/* atomic: 1 once the above are made */
	/*
	 * The parse stage's rules on a stacktrace's text, lent when it made
	 * the table: the table and the stages above reach frames only
	 * through them, never by calling into parse/ (which calls them).
	 */
	const struct stack_ops *stack_ops;

	/* Columns, rows entries each. */
	size_t rows, rows_cap;
	uint32_t *c_hdr, *c_st, *c_pfnt;
	uint64_t *c_ts, *c_fts, *c_pfn, *c_line;
	int64_t *c_pages;	/* stacks files only */
	uint32_t *c_handle;	/* stacks files only */

	uint64_t bytes, lines, pages, skipped, unknown_lines;
	const char *compression;	/* "zstd", "gzip", "xz" or NULL */
	uint64_t compressed_bytes;
	/* A snapshot's metadata ("key: value\n" lines, snapshot.h), or NULL. */
	char *snapshot;
	struct unk_kind unk[UNK_KINDS];
	char *name;
	const char *prefix;	/* log prefix stripped from every line, or NULL */
	/* Templates (headers, PFN lines, frames of distinct stacks) per feature bit. */
	uint64_t feat_n[16];
	unsigned shapes;	/* header shapes seen: 1u << enum hdr_shape */
	/* Rows per header shape, and the line of each shape's first row. */
	uint64_t shape_rows[SHAPES], shape_line[SHAPES];
	/* table_note_eras(): shapes of too few rows to count for the era. */
	unsigned stray_shapes;
	uint8_t main_shape;	/* the shape of most rows */
	char era_mixed[24];	/* "F/G+H" when the input mixes shapes */
};


int table_create(struct pgs_table **out, const struct pgs_allocator *al,
		 const char *name);

/* What parse/ lends a table it makes (lib/parse/stacktrace.c). */
struct stack_ops {
	/*
	 * Make the frames of every stacktrace and what derives from them
	 * (frames, frame_strip, sd, the distinct counts) if not made yet;
	 * safe from several threads. 0 or -ENOMEM (nothing made).
	 */
	int (*derive)(const struct pgs_table *t);
	/* page_owner_sort's VMALLOC rule on a stacktrace text (st_meta.vmalloc). */
	bool (*vmalloc)(const char *s, size_t len);
};

/* Whether the frames and what derives from them are made. */
static inline bool table_derived(const struct pgs_table *t)
{
	return __atomic_load_n(&t->derive_done, __ATOMIC_ACQUIRE) != 0;
}

/* Make them, once (stack_ops.derive); a table with no stack_ops has none to make. */
static inline int table_derive(const struct pgs_table *t)
{
	return t->stack_ops ? t->stack_ops->derive(t) : 0;
}

/* Make room for one more row in every column the kind uses. */
int table_reserve_row(struct pgs_table *t);

/* Room for n more rows in every column. */
int table_reserve_rows(struct pgs_table *t, size_t n);

/*
 * Append src (a later byte range of the same input) to dst, remapping its
 * ids; src's line numbers are shifted by line_base. src's strings move to
 * dst (its string pool is left empty): src is only to be freed after.
 */
int table_merge(struct pgs_table *dst, struct pgs_table *src, uint64_t line_base);

/* Add the free_ts column (zero for the rows so far): eras E-G. */
int table_enable_free_ts(struct pgs_table *t);

/* Metadata slots for a new template id (zeroed). */
int table_hdr_slot(struct pgs_table *t, uint32_t id);
int table_pfn_slot(struct pgs_table *t, uint32_t id);
/* st index of the stacktrace string id, creating meta if new (*is_new). */
int table_st_index(struct pgs_table *t, uint32_t text_id, uint32_t *index,
		   bool *is_new);

/*
 * Give st entry index the text text_id, for a stacktrace that gained lines
 * (the handle join); its old text no longer names it. When another entry
 * has that text already, nothing changes and *other is that entry, where
 * the caller moves index's rows. Returns 0 or -ENOMEM.
 */
int table_st_retext(struct pgs_table *t, uint32_t index, uint32_t text_id,
		    uint32_t *other);

/* Set distinct_stacks and distinct_frames from st and frames. -ENOMEM. */
int table_count_stacks(struct pgs_table *t);

/*
 * Drop what table_derive() made (frames, derived strings and fields, the
 * counts), for a table whose stacks change (the handle join); the next
 * table_derive() makes them again. Not while the table is queried.
 */
void table_underive(struct pgs_table *t);

/* Count one line that was not understood, by kind (its first word). */
void table_count_unknown(struct pgs_table *t, const char *line, size_t len,
			 uint64_t lineno);

/* Feature bits of one template (a header, a PFN line, a frame...): seen, counted. */
static inline void table_feature(struct pgs_table *t, uint32_t bits)
{
	t->features |= bits;
	for (; bits; bits &= bits - 1)
		t->feat_n[__builtin_ctz(bits)]++;
}

/* Base pages of row i. */
static inline uint64_t table_row_pages(const struct pgs_table *t, size_t i)
{
	if (t->c_pages)
		return t->c_pages[i] > 0 ? (uint64_t)t->c_pages[i] : 0;
	return (uint64_t)1 << t->hdr[t->c_hdr[i]].order;
}

static inline const struct hdr_meta *table_row_hdr(const struct pgs_table *t, size_t i)
{
	return &t->hdr[t->c_hdr ? t->c_hdr[i] : 0];
}

static inline const struct st_meta *table_row_st(const struct pgs_table *t, size_t i)
{
	return &t->st[t->c_st[i]];
}

/* Row i's derived stack: only once table_derive() made them. */
static inline const struct st_derived *table_row_sd(const struct pgs_table *t, size_t i)
{
	return &t->sd[t->c_st[i]];
}

static inline const struct pfn_meta *table_row_pfn(const struct pgs_table *t, size_t i)
{
	return &t->pfnm[t->c_pfnt ? t->c_pfnt[i] : 0];
}

/* page_owner_sort's allocator classification of row i (PGS_ALLOC_*). */
static inline uint32_t table_row_allocator(const struct pgs_table *t, size_t i)
{
	uint32_t a = table_row_pfn(t, i)->alloc;

	if (table_row_st(t, i)->vmalloc)
		a |= PGS_ALLOC_VMALLOC;
	return a ? a : PGS_ALLOC_OTHERS;
}

const char *table_era(const struct pgs_table *t);
/*
 * After parsing: name the mix when rows of several eras' header shapes
 * were seen. A shape of a single row, or of fewer than 1% of the main
 * shape's, is a stray (t->stray_shapes): it does not change the era.
 */
void table_note_eras(struct pgs_table *t);
/* The name of a header shape's eras ("F/G"). */
const char *table_shape_name(unsigned shape);

#endif /* PGS_TABLE_H */
