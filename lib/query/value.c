/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A key's value for one row: what cull groups by, sort orders by, filters
 * test and outputs print. Almost every value is a property of one of the
 * row's templates (header, PFN line, stacktrace), so this is a lookup, not
 * a parse; the call sites, which depend on the query's skip pattern, are
 * worked out once per stacktrace by key_callsites().
 */
#include "../regex.h"
#include <stdio.h>
#include <stdlib.h>

#include "value.h"

static uint32_t st_text(const struct keyctx *c, size_t row)
{
	const struct st_meta *m = table_row_st(c->t, row);

	/* Stripped: the query made the derived stacks (query_needs_frames()). */
	return c->strip && c->t->sd[c->t->c_st[row]].text_strip ?
	       c->t->sd[c->t->c_st[row]].text_strip : m->text;
}

uint32_t key_st_text(const struct keyctx *c, size_t row)
{
	return st_text(c, row);
}

const uint32_t *key_frames_as(const struct keyctx *c, size_t row, bool strip, size_t *n)
{
	const struct st_meta *m = table_row_st(c->t, row);
	const uint32_t *f = strip && c->t->frame_strip ? c->t->frame_strip : c->t->frames;

	*n = m->nframes;
	return m->nframes ? f + table_row_sd(c->t, row)->frame_off : NULL;
}

const uint32_t *key_frames(const struct keyctx *c, size_t row, size_t *n)
{
	return key_frames_as(c, row, c->strip, n);
}

uint32_t key_st_frames_text(const struct keyctx *c, size_t row)
{
	/* Derived: only once table_derive() made it (result_complete()). */
	return table_row_sd(c->t, row)->stack;
}

bool key_st_slab(const struct keyctx *c, size_t row)
{
	return table_row_st(c->t, row)->slab;
}

int key_memcg_flag(const struct keyctx *c, size_t row, unsigned flag)
{
	const struct st_meta *m = table_row_st(c->t, row);

	return m->memcg ? !!(m->memcg_flags & flag) : -1;
}

void key_po_task(const struct keyctx *c, size_t row, int32_t *pid, int32_t *tgid,
		 uint32_t *comm)
{
	const struct hdr_meta *h = table_row_hdr(c->t, row);

	*pid = h->pid;
	*tgid = h->tgid;
	*comm = h->comm;
}

bool key_po_unreleased(const struct keyctx *c, size_t row)
{
	const struct pgs_table *t = c->t;

	/* page_owner_sort's labels; a missing free_ts reads as -1 there. */
	return t->c_fts && (t->c_fts[row] || !(table_row_hdr(t, row)->have & PGS_HAVE_FREE_TS));
}

int key_txt(const struct keyctx *c, size_t row, bool with_ts, const struct pgs_allocator *al,
	    char **buf, size_t *len, size_t *cap)
{
	const struct pgs_table *t = c->t;
	const struct hdr_meta *h = table_row_hdr(t, row);
	const char *tmpl = strpool_str(&t->hdrs, t->c_hdr[row]);
	size_t tl = strpool_len(&t->hdrs, t->c_hdr[row]);
	uint32_t st = key_st_text(c, row);
	size_t sl = strpool_len(&t->strings, st), p = 0;

	/* Room for the text, two numbers of up to 20 digits and a newline. */
	FORWARD_IF_ERROR(pgs__grow(al, (void **)buf, cap, *len + tl + sl + 41, 1));
	if (with_ts && h->ts_off != HDR_NOCUT) {
		memcpy(*buf + *len, tmpl, h->ts_off);
		*len += h->ts_off;
		p = h->ts_off;
		*len += fmt_u64(*buf + *len, t->c_ts[row]);
	}
	if (h->fts_off != HDR_NOCUT) {
		memcpy(*buf + *len, tmpl + p, h->fts_off - p);
		*len += h->fts_off - p;
		p = h->fts_off;
		*len += fmt_u64(*buf + *len, t->c_fts ? t->c_fts[row] : 0);
	}
	memcpy(*buf + *len, tmpl + p, tl - p);
	*len += tl - p;
	(*buf)[(*len)++] = '\n';
	memcpy(*buf + *len, strpool_str(&t->strings, st), sl);
	*len += sl;
	return 0;
}

static void num(struct kval *v, uint64_t x)
{
	v->type = KV_NUM;
	v->v = x;
}

static void sint(struct kval *v, int64_t x)
{
	v->type = KV_INT;
	v->v = (uint64_t)x;
}

static void str(struct kval *v, uint32_t id)
{
	v->type = KV_STR;
	v->v = id;
}

/*
 * group.c groups rows by the one id a cull's keys read (the stack's, the
 * header template's, the PFN template's), the col of each key's row in
 * keys.c: a key that starts reading another column, or the row's own
 * fields, must change its col too.
 * test_grouping checks each key both ways.
 */
void key_value(const struct keyctx *c, enum key_id k, size_t row, struct kval *v)
{
	const struct pgs_table *t = c->t;
	const struct hdr_meta *h = table_row_hdr(t, row);
	const struct pfn_meta *p = table_row_pfn(t, row);
	const struct st_meta *m = table_row_st(t, row);
	bool po = t->kind == PGS_KIND_PAGE_OWNER;

	v->type = KV_NULL;
	v->v = 0;
	switch (k) {
	case K_PID:
		if (h->have & PGS_HAVE_PID)
			sint(v, h->pid);
		break;
	case K_TGID:
		if (h->have & PGS_HAVE_TGID)
			sint(v, h->tgid);
		break;
	case K_NAME:
		if (h->have & PGS_HAVE_TGID)
			str(v, h->comm);
		break;
	case K_STACKTRACE:
		if (m->text)
			str(v, st_text(c, row));
		break;
	case K_ALLOC_TS:
		if (po && (h->have & PGS_HAVE_TS))
			num(v, t->c_ts[row]);
		break;
	/* A header without free_ts has none (null), also among headers with it. */
	case K_FREE_TS:
		if (t->c_fts && (h->have & PGS_HAVE_FREE_TS))
			num(v, t->c_fts[row]);
		break;
	case K_FREE:
		if (t->c_fts && (h->have & PGS_HAVE_FREE_TS))
			num(v, t->c_fts[row] != 0);
		break;
	case K_ALLOCATOR:
		if (po)
			num(v, table_row_allocator(t, row));
		break;
	case K_TIMES:
		num(v, 1);
		break;
	case K_PAGES:
		num(v, table_row_pages(t, row));
		break;
	case K_BYTES:
		num(v, table_row_pages(t, row) * c->page_size);
		break;
	case K_ORDER:
		if (h->have & PGS_HAVE_HEADER)
			num(v, h->order);
		break;
	case K_GFP:
		if (h->have & PGS_HAVE_HEADER)
			num(v, h->gfp);
		break;
	case K_MT:
	case K_BMT: {
		uint8_t mt = k == K_MT ? p->mt : p->bmt;

		if (mt == PGS_MT_NUMERIC)
			num(v, 256 + (k == K_MT ? p->mt_num : p->bmt_num));
		else if (mt != PGS_MT_NONE)
			num(v, mt);
		break;
	}
	case K_PFN:
		if (po && t->c_pfnt[row] && p->valid)
			num(v, t->c_pfn[row]);
		break;
	case K_NODE:
		if (p->node >= 0)
			sint(v, p->node);
		break;
	case K_ZONE:
		if (p->zone >= 0)
			sint(v, p->zone);
		break;
	case K_FLAGS:
		if (po && t->c_pfnt[row] && p->valid)
			str(v, p->flag_names);
		break;
	case K_MEMCG:
		if (m->memcg)
			str(v, m->memcg);
		break;
	case K_MR:
		if (m->migrate)
			str(v, m->migrate);
		break;
	case K_HANDLE:
		if (m->has_handle)
			num(v, m->handle);
		else if (t->c_handle && t->kind != PGS_KIND_SHOW_STACKS)
			num(v, t->c_handle[row]);
		break;
	case K_MODULE:
		if (table_row_sd(t, row)->module)
			str(v, table_row_sd(t, row)->module);
		break;
	case K_CALLSITE:
		if (c->cs && c->cs[t->c_st[row]])
			str(v, c->cs[t->c_st[row]]);
		break;
	case K_STACK:
		if (m->nframes)
			str(v, c->strip && table_row_sd(t, row)->stack_strip ?
				  table_row_sd(t, row)->stack_strip : table_row_sd(t, row)->stack);
		break;
	case K_TXT:	/* a text of its own: key_txt() */
	case K_FRAME:
	case K__COUNT:
		break;
	}
}

const char *key_mt_name(uint64_t v, char *buf, size_t bufsz)
{
	if (v >= 256) {
		snprintf(buf, bufsz, "%u", (unsigned)(v - 256));
		return buf;
	}
	return pgs_migratetype_name((enum pgs_migratetype)v);
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* Bytewise order (unsigned, then shorter first), for texts that may hold NUL. */
static int cmp_bytes(const char *a, size_t la, const char *b, size_t lb)
{
	int c = memcmp(a, b, la < lb ? la : lb);

	return c ? c : cmp_u64(la, lb);
}

int key_cmp(const struct keyctx *ca, size_t ra, const struct keyctx *cb, size_t rb,
	    enum key_id k)
{
	struct kval a, b;

	key_value(ca, k, ra, &a);
	key_value(cb, k, rb, &b);
	/*
	 * Missing first; but a missing free_ts last, where page_owner_sort
	 * (5.14-6.6) puts it: its failed match reads as (__u64)-1.
	 */
	if (a.type == KV_NULL || b.type == KV_NULL)
		return k == K_FREE_TS ? (a.type == KV_NULL) - (b.type == KV_NULL) :
					(a.type != KV_NULL) - (b.type != KV_NULL);
	if (a.type == KV_STR) {
		const struct strpool *sa = &ca->t->strings, *sb = &cb->t->strings;

		if (a.v == b.v && ca->t == cb->t)
			return 0;
		return cmp_bytes(strpool_str(sa, (uint32_t)a.v), strpool_len(sa, (uint32_t)a.v),
				 strpool_str(sb, (uint32_t)b.v), strpool_len(sb, (uint32_t)b.v));
	}
	if (a.type == KV_INT)
		return ((int64_t)a.v > (int64_t)b.v) - ((int64_t)a.v < (int64_t)b.v);
	if (k == K_MT || k == K_BMT) {
		char ba[16], bb[16];
		const char *na = key_mt_name(a.v, ba, sizeof(ba)), *nb = key_mt_name(b.v, bb, sizeof(bb));

		return cmp_bytes(na, strlen(na), nb, strlen(nb));
	}
	return cmp_u64(a.v, b.v);
}

const char *key_text(const struct keyctx *c, enum key_id k, size_t row,
		     const struct kval *v, char *buf, size_t bufsz, size_t *len)
{
	const struct pgs_table *t = c->t;
	const char *s = NULL;

	*len = 0;
	if (v->type == KV_NULL)
		return NULL;
	if (v->type == KV_STR) {
		*len = strpool_len(&t->strings, (uint32_t)v->v);
		return strpool_str(&t->strings, (uint32_t)v->v);
	}
	switch (k) {
	case K_MT:
	case K_BMT:
		s = key_mt_name(v->v, buf, bufsz);
		break;
	case K_GFP: {
		uint32_t id = table_row_hdr(t, row)->gfp_names;

		*len = strpool_len(&t->strings, id);
		return strpool_str(&t->strings, id);
	}
	case K_ALLOCATOR: {
		size_t n;

		allocator_label((uint32_t)v->v, buf, bufsz);
		n = strlen(buf);
		if (n)
			buf[--n] = '\0';	/* the label's trailing space */
		for (s = buf; (s = strchr(s, ' ')); )
			*(char *)s = '|';
		*len = n;
		return buf;
	}
	default:
		return NULL;
	}
	*len = strlen(s);
	return s;
}

/* Bits of the kernel's GFP names in v6.x (include/linux/gfp_types.h). */
static const struct {
	const char *name;
	uint32_t bits;
} gfp_bits[] = {
	{ "__GFP_DMA", 0x1 }, { "__GFP_HIGHMEM", 0x2 }, { "__GFP_DMA32", 0x4 },
	{ "__GFP_MOVABLE", 0x8 }, { "__GFP_RECLAIMABLE", 0x10 }, { "__GFP_HIGH", 0x20 },
	{ "__GFP_IO", 0x40 }, { "__GFP_FS", 0x80 }, { "__GFP_ZERO", 0x100 },
	{ "__GFP_DIRECT_RECLAIM", 0x400 }, { "__GFP_KSWAPD_RECLAIM", 0x800 },
	{ "__GFP_RECLAIM", 0xc00 }, { "__GFP_WRITE", 0x1000 }, { "__GFP_NOWARN", 0x2000 },
	{ "__GFP_RETRY_MAYFAIL", 0x4000 }, { "__GFP_NOFAIL", 0x8000 },
	{ "__GFP_NORETRY", 0x10000 }, { "__GFP_MEMALLOC", 0x20000 },
	{ "__GFP_COMP", 0x40000 }, { "__GFP_NOMEMALLOC", 0x80000 },
	{ "__GFP_HARDWALL", 0x100000 }, { "__GFP_THISNODE", 0x200000 },
	{ "__GFP_ACCOUNT", 0x400000 },
	{ "GFP_ATOMIC", 0x820 }, { "GFP_KERNEL", 0xcc0 }, { "GFP_KERNEL_ACCOUNT", 0x400cc0 },
	{ "GFP_NOWAIT", 0x800 }, { "GFP_NOIO", 0xc00 }, { "GFP_NOFS", 0xc40 },
	{ "GFP_USER", 0x100cc0 }, { "GFP_DMA", 0x1 }, { "GFP_DMA32", 0x4 },
	{ "GFP_HIGHUSER", 0x100cc2 }, { "GFP_HIGHUSER_MOVABLE", 0x100cca },
};

/* Whether '|'-separated names holds name. */
static bool has_token(const char *s, size_t len, const char *name, size_t nlen)
{
	const char *p = s, *end = s + len;

	while (p < end) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		size_t l = (size_t)((bar ? bar : end) - p);

		if (l == nlen && memcmp(p, name, nlen) == 0)
			return true;
		p = bar ? bar + 1 : end;
	}
	return false;
}

bool key_has(const struct keyctx *c, enum key_id k, size_t row, const char *name, size_t len)
{
	struct kval v;
	char buf[64];
	const char *s;
	size_t n, i;

	key_value(c, k, row, &v);
	if (v.type == KV_NULL)
		return false;
	s = key_text(c, k, row, &v, buf, sizeof(buf), &n);
	if (s && has_token(s, n, name, len))
		return true;
	if (k != K_GFP)
		return false;
	/* A name the kernel folded into a composite (GFP_KERNEL hides __GFP_IO). */
	for (i = 0; i < sizeof(gfp_bits) / sizeof(gfp_bits[0]); i++)
		if (strlen(gfp_bits[i].name) == len && memcmp(gfp_bits[i].name, name, len) == 0)
			return (v.v & gfp_bits[i].bits) == gfp_bits[i].bits;
	return false;
}

int key_callsites(struct keyctx *c, const struct pgs_allocator *al, const char *skip,
		  size_t *err_off, int *err_code)
{
	const struct pgs_table *t = c->t;
	pcre2_code *re = NULL;
	pcre2_match_data *md;
	uint32_t *cs;
	size_t i, off = 0;
	int code = 0, err;

	err = re_compile(al, skip ? skip : PGS_CALLSITE_SKIP_DEFAULT, PCRE2_ZERO_TERMINATED, 0,
			 &re, &code, &off);
	if (err == PGS_E_FILTER) {
		if (err_off)
			*err_off = off;
		if (err_code)
			*err_code = code;
	}
	FORWARD_IF_ERROR(err);
	md = re_match_data(re);
	cs = pgs__calloc(al, t->st_n ? t->st_n : 1, sizeof(*cs));
	if (!md || !cs) {
		pcre2_match_data_free(md);
		pcre2_code_free(re);
		pgs__free(al, cs);
		return -ENOMEM;
	}
	for (i = 1; i < t->st_n && !err; i++) {
		const struct st_meta *m = &t->st[i];
		uint32_t k;

		for (k = 0; k < m->nframes; k++) {
			uint32_t stripped = t->frame_strip[t->sd[i].frame_off + k];
			const char *s = strpool_str(&t->strings, stripped);
			size_t n = strpool_len(&t->strings, stripped);
			const char *sp = memchr(s, ' ', n);	/* " [module]" */
			int rc = pcre2_match(re, (PCRE2_SPTR)s, sp ? (size_t)(sp - s) : n, 0, 0,
					     md, NULL);

			/* Out of memory is no "does not match": that would pick this frame. */
			if (rc == PCRE2_ERROR_NOMEMORY) {
				err = -ENOMEM;
				break;
			}
			if (rc < 0) {
				cs[i] = c->strip ? stripped : t->frames[t->sd[i].frame_off + k];
				break;
			}
		}
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	if (err) {
		pgs__free(al, cs);
		return err;
	}
	pgs__free(al, c->cs_own);
	c->cs = c->cs_own = cs;
	return 0;
}
