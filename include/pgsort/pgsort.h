/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libpgsort: read, group and sort Linux page_owner dumps.
 *
 * INTRODUCTION
 *
 * The kernel (CONFIG_PAGE_OWNER=y, page_owner=on) records who allocated every
 * page and prints it as text in /sys/kernel/debug/page_owner (one block per
 * allocation) and, since v6.9, in /sys/kernel/debug/page_owner_stacks/
 * (show_stacks, show_handles, show_stacks_handles). libpgsort turns such text
 * into a table (one row per block or per stack record), then groups ("culls"),
 * selects and sorts the rows and writes a report, as the kernel's
 * tools/mm/page_owner_sort does, but from any source and much faster.
 *
 * A complete program (top stacks of a dump by pages):
 *
 *	#include <stdio.h>
 *	#include <pgsort/pgsort.h>
 *
 *	int main(int argc, char **argv)
 *	{
 *		struct pgs_table *t = NULL;
 *		struct pgs_query *q = NULL;
 *		struct pgs_result *r = NULL;
 *		int err;
 *
 *		if (argc < 2)
 *			return 1;
 *		err = pgs_table_open_file(&t, argv[1], NULL);
 *		if (!err)
 *			err = pgs_query_create(&q);
 *		if (!err)
 *			err = pgs_query_set_cull(q, "stacktrace");
 *		if (!err)
 *			err = pgs_query_add_sort(q, "-pages");
 *		if (!err)
 *			err = pgs_query_run(q, t, &r);
 *		for (size_t i = 0; !err && i < pgs_result_count(r) && i < 5; i++) {
 *			struct pgs_group g = PGS_INIT(pgs_group);
 *
 *			pgs_result_group(r, i, &g);
 *			printf("%llu pages in %llu blocks:\n%s\n",
 *			       (unsigned long long)g.pages,
 *			       (unsigned long long)g.times,
 *			       pgs_table_string(t, g.stacktrace));
 *		}
 *		if (err)
 *			fprintf(stderr, "pgsort: %s\n", pgs_strerror(err));
 *		pgs_result_free(r);
 *		pgs_query_free(q);
 *		pgs_table_free(t);
 *		return err ? 1 : 0;
 *	}
 *
 * CONVENTIONS
 *
 * - Every exported name starts with pgs_ (functions, types) or PGS_ (macros).
 *   Objects are opaque and come in create/free pairs; every *_free() accepts
 *   NULL and does nothing then.
 * - Functions that can fail return an int: 0 on success, a negative error code
 *   on failure: a negated errno value (-ENOMEM, -EINVAL, -EIO, ...) or one of
 *   the PGS_E* codes below. pgs_strerror() describes any of them. On failure,
 *   output parameters are left untouched.
 * - Options structs start with `size_t sz`, the caller's sizeof. Declare them
 *   with PGS_INIT(type) (zeroed, sz set), so that a program built against an
 *   older header keeps working when fields are appended. A NULL options
 *   pointer means "all defaults". A program built against a newer header
 *   (sz larger than this library's struct) is accepted when the fields this
 *   library does not know are zero; a non-zero one fails with -EINVAL rather
 *   than be ignored, as does sz below sizeof(size_t).
 * - The library never prints, never exits and never aborts on bad input.
 *   Diagnostics (damaged records, unknown lines) go to a callback you set.
 * - Separate objects may be used from separate threads at the same time; one
 *   object must not be used by two threads at once. A table is immutable once
 *   built (but for pgs_table_join_stacks(), done before any query) and may
 *   be queried from several threads concurrently.
 */
#ifndef PGSORT_PGSORT_H
#define PGSORT_PGSORT_H

#include <stddef.h>	/* size_t */
#include <stdint.h>	/* uint64_t, uint32_t, int32_t */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(PGS_BUILDING_LIBRARY) && defined(__GNUC__)
#define PGS_API __attribute__((visibility("default")))
#else
#define PGS_API
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                   */

#define PGS_VERSION_MAJOR 0
#define PGS_VERSION_MINOR 4
#define PGS_VERSION_PATCH 0
#define PGS_VERSION_NUMBER \
	(PGS_VERSION_MAJOR * 10000 + PGS_VERSION_MINOR * 100 + PGS_VERSION_PATCH)

/* The library's version as "MAJOR.MINOR.PATCH" (static storage). */
PGS_API const char *pgs_version(void);
/* PGS_VERSION_NUMBER of the library actually linked. */
PGS_API unsigned pgs_version_number(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */

/* Library-specific error codes (negative, far from any errno value). */
#define PGS_E_BASE	4000
#define PGS_E_FORMAT	(-(PGS_E_BASE + 1))	/* input is not page_owner text */
#define PGS_E_EMPTY	(-(PGS_E_BASE + 2))	/* input holds no records at all */
#define PGS_E_KEY	(-(PGS_E_BASE + 3))	/* unknown or misplaced key */
#define PGS_E_NOFIELD	(-(PGS_E_BASE + 4))	/* key needs a field the input lacks */
#define PGS_E_TOOBIG	(-(PGS_E_BASE + 5))	/* a record exceeds the size limit */
#define PGS_E_WRITE	(-(PGS_E_BASE + 6))	/* the output sink reported failure */
#define PGS_E_STATE	(-(PGS_E_BASE + 7))	/* call not valid in this state */
#define PGS_E_FILTER	(-(PGS_E_BASE + 8))	/* a filter expression is malformed */
#define PGS_E_CHANGED	(-(PGS_E_BASE + 9))	/* a file shrank while being read (0.3) */
#define PGS_E_CORRUPT	(-(PGS_E_BASE + 10))	/* compressed input damaged or cut short (0.3) */

/*
 * A static, human-readable description of err (a negative return value of
 * this library). Never NULL.
 */
PGS_API const char *pgs_strerror(int err);

/* Declare an options struct zeroed and sized: struct pgs_x o = PGS_INIT(pgs_x); */
#define PGS_INIT(type) ((struct type){ .sz = sizeof(struct type) })

/* ------------------------------------------------------------------------ */
/* Diagnostics                                                               */

enum pgs_diag_level {
	PGS_DIAG_ERROR = 0,	/* the input cannot be used */
	PGS_DIAG_WARN = 1,	/* part of the input was skipped or not understood */
	PGS_DIAG_INFO = 2,	/* facts about the input (kind, era, counts) */
	PGS_DIAG_DEBUG = 3,	/* reserved */
};

struct pgs_diag {
	enum pgs_diag_level level;
	const char *source;	/* input name as given in the options */
	uint64_t line;		/* 1-based line number, 0 if not about a line */
	uint64_t offset;	/* byte offset of that line in the input */
	const char *message;	/* one line, no trailing newline */
};

/*
 * Called synchronously from the parsing call, on the calling thread, in
 * input order. The first 20 problems are reported one by one at the end of
 * the parse (the same for any number of threads), the rest as counts per
 * kind. The struct and its strings are borrowed: valid only during the call.
 */
typedef void (*pgs_diag_fn)(const struct pgs_diag *diag, void *user);

/* Progress: bytes consumed so far and total bytes (0 when unknown: a pipe). */
typedef void (*pgs_progress_fn)(uint64_t done, uint64_t total, void *user);

/* ------------------------------------------------------------------------ */
/* Allocator hook                                                            */

/*
 * Every block of memory the library allocates comes from these functions
 * when they are set (all three or none); they must behave like malloc,
 * realloc and free (a NULL return is an allocation failure, which the call
 * reports as -ENOMEM and recovers from without a leak). Who uses which:
 *
 * - parse options' allocator (pgs_parse_opts.allocator): the table and all
 *   it holds, the parser, parse buffers, the worker threads' shards and
 *   the pool's jobs and read buffers (pgs_table_open_fd), the regular
 *   expressions of log prefixes; later pgs_table_join_stacks() on it;
 * - the query's (pgs_query_opts.allocator): the query, its keys and
 *   selections, its filters, their memos and regular expressions;
 * - a table's: the results of queries on it, with their temporaries (hash
 *   arrays, selections), and everything pgs_result_write() allocates for
 *   them (the writer, text, folded, pprof and flame graph buffers);
 * - the AFTER table's: a diff, its temporaries and pgs_diff_write()'s
 *   buffers (its BEFORE result: the BEFORE table's).
 *
 * PCRE2 gets the functions through a general context, so compiled
 * patterns, match data and their match-time frames use them too. The
 * struct is copied, never kept; user must stay valid while any object made
 * with it lives. With threads, the functions are called from several
 * threads at once (parse workers make their shards in parallel).
 *
 * What does not go through them: the stacks and internals of the threads
 * the library starts (pthread_create), the temporary buffer glibc's qsort
 * and qsort_r may allocate while sorting (groups, handles), PCRE2's JIT code
 * (pages it maps itself), and a regular file's mapping (mmap).
 */
struct pgs_allocator {
	void *(*malloc_fn)(size_t size, void *user);
	void *(*realloc_fn)(void *ptr, size_t size, void *user);
	void (*free_fn)(void *ptr, void *user);
	void *user;
};

/* ------------------------------------------------------------------------ */
/* Parsing: from a path, a descriptor, memory or chunk by chunk              */

struct pgs_parse_opts {
	size_t sz;
	const char *name;	/* input name for diagnostics; default: path or "-" */
	pgs_diag_fn diag;	/* diagnostics callback; NULL: discard */
	void *diag_user;
	/* Least severe level passed to diag: default 0 means PGS_DIAG_WARN. */
	int diag_level;
	pgs_progress_fn progress;	/* called every few MiB; NULL: none */
	void *progress_user;
	const struct pgs_allocator *allocator;	/* NULL: malloc/realloc/free */
	/*
	 * Worker threads for pgs_table_open_file/fd/mem; 0: the online CPUs
	 * (for a pipe or another stream, one fewer, at least 1). A stream
	 * also gets one thread that only reads it.
	 * The table, its ids and the diagnostics are the same for any value.
	 * The incremental parser always parses on the calling thread.
	 */
	unsigned threads;
	unsigned flags;		/* PGS_PARSE_* (0.3) */
};

/*
 * pgs_parse_opts.flags: read a regular file with read(), as a stream,
 * instead of mapping it. For programs that own SIGBUS (see
 * pgs_table_open_file()); a file that shrinks is then read as far as it
 * goes, without PGS_E_CHANGED.
 */
#define PGS_PARSE_NO_MMAP	0x1u

/* The table of one input: rows plus interned strings. Immutable once built. */
struct pgs_table;

/*
 * Build a table from the file at path. A regular file is memory-mapped;
 * anything else (a pipe, a character device, /dev/stdin) is read as a stream
 * with bounded memory. "-" means standard input.
 *
 * Returns 0 and stores a new table in *out (free it with pgs_table_free()),
 * or: -errno when the file cannot be opened or read; PGS_E_EMPTY when the
 * input holds no record; PGS_E_FORMAT when it is not page_owner text (a
 * PGS_DIAG_ERROR diagnostic names the line and what was expected);
 * PGS_E_TOOBIG when a record exceeds 256 MiB; PGS_E_CHANGED when a regular
 * file shrank while it was read (a PGS_DIAG_ERROR diagnostic gives the
 * offset where it now ends, in its message and its offset); -ENOMEM;
 * -EMSGSIZE when a
 * read() failed with ENOMEM even when offered 1 MiB (a live kernel file such
 * as /sys/kernel/debug/page_owner fails a read whose room is too small for
 * its next record: every read offers at least a page, and one that fails
 * so is tried again with twice the room; a PGS_DIAG_ERROR diagnostic gives
 * the byte offset).
 * Damaged records and lines that are not understood do not fail the call:
 * they are counted (pgs_table_info()) and reported as PGS_DIAG_WARN.
 *
 * Compressed input (0.3): zstd, gzip and xz data, told by its first bytes
 * (never by a name), is decompressed while it is parsed, as zstd/gzip/xz
 * -dc would (frames, members or streams one after the other are one
 * text); the table is the text's, and pgs_table_info() gives the format
 * and the compressed size. The same holds for pgs_table_open_fd() and
 * pgs_table_open_mem(), not for pgs_parser_feed() (PGS_E_FORMAT naming
 * the format). The decompressors allocate through the allocator hook.
 * Damaged compressed data (cut short, a failed checksum, bytes after the
 * data that are not another frame) fails the call with PGS_E_CORRUPT; a
 * PGS_DIAG_ERROR diagnostic gives the compressed byte offset (in its
 * message and its offset) and the records parsed before it. bzip2, lz4 and
 * UTF-16 input is PGS_E_FORMAT with a diagnostic that names it.
 *
 * SIGBUS: reading a mapped file's pages past its end (it was truncated
 * meanwhile) raises SIGBUS. While it parses a mapped file, the library
 * installs a SIGBUS handler with sigaction(SA_SIGINFO): the first parse
 * of the process installs it, the last one to end puts the previous
 * handler back (unless the program replaced it meanwhile). It handles only
 * faults (BUS_ADRERR) at addresses inside a file it is parsing: it maps
 * zero pages over the rest of that mapping, so that nothing jumps out of
 * the parse, which then stops at its next slice with PGS_E_CHANGED. Every
 * other SIGBUS goes to the previous handler, or to the default action
 * (the process ends). Threads that block SIGBUS are killed by such a
 * fault whatever the handler. Up to 64 files are guarded at once; more
 * are parsed unguarded. A program that must own SIGBUS sets
 * PGS_PARSE_NO_MMAP. A file that grows while read is parsed as it was
 * when opened (its size then).
 */
PGS_API int pgs_table_open_file(struct pgs_table **out, const char *path,
				const struct pgs_parse_opts *opts);

/* As pgs_table_open_file() on an open descriptor, which the caller keeps. */
PGS_API int pgs_table_open_fd(struct pgs_table **out, int fd,
			      const struct pgs_parse_opts *opts);

/* As pgs_table_open_file() on len bytes at buf; buf is not kept. */
PGS_API int pgs_table_open_mem(struct pgs_table **out, const void *buf,
			       size_t len, const struct pgs_parse_opts *opts);

/*
 * Incremental parsing: feed the input in chunks of any size as they arrive
 * (from a socket, a decompressor...), then finish to get the table. Memory
 * stays bounded by the table plus the longest record.
 */
struct pgs_parser;

PGS_API int pgs_parser_create(struct pgs_parser **out,
			      const struct pgs_parse_opts *opts);
/* Copies what it needs from buf. Returns 0 or a negative error. */
PGS_API int pgs_parser_feed(struct pgs_parser *p, const void *buf, size_t len);
/*
 * End of input: parse the rest and store the table in *out. Afterwards the
 * parser accepts nothing but pgs_parser_free(). Errors as pgs_table_open_file().
 */
PGS_API int pgs_parser_finish(struct pgs_parser *p, struct pgs_table **out);
PGS_API void pgs_parser_free(struct pgs_parser *p);

PGS_API void pgs_table_free(struct pgs_table *t);

/* ------------------------------------------------------------------------ */
/* The table                                                                 */

enum pgs_kind {
	PGS_KIND_UNKNOWN = 0,
	PGS_KIND_PAGE_OWNER,		/* /sys/kernel/debug/page_owner */
	PGS_KIND_SHOW_STACKS,		/* page_owner_stacks/show_stacks */
	PGS_KIND_SHOW_HANDLES,		/* page_owner_stacks/show_handles */
	PGS_KIND_SHOW_STACKS_HANDLES,	/* page_owner_stacks/show_stacks_handles */
};

/* "page_owner", "show_stacks", ... (static storage). */
PGS_API const char *pgs_kind_name(enum pgs_kind kind);

/*
 * The kind of input that begins with the len bytes at buf, decided as the
 * parse calls decide it: on the first records (up to 2000 lines), after a
 * dmesg, syslog, journal or /dev/kmsg prefix that every line carries, any
 * era. Nothing else is parsed, so the first 64 KiB of a file are enough.
 * A last line without "\n" counts as a whole line: when buf is only the
 * start of a larger input, pass it up to its last "\n". A page_owner_sort
 * text report holds page_owner headers and is detected as
 * PGS_KIND_PAGE_OWNER (the parse calls read it so, with warnings).
 * (Since libpgsort 0.3, symbol version LIBPGSORT_0.3.)
 *
 * Returns 0 with *kind set, or: PGS_E_FORMAT when buf does not begin
 * page_owner or page_owner_stacks text; PGS_E_EMPTY when it holds nothing
 * but blank lines; -EINVAL (buf or kind NULL); -ENOMEM.
 */
PGS_API int pgs_detect_kind(const void *buf, size_t len, enum pgs_kind *kind);

/*
 * The compressed format the len bytes at buf begin with, told by its magic
 * bytes: "zstd" (also behind a skippable frame), "gzip", "xz", "lz4" or
 * "bzip2" (static storage), or NULL when none (buf NULL too). The parse
 * calls read zstd, gzip and xz themselves and name the others in an error.
 * (Since libpgsort 0.3, symbol version LIBPGSORT_0.3.)
 */
PGS_API const char *pgs_compression_name(const void *buf, size_t len);

struct pgs_table_info {
	size_t sz;
	enum pgs_kind kind;
	/*
	 * The kernel era inferred from features of the text (never from a
	 * version string), as in the format specification: "A0" "A1" "B" "C"
	 * "D" "E" "F" "G" "H" "H+", or "-" for page_owner_stacks files; a mix
	 * such as "F/G+H" when headers of several eras are each at least 2
	 * and 1% of the main era's. Fewer (strays, reported as a warning), and
	 * a few PFN, frame or handle lines of another era's format, do not
	 * change it (0.3). Static storage.
	 */
	const char *era;
	uint64_t bytes;		/* input bytes read */
	uint64_t lines;		/* input lines read */
	uint64_t records;	/* rows in the table */
	uint64_t pages;		/* base pages over all rows */
	uint64_t skipped;	/* records dropped as damaged (not in the table) */
	uint64_t unknown_lines;	/* lines not understood (kept or skipped) */
	/*
	 * Distinct stack traces (frames alone) and frames. Counting them
	 * splits every stack into frames, once per table (as the first query
	 * or output that reads frames, modules or call sites does): on a dump
	 * of mostly distinct stacks, a large part of the memory and the time;
	 * both are 0 when there is no memory for it (a later call tries
	 * again). PGS_INFO_NO_COUNTS in flags leaves both 0 instead.
	 */
	uint64_t stacks;
	uint64_t frames;
	int has_free_ts;	/* rows carry free_ts (eras E, F, G) */
	int has_tgid;		/* rows carry tgid and comm (eras F and later) */
	int has_ts;		/* rows carry ts (eras D and later) */
	/*
	 * Compressed input (0.3): "zstd", "gzip" or "xz" (static storage),
	 * NULL when the input was text; then compressed_bytes is the size of
	 * the compressed input read, and bytes the text it held.
	 */
	const char *compression;
	uint64_t compressed_bytes;
	/* Set by the caller (0.4): PGS_INFO_* bits. Kept as it is. */
	unsigned flags;
};

/* pgs_table_info.flags: leave stacks and frames 0 (see stacks). */
#define PGS_INFO_NO_COUNTS 0x1u

PGS_API void pgs_table_info(const struct pgs_table *t,
			    struct pgs_table_info *info);

/* Number of rows (records). */
PGS_API size_t pgs_table_count(const struct pgs_table *t);

/* Migratetype names as printed by the kernel; PGS_MT_NUMERIC: eras A1/B. */
enum pgs_migratetype {
	PGS_MT_UNMOVABLE = 0,
	PGS_MT_MOVABLE,
	PGS_MT_RECLAIMABLE,
	PGS_MT_HIGHATOMIC,
	PGS_MT_CMA,
	PGS_MT_ISOLATE,
	PGS_MT_NUMERIC,		/* printed as a number; see mt_number */
	PGS_MT_OTHER,		/* a name this library does not know */
	PGS_MT_NONE,		/* no PFN line */
};

/* "Unmovable", ... (static storage); "?" for PGS_MT_OTHER/NONE/NUMERIC. */
PGS_API const char *pgs_migratetype_name(enum pgs_migratetype mt);

/* Allocator classes of page_owner_sort (bits). */
#define PGS_ALLOC_CMA		0x1u
#define PGS_ALLOC_SLAB		0x2u
#define PGS_ALLOC_VMALLOC	0x4u
#define PGS_ALLOC_OTHERS	0x8u

/* Memcg trailer flags. */
#define PGS_MEMCG_CHARGED	0x1u	/* a "Charged ... memcg NAME" line */
#define PGS_MEMCG_OBJCG		0x2u	/* "(via objcg)" */
#define PGS_MEMCG_OFFLINE	0x4u	/* "offline" (or "offlined") memcg */

/*
 * String ids: a uint32_t naming an interned string of the table; 0 means
 * "none". pgs_table_string() turns an id into its NUL-terminated text.
 */
#define PGS_NONE 0u

/*
 * One row. Fields the input does not carry are 0 / PGS_NONE and flagged in
 * `have`. Filled by pgs_table_record().
 */
struct pgs_record {
	size_t sz;
	uint32_t have;		/* PGS_HAVE_* bits */
	uint32_t order;		/* allocation order */
	uint64_t pages;		/* base pages: 1 << order, or nr_base_pages */
	uint32_t gfp;		/* gfp mask */
	int32_t pid, tgid;
	uint32_t comm;		/* string id of the task name */
	uint64_t ts, free_ts;	/* ns since boot */
	uint64_t pfn;
	enum pgs_migratetype mt, block_mt;
	uint32_t mt_number, block_mt_number;	/* eras A1/B */
	uint64_t page_flags;	/* value of Flags 0x...(...) */
	int32_t node, zone;	/* from node=/zone= in Flags; -1 if absent */
	uint32_t stacktrace;	/* id: page_owner_sort's stacktrace text */
	uint32_t stack;		/* id: the frames alone */
	uint32_t migrate_reason;	/* id, PGS_NONE if not migrated */
	uint32_t memcg;		/* id of the memcg name, PGS_NONE if none */
	uint32_t memcg_flags;	/* PGS_MEMCG_* */
	int slab;		/* "Slab cache page" */
	uint32_t handle;	/* stack depot handle (H+ and stacks files) */
	uint32_t allocator;	/* PGS_ALLOC_* */
	uint64_t line;		/* line number of the record's first line */
};

#define PGS_HAVE_HEADER	0x001u	/* order, gfp */
#define PGS_HAVE_PID	0x002u
#define PGS_HAVE_TGID	0x004u	/* tgid and comm */
#define PGS_HAVE_TS	0x008u
#define PGS_HAVE_FREE_TS 0x010u
#define PGS_HAVE_PFN	0x020u	/* pfn, migratetypes, page_flags */
#define PGS_HAVE_NODE	0x040u	/* node and zone */
#define PGS_HAVE_HANDLE	0x080u
#define PGS_HAVE_STACK	0x100u

/*
 * Fill *rec with row i (0 <= i < pgs_table_count()). Returns 0, or -ERANGE;
 * or -ENOMEM when the table's stacks are not split into frames yet (the
 * first call does it, for the stack id) and there is no memory for it.
 * Initialise rec with PGS_INIT(pgs_record).
 */
PGS_API int pgs_table_record(const struct pgs_table *t, size_t i,
			     struct pgs_record *rec);

/*
 * The text of string id (NUL-terminated, borrowed: valid until
 * pgs_table_free()). Stack texts hold one line per frame, each ending in
 * "\n", exactly as in the input (leading space included). Returns "" for
 * PGS_NONE and for ids that do not exist.
 */
PGS_API const char *pgs_table_string(const struct pgs_table *t, uint32_t id);

/* Length in bytes of string id (texts may hold bytes that are not UTF-8). */
PGS_API size_t pgs_table_string_len(const struct pgs_table *t, uint32_t id);

/* ------------------------------------------------------------------------ */
/* Resolving stack depot handles                                             */

/*
 * Give the handle-only stacks of t their frames, taken from map, a table of
 * page_owner_stacks/show_stacks_handles (every stack depot handle and its
 * frames). Handles mean something only within one boot; the kernel's list
 * of stacks only grows, so a map read after t, in the same boot, lists
 * every handle of t but the early-boot one.
 * (Since libpgsort 0.2, symbol version LIBPGSORT_0.2.)
 *
 * t is a page_owner dump read with print_mode=handle (blocks with a
 * "handle: N" line and no frames), or a show_handles file:
 *  - page_owner: a stacktrace "handle: N\n<trailers>" becomes the frames of
 *    N, one " symbol+off/size\n" line each as the kernel prints them, then
 *    the same lines: exactly what print_mode=stack_handle prints. Grouping
 *    by stacktrace then gives what it gives on a stack_handle dump of the
 *    same moment, and the VMALLOC allocator class is decided again.
 *  - show_handles: a row's stacktrace becomes the frames of its handle, as
 *    in show_stacks, so grouping by stacktrace gives per-stack pages.
 * Rows are never added, dropped or reordered, and string ids stay valid (a
 * joined row gets a new stacktrace id). A handle the map does not list
 * (the early-boot stack is never in it) leaves its rows with "handle: N"
 * (plus trailers) as their stacktrace. Stacks that have frames already are
 * not touched, so a second call changes nothing, and a call with another
 * map fills in only what is still missing.
 *
 * Parameters: t is changed in place; map is only read (it may be freed
 * after the call); unresolved, when not NULL, receives the number of
 * distinct handles of t still without frames after the call.
 *
 * Returns 0, or: -EINVAL when t or map is NULL, map is not of kind
 * PGS_KIND_SHOW_STACKS_HANDLES, or t is neither PGS_KIND_PAGE_OWNER nor
 * PGS_KIND_SHOW_HANDLES (nothing is changed then); -ENOMEM (t is then
 * consistent and usable, possibly partly joined; calling again completes
 * the join).
 *
 * This changes t: call it before querying t, never while another thread
 * uses t or while a pgs_result of t is alive.
 */
PGS_API int pgs_table_join_stacks(struct pgs_table *t, const struct pgs_table *map,
				  uint64_t *unresolved);

/* ------------------------------------------------------------------------ */
/* Queries: select, cull (group), sort                                       */

/*
 * Keys. Each has a short and a long name (page_owner_sort's names, plus
 * times and pages):
 *	p pid		tg tgid		n name		st stacktrace
 *	T txt		at alloc_ts	ator allocator	ft free_ts
 *	f free		t times		m pages
 * "comm", the kernel's name of the field, is accepted for name wherever a
 * key is named (since 0.3); pgs_key_info() lists name only.
 * Cull (group) keys: pid tgid name stacktrace allocator free. Without a cull
 * key every distinct block text is a group (page_owner_sort's default: the
 * block minus its PFN line, with the ts digits cut unless the first sort key
 * is alloc_ts). Sort keys: all but free; a leading '-' sorts descending, '+'
 * (default) ascending. Ties keep the order of first appearance in the input.
 */
/* What a key can be used for (pgs_key_info()). */
#define PGS_KEY_CULL	0x1u	/* pgs_query_set_cull() */
#define PGS_KEY_SORT	0x2u	/* pgs_query_add_sort() */
#define PGS_KEY_FILTER	0x4u	/* filters */
#define PGS_KEY_BOOT	0x8u	/* means something only within one boot (0.2) */

struct pgs_key_info {
	size_t sz;
	const char *short_name, *long_name;	/* static storage */
	const char *help;			/* one line */
	unsigned use;				/* PGS_KEY_* */
};

/*
 * Key i of the key table, for listing them (i from 0 until -ERANGE).
 * Returns 0 or -ERANGE.
 */
PGS_API int pgs_key_info(size_t i, struct pgs_key_info *info);

struct pgs_query;

struct pgs_query_opts {
	size_t sz;
	/*
	 * The query's own memory: the object, its keys and selections, its
	 * filters and their regular expressions. NULL: malloc/realloc/free.
	 * Copied; results and diffs use their tables' allocator instead.
	 */
	const struct pgs_allocator *allocator;
};

/*
 * A new empty query in *out (free it with pgs_query_free()). Returns 0,
 * -EINVAL (opts->sz too small, an allocator without all three functions),
 * -ENOMEM. pgs_query_create(out) is pgs_query_create_opts(out, NULL). (0.2)
 */
PGS_API int pgs_query_create_opts(struct pgs_query **out, const struct pgs_query_opts *opts);
PGS_API int pgs_query_create(struct pgs_query **out);
PGS_API void pgs_query_free(struct pgs_query *q);

/*
 * Group by the comma-separated keys (replaces earlier calls). Returns 0, or
 * PGS_E_KEY for an unknown key or one that cannot be a cull key.
 */
PGS_API int pgs_query_set_cull(struct pgs_query *q, const char *keys);

/*
 * Append comma-separated sort keys ("-pages,name") after any given before.
 * Returns 0 or PGS_E_KEY. Without any sort key, groups sort by times,
 * descending, on a page_owner dump, and by pages, descending, on the
 * page_owner_stacks files (they count stacks, not blocks).
 */
PGS_API int pgs_query_add_sort(struct pgs_query *q, const char *keys);

/* Forget the sort keys given so far. */
PGS_API void pgs_query_clear_sort(struct pgs_query *q);

/*
 * Select rows: keep a row only if its pid (tgid, name) is in the
 * comma-separated list. Repeated calls for one field add to its list; the
 * fields are ANDed. A pid or tgid is read as strtol() reads it, base 10:
 * leading white space and one '+' or '-' are skipped, nothing may follow
 * the digits, and it must fit an int32 (" 39", "+1" and "-1" are numbers;
 * "", "1 ", "0x10" are not). Names are compared whole, spaces included.
 * Returns 0, -EINVAL (a pid that is not a number), -ENOMEM.
 */
PGS_API int pgs_query_select_pid(struct pgs_query *q, const char *list);
PGS_API int pgs_query_select_tgid(struct pgs_query *q, const char *list);
PGS_API int pgs_query_select_name(struct pgs_query *q, const char *list);

/*
 * Select rows whose module (the module key: the [module] of the innermost
 * frame that has one, "vmlinux" when none has) is one of the
 * comma-separated names, compared whole: page_owner_sort's --module (2026).
 * Works on every kind of input. Repeated calls add to the list; ANDed with
 * the other selections. Returns 0, -EINVAL, -ENOMEM. Since 0.3.
 */
PGS_API int pgs_query_select_module(struct pgs_query *q, const char *list);

/*
 * Drop rows whose page was freed after it was allocated... as page_owner_sort
 * -f (v6.1-v6.6) defined it: drop a row when free_ts != 0 and ts < free_ts.
 */
PGS_API void pgs_query_select_unreleased(struct pgs_query *q, int on);

/* Where and why a filter expression was refused. */
struct pgs_filter_error {
	size_t sz;
	size_t offset;		/* byte offset in the expression */
	char message[160];	/* "expected a value after '='" */
};

/*
 * Keep only rows for which expr holds; several filters are ANDed.
 *
 *   expr  := expr "or" expr | expr "and" expr | "not" expr | "(" expr ")"
 *          | KEY op value[,value...] | KEY has NAME | KEY ~ 'PCRE2'
 *   op    := = != < <= > >=          (lists and lo..hi ranges: = and != only)
 *
 * KEY is any key whose PGS_KEY_FILTER bit is set (pgs_key_info()), by its
 * short or long name; "frame" tests every frame of the stack. Numbers are
 * decimal or 0x hex; time keys take units (at>=10s, at=1m..2m; ns us ms s
 * m h). gfp, flags and allocator test flag names: "gfp has __GFP_ACCOUNT"
 * (names the dump prints, and for gfp also v6.x bit values, so GFP_KERNEL
 * hides no __GFP_IO), "ator=SLAB". ~ is an unanchored PCRE2 search on the
 * value's text ('^kworker/'). "&&", "||" and "!" are synonyms of and, or,
 * not. A row lacking a field fails every test on it but != and !~.
 * Examples: "order>=3 and gfp has __GFP_COMP", "name ~ '^kworker/'",
 * "pfn=0x100000..0x1fffff", "not mod=vmlinux", "frame ~ 'xfs_|ext4_'".
 *
 * Returns 0, PGS_E_FILTER with *err filled (err may be NULL), -ENOMEM.
 * Filters keep per-string answers between rows, so one query must not be
 * run on two threads at once when it has filters.
 */
PGS_API int pgs_query_add_filter(struct pgs_query *q, const char *expr,
				 struct pgs_filter_error *err);

/*
 * Select rows whose page is on a NUMA node in nodelist, in the kernel's
 * nodelist syntax ("0,2-3"). Rows without a node (dumps before v5.13, no
 * PFN line) are dropped. Repeated calls add to the list. Returns 0,
 * -EINVAL (malformed list), -ENOMEM.
 */
PGS_API int pgs_query_select_node(struct pgs_query *q, const char *nodelist);

/*
 * Compare and print frames without "+0xoff/0xsize" (and bracketed
 * addresses), so that stacks of two builds of one kernel match by symbol
 * names. Applies to the stacktrace, stack, callsite and frame keys.
 */
PGS_API void pgs_query_set_strip_offsets(struct pgs_query *q, int on);

/*
 * Bytes per base page for the bytes key (default 4096). -EINVAL for 0.
 * Any other value is taken (the CLI's --page-size takes powers of two
 * from 4 KiB to 1 GiB); pgs_query_run() fails with -EOVERFLOW when the
 * bytes would not fit in 64 bits.
 */
PGS_API int pgs_query_set_page_size(struct pgs_query *q, uint64_t bytes);

/*
 * Keep only groups of at least min_pages pages (0: all), then only the
 * first top groups in sort order (0: all). The result's records and pages
 * still count every selected row.
 */
PGS_API void pgs_query_set_min_pages(struct pgs_query *q, uint64_t min_pages);
PGS_API void pgs_query_set_top(struct pgs_query *q, size_t top);

/*
 * The callsite key is a stack's first frame whose symbol does not match
 * pattern (PCRE2, matched against the symbol without offset or module).
 * NULL restores the default, PGS_CALLSITE_SKIP_DEFAULT: the page
 * allocator's own functions. Returns 0, PGS_E_FILTER (the pattern does not
 * compile), -ENOMEM.
 */
#define PGS_CALLSITE_SKIP_DEFAULT \
	"^(post_alloc_hook|prep_new_page|get_page_from_freelist|_*alloc_pages.*" \
	"|_*folio_alloc.*|_*alloc_frozen_pages.*|_*get_free_pages.*|_*get_zeroed_page.*" \
	"|vma_alloc_folio.*|alloc_page_interleave|__alloc_pages_slowpath.*)$"
PGS_API int pgs_query_set_callsite_skip(struct pgs_query *q, const char *pattern);

/*
 * Threads pgs_query_run() may use to group a large table; 0 (the default):
 * the online CPUs. The result is the same for any value.
 */
PGS_API void pgs_query_set_threads(struct pgs_query *q, unsigned threads);

/* The result of a query: groups in sort order. Holds no pointer into q. */
struct pgs_result;

/*
 * Run q on t. Returns 0 and a new result in *out, or PGS_E_NOFIELD when a
 * key needs a field the table lacks (free_ts on a dump without it),
 * -EOVERFLOW when the table's pages times the page size
 * (pgs_query_set_page_size()) do not fit in 64 bits, so that the bytes of
 * a group could not be told (0.3; before, they wrapped), -ENOMEM.
 * The result borrows t: free the result before the table. Its memory, and
 * what pgs_result_write() allocates for it, comes from t's allocator.
 */
PGS_API int pgs_query_run(const struct pgs_query *q, const struct pgs_table *t,
			  struct pgs_result **out);
PGS_API void pgs_result_free(struct pgs_result *r);

/* Number of groups. 0 for NULL. */
PGS_API size_t pgs_result_count(const struct pgs_result *r);

/* One group: counts plus the values of its first row (in input order). */
struct pgs_group {
	size_t sz;
	uint64_t times;		/* rows (blocks) in the group */
	uint64_t pages;		/* base pages over those rows */
	size_t first_row;	/* row index of the first member */
	int32_t pid, tgid;
	uint32_t comm;		/* string id */
	uint32_t stacktrace;	/* string id */
	uint32_t allocator;	/* PGS_ALLOC_* */
	uint64_t ts_min;	/* earliest ts in the group */
	uint64_t free_ts;	/* of the first row */
};

/* Fill *g with group i in sort order. Returns 0 or -ERANGE. */
PGS_API int pgs_result_group(const struct pgs_result *r, size_t i,
			     struct pgs_group *g);

/* A key's value for a group; see pgs_result_value(). */
enum pgs_value_type {
	PGS_VALUE_NULL = 0,	/* the group's rows lack the field */
	PGS_VALUE_UINT,		/* u */
	PGS_VALUE_INT,		/* i (pid, tgid, node, zone) */
	PGS_VALUE_STRING,	/* str, len */
};

struct pgs_value {
	size_t sz;
	enum pgs_value_type type;
	uint64_t u;
	int64_t i;
	/*
	 * The text: a string key's value, and also set for gfp (its names),
	 * migratetype and block_migratetype (their names). Points into the
	 * table (valid until pgs_table_free()) or to static storage; not
	 * NUL-terminated for texts that may hold NUL: use len.
	 */
	const char *str;
	size_t len;
};

/*
 * The value of key (short or long name) for group i in sort order: for
 * times, pages and bytes the group's totals, for alloc_ts its earliest ts,
 * otherwise the value of the group's first row (every row of a group has
 * the same value for each cull key). allocator is PGS_VALUE_UINT with
 * PGS_ALLOC_* bits. Returns 0, -ERANGE (no group i), PGS_E_KEY (no such
 * key, or txt/frame, which have no single value).
 */
PGS_API int pgs_result_value(const struct pgs_result *r, size_t i, const char *key,
			     struct pgs_value *v);

/*
 * Rows and pages that passed the selection: pgs_query_select_*(), filters,
 * pgs_query_select_node() and pgs_query_select_unreleased() (not top or
 * min_pages, which only drop groups).
 */
PGS_API uint64_t pgs_result_records(const struct pgs_result *r);
PGS_API uint64_t pgs_result_pages(const struct pgs_result *r);

/* ------------------------------------------------------------------------ */
/* Error detail                                                              */

/*
 * Why a query setter refused its argument, or a query or a diff refused to
 * run, beyond the error code: where in the argument, which key, given how,
 * lacks which field in which input, and what was expected. (Since
 * libpgsort 0.3; the setters, offset and length since 0.4.)
 *
 *	struct pgs_error_detail e = PGS_INIT(pgs_error_detail);
 *
 *	pgs_query_set_error_detail(q, &e);
 *	if (pgs_query_run(q, t, &r) == PGS_E_NOFIELD)
 *		fprintf(stderr, "%s %s\n", e.key, e.message);
 *		// "pid needs the pid of each block; show_stacks input has
 *		//  only stacks and their pages"
 */
enum pgs_origin {
	PGS_ORIGIN_NONE = 0,	/* not about one key */
	PGS_ORIGIN_CULL,	/* pgs_query_set_cull(), or a diff's default stacktrace */
	PGS_ORIGIN_SORT,	/* pgs_query_add_sort(), pgs_diff_opts.sort */
	PGS_ORIGIN_FILTER,	/* pgs_query_add_filter() */
	PGS_ORIGIN_SELECT,	/* pgs_query_select_pid/tgid/name/module/node() */
	PGS_ORIGIN_UNRELEASED,	/* pgs_query_select_unreleased(): key free_ts */
};

struct pgs_error_detail {
	size_t sz;
	int code;		/* the error the call returned */
	/* pgs_diff_run(): 1 when about before, 2 when about after; else 0. */
	int input;
	enum pgs_kind kind;	/* the input's kind (PGS_KIND_UNKNOWN: none) */
	const char *era;	/* its era as in pgs_table_info(), NULL: none */
	const char *key;	/* long name of the key at fault, NULL: none */
	enum pgs_origin origin;	/* how the key was given */
	const char *field;	/* the record field it needs ("pid", "comm", "free_ts") */
	/*
	 * One line, no trailing newline, to follow the key's name: "needs the
	 * free_ts of each block, which only dumps of kernels 5.14-6.6 have;
	 * this page_owner dump is of era H". Not about a key: a whole sentence.
	 * It says what was expected.
	 */
	char message[224];
	/* Fields below: 0.4. */
	/*
	 * Where in the failing setter's string argument (the key list, the
	 * selection list, the filter expression, the callsite pattern;
	 * pgs_diff_opts.sort for pgs_diff_run()) the fault is: a byte offset,
	 * and the length of the item at fault there (0: the fault is at that
	 * byte, not an item). PGS_OFFSET_NONE when the fault is in no string
	 * argument (a run's missing field: see key and origin).
	 */
	size_t offset;
	size_t length;
};

#define PGS_OFFSET_NONE ((size_t)-1)	/* pgs_error_detail.offset: in no argument */

/*
 * Have q's setters and runs fill *detail when they fail (detail NULL:
 * stop). The pointer is kept: detail must outlive q's use, and a query
 * with a detail must not be run by two threads at once. Filled on failure
 * only, code always, message always (the strings are static storage):
 *  - pgs_query_set_cull(), pgs_query_add_sort(): PGS_E_KEY with origin
 *    CULL or SORT, offset and length of the item at fault, key when it is
 *    a key that cannot group (sort), NULL for an unknown or empty one
 *    (the message quotes it) (0.4);
 *  - pgs_query_select_pid(), _tgid(), _node(): -EINVAL, origin SELECT,
 *    key pid, tgid or node, offset and length of the item (0.4);
 *  - pgs_query_add_filter(): PGS_E_FILTER, origin FILTER, offset and the
 *    message as in pgs_filter_error (0.4);
 *  - pgs_query_set_callsite_skip(): PGS_E_FILTER, key callsite, offset in
 *    the pattern and PCRE2's reason; pgs_query_set_page_size(0): -EINVAL,
 *    key bytes (0.4);
 *  - any setter given a NULL string: -EINVAL, its origin (0.4);
 *  - pgs_query_run(): PGS_E_NOFIELD (key, origin, field, kind, era; the
 *    first key at fault in the order cull, sort, unreleased, filters,
 *    selections); -EOVERFLOW (kind, era, the message); -ENOMEM (0.4);
 *  - pgs_diff_run(): the same with input 1 or 2; PGS_E_KEY (a
 *    boot-dependent key: key and origin; an unknown diff sort key: origin
 *    SORT, the message names it, offset and length in pgs_diff_opts.sort
 *    (0.4)); -EINVAL for tables of different kinds (kind is after's, the
 *    message names both); -ENOMEM (0.4).
 * offset is PGS_OFFSET_NONE when the fault is in no string argument.
 * Before 0.4 the setters left the detail alone: check pgs_version_number().
 */
PGS_API void pgs_query_set_error_detail(struct pgs_query *q, struct pgs_error_detail *detail);

/* ------------------------------------------------------------------------ */
/* Output                                                                    */

/*
 * JSON's groups, ndjson's lines and CSV's rows hold the same fields:
 * "times" ("stacks" for the page_owner_stacks files, which have no blocks:
 * the records in the group; since 0.3), "pages", "bytes" (pages x the
 * query's page size; in JSON since
 * 0.2), then one per cull key under its long name ("gfp" adds
 * "gfp_names"; a page_owner "stacktrace" holds the frames alone and is
 * followed by the lines printed after them: "handle" when the dump has
 * them, "migrate_reason", "slab_cache_page", "memcg", "memcg_objcg",
 * "memcg_offline", unless a cull key already), or without a cull
 * "allocator" and "txt" (page_owner) or
 * "handle" and "stacktrace" (page_owner_stacks files). ndjson: a group's
 * JSON object per line, nothing else. CSV: a header row, CRLF rows,
 * unquoted numbers, true/false, a null as an empty field and an empty text
 * as "", multi-line texts as their lines (leading blanks cut) joined by
 * ';', quotes only around fields with , " CR or LF; bytes as in the dump.
 */
enum pgs_format {
	PGS_FORMAT_TEXT = 0,	/* page_owner_sort's text */
	PGS_FORMAT_JSON,	/* one JSON document */
	PGS_FORMAT_NDJSON,	/* one JSON object per group, one per line (0.2) */
	PGS_FORMAT_CSV,		/* RFC 4180 with a header row (0.2) */
	PGS_FORMAT_FOLDED,	/* FlameGraph folded stacks (0.2) */
	PGS_FORMAT_PPROF,	/* gzipped profile.proto (0.2) */
	PGS_FORMAT_SVG,		/* self-contained interactive flame graph (0.2) */
	PGS_FORMAT_HTML,	/* the flame graph and the top groups in one page (0.2) */
};

/*
 * A format's name, as pgsort's --format takes it: "text", "json", "ndjson",
 * "csv", "folded", "pprof", "svg", "html" (static storage), or NULL for a
 * value that is no format: counting up from 0 until NULL lists them all,
 * newer ones included (0.3).
 */
PGS_API const char *pgs_format_name(enum pgs_format format);

/*
 * The format named name (exactly, lower case, as pgs_format_name() gives
 * it) in *out. Returns 0, or -EINVAL for an unknown or NULL name (*out is
 * left alone) (0.3).
 */
PGS_API int pgs_format_from_name(const char *name, enum pgs_format *out);

/* What a flame graph's or folded stack's width counts (0.2). */
enum pgs_weight {
	PGS_WEIGHT_PAGES = 0,	/* base pages (default) */
	PGS_WEIGHT_TIMES,	/* blocks */
	PGS_WEIGHT_BYTES,	/* pages times the query's page size */
};

/* pgs_write_opts.flags (0.2) */
#define PGS_WRITE_HUMAN		(1u << 0)	/* text: " (1.5 MiB)" after pages */
#define PGS_WRITE_ICICLE	(1u << 1)	/* svg/html: root at the top */
#define PGS_WRITE_KEEP_OFFSETS	(1u << 2)	/* folded/svg/html/pprof: keep +0xoff/0xsize */
/*
 * svg/html: colour frames by allocator (SLAB, VMALLOC, CMA, OTHERS, mixed:
 * of the stacks through the frame) instead of by module (the default:
 * vmlinux warm, each module a hue of its own). Colours are hashes of names.
 */
#define PGS_WRITE_COLOR_ALLOCATOR	(1u << 3)

/*
 * Where output goes: called with consecutive pieces of the report. Return 0
 * to go on, non-zero to stop (the write call then returns PGS_E_WRITE).
 */
typedef int (*pgs_write_fn)(const void *buf, size_t len, void *user);

struct pgs_write_opts {
	size_t sz;
	enum pgs_format format;
	/* JSON only: the "input" object's name; default "-". */
	const char *input_name;
	/* Fields below: 0.2. */
	unsigned flags;			/* PGS_WRITE_* */
	enum pgs_weight weight;		/* folded, pprof's default sample, svg, html */
	const char *title;		/* svg/html title; default: the input's name */
};

/*
 * Write the report of r through sink, in one or more calls. Returns 0,
 * PGS_E_WRITE when the sink failed (the report is then incomplete),
 * -ENOMEM, -EINVAL.
 */
PGS_API int pgs_result_write(const struct pgs_result *r,
			     const struct pgs_write_opts *opts,
			     pgs_write_fn sink, void *user);

/* ------------------------------------------------------------------------ */
/* Snapshot diff                                                             */

/*
 * What grew between two snapshots: the same query run on a table read
 * before and one read after, groups matched across the two by the values
 * of their cull keys, and per group pages and times before, after and the
 * difference. (Since libpgsort 0.2, symbol version LIBPGSORT_0.2.)
 *
 *	struct pgs_diff *d = NULL;
 *	struct pgs_diff_group g = PGS_INIT(pgs_diff_group);
 *
 *	pgs_query_set_cull(q, "stacktrace");
 *	if (pgs_diff_run(q, before, after, NULL, &d) == 0 &&
 *	    pgs_diff_group(d, 0, &g) == 0)
 *		printf("%+lld pages\n", (long long)g.pages_delta);
 *	pgs_diff_free(d);
 *
 * Two groups match when every cull key has the same value in both: the
 * same text for strings (task names, stacks, module names...), the same
 * number otherwise; never by string id, which means something only within
 * one table. With pgs_query_set_strip_offsets() stacks compare without
 * "+0xoff/0xsize", so stacks of two builds of one kernel match by symbol
 * names. A query without cull keys groups by stacktrace here (the whole
 * block text, the query's default, holds pids and time stamps, which
 * rarely repeat from one snapshot to the next). Keys whose values mean
 * something only within one boot (pgs_key_info(): PGS_KEY_BOOT; handle,
 * pfn, alloc_ts, free_ts) are refused as cull and sort keys unless the
 * options say both tables come from the same boot (filters may test them:
 * they only select each table's rows).
 *
 * Everything else of the query applies to both tables alike: selections,
 * filters, the callsite pattern, the page size, threads. Its top and
 * min_pages apply to the diff's groups: min_pages keeps the groups whose
 * pages changed by at least that many (|pages_delta| >= min_pages), then
 * top keeps the first top of them in sort order.
 *
 * Sort: by the options' sort keys, else by the query's, else by growth
 * ("-pages_delta"). Diff sort keys are the query's sort keys, each on the
 * value of the group's first row in AFTER (in BEFORE for a group that
 * vanished), plus pages_before, pages_after, pages_delta, times_before,
 * times_after and times_delta; times, pages and bytes stand for their
 * deltas. Ties are broken by -pages_delta, then -times_delta, then the
 * order of first appearance: AFTER's groups first, then those only in
 * BEFORE.
 */
struct pgs_diff;

/* pgs_diff_opts.flags */
#define PGS_DIFF_SAME_BOOT	(1u << 0)	/* allow PGS_KEY_BOOT keys */

struct pgs_diff_opts {
	size_t sz;
	unsigned flags;		/* PGS_DIFF_* */
	/*
	 * Comma-separated diff sort keys ("-pages_after,name"), in place of
	 * the query's; NULL: the query's. Copied by pgs_diff_run().
	 */
	const char *sort;
};

/*
 * Run q on before and on after and match their groups. Returns 0 and a new
 * diff in *out (free it with pgs_diff_free()), or: -EINVAL (a NULL
 * argument, opts->sz too small, or since 0.3 tables of different kinds:
 * blocks of a page_owner dump and records of a page_owner_stacks file do
 * not count the same things); PGS_E_KEY when a cull or sort key is
 * boot-dependent (PGS_KEY_BOOT) and PGS_DIFF_SAME_BOOT is not set, or a
 * sort key of opts->sort is unknown; PGS_E_NOFIELD when a key needs a field
 * one of the tables lacks; -ENOMEM. The diff borrows both tables: free it
 * before them. It holds no pointer into q or opts. Its memory, its two
 * results' and pgs_diff_write()'s come from after's allocator (and from
 * before's for the BEFORE result).
 */
PGS_API int pgs_diff_run(const struct pgs_query *q, const struct pgs_table *before,
			 const struct pgs_table *after, const struct pgs_diff_opts *opts,
			 struct pgs_diff **out);
PGS_API void pgs_diff_free(struct pgs_diff *d);

/* Number of groups shown (after min_pages and top). 0 for NULL. */
PGS_API size_t pgs_diff_count(const struct pgs_diff *d);

enum pgs_diff_status {
	PGS_DIFF_BOTH = 0,	/* in both tables */
	PGS_DIFF_NEW,		/* only in after */
	PGS_DIFF_GONE,		/* only in before (vanished) */
};

/* One group of a diff. The deltas are after minus before. */
struct pgs_diff_group {
	size_t sz;
	uint64_t pages_before, pages_after;
	int64_t pages_delta;
	uint64_t times_before, times_after;
	int64_t times_delta;
	enum pgs_diff_status status;
};

/*
 * Fill *g with group i in sort order (0 <= i < pgs_diff_count()).
 * Returns 0 or -ERANGE. Initialise g with PGS_INIT(pgs_diff_group).
 */
PGS_API int pgs_diff_group(const struct pgs_diff *d, size_t i,
			   struct pgs_diff_group *g);

/*
 * Totals over every row the query selected in each table (every group,
 * shown or not); status is PGS_DIFF_BOTH. Returns 0 or -EINVAL.
 */
PGS_API int pgs_diff_totals(const struct pgs_diff *d, struct pgs_diff_group *g);

/*
 * The value of key for group i in sort order, as pgs_result_value() gives
 * it for the group's first row in after (in before for a PGS_DIFF_GONE
 * group): every cull key has that value on both sides. times, pages and
 * bytes give the deltas (PGS_VALUE_INT); pages_before, pages_after,
 * times_before, times_after (PGS_VALUE_UINT) and pages_delta, times_delta
 * (PGS_VALUE_INT) are accepted too. Strings point into the table the value
 * comes from. Returns 0, -ERANGE (no group i), PGS_E_KEY (no such key, or
 * txt/frame).
 */
PGS_API int pgs_diff_value(const struct pgs_diff *d, size_t i, const char *key,
			   struct pgs_value *v);

/*
 * Write the diff through sink. Formats:
 *  - PGS_FORMAT_TEXT: per group "+N pages (+M times) [new]: A -> B pages,
 *    C -> D times" then the cull keys as the text report prints them, and
 *    a "Total:" line at the end;
 *  - Page_owner_stacks inputs count stacks, not blocks: "stacks" for
 *    "times" in the text and the JSON and CSV names below (since 0.3).
 *  - PGS_FORMAT_JSON: {"pgsort", "before": {input}, "after": {input},
 *    "cull", "sort", "totals", "groups": [...]}, each group with "status"
 *    ("both", "new", "gone"), its cull keys as in the JSON report, and
 *    pages_before, pages_after, pages_delta, times_before, times_after,
 *    times_delta;
 *  - PGS_FORMAT_NDJSON: those group objects, one per line;
 *  - PGS_FORMAT_CSV: a header row "status,pages_before,pages_after,
 *    pages_delta,times_before,times_after,times_delta," then the CSV
 *    report's columns, one row per group;
 *  - PGS_FORMAT_FOLDED: FlameGraph's difffolded form (difffolded.pl,
 *    flamegraph.pl's two-column input): the folded report's stacks
 *    ("KEY:VALUE" pseudo frames for the cull keys but the stack, then the
 *    frames from the outermost in, without offsets unless
 *    PGS_WRITE_KEEP_OFFSETS), each followed by its weight (opts->weight)
 *    before and after; groups with the same stack are summed;
 *  - PGS_FORMAT_SVG: a differential flame graph of those stacks: widths
 *    after, red where a frame grew, blue where it shrank; opts->title
 *    (default "BEFORE -> AFTER"), PGS_WRITE_ICICLE.
 * The input names are those given when the tables were parsed
 * (opts->input_name is not used). Returns 0, PGS_E_WRITE (the sink
 * failed), -ENOMEM, -EINVAL (a NULL d or sink, an unknown format or
 * weight), -ENOTSUP (PGS_FORMAT_PPROF, PGS_FORMAT_HTML).
 */
PGS_API int pgs_diff_write(const struct pgs_diff *d, const struct pgs_write_opts *opts,
			   pgs_write_fn sink, void *user);

/* ------------------------------------------------------------------------ */
/* Time series                                                               */

/*
 * Many snapshots in order: the same query run on each, groups matched
 * across all of them by the values of their cull keys (as pgs_diff_run()
 * matches two), and per group its pages at every sample, first, last, min,
 * max, growth and a leak score. (Since libpgsort 0.4, LIBPGSORT_0.4.)
 *
 *	struct pgs_series *s = NULL;
 *	struct pgs_series_group g = PGS_INIT(pgs_series_group);
 *
 *	pgs_series_create(&s, q, NULL);
 *	for (i = 0; i < n; i++)			// tables in capture order
 *		pgs_series_add(s, table[i], epoch_seconds[i]);
 *	if (pgs_series_finish(s) == 0 && pgs_series_group(s, 0, &g) == 0)
 *		printf("score %.2f, %+.0f pages/h\n", g.score, g.growth_per_hour);
 *	pgs_series_free(s);
 *
 * The series keeps what it needs of each table (the groups' key values and
 * pages): a table may be freed as soon as pgs_series_add() returns, so a
 * series of a thousand dumps holds one dump at a time.
 *
 * A query without cull keys groups by stacktrace, as a diff does; boot-only
 * keys (handle, pfn, alloc_ts, free_ts) are refused unless
 * PGS_SERIES_SAME_BOOT. Selections and filters apply to each table; top and
 * min_pages (groups whose max over the samples reaches min_pages) to the
 * series' groups. A group absent from a sample has 0 pages there.
 *
 * The leak score (pgs_series_shape()) is, for a group whose pages rose from
 * the first sample to the last (net = last - first > 0) over at least 3
 * samples, monotonicity x spread, else 0:
 *  - monotonicity = net / (rises + falls), the sums of the sample-to-sample
 *    increases and decreases: 1 when the pages never went down, 0.5 when a
 *    third of what rose came back down; a cache, a burst or a sawtooth that
 *    keeps giving back what it takes scores near 0;
 *  - spread = 1 - (largest single rise / rises): 0 when all the growth came
 *    in one step, 1 - 1/k for k equal steps: a leak grows in many steps.
 * So a steady leak over 60 samples scores about 0.98, one that grew in 4
 * equal steps 0.75, a step 0, anything that ends no higher than it began 0.
 */
struct pgs_series;

/* pgs_series_opts.flags */
#define PGS_SERIES_SAME_BOOT	(1u << 0)	/* allow PGS_KEY_BOOT cull keys */

struct pgs_series_opts {
	size_t sz;
	unsigned flags;		/* PGS_SERIES_* */
	/*
	 * Comma-separated sort keys, each with an optional '-' (descending)
	 * or '+': score, growth (net pages: last - first), first, last, min,
	 * max. NULL: "-score,-growth". Scores compare to two decimals, as
	 * printed, so that scores that look equal go by the next key. Ties:
	 * -growth, then first appearance.
	 */
	const char *sort;
};

/*
 * A new, empty series of q's groups in *out. q is borrowed: it must
 * outlive the series and not change while samples are added. Returns 0, -EINVAL (NULL q or out, opts->sz too
 * small), PGS_E_KEY (a boot-only cull key without PGS_SERIES_SAME_BOOT, an
 * unknown sort key), -ENOMEM.
 */
PGS_API int pgs_series_create(struct pgs_series **out, const struct pgs_query *q,
			      const struct pgs_series_opts *opts);
PGS_API void pgs_series_free(struct pgs_series *s);

/*
 * Add t as the next sample, captured at time seconds (any epoch, the same
 * for every sample; NAN when unknown). Samples are kept in the order they
 * are added. Returns 0, -EINVAL (t of another kind than the first sample's:
 * blocks and stacks do not count the same things), -ENOTSUP (see
 * pgs_series_add_stacks()), PGS_E_NOFIELD (a key
 * needs a field t lacks), PGS_E_STATE (after pgs_series_finish()),
 * -EOVERFLOW, -ENOMEM. Nothing of t is kept.
 */
PGS_API int pgs_series_add(struct pgs_series *s, const struct pgs_table *t, double time);

/*
 * Give the handles of show_handles samples added from now on their frames
 * from map, a show_stacks_handles file (call it again for more maps: a
 * handle is looked up in each, in order), as pgs_table_join_stacks() would,
 * but once per handle for the whole series instead of once per row of each
 * sample: a series of a thousand show_handles reads each stack once. map is
 * borrowed until the last pgs_series_add(). It applies when the series
 * groups by stacktrace alone (pgs_query_set_strip_offsets() allowed) without
 * filters or selections, which need each row's stack: pgs_series_add() of a
 * show_handles table otherwise returns -ENOTSUP (join the table instead).
 * Returns 0, -EINVAL (map NULL or not show_stacks_handles), PGS_E_STATE
 * (after the first sample), -ENOMEM.
 */
PGS_API int pgs_series_add_stacks(struct pgs_series *s, const struct pgs_table *map);

/*
 * Work out every group's figures, sort them and apply top and min_pages.
 * Returns 0, PGS_E_EMPTY (no sample), -ENOMEM. Later calls do nothing.
 */
PGS_API int pgs_series_finish(struct pgs_series *s);

/* Samples added, and groups shown after pgs_series_finish() (0 before). */
PGS_API size_t pgs_series_samples(const struct pgs_series *s);
PGS_API size_t pgs_series_count(const struct pgs_series *s);

/* The shape of one series of pages, as pgs_series_shape() tells it. */
struct pgs_series_group {
	size_t sz;
	uint64_t first, last, min, max;
	int64_t growth;			/* last - first */
	uint64_t rises, falls;		/* sums of the increases and decreases */
	uint64_t max_rise;		/* largest increase from one sample to the next */
	double monotonicity, spread;	/* see above; 0 when growth <= 0 */
	double score;			/* monotonicity x spread, 0 .. 1 */
	/* growth per hour from the first and last samples' times; NAN: unknown */
	double growth_per_hour;
	double growth_per_sample;	/* growth / (samples - 1); 0 for one sample */
};

/*
 * The shape of pages[0..n) (times[0..n) in seconds, or NULL / any NAN:
 * unknown) into *g: the score of a series that does not come from tables.
 * Returns 0 or -EINVAL (NULL pages or g).
 */
PGS_API int pgs_series_shape(const uint64_t *pages, const double *times, size_t n,
			     struct pgs_series_group *g);

/* Group i in sort order (0 <= i < pgs_series_count()). Returns 0 or -ERANGE. */
PGS_API int pgs_series_group(const struct pgs_series *s, size_t i, struct pgs_series_group *g);

/* Group i's pages at each sample: pgs_series_samples() values. NULL: no group i. */
PGS_API const uint64_t *pgs_series_pages(const struct pgs_series *s, size_t i);

/* Sample j's time as added (NAN: unknown) and its pages over every group. */
PGS_API int pgs_series_sample(const struct pgs_series *s, size_t j, double *time,
			      uint64_t *pages);

/*
 * The value of cull key (short or long name) for group i: numbers as
 * PGS_VALUE_UINT or PGS_VALUE_INT, strings (stacks with their frames one a
 * line, names) as PGS_VALUE_STRING pointing into the series. Returns 0,
 * -ERANGE, PGS_E_KEY (not one of the series' cull keys).
 */
PGS_API int pgs_series_value(const struct pgs_series *s, size_t i, const char *key,
			     struct pgs_value *v);

/* pgs_write_opts.flags for a series: the text's sparkline in ASCII */
#define PGS_WRITE_ASCII		(1u << 4)
/* pgs_write_opts.flags for a series: svg/html as stacked areas, not lines */
#define PGS_WRITE_STACKED	(1u << 5)

/*
 * Write the series through sink:
 *  - PGS_FORMAT_TEXT: per group "score S (M x P), growth +G pages (+B),
 *    +R pages/h (+B/h)" (or pages/sample without times), "first F,
 *    last L, min m, max M", its sparkline (one character per sample, or per
 *    bucket of samples past 60; "▁▂▃▄▅▆▇█" from the group's min to its max,
 *    " .:-=+*#" with PGS_WRITE_ASCII), then its cull keys, stack frames
 *    one a line;
 *  - PGS_FORMAT_JSON: {"pgsort", "samples": [{"index", "time", "pages"}],
 *    "cull", "groups": [{"score", "monotonicity", "spread", "growth",
 *    "growth_per_hour", "growth_bytes_per_hour", "growth_per_sample", "first",
 *    "last", "min",
 *    "max", the cull keys, "pages": [...]}]};
 *  - PGS_FORMAT_NDJSON and PGS_FORMAT_CSV: long rows, one per group and
 *    sample, groups in report order: "group" (its rank from 0), "sample"
 *    (index from 0), "time" (null when unknown), "pages", "bytes", "score",
 *    then the cull keys (a stack's frames joined by ';' in CSV);
 *  - PGS_FORMAT_SVG: a line chart of the first 12 groups, pages over time
 *    (over samples when a time is unknown), no script: each line and point
 *    has a <title> (hover text); opts->title; PGS_WRITE_STACKED: stacked
 *    areas, group 1 at the bottom, each point at the top of its band;
 *  - PGS_FORMAT_HTML: that chart and a table of every group shown.
 * Returns 0, PGS_E_STATE (before pgs_series_finish()), PGS_E_WRITE,
 * -ENOMEM, -EINVAL, -ENOTSUP (PGS_FORMAT_FOLDED, PGS_FORMAT_PPROF).
 */
PGS_API int pgs_series_write(const struct pgs_series *s, const struct pgs_write_opts *opts,
			     pgs_write_fn sink, void *user);
/*
 * Live capture (0.4, symbol version LIBPGSORT_0.4): a snapshot of the
 * running kernel's page_owner files, as `pgsort record` takes it.
 *
 * A snapshot file is zstd: `zstd -dc FILE` gives the kernel's text exactly
 * as it was read (the selected records, in the kernel's order). pgsort's
 * own parts are zstd skippable frames, which zstd -dc skips: the metadata
 * ("pgsort-snapshot 1\n" then "key: value\n" lines: host, kernel,
 * boot_id, time, uptime, source, mode, asked, filtered_by, kernel_refused)
 * before the data; after it, in handle modes, the show_stacks_handles text
 * read just after the dump ("pgsort-stacks-handles 1\n" then that text as
 * a zstd frame of its own), then more metadata ("pgsort-snapshot-end 1\n":
 * end_time, end_uptime, records, bytes, read_bytes, stacks_handles). Every
 * pgs_table_open_*() call reads a snapshot as the dump it holds, gives its
 * handles their frames from its show_stacks_handles part (as
 * pgs_table_join_stacks()), and keeps its metadata (pgs_table_snapshot()).
 */
enum pgs_record_source {
	PGS_RECORD_PAGE_OWNER = 0,	/* /sys/kernel/debug/page_owner */
	/* page_owner_stacks/show_handles (and show_stacks_handles): a few KB;
	 * without it show_stacks, without that page_owner (warnings say so). */
	PGS_RECORD_SHOW_HANDLES = 1,
	PGS_RECORD_SHOW_STACKS = 2,	/* page_owner_stacks/show_stacks, else page_owner */
};

/*
 * pgs_record_opts.flags: never write the selection to the kernel; read the
 * full dump and select its records here (the records are the same).
 */
#define PGS_RECORD_NO_KERNEL_FILTER 0x1u

struct pgs_record_opts {
	size_t sz;
	const char *debugfs;	/* where debugfs is mounted; NULL: /sys/kernel/debug */
	enum pgs_record_source source;
	/* page_owner only: "stack" (NULL), "handle", "stack_handle" */
	const char *mode;
	/* page_owner only, NULL for all: a node list ("0", "0,2-3"), pid and
	 * tgid lists ("1,42", at most 16 each). A record is selected when its
	 * page's node (its flags' node=) is in the node list, its pid in the pid
	 * list and its tgid in the tgid list, for each list given: the rule of
	 * the kernel's per-fd filters. */
	const char *nodes;
	const char *pids;
	const char *tgids;
	unsigned flags;		/* PGS_RECORD_* */
	pgs_diag_fn diag;	/* what was read and how, errors with their cause */
	void *diag_user;
	int diag_level;		/* as pgs_parse_opts.diag_level */
	const struct pgs_allocator *allocator;
	int level;		/* zstd level; 0: 3 */
	/* pgs_record_series() only: a sample every every_ms milliseconds,
	 * count samples (0: no limit), for for_ms milliseconds (0: no limit),
	 * until *stop is set (a signal handler may set it; NULL: never). */
	uint64_t every_ms;
	uint64_t count;
	uint64_t for_ms;
	const volatile int *stop;
};

struct pgs_record_info {
	size_t sz;
	const char *source;	/* the file read ("page_owner", "page_owner_stacks/show_handles", ...) */
	const char *mode;	/* mode of its records ("stack" when the kernel refused another); "-" */
	/* 1: the kernel applied the whole selection; 0: some or all of it was
	 * applied here (the diagnostics and the metadata say which); -1: none asked. */
	int kernel_filtered;
	uint64_t bytes;		/* kernel text in the snapshot */
	uint64_t read_bytes;	/* kernel text read */
	uint64_t records;	/* records in the snapshot */
	uint64_t dict_bytes;	/* show_stacks_handles text kept (0: none) */
	uint64_t written;	/* bytes written to fd */
	uint64_t samples;	/* pgs_record_series(): samples written */
	uint64_t errors;	/* pgs_record_series(): samples lost to read errors */
};

/*
 * Take one snapshot and write it to fd (a file, a pipe). The selection is
 * written to page_owner (opened read-write, one token per write: mode=,
 * nid=, pid=, tgid=); what the kernel refuses (the open for writing with
 * EACCES or EPERM: a kernel without per-fd filters; a token with EINVAL)
 * is applied here to the full dump, and a PGS_DIAG_WARN diagnostic and the
 * metadata (filtered_by, kernel_refused) say so. A file not on debugfs (a
 * copied tree) is never written to. Returns 0, -EINVAL (bad options or
 * lists, filters with a stacks source), -ENOENT (debugfs not mounted,
 * page_owner not enabled: a PGS_DIAG_ERROR diagnostic says which and how
 * to enable it), -EACCES (not root), another -errno of a read or of the
 * write to fd, -ENOMEM. On failure part of the snapshot may have been
 * written.
 */
PGS_API int pgs_record(int fd, const struct pgs_record_opts *opts,
		       struct pgs_record_info *info);

/*
 * Sample opts->source (say PGS_RECORD_SHOW_HANDLES: a few KB each) every
 * opts->every_ms into one series file on fd: a skippable header frame
 * ("pgsort-series 1\n" then host, kernel, boot_id, time, uptime,
 * every_ms), then one snapshot per sample, as pgs_record() writes them
 * (its metadata has "sample: N"), each in one write(), so that the file is
 * valid after every sample (a crash loses at most the sample being
 * written). show_stacks_handles goes into a sample only when the sample
 * names handles no earlier one resolved. A sample that fails to read
 * (after the first) is counted in info->errors, reported as a
 * PGS_DIAG_WARN diagnostic, and the next one is taken. Returns 0 when
 * count, for_ms or *stop ended it, else as pgs_record(); -EINVAL without
 * every_ms. pgs_table_open_file() reads a series file as its last whole
 * sample, and "FILE@N" as sample N (from 1).
 */
PGS_API int pgs_record_series(int fd, const struct pgs_record_opts *opts,
			      struct pgs_record_info *info);

/*
 * A snapshot's metadata ("key: value\n" lines, those of pgs_record()),
 * or NULL when t was not read from a snapshot. Valid while t is.
 */
PGS_API const char *pgs_table_snapshot(const struct pgs_table *t);

#ifdef __cplusplus
}
#endif

#endif /* PGSORT_PGSORT_H */
