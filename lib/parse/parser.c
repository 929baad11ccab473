/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parse driver: kind detection, ranges, end-of-input summaries, and the
 * incremental parser of the public API (pgs_parser_*), which cuts its input
 * at record boundaries so that every range it parses is whole.
 */
#include <stdarg.h>	/* va_list */
#include <stdio.h>	/* vsnprintf */

#include "parse.h"
#include "stacktrace.h"

/* Input needed before the kind is decided: the first records suffice. */
#define DETECT_BYTES (256u * 1024)
#define DETECT_LINES 2000

void progress_of(const struct pgs_parse_opts *opts, pgs_progress_fn *fn, void **user)
{
	*fn = OPTS_GET(opts, progress, NULL);
	*user = OPTS_GET(opts, progress_user, NULL);
}

unsigned parse_flags(const struct pgs_parse_opts *opts)
{
	if (opts && opts->sz >= offsetof(struct pgs_parse_opts, flags) + sizeof(unsigned))
		return opts->flags;
	return 0;
}

void parse_warn(struct parse_ctx *c, uint64_t line, uint64_t off,
		const char *fmt, ...)
{
	struct pending_diag *d;
	va_list ap;

	c->warned++;
	if (c->nwarn >= WARN_LIMIT)
		return;
	d = &c->warn[c->nwarn++];
	d->line = line;
	d->off = off;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

int parse_absorb(struct parse_ctx *c, struct parse_ctx *s)
{
	uint64_t bytes = s->t->bytes;
	unsigned i;

	if (c->t->rows == 0 && c->t->bytes == 0 && c->t->strings.count == 1) {
		/* The first shard: take its table rather than copy it. */
		struct pgs_table *empty = c->t;

		c->t = s->t;
		s->t = empty;
		c->diag.source = c->t->name;
	} else {
		FORWARD_IF_ERROR(table_merge(c->t, s->t, c->line));
	}
	for (i = 0; i < s->nwarn && c->nwarn < WARN_LIMIT; i++) {
		c->warn[c->nwarn] = s->warn[i];
		c->warn[c->nwarn++].line += c->line;
	}
	c->warned += s->warned;
	c->line += s->line;
	c->off += bytes;
	c->t->lines = c->line;
	return 0;
}

int copy_lines(struct parse_ctx *c, const char *p, const char *end,
	       bool (*keep)(const char *line, size_t len), size_t *len)
{
	size_t n = 0;

	FORWARD_IF_ERROR(buf_reserve(c->al, &c->scratch, (size_t)(end - p) + 1));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);

		if (l && p[l - 1] == '\r')
			l--;
		if (keep(p, l)) {
			memcpy(c->scratch.p + n, p, l);
			n += l;
			c->scratch.p[n++] = '\n';
		}
		p = nl ? nl + 1 : end;
	}
	*len = n;
	return 0;
}

static void show_line(char *out, size_t outsz, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 5 < outsz; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f) {
			out[n++] = (char)ch;
		} else {
			snprintf(out + n, outsz - n, "\\x%02x", ch);
			n += 4;
		}
	}
	if (i < len && n + 4 < outsz) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/*
 * The input's name as a shell word for the command suggested below: as is
 * when it holds only safe characters, else single-quoted.
 */
static void shell_word(char *out, size_t outsz, const char *name)
{
	size_t n = 0, i;

	if (!name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789_./+,:=@%-")] && name[0] && name[0] != '-') {
		snprintf(out, outsz, "%s", name);
		return;
	}
	out[n++] = '\'';
	for (i = 0; name[i] && n + 6 < outsz; i++) {
		if (name[i] == '\'') {
			memcpy(out + n, "'\\''", 4);
			n += 4;
		} else {
			out[n++] = name[i];
		}
	}
	out[n++] = '\'';
	out[n] = '\0';
}

/*
 * Compressed data or UTF-16 text at the start of the input (formats that
 * are not page_owner text but hold it): PGS_E_FORMAT with an error that
 * names the format and the command that reads it, or 0. The pgs_table_open
 * calls decompress zstd, gzip and xz before the text gets here
 * (input/decompress.c); those three reach this through pgs_parser_feed(),
 * or compressed twice.
 */
static int check_magic(struct parse_ctx *c, const char *buf, size_t len)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *what, *tool;
	} bom[] = {
		{ "\xff\xfe", 2, "UTF-16 text (little-endian)", "iconv -f UTF-16 -t UTF-8" },
		{ "\xfe\xff", 2, "UTF-16 text (big-endian)", "iconv -f UTF-16 -t UTF-8" },
	};
	const struct dec_magic *z = dec_magic(buf, len);
	const unsigned char *u = (const unsigned char *)buf;
	const char *what = NULL, *tool = NULL, *name = c->t->name, *verb = "convert";
	char word[160], zwhat[32];
	size_t i, k;

	if (z) {
		snprintf(zwhat, sizeof(zwhat), "%s-compressed", z->name);
		what = zwhat, tool = z->tool, verb = "decompress";
	}
	for (i = 0; i < sizeof(bom) / sizeof(bom[0]) && !what; i++)
		if (len >= bom[i].len && memcmp(buf, bom[i].magic, bom[i].len) == 0)
			what = bom[i].what, tool = bom[i].tool;
	/* UTF-16 without a byte order mark: every other byte NUL, the others text. */
	if (!what && len >= 16) {
		for (k = 0; k < 2 && !what; k++) {
			bool ok = true;

			for (i = 0; i + 1 < 64 && i + 1 < len && ok; i += 2)
				ok = u[i + k] != 0 && u[i + 1 - k] == 0;
			if (ok)
				what = k ? "UTF-16 text (big-endian)" : "UTF-16 text (little-endian)",
				tool = k ? "iconv -f UTF-16BE -t UTF-8" : "iconv -f UTF-16LE -t UTF-8",
				verb = "convert";
		}
	}
	if (!what)
		return 0;
	if (!name || !strcmp(name, "-") || !strcmp(name, "<stdin>")) {
		pgs__diag(&c->diag, PGS_DIAG_ERROR, 0, 0,
			  "the input is %s, not page_owner text: %s it first: ... | %s | pgsort -",
			  what, verb, tool);
	} else {
		shell_word(word, sizeof(word), name);
		pgs__diag(&c->diag, PGS_DIAG_ERROR, 0, 0,
			  "the input is %s, not page_owner text: %s it first: %s %s | pgsort -",
			  what, verb, tool, word);
	}
	return PGS_E_FORMAT;
}

int detect_kind(struct parse_ctx *c, const char *buf, size_t len, bool final)
{
	const char *p = buf, *end = buf + len, *first = NULL;
	size_t first_len = 0;
	uint64_t first_line = 0, first_off = 0, line = c->line;
	enum pgs_kind kind = PGS_KIND_UNKNOWN;
	unsigned lines = 0;
	bool frames = false;
	char shown[96];

	if (c->off == 0 && c->line == 0 && !c->prefix)
		FORWARD_IF_ERROR(check_magic(c, buf, len));
	while (p < end && lines < DETECT_LINES && kind == PGS_KIND_UNKNOWN) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl : end) - p);

		if (!nl && !final)
			break;	/* a partial line proves nothing yet */
		line++;
		lines++;
		if (l && p[l - 1] == '\r')
			l--;
		if (l && !first) {
			first = p;
			first_len = l;
			first_line = line;
			first_off = c->off + (uint64_t)(p - buf);
		}
		switch (classify_line(p, l)) {
		case LC_HEADER:
			if (!frames)
				kind = PGS_KIND_PAGE_OWNER;
			break;
		case LC_FRAME:
			frames = true;
			break;
		case LC_PAGES:
			kind = frames ? PGS_KIND_SHOW_STACKS : PGS_KIND_UNKNOWN;
			break;
		case LC_HANDLE:
			kind = frames ? PGS_KIND_SHOW_STACKS_HANDLES : PGS_KIND_SHOW_HANDLES;
			break;
		case LC_BLANK:
			break;
		default:
			frames = false;
		}
		/* show_stacks_handles vs a show_stacks record that also has a
		 * handle: the line after "handle:" decides. */
		p = nl ? nl + 1 : end;
		if (kind == PGS_KIND_SHOW_STACKS_HANDLES && p < end) {
			const char *nl2 = memchr(p, '\n', (size_t)(end - p));
			size_t l2 = (size_t)((nl2 ? nl2 : end) - p);

			if (classify_line(p, l2) == LC_PAGES)
				kind = PGS_KIND_SHOW_STACKS;
		}
	}
	if (kind != PGS_KIND_UNKNOWN) {
		c->t->kind = kind;
		c->detected = true;
		return 0;
	}
	if (!final && lines < DETECT_LINES && len < MAX_RECORD)
		return 1;
	if (!first)
		return PGS_E_EMPTY;
	if (!c->prefix) {
		FORWARD_IF_ERROR(prefix_detect(c->al, first, (size_t)(end - first), &c->prefix));
		c->owns_prefix = c->prefix != NULL;
		if (c->prefix) {
			/* Every line carries a log prefix: decide on the lines without it. */
			const char *window;
			size_t wlen = (size_t)(end - buf) < DETECT_BYTES ? (size_t)(end - buf) :
					DETECT_BYTES;
			int err;

			c->t->prefix = prefix_name(c->prefix);
			FORWARD_IF_ERROR(prefix_strip(c, buf, wlen, &window, &wlen));
			err = detect_kind(c, window, wlen, final || wlen < (size_t)(end - buf));
			if (err == 0)
				pgs__diag(&c->diag, PGS_DIAG_INFO, 0, 0,
					  "every line carries a %s prefix: stripped", c->t->prefix);
			return err;
		}
	}
	/* Zeros where a mapped file shrank are no reason to call it foreign. */
	RETURN_ERROR_IF(parse_changed(c), PGS_E_CHANGED);
	show_line(shown, sizeof(shown), first, first_len);
	pgs__diag(&c->diag, PGS_DIAG_ERROR, first_line, first_off,
		  "not page_owner output: expected a page_owner block ('Page allocated via order N, ...') "
		  "or a page_owner_stacks record (frames, then 'nr_base_pages: N' or 'handle: N'), found '%s'",
		  shown);
	return PGS_E_FORMAT;
}

int parse_range(struct parse_ctx *c, const char *buf, size_t len, bool final)
{
	size_t raw = len;
	int err;

	if (!c->detected) {
		err = detect_kind(c, buf, len, final);
		if (err)
			return err;
	}
	c->t->bytes += len;
	if (c->prefix)
		FORWARD_IF_ERROR(prefix_strip(c, buf, len, &buf, &len));
	err = c->t->kind == PGS_KIND_PAGE_OWNER ? parse_page_owner(c, buf, len) :
						  parse_stacks(c, buf, len);
	c->off += raw;
	c->t->lines = c->line;
	return err;
}

int parse_finish(struct parse_ctx *c)
{
	struct pgs_table *t = c->t;
	size_t i;

	if (!c->detected)
		return PGS_E_EMPTY;
	table_note_eras(t);
	if (t->era_mixed[0])
		pgs__diag(&c->diag, PGS_DIAG_WARN, 0, 0,
			  "headers of several kernel eras (%s): several dumps concatenated?",
			  t->era_mixed);
	for (i = 0; i < SHAPES; i++)
		if (t->stray_shapes & (1u << i))
			pgs__diag(&c->diag, PGS_DIAG_WARN, t->shape_line[i], 0,
				  "%llu header(s) in the format of era %s among %llu of era %s (first at "
				  "line %llu): the era is %s's",
				  (unsigned long long)t->shape_rows[i], table_shape_name(i),
				  (unsigned long long)t->shape_rows[t->main_shape],
				  table_shape_name(t->main_shape),
				  (unsigned long long)t->shape_line[i], table_era(t));
	/* The distinct stacks of the summary below are counted on frames. */
	if (c->diag.fn && c->diag.level >= PGS_DIAG_INFO)
		FORWARD_IF_ERROR(table_derive(t));
	for (i = 0; i < c->nwarn; i++)
		pgs__diag(&c->diag, PGS_DIAG_WARN, c->warn[i].line, c->warn[i].off, "%s",
			  c->warn[i].msg);
	if (c->warned > c->nwarn)
		pgs__diag(&c->diag, PGS_DIAG_WARN, 0, 0,
			  "%llu more problems not shown one by one",
			  (unsigned long long)(c->warned - c->nwarn));
	if (t->skipped)
		pgs__diag(&c->diag, PGS_DIAG_WARN, 0, 0,
			  "%llu damaged record(s) skipped", (unsigned long long)t->skipped);
	for (i = 0; i < UNK_KINDS && t->unk[i].count; i++)
		pgs__diag(&c->diag, PGS_DIAG_WARN, t->unk[i].first_line, 0,
			  "%llu line(s) not understood starting with '%s' (first at line %llu)",
			  (unsigned long long)t->unk[i].count, t->unk[i].name,
			  (unsigned long long)t->unk[i].first_line);
	pgs__diag(&c->diag, PGS_DIAG_INFO, 0, 0,
		  "%s, era %s: %llu records, %llu pages, %llu distinct stacks",
		  pgs_kind_name(t->kind), table_era(t), (unsigned long long)t->rows,
		  (unsigned long long)t->pages, (unsigned long long)t->distinct_stacks);
	if (t->rows == 0)
		return t->skipped ? PGS_E_FORMAT : PGS_E_EMPTY;
	return 0;
}

int parse_ctx_init(struct parse_ctx *c, const struct pgs_parse_opts *opts,
		   const char *name)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);

	memset(c, 0, sizeof(*c));
	FORWARD_IF_ERROR(OPTS_LOAD(&o, opts));
	if (o.name)
		name = o.name;
	if (o.allocator) {
		c->alloc = *o.allocator;
		c->al = &c->alloc;
	}
	FORWARD_IF_ERROR(table_create(&c->t, c->al, name));
	c->t->stack_ops = &parse_stack_ops;
	c->diag.fn = o.diag;
	c->diag.user = o.diag_user;
	c->diag.level = o.diag_level ? o.diag_level : PGS_DIAG_WARN;
	c->diag.source = c->t->name;
	return 0;
}

void parse_ctx_fini(struct parse_ctx *c)
{
	pgs__free(c->al, c->scratch.p);
	pgs__free(c->al, c->meta.p);
	pgs__free(c->al, c->unprefixed.p);
	prefix_match_free(c->prefix_md);
	if (c->owns_prefix)
		prefix_free(c->prefix);
	c->prefix = NULL;
	c->prefix_md = NULL;
	c->unprefixed.p = NULL;
	pgs_table_free(c->t);
	c->scratch.p = c->meta.p = NULL;
	c->t = NULL;
}

/* ---- incremental parser ---- */


PGS_API int pgs_parser_create(struct pgs_parser **out, const struct pgs_parse_opts *opts)
{
	return parser_create(out, opts, "-");
}

int parser_create(struct pgs_parser **out, const struct pgs_parse_opts *opts,
		  const char *name)
{
	const struct pgs_allocator *al;
	struct pgs_parser *p;
	int err;

	RETURN_ERROR_IF(!out, -EINVAL);
	FORWARD_IF_ERROR(OPTS_VALID(opts));
	al = OPTS_GET(opts, allocator, NULL);
	if (al && !(al->malloc_fn && al->realloc_fn && al->free_fn))
		return -EINVAL;
	p = pgs__calloc(al, 1, sizeof(*p));
	RETURN_ERROR_IF(!p, -ENOMEM);
	err = parse_ctx_init(&p->c, opts, name);
	if (err) {
		pgs__free(al, p);
		return err;
	}
	*out = p;
	return 0;
}

size_t last_record_end(const char *b, size_t len)
{
	size_t i = len;

	while (i > 1) {
		const char *nl = memrchr(b, '\n', i);

		if (!nl)
			return 0;
		i = (size_t)(nl - b);
		if (i >= 1 && b[i - 1] == '\n')
			return i + 1;
		if (i >= 2 && b[i - 1] == '\r' && b[i - 2] == '\n')
			return i + 1;
	}
	return 0;
}

size_t next_boundary(const char *b, size_t len, size_t pos)
{
	while (pos < len) {
		const char *nl = memchr(b + pos, '\n', len - pos);

		if (!nl || (size_t)(nl - b) + 1 >= len)
			return len;
		pos = (size_t)(nl - b) + 1;
		if (b[pos] == '\n')
			return pos + 1;
		if (b[pos] == '\r' && pos + 1 < len && b[pos + 1] == '\n')
			return pos + 2;
	}
	return len;
}

int parse_slices(struct parse_ctx *c, const char *buf, size_t len, size_t slice,
		 pgs_progress_fn progress, void *puser, uint64_t total)
{
	const struct parse_hooks *h = c->hooks;
	size_t pos = 0;

	while (pos < len) {
		size_t end = next_boundary(buf, len, pos + slice < len ? pos + slice : len);

		/* A mapped file that shrank reads as zeros from there: stop. */
		RETURN_ERROR_IF(parse_changed(c), PGS_E_CHANGED);
		FORWARD_IF_ERROR(parse_range(c, buf + pos, end - pos, end == len));
		if (h && h->parsed)
			h->parsed(h->arg, buf + pos, end - pos);
		pos = end;
		if (progress)
			progress(pos, total, puser);
	}
	RETURN_ERROR_IF(parse_changed(c), PGS_E_CHANGED);
	return 0;
}

int parser_run(struct pgs_parser *p, bool final)
{
	size_t len = p->in.len - p->start, cut;
	char *b;
	int err;

	if (!p->in.p)
		return 0;	/* never fed: nothing to parse */
	b = p->in.p + p->start;
	if (!p->c.detected && !final && len < DETECT_BYTES)
		return 0;
	cut = final ? len : last_record_end(b, len);
	if (cut == 0) {
		RETURN_ERROR_IF(len > MAX_RECORD, PGS_E_TOOBIG);
		return 0;
	}
	err = parse_range(&p->c, b, cut, final);
	if (err == 1)
		return 0;	/* detection wants more input */
	FORWARD_IF_ERROR(err);
	p->start += cut;
	return 0;
}

PGS_API int pgs_parser_feed(struct pgs_parser *p, const void *data, size_t len)
{
	RETURN_ERROR_IF(!p || (!data && len), -EINVAL);
	RETURN_ERROR_IF(p->done, PGS_E_STATE);
	RETURN_ERROR_IF(p->err, p->err);
	/* Drop what was parsed, then append. */
	if (p->start) {
		memmove(p->in.p, p->in.p + p->start, p->in.len - p->start);
		p->in.len -= p->start;
		p->start = 0;
	}
	p->err = buf_reserve(p->c.al, &p->in, p->in.len + len);
	if (!p->err) {
		memcpy(p->in.p + p->in.len, data, len);
		p->in.len += len;
		p->err = parser_run(p, false);
	}
	return p->err;
}

PGS_API int pgs_parser_finish(struct pgs_parser *p, struct pgs_table **out)
{
	RETURN_ERROR_IF(!p || !out, -EINVAL);
	RETURN_ERROR_IF(p->done, PGS_E_STATE);
	p->done = true;
	RETURN_ERROR_IF(p->err, p->err);
	FORWARD_IF_ERROR(parser_run(p, true));
	FORWARD_IF_ERROR(parse_finish(&p->c));
	*out = p->c.t;
	p->c.t = NULL;
	return 0;
}

PGS_API void pgs_parser_free(struct pgs_parser *p)
{
	struct pgs_allocator a;
	bool hook;

	if (!p)
		return;
	a = p->c.alloc;
	hook = p->c.al != NULL;
	pgs__free(p->c.al, p->in.p);
	parse_ctx_fini(&p->c);
	pgs__free(hook ? &a : NULL, p);
}
