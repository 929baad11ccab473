/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compressed input: zstd (libzstd), gzip (zlib) and xz (liblzma), told by
 * their magic bytes. Each is read as its command-line tool reads it with
 * -dc: several zstd frames (pzstd writes them), gzip members or xz streams
 * one after the other make one text; zstd skippable frames are skipped.
 * A stream cut short, a bad checksum (zstd's content checksum when the
 * frame has one, gzip's CRC-32 and length, xz's check) or bytes that are
 * not the format are PGS_E_CORRUPT with the compressed byte offset.
 * Every allocation of the three libraries goes through the caller's
 * allocator hook.
 */
#include <lzma.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>	/* snprintf */
#include <sys/mman.h>	/* madvise */
#include <unistd.h>	/* read */
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_createDCtx_advanced: ZSTD_customMem */
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "input.h"

/* Compressed bytes read from a descriptor at a time. */
#define IN_BUF ((size_t)1 << 20)
/* A mapping is fed in steps of this much, its pages dropped behind. */
#define MEM_STEP ((size_t)4 << 20)

PGS_API const char *pgs_compression_name(const void *buf, size_t len)
{
	const struct dec_magic *m = buf ? dec_magic(buf, len) : NULL;

	return m ? m->name : NULL;
}

const char *dec_name(enum dec_format f)
{
	switch (f) {
	case DEC_ZSTD: return "zstd";
	case DEC_GZIP: return "gzip";
	case DEC_XZ: return "xz";
	default: return NULL;
	}
}

/* ---- the allocator hook, in each library's shape ---- */

static void *zstd_alloc(void *al, size_t n)
{
	return pgs__malloc(al, n);
}

static void zstd_free(void *al, void *p)
{
	pgs__free(al, p);
}

static voidpf zlib_alloc(voidpf al, uInt items, uInt size)
{
	return pgs__calloc(al, items, size);
}

static void zlib_free(voidpf al, voidpf p)
{
	pgs__free(al, p);
}

static void *lzma_alloc(void *al, size_t nmemb, size_t size)
{
	return pgs__calloc(al, nmemb ? nmemb : 1, size);
}

static void lzma_free_(void *al, void *p)
{
	pgs__free(al, p);
}

static int damaged(struct src *s, uint64_t off, const char *fmt, const char *what)
{
	s->bad_off = off;
	snprintf(s->why, sizeof(s->why), fmt, what);
	return PGS_E_CORRUPT;
}

static int dec_start(struct src *s)
{
	/* The libraries want a mutable opaque pointer; they only pass it back. */
	void *al = (void *)(uintptr_t)s->al;

	switch (s->fmt) {
	case DEC_ZSTD: {
		ZSTD_customMem cm = { zstd_alloc, zstd_free, al };

		s->z = ZSTD_createDCtx_advanced(cm);
		return s->z ? 0 : -ENOMEM;
	}
	case DEC_GZIP: {
		z_stream *z = pgs__calloc(s->al, 1, sizeof(*z));

		if (!z)
			return -ENOMEM;
		z->zalloc = zlib_alloc;
		z->zfree = zlib_free;
		z->opaque = al;
		if (inflateInit2(z, 16 + MAX_WBITS) != Z_OK) {
			pgs__free(s->al, z);
			return -ENOMEM;
		}
		s->z = z;
		return 0;
	}
	case DEC_XZ: {
		struct { lzma_stream l; lzma_allocator a; } *x = pgs__calloc(s->al, 1, sizeof(*x));
		lzma_stream init = LZMA_STREAM_INIT;

		if (!x)
			return -ENOMEM;
		x->l = init;
		x->a.alloc = lzma_alloc;
		x->a.free = lzma_free_;
		x->a.opaque = al;
		x->l.allocator = &x->a;
		if (lzma_stream_decoder(&x->l, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK) {
			pgs__free(s->al, x);
			return -ENOMEM;
		}
		s->z = x;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* ---- several zstd frames in memory, a thread per frame ---- */

/*
 * pzstd (and cat of .zst files) writes independent frames. Worker w
 * decompresses frames w, w + n, w + 2n, ... into its slot, CHUNK bytes at a
 * time; src_read() takes the slots' text in frame order. Memory: n slots
 * of CHUNK bytes, whatever the frames' sizes.
 */
#define CHUNK ((size_t)16 << 20)
#define PAR_MAX 16

struct slot {
	unsigned char *buf;
	size_t len, pos;
	bool full, last;	/* text waits; it ends its frame */
	int err;
	uint64_t bad_off;
	char why[160];
};

struct frames {
	struct src *s;
	size_t n, *start;	/* frame i: [start[i], start[i + 1]) */
	size_t cur;		/* the frame being delivered */
	unsigned k;		/* workers = slots */
	unsigned started;	/* threads running, to join */
	pthread_t thr[PAR_MAX];
	struct slot slot[PAR_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};


static void *frame_worker(void *arg)
{
	struct frames *f = arg;
	unsigned w;
	ZSTD_customMem cm = { zstd_alloc, zstd_free, (void *)(uintptr_t)f->s->al };
	ZSTD_DCtx *dc;
	size_t i;

	pthread_mutex_lock(&f->mu);
	for (w = 0; w < f->k && f->slot[w].err != -EBUSY; w++)
		;
	f->slot[w].err = 0;	/* claimed */
	pthread_mutex_unlock(&f->mu);
	dc = ZSTD_createDCtx_advanced(cm);
	for (i = w; i < f->n; i += f->k) {
		struct slot *sl = &f->slot[w];
		ZSTD_inBuffer in = { f->s->mem + f->start[i], f->start[i + 1] - f->start[i], 0 };
		bool end = false;

		if (dc)
			ZSTD_DCtx_reset(dc, ZSTD_reset_session_only);
		while (!end) {
			ZSTD_outBuffer out;
			size_t r = 0;
			int err = 0;
			bool stop;

			pthread_mutex_lock(&f->mu);
			while (sl->full && !f->stop)
				pthread_cond_wait(&f->cv, &f->mu);
			stop = f->stop;	/* read under the lock: the reader sets it */
			pthread_mutex_unlock(&f->mu);
			if (stop)
				goto out;
			out = (ZSTD_outBuffer){ sl->buf, CHUNK, 0 };
			if (!dc || !sl->buf) {
				err = -ENOMEM;
			} else {
				/* Until the chunk is full or the frame ends. */
				do
					r = ZSTD_decompressStream(dc, &out, &in);
				while (!ZSTD_isError(r) && r != 0 && out.pos < out.size &&
				       in.pos < in.size);
				if (ZSTD_isError(r) && ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
					err = -ENOMEM;
				else if (ZSTD_isError(r))
					err = PGS_E_CORRUPT;
				else if (r != 0 && in.pos == in.size && out.pos < out.size)
					err = PGS_E_CORRUPT, r = (size_t)-1;
			}
			pthread_mutex_lock(&f->mu);
			sl->len = out.pos;
			sl->pos = 0;
			sl->err = err;
			if (err == PGS_E_CORRUPT) {
				sl->bad_off = f->start[i] + in.pos;
				snprintf(sl->why, sizeof(sl->why),
					 "zstd data damaged in the frame of compressed bytes %zu-%zu: %s",
					 f->start[i], f->start[i + 1],
					 ZSTD_isError(r) && r != (size_t)-1 ? ZSTD_getErrorName(r) :
					 "frame cut short");
			}
			end = r == 0 || err;
			sl->last = end;
			sl->full = true;
			pthread_cond_broadcast(&f->cv);
			pthread_mutex_unlock(&f->mu);
			if (err)
				goto out;
		}
	}
out:
	ZSTD_freeDCtx(dc);
	return NULL;
}

static void frames_stop(struct src *s)
{
	struct frames *f = s->par;
	unsigned i;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	while (f->started)
		pthread_join(f->thr[--f->started], NULL);
	for (i = 0; i < f->k; i++)
		pgs__free(s->al, f->slot[i].buf);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	pgs__free(s->al, f->start);
	pgs__free(s->al, f);
	s->par = NULL;
}

/* s->mem is several whole zstd frames: decompress them with workers. */
static int frames_start(struct src *s, unsigned workers)
{
	size_t pos = 0, n = 0, cap = 64;
	struct frames *f;
	size_t *start;
	unsigned i;

	start = pgs__malloc(s->al, cap * sizeof(*start));
	RETURN_ERROR_IF(!start, -ENOMEM);
	while (pos < s->mem_len) {
		size_t len = ZSTD_findFrameCompressedSize(s->mem + pos, s->mem_len - pos);

		if (ZSTD_isError(len) || len == 0) {
			/* Damage: the sequential reader names it where it is. */
			pgs__free(s->al, start);
			return 0;
		}
		if (n + 2 > cap) {
			size_t *ns = pgs__realloc(s->al, start, 2 * cap * sizeof(*start));

			if (!ns) {
				pgs__free(s->al, start);
				return -ENOMEM;
			}
			start = ns;
			cap *= 2;
		}
		start[n++] = pos;
		pos += len;
	}
	start[n] = pos;
	if (n < 2) {
		pgs__free(s->al, start);
		return 0;
	}
	for (i = 0; i < n; i++) {
		const unsigned char *fr = s->mem + start[i];
		size_t flen = start[i + 1] - start[i];
		int err = 0;

		if (flen >= 8 && (fr[0] & 0xf0) == 0x50 && fr[1] == 0x2a && fr[2] == 0x4d &&
		    fr[3] == 0x18 && flen - 8 <= SNAP_PART_MAX)
			err = snap_collect(s->al, &s->snap, fr + 8, flen - 8);
		if (err) {
			pgs__free(s->al, start);
			return err;
		}
	}
	f = pgs__calloc(s->al, 1, sizeof(*f));
	if (!f) {
		pgs__free(s->al, start);
		return -ENOMEM;
	}
	f->s = s;
	f->n = n;
	f->start = start;
	f->k = workers > PAR_MAX ? PAR_MAX : workers;
	if (f->k > n)
		f->k = (unsigned)n;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	s->par = f;
	for (i = 0; i < f->k; i++) {
		f->slot[i].buf = pgs__malloc(s->al, CHUNK);
		f->slot[i].err = -EBUSY;	/* not claimed by a worker yet */
	}
	for (i = 0; i < f->k; i++, f->started++)
		if (pthread_create(&f->thr[i], NULL, frame_worker, f) != 0)
			break;
	/* Fewer threads: the frames of the missing ones would never come. */
	if (i < f->k)
		frames_stop(s);		/* s->par = NULL: one thread reads them */
	return 0;
}

/* The next text of the frames, in order. */
static ssize_t frames_read(struct src *s, unsigned char *buf, size_t want)
{
	struct frames *f = s->par;
	struct slot *sl;
	size_t n;

	if (f->cur == f->n)
		return 0;
	sl = &f->slot[f->cur % f->k];
	pthread_mutex_lock(&f->mu);
	while (!sl->full)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
	if (sl->err) {
		if (sl->err == PGS_E_CORRUPT) {
			s->bad_off = sl->bad_off;
			memcpy(s->why, sl->why, sizeof(s->why));
		}
		return sl->err;
	}
	n = sl->len - sl->pos < want ? sl->len - sl->pos : want;
	memcpy(buf, sl->buf + sl->pos, n);
	sl->pos += n;
	s->out_bytes += n;
	if (sl->pos == sl->len) {
		/* Once full is false the slot is the worker's again: last first. */
		bool last;

		pthread_mutex_lock(&f->mu);
		last = sl->last;
		if (last) {
			f->cur++;
			s->in_off = f->start[f->cur];
		}
		sl->full = false;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
		if (last && s->release && s->in_off >= MEM_STEP) {
			/* Whole pages of the frames delivered. */
			uintptr_t a = (uintptr_t)s->mem & ~(uintptr_t)(PAGE_MIN - 1);
			uintptr_t b = (uintptr_t)(s->mem + s->in_off) & ~(uintptr_t)(PAGE_MIN - 1);

			if (b > a)
				madvise((void *)a, b - a, MADV_DONTNEED);
		}
	}
	return (ssize_t)n;
}

void src_init_fd(struct src *s, const struct pgs_allocator *al, int fd)
{
	memset(s, 0, sizeof(*s));
	s->al = al;
	s->fd = fd;
}

int src_init_mem(struct src *s, const struct pgs_allocator *al, enum dec_format f,
		 const void *mem, size_t len, bool release, unsigned workers)
{
	memset(s, 0, sizeof(*s));
	s->al = al;
	s->fd = -1;
	s->mem = mem;
	s->mem_len = len;
	s->release = release;
	s->sniffed = true;
	s->fmt = f;
	FORWARD_IF_ERROR(dec_start(s));
	if (f == DEC_ZSTD && workers > 1)
		return frames_start(s, workers);
	return 0;
}

/* read() that waits in poll while *stop may be set. */
static ssize_t read_some(struct src *s, void *buf, size_t want)
{
	for (;;) {
		ssize_t n;

		if (s->stop) {
			struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

			while (!__atomic_load_n(s->stop, __ATOMIC_RELAXED) && poll(&pfd, 1, 100) == 0)
				;
			if (__atomic_load_n(s->stop, __ATOMIC_RELAXED))
				return -ECANCELED;
		}
		n = read(s->fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 ? -errno : n;
	}
}

/* More compressed input into next/avail; sets in_eof at the end. */
static int fill(struct src *s)
{
	if (s->mem) {
		size_t done = (size_t)s->in_off, step;

		if (s->release && done >= MEM_STEP) {
			/* Whole pages behind what was consumed. */
			uintptr_t a = (uintptr_t)s->mem & ~(uintptr_t)(PAGE_MIN - 1);
			uintptr_t b = (uintptr_t)(s->mem + done - MEM_STEP / 2) &
				      ~(uintptr_t)(PAGE_MIN - 1);

			if (b > a)
				madvise((void *)a, b - a, MADV_DONTNEED);
		}
		step = s->mem_len - done < MEM_STEP ? s->mem_len - done : MEM_STEP;
		s->next = s->mem + done;
		s->avail = step;
		s->in_eof = step == 0;
		return 0;
	}
	if (!s->in) {
		s->in = pgs__malloc(s->al, IN_BUF);
		RETURN_ERROR_IF(!s->in, -ENOMEM);
		s->in_cap = IN_BUF;
	}
	{
		ssize_t n = read_some(s, s->in, s->in_cap);

		FORWARD_IF_ERROR((int)n);
		s->next = s->in;
		s->avail = (size_t)n;
		s->in_eof = n == 0;
	}
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * At a zstd frame boundary: a skippable frame is read here rather than by
 * libzstd, and pgsort's parts of a snapshot (snapshot.h) are kept. Returns
 * 1 when it consumed input, 0 when a data frame (or the end) comes next.
 */
static int take_skippable(struct src *s)
{
	size_t n;

	if (s->skip_left) {
		if (s->avail == 0 && !s->in_eof)
			FORWARD_IF_ERROR(fill(s));
		if (s->avail == 0)
			return damaged(s, s->in_off, "%s data cut short (truncated file or stream)",
				       "zstd");
		n = s->avail < s->skip_left ? s->avail : (size_t)s->skip_left;
		if (s->skip_keep)
			FORWARD_IF_ERROR(buf_put(s->al, &s->skip, s->next, n));
		s->next += n;
		s->avail -= n;
		s->in_off += n;
		s->skip_left -= n;
		if (!s->skip_left && s->skip_keep) {
			s->skip_keep = false;
			FORWARD_IF_ERROR(snap_collect(s->al, &s->snap, (unsigned char *)s->skip.p,
						      s->skip.len));
			s->skip.len = 0;
		}
		return 1;
	}
	/* Its 8-byte header, whole (a descriptor's read may have cut it). */
	while (s->fd >= 0 && s->avail < 8 && !s->in_eof) {
		ssize_t r;

		memmove(s->in, s->next, s->avail);
		s->next = s->in;
		r = read_some(s, s->in + s->avail, s->in_cap - s->avail);
		FORWARD_IF_ERROR((int)r);
		s->avail += (size_t)r;
		s->in_eof = r == 0;
	}
	/* (Memory is whole: its header may lie past the step fill() gave.) */
	n = s->fd < 0 ? s->mem_len - (size_t)s->in_off : s->avail;
	if (n < 8 || (s->next[0] & 0xf0) != 0x50 || s->next[1] != 0x2a ||
	    s->next[2] != 0x4d || s->next[3] != 0x18)
		return 0;
	s->skip_left = le32(s->next + 4);
	s->skip_keep = s->skip_left <= SNAP_PART_MAX && s->skip_left > 0;
	s->skip.len = 0;
	s->next += 8;
	s->avail = s->avail >= 8 ? s->avail - 8 : 0;
	s->in_off += 8;
	return 1;
}

/* Decompress into buf; returns bytes made (0 only at the end), or an error. */
static ssize_t dec_step(struct src *s, unsigned char *buf, size_t want)
{
	size_t made = 0;

	while (made == 0 && !s->done) {
		size_t used;

		if (s->avail == 0 && !s->in_eof)
			FORWARD_IF_ERROR(fill(s));
		if (s->fmt == DEC_ZSTD && !s->mid) {
			int took = take_skippable(s);

			FORWARD_IF_ERROR(took);
			if (took)
				continue;
		}
		switch (s->fmt) {
		case DEC_ZSTD: {
			ZSTD_inBuffer in = { s->next, s->avail, 0 };
			ZSTD_outBuffer out = { buf, want, 0 };
			size_t r = ZSTD_decompressStream(s->z, &out, &in);

			if (ZSTD_isError(r) && ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
				return -ENOMEM;
			if (ZSTD_isError(r))
				return damaged(s, s->in_off + in.pos, "zstd data damaged: %s",
					       ZSTD_getErrorName(r));
			used = in.pos;
			made = out.pos;
			/* r == 0: a frame ended (and was checked) exactly here. */
			if (in.pos || out.pos || r == 0)
				s->mid = r != 0;
			break;
		}
		case DEC_GZIP: {
			z_stream *z = s->z;
			int r;

			z->next_in = (Bytef *)(uintptr_t)s->next;
			z->avail_in = s->avail > UINT32_MAX ? UINT32_MAX : (uInt)s->avail;
			z->next_out = buf;
			z->avail_out = want > UINT32_MAX ? UINT32_MAX : (uInt)want;
			r = inflate(z, Z_NO_FLUSH);
			used = (size_t)(z->next_in - (const Bytef *)s->next);
			made = (size_t)(z->next_out - buf);
			if (used || made)
				s->mid = true;
			if (r == Z_STREAM_END) {
				/* Another member may follow, as gzip -dc reads them. */
				s->mid = false;
				inflateReset(z);
				if (used < s->avail && dec_sniff(s->next + used, s->avail - used) != DEC_GZIP &&
				    s->avail - used >= 3)
					return damaged(s, s->in_off + used,
						       "%s: bytes after a member that are not another member",
						       "gzip data damaged");
			} else if (r == Z_MEM_ERROR) {
				return -ENOMEM;
			} else if (r != Z_OK && r != Z_BUF_ERROR) {
				return damaged(s, s->in_off + used, "gzip data damaged: %s",
					       z->msg ? z->msg : "inflate failed");
			}
			break;
		}
		case DEC_XZ: {
			lzma_stream *l = s->z;
			lzma_ret r;

			l->next_in = s->next;
			l->avail_in = s->avail;
			l->next_out = buf;
			l->avail_out = want;
			r = lzma_code(l, s->in_eof ? LZMA_FINISH : LZMA_RUN);
			used = (size_t)(l->next_in - s->next);
			made = (size_t)(l->next_out - buf);
			if (r == LZMA_STREAM_END) {
				s->done = true;
			} else if (r == LZMA_BUF_ERROR && s->in_eof) {
				return damaged(s, s->in_off + used, "%s data cut short (truncated file or stream)",
					       "xz");
			} else if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
				static const char *const what[] = {
					[LZMA_MEM_ERROR] = "out of memory",
					[LZMA_FORMAT_ERROR] = "not xz data",
					[LZMA_OPTIONS_ERROR] = "unsupported options",
					[LZMA_DATA_ERROR] = "corrupt data",
					[LZMA_DATA_ERROR + 1] = "corrupt data",
				};

				if (r == LZMA_MEM_ERROR)
					return -ENOMEM;
				return damaged(s, s->in_off + used, "xz data damaged: %s",
					       (unsigned)r < sizeof(what) / sizeof(what[0]) && what[r] ?
					       what[r] : r == LZMA_GET_CHECK || r == LZMA_NO_CHECK ?
					       "check" : "corrupt data");
			}
			break;
		}
		default:
			return -EINVAL;
		}
		s->next += used;
		s->avail -= used;
		s->in_off += used;
		/* zstd, gzip: input over and nothing more comes out. */
		if (s->fmt != DEC_XZ && s->in_eof && made == 0 && used == 0) {
			if (s->mid)
				return damaged(s, s->in_off,
					       "%s data cut short (truncated file or stream)",
					       dec_name(s->fmt));
			s->done = true;
		}
	}
	s->out_bytes += made;
	return (ssize_t)made;
}

ssize_t src_read(struct src *s, void *buf, size_t want)
{
	if (!s->sniffed) {
		/* The first read goes to buf: sniff it, then hand it to the decoder. */
		size_t len = 0;
		ssize_t n;

		s->sniffed = true;
		do {
			n = read_some(s, (char *)buf + len, want - len);
			if (n < 0)
				return n;
			len += (size_t)n;
		} while (n > 0 && len < 6 && len < want);
		s->fmt = dec_sniff(buf, len);
		if (s->fmt == DEC_NONE)
			return (ssize_t)len;
		FORWARD_IF_ERROR(dec_start(s));
		s->in = pgs__malloc(s->al, IN_BUF > len ? IN_BUF : len);
		RETURN_ERROR_IF(!s->in, -ENOMEM);
		s->in_cap = IN_BUF > len ? IN_BUF : len;
		memcpy(s->in, buf, len);
		s->next = s->in;
		s->avail = len;
	}
	if (s->fmt == DEC_NONE)
		return read_some(s, buf, want);
	if (s->par) {
		ssize_t n;

		/* A frame whose text is empty (skippable) delivers nothing: the next. */
		do
			n = frames_read(s, buf, want);
		while (n == 0 && s->par->cur < s->par->n);
		return n;
	}
	return dec_step(s, buf, want);
}

uint64_t src_compressed(const struct src *s)
{
	return s->fmt == DEC_NONE ? 0 : s->in_off;
}

void src_fini(struct src *s)
{
	frames_stop(s);
	switch (s->fmt) {
	case DEC_ZSTD:
		ZSTD_freeDCtx(s->z);
		break;
	case DEC_GZIP:
		if (s->z)
			inflateEnd(s->z);
		pgs__free(s->al, s->z);
		break;
	case DEC_XZ:
		if (s->z)
			lzma_end(s->z);
		pgs__free(s->al, s->z);
		break;
	default:
		break;
	}
	pgs__free(s->al, s->in);
	pgs__free(s->al, s->skip.p);
	snap_parts_fini(s->al, &s->snap);
	s->z = NULL;
	s->in = NULL;
	s->skip.p = NULL;
}
