/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal helpers shared by every stage: allocation through the caller's
 * hook, one-line error returns, diagnostics and small byte utilities.
 */
#ifndef PGS_COMMON_H
#define PGS_COMMON_H

#include <errno.h>	/* ENOMEM, EINVAL */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>	/* memcpy, memchr */

#include "pgsort/pgsort.h"
#include "opts.h"	/* OPTS_LOAD, OPTS_GET: size-versioned options */

#define PGS_HIDDEN __attribute__((visibility("hidden")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/*
 * Return err from the current function when cond holds. As zstd's, it may
 * take a message, a printf format (a string literal) and its arguments,
 * checked by the compiler:
 *
 *	RETURN_ERROR_IF(!slots, -ENOMEM, "%zu hash slots", want);
 *
 * The message goes to the calling thread's error note (pgs__note_error()),
 * not to any output: the library never prints. A stage whose object has an
 * error detail copies the note into it when the error reaches its public
 * call (lib/query: pgs_query_run(), pgs_diff_run() and the query setters,
 * for the errors they have no more specific detail for, such as -ENOMEM);
 * elsewhere it is a debug trace, kept until the next message, for a
 * debugger or a later stage to read (pgs__noted()). Without a message the
 * macro costs what it did before: nothing is noted. err is evaluated once
 * either way; with a message it must be an int.
 */
#define RETURN_ERROR_IF(cond, err, ...) \
	do { \
		if (unlikely(cond)) { \
			__VA_OPT__(int note_err_ = (err); \
				   pgs__note_error(note_err_, __func__, __VA_ARGS__); \
				   return note_err_;) \
			return (err); \
		} \
	} while (0)
/* Evaluate a call returning int; return its value when negative. */
#define FORWARD_IF_ERROR(expr) \
	do { int fwd_err_ = (expr); if (unlikely(fwd_err_ < 0)) return fwd_err_; } while (0)

/*
 * The calling thread's error note: err, the function and the message of
 * the last RETURN_ERROR_IF that had one. pgs__note_clear() forgets it (a
 * public call does, on entry, when it reads the note on failure);
 * pgs__noted(err) is the message noted for err since, or NULL.
 */
void pgs__note_error(int err, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pgs__note_clear(void);
const char *pgs__noted(int err);

/* Allocation: every object keeps the allocator it was created with. */
void *pgs__malloc(const struct pgs_allocator *a, size_t n);
void *pgs__calloc(const struct pgs_allocator *a, size_t n, size_t size);
void *pgs__realloc(const struct pgs_allocator *a, void *p, size_t n);
void pgs__free(const struct pgs_allocator *a, void *p);
/* A copy of s[0..n) (strdup: of the whole of s), NUL-terminated; NULL if out of memory. */
char *pgs__strndup(const struct pgs_allocator *a, const char *s, size_t n);
char *pgs__strdup(const struct pgs_allocator *a, const char *s);

/* A growing byte string. */
struct buf {
	char *p;
	size_t len, cap;
};

/* Room for need bytes in b. Returns 0 or -ENOMEM. */
int buf_reserve(const struct pgs_allocator *al, struct buf *b, size_t need);
/* Append s[0..n) to b and keep a NUL after its bytes. Returns 0 or -ENOMEM. */
int buf_put(const struct pgs_allocator *al, struct buf *b, const void *s, size_t n);

static inline int buf_str(const struct pgs_allocator *al, struct buf *b, const char *s)
{
	return buf_put(al, b, s, strlen(s));
}

/*
 * What an object keeps of the caller's hook: a copy in *own, since the
 * caller's struct may go away, and the pointer to pass (NULL: malloc).
 */
static inline const struct pgs_allocator *pgs__keep(struct pgs_allocator *own,
						    const struct pgs_allocator *a)
{
	if (!a)
		return NULL;
	*own = *a;
	return own;
}

/*
 * Grow *arr (of elements of size) so that it holds at least need elements;
 * *cap is updated. Doubles, so appends are amortised O(1).
 */
int pgs__grow(const struct pgs_allocator *a, void **arr, size_t *cap,
	      size_t need, size_t size);

/* Diagnostics sink bound to one input. */
struct pgs_diagctx {
	pgs_diag_fn fn;
	void *user;
	int level;		/* least severe level delivered */
	const char *source;
};

void pgs__diag(const struct pgs_diagctx *d, enum pgs_diag_level level,
	       uint64_t line, uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Byte helpers. */
static inline bool has_prefix(const char *s, size_t len, const char *p, size_t plen)
{
	return len >= plen && memcmp(s, p, plen) == 0;
}
#define HAS_PREFIX(s, len, lit) has_prefix((s), (len), (lit), sizeof(lit) - 1)

static inline bool is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

#if defined(__SSE2__)
#include <emmintrin.h>	/* _mm_cmpeq_epi8 */
#endif

/*
 * The next "\n" in [p, end), or NULL. Lines of page_owner text are short
 * (about 40 bytes), so a call to memchr per line costs more than the scan:
 * this one is inlined and looks at 16 bytes a step.
 */
static inline const char *find_nl(const char *p, const char *end)
{
#if defined(__SSE2__)
	const __m128i nl = _mm_set1_epi8('\n');

	while (end - p >= 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p), nl));

		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	return p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
}

const char *pgs__memmem(const char *hay, size_t hlen, const char *needle, size_t nlen);

/* Bytes per base page for the bytes key and weights when none is given. */
#define PAGE_SIZE_DEFAULT 4096
/* The smallest page size of any system: page alignment for madvise(). */
#define PAGE_MIN 4096

/* The online CPUs, at least 1. */
unsigned pgs__online_cpus(void);

/* Decimal digits of v into out (at least 20 bytes); returns their count. */
size_t fmt_u64(char *out, uint64_t v);

/*
 * Parse an unsigned decimal number at s[0..len). Stores the value and returns
 * the number of digits consumed, 0 if none or on overflow of uint64_t.
 */
size_t pgs__parse_u64(const char *s, size_t len, uint64_t *out);
/* As pgs__parse_u64 for "0x" hex (prefix required). Returns bytes consumed. */
size_t pgs__parse_hex(const char *s, size_t len, uint64_t *out);
/* Decimal, or hex with a 0x prefix. Returns bytes consumed. */
size_t pgs__parse_num(const char *s, size_t len, uint64_t *out);

#endif /* PGS_COMMON_H */
