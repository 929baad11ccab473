/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>	/* va_list */
#include <stdio.h>	/* vsnprintf */
#include <stdlib.h>	/* malloc */

#include <unistd.h>	/* sysconf */

#include "common.h"

void *pgs__malloc(const struct pgs_allocator *a, size_t n)
{
	if (a && a->malloc_fn)
		return a->malloc_fn(n ? n : 1, a->user);
	return malloc(n ? n : 1);
}

void *pgs__calloc(const struct pgs_allocator *a, size_t n, size_t size)
{
	void *p;

	if (!a || !a->malloc_fn)
		return n && size ? calloc(n, size) : calloc(1, 1);	/* fresh pages stay untouched */
	if (size && n > SIZE_MAX / size)
		return NULL;
	p = pgs__malloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void *pgs__realloc(const struct pgs_allocator *a, void *p, size_t n)
{
	if (a && a->realloc_fn)
		return a->realloc_fn(p, n ? n : 1, a->user);
	return realloc(p, n ? n : 1);
}

void pgs__free(const struct pgs_allocator *a, void *p)
{
	if (!p)
		return;
	if (a && a->free_fn)
		a->free_fn(p, a->user);
	else
		free(p);
}

char *pgs__strndup(const struct pgs_allocator *a, const char *s, size_t n)
{
	char *p = pgs__malloc(a, n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *pgs__strdup(const struct pgs_allocator *a, const char *s)
{
	return pgs__strndup(a, s, strlen(s));
}

int buf_reserve(const struct pgs_allocator *al, struct buf *b, size_t need)
{
	return pgs__grow(al, (void **)&b->p, &b->cap, need ? need : 1, 1);
}

int buf_put(const struct pgs_allocator *al, struct buf *b, const void *s, size_t n)
{
	FORWARD_IF_ERROR(buf_reserve(al, b, b->len + n + 1));
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* What RETURN_ERROR_IF noted last on this thread (see common.h). */
static _Thread_local struct {
	int code;		/* 0: nothing noted */
	const char *func;
	char msg[224];
} note;

void pgs__note_error(int err, const char *func, const char *fmt, ...)
{
	va_list ap;

	note.code = err;
	note.func = func;
	va_start(ap, fmt);
	vsnprintf(note.msg, sizeof(note.msg), fmt, ap);
	va_end(ap);
}

void pgs__note_clear(void)
{
	note.code = 0;
}

const char *pgs__noted(int err)
{
	return note.code && note.code == err ? note.msg : NULL;
}

int pgs__grow(const struct pgs_allocator *a, void **arr, size_t *cap,
	      size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		RETURN_ERROR_IF(ncap > SIZE_MAX / 2 / size, -ENOMEM,
				"%zu elements of %zu bytes do not fit in memory", need, size);
		ncap *= 2;
	}
	p = pgs__realloc(a, *arr, ncap * size);
	RETURN_ERROR_IF(!p, -ENOMEM, "out of memory growing an array to %zu bytes", ncap * size);
	*arr = p;
	*cap = ncap;
	return 0;
}

void pgs__diag(const struct pgs_diagctx *d, enum pgs_diag_level level,
	       uint64_t line, uint64_t offset, const char *fmt, ...)
{
	struct pgs_diag diag;
	char msg[512];
	va_list ap;

	if (!d || !d->fn || (int)level > d->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag.level = level;
	diag.source = d->source ? d->source : "-";
	diag.line = line;
	diag.offset = offset;
	diag.message = msg;
	d->fn(&diag, d->user);
}

const char *pgs__memmem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	const char *end, *p;

	if (nlen == 0)
		return hay;
	if (hlen < nlen)
		return NULL;
	end = hay + hlen - nlen + 1;
	for (p = hay; p < end; p++) {
		p = memchr(p, needle[0], (size_t)(end - p));
		if (!p)
			return NULL;
		if (memcmp(p, needle, nlen) == 0)
			return p;
	}
	return NULL;
}

size_t pgs__parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && is_digit(s[i]); i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (i)
		*out = v;
	return i;
}

static int hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t pgs__parse_hex(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;
	int h;

	if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return 0;
	for (i = 2; i < len && (h = hexval(s[i])) >= 0; i++) {
		if (v >> 60)
			return 0;
		v = (v << 4) | (uint64_t)h;
	}
	if (i == 2)
		return 0;
	*out = v;
	return i;
}

size_t pgs__parse_num(const char *s, size_t len, uint64_t *out)
{
	size_t n = pgs__parse_hex(s, len, out);

	return n ? n : pgs__parse_u64(s, len, out);
}

size_t fmt_u64(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

unsigned pgs__online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned)n;
}
