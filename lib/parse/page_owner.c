/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Record assembly for the page_owner file (formats.md §7.2): a header line
 * starts a block; PFN, frame, handle and trailer lines attach to it; a blank
 * line (or the next header, or the end of input) ends it.
 *
 * page_owner_sort compares a block as its text minus PFN lines, with the ts
 * digits cut out, and its "stacktrace" is that text after the header. In a
 * well-formed block the PFN line directly follows the header, so the
 * stacktrace is one contiguous span of the input: it is hashed in place,
 * without a copy. Anything else (CR line ends, a PFN line elsewhere, a cut
 * last line) takes the slow path through a scratch buffer.
 */
#include "parse.h"

/*
 * The longest header kept: its cut offsets are uint16_t, below HDR_NOCUT
 * (table.h). Longer ones are skipped ("longer than 64 KiB").
 */
#define HDR_LEN_MAX 0xfff0

struct blk {
	const char *hdr;
	size_t hdr_len;
	const char *rest;	/* the line after the header */
	const char *st0;	/* stacktrace start on the fast path */
	const char *end;	/* end of the block's last line, "\n" included */
	const char *pfn;	/* the (last) PFN line */
	size_t pfn_len;
	uint64_t pfn_line, pfn_off;
	unsigned npfn;
	bool clean;
	bool cut;		/* the input ends inside the block's last line */
	uint64_t line, off;
};

static void hdr_template(struct parse_ctx *c, const struct blk *b,
			 const struct hdr_fields *hf, size_t *tlen)
{
	char *d = c->scratch.p;
	const char *s = b->hdr;
	size_t n = 0, p = 0;

	if (hf->ts_len) {
		memcpy(d, s, hf->ts_pos);
		n = hf->ts_pos;
		p = hf->ts_pos + hf->ts_len;
	}
	if (hf->fts_len) {
		memcpy(d + n, s + p, hf->fts_pos - p);
		n += hf->fts_pos - p;
		p = hf->fts_pos + hf->fts_len;
	}
	memcpy(d + n, s + p, b->hdr_len - p);
	*tlen = n + b->hdr_len - p;
}

static int new_header(struct parse_ctx *c, const struct blk *b, uint32_t id)
{
	struct pgs_table *t = c->t;
	struct hdr_meta *m;
	struct hdr_fields f;
	enum hdr_error e;
	bool is_new;

	FORWARD_IF_ERROR(table_hdr_slot(t, id));
	m = &t->hdr[id];
	e = parse_header(b->hdr, b->hdr_len, &f);
	if (e != HDR_OK) {
		m->error = (uint8_t)e;
		return 0;
	}
	m->valid = 1;
	m->order = f.order;
	m->gfp = f.gfp;
	/* Absent fields read as -1, as page_owner_sort prints them. */
	m->pid = f.have & PGS_HAVE_PID ? f.pid : -1;
	m->tgid = f.have & PGS_HAVE_TGID ? f.tgid : -1;
	m->have = (uint16_t)f.have;
	if (f.ts_len)
		m->ts_off = (uint16_t)f.ts_pos;
	if (f.fts_len)
		m->fts_off = (uint16_t)(f.fts_pos - f.ts_len);
	if (f.comm_len) {
		m->comm = strpool_intern(&t->strings, f.comm, f.comm_len, &is_new);
		RETURN_ERROR_IF(!m->comm, -ENOMEM);
	}
	if (f.mask_names && f.names_len) {
		uint32_t names = strpool_intern(&t->strings, f.names, f.names_len, &is_new);

		RETURN_ERROR_IF(!names, -ENOMEM);
		t->hdr[id].gfp_names = names;
	}
	table_feature(t, (f.have & PGS_HAVE_PID ? FEAT_PID : 0) |
		       (f.have & PGS_HAVE_TGID ? FEAT_TGID : 0) |
		       (f.have & PGS_HAVE_TS ? FEAT_TS : 0) |
		       (f.have & PGS_HAVE_FREE_TS ? FEAT_FREE_TS : 0) |
		       (f.mask_names ? FEAT_MASK_NAMES : FEAT_MASK_ONLY) |
		       (f.swapped ? FEAT_SWAPPED : 0));
	m->shape = !(f.have & PGS_HAVE_PID) ? SHAPE_ABC :
		   !(f.have & PGS_HAVE_TGID) ? (f.have & PGS_HAVE_FREE_TS ? SHAPE_E : SHAPE_D) :
		   (f.have & PGS_HAVE_FREE_TS ? SHAPE_FG : SHAPE_H);
	t->shapes |= 1u << m->shape;
	if (f.have & PGS_HAVE_FREE_TS)
		FORWARD_IF_ERROR(table_enable_free_ts(t));
	return 0;
}

/*
 * The names of "Flags 0x..(names)" without the fields (node=, zone=,
 * section=, ...): what the page is, not where. Interned; 0 when the line
 * prints no names (eras before v4.6, or "Flags 0x0()" gives "").
 */
static int flag_names(struct pgs_table *t, const char *s, size_t len, uint32_t *out)
{
	const char *fl = pgs__memmem(s, len, "Flags ", 6), *open, *close, *p;
	char *d;
	size_t n = 0;
	bool is_new;

	*out = 0;
	if (!fl || !(open = memchr(fl, '(', (size_t)(s + len - fl))) ||
	    !(close = memchr(open, ')', (size_t)(s + len - open))))
		return 0;
	d = pgs__malloc(t->al, (size_t)(close - open) + 1);
	RETURN_ERROR_IF(!d, -ENOMEM);
	for (p = open + 1; p < close;) {
		const char *bar = memchr(p, '|', (size_t)(close - p));
		size_t l = (size_t)((bar ? bar : close) - p);

		if (l && !memchr(p, '=', l)) {
			if (n)
				d[n++] = '|';
			memcpy(d + n, p, l);
			n += l;
		}
		p = bar ? bar + 1 : close;
	}
	*out = strpool_intern(&t->strings, d, n, &is_new);
	pgs__free(t->al, d);
	return *out || !n ? 0 : -ENOMEM;	/* "" is id 0 */
}

static int new_pfn(struct parse_ctx *c, const char *s, size_t len,
		   const char *tmpl, size_t tlen, uint32_t id)
{
	struct pgs_table *t = c->t;
	struct pfn_meta *m;
	struct pfn_fields f;

	FORWARD_IF_ERROR(table_pfn_slot(t, id));
	m = &t->pfnm[id];
	m->valid = parse_pfn(s, len, &f);
	if (m->valid)
		FORWARD_IF_ERROR(flag_names(t, tmpl, tlen, &m->flag_names));
	m = &t->pfnm[id];
	m->flags = f.flags;
	m->node = f.node;
	m->zone = f.zone;
	m->mt = f.mt;
	m->bmt = f.bmt;
	m->mt_num = f.mt_num;
	m->bmt_num = f.bmt_num;
	/* page_owner_sort: strstr(PFN line, "CMA") and strstr(..., "slab"). */
	if (pgs__memmem(tmpl, tlen, "CMA", 3))
		m->alloc |= PGS_ALLOC_CMA;
	if (pgs__memmem(tmpl, tlen, "slab", 4))
		m->alloc |= PGS_ALLOC_SLAB;
	table_feature(t, (f.hex ? FEAT_PFN_HEX : 0) |
		      (f.old ? FEAT_PFN_OLD : FEAT_PFN_NAMED) |
		      (f.node >= 0 ? FEAT_NODEZONE : 0));
	return 0;
}

/* The PFN line's template id, 0 when the line is damaged. */
static int pfn_id(struct parse_ctx *c, const struct blk *b, uint64_t *pfn,
		  uint32_t *out)
{
	struct pfn_fields f;
	char *d;
	size_t n, tlen;
	uint32_t id;
	bool is_new;

	*out = 0;
	if (!pfn_cuts(b->pfn, b->pfn_len, &f)) {
		table_count_unknown(c->t, b->pfn, b->pfn_len, b->pfn_line);
		parse_warn(c, b->pfn_line, b->pfn_off,
			   "damaged PFN line, record kept without PFN fields (expected 'PFN N type T Block N type T Flags ...')");
		return 0;
	}
	FORWARD_IF_ERROR(buf_reserve(c->al, &c->scratch, b->pfn_len));
	d = c->scratch.p;
	memcpy(d, b->pfn, f.pfn_pos);
	n = f.pfn_pos;
	memcpy(d + n, b->pfn + f.pfn_pos + f.pfn_len, f.block_pos - f.pfn_pos - f.pfn_len);
	n += f.block_pos - f.pfn_pos - f.pfn_len;
	memcpy(d + n, b->pfn + f.block_pos + f.block_len,
	       b->pfn_len - f.block_pos - f.block_len);
	tlen = n + b->pfn_len - f.block_pos - f.block_len;
	id = strpool_intern_last(&c->t->pfns, d, tlen, &c->last_pfn, &is_new);
	RETURN_ERROR_IF(!id, -ENOMEM);
	if (is_new)
		FORWARD_IF_ERROR(new_pfn(c, b->pfn, b->pfn_len, d, tlen, id));
	*pfn = f.pfn;
	*out = id;
	return 0;
}

/* page_owner_sort leaves PFN lines out of the text it compares. */
static bool not_pfn(const char *line, size_t len)
{
	return !HAS_PREFIX(line, len, "PFN ");
}

static int finish_block(struct parse_ctx *c, struct blk *b)
{
	struct pgs_table *t = c->t;
	struct hdr_fields hf;
	const struct hdr_meta *m;
	uint32_t hid, pfnt = 0, st;
	uint64_t pfn = 0;
	size_t tlen, stlen;
	const char *sttext;
	bool is_new;

	/*
	 * The input ends inside the header line: whatever it holds, its last
	 * fields may be gone ("order 1" cut from "order 10, mask ..."), so it
	 * is no complete header of an older era.
	 */
	if (b->cut && b->rest == b->end) {
		enum hdr_error e = parse_header(b->hdr, b->hdr_len, &hf);

		t->skipped++;
		parse_warn(c, b->line, b->off, "damaged header, record skipped: %s (the input ends inside it)",
			   e != HDR_OK ? hdr_error_str(e) : "its end is missing");
		return 0;
	}
	if (header_tail(b->hdr, b->hdr_len, &hf) == (size_t)-1) {
		t->skipped++;
		parse_warn(c, b->line, b->off, "damaged header, record skipped: %s%s",
			   hdr_error_str(HDR_E_TS), b->cut ? " (the input ends inside it)" : "");
		return 0;
	}
	if (b->hdr_len > HDR_LEN_MAX) {
		t->skipped++;
		parse_warn(c, b->line, b->off, "header longer than 64 KiB, record skipped");
		return 0;
	}
	FORWARD_IF_ERROR(buf_reserve(c->al, &c->scratch, b->hdr_len));
	hdr_template(c, b, &hf, &tlen);
	hid = strpool_intern_last(&t->hdrs, c->scratch.p, tlen, &c->last_hdr, &is_new);
	RETURN_ERROR_IF(!hid, -ENOMEM);
	if (is_new)
		FORWARD_IF_ERROR(new_header(c, b, hid));
	m = &t->hdr[hid];
	if (!m->valid) {
		t->skipped++;
		parse_warn(c, b->line, b->off, "damaged header, record skipped: %s%s",
			   hdr_error_str((enum hdr_error)m->error),
			   b->cut && b->rest == b->end ? " (the input ends inside it)" : "");
		return 0;
	}
	if (b->pfn)
		FORWARD_IF_ERROR(pfn_id(c, b, &pfn, &pfnt));

	if (b->clean) {
		sttext = b->st0;
		stlen = (size_t)(b->end - b->st0);
	} else {
		FORWARD_IF_ERROR(copy_lines(c, b->rest, b->end, not_pfn, &stlen));
		sttext = c->scratch.p;
	}
	FORWARD_IF_ERROR(intern_stacktrace(c, sttext, stlen, &st));

	FORWARD_IF_ERROR(table_reserve_row(t));
	t->c_hdr[t->rows] = hid;
	t->c_st[t->rows] = st;
	t->c_pfnt[t->rows] = pfnt;
	t->c_pfn[t->rows] = pfn;
	t->c_ts[t->rows] = hf.ts_len ? hf.ts : 0;
	if (t->c_fts)
		t->c_fts[t->rows] = hf.fts_len ? hf.free_ts : 0;
	t->c_line[t->rows] = b->line;
	t->rows++;
	if (!t->shape_rows[m->shape]++)
		t->shape_line[m->shape] = b->line;
	t->pages += (uint64_t)1 << m->order;
	if (b->cut)
		parse_warn(c, b->line, b->off,
			   "the input ends in the middle of this record's last line: record kept, its stacktrace is incomplete");
	return 0;
}

static inline bool is_header(const char *s, size_t len)
{
	return len >= 25 && s[0] == 'P' && memcmp(s, "Page allocated via order ", 25) == 0;
}

int parse_page_owner(struct parse_ctx *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	uint64_t line = c->line;
	struct blk b;
	bool in = false;

	while (p < end) {
		const char *nl = find_nl(p, end);
		const char *next = nl ? nl + 1 : end;
		size_t l = (size_t)((nl ? nl : end) - p);
		bool cr = l && p[l - 1] == '\r';

		line++;
		l -= cr;
		if (in && (l == 0 || is_header(p, l))) {
			b.end = p;
			in = false;
			FORWARD_IF_ERROR(finish_block(c, &b));
		}
		if (l == 0) {
			p = next;
			continue;
		}
		if (!in) {
			if (is_header(p, l)) {
				in = true;
				b.hdr = p;
				b.hdr_len = l;
				b.rest = b.st0 = next;
				b.pfn = NULL;
				b.npfn = 0;
				b.clean = !cr;
				b.cut = false;
				b.line = line;
				b.off = c->off + (uint64_t)(p - buf);
			} else {
				table_count_unknown(c->t, p, l, line);
				parse_warn(c, line, c->off + (uint64_t)(p - buf),
					   "line outside any block skipped (expected 'Page allocated via order ...')");
			}
			p = next;
			continue;
		}
		if (cr)
			b.clean = false;
		switch (p[0]) {
		case ' ':
		case '\t':
		case '[':
			break;	/* a frame: part of the stacktrace */
		case 'P':
			if (HAS_PREFIX(p, l, "PFN ")) {
				/* page_owner_sort keeps the last PFN line of a block. */
				b.pfn = p;
				b.pfn_len = l;
				b.pfn_line = line;
				b.pfn_off = c->off + (uint64_t)(p - buf);
				if (b.npfn++ == 0 && p == b.rest)
					b.st0 = next;
				else
					b.clean = false;
				break;
			}
			/* fall through */
		default:
			if (classify_line(p, l) == LC_UNKNOWN) {
				table_count_unknown(c->t, p, l, line);
				parse_warn(c, line, c->off + (uint64_t)(p - buf),
					   "line not understood, kept in the block's stacktrace");
			}
		}
		p = next;
	}
	if (in) {
		b.end = end;
		if (len && end[-1] != '\n') {
			b.clean = false;
			b.cut = true;
		}
		FORWARD_IF_ERROR(finish_block(c, &b));
	}
	c->line = line;
	return 0;
}
