/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Field parsers: one function per line class of the format specification
 * (formats.md §7.1). Each takes one line without its "\n" (and without a
 * trailing "\r") and never reads outside it.
 */
#ifndef PGS_FIELDS_H
#define PGS_FIELDS_H

#include "../common.h"

/* ---- line classes ---- */

enum line_class {
	LC_BLANK,
	LC_HEADER,	/* Page allocated via order ... */
	LC_PFN,		/* PFN ... */
	LC_FRAME,	/* indented frame, or [0x...] sym+dec */
	LC_MIGRATED,	/* Page has been migrated, last migrate reason: ... */
	LC_SLAB,	/* Slab cache page */
	LC_MEMCG,	/* Charged ... memcg ... */
	LC_HANDLE,	/* handle: N */
	LC_PAGES,	/* nr_base_pages: N | stack_count: N */
	LC_UNKNOWN,
};

enum line_class classify_line(const char *s, size_t len);

/* ---- header ---- */

enum hdr_error {
	HDR_OK = 0,
	HDR_E_PREFIX,	/* no "Page allocated via order " */
	HDR_E_ORDER,	/* order missing or above 31 */
	HDR_E_MASK,	/* ", mask 0x..." malformed */
	HDR_E_PID,	/* ", pid N" malformed or out of range */
	HDR_E_TGID,	/* ", tgid N (comm)" malformed */
	HDR_E_TS,	/* ", ts N ns" malformed or beyond 64 bits */
	HDR_E_TRAILING,	/* text after the last field */
};

const char *hdr_error_str(enum hdr_error e);

struct hdr_fields {
	uint32_t order, gfp;
	int32_t pid, tgid;
	const char *comm;	/* points into the line */
	size_t comm_len;
	uint64_t ts, free_ts;
	/* Where the ts / free_ts digits are in the line (len 0: absent). */
	size_t ts_pos, ts_len, fts_pos, fts_len;
	unsigned have;		/* PGS_HAVE_* */
	const char *names;	/* the mask's names, between the parentheses */
	size_t names_len;
	bool mask_names, swapped;
};

/*
 * Right-anchored scan of the header's tail: finds ", ts N ns", ", free_ts N
 * ns" and " (swapped)" from the end, which is all a block needs once its
 * template is known. Fills ts/free_ts and their positions; returns the
 * offset where the tail starts (the comma before "ts"), or len if there is
 * no ts. Returns (size_t)-1 when a ts is present but malformed.
 */
size_t header_tail(const char *s, size_t len, struct hdr_fields *f);

/* Full parse; HDR_OK or the first thing that was not as expected. */
enum hdr_error parse_header(const char *s, size_t len, struct hdr_fields *f);

/* ---- PFN line ---- */

struct pfn_fields {
	uint64_t pfn, block;
	size_t pfn_pos, pfn_len, block_pos, block_len;	/* digits, for cutting */
	uint8_t mt, bmt;		/* enum pgs_migratetype */
	uint32_t mt_num, bmt_num;
	uint64_t flags;
	int32_t node, zone;
	bool hex, old;		/* 0x PFN (v6.5+); eras A1/B layout */
};

/*
 * Cut positions only (pfn and block digits), enough for a known template.
 * Returns false if the line is not a PFN line.
 */
bool pfn_cuts(const char *s, size_t len, struct pfn_fields *f);

/* Full parse. Returns false when the line is not a well-formed PFN line. */
bool parse_pfn(const char *s, size_t len, struct pfn_fields *f);

/* Migratetype from its kernel name; PGS_MT_OTHER if unknown. */
uint8_t migratetype_from_name(const char *s, size_t len);

/* ---- frames ---- */

enum frame_form {
	FRAME_PS,	/* " sym+0xoff/0xsize [mod]" */
	FRAME_BRACKET,	/* " [<addr>] sym+0x.../0x..." */
	FRAME_KALLSYMS,	/* "[0xaddr] sym+dec" */
};

struct frame_fields {
	const char *text;	/* the line without leading whitespace */
	size_t text_len;
	const char *sym;	/* symbol name */
	size_t sym_len;
	uint64_t off, size;	/* size 0 when not printed */
	const char *module;	/* NULL when in vmlinux */
	size_t module_len;
	enum frame_form form;
	bool has_offset;
};

/* Returns false when the line is not a frame. */
bool parse_frame(const char *s, size_t len, struct frame_fields *f);

/*
 * Whether parse_frame() takes the line for a frame, and its form, without
 * parsing the offsets (the parse counts frames; table_derive() parses them).
 */
bool frame_line(const char *s, size_t len, enum frame_form *form);

/* ---- trailers and stacks-file lines ---- */

/* "Page has been migrated, last migrate reason: R": R. */
bool parse_migrated(const char *s, size_t len, const char **reason, size_t *rlen);
/* "Charged [(via objcg) ]to [offline |offlined ]memcg NAME". */
bool parse_memcg(const char *s, size_t len, const char **name, size_t *nlen,
		 uint32_t *flags);
/* "handle: N" (%d or %u). */
bool parse_handle(const char *s, size_t len, uint32_t *handle);
/* "nr_base_pages: N" or "stack_count: N" (signed). */
bool parse_pages(const char *s, size_t len, int64_t *pages);

#endif /* PGS_FIELDS_H */
