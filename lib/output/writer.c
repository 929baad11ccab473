/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>	/* va_list */
#include <stdio.h>	/* vsnprintf */

#include "output.h"

int writer_open(const struct pgs_allocator *al, const struct pgs_write_opts *opts,
		pgs_write_fn sink, void *user, struct pgs_write_opts *o, struct writer **w)
{
	*o = PGS_INIT(pgs_write_opts);
	RETURN_ERROR_IF(!sink, -EINVAL);
	FORWARD_IF_ERROR(OPTS_LOAD(o, opts));
	/* Checked once here for every format, a diff's included. */
	RETURN_ERROR_IF(!pgs_format_name(o->format), -EINVAL);
	RETURN_ERROR_IF((unsigned)o->weight > PGS_WEIGHT_BYTES, -EINVAL);
	*w = pgs__malloc(al, sizeof(**w));
	RETURN_ERROR_IF(!*w, -ENOMEM);
	(*w)->al = al;
	(*w)->sink = sink;
	(*w)->user = user;
	(*w)->err = 0;
	(*w)->n = 0;
	return 0;
}

int writer_close(struct writer *w)
{
	int err;

	w_flush(w);
	err = w->err;
	pgs__free(w->al, w);
	return err;
}

void w_flush(struct writer *w)
{
	if (w->n && !w->err && w->sink(w->buf, w->n, w->user) != 0)
		w->err = PGS_E_WRITE;
	w->n = 0;
}

void w_put(struct writer *w, const void *s, size_t len)
{
	if (w->err)
		return;
	if (len > sizeof(w->buf) - w->n) {
		w_flush(w);
		if (len >= sizeof(w->buf)) {
			if (!w->err && w->sink(s, len, w->user) != 0)
				w->err = PGS_E_WRITE;
			return;
		}
	}
	memcpy(w->buf + w->n, s, len);
	w->n += len;
}

void w_u64(struct writer *w, uint64_t v)
{
	char d[20];

	w_put(w, d, fmt_u64(d, v));
}

void w_str(struct writer *w, const char *s)
{
	w_put(w, s, strlen(s));
}

void w_printf(struct writer *w, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0) {
		w->err = -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(tmp)) {
		w_put(w, tmp, (size_t)n);
		return;
	}
	{
		char *big = pgs__malloc(w->al, (size_t)n + 1);

		if (!big) {
			w->err = -ENOMEM;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
		w_put(w, big, (size_t)n);
		pgs__free(w->al, big);
	}
}

size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void w_json_str(struct writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	w_put(w, "\"", 1);
	while (i < len) {
		unsigned char c = s[i];
		size_t u;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80 && (u = utf8_len(s + i, len - i)) > 0) {
			i += u;
			run += u;
			continue;
		}
		w_put(w, s + i - run, run);
		run = 0;
		switch (c) {
		case '"': w_put(w, "\\\"", 2); break;
		case '\\': w_put(w, "\\\\", 2); break;
		case '\n': w_put(w, "\\n", 2); break;
		case '\t': w_put(w, "\\t", 2); break;
		case '\r': w_put(w, "\\r", 2); break;
		default: w_printf(w, "\\u%04x", c);
		}
		i++;
	}
	w_put(w, s + i - run, run);
	w_put(w, "\"", 1);
}

bool line_next(const char **p, const char *end, const char **s, size_t *len)
{
	const char *nl, *le;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	le = nl ? nl : end;
	while (*p < le && (**p == ' ' || **p == '\t'))
		(*p)++;
	*s = *p;
	*len = (size_t)(le - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

/* Whether s[0..len) needs quotes in CSV; with lines, '\n' is a separator. */
static bool csv_needs_quotes(const char *s, size_t len, bool lines)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || (s[i] == '\n' && !lines))
			return true;
	return false;
}

/* s[0..len) with each '"' doubled. */
static void csv_put_quoted(struct writer *w, const char *s, size_t len)
{
	const char *q;

	while ((q = memchr(s, '"', len))) {
		w_put(w, s, (size_t)(q - s) + 1);
		w_put(w, "\"", 1);
		len -= (size_t)(q - s) + 1;
		s = q + 1;
	}
	w_put(w, s, len);
}

void w_csv_str(struct writer *w, const char *s, size_t len, bool lines)
{
	const char *p = s, *end = s + len, *l;
	size_t n, count = 0;
	bool quote;

	if (!lines) {
		if (len && !csv_needs_quotes(s, len, false)) {
			w_put(w, s, len);
			return;
		}
		w_put(w, "\"", 1);
		csv_put_quoted(w, s, len);
		w_put(w, "\"", 1);
		return;
	}
	/* Lines: quoted if any kept byte needs it, or if there is no line. */
	quote = true;
	while (line_next(&p, end, &l, &n)) {
		if (count++ == 0)
			quote = false;
		if (csv_needs_quotes(l, n, true))
			quote = true;
	}
	if (quote)
		w_put(w, "\"", 1);
	for (p = s, count = 0; line_next(&p, end, &l, &n); count++) {
		if (count)
			w_put(w, ";", 1);
		if (quote)
			csv_put_quoted(w, l, n);
		else
			w_put(w, l, n);
	}
	if (quote)
		w_put(w, "\"", 1);
}

size_t fmt_iec(char *out, uint64_t bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned k = 0, shift;
	uint64_t whole, rem, tenths;
	size_t n;

	while (k + 1 < sizeof(unit) / sizeof(unit[0]) && bytes >> (10 * (k + 1)))
		k++;
	shift = 10 * k;
	whole = bytes >> shift;
	rem = shift ? bytes & ((UINT64_C(1) << shift) - 1) : 0;
	/* Tenths rounded half up; rem * 10 fits: rem < 2^60. */
	tenths = shift ? (rem * 10 + (UINT64_C(1) << (shift - 1))) >> shift : 0;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	if (whole == 1024 && k + 1 < sizeof(unit) / sizeof(unit[0])) {
		whole = 1;
		k++;
	}
	n = fmt_u64(out, whole);
	if (tenths) {
		out[n++] = '.';
		out[n++] = (char)('0' + tenths);
	}
	out[n++] = ' ';
	memcpy(out + n, unit[k], strlen(unit[k]) + 1);
	return n + strlen(unit[k]);
}
