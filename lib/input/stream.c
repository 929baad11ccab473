/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streams: a pipe, a socket, a live kernel file, a compressed input. A
 * reader thread reads src (decompress.c) in buffers of READ_BUF bytes,
 * cuts each after its last complete record and pushes it to parse/'s pool,
 * while the calling thread merges the shards; the pool's ring bounds the
 * buffers in flight, and merged buffers come back here to be read into
 * again (fresh memory would page-fault on every buffer).
 *
 * Every read() offers at least a page of free room: a live kernel file
 * such as /sys/kernel/debug/page_owner formats one record per read() into
 * min(count, PAGE_SIZE) bytes and fails with ENOMEM when the record does
 * not fit (formats.md §2.1); read_job() hands a buffer over, or grows it,
 * rather than offer less. A read that still fails with ENOMEM is tried
 * again with more room.
 */
#include <pthread.h>
#include <unistd.h>	/* sysconf */

#include "input.h"

/* The most room a read() that failed with ENOMEM is offered again. */
#define ROOM_MAX ((size_t)1 << 20)

/*
 * Buffers of READ_BUF bytes merged and free to read into again. Fewer
 * than the pool's ring ever exist, so the list needs no bound; each free
 * buffer holds the link to the next.
 */
struct spares {
	pthread_mutex_t mu;
	void *head;
};

static void *spare_take(struct spares *sp)
{
	void *b;

	pthread_mutex_lock(&sp->mu);
	b = sp->head;
	if (b)
		memcpy(&sp->head, b, sizeof(void *));
	pthread_mutex_unlock(&sp->mu);
	return b;
}

static void spare_put(struct spares *sp, void *b)
{
	pthread_mutex_lock(&sp->mu);
	memcpy(b, &sp->head, sizeof(void *));
	sp->head = b;
	pthread_mutex_unlock(&sp->mu);
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

	r->room = pg > 0 ? (size_t)pg : PAGE_MIN;
	r->most = SIZE_MAX;
}

/* The reader thread's state, and the hooks lent to the parse. */
struct reader {
	struct parse_pool *p;
	const struct pgs_allocator *al;
	struct src *src;
	struct buf carry;	/* a partial record left by the previous buffer */
	struct room room;
	uint64_t off;
	bool stop;		/* src_read() gives up when set */
	struct spares spares;
	struct map_guard *guard;
	int err;
};

/*
 * Fill *j with the next buffer of whole records. rd->carry holds the
 * partial record left by the previous buffer and is replaced by the new
 * one's.
 * Returns 1 (a job), 0 (end of input), or a negative error: -EMSGSIZE when
 * a read failed with ENOMEM even with ROOM_MAX bytes of room.
 */
static int read_job(struct reader *rd, struct parse_chunk *j)
{
	const struct pgs_allocator *al = rd->al;
	struct buf *carry = &rd->carry;
	struct room *r = &rd->room;
	struct src *src = rd->src;
	size_t cap = READ_BUF > carry->len * 2 ? READ_BUF : carry->len * 2;
	size_t len = carry->len, cut;
	char *b = NULL;
	bool eof = false;

	if (cap == READ_BUF)
		b = spare_take(&rd->spares);
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
			 * (-ECANCELED), and retries EINTR; the first buffer,
			 * read before the pool exists, in read.
			 */
			src->stop = rd->p ? &rd->stop : NULL;
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
	j->off = rd->off;
	rd->off += cut;
	return 1;
}

static void *reader_thread(void *arg)
{
	struct reader *rd = arg;

	/* Read only when the ring has room: a buffer read early waits idle. */
	while (parse_pool_wait_room(rd->p)) {
		struct parse_chunk j = { 0 };
		int r = read_job(rd, &j);

		if (r <= 0) {
			rd->err = r;
			break;
		}
		parse_pool_push(rd->p, &j);
	}
	parse_pool_close(rd->p);
	return NULL;
}

static bool changed_hook(void *arg)
{
	return map_guard_changed(((struct reader *)arg)->guard);
}

static void recycle_hook(void *arg, void *owned, size_t owned_cap)
{
	struct reader *rd = arg;

	if (owned_cap == READ_BUF)
		spare_put(&rd->spares, owned);
	else
		pgs__free(rd->al, owned);
}

/* Say why reading failed where errno alone would mislead. */
static int read_error(struct parse_ctx *c, const struct room *r, const struct src *src,
		      int err)
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

int input_src_parallel(struct parse_ctx *c, struct src *src, const struct pgs_parse_opts *opts,
		       unsigned threads, struct map_guard *guard)
{
	struct reader rd = { .al = c->al, .src = src, .guard = guard };
	const struct parse_hooks h = { .changed = changed_hook, .recycle = recycle_hook, .arg = &rd };
	const struct parse_hooks *lent = c->hooks;
	pgs_progress_fn progress;
	void *puser;
	pthread_t reader;
	bool reading = false;
	void *b;
	int err = 0, r;

	pthread_mutex_init(&rd.spares.mu, NULL);
	c->hooks = &h;
	progress_of(opts, &progress, &puser);
	room_init(&rd.room);
	/* The first buffer decides the kind, before any worker starts. */
	{
		struct parse_chunk first = { 0 };

		r = read_job(&rd, &first);
		if (r <= 0) {
			err = r < 0 ? read_error(c, &rd.room, src, r) : PGS_E_EMPTY;
			goto out;
		}
		err = detect_kind(c, first.buf, first.len, rd.carry.len == 0);
		if (err == 1)
			err = PGS_E_FORMAT;	/* 8 MiB without one recognizable record */
		if (err || (err = parse_pool_start(&rd.p, c, opts, threads, SUBSLICE))) {
			pgs__free(c->al, first.owned);
			goto out;
		}
		parse_pool_push(rd.p, &first);
	}
	/*
	 * A thread of its own reads the stream, so that it is drained while
	 * this one merges shards: the writer never waits for a merge.
	 */
	if (pthread_create(&reader, NULL, reader_thread, &rd) != 0) {
		rd.err = -EAGAIN;
		parse_pool_close(rd.p);
	} else {
		reading = true;
	}
	while ((r = parse_pool_merge(rd.p, c)) == 1)
		if (progress)
			progress(c->t->bytes, 0, puser);
	err = r;
	/* On an error, stop the reader before the workers. */
	__atomic_store_n(&rd.stop, true, __ATOMIC_RELAXED);
	parse_pool_cancel(rd.p);
	if (reading)
		pthread_join(reader, NULL);
	if (!err)
		err = read_error(c, &rd.room, src, rd.err);
	parse_pool_stop(rd.p);
out:
	while ((b = spare_take(&rd.spares)))
		pgs__free(c->al, b);
	pthread_mutex_destroy(&rd.spares.mu);
	pgs__free(c->al, rd.carry.p);
	c->hooks = lent;
	return err;
}
