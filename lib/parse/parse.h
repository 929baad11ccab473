/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing a byte range into a table. A range always ends at a record
 * boundary (after a blank line) or at the end of the input, so independent
 * ranges of one input can be parsed separately, each into its own table,
 * and merged.
 */
#ifndef PGS_PARSE_H
#define PGS_PARSE_H

#include "../common.h"
#include "../table/table.h"
#include "fields.h"

/* Warnings delivered one by one before they turn into a summary. */
#define WARN_LIMIT 20

/* A warning held until the end, so that it comes out in input order. */
struct pending_diag {
	uint64_t line, off;
	char msg[240];
};

struct parse_ctx {
	struct pgs_table *t;
	struct pgs_diagctx diag;
	struct pgs_allocator alloc;	/* copy of the caller's hook */
	const struct pgs_allocator *al;	/* &alloc or NULL */
	struct buf scratch;	/* a record's text when it is not contiguous */
	struct buf meta;	/* a new stacktrace being split into frames */
	uint64_t line;		/* lines consumed before the current range */
	uint64_t off;		/* input offset of the current range */
	uint64_t warned;	/* problems seen */
	unsigned nwarn;		/* the first ones, held in warn[] */
	struct pending_diag warn[WARN_LIMIT];
	bool detected;
	/* The ids interned for the previous record (strpool_intern_last). */
	uint32_t last_hdr, last_pfn, last_st;
	/* A log prefix stripped from every line (prefix.c), or NULL. */
	struct prefix *prefix;
	bool owns_prefix;
	void *prefix_md;	/* pcre2_match_data of this thread */
	struct buf unprefixed;	/* the current range without prefixes */
	/* The mapped file being parsed, or NULL (guard.c). */
	struct map_guard *guard;
};

/* ---- a mapped file that may shrink while parsed (input/guard.c) ---- */

struct map_guard {
	const void *base;	/* the mapping */
	size_t len;		/* the file's size when mapped */
	int fd;
	int slot;		/* in the handler's table, -1: not guarded */
	uint64_t fault;		/* lowest offset found gone, UINT64_MAX: none */
};

/*
 * Guard the mapping [base, base + len) of fd: from now on a SIGBUS for a
 * page of it past the file's new end makes that page and the rest of the
 * mapping read as zeros, and is recorded. Installs the SIGBUS handler for
 * the first guarded mapping of the process.
 */
void map_guard_add(struct map_guard *g, const void *base, size_t len, int fd);
/* Stop guarding; the last one out restores the previous handler. */
void map_guard_remove(struct map_guard *g);
/*
 * Whether the file has shrunk (a fault was mended, or fstat shows a size
 * below len); then g->fault is the lowest offset found gone. g may be NULL.
 */
bool map_guard_changed(struct map_guard *g);

/* ---- log prefixes (prefix.c) ---- */

/*
 * The log prefix of buf's first lines into *out (NULL: none). The prefix
 * and its regex come from al, which must outlive it. Returns 0 or -ENOMEM.
 */
int prefix_detect(const struct pgs_allocator *al, const char *buf, size_t len,
		  struct prefix **out);
const char *prefix_name(const struct prefix *px);
void prefix_free(struct prefix *px);
void prefix_match_free(void *md);
/* The current range without its lines' prefixes (in c->unprefixed). */
int prefix_strip(struct parse_ctx *c, const char *buf, size_t len, const char **out,
		 size_t *outlen);


/*
 * Report a problem on one line. The first WARN_LIMIT are kept and delivered
 * by parse_finish() in input order, the rest only counted: the same for any
 * number of threads.
 */
void parse_warn(struct parse_ctx *c, uint64_t line, uint64_t off,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Work out the kind of input from its first records. Returns 0 (kind set in
 * c->t), PGS_E_FORMAT with a diagnostic, or 1 when more input is needed.
 */
int detect_kind(struct parse_ctx *c, const char *buf, size_t len, bool final);

int parse_page_owner(struct parse_ctx *c, const char *buf, size_t len);
int parse_stacks(struct parse_ctx *c, const char *buf, size_t len);

/* Intern a stacktrace text and, when new, its frames and trailers. */
int intern_stacktrace(struct parse_ctx *c, const char *text, size_t len,
		      uint32_t *st_index);

/* Parse one range (see above); final: no more input follows. */
int parse_range(struct parse_ctx *c, const char *buf, size_t len, bool final);

/* End of input: held warnings, summaries, era, empty check. */
int parse_finish(struct parse_ctx *c);

/*
 * Append shard s (the next byte range of the same input) to c: its table,
 * its warnings and its line count. The first shard's table is taken over,
 * not copied (s then holds c's empty one). s is left to be released by the
 * caller.
 */
int parse_absorb(struct parse_ctx *c, struct parse_ctx *s);

/* PGS_PARSE_* flags of opts (0 when unset or opts is older). */
unsigned parse_flags(const struct pgs_parse_opts *opts);

/* The progress callback of opts (NULLs when unset or opts is older). */
void progress_of(const struct pgs_parse_opts *opts, pgs_progress_fn *fn, void **user);

/*
 * The worker threads to use for opts; when opts leaves it to us (0), the
 * online CPUs less `spare` cores left to others, and at least 1.
 */
unsigned parse_threads(const struct pgs_parse_opts *opts, unsigned spare);

/*
 * Parse a whole buffer with worker threads (threads > 1), in ranges of
 * about `range` bytes (0: chosen from len and threads). c's kind must be
 * detected already.
 */
int parse_mem_parallel(struct parse_ctx *c, const char *buf, size_t len,
		       const struct pgs_parse_opts *opts, unsigned threads, bool release,
		       size_t range);
/*
 * Read src (input/decompress.h: a descriptor, plain or compressed, or
 * compressed memory) to its end: a thread of its own reads, `threads`
 * workers (1 or more) parse, the calling thread joins their shards in
 * input order.
 */
struct src;
int parse_src_parallel(struct parse_ctx *c, struct src *src, const struct pgs_parse_opts *opts,
		       unsigned threads);

/* End of the last complete record in b[0..len) (just after a blank line), 0 if none. */
size_t last_record_end(const char *b, size_t len);

/*
 * Copy the lines of [p, end) for which keep() holds into c->scratch, each
 * without "\r" and ending in "\n": a record's text when it is not one
 * contiguous span of the input. *len: the bytes copied.
 */
int copy_lines(struct parse_ctx *c, const char *p, const char *end,
	       bool (*keep)(const char *line, size_t len), size_t *len);

/* A stream is read in buffers of this size (parallel.c). */
#define READ_BUF ((size_t)8 << 20)

/*
 * Widen the pipe fd to 1 MiB, or the largest size the system allows down to
 * 128 KiB (source.c; bench/drain.c reads its pipe the same way).
 */
void pipe_widen(int fd);

/* The first record boundary (just after a blank line) at or after pos. */
size_t next_boundary(const char *b, size_t len, size_t pos);
/* Parse buf as consecutive ranges of about `slice` bytes; release pages behind. */
int parse_slices(struct parse_ctx *c, const char *buf, size_t len, size_t slice,
		 bool release, pgs_progress_fn progress, void *puser, uint64_t total);

int parse_ctx_init(struct parse_ctx *c, const struct pgs_parse_opts *opts,
		   const char *name);
void parse_ctx_fini(struct parse_ctx *c);

/* The incremental parser (public as struct pgs_parser). */
struct pgs_parser {
	struct parse_ctx c;
	struct buf in;		/* bytes not yet parsed: a partial record */
	size_t start;		/* parsed up to here in `in` */
	int err;		/* sticky error */
	bool done;
};

int parser_create(struct pgs_parser **out, const struct pgs_parse_opts *opts,
		  const char *name);
/* Parse the whole records buffered in p->in (all of it when final). */
int parser_run(struct pgs_parser *p, bool final);

#endif /* PGS_PARSE_H */
