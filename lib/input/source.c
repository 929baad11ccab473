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
#include <sys/mman.h>	/* mmap, madvise */
#include <sys/stat.h>	/* fstat */
#include <unistd.h>	/* read, close */

#include "../parse/parse.h"
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
	if (err == PGS_E_CHANGED)
		say_changed(&c, guard);
	if (!err) {
		*out = c.t;
		c.t = NULL;
	}
	parse_ctx_fini(&c);
	return err;
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
			 const struct pgs_parse_opts *opts, const char *name)
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
	err = table_from_mem(out, map, (size_t)st.st_size, opts, name, true, &guard);
	map_guard_remove(&guard);
	munmap(map, (size_t)st.st_size);
	return err;
}

PGS_API int pgs_table_open_fd(struct pgs_table **out, int fd,
			      const struct pgs_parse_opts *opts)
{
	RETURN_ERROR_IF(!out || fd < 0, -EINVAL);
	return table_from_fd(out, fd, opts, "-");
}

PGS_API int pgs_table_open_file(struct pgs_table **out, const char *path,
				const struct pgs_parse_opts *opts)
{
	int fd, err;

	RETURN_ERROR_IF(!out || !path, -EINVAL);
	if (strcmp(path, "-") == 0)
		return table_from_fd(out, 0, opts, "-");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = table_from_fd(out, fd, opts, path);
	close(fd);
	return err;
}

PGS_API int pgs_table_open_mem(struct pgs_table **out, const void *buf,
			       size_t len, const struct pgs_parse_opts *opts)
{
	RETURN_ERROR_IF(!out || (!buf && len), -EINVAL);
	return table_from_mem(out, buf, len, opts, "-", false, NULL);
}
