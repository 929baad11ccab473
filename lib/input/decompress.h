/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where a stream's text comes from (decompress.c): a file descriptor read
 * as it is, or a zstd, gzip or xz stream (told by its magic bytes, never by
 * a name) decompressed from a file descriptor or from memory (a mapped
 * file). The stream path (parse/parallel.c) reads through src_read() only.
 */
#ifndef PGS_DECOMPRESS_H
#define PGS_DECOMPRESS_H

#include "../common.h"
#include "snapshot.h"

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

#endif /* PGS_DECOMPRESS_H */
