/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the libFuzzer harnesses: everything goes through the public API
 * (pgsort.h) only. The checks here are invariants the API documents; a
 * violation aborts, which libFuzzer reports as a crash with the input saved.
 *
 *  - the same bytes give the same table (kind, era, lines, records, pages,
 *    skipped, unknown_lines, stacks, frames) whether parsed from memory in one
 *    call or fed to the incremental parser in chunks of any size, and the
 *    same error code when they fail;
 *  - a parse whose allocator fails at some point returns an error, or
 *    succeeds with that same table (it never succeeds with other figures);
 *  - conservation: the rows' pages sum to the table's pages; the groups of
 *    every query sum to pgs_result_records()/pgs_result_pages(), which equal
 *    the table's figures when nothing is selected;
 *  - the JSON report is one well-formed JSON document in strict UTF-8;
 *  - a failing sink makes pgs_result_write() return PGS_E_WRITE;
 *  - out-of-range indexes give -ERANGE; every string id resolves to a
 *    NUL-terminated string of pgs_table_string_len() bytes.
 * Errors returned by the library are fine; crashes, sanitizer reports, leaks
 * and broken invariants are findings.
 */
#ifndef PGSORT_FUZZ_COMMON_H
#define PGSORT_FUZZ_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pgsort/pgsort.h>

/* Not every harness uses every helper. */
#define FZ_FN static __attribute__((unused))

#define FUZZ_CHECK(cond, ...)                                                   \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: invariant broken: %s: ",        \
				__FILE__, __LINE__, #cond);                     \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

/*
 * FUZZ_AVOID=id,id,...: do not trigger the known, open bugs named (the ids
 * of README.md's findings table), so that a campaign can look for new ones
 * before the old ones are fixed; a bug's hook goes once it is fixed. Unset
 * (the default, and always in the replay tests) everything is checked.
 */
static inline int fz_avoid(const char *id)
{
	static const char *env;
	static int loaded;
	const char *p;
	size_t n = strlen(id);

	if (!loaded) {
		env = getenv("FUZZ_AVOID");
		loaded = 1;
	}
	for (p = env; p && (p = strstr(p, id)) != NULL; p += n)
		if ((p == env || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

static inline uint64_t fz_hash(const uint8_t *d, size_t n)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= d[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

/* ---- a JSON checker: RFC 8259 syntax, strict UTF-8 ---- */

struct fz_json {
	const unsigned char *p, *end;
	int depth;
};

static inline void fz_json_ws(struct fz_json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80), 0 if invalid. */
static inline size_t fz_utf8(const unsigned char *s, const unsigned char *end)
{
	size_t n, i;
	uint32_t cp;

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
	if ((size_t)(end - s) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static inline int fz_json_string(struct fz_json *j)
{
	if (j->p >= j->end || *j->p != '"')
		return 0;
	j->p++;
	while (j->p < j->end) {
		unsigned char c = *j->p;

		if (c == '"') {
			j->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;	/* raw control character */
		if (c == '\\') {
			if (j->end - j->p < 2)
				return 0;
			c = j->p[1];
			if (c == 'u') {
				int k;

				if (j->end - j->p < 6)
					return 0;
				for (k = 2; k < 6; k++) {
					unsigned char x = j->p[k];

					if (!((x >= '0' && x <= '9') || (x >= 'a' && x <= 'f') ||
					      (x >= 'A' && x <= 'F')))
						return 0;
				}
				j->p += 6;
			} else if (strchr("\"\\/bfnrt", c) && c) {
				j->p += 2;
			} else {
				return 0;
			}
			continue;
		}
		if (c >= 0x80) {
			size_t u = fz_utf8(j->p, j->end);

			if (!u)
				return 0;
			j->p += u;
			continue;
		}
		j->p++;
	}
	return 0;
}

static inline int fz_json_number(struct fz_json *j)
{
	const unsigned char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end)
		return 0;
	if (*j->p == '0') {
		j->p++;
	} else if (*j->p >= '1' && *j->p <= '9') {
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	} else {
		return 0;
	}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return 0;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return 0;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return j->p > s;
}

static inline int fz_json_value(struct fz_json *j)
{
	static const char *const lit[] = { "true", "false", "null" };
	size_t k;

	fz_json_ws(j);
	if (j->p >= j->end || ++j->depth > 64)
		return 0;
	switch (*j->p) {
	case '{':
		j->p++;
		fz_json_ws(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			break;
		}
		for (;;) {
			fz_json_ws(j);
			if (!fz_json_string(j))
				return 0;
			fz_json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return 0;
			if (!fz_json_value(j))
				return 0;
			fz_json_ws(j);
			if (j->p >= j->end)
				return 0;
			if (*j->p == '}') {
				j->p++;
				break;
			}
			if (*j->p++ != ',')
				return 0;
		}
		break;
	case '[':
		j->p++;
		fz_json_ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			break;
		}
		for (;;) {
			if (!fz_json_value(j))
				return 0;
			fz_json_ws(j);
			if (j->p >= j->end)
				return 0;
			if (*j->p == ']') {
				j->p++;
				break;
			}
			if (*j->p++ != ',')
				return 0;
		}
		break;
	case '"':
		if (!fz_json_string(j))
			return 0;
		break;
	default:
		for (k = 0; k < 3; k++) {
			size_t l = strlen(lit[k]);

			if ((size_t)(j->end - j->p) >= l && memcmp(j->p, lit[k], l) == 0) {
				j->p += l;
				break;
			}
		}
		if (k == 3 && !fz_json_number(j))
			return 0;
	}
	j->depth--;
	return 1;
}

/* Returns 0 if buf holds exactly one JSON document, else the error offset + 1. */
static inline size_t fz_json_check(const char *buf, size_t len)
{
	struct fz_json j = { (const unsigned char *)buf, (const unsigned char *)buf + len, 0 };

	if (!fz_json_value(&j))
		return (size_t)(j.p - (const unsigned char *)buf) + 1;
	fz_json_ws(&j);
	return j.p == j.end ? 0 : (size_t)(j.p - (const unsigned char *)buf) + 1;
}

/* ---- sinks ---- */

struct fz_buf {
	char *p;
	size_t len, cap;
	unsigned calls;
	unsigned fail_at;	/* 0: never fail; k: the k-th call fails */
};

FZ_FN int fz_sink(const void *data, size_t len, void *user)
{
	struct fz_buf *b = user;

	FUZZ_CHECK(len > 0 || data, "sink called with NULL data");
	b->calls++;
	if (b->fail_at && b->calls >= b->fail_at)
		return 1;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (cap < b->len + len)
			cap *= 2;
		np = realloc(b->p, cap);
		FUZZ_CHECK(np != NULL, "out of memory in the harness");
		b->p = np;
		b->cap = cap;
	}
	if (len)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	return 0;
}

/* ---- diagnostics ---- */

struct fz_diag {
	unsigned n;
};

FZ_FN void fz_diag_fn(const struct pgs_diag *d, void *user)
{
	struct fz_diag *s = user;

	FUZZ_CHECK(d && d->message && d->source, "diagnostic without message or source");
	FUZZ_CHECK((unsigned)d->level <= PGS_DIAG_DEBUG, "diagnostic level %d", (int)d->level);
	FUZZ_CHECK(strchr(d->message, '\n') == NULL, "diagnostic holds a newline: %s", d->message);
	s->n++;
}

/* ---- a counting allocator that fails on request ---- */

struct fz_alloc {
	unsigned long calls;
	unsigned long fail_at;	/* 0: never; k: the k-th call and later fail */
};

FZ_FN int fz_alloc_fails(struct fz_alloc *a)
{
	a->calls++;
	return a->fail_at && a->calls >= a->fail_at;
}

FZ_FN void *fz_malloc(size_t n, void *user)
{
	return fz_alloc_fails(user) ? NULL : malloc(n);
}

FZ_FN void *fz_realloc(void *p, size_t n, void *user)
{
	return fz_alloc_fails(user) ? NULL : realloc(p, n);
}

FZ_FN void fz_free(void *p, void *user)
{
	(void)user;
	free(p);
}

/* ---- tables ---- */

FZ_FN void fz_same_info(const struct pgs_table *a, const struct pgs_table *b,
			 const char *what)
{
	struct pgs_table_info x = PGS_INIT(pgs_table_info), y = PGS_INIT(pgs_table_info);

	pgs_table_info(a, &x);
	pgs_table_info(b, &y);
	FUZZ_CHECK(x.kind == y.kind, "%s: kind %d vs %d", what, (int)x.kind, (int)y.kind);
	FUZZ_CHECK(strcmp(x.era, y.era) == 0, "%s: era %s vs %s", what, x.era, y.era);
	FUZZ_CHECK(x.bytes == y.bytes, "%s: bytes %llu vs %llu", what,
		   (unsigned long long)x.bytes, (unsigned long long)y.bytes);
	FUZZ_CHECK(x.lines == y.lines, "%s: lines %llu vs %llu", what,
		   (unsigned long long)x.lines, (unsigned long long)y.lines);
	FUZZ_CHECK(x.records == y.records, "%s: records %llu vs %llu", what,
		   (unsigned long long)x.records, (unsigned long long)y.records);
	FUZZ_CHECK(x.pages == y.pages, "%s: pages %llu vs %llu", what,
		   (unsigned long long)x.pages, (unsigned long long)y.pages);
	FUZZ_CHECK(x.skipped == y.skipped, "%s: skipped %llu vs %llu", what,
		   (unsigned long long)x.skipped, (unsigned long long)y.skipped);
	FUZZ_CHECK(x.unknown_lines == y.unknown_lines, "%s: unknown_lines %llu vs %llu", what,
		   (unsigned long long)x.unknown_lines, (unsigned long long)y.unknown_lines);
	FUZZ_CHECK(x.stacks == y.stacks, "%s: stacks %llu vs %llu", what,
		   (unsigned long long)x.stacks, (unsigned long long)y.stacks);
	FUZZ_CHECK(x.frames == y.frames, "%s: frames %llu vs %llu", what,
		   (unsigned long long)x.frames, (unsigned long long)y.frames);
	FUZZ_CHECK(x.has_free_ts == y.has_free_ts && x.has_tgid == y.has_tgid &&
		   x.has_ts == y.has_ts, "%s: feature flags differ", what);
}

FZ_FN void fz_check_string(const struct pgs_table *t, uint32_t id)
{
	const char *s = pgs_table_string(t, id);
	size_t len = pgs_table_string_len(t, id);

	FUZZ_CHECK(s != NULL, "string %u is NULL", id);
	FUZZ_CHECK(s[len] == '\0', "string %u not NUL-terminated at its length %zu", id, len);
	FUZZ_CHECK(strlen(s) <= len, "string %u longer than its length", id);
}

/* Rows: indexes, strings, and the pages conservation of the table itself. */
FZ_FN void fz_check_rows(const struct pgs_table *t)
{
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_record rec = PGS_INIT(pgs_record);
	uint64_t pages = 0;
	size_t i, n = pgs_table_count(t);

	pgs_table_info(t, &info);
	FUZZ_CHECK(info.records == n, "info.records %llu, count %zu",
		   (unsigned long long)info.records, n);
	FUZZ_CHECK(info.era != NULL && pgs_kind_name(info.kind) != NULL, "era/kind name NULL");
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(pgs_table_record(t, i, &rec) == 0, "record %zu", i);
		pages += rec.pages;
		FUZZ_CHECK(rec.line >= 1 && rec.line <= info.lines, "row %zu: line %llu of %llu", i,
			   (unsigned long long)rec.line, (unsigned long long)info.lines);
		fz_check_string(t, rec.comm);
		fz_check_string(t, rec.stacktrace);
		fz_check_string(t, rec.stack);
		fz_check_string(t, rec.migrate_reason);
		fz_check_string(t, rec.memcg);
		(void)pgs_migratetype_name(rec.mt);
		(void)pgs_migratetype_name(rec.block_mt);
	}
	FUZZ_CHECK(pgs_table_record(t, n, &rec) == -ERANGE, "record past the end");
	FUZZ_CHECK(pages == info.pages, "rows hold %llu pages, info.pages %llu",
		   (unsigned long long)pages, (unsigned long long)info.pages);
	fz_check_string(t, 0);
	fz_check_string(t, UINT32_MAX);
}

/* ---- queries ---- */

struct fz_query {
	const char *cull;	/* NULL: none */
	const char *sort;	/* NULL: default */
	int select_first_pid;
	int unreleased;
};

/*
 * Check a result (groups, conservation, both reports); selected says
 * whether some selection was applied. fail_at: a sink failure to inject.
 */
/* Valid UTF-8 without control bytes but tab, LF and CR (what XML accepts). */
FZ_FN int fz_utf8_text(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p, need, cp;

		if (c < 0x80) {
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				return 0;
			p++;
			continue;
		}
		need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
		if (!need || c > 0xf4 || (size_t)(end - p) <= need)
			return 0;
		cp = c & (0x3f >> need);
		for (unsigned k = 1; k <= need; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) || cp == 0xfffe || cp == 0xffff)
			return 0;
		p += need + 1;
	}
	return 1;
}

FZ_FN void fz_check_result(const struct pgs_table *t, const struct pgs_result *r,
			    int selected, unsigned fail_at)
{
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_group g = PGS_INIT(pgs_group);
	struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
	struct fz_buf out = { 0 };
	uint64_t times = 0, pages = 0;
	size_t i, n = pgs_result_count(r);
	int err;

	pgs_table_info(t, &info);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(pgs_result_group(r, i, &g) == 0, "group %zu", i);
		FUZZ_CHECK(g.times >= 1, "group %zu is empty", i);
		FUZZ_CHECK(g.first_row < pgs_table_count(t), "group %zu: first row %zu", i,
			   g.first_row);
		times += g.times;
		pages += g.pages;
		fz_check_string(t, g.comm);
		fz_check_string(t, g.stacktrace);
	}
	FUZZ_CHECK(pgs_result_group(r, n, &g) == -ERANGE, "group past the end");
	FUZZ_CHECK(times == pgs_result_records(r), "groups hold %llu records, result %llu",
		   (unsigned long long)times, (unsigned long long)pgs_result_records(r));
	FUZZ_CHECK(pages == pgs_result_pages(r), "groups hold %llu pages, result %llu",
		   (unsigned long long)pages, (unsigned long long)pgs_result_pages(r));
	FUZZ_CHECK(pgs_result_records(r) <= info.records, "more selected rows than rows");
	if (!selected) {
		FUZZ_CHECK(pgs_result_records(r) == info.records,
			   "no selection but %llu of %llu records",
			   (unsigned long long)pgs_result_records(r),
			   (unsigned long long)info.records);
		FUZZ_CHECK(pgs_result_pages(r) == info.pages,
			   "no selection but %llu of %llu pages",
			   (unsigned long long)pgs_result_pages(r), (unsigned long long)info.pages);
	}

	wo.format = PGS_FORMAT_TEXT;
	err = pgs_result_write(r, &wo, fz_sink, &out);
	FUZZ_CHECK(err == 0 || err == -ENOMEM, "text write: %d", err);
	out.len = 0;
	out.calls = 0;
	wo.format = PGS_FORMAT_JSON;
	err = pgs_result_write(r, &wo, fz_sink, &out);
	FUZZ_CHECK(err == 0 || err == -ENOMEM, "json write: %d", err);
	if (err == 0) {
		size_t bad = fz_json_check(out.p, out.len);

		FUZZ_CHECK(bad == 0, "JSON report broken at byte %zu of %zu: ...%.*s", bad - 1,
			   out.len, (int)(out.len - (bad - 1) < 80 ? out.len - (bad - 1) : 80),
			   out.p + bad - 1);
	}
	/* ndjson: each of its n lines is a JSON value; CSV: a header and n rows. */
	for (i = 0; i < 2; i++) {
		size_t lines = 0, k, start = 0;

		out.len = 0;
		out.calls = 0;
		wo.format = i ? PGS_FORMAT_CSV : PGS_FORMAT_NDJSON;
		err = pgs_result_write(r, &wo, fz_sink, &out);
		FUZZ_CHECK(err == 0 || err == -ENOMEM, "%s write: %d", i ? "csv" : "ndjson", err);
		if (err)
			continue;
		for (k = 0; k < out.len; k++) {
			if (out.p[k] != '\n')
				continue;
			lines++;
			if (!i) {
				size_t bad = fz_json_check(out.p + start, k - start);

				FUZZ_CHECK(bad == 0, "ndjson line %zu broken at byte %zu", lines, bad - 1);
			} else {
				FUZZ_CHECK(k > 0 && out.p[k - 1] == '\r', "csv row %zu not ended by CRLF",
					   lines);
			}
			start = k + 1;
		}
		FUZZ_CHECK(start == out.len, "%s does not end in a newline", i ? "csv" : "ndjson");
		FUZZ_CHECK(lines == n + (i ? 1 : 0), "%s: %zu lines for %zu groups",
			   i ? "csv" : "ndjson", lines, n);
	}
	/*
	 * folded: "frames weight\n" lines whose weights add up to the pages
	 * of the groups shown; pprof: a gzip stream; svg and html: text an XML
	 * parser takes, so no control byte but tab, CR, LF and valid UTF-8.
	 */
	for (i = 0; i < 4; i++) {
		static const enum pgs_format fmts[] = {
			PGS_FORMAT_FOLDED, PGS_FORMAT_PPROF, PGS_FORMAT_SVG, PGS_FORMAT_HTML,
		};
		uint64_t sum = 0, shown = 0;
		size_t k, start = 0;

		out.len = 0;
		out.calls = 0;
		wo.format = fmts[i];
		err = pgs_result_write(r, &wo, fz_sink, &out);
		FUZZ_CHECK(err == 0 || err == -ENOMEM, "format %d write: %d", (int)fmts[i], err);
		if (err)
			continue;
		if (fmts[i] == PGS_FORMAT_PPROF) {
			FUZZ_CHECK(out.len > 18 && (unsigned char)out.p[0] == 0x1f &&
				   (unsigned char)out.p[1] == 0x8b, "pprof is not gzip");
			continue;
		}
		if (fmts[i] != PGS_FORMAT_FOLDED) {
			FUZZ_CHECK(fz_utf8_text(out.p, out.len), "format %d: not XML-safe text",
				   (int)fmts[i]);
			continue;
		}
		for (k = 0; k < n; k++) {
			struct pgs_group g = PGS_INIT(pgs_group);

			FUZZ_CHECK(pgs_result_group(r, k, &g) == 0, "group %zu", k);
			shown += g.pages;
		}
		for (k = 0; k < out.len; k++) {
			const char *sp;

			if (out.p[k] != '\n')
				continue;
			sp = memrchr(out.p + start, ' ', k - start);
			FUZZ_CHECK(sp && sp > out.p + start, "folded line without weight");
			sum += strtoull(sp + 1, NULL, 10);
			start = k + 1;
		}
		FUZZ_CHECK(start == out.len, "folded does not end in a newline");
		FUZZ_CHECK(sum == shown, "folded weights %llu, groups %llu pages",
			   (unsigned long long)sum, (unsigned long long)shown);
	}
	/* A sink that fails: PGS_E_WRITE, nothing else (and no leak). */
	if (fail_at) {
		unsigned calls = out.calls;

		out.len = 0;
		out.calls = 0;
		out.fail_at = fail_at;
		wo.format = fail_at & 1 ? PGS_FORMAT_JSON : PGS_FORMAT_TEXT;
		err = pgs_result_write(r, &wo, fz_sink, &out);
		if (wo.format == PGS_FORMAT_JSON && fail_at <= calls)
			FUZZ_CHECK(err == PGS_E_WRITE, "failing sink: %d", err);
		else
			FUZZ_CHECK(err == 0 || err == PGS_E_WRITE || err == -ENOMEM,
				   "failing sink: %d", err);
	}
	wo.format = (enum pgs_format)(PGS_FORMAT_HTML + 1);
	FUZZ_CHECK(pgs_result_write(r, &wo, fz_sink, &out) == -EINVAL, "unknown format accepted");
	free(out.p);
}

/*
 * A table diffed with itself: every group is in both with nothing changed,
 * and the totals are the same on both sides. Only txt (no single value)
 * may be refused as a sort key; boot keys are allowed by SAME_BOOT.
 */
FZ_FN void fz_self_diff(const struct pgs_table *t, const struct pgs_query *q,
			const struct fz_query *fq)
{
	struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
	struct pgs_diff_group g = PGS_INIT(pgs_diff_group);
	struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
	struct fz_buf out = { 0 };
	struct pgs_diff *d = NULL;
	size_t i;
	int err;

	o.flags = PGS_DIFF_SAME_BOOT;
	err = pgs_diff_run(q, t, t, &o, &d);
	if (err == PGS_E_KEY)
		FUZZ_CHECK(fq->sort && strchr(fq->sort, 'T'), "self diff refused %s", fq->sort);
	else
		FUZZ_CHECK(err == 0 || err == -ENOMEM, "self diff: %d", err);
	if (err)
		return;
	for (i = 0; i < pgs_diff_count(d); i++) {
		FUZZ_CHECK(pgs_diff_group(d, i, &g) == 0, "diff group %zu", i);
		FUZZ_CHECK(g.status == PGS_DIFF_BOTH && g.pages_delta == 0 && g.times_delta == 0 &&
			   g.pages_before == g.pages_after, "self diff group %zu changed", i);
	}
	FUZZ_CHECK(pgs_diff_totals(d, &g) == 0 && g.pages_delta == 0 && g.times_delta == 0,
		   "self diff totals changed");
	for (i = 0; i < 6; i++) {
		static const enum pgs_format fmts[] = {
			PGS_FORMAT_TEXT, PGS_FORMAT_JSON, PGS_FORMAT_NDJSON, PGS_FORMAT_CSV,
			PGS_FORMAT_FOLDED, PGS_FORMAT_SVG,
		};

		out.len = 0;
		wo.format = fmts[i];
		err = pgs_diff_write(d, &wo, fz_sink, &out);
		FUZZ_CHECK(err == 0 || err == -ENOMEM, "diff write %d: %d", (int)fmts[i], err);
		if (!err && fmts[i] == PGS_FORMAT_JSON)
			FUZZ_CHECK(fz_json_check(out.p, out.len) == 0, "diff JSON broken");
		if (!err && fmts[i] == PGS_FORMAT_SVG)
			FUZZ_CHECK(fz_utf8_text(out.p, out.len), "diff svg: not XML-safe text");
	}
	free(out.p);
	pgs_diff_free(d);
}

FZ_FN void fz_run_query(const struct pgs_table *t, const struct fz_query *fq, unsigned fail_at)
{
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	int selected = 0, err;

	pgs_table_info(t, &info);
	FUZZ_CHECK(pgs_query_create(&q) == 0, "query_create");
	if (fq->cull)
		FUZZ_CHECK(pgs_query_set_cull(q, fq->cull) == 0, "cull %s", fq->cull);
	if (fq->sort)
		FUZZ_CHECK(pgs_query_add_sort(q, fq->sort) == 0, "sort %s", fq->sort);
	if (fq->select_first_pid && pgs_table_count(t)) {
		struct pgs_record rec = PGS_INIT(pgs_record);
		char list[32];

		FUZZ_CHECK(pgs_table_record(t, 0, &rec) == 0, "record 0");
		snprintf(list, sizeof(list), "%d", (int)rec.pid);
		FUZZ_CHECK(pgs_query_select_pid(q, list) == 0, "select pid %s", list);
		selected = 1;
	}
	if (fq->unreleased) {
		pgs_query_select_unreleased(q, 1);
		selected = 1;
	}
	err = pgs_query_run(q, t, &r);
	FUZZ_CHECK(err == 0 || err == PGS_E_NOFIELD || err == -ENOMEM, "query_run: %d", err);
	if (err == PGS_E_NOFIELD)
		FUZZ_CHECK(info.kind != PGS_KIND_PAGE_OWNER || !info.has_free_ts,
			   "PGS_E_NOFIELD on a page_owner table with every field");
	if (!err)
		fz_check_result(t, r, selected, fail_at);
	pgs_result_free(r);
	if (!err)
		fz_self_diff(t, q, fq);
	pgs_query_free(q);
}

FZ_FN void fz_queries(const struct pgs_table *t, uint64_t h)
{
	static const struct fz_query fixed[] = {
		{ "st", "-m", 0, 0 },
		{ "pid,name", "-m", 0, 0 },
		{ NULL, NULL, 0, 0 },
		{ "st", NULL, 1, 0 },
	};
	/* One more, chosen by the input's hash. */
	static const struct fz_query extra[] = {
		{ "ator,pid", "-m,n", 0, 0 },
		{ NULL, "at", 0, 0 },		/* ts digits kept in the block text */
		{ NULL, "T,-tg", 0, 0 },
		{ "tg,st", "-t,p", 0, 0 },
		{ "f", "ft", 0, 0 },		/* free_ts: NOFIELD unless era E/F/G */
		{ "st", "-m", 0, 1 },		/* -f: unreleased only */
		{ "name", "+n,-at", 1, 0 },
		{ "stacktrace,allocator,free", "-pages,times", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		fz_run_query(t, &fixed[i], 0);
	fz_run_query(t, &extra[h % (sizeof(extra) / sizeof(extra[0]))],
		     (unsigned)((h >> 8) % 6));
}

/* ---- parsing the same bytes three ways ---- */

FZ_FN int fz_feed(struct pgs_table **out, const uint8_t *buf, size_t len, const uint8_t *ctl,
		   size_t nctl, size_t scale)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct pgs_parser *p = NULL;
	size_t off = 0, k = 0;
	int err;

	o.threads = 1;
	FUZZ_CHECK(pgs_parser_create(&p, &o) == 0, "parser_create");
	err = 0;
	while (off < len && !err) {
		/* Chunk sizes from the input's first bytes: 1..128, or 97..12416. */
		uint8_t b = nctl ? ctl[k++ % nctl] : 0;
		size_t chunk = ((b & 0x80) ? ((size_t)(b & 0x7f) + 1) * 97 : (size_t)(b & 0x7f) + 1) *
			       scale;

		if (chunk > len - off)
			chunk = len - off;
		err = pgs_parser_feed(p, buf + off, chunk);
		off += chunk;
		/* An empty feed changes nothing. */
		if (!err && (b & 0x41) == 0x41)
			err = pgs_parser_feed(p, buf + off, 0);
	}
	if (!err)
		err = pgs_parser_finish(p, out);
	else
		/* After an error: finish fails too and gives no table. */
		FUZZ_CHECK(pgs_parser_finish(p, out) != 0, "finish succeeded after a feed error");
	FUZZ_CHECK(pgs_parser_feed(p, "x", 1) != 0, "feed accepted after finish");
	pgs_parser_free(p);
	return err;
}

/*
 * Whether buf starts like zstd (a frame or a skippable frame: pgsort's
 * snapshots), gzip or xz: pgs_table_open_mem() decompresses those, the
 * chunked parser (text only) refuses them.
 */
static int fz_compressed(const uint8_t *b, size_t len)
{
	return (len >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) ||
	       (len >= 4 && (b[0] & 0xf0) == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18) ||
	       (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) ||
	       (len >= 6 && memcmp(b, "\xfd" "7zXZ\0", 6) == 0);
}

/*
 * mem vs chunks: the same error, or the same table. Returns open_mem's
 * code. Compressed input: open_mem's own answers only (damaged data is
 * PGS_E_CORRUPT), the chunked parser's PGS_E_FORMAT.
 */
FZ_FN int fz_compare_parsers(const uint8_t *buf, size_t len, size_t scale,
			      struct pgs_table **keep)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct fz_diag d = { 0 };
	struct pgs_table *m = NULL, *c = NULL;
	int em, ec;

	o.threads = 1;
	o.diag = fz_diag_fn;
	o.diag_user = &d;
	o.diag_level = PGS_DIAG_INFO;
	em = pgs_table_open_mem(&m, buf, len, &o);
	FUZZ_CHECK(em == 0 || em == PGS_E_FORMAT || em == PGS_E_EMPTY || em == -ENOMEM ||
		   (em == PGS_E_CORRUPT && fz_compressed(buf, len)),
		   "open_mem: %d (%s)", em, pgs_strerror(em));
	FUZZ_CHECK((em == 0) == (m != NULL), "open_mem: error %d with table %p", em, (void *)m);
	if (fz_compressed(buf, len)) {
		ec = fz_feed(&c, buf, len, buf, len < 8 ? len : 8, scale);
		FUZZ_CHECK(ec == PGS_E_FORMAT, "chunked parser on compressed data: %d (%s)", ec,
			   pgs_strerror(ec));
		pgs_table_free(c);
		if (keep)
			*keep = m;
		else
			pgs_table_free(m);
		return em;
	}
	ec = fz_feed(&c, buf, len, buf, len < 8 ? len : 8, scale);
	FUZZ_CHECK(em == ec, "open_mem returned %d (%s), the chunked parser %d (%s)", em,
		   pgs_strerror(em), ec, pgs_strerror(ec));
	if (!em) {
		fz_same_info(m, c, "open_mem vs chunked parser");
		FUZZ_CHECK(pgs_table_count(m) == pgs_table_count(c), "row counts differ");
	}
	pgs_table_free(c);
	if (keep)
		*keep = m;
	else
		pgs_table_free(m);
	return em;
}

/* A parse whose allocator fails at call number fail_at. */
FZ_FN void fz_alloc_failure(const uint8_t *buf, size_t len, const struct pgs_table *ref,
			     int ref_err, uint64_t h)
{
	struct fz_alloc count = { 0, 0 }, fail;
	struct pgs_allocator al = { fz_malloc, fz_realloc, fz_free, &count };
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	struct pgs_table *t = NULL;
	int err;

	o.threads = 1;
	o.allocator = &al;
	err = pgs_table_open_mem(&t, buf, len, &o);
	FUZZ_CHECK(err == ref_err, "with a counting allocator: %d, without: %d", err, ref_err);
	if (t)
		fz_same_info(ref, t, "malloc vs allocator hook");
	pgs_table_free(t);
	t = NULL;
	if (!count.calls)
		return;
	fail.calls = 0;
	fail.fail_at = 1 + h % count.calls;
	al.user = &fail;
	err = pgs_table_open_mem(&t, buf, len, &o);
	FUZZ_CHECK(err == 0 || err == -ENOMEM || err == ref_err,
		   "allocation %lu of %lu failing: %d (%s)", fail.fail_at, count.calls, err,
		   pgs_strerror(err));
	FUZZ_CHECK((err == 0) == (t != NULL), "error %d with a table", err);
	if (!err) {
		FUZZ_CHECK(ref_err == 0, "allocation failure turned error %d into success", ref_err);
		/*
		 * Success despite a failed allocation: the same table, or
		 * nothing. Its stack and frame counts are made later, by
		 * pgs_table_info() (0 without memory): counted with memory.
		 */
		fail.fail_at = 0;
		fz_same_info(ref, t, "allocation failure vs none");
	}
	pgs_table_free(t);
}

/* The whole check on one input. */
FZ_FN void fz_one_input(const uint8_t *data, size_t size)
{
	struct pgs_table *t = NULL;
	uint64_t h = fz_hash(data, size);
	int err;

	err = fz_compare_parsers(data, size, 1, &t);
	fz_alloc_failure(data, size, t, err, h >> 3);
	if (t) {
		fz_check_rows(t);
		fz_queries(t, h >> 17);
	}
	pgs_table_free(t);

	/*
	 * One input in 32: the input repeated past the incremental parser's
	 * detection window (256 KiB), so that it really cuts the input at
	 * record boundaries between feeds; larger chunks there.
	 */
	if ((h & 31) == 0 && size > 0 && size <= 64 * 1024) {
		size_t want = 300 * 1024, n = 0;
		uint8_t *big = malloc(want + size);

		FUZZ_CHECK(big != NULL, "out of memory in the harness");
		while (n < want) {
			memcpy(big + n, data, size);
			n += size;
		}
		fz_compare_parsers(big, n, 61, NULL);
		free(big);
	}
}

#endif /* PGSORT_FUZZ_COMMON_H */
