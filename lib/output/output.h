/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGS_OUTPUT_H
#define PGS_OUTPUT_H

#include "../query/value.h"

/* A buffered writer in front of the caller's sink; errors are sticky. */
struct writer {
	const struct pgs_allocator *al;	/* the result's (a diff's: AFTER's) table's hook */
	pgs_write_fn sink;
	void *user;
	int err;
	size_t n;
	char buf[64 * 1024];
};

/*
 * The start and end of every pgs_*_write(): the caller's options over the
 * defaults into *o, checked once for every format (-EINVAL for a NULL sink,
 * options OPTS_LOAD refuses, a format or a weight outside its enum), and a
 * writer in front of sink in *w (-ENOMEM). writer_close() flushes and frees
 * w and returns its sticky error.
 */
int writer_open(const struct pgs_allocator *al, const struct pgs_write_opts *opts,
		pgs_write_fn sink, void *user, struct pgs_write_opts *o, struct writer **w);
int writer_close(struct writer *w);

void w_put(struct writer *w, const void *s, size_t len);
void w_str(struct writer *w, const char *s);
void w_printf(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void w_flush(struct writer *w);

/*
 * What a group's times count, as its JSON member and CSV column are named:
 * "times" (blocks) for page_owner; "stacks" (records) for the
 * page_owner_stacks files, which have no blocks, only a record per stack.
 */
static inline const char *times_name(const struct pgs_result *r)
{
	return r->t->kind == PGS_KIND_PAGE_OWNER ? "times" : "stacks";
}

/* v in decimal, without printf: millions of groups print it twice each. */
void w_u64(struct writer *w, uint64_t v);

/* Length of the valid UTF-8 sequence at s (len > 0), 0 if invalid. */
size_t utf8_len(const unsigned char *s, size_t len);

/* A JSON string literal (quotes included); bytes that are not UTF-8 become \u00XX. */
void w_json_str(struct writer *w, const char *s, size_t len);

/*
 * The next line of [*p, end) without its leading blanks, into s and len;
 * false at the end. A final '\n' starts no line. How JSON arrays and CSV
 * joins show multi-line texts.
 */
bool line_next(const char **p, const char *end, const char **s, size_t *len);

/*
 * A CSV field (RFC 4180): s as is, or between quotes with each '"' doubled
 * when it holds ',', '"', CR or LF, or is empty (an unquoted empty field
 * is a null). With lines, s is a multi-line text written as its lines
 * (line_next()) joined by ';'.
 */
void w_csv_str(struct writer *w, const char *s, size_t len, bool lines);

/* bytes as "4 KiB", "1.5 MiB" (one decimal, rounded half up, none if .0); out: 32 bytes. */
size_t fmt_iec(char *out, uint64_t bytes);

/*
 * What a group shows after times, pages and bytes, in order: JSON's and
 * ndjson's members, CSV's columns. With a cull, each cull key (and pid,
 * tgid, name, node when selected by --pid ...) in key order, gfp followed
 * by its names, stacktrace by the trailers page_owner prints after the
 * frames (handle when the input has them, migrate_reason, slab_cache_page,
 * memcg, memcg_objcg, memcg_offline; those that are cull keys stay in their
 * own place); without, page_owner_sort's allocator and text, or for the
 * page_owner_stacks files the handle and stacktrace. A stacktrace column
 * holds the frames only.
 */
enum col_kind {
	COL_KEY,	/* the key id's value; stacktrace: its frames */
	COL_NAMES,	/* a KREC_VALUE_NAMES key's flag names (null when its value is) */
	COL_SLAB,	/* a "Slab cache page" line: bool */
	COL_MEMCG_OBJCG,	/* "Charged (via objcg) ...": bool, null without memcg */
	COL_MEMCG_OFFLINE,	/* "... to offline memcg": bool, null without memcg */
	COL_ALLOCATOR,	/* no cull: the block's allocator label */
	COL_TXT,	/* no cull: the block text (key_txt()) */
	COL_HANDLE,	/* no cull: show_handles' and show_stacks_handles' handle */
	COL_STACKTRACE,	/* no cull: a page_owner_stacks record's frames */
};

struct column {
	const char *name;
	enum key_id id;		/* COL_KEY */
	enum col_kind kind;
};

#define COLUMNS_MAX (K__COUNT + 4)

/* r's columns into out (COLUMNS_MAX of room); returns their count. */
size_t result_columns(const struct pgs_result *r, struct column *out);

/* A column's value for one group, typed as JSON prints it. */
enum cell_type {
	CELL_NULL,	/* the rows lack the field */
	CELL_BOOL,	/* u: 0 or 1 */
	CELL_INT,	/* u: (uint64_t)(int64_t) */
	CELL_UINT,	/* u */
	CELL_STR,	/* s, len */
	CELL_LINES,	/* s, len: a multi-line text (line_next()) */
};

struct cell {
	enum cell_type type;
	uint64_t u;
	const char *s;		/* into the table, buf or *txt; not NUL-terminated */
	size_t len;
	char buf[64];
};

/*
 * Column c of the group whose first row is row. COL_TXT renders into *txt
 * (capacity *cap, grown with al as needed; the caller frees it). Returns 0
 * or -ENOMEM.
 */
int column_cell(const struct pgs_result *r, size_t row, const struct column *c,
		struct cell *out, const struct pgs_allocator *al, char **txt, size_t *cap);

/* opts: PGS_WRITE_HUMAN */
void write_text(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
/*
 * The text report's line for a culled group after its counts: ", PID 1",
 * ", task_comm_name: x", the other cull keys, then ":\n" and its stack.
 */
void text_group_keys(struct writer *w, const struct pgs_result *r, size_t row);
/* JSON: ", \"name\": value" per column of the group whose first row is row. */
void json_columns(struct writer *w, const struct pgs_result *r, size_t row,
		  const struct column *cols, size_t ncols, char **txt, size_t *cap);
/* CSV: one cell as write_csv() writes it (a null is nothing). */
void w_csv_cell(struct writer *w, const struct cell *c);
/* JSON: the "input" object of r's table under name. */
void input_object(struct writer *w, const struct pgs_result *r, const char *name);
void write_json(struct writer *w, const struct pgs_result *r, const char *input_name);
/* The 0.2 formats; each sets w->err on failure. ndjson: in json.c. */
void write_ndjson(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
void write_csv(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
void write_folded(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
void write_pprof(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
/* svg, or html (o->format) */
void write_flame(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);

#endif /* PGS_OUTPUT_H */
