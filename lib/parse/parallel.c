/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing with worker threads. The input is cut into ranges at record
 * boundaries (a record ends at a blank line; there is no quoting), each
 * range is parsed by a worker into a shard of its own (its own table and
 * intern pools: no locks on the hot path), and the calling thread appends
 * finished shards to the result strictly in input order, so the table,
 * its ids and the warnings are the same for any number of threads.
 *
 * A mapped file is cut into a few ranges per thread; each worker releases
 * the pages of its range behind it. A pipe is read by a reader thread in
 * buffers of READ_BUF bytes, each cut after its last complete record, while
 * the calling thread merges; at most 2 * threads + 1 buffers are in flight,
 * which bounds memory.
 *
 * Every read() offers at least a page of free room: a live kernel file
 * such as /sys/kernel/debug/page_owner formats one record per read() into
 * min(count, PAGE_SIZE) bytes and fails with ENOMEM when the record does
 * not fit (formats.md 2.1); read_job() hands a buffer over, or grows it,
 * rather than offer less. A read that still fails with ENOMEM is tried
 * again with more room.
 */
#include <pthread.h>
#include <unistd.h>	/* read, sysconf */

#include "parse.h"
#include "../input/decompress.h"

#define RANGE_MIN ((size_t)16 << 20)
#define RANGE_MAX ((size_t)256 << 20)
#define SUBSLICE ((size_t)8 << 20)
#define MAX_RECORD ((size_t)256 << 20)
/* The most room a read() that failed with ENOMEM is offered again. */
#define ROOM_MAX ((size_t)1 << 20)

struct job {
	const char *buf;
	size_t len;
	uint64_t off;
	char *owned;		/* a pipe buffer, recycled once merged */
	size_t owned_cap;
	struct parse_ctx ctx;
	int err;
	bool inited, done;
};

struct pool {
	const struct pgs_allocator *al;	/* the calling thread's context's */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *jobs;	/* ring, indexed by sequence % cap */
	size_t cap, taken, produced, merged;
	bool stop;
	pthread_cond_t space;	/* a job was merged: room in the ring (pipe reader) */
	bool eof;		/* pipe reader: no more jobs will come */
	const struct pgs_parse_opts *opts;
	char *name;		/* own copy: c's table changes hands (parse_absorb) */
	enum pgs_kind kind;
	struct prefix *prefix;
	bool release;
	struct map_guard *guard;	/* a mapped file's, or NULL */
	pthread_t *thr;
	unsigned nthr;
	/* Pipe buffers of READ_BUF bytes come back here once merged: fresh
	 * memory would page-fault on every buffer. */
	char **spare;
	size_t nspare;
};

unsigned parse_threads(const struct pgs_parse_opts *opts, unsigned spare)
{
	long n;

	if (OPTS_GET(opts, threads, 0))
		return opts->threads;
	n = sysconf(_SC_NPROCESSORS_ONLN) - (long)spare;
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static int run_job(struct pool *p, struct job *j)
{
	struct parse_ctx *c = &j->ctx;

	FORWARD_IF_ERROR(parse_ctx_init(c, p->opts, p->name));
	j->inited = true;
	c->t->kind = p->kind;
	c->t->prefix = prefix_name(p->prefix);
	c->prefix = p->prefix;	/* shared, read only; matched with c's own data */
	c->detected = true;
	c->off = j->off;
	c->guard = p->guard;
	return parse_slices(c, j->buf, j->len, SUBSLICE, p->release, NULL, NULL, 0);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct job *j;
		int err;

		while (!p->stop && p->taken == p->produced)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		j = &p->jobs[p->taken++ % p->cap];
		pthread_mutex_unlock(&p->mu);
		err = run_job(p, j);
		pthread_mutex_lock(&p->mu);
		j->err = err;
		j->done = true;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int pool_start(struct pool *p, struct parse_ctx *c, const struct pgs_parse_opts *opts,
		      unsigned threads, bool release)
{
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->al = c->al;
	p->cap = 2 * (size_t)threads + 1;
	p->jobs = pgs__calloc(p->al, p->cap, sizeof(*p->jobs));
	p->thr = pgs__calloc(p->al, threads, sizeof(*p->thr));
	p->spare = pgs__calloc(p->al, p->cap + 1, sizeof(*p->spare));
	p->name = pgs__strdup(p->al, c->t->name);
	if (!p->jobs || !p->thr || !p->spare || !p->name) {
		pgs__free(p->al, p->jobs);
		pgs__free(p->al, p->thr);
		pgs__free(p->al, p->spare);
		pgs__free(p->al, p->name);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	pthread_cond_init(&p->space, NULL);
	p->opts = opts;
	p->kind = c->t->kind;
	p->prefix = c->prefix;
	p->release = release;
	p->guard = c->guard;
	for (i = 0; i < threads; i++) {
		if (pthread_create(&p->thr[i], NULL, worker, p) != 0)
			break;
		p->nthr++;
	}
	return p->nthr ? 0 : -EAGAIN;
}

static void release_job(struct pool *p, struct job *j)
{
	char *spare = NULL;

	if (j->inited)
		parse_ctx_fini(&j->ctx);
	/* The pipe's reader thread takes spares: under the lock. */
	pthread_mutex_lock(&p->mu);
	if (j->owned && j->owned_cap == READ_BUF && p->nspare < p->cap + 1)
		p->spare[p->nspare++] = j->owned;
	else
		spare = j->owned;
	pthread_mutex_unlock(&p->mu);
	pgs__free(p->al, spare);
	memset(j, 0, sizeof(*j));
}

/* Stop the workers and release every job not merged. */
static void pool_stop(struct pool *p)
{
	unsigned i;

	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthr; i++)
		pthread_join(p->thr[i], NULL);
	for (; p->merged < p->produced; p->merged++)
		release_job(p, &p->jobs[p->merged % p->cap]);
	while (p->nspare)
		pgs__free(p->al, p->spare[--p->nspare]);
	pgs__free(p->al, p->spare);
	pgs__free(p->al, p->name);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->space);
	pgs__free(p->al, p->jobs);
	pgs__free(p->al, p->thr);
}

static bool pool_full(struct pool *p)
{
	return p->produced - p->merged == p->cap;
}

static void pool_push(struct pool *p, const struct job *j)
{
	pthread_mutex_lock(&p->mu);
	p->jobs[p->produced++ % p->cap] = *j;
	pthread_cond_signal(&p->work);
	/* A pipe's merging thread may be waiting for a job to exist. */
	pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
}

/* Wait for the oldest job and append its shard to c. */
static int pool_merge_one(struct pool *p, struct parse_ctx *c)
{
	struct job *j = &p->jobs[p->merged % p->cap];
	int err;

	pthread_mutex_lock(&p->mu);
	while (!j->done)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	err = j->err;
	if (!err)
		err = parse_absorb(c, &j->ctx);
	release_job(p, j);
	pthread_mutex_lock(&p->mu);
	p->merged++;
	pthread_cond_signal(&p->space);
	pthread_mutex_unlock(&p->mu);
	return err;
}

int parse_mem_parallel(struct parse_ctx *c, const char *buf, size_t len,
		       const struct pgs_parse_opts *opts, unsigned threads, bool release,
		       size_t range)
{
	size_t pos = 0;
	pgs_progress_fn progress;
	void *puser;
	struct pool p;
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
	FORWARD_IF_ERROR(pool_start(&p, c, opts, threads, release));
	while (!err && (pos < len || p.merged < p.produced)) {
		if (pos < len && !pool_full(&p)) {
			size_t end = next_boundary(buf, len, pos + range < len ? pos + range : len);
			struct job j = { .buf = buf + pos, .len = end - pos, .off = pos };

			/* A mapped file that shrank reads as zeros from there: stop. */
			if (map_guard_changed(c->guard)) {
				err = PGS_E_CHANGED;
				break;
			}
			pool_push(&p, &j);
			pos = end;
			continue;
		}
		err = pool_merge_one(&p, c);
		if (progress)
			progress(c->t->bytes, len, puser);
	}
	pool_stop(&p);
	return err;
}

/*
 * How a stream is read: every read() offers at least `room` free bytes and
 * at most `most`. A kernel file that formats one record per read() fails
 * with ENOMEM when the room offered is too small for the record, and, on
 * kernels that allocate the count asked for (before the PAGE_SIZE clamp),
 * when it is too large: each ENOMEM doubles `room` and offers exactly that
 * much from then on, up to ROOM_MAX.
 */
struct room {
	size_t room, most;
	uint64_t got;		/* bytes read so far */
};

static void room_init(struct room *r)
{
	long pg = sysconf(_SC_PAGESIZE);

	r->room = pg > 0 ? (size_t)pg : 4096;
	r->most = SIZE_MAX;
}

/*
 * Fill *j with the next buffer of whole records. carry holds the partial
 * record left by the previous buffer and is replaced by the new one's.
 * Returns 1 (a job), 0 (end of input), or a negative error: -EMSGSIZE when
 * a read failed with ENOMEM even with ROOM_MAX bytes of room.
 */
static int read_job(const struct pgs_allocator *al, struct pool *p, struct src *src,
		    struct buf *carry, struct room *r, uint64_t *off, struct job *j)
{
	size_t cap = READ_BUF > carry->len * 2 ? READ_BUF : carry->len * 2;
	size_t len = carry->len, cut;
	char *b = NULL;
	bool eof = false;

	if (cap == READ_BUF && p) {
		pthread_mutex_lock(&p->mu);
		if (p->nspare)
			b = p->spare[--p->nspare];
		pthread_mutex_unlock(&p->mu);
	}
	if (!b)
		b = pgs__malloc(al, cap);

	RETURN_ERROR_IF(!b, -ENOMEM);
	if (carry->len)
		memcpy(b, carry->p, carry->len);
	for (;;) {
		/* Less room than a read needs: hand the buffer over, or grow it. */
		while (cap - len >= r->room && !eof) {
			size_t want = cap - len < r->most ? cap - len : r->most;
			ssize_t n;

			/*
			 * src_read() waits for a descriptor in poll, not in read,
			 * so that the reader thread stops when merging failed
			 * (-ECANCELED), and retries EINTR.
			 */
			src->stop = p ? &p->stop : NULL;
			n = src_read(src, b + len, want);
			/* A decompressor's error (-ENOMEM too) is not read()'s. */
			if (n < 0 && src->fmt != DEC_NONE) {
				pgs__free(al, b);
				return (int)n;
			}
			if (n == -ENOMEM && r->room < ROOM_MAX) {
				/* Nothing was consumed: the same record again. */
				r->room *= 2;
				r->most = r->room;
				continue;
			}
			if (n < 0) {
				pgs__free(al, b);
				return n == -ENOMEM ? -EMSGSIZE : (int)n;
			}
			eof = n == 0;
			len += (size_t)n;
			r->got += (uint64_t)n;
		}
		cut = eof ? len : last_record_end(b, len);
		if (cut || eof)
			break;
		/* One record larger than the buffer: grow, within reason. */
		if (cap >= MAX_RECORD) {
			pgs__free(al, b);
			return PGS_E_TOOBIG;
		}
		{
			char *nb = pgs__realloc(al, b, cap * 2);

			if (!nb) {
				pgs__free(al, b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (len == 0) {
		pgs__free(al, b);
		return 0;
	}
	carry->len = len - cut;
	if (carry->len) {
		if (buf_reserve(al, carry, carry->len) < 0) {
			pgs__free(al, b);
			return -ENOMEM;
		}
		memcpy(carry->p, b + cut, carry->len);
	}
	j->buf = j->owned = b;
	j->owned_cap = cap;
	j->len = cut;
	j->off = *off;
	*off += cut;
	return 1;
}

/* The pipe's reader thread: fills the ring with jobs while there is room. */
struct reader {
	struct pool *p;
	const struct pgs_allocator *al;
	struct src *src;
	struct buf *carry;
	struct room room;
	uint64_t off;
	int err;
};

static void *pipe_reader(void *arg)
{
	struct reader *rd = arg;
	struct pool *p = rd->p;

	for (;;) {
		struct job j = { 0 };
		bool stop;
		int r;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->produced - p->merged == p->cap)
			pthread_cond_wait(&p->space, &p->mu);
		stop = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		r = read_job(rd->al, p, rd->src, rd->carry, &rd->room, &rd->off, &j);
		if (r <= 0) {
			rd->err = r;
			break;
		}
		pool_push(p, &j);
	}
	pthread_mutex_lock(&p->mu);
	p->eof = true;
	pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Say why reading failed where errno alone would mislead. */
static int read_error(struct parse_ctx *c, const struct room *r, const struct src *src, int err)
{
	if (err == PGS_E_CORRUPT)
		pgs__diag(&c->diag, PGS_DIAG_ERROR, 0, src->bad_off,
			  "%s, at compressed byte %llu (text byte %llu); the %llu records parsed "
			  "before it are not reported: the input is incomplete",
			  src->why, (unsigned long long)src->bad_off,
			  (unsigned long long)src->out_bytes, (unsigned long long)c->t->rows);
	if (err == -EMSGSIZE)
		pgs__diag(&c->diag, PGS_DIAG_ERROR, 0, r->got,
			  "after byte %llu, read() failed with ENOMEM even when offered %zu bytes: "
			  "the file (a live kernel file?) could not fit its next record in one read",
			  (unsigned long long)r->got, r->room);
	return err;
}

int parse_src_parallel(struct parse_ctx *c, struct src *src, const struct pgs_parse_opts *opts,
		       unsigned threads)
{
	pgs_progress_fn progress;
	void *puser;
	struct buf carry = { 0 };
	struct pool p;
	struct reader rd = { 0 };
	pthread_t reader;
	uint64_t off = 0;
	bool eof = false, reading = false;
	int err = 0;

	progress_of(opts, &progress, &puser);
	room_init(&rd.room);
	/* The first buffer decides the kind, before any worker starts. */
	{
		struct job first = { 0 };
		int r = read_job(c->al, NULL, src, &carry, &rd.room, &off, &first);

		if (r <= 0) {
			pgs__free(c->al, carry.p);
			return r < 0 ? read_error(c, &rd.room, src, r) : PGS_E_EMPTY;
		}
		err = detect_kind(c, first.buf, first.len, carry.len == 0);
		if (err == 1)
			err = PGS_E_FORMAT;	/* 8 MiB without one recognizable record */
		if (err || (err = pool_start(&p, c, opts, threads, false))) {
			pgs__free(c->al, first.owned);
			pgs__free(c->al, carry.p);
			return err;
		}
		pool_push(&p, &first);
	}
	/*
	 * A thread of its own reads the pipe, so that it is drained while
	 * this one merges shards: the writer never waits for a merge.
	 */
	rd.p = &p;
	rd.al = c->al;
	rd.src = src;
	rd.carry = &carry;
	rd.off = off;
	if (pthread_create(&reader, NULL, pipe_reader, &rd) != 0) {
		rd.err = -EAGAIN;
		p.eof = true;
	} else {
		reading = true;
	}
	for (;;) {
		pthread_mutex_lock(&p.mu);
		while (p.merged == p.produced && !p.eof)
			pthread_cond_wait(&p.done, &p.mu);
		eof = p.merged == p.produced && p.eof;
		pthread_mutex_unlock(&p.mu);
		if (eof || err)
			break;
		err = pool_merge_one(&p, c);
		if (progress)
			progress(c->t->bytes, 0, puser);
	}
	/* On an error, stop the reader before the workers. */
	pthread_mutex_lock(&p.mu);
	__atomic_store_n(&p.stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&p.space);
	pthread_mutex_unlock(&p.mu);
	if (reading)
		pthread_join(reader, NULL);
	if (!err)
		err = read_error(c, &rd.room, src, rd.err);
	pool_stop(&p);
	pgs__free(c->al, carry.p);
	return err;
}
