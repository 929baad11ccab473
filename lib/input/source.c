/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where the bytes come from. A regular file is memory-mapped and parsed in
 * slices that end at record boundaries; each slice's pages are released
 * after it is parsed (nothing in the table points into the input), so
 * resident memory does not grow with the file. Anything else (a pipe, a
 * socket, /proc-like files whose st_size is 0) is read as a stream, in large
 * buffers cut at record boundaries (stream.c), with a bounded number of
 * buffers in flight. Either way parse/ gets whole records and never calls
 * back here except through the struct parse_hooks lent to it.
 */
#include <fcntl.h>	/* open */
#include <stdio.h>	/* snprintf */
#include <stdlib.h>	/* strtoul */
#include <sys/mman.h>	/* mmap, madvise */
#include <sys/stat.h>	/* fstat */
#include <unistd.h>	/* read, close */

#include "../parse/parse.h"
#include <zstd.h>	/* ZSTD_findFrameCompressedSize */

#include "input.h"

/* A mapping's hooks: the guard's check, and its pages dropped once parsed. */
struct mapped {
	struct map_guard *guard;
	bool release;
};

static bool changed_hook(void *arg)
{
	return map_guard_changed(((struct mapped *)arg)->guard);
}

static void release_hook(void *arg, const char *buf, size_t len)
{
	/* Whole pages behind the cursor only. */
	uintptr_t a = (uintptr_t)buf & ~(uintptr_t)(PAGE_MIN - 1);
	uintptr_t b = (uintptr_t)(buf + len) & ~(uintptr_t)(PAGE_MIN - 1);

	(void)arg;
	if (b > a)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

int input_mem_parallel(struct parse_ctx *c, const char *buf, size_t len,
		       const struct pgs_parse_opts *opts, unsigned threads, bool release,
		       struct map_guard *guard, size_t range)
{
	struct mapped m = { guard, release };
	const struct parse_hooks h = {
		.changed = changed_hook, .parsed = release ? release_hook : NULL, .arg = &m,
	};
	const struct parse_hooks *lent = c->hooks;
	struct parse_pool *p = NULL;
	size_t pos = 0;
	pgs_progress_fn progress;
	void *puser;
	int err = 0;

	progress_of(opts, &progress, &puser);
	if (!range) {
		/*
		 * Two ranges per thread balance the load; fewer shards mean
		 * fewer rows copied when they are joined. Bounded both ways.
		 */
		range = len / (2 * (size_t)threads);
		range = range < RANGE_MIN ? RANGE_MIN : range > RANGE_MAX ? RANGE_MAX : range;
	}
	c->hooks = &h;
	err = parse_pool_start(&p, c, opts, threads, SUBSLICE);
	while (!err && (pos < len || parse_pool_queued(p))) {
		if (pos < len && !parse_pool_full(p)) {
			size_t end = next_boundary(buf, len, pos + range < len ? pos + range : len);
			struct parse_chunk j = { .buf = buf + pos, .len = end - pos, .off = pos };

			/* A mapped file that shrank reads as zeros from there: stop. */
			if (map_guard_changed(guard)) {
				err = PGS_E_CHANGED;
				break;
			}
			parse_pool_push(p, &j);
			pos = end;
			continue;
		}
		err = parse_pool_merge(p, c);
		if (err == 1)
			err = 0;
		if (progress)
			progress(c->t->bytes, len, puser);
	}
	if (p)
		parse_pool_stop(p);
	c->hooks = lent;
	return err;
}

static int parse_mem(struct parse_ctx *c, const char *buf, size_t len,
		     const struct pgs_parse_opts *opts, bool release, struct map_guard *guard)
{
	struct mapped m = { guard, release };
	const struct parse_hooks h = {
		.changed = changed_hook, .parsed = release ? release_hook : NULL, .arg = &m,
	};
	unsigned threads = parse_threads(opts, 0);
	pgs_progress_fn progress;
	void *puser;
	int err;

	progress_of(opts, &progress, &puser);
	if (len == 0)
		return PGS_E_EMPTY;
	/* Decide the kind on the first records, for every thread alike. */
	c->hooks = &h;
	err = detect_kind(c, buf, len, true);
	if (map_guard_changed(guard))
		err = PGS_E_CHANGED;
	else if (!err && threads > 1 && len >= 2 * SLICE / 8)
		err = input_mem_parallel(c, buf, len, opts, threads, release, guard, 0);
	else if (!err)
		err = parse_slices(c, buf, len, SLICE, progress, puser, len);
	c->hooks = NULL;
	FORWARD_IF_ERROR(err);
	return parse_finish(c);
}

/* PGS_E_CHANGED's error: where the mapped file now ends. */
static void say_changed(struct parse_ctx *c, const struct map_guard *guard)
{
	if (guard)
		pgs__diag(&c->diag, PGS_DIAG_ERROR, 0, guard->fault,
			  "changed while being read at byte %llu: it shrank (truncated or "
			  "rewritten meanwhile); copy it, then read the copy",
			  (unsigned long long)guard->fault);
}

static int table_from_mem(struct pgs_table **out, const void *buf, size_t len,
			  const struct pgs_parse_opts *opts, const char *name,
			  bool release, struct map_guard *guard);

/*
 * A snapshot (snapshot.h): its metadata goes to the table (and, one line
 * each, to the diagnostics at PGS_DIAG_INFO); its show_stacks_handles
 * dictionary resolves the table's handles, as --stacks FILE would.
 */
static int take_snapshot(struct parse_ctx *c, struct src *src,
			 const struct pgs_parse_opts *opts, const char *name)
{
	struct snap_parts *sp = &src->snap;
	const char *p, *end;

	if (sp->series) {
		pgs__diag(&c->diag, PGS_DIAG_ERROR, 0, 0,
			  "a series file (pgsort record --every): read it from a file, not a "
			  "pipe (its samples are chosen by their place in the file)");
		return PGS_E_FORMAT;
	}
	if (sp->meta.len) {
		c->t->snapshot = pgs__strndup(c->t->al, sp->meta.p, sp->meta.len);
		RETURN_ERROR_IF(!c->t->snapshot, -ENOMEM);
		for (p = sp->meta.p, end = p + sp->meta.len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

			if (l)
				pgs__diag(&c->diag, PGS_DIAG_INFO, 0, 0, "snapshot: %.*s", (int)l, p);
			p += l + 1;
		}
	}
	if (sp->dict.len && (c->t->kind == PGS_KIND_PAGE_OWNER ||
			     c->t->kind == PGS_KIND_SHOW_HANDLES)) {
		struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
		struct pgs_table *map = NULL;
		uint64_t unresolved = 0;
		int err;

		o.allocator = OPTS_GET(opts, allocator, NULL);
		o.threads = 1;
		err = table_from_mem(&map, sp->dict.p, sp->dict.len, &o, name, false, NULL);
		if (!err && map->kind != PGS_KIND_SHOW_STACKS_HANDLES)
			err = PGS_E_FORMAT;
		if (!err)
			err = pgs_table_join_stacks(c->t, map, &unresolved);
		pgs_table_free(map);
		if (err) {
			pgs__diag(&c->diag, PGS_DIAG_ERROR, 0, 0,
				  "the snapshot's show_stacks_handles part is damaged: %s",
				  pgs_strerror(err));
			return err == -ENOMEM ? err : PGS_E_CORRUPT;
		}
		if (unresolved)
			pgs__diag(&c->diag, PGS_DIAG_WARN, 0, 0,
				  "snapshot: handles resolved by its show_stacks_handles part "
				  "(%llu not listed there: their records stay without frames)",
				  (unsigned long long)unresolved);
		else
			pgs__diag(&c->diag, PGS_DIAG_INFO, 0, 0,
				  "snapshot: handles resolved by its show_stacks_handles part");
	}
	return 0;
}

/*
 * Parse what src yields. A stream is read by a thread of its own and parsed
 * by the workers, even with one worker: the reading (the kernel's copy out
 * of the pipe, or the decompression) then runs beside the parse instead of
 * between its buffers. With -j1 the pipe takes 0.43 s where the file takes
 * 0.47 s (bench/README.md).
 *
 * By default a stream gets one worker fewer than the online CPUs: the
 * reader and the writer at the other end (cat, ssh) keep a core busy, and
 * one more worker only competes with them for it (on 2 CPUs: 0.42 s with
 * 2 workers, 0.38 s with 1, for the bench dump).
 */
static int table_from_src(struct pgs_table **out, struct src *src,
			  const struct pgs_parse_opts *opts, const char *name,
			  struct map_guard *guard)
{
	struct parse_ctx c;
	int err;

	FORWARD_IF_ERROR(parse_ctx_init(&c, opts, name));
	err = input_src_parallel(&c, src, opts, parse_threads(opts, 1), guard);
	/* Zeros where a mapped file shrank read as damaged data: say why. */
	if (err == PGS_E_CORRUPT && map_guard_changed(guard))
		err = PGS_E_CHANGED;
	if (!err && src->fmt != DEC_NONE) {
		c.t->compression = dec_name(src->fmt);
		c.t->compressed_bytes = src_compressed(src);
		pgs__diag(&c.diag, PGS_DIAG_INFO, 0, 0,
			  "%s-compressed: %llu bytes, %llu bytes of text", c.t->compression,
			  (unsigned long long)c.t->compressed_bytes, (unsigned long long)c.t->bytes);
	}
	if (!err)
		err = parse_finish(&c);
	if (!err)
		err = take_snapshot(&c, src, opts, name);
	if (err == PGS_E_CHANGED)
		say_changed(&c, guard);
	if (!err) {
		*out = c.t;
		c.t = NULL;
	}
	parse_ctx_fini(&c);
	return err;
}

static int table_from_series(struct pgs_table **out, const unsigned char *buf, size_t len,
			     const struct pgs_parse_opts *opts, const char *name, unsigned long sample);

static int table_from_mem_at(struct pgs_table **out, const void *buf, size_t len,
			     const struct pgs_parse_opts *opts, const char *name,
			     bool release, struct map_guard *guard, unsigned long sample)
{
	if (len >= 8 + sizeof(SNAP_SERIES_SIG) - 1 &&
	    memcmp((const char *)buf + 8, SNAP_SERIES_SIG, sizeof(SNAP_SERIES_SIG) - 1) == 0 &&
	    dec_sniff(buf, 4) == DEC_ZSTD)
		return table_from_series(out, buf, len, opts, name, sample);
	if (sample) {
		struct parse_ctx c;

		FORWARD_IF_ERROR(parse_ctx_init(&c, opts, name));
		pgs__diag(&c.diag, PGS_DIAG_ERROR, 0, 0,
			  "@%lu: not a series file (pgsort record --every): no samples to choose from",
			  sample);
		parse_ctx_fini(&c);
		return PGS_E_FORMAT;
	}
	return table_from_mem(out, buf, len, opts, name, release, guard);
}

static int table_from_mem(struct pgs_table **out, const void *buf, size_t len,
			  const struct pgs_parse_opts *opts, const char *name,
			  bool release, struct map_guard *guard)
{
	enum dec_format f = dec_sniff(buf, len);
	struct parse_ctx c;
	int err;

	if (f != DEC_NONE) {
		/* Compressed: decompressed as a stream, from the memory. */
		struct src src;

		FORWARD_IF_ERROR(src_init_mem(&src, opts ? OPTS_GET(opts, allocator, NULL) : NULL,
					      f, buf, len, release, parse_threads(opts, 0)));
		err = table_from_src(out, &src, opts, name, guard);
		src_fini(&src);
		return err;
	}
	FORWARD_IF_ERROR(parse_ctx_init(&c, opts, name));
	err = parse_mem(&c, buf, len, opts, release, guard);
	if (err == PGS_E_CHANGED)
		say_changed(&c, guard);
	if (!err) {
		*out = c.t;
		c.t = NULL;
	}
	parse_ctx_fini(&c);
	return err;
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * A series file: its header frame, then snapshots (snapshot.h), one per
 * sample, each whole once its end frame is there. Sample `sample` (from 1;
 * 0: the last whole one) is read as a snapshot of its own, given the last
 * show_stacks_handles part written up to it when it has none.
 */
static int table_from_series(struct pgs_table **out, const unsigned char *buf, size_t len,
			     const struct pgs_parse_opts *opts, const char *name, unsigned long sample)
{
	const struct pgs_allocator *al = OPTS_GET(opts, allocator, NULL);
	size_t pos = 0, start = 0, dict = 0, dict_len = 0, pick_start = 0, pick_end = 0;
	size_t pick_dict = 0, pick_dict_len = 0;
	unsigned long n = 0;
	bool in = false, own = false, cut = false;
	struct buf comp = { 0 };
	struct parse_ctx c;
	char line[96];
	int err;

	while (pos < len) {
		if (len - pos < 8) {
			cut = true;
			break;
		}
		if ((buf[pos] & 0xf0) == 0x50 && get_le32(buf + pos) >> 4 == 0x184D2A5) {
			size_t sz = get_le32(buf + pos + 4);
			const char *p = (const char *)buf + pos + 8;

			if (sz > len - pos - 8) {
				cut = true;
				break;
			}
			if (HAS_PREFIX(p, sz, SNAP_META_SIG)) {
				in = true;
				own = false;
				start = pos;
			} else if (HAS_PREFIX(p, sz, SNAP_DICT_SIG)) {
				dict = pos;
				dict_len = 8 + sz;
				own = true;
			} else if (HAS_PREFIX(p, sz, SNAP_END_SIG) && in) {
				in = false;
				n++;
				if (!sample || n == sample) {
					pick_start = start;
					pick_end = pos + 8 + sz;
					pick_dict = own ? 0 : dict;
					pick_dict_len = own ? 0 : dict_len;
				}
			}
			pos += 8 + sz;
		} else {
			size_t fl = ZSTD_findFrameCompressedSize(buf + pos, len - pos);

			if (ZSTD_isError(fl)) {
				cut = true;
				break;
			}
			pos += fl;
		}
	}
	FORWARD_IF_ERROR(parse_ctx_init(&c, opts, name));
	if (cut || in)
		pgs__diag(&c.diag, PGS_DIAG_WARN, 0, pos,
			  "a series whose last sample is cut short (at byte %zu): that sample left out",
			  pos);
	if (!n || (sample && sample > n)) {
		if (!n)
			pgs__diag(&c.diag, PGS_DIAG_ERROR, 0, 0, "a series file without a whole sample");
		else
			pgs__diag(&c.diag, PGS_DIAG_ERROR, 0, 0, "@%lu: the series has %lu samples",
				  sample, n);
		parse_ctx_fini(&c);
		return PGS_E_EMPTY;
	}
	parse_ctx_fini(&c);
	snprintf(line, sizeof(line), "series_sample: %lu of %lu\n", sample ? sample : n, n);
	err = snap_frame(al, &comp, SNAP_META_SIG, line, strlen(line));
	if (!err)
		err = buf_put(al, &comp, buf + pick_start, pick_end - pick_start);
	if (!err && pick_dict_len)
		err = buf_put(al, &comp, buf + pick_dict, pick_dict_len);
	if (!err)
		err = table_from_mem(out, comp.p, comp.len, opts, name, false, NULL);
	pgs__free(al, comp.p);
	return err;
}

static int table_from_stream(struct pgs_table **out, int fd,
			     const struct pgs_parse_opts *opts, const char *name)
{
	struct src src;
	int err;

	src_init_fd(&src, opts ? OPTS_GET(opts, allocator, NULL) : NULL, fd);
	err = table_from_src(out, &src, opts, name, NULL);
	src_fini(&src);
	return err;
}

/*
 * Fewer, larger transfers from the writer: with the default 64 KiB a pipe
 * moves the 1.23 GB bench dump in 1.0 s, with 256 KiB-1 MiB in 0.25 s
 * (bench/README.md). 1 MiB is fs.pipe-max-size's default; when the
 * sysctl is lower, or the user's pipe quota is spent, take the largest
 * size allowed.
 */
void pipe_widen(int fd)
{
	int sz;

	for (sz = 1 << 20; sz >= 128 << 10; sz >>= 1)
		if (fcntl(fd, F_SETPIPE_SZ, sz) >= 0)
			return;
}

static int table_from_fd(struct pgs_table **out, int fd,
			 const struct pgs_parse_opts *opts, const char *name, unsigned long sample)
{
	struct map_guard guard;
	struct stat st;
	void *map;
	int err;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (S_ISFIFO(st.st_mode))
		pipe_widen(fd);
	if (!S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (uint64_t)st.st_size > SIZE_MAX || (parse_flags(opts) & PGS_PARSE_NO_MMAP))
		return table_from_stream(out, fd, opts, name);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return table_from_stream(out, fd, opts, name);
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	/* From here to munmap, the file may shrink under the mapping (guard.c). */
	map_guard_add(&guard, map, (size_t)st.st_size, fd);
	err = table_from_mem_at(out, map, (size_t)st.st_size, opts, name, true, &guard, sample);
	map_guard_remove(&guard);
	munmap(map, (size_t)st.st_size);
	return err;
}

PGS_API int pgs_table_open_fd(struct pgs_table **out, int fd,
			      const struct pgs_parse_opts *opts)
{
	RETURN_ERROR_IF(!out || fd < 0, -EINVAL);
	return table_from_fd(out, fd, opts, "-", 0);
}

PGS_API int pgs_table_open_file(struct pgs_table **out, const char *path,
				const struct pgs_parse_opts *opts)
{
	int fd, err;

	RETURN_ERROR_IF(!out || !path, -EINVAL);
	if (strcmp(path, "-") == 0)
		return table_from_fd(out, 0, opts, "-", 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* FILE@N: sample N of a series file. */
		const char *at = strrchr(path, '@');
		char *end, *base;
		unsigned long n;

		if (!at || !is_digit(at[1]))
			return -ENOENT;
		errno = 0;
		n = strtoul(at + 1, &end, 10);
		if (*end || n == 0 || errno)
			return -ENOENT;
		base = pgs__strndup(OPTS_GET(opts, allocator, NULL), path, (size_t)(at - path));
		RETURN_ERROR_IF(!base, -ENOMEM);
		fd = open(base, O_RDONLY | O_CLOEXEC);
		pgs__free(OPTS_GET(opts, allocator, NULL), base);
		if (fd < 0)
			return -ENOENT;
		err = table_from_fd(out, fd, opts, path, n);
		close(fd);
		return err;
	}
	if (fd < 0)
		return -errno;
	err = table_from_fd(out, fd, opts, path, 0);
	close(fd);
	return err;
}

PGS_API int pgs_table_open_mem(struct pgs_table **out, const void *buf,
			       size_t len, const struct pgs_parse_opts *opts)
{
	RETURN_ERROR_IF(!out || (!buf && len), -EINVAL);
	return table_from_mem_at(out, buf, len, opts, "-", false, NULL, 0);
}
