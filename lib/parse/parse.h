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

/*
 * No record is this long; a longer one means the input is not page_owner
 * (the parser gives up, and a stream's buffer grows no further).
 */
#define MAX_RECORD ((size_t)256 << 20)

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
	/* What the input stage lends this parse, or NULL. */
	const struct parse_hooks *hooks;
};

/*
 * What the stage above (lib/input/, which owns the bytes) lends a parse:
 * parse never calls into input, it calls these. Any may be NULL.
 */
struct parse_hooks {
	/* Whether the bytes changed under the parse (a mapped file shrank). */
	bool (*changed)(void *arg);
	/* A part [buf, buf + len) was parsed: nothing points into it any more. */
	void (*parsed)(void *arg, const char *buf, size_t len);
	/* A chunk's buffer (parse_chunk.owned) is no longer used. */
	void (*recycle)(void *arg, void *owned, size_t owned_cap);
	void *arg;
};

/* Whether c's input changed under it (hooks->changed). */
static inline bool parse_changed(const struct parse_ctx *c)
{
	return c->hooks && c->hooks->changed && c->hooks->changed(c->hooks->arg);
}

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

/* ---- compressed formats, by their magic bytes (detect.c) ---- */

enum dec_format { DEC_NONE, DEC_ZSTD, DEC_GZIP, DEC_XZ };

/*
 * Every compressed format pgsort names, told by its first bytes (zstd
 * skippable frames too): one row each. fmt is DEC_NONE for those it names
 * but does not read (lz4, bzip2).
 */
struct dec_magic {
	const char *name;	/* "zstd" */
	const char *tool;	/* "zstd -dc": what reads it */
	enum dec_format fmt;
};

/* The row buf begins with, or NULL (needs 6 bytes for xz). */
const struct dec_magic *dec_magic(const void *buf, size_t len);
/* The format buf begins with (DEC_NONE: none read here; needs 6 bytes for xz). */
enum dec_format dec_sniff(const void *buf, size_t len);
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

/* End of the last complete record in b[0..len) (just after a blank line), 0 if none. */
size_t last_record_end(const char *b, size_t len);
/* The first record boundary (just after a blank line) at or after pos. */
size_t next_boundary(const char *b, size_t len, size_t pos);

/*
 * Copy the lines of [p, end) for which keep() holds into c->scratch, each
 * without "\r" and ending in "\n": a record's text when it is not one
 * contiguous span of the input. *len: the bytes copied.
 */
int copy_lines(struct parse_ctx *c, const char *p, const char *end,
	       bool (*keep)(const char *line, size_t len), size_t *len);

/*
 * Parse buf (whole records) as consecutive ranges of about `slice` bytes,
 * calling c->hooks->parsed after each and stopping with PGS_E_CHANGED when
 * c->hooks->changed says so.
 */
int parse_slices(struct parse_ctx *c, const char *buf, size_t len, size_t slice,
		 pgs_progress_fn progress, void *puser, uint64_t total);

/* ---- parsing with worker threads (parallel.c) ---- */

/*
 * A buffer of whole records (the last one may end without its blank line
 * only at the end of the input), handed over by the input stage and parsed
 * by a worker into a shard of its own.
 */
struct parse_chunk {
	const char *buf;
	size_t len;
	uint64_t off;		/* input offset of buf[0] */
	void *owned;		/* the input's buffer, given back via hooks->recycle */
	size_t owned_cap;
};

/*
 * The workers, a ring of at most 2 * threads + 1 chunks in flight, and the
 * shards merged into c strictly in input order, so that the table, its ids
 * and the warnings are the same for any number of threads.
 */
struct parse_pool;

/*
 * Start `threads` workers (c's kind detected already; c->hooks is lent to
 * every shard) that parse each chunk in parts of `part` bytes.
 */
int parse_pool_start(struct parse_pool **out, struct parse_ctx *c,
		     const struct pgs_parse_opts *opts, unsigned threads, size_t part);
/* Chunks pushed and not merged yet. */
size_t parse_pool_queued(struct parse_pool *p);
/* Whether the ring is full: push only when not (or after wait_room). */
bool parse_pool_full(struct parse_pool *p);
/* Queue a chunk for the workers. Any thread. */
void parse_pool_push(struct parse_pool *p, const struct parse_chunk *ch);
/* A producer thread waits for room in the ring; false: the pool is stopping. */
bool parse_pool_wait_room(struct parse_pool *p);
/* No more chunks will come (a producer thread's last word). */
void parse_pool_close(struct parse_pool *p);
/*
 * Wait for the oldest chunk (or the close) and append its shard to c.
 * Returns 1 (merged), 0 (closed and all merged) or the shard's error.
 */
int parse_pool_merge(struct parse_pool *p, struct parse_ctx *c);
/* Make wait_room return false and the workers stop taking chunks. */
void parse_pool_cancel(struct parse_pool *p);
/* Stop and join the workers, give back every chunk not merged, free p. */
void parse_pool_stop(struct parse_pool *p);

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
