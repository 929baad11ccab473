/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: the option grammar (cull keys, sort keys, pid/tgid/name
 * lists) of pgs_query_*, run on small fixed tables (keys_tables.h, excerpts
 * of tests/fixtures built once).
 *
 * Input: one control byte, then up to seven fields separated by '\n':
 *	CULL \n SORT \n SORT2 \n PIDS \n TGIDS \n NAMES \n FILTER
 * A missing field means "no call". Control byte: bits 0-2 pick the table
 * (modulo 5), bit 3 sets select_unreleased, bit 4 clears the sort keys
 * between SORT and SORT2, bit 5 sets the JSON input_name.
 *
 * Besides "never crash", the harness checks the library against the
 * grammar pgsort.h documents and against a slow, obvious oracle built on
 * pgs_table_record(): a key list is accepted exactly when every item is a
 * documented key ([+|-] for sort keys); a failed call leaves the query as it
 * was; the selected rows, the groups of a cull (times and pages of each) and
 * the group order (every sort key but T, then first appearance) are what the
 * oracle computes; the same query run twice writes the same bytes; plus the
 * checks of fuzz_common.h (conservation, well-formed JSON, failing sink).
 */
#include "fuzz_common.h"
#include "keys_tables.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NTABLES (sizeof(keys_tables) / sizeof(keys_tables[0]))
static struct pgs_table *tables[NTABLES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pgs_parse_opts o = PGS_INIT(pgs_parse_opts);
	size_t i;

	(void)argc;
	(void)argv;
	o.threads = 1;
	for (i = 0; i < NTABLES; i++) {
		int err = pgs_table_open_mem(&tables[i], keys_tables[i].text, keys_tables[i].len, &o);

		FUZZ_CHECK(err == 0, "table %s: %s", keys_tables[i].name, pgs_strerror(err));
	}
	return 0;
}

/* ---- the documented grammar ---- */

enum { K_PID, K_TGID, K_NAME, K_ST, K_TXT, K_AT, K_ATOR, K_FT, K_FREE, K_TIMES, K_PAGES,
	/*
	 * The keys of issue 5: the oracle checks that they are accepted
	 * exactly as documented, and the invariants of every result, but
	 * does not recompute their groups (tests/keys/check.py does that
	 * against an awk reading of real dumps).
	 */
	K_MODELED, K_BYTES = K_MODELED, K_ORDER, K_GFP, K_MT, K_BMT, K_PFN, K_NODE,
	K_ZONE, K_FLAGS, K_MEMCG, K_MR, K_HANDLE, K_MOD, K_CS, K_STACK, K_FRAME, K_N };

static const struct {
	const char *s, *l;
	int cull, sort;
} keys[K_N] = {
	[K_PID] = { "p", "pid", 1, 1 },
	[K_TGID] = { "tg", "tgid", 1, 1 },
	[K_NAME] = { "n", "name", 1, 1 },
	[K_ST] = { "st", "stacktrace", 1, 1 },
	[K_TXT] = { "T", "txt", 0, 1 },
	[K_AT] = { "at", "alloc_ts", 1, 1 },
	[K_ATOR] = { "ator", "allocator", 1, 1 },
	[K_FT] = { "ft", "free_ts", 1, 1 },
	[K_FREE] = { "f", "free", 1, 0 },
	[K_TIMES] = { "t", "times", 0, 1 },
	[K_PAGES] = { "m", "pages", 0, 1 },
	[K_BYTES] = { "b", "bytes", 0, 1 },
	[K_ORDER] = { "o", "order", 1, 1 },
	[K_GFP] = { "gfp", "gfp", 1, 1 },
	[K_MT] = { "mt", "migratetype", 1, 1 },
	[K_BMT] = { "bmt", "block_migratetype", 1, 1 },
	[K_PFN] = { "pfn", "pfn", 1, 1 },
	[K_NODE] = { "node", "node", 1, 1 },
	[K_ZONE] = { "zone", "zone", 1, 1 },
	[K_FLAGS] = { "flags", "flags", 1, 1 },
	[K_MEMCG] = { "memcg", "memcg", 1, 1 },
	[K_MR] = { "mr", "migrate_reason", 1, 1 },
	[K_HANDLE] = { "handle", "handle", 1, 1 },
	[K_MOD] = { "mod", "module", 1, 1 },
	[K_CS] = { "cs", "callsite", 1, 1 },
	[K_STACK] = { "stack", "stack", 1, 1 },
	[K_FRAME] = { "frame", "frame", 0, 0 },
};

static int key_of(const char *s, size_t n)
{
	int k;

	/* pgsort.h: "comm", the kernel's name of the field, is name. */
	if (n == 4 && !memcmp(s, "comm", 4))
		return K_NAME;
	for (k = 0; k < K_N; k++)
		if ((strlen(keys[k].s) == n && !memcmp(keys[k].s, s, n)) ||
		    (strlen(keys[k].l) == n && !memcmp(keys[k].l, s, n)))
			return k;
	return -1;
}

/* Calls fn on each comma-separated item; stops at the first failure. */
static int items(const char *list, int (*fn)(void *, const char *, size_t), void *arg)
{
	for (;;) {
		const char *c = strchr(list, ',');
		size_t n = c ? (size_t)(c - list) : strlen(list);

		if (!fn(arg, list, n))
			return 0;
		if (!c)
			return 1;
		list = c + 1;
	}
}

static int cull_item(void *arg, const char *s, size_t n)
{
	unsigned *bits = arg;
	int k = key_of(s, n);

	if (k < 0 || !keys[k].cull)
		return 0;
	*bits |= 1u << k;
	return 1;
}

#define MAX_SORT 64

struct sorts {
	int id[MAX_SORT], sign[MAX_SORT];
	size_t n;
	int overflow;
};

static int sort_item(void *arg, const char *s, size_t n)
{
	struct sorts *so = arg;
	int sign = 1, k;

	if (n && (s[0] == '-' || s[0] == '+')) {
		sign = s[0] == '-' ? -1 : 1;
		s++;
		n--;
	}
	k = key_of(s, n);
	if (k < 0 || !keys[k].sort)
		return 0;
	if (so->n == MAX_SORT) {
		so->overflow = 1;
		return 1;
	}
	so->id[so->n] = k;
	so->sign[so->n++] = sign;
	return 1;
}

/* Numbers: only the unambiguous form -?[0-9]{1,9} is checked by the oracle. */
struct nums {
	int32_t v[256];
	size_t n;
	int plain;	/* every item had the plain form */
};

static int num_item(void *arg, const char *s, size_t n)
{
	struct nums *l = arg;
	size_t i = n && s[0] == '-';
	int32_t v = 0;

	if (n == i || n - i > 9) {
		l->plain = 0;
		return 1;
	}
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			l->plain = 0;
			return 1;
		}
		v = v * 10 + (s[i] - '0');	/* at most 9 digits: no overflow */
	}
	if (l->n < 256)
		l->v[l->n++] = s[0] == '-' ? -v : v;
	else
		l->plain = 0;
	return 1;
}

struct names {
	char *v[256];
	size_t n;
};

static int name_item(void *arg, const char *s, size_t n)
{
	struct names *l = arg;

	if (l->n < 256) {
		l->v[l->n] = strndup(s, n);
		FUZZ_CHECK(l->v[l->n] != NULL, "out of memory in the harness");
		l->n++;
	}
	return 1;
}

/* ---- the oracle ---- */

struct spec {
	unsigned cull;
	struct sorts sort;
	int sel_pid, sel_tgid, sel_name, unreleased;
	int filtered;	/* a --filter was accepted: not modeled */
	struct nums pids, tgids;
	struct names names;
};

static int in_nums(const struct nums *l, int32_t x)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == x)
			return 1;
	return 0;
}

static int row_selected(const struct pgs_table *t, const struct spec *s,
			const struct pgs_record *r)
{
	size_t i;

	if (s->sel_pid && !((r->have & PGS_HAVE_PID) && in_nums(&s->pids, r->pid)))
		return 0;
	if (s->sel_tgid && !((r->have & PGS_HAVE_TGID) && in_nums(&s->tgids, r->tgid)))
		return 0;
	if (s->sel_name) {
		const char *comm = pgs_table_string(t, r->comm);

		for (i = 0; i < s->names.n; i++)
			if (strcmp(s->names.v[i], comm) == 0)
				break;
		if (i == s->names.n)
			return 0;
	}
	if (s->unreleased && (r->have & PGS_HAVE_FREE_TS) && r->free_ts != 0 && r->ts < r->free_ts)
		return 0;
	return 1;
}

static int same_cull_key(const struct pgs_table *t, unsigned cull, const struct pgs_record *a,
			 const struct pgs_record *b)
{
	if ((cull & (1u << K_PID)) && a->pid != b->pid)
		return 0;
	if ((cull & (1u << K_TGID)) && a->tgid != b->tgid)
		return 0;
	if ((cull & (1u << K_NAME)) &&
	    (pgs_table_string_len(t, a->comm) != pgs_table_string_len(t, b->comm) ||
	     memcmp(pgs_table_string(t, a->comm), pgs_table_string(t, b->comm),
		    pgs_table_string_len(t, a->comm))))
		return 0;
	if ((cull & (1u << K_ST)) &&
	    (pgs_table_string_len(t, a->stacktrace) != pgs_table_string_len(t, b->stacktrace) ||
	     memcmp(pgs_table_string(t, a->stacktrace), pgs_table_string(t, b->stacktrace),
		    pgs_table_string_len(t, a->stacktrace))))
		return 0;
	if ((cull & (1u << K_ATOR)) && a->allocator != b->allocator)
		return 0;
	if ((cull & (1u << K_FREE)) && (a->free_ts != 0) != (b->free_ts != 0))
		return 0;
	if ((cull & (1u << K_AT)) && a->ts != b->ts)
		return 0;
	if ((cull & (1u << K_FT)) && a->free_ts != b->free_ts)
		return 0;
	return 1;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_text(const struct pgs_table *t, uint32_t a, uint32_t b)
{
	size_t la = pgs_table_string_len(t, a), lb = pgs_table_string_len(t, b);
	int c = memcmp(pgs_table_string(t, a), pgs_table_string(t, b), la < lb ? la : lb);

	return c ? c : cmp_u64(la, lb);
}

static int cmp_groups(const struct pgs_table *t, const struct sorts *so,
		      const struct pgs_group *a, const struct pgs_group *b)
{
	size_t i;

	for (i = 0; i < so->n; i++) {
		int c = 0;

		switch (so->id[i]) {
		case K_TIMES: c = cmp_u64(a->times, b->times); break;
		case K_PAGES: c = cmp_u64(a->pages, b->pages); break;
		case K_PID: c = a->pid < b->pid ? -1 : a->pid > b->pid; break;
		case K_TGID: c = a->tgid < b->tgid ? -1 : a->tgid > b->tgid; break;
		case K_NAME: c = cmp_text(t, a->comm, b->comm); break;
		case K_ST: c = cmp_text(t, a->stacktrace, b->stacktrace); break;
		case K_AT: c = cmp_u64(a->ts_min, b->ts_min); break;
		case K_ATOR: c = cmp_u64(a->allocator, b->allocator); break;
		case K_FT: c = cmp_u64(a->free_ts, b->free_ts); break;
		default: return 0;	/* T: not checked */
		}
		if (c)
			return c * so->sign[i];
	}
	return cmp_u64(a->first_row, b->first_row);
}

/* Whether the oracle models every key the query uses. */
static int modeled(const struct spec *s)
{
	size_t i;

	if ((s->cull >> K_MODELED) || s->filtered)
		return 0;
	for (i = 0; i < s->sort.n; i++)
		if (s->sort.id[i] >= K_MODELED)
			return 0;
	return 1;
}

static void oracle(const struct pgs_table *t, const struct spec *s, const struct pgs_result *r)
{
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	size_t nrows = pgs_table_count(t), ngroups = pgs_result_count(r), i, j;
	struct pgs_record *rows = calloc(nrows + 1, sizeof(*rows));
	unsigned char *sel = calloc(nrows + 1, 1);
	uint64_t records = 0, pages = 0, distinct = 0;
	struct pgs_group prev = PGS_INIT(pgs_group);
	int check_order = 1;

	FUZZ_CHECK(rows && sel, "out of memory in the harness");
	pgs_table_info(t, &info);
	for (i = 0; i < nrows; i++) {
		rows[i] = PGS_INIT(pgs_record);
		FUZZ_CHECK(pgs_table_record(t, i, &rows[i]) == 0, "record %zu", i);
		sel[i] = (unsigned char)row_selected(t, s, &rows[i]);
		records += sel[i];
		pages += sel[i] ? rows[i].pages : 0;
	}
	FUZZ_CHECK(records == pgs_result_records(r), "selected %llu records, oracle %llu",
		   (unsigned long long)pgs_result_records(r), (unsigned long long)records);
	FUZZ_CHECK(pages == pgs_result_pages(r), "selected %llu pages, oracle %llu",
		   (unsigned long long)pgs_result_pages(r), (unsigned long long)pages);

	if (s->cull && info.kind == PGS_KIND_PAGE_OWNER) {
		/* Distinct keys among the selected rows = groups. */
		for (i = 0; i < nrows; i++) {
			if (!sel[i])
				continue;
			for (j = 0; j < i; j++)
				if (sel[j] && same_cull_key(t, s->cull, &rows[i], &rows[j]))
					break;
			distinct += j == i;
		}
		FUZZ_CHECK(distinct == ngroups, "cull 0x%x: %zu groups, oracle %llu", s->cull,
			   ngroups, (unsigned long long)distinct);
		/* Each group: its first row, times, pages, earliest ts. */
		for (i = 0; i < ngroups; i++) {
			struct pgs_group g = PGS_INIT(pgs_group);
			uint64_t times = 0, gp = 0, ts_min = UINT64_MAX;
			size_t first = SIZE_MAX;

			FUZZ_CHECK(pgs_result_group(r, i, &g) == 0, "group %zu", i);
			FUZZ_CHECK(g.first_row < nrows && sel[g.first_row], "group %zu: first row %zu",
				   i, g.first_row);
			for (j = 0; j < nrows; j++) {
				if (!sel[j] || !same_cull_key(t, s->cull, &rows[j], &rows[g.first_row]))
					continue;
				if (first == SIZE_MAX)
					first = j;
				times++;
				gp += rows[j].pages;
				if (rows[j].ts < ts_min)
					ts_min = rows[j].ts;
			}
			FUZZ_CHECK(first == g.first_row, "group %zu: first row %zu, oracle %zu", i,
				   g.first_row, first);
			FUZZ_CHECK(times == g.times && gp == g.pages,
				   "group %zu: %llu times %llu pages, oracle %llu %llu", i,
				   (unsigned long long)g.times, (unsigned long long)g.pages,
				   (unsigned long long)times, (unsigned long long)gp);
			FUZZ_CHECK(ts_min == g.ts_min, "group %zu: ts_min %llu, oracle %llu", i,
				   (unsigned long long)g.ts_min, (unsigned long long)ts_min);
		}
	}

	/*
	 * Order: the sort keys (default -times on a page_owner dump, -pages on
	 * the page_owner_stacks files), then first appearance.
	 */
	{
		struct sorts def = { { info.kind == PGS_KIND_PAGE_OWNER ? K_TIMES : K_PAGES },
				     { -1 }, 1, 0 };
		const struct sorts *so = s->sort.n ? &s->sort : &def;

		for (i = 0; i < so->n; i++)
			if (so->id[i] == K_TXT)
				check_order = 0;
		for (i = 0; check_order && !s->sort.overflow && i < ngroups; i++) {
			struct pgs_group g = PGS_INIT(pgs_group);

			FUZZ_CHECK(pgs_result_group(r, i, &g) == 0, "group %zu", i);
			if (i)
				FUZZ_CHECK(cmp_groups(t, so, &prev, &g) < 0,
					   "groups %zu and %zu out of order", i - 1, i);
			prev = g;
		}
	}
	free(rows);
	free(sel);
}

/* ---- driving the API ---- */

static void write_text(const struct pgs_result *r, struct fz_buf *b)
{
	struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);

	b->len = 0;
	FUZZ_CHECK(pgs_result_write(r, &wo, fz_sink, b) == 0, "text write");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pgs_table *t;
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL, *r2 = NULL;
	struct spec *s;
	char *copy, *field[7] = { 0 };
	size_t nf = 0, i;
	uint8_t ctl;
	int err;

	if (size == 0)
		return 0;
	ctl = data[0];
	t = tables[(ctl & 7) % NTABLES];
	pgs_table_info(t, &info);
	copy = malloc(size);
	s = calloc(1, sizeof(*s));
	FUZZ_CHECK(copy && s, "out of memory in the harness");
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	/* Fields end at '\n' (an embedded NUL ends the field's string early). */
	field[nf++] = copy;
	for (i = 0; i + 1 < size && nf < 7; i++) {
		if (copy[i] == '\n') {
			copy[i] = '\0';
			field[nf++] = copy + i + 1;
		}
	}

	FUZZ_CHECK(pgs_query_create(&q) == 0, "query_create");
	if (field[0]) {
		unsigned bits = 0;
		int ok = items(field[0], cull_item, &bits);

		err = pgs_query_set_cull(q, field[0]);
		FUZZ_CHECK(err == 0 || err == PGS_E_KEY, "set_cull: %d", err);
		FUZZ_CHECK((err == 0) == ok, "cull '%s': library %d, grammar %s", field[0], err,
			   ok ? "accepts" : "rejects");
		if (!err)
			s->cull = bits;
	}
	for (i = 1; i <= 2; i++) {
		struct sorts add = { { 0 }, { 0 }, 0, 0 };
		int ok;

		if (!field[i])
			continue;
		if (i == 2 && (ctl & 0x10)) {
			pgs_query_clear_sort(q);
			s->sort.n = 0;
			s->sort.overflow = 0;
		}
		ok = items(field[i], sort_item, &add);
		err = pgs_query_add_sort(q, field[i]);
		FUZZ_CHECK(err == 0 || err == PGS_E_KEY || err == -ENOMEM, "add_sort: %d", err);
		if (err == -ENOMEM)
			continue;
		FUZZ_CHECK((err == 0) == ok, "sort '%s': library %d, grammar %s", field[i], err,
			   ok ? "accepts" : "rejects");
		if (!err) {	/* all or nothing: appended only on success */
			size_t k;

			for (k = 0; k < add.n; k++) {
				if (s->sort.n == MAX_SORT) {
					s->sort.overflow = 1;
					break;
				}
				s->sort.id[s->sort.n] = add.id[k];
				s->sort.sign[s->sort.n++] = add.sign[k];
			}
			s->sort.overflow |= add.overflow;
		}
	}
	for (i = 3; i <= 4; i++) {
		struct nums *l = i == 3 ? &s->pids : &s->tgids;
		int *flag = i == 3 ? &s->sel_pid : &s->sel_tgid;

		if (!field[i])
			continue;
		l->plain = 1;
		items(field[i], num_item, l);
		err = i == 3 ? pgs_query_select_pid(q, field[i]) : pgs_query_select_tgid(q, field[i]);
		FUZZ_CHECK(err == 0 || err == -EINVAL || err == -ENOMEM, "select: %d", err);
		if (l->plain)
			FUZZ_CHECK(err != -EINVAL, "plain number list '%s' rejected", field[i]);
		if (!err)
			*flag = 1;
		if (!l->plain)
			*flag = -1;	/* selection the oracle cannot follow */
	}
	if (field[5]) {
		items(field[5], name_item, &s->names);
		err = pgs_query_select_name(q, field[5]);
		FUZZ_CHECK(err == 0 || err == -ENOMEM, "select_name: %d", err);
		s->sel_name = err ? 0 : s->names.n < 256 ? 1 : -1;
	}
	if (field[6]) {
		struct pgs_filter_error fe = PGS_INIT(pgs_filter_error);

		/* Any text: parsed or refused with a position inside it. */
		err = pgs_query_add_filter(q, field[6], &fe);
		FUZZ_CHECK(err == 0 || err == PGS_E_FILTER || err == -ENOMEM, "add_filter: %d", err);
		FUZZ_CHECK(err != PGS_E_FILTER || (fe.offset <= strlen(field[6]) && fe.message[0]),
			   "filter '%s' refused at %zu of %zu: '%s'", field[6], fe.offset,
			   strlen(field[6]), fe.message);
		s->filtered = err == 0;
	}
	if (ctl & 0x08) {
		pgs_query_select_unreleased(q, 1);
		s->unreleased = 1;
	}

	err = pgs_query_run(q, t, &r);
	FUZZ_CHECK(err == 0 || err == PGS_E_NOFIELD || err == -ENOMEM, "query_run: %d", err);
	if (!err) {
		struct fz_buf a = { 0 }, b = { 0 };
		int selected = s->sel_pid || s->sel_tgid || s->sel_name || s->unreleased ||
			       s->filtered;

		fz_check_result(t, r, selected, (unsigned)(ctl >> 5));
		if (s->sel_pid >= 0 && s->sel_tgid >= 0 && s->sel_name >= 0 && modeled(s))
			oracle(t, s, r);
		/* The same query again: the same bytes. */
		FUZZ_CHECK(pgs_query_run(q, t, &r2) == 0, "second run failed");
		write_text(r, &a);
		write_text(r2, &b);
		FUZZ_CHECK(a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0),
			   "the same query wrote different reports");
		if (ctl & 0x20) {
			struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
			size_t bad;

			wo.format = PGS_FORMAT_JSON;
			wo.input_name = field[5] ? field[5] : "";
			b.len = 0;
			FUZZ_CHECK(pgs_result_write(r2, &wo, fz_sink, &b) == 0, "json write");
			bad = fz_json_check(b.p, b.len);
			FUZZ_CHECK(bad == 0, "JSON with input_name '%s' broken at byte %zu", wo.input_name,
				   bad - 1);
		}
		free(a.p);
		free(b.p);
	} else if (err == PGS_E_NOFIELD) {
		FUZZ_CHECK(info.kind != PGS_KIND_PAGE_OWNER || !info.has_free_ts,
			   "PGS_E_NOFIELD on a table with every field");
	}
	pgs_result_free(r2);
	pgs_result_free(r);
	pgs_query_free(q);
	for (i = 0; i < s->names.n; i++)
		free(s->names.v[i]);
	free(s);
	free(copy);
	return 0;
}
