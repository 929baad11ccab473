/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing with worker threads. The input stage (lib/input/) cuts its bytes
 * into chunks at record boundaries (a record ends at a blank line; there
 * is no quoting) and pushes them here; each chunk is parsed by a worker
 * into a shard of its own (its own table and intern pools: no locks on the
 * hot path), and the calling thread appends finished shards to the result
 * strictly in input order, so the table, its ids and the warnings are the
 * same for any number of threads.
 *
 * At most 2 * threads + 1 chunks are in flight (a ring), which bounds the
 * memory of a stream; a producer thread (input/stream.c's reader) waits
 * for room with parse_pool_wait_room(). A chunk's buffer goes back to the
 * input stage through hooks->recycle once its shard is merged.
 */
#include <pthread.h>

#include "parse.h"

/* parse_threads()' most, when opts leaves the count to us. */
#define THREADS_MAX 64

struct job {
	struct parse_chunk ch;
	struct parse_ctx ctx;
	int err;
	bool inited, done;
};

struct parse_pool {
	const struct pgs_allocator *al;	/* the calling thread's context's */
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct job *jobs;	/* ring, indexed by sequence % cap */
	size_t cap, taken, produced, merged;
	bool stop;
	pthread_cond_t space;	/* a job was merged: room in the ring (producer) */
	bool eof;		/* producer thread: no more jobs will come */
	const struct pgs_parse_opts *opts;
	char *name;		/* own copy: c's table changes hands (parse_absorb) */
	enum pgs_kind kind;
	struct prefix *prefix;
	const struct parse_hooks *hooks;	/* the input stage's, or NULL */
	size_t part;		/* a chunk is parsed in parts of this size */
	pthread_t *thr;
	unsigned nthr;
};

unsigned parse_threads(const struct pgs_parse_opts *opts, unsigned spare)
{
	long n;

	if (OPTS_GET(opts, threads, 0))
		return opts->threads;
	n = (long)pgs__online_cpus() - (long)spare;
	return n < 1 ? 1 : n > THREADS_MAX ? THREADS_MAX : (unsigned)n;
}

static int run_job(struct parse_pool *p, struct job *j)
{
	struct parse_ctx *c = &j->ctx;

	FORWARD_IF_ERROR(parse_ctx_init(c, p->opts, p->name));
	j->inited = true;
	c->t->kind = p->kind;
	c->t->prefix = prefix_name(p->prefix);
	c->prefix = p->prefix;	/* shared, read only; matched with c's own data */
	c->detected = true;
	c->off = j->ch.off;
	c->hooks = p->hooks;
	return parse_slices(c, j->ch.buf, j->ch.len, p->part, NULL, NULL, 0);
}

static void *worker(void *arg)
{
	struct parse_pool *p = arg;

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

int parse_pool_start(struct parse_pool **out, struct parse_ctx *c,
		     const struct pgs_parse_opts *opts, unsigned threads, size_t part)
{
	struct parse_pool *p = pgs__calloc(c->al, 1, sizeof(*p));
	unsigned i;

	RETURN_ERROR_IF(!p, -ENOMEM);
	p->al = c->al;
	p->cap = 2 * (size_t)threads + 1;
	p->jobs = pgs__calloc(p->al, p->cap, sizeof(*p->jobs));
	p->thr = pgs__calloc(p->al, threads, sizeof(*p->thr));
	p->name = pgs__strdup(p->al, c->t->name);
	if (!p->jobs || !p->thr || !p->name) {
		pgs__free(p->al, p->jobs);
		pgs__free(p->al, p->thr);
		pgs__free(p->al, p->name);
		pgs__free(p->al, p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	pthread_cond_init(&p->space, NULL);
	p->opts = opts;
	p->kind = c->t->kind;
	p->prefix = c->prefix;
	p->hooks = c->hooks;
	p->part = part;
	*out = p;
	for (i = 0; i < threads; i++) {
		if (pthread_create(&p->thr[i], NULL, worker, p) != 0)
			break;
		p->nthr++;
	}
	if (p->nthr)
		return 0;
	parse_pool_stop(p);
	*out = NULL;
	return -EAGAIN;
}

static void release_job(struct parse_pool *p, struct job *j)
{
	const struct parse_hooks *h = p->hooks;

	if (j->inited)
		parse_ctx_fini(&j->ctx);
	if (j->ch.owned && h && h->recycle)
		h->recycle(h->arg, j->ch.owned, j->ch.owned_cap);
	memset(j, 0, sizeof(*j));
}

void parse_pool_cancel(struct parse_pool *p)
{
	pthread_mutex_lock(&p->mu);
	__atomic_store_n(&p->stop, true, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->mu);
}

void parse_pool_stop(struct parse_pool *p)
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
	pgs__free(p->al, p->name);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->space);
	pgs__free(p->al, p->jobs);
	pgs__free(p->al, p->thr);
	pgs__free(p->al, p);
}

size_t parse_pool_queued(struct parse_pool *p)
{
	return p->produced - p->merged;
}

bool parse_pool_full(struct parse_pool *p)
{
	return p->produced - p->merged == p->cap;
}

void parse_pool_push(struct parse_pool *p, const struct parse_chunk *ch)
{
	pthread_mutex_lock(&p->mu);
	p->jobs[p->produced++ % p->cap] = (struct job){ .ch = *ch };
	pthread_cond_signal(&p->work);
	/* A stream's merging thread may be waiting for a job to exist. */
	pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
}

bool parse_pool_wait_room(struct parse_pool *p)
{
	bool stop;

	pthread_mutex_lock(&p->mu);
	while (!p->stop && p->produced - p->merged == p->cap)
		pthread_cond_wait(&p->space, &p->mu);
	stop = p->stop;
	pthread_mutex_unlock(&p->mu);
	return !stop;
}

void parse_pool_close(struct parse_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->eof = true;
	pthread_cond_broadcast(&p->done);
	pthread_mutex_unlock(&p->mu);
}

int parse_pool_merge(struct parse_pool *p, struct parse_ctx *c)
{
	struct job *j;
	bool eof;
	int err;

	pthread_mutex_lock(&p->mu);
	while (p->merged == p->produced && !p->eof)
		pthread_cond_wait(&p->done, &p->mu);
	eof = p->merged == p->produced;
	j = &p->jobs[p->merged % p->cap];
	while (!eof && !j->done)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	if (eof)
		return 0;
	err = j->err;
	if (!err)
		err = parse_absorb(c, &j->ctx);
	release_job(p, j);
	pthread_mutex_lock(&p->mu);
	p->merged++;
	pthread_cond_signal(&p->space);
	pthread_mutex_unlock(&p->mu);
	return err ? err : 1;
}
