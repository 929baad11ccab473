/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The input stage: every byte source. A regular file is mapped and handed
 * to parse/ in record-aligned ranges (source.c), guarded against shrinking
 * (guard.c); a pipe, a socket, a live kernel file or a compressed input
 * (decompress.c) is read by a reader thread in record-aligned buffers
 * (stream.c). Each range or buffer goes to parse/'s entry points
 * (parse_slices, the parse_pool); parse calls back only through the
 * struct parse_hooks it is lent, never into this stage.
 */
#ifndef PGS_INPUT_H
#define PGS_INPUT_H

#include "../parse/parse.h"
#include "snapshot.h"

/* ---- a mapped file that may shrink while parsed (guard.c) ---- */

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

/* ---- mapped memory (source.c) ---- */

/* One thread parses a mapping in slices of this size, releasing each (8 MiB:
 * 64 held 50 MB more at the peak on a dump of distinct stacks). */
#define SLICE ((size_t)8 * 1024 * 1024)
/* A worker parses its chunk (and releases its pages) in parts of this size. */
#define SUBSLICE ((size_t)8 << 20)
/* The ranges a mapping is cut into for the workers, bounded both ways. */
#define RANGE_MIN ((size_t)16 << 20)
#define RANGE_MAX ((size_t)256 << 20)

/*
 * Parse buf[0..len) (c's kind detected already) with `threads` workers
 * (2 or more), in ranges of about `range` bytes (0: chosen from len and
 * threads) cut at record boundaries. release: drop each part's pages once
 * parsed (a private mapping); guard: the mapping's, or NULL.
 */
int input_mem_parallel(struct parse_ctx *c, const char *buf, size_t len,
		       const struct pgs_parse_opts *opts, unsigned threads, bool release,
		       struct map_guard *guard, size_t range);

/* ---- streams: descriptors and decompressors (decompress.c) ---- */

/*
 * Where a stream's text comes from: a file descriptor read as it is, or a
 * zstd, gzip or xz stream (told by its magic bytes, never by a name)
 * decompressed from a file descriptor or from memory (a mapped file). The
 * stream path (stream.c) reads through src_read() only.
 */

/* "zstd", "gzip", "xz", or NULL for DEC_NONE. */
const char *dec_name(enum dec_format f);

struct frames;	/* frame-parallel zstd (decompress.c) */

struct src {
	const struct pgs_allocator *al;
	int fd;			/* -1: memory */
	const unsigned char *mem;	/* compressed bytes in memory, or NULL */
	size_t mem_len;
	bool release;		/* mem is a private mapping: drop pages behind */
	bool sniffed;		/* the first bytes were looked at */
	enum dec_format fmt;
	void *z;		/* ZSTD_DCtx, z_stream or lzma_stream */
	unsigned char *in;	/* compressed bytes read from fd */
	size_t in_cap;
	const unsigned char *next;	/* unconsumed compressed input */
	size_t avail;
	uint64_t in_off;	/* compressed bytes consumed before `next` */
	uint64_t out_bytes;	/* decompressed bytes delivered */
	bool in_eof, mid;	/* end of compressed input; inside a frame/member */
	bool done;
	const bool *stop;	/* read in poll and give up when *stop (or NULL) */
	struct frames *par;	/* several zstd frames in memory, decompressed in parallel */
	/* zstd skippable frames: pgsort's snapshot parts (snapshot.h). */
	struct snap_parts snap;
	struct buf skip;	/* the skippable frame being read */
	uint64_t skip_left;	/* its payload bytes still to come */
	bool skip_keep;
	/* Damage: what and where (compressed byte offset). */
	char why[160];
	uint64_t bad_off;
};

/* Read fd; what it holds is sniffed on the first src_read(). */
void src_init_fd(struct src *s, const struct pgs_allocator *al, int fd);
/*
 * Decompress mem[0..len) (its format f, not DEC_NONE). zstd made of several
 * frames is decompressed by `workers` threads (when 2 or more), a frame
 * each, and delivered in order. Returns 0 or -ENOMEM.
 */
int src_init_mem(struct src *s, const struct pgs_allocator *al, enum dec_format f,
		 const void *mem, size_t len, bool release, unsigned workers);
/*
 * Up to want bytes of text into buf (blocking). Returns the bytes, 0 at
 * the end, -errno of read(), -ECANCELED when *stop was set, -ENOMEM, or
 * PGS_E_CORRUPT with s->why and s->bad_off set.
 */
ssize_t src_read(struct src *s, void *buf, size_t want);
/* Compressed bytes read so far (0 when not compressed). */
uint64_t src_compressed(const struct src *s);
void src_fini(struct src *s);

/* ---- the reader thread (stream.c) ---- */

/* A stream is read in buffers of this size. */
#define READ_BUF ((size_t)8 << 20)

/*
 * Widen the pipe fd to 1 MiB, or the largest size the system allows down to
 * 128 KiB (source.c; bench/drain.c reads its pipe the same way).
 */
void pipe_widen(int fd);

/*
 * Read src to its end: a thread of its own reads record-aligned buffers,
 * `threads` workers (1 or more) parse them, the calling thread joins their
 * shards in input order. guard: the mapping src decompresses, or NULL.
 */
int input_src_parallel(struct parse_ctx *c, struct src *src, const struct pgs_parse_opts *opts,
		       unsigned threads, struct map_guard *guard);

#endif /* PGS_INPUT_H */
