/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>	/* free */

#include "table.h"

int table_create(struct pgs_table **out, const struct pgs_allocator *al,
		 const char *name)
{
	struct pgs_table *t;
	size_t nlen = strlen(name ? name : "-");

	if (al && !(al->malloc_fn && al->realloc_fn && al->free_fn))
		return -EINVAL;
	t = pgs__calloc(al, 1, sizeof(*t));
	RETURN_ERROR_IF(!t, -ENOMEM);
	if (al) {
		t->alloc = *al;
		t->al = &t->alloc;
	}
	pthread_mutex_init(&t->derive_mu, NULL);
	if (strpool_init(&t->strings, t->al) < 0 ||
	    strpool_init(&t->hdrs, t->al) < 0 ||
	    strpool_init(&t->pfns, t->al) < 0 ||
	    table_hdr_slot(t, 0) < 0 || table_pfn_slot(t, 0) < 0 ||
	    pgs__grow(t->al, (void **)&t->st, &t->st_cap, 1, sizeof(*t->st)) < 0 ||
	    !(t->name = pgs__malloc(t->al, nlen + 1))) {
		pgs_table_free(t);
		return -ENOMEM;
	}
	memcpy(t->name, name ? name : "-", nlen + 1);
	memset(&t->st[0], 0, sizeof(t->st[0]));
	/*
	 * Stacktrace 0, a block with no line after its header: no frame, so
	 * its module is vmlinux (made by table_derive(), with this id).
	 */
	if (!strpool_intern(&t->strings, "vmlinux", 7, &(bool){ 0 })) {
		pgs_table_free(t);
		return -ENOMEM;
	}
	t->st_n = 1;
	t->pfnm[0].mt = t->pfnm[0].bmt = PGS_MT_NONE;
	t->pfnm[0].node = t->pfnm[0].zone = -1;
	*out = t;
	return 0;
}

PGS_API void pgs_table_free(struct pgs_table *t)
{
	const struct pgs_allocator *al;

	if (!t)
		return;
	al = t->al;
	strpool_fini(&t->strings);
	strpool_fini(&t->derived);
	pthread_mutex_destroy(&t->derive_mu);
	strpool_fini(&t->hdrs);
	strpool_fini(&t->pfns);
	pgs__free(al, t->hdr);
	pgs__free(al, t->pfnm);
	pgs__free(al, t->st);
	pgs__free(al, t->st_of);
	pgs__free(al, t->sd);
	pgs__free(al, t->frames);
	pgs__free(al, t->frame_strip);
	pgs__free(al, t->c_hdr);
	pgs__free(al, t->c_st);
	pgs__free(al, t->c_pfnt);
	pgs__free(al, t->c_ts);
	pgs__free(al, t->c_fts);
	pgs__free(al, t->c_pfn);
	pgs__free(al, t->c_line);
	pgs__free(al, t->c_pages);
	pgs__free(al, t->c_handle);
	pgs__free(al, t->name);
	pgs__free(al, t->snapshot);
	/* t itself came from the hook too; al points into t, so copy it. */
	{
		struct pgs_allocator a = t->alloc;

		pgs__free(al ? &a : NULL, t);
	}
}

#define GROW_COL(col) \
	do { \
		size_t c_ = t->rows_cap; \
		FORWARD_IF_ERROR(pgs__grow(t->al, (void **)&t->col, &c_, \
					   need, sizeof(*t->col))); \
		if (c_ > ncap) \
			ncap = c_; \
	} while (0)

/*
 * Every column grows to the same capacity: pgs__grow doubles from the same
 * rows_cap, so all land on one value.
 */
int table_reserve_row(struct pgs_table *t)
{
	size_t need = t->rows + 1, ncap = t->rows_cap;

	if (need <= t->rows_cap)
		return 0;
	GROW_COL(c_st);
	GROW_COL(c_line);
	if (t->kind == PGS_KIND_PAGE_OWNER) {
		GROW_COL(c_hdr);
		GROW_COL(c_pfnt);
		GROW_COL(c_ts);
		GROW_COL(c_pfn);
		if (t->c_fts)
			GROW_COL(c_fts);
	} else {
		GROW_COL(c_pages);
		GROW_COL(c_handle);
	}
	t->rows_cap = ncap;
	return 0;
}

int table_enable_free_ts(struct pgs_table *t)
{
	size_t cap = t->rows_cap ? t->rows_cap : 16;

	if (t->c_fts)
		return 0;
	/* Sized to rows_cap, the capacity every other column has. */
	t->c_fts = pgs__calloc(t->al, cap, sizeof(*t->c_fts));
	RETURN_ERROR_IF(!t->c_fts, -ENOMEM);
	return 0;
}

int table_hdr_slot(struct pgs_table *t, uint32_t id)
{
	FORWARD_IF_ERROR(pgs__grow(t->al, (void **)&t->hdr, &t->hdr_cap,
				   (size_t)id + 1, sizeof(*t->hdr)));
	memset(&t->hdr[id], 0, sizeof(t->hdr[id]));
	t->hdr[id].ts_off = t->hdr[id].fts_off = HDR_NOCUT;
	return 0;
}

int table_pfn_slot(struct pgs_table *t, uint32_t id)
{
	FORWARD_IF_ERROR(pgs__grow(t->al, (void **)&t->pfnm, &t->pfnm_cap,
				   (size_t)id + 1, sizeof(*t->pfnm)));
	memset(&t->pfnm[id], 0, sizeof(t->pfnm[id]));
	return 0;
}

int table_st_index(struct pgs_table *t, uint32_t text_id, uint32_t *index,
		   bool *is_new)
{
	size_t old = t->st_of_cap;

	*is_new = false;
	if (text_id == 0) {
		*index = 0;
		return 0;
	}
	if (text_id >= t->st_of_cap) {
		FORWARD_IF_ERROR(pgs__grow(t->al, (void **)&t->st_of, &t->st_of_cap,
					   (size_t)text_id + 1, sizeof(*t->st_of)));
		memset(t->st_of + old, 0, (t->st_of_cap - old) * sizeof(*t->st_of));
	}
	if (t->st_of[text_id]) {
		*index = t->st_of[text_id];
		return 0;
	}
	FORWARD_IF_ERROR(pgs__grow(t->al, (void **)&t->st, &t->st_cap,
				   t->st_n + 1, sizeof(*t->st)));
	memset(&t->st[t->st_n], 0, sizeof(t->st[0]));
	t->st[t->st_n].text = text_id;
	t->st_of[text_id] = (uint32_t)t->st_n;
	*index = (uint32_t)t->st_n++;
	*is_new = true;
	return 0;
}

int table_st_retext(struct pgs_table *t, uint32_t index, uint32_t text_id,
		    uint32_t *other)
{
	size_t old = t->st_of_cap;

	*other = 0;
	if (text_id >= t->st_of_cap) {
		FORWARD_IF_ERROR(pgs__grow(t->al, (void **)&t->st_of, &t->st_of_cap,
					   (size_t)text_id + 1, sizeof(*t->st_of)));
		memset(t->st_of + old, 0, (t->st_of_cap - old) * sizeof(*t->st_of));
	}
	if (t->st_of[text_id] && t->st_of[text_id] != index) {
		*other = t->st_of[text_id];
		return 0;
	}
	if (t->st[index].text < t->st_of_cap)
		t->st_of[t->st[index].text] = 0;
	t->st_of[text_id] = index;
	t->st[index].text = text_id;
	return 0;
}

void table_underive(struct pgs_table *t)
{
	t->strings.more = NULL;
	strpool_fini(&t->derived);
	pgs__free(t->al, t->sd);
	pgs__free(t->al, t->frames);
	pgs__free(t->al, t->frame_strip);
	t->sd = NULL;
	t->frames = t->frame_strip = NULL;
	t->frames_n = t->frames_cap = t->frame_strip_cap = 0;
	t->distinct_stacks = t->distinct_frames = 0;
	__atomic_store_n(&t->derive_done, 0, __ATOMIC_RELEASE);
}

/* Distinct non-zero ids among n (every stride bytes); -ENOMEM. */
static int count_distinct(const struct pgs_table *t, const uint32_t *ids, size_t n,
			  size_t stride, uint64_t *out)
{
	size_t base = t->strings.count;
	size_t words = (base + t->derived.count + 63) / 64, i;
	uint64_t *seen = pgs__calloc(t->al, words ? words : 1, sizeof(*seen)), count = 0;

	RETURN_ERROR_IF(!seen, -ENOMEM);
	for (i = 0; i < n; i++) {
		uint32_t id = *(const uint32_t *)((const char *)ids + i * stride);

		/* Derived ids after the parse's, in one bitmap. */
		if (id & STRPOOL_MORE)
			id = (uint32_t)(base + (id & ~STRPOOL_MORE));

		if (id && !(seen[id / 64] & (1ull << (id % 64)))) {
			seen[id / 64] |= 1ull << (id % 64);
			count++;
		}
	}
	pgs__free(t->al, seen);
	*out = count;
	return 0;
}

int table_count_stacks(struct pgs_table *t)
{
	uint64_t stacks, frames;

	/* Both or neither: never a table whose counts disagree. */
	FORWARD_IF_ERROR(count_distinct(t, &t->sd[0].stack, t->st_n, sizeof(t->sd[0]),
					&stacks));
	FORWARD_IF_ERROR(count_distinct(t, t->frames, t->frames_n, sizeof(t->frames[0]),
					&frames));
	t->distinct_stacks = stacks;
	t->distinct_frames = frames;
	return 0;
}

void table_count_unknown(struct pgs_table *t, const char *line, size_t len,
			 uint64_t lineno)
{
	char name[sizeof(t->unk[0].name)];
	size_t n = 0, i;

	t->unknown_lines++;
	if (len && (line[0] == ' ' || line[0] == '\t')) {
		/* Indented: a frame where none belongs. */
		memcpy(name, "(indented)", sizeof("(indented)"));
		n = sizeof("(indented)") - 1;
		len = 0;
	}
	/* The first word, its bytes outside printable ASCII escaped (\x00). */
	for (i = 0; i < len && line[i] != ' ' && line[i] != ':' && line[i] != '\t'; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch >= 0x20 && ch < 0x7f) {
			if (n + 1 >= sizeof(name))
				break;
			name[n++] = (char)ch;
		} else {
			if (n + 4 >= sizeof(name))
				break;
			name[n++] = '\\';
			name[n++] = 'x';
			name[n++] = "0123456789abcdef"[ch >> 4];
			name[n++] = "0123456789abcdef"[ch & 15];
		}
	}
	name[n] = '\0';
	for (i = 0; i < UNK_KINDS - 1 && t->unk[i].count; i++)
		if (strcmp(t->unk[i].name, name) == 0)
			break;
	if (!t->unk[i].count) {
		/* The last slot collects every kind that did not fit. */
		if (i == UNK_KINDS - 1)
			strcpy(name, "(other)");
		memcpy(t->unk[i].name, name, sizeof(name));
		t->unk[i].first_line = lineno;
	}
	t->unk[i].count++;
}

static const char *const shape_names[SHAPES] = { "A/B/C", "D", "E", "F/G", "H" };

const char *table_shape_name(unsigned shape)
{
	return shape < SHAPES ? shape_names[shape] : "?";
}

/* Whether the templates showing bit outnumber those showing any of alt. */
static bool majority(const struct pgs_table *t, uint32_t bit, uint32_t alt)
{
	uint64_t n = 0;

	for (; alt; alt &= alt - 1)
		n += t->feat_n[__builtin_ctz(alt)];
	return t->feat_n[__builtin_ctz(bit)] > n;
}

const char *table_era(const struct pgs_table *t)
{
	/* The header fields each shape prints. */
	static const uint32_t shape_feat[SHAPES] = {
		0, FEAT_PID, FEAT_PID | FEAT_FREE_TS, FEAT_PID | FEAT_TGID | FEAT_FREE_TS,
		FEAT_PID | FEAT_TGID,
	};
	uint32_t f = t->features;

	if (t->kind != PGS_KIND_PAGE_OWNER)
		return "-";
	if (t->era_mixed[0])
		return t->era_mixed;
	if (t->stray_shapes) {
		/* A stray header's fields do not make the era: the main shape's do. */
		f &= ~(uint32_t)(FEAT_PID | FEAT_TGID | FEAT_FREE_TS);
		f |= shape_feat[t->main_shape];
	}
	/*
	 * A few lines in another era's format (an old PFN line, a kallsyms
	 * frame, a handle line) do not make the era either: a format counts
	 * against its alternative by the templates that show it.
	 */
	if (!majority(t, FEAT_FRAME_KALLSYMS, FEAT_FRAME_PS | FEAT_FRAME_BRACKET))
		f &= ~(uint32_t)FEAT_FRAME_KALLSYMS;
	if (!majority(t, FEAT_PFN_OLD, FEAT_PFN_NAMED))
		f &= ~(uint32_t)FEAT_PFN_OLD;
	if (t->feat_n[__builtin_ctz(FEAT_PFN_HEX)] * 2 <= t->feat_n[__builtin_ctz(FEAT_PFN_NAMED)] &&
	    t->feat_n[__builtin_ctz(FEAT_PFN_NAMED)])
		f &= ~(uint32_t)FEAT_PFN_HEX;
	if (!majority(t, FEAT_MASK_NAMES, FEAT_MASK_ONLY))
		f &= ~(uint32_t)FEAT_MASK_NAMES;
	if (t->feat_n[__builtin_ctz(FEAT_HANDLE)] < 2 ||
	    t->feat_n[__builtin_ctz(FEAT_HANDLE)] * 100 < t->st_n)
		f &= ~(uint32_t)FEAT_HANDLE;
	if (f & FEAT_HANDLE)
		return "H+";
	if (f & FEAT_FRAME_KALLSYMS)
		return f & FEAT_PFN_OLD ? "A1" : "A0";
	if (f & FEAT_PFN_OLD)
		return "B";
	if (f & FEAT_TGID) {
		if (!(f & FEAT_FREE_TS))
			return "H";
		return f & FEAT_PFN_HEX ? "G" : "F";
	}
	if (f & FEAT_FREE_TS)
		return "E";
	if (f & FEAT_PID)
		return "D";
	if (f & FEAT_MASK_NAMES)
		return "C";
	return "B";
}

void table_note_eras(struct pgs_table *t)
{
	unsigned real = 0;
	uint64_t top = 0;
	size_t i, n = 0;

	t->stray_shapes = 0;
	t->era_mixed[0] = '\0';
	for (i = 0; i < SHAPES; i++)
		if (t->shape_rows[i] > top) {
			top = t->shape_rows[i];
			t->main_shape = (uint8_t)i;
		}
	for (i = 0; i < SHAPES; i++) {
		if (!t->shape_rows[i])
			continue;
		if (i == t->main_shape || (t->shape_rows[i] >= 2 && t->shape_rows[i] * 100 >= top))
			real |= 1u << i;
		else
			t->stray_shapes |= 1u << i;
	}
	if (__builtin_popcount(real) < 2)
		return;
	for (i = 0; i < SHAPES; i++) {
		size_t l = strlen(shape_names[i]);

		if (!(real & (1u << i)) || n + l + 2 > sizeof(t->era_mixed))
			continue;
		if (n)
			t->era_mixed[n++] = '+';
		memcpy(t->era_mixed + n, shape_names[i], l);
		n += l;
	}
	t->era_mixed[n] = '\0';
}

/* ---- public accessors ---- */

PGS_API const char *pgs_kind_name(enum pgs_kind kind)
{
	switch (kind) {
	case PGS_KIND_PAGE_OWNER: return "page_owner";
	case PGS_KIND_SHOW_STACKS: return "show_stacks";
	case PGS_KIND_SHOW_HANDLES: return "show_handles";
	case PGS_KIND_SHOW_STACKS_HANDLES: return "show_stacks_handles";
	default: return "unknown";
	}
}

PGS_API const char *pgs_migratetype_name(enum pgs_migratetype mt)
{
	static const char *const names[] = {
		"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
	};

	return (unsigned)mt < ARRAY_SIZE(names) ? names[mt] : "?";
}

PGS_API void pgs_table_info(const struct pgs_table *t, struct pgs_table_info *info)
{
	struct pgs_table_info v;
	size_t sz;

	if (!info || info->sz == 0)
		return;
	memset(&v, 0, sizeof(v));
	if (info->sz >= offsetof(struct pgs_table_info, flags) + sizeof(info->flags))
		v.flags = info->flags;
	/* The counts are of derived stacks: 0 if there is no memory for them. */
	if (!(v.flags & PGS_INFO_NO_COUNTS))
		(void)table_derive(t);
	v.sz = info->sz;
	v.kind = t->kind;
	v.era = table_era(t);
	v.bytes = t->bytes;
	v.lines = t->lines;
	v.records = t->rows;
	v.pages = t->pages;
	v.skipped = t->skipped;
	v.unknown_lines = t->unknown_lines;
	if (!(v.flags & PGS_INFO_NO_COUNTS)) {
		v.stacks = t->distinct_stacks;
		v.frames = t->distinct_frames;
	}
	v.has_free_ts = !!(t->features & FEAT_FREE_TS);
	v.has_tgid = !!(t->features & FEAT_TGID);
	v.has_ts = !!(t->features & FEAT_TS);
	v.compression = t->compression;
	v.compressed_bytes = t->compressed_bytes;
	/* Copy only what the caller's struct has room for. */
	sz = info->sz < sizeof(v) ? info->sz : sizeof(v);
	memcpy(info, &v, sz);
	info->sz = v.sz;
}

PGS_API size_t pgs_table_count(const struct pgs_table *t)
{
	return t ? t->rows : 0;
}

PGS_API const char *pgs_table_string(const struct pgs_table *t, uint32_t id)
{
	return t ? strpool_str(&t->strings, id) : "";
}

PGS_API size_t pgs_table_string_len(const struct pgs_table *t, uint32_t id)
{
	return t ? strpool_len(&t->strings, id) : 0;
}

PGS_API int pgs_table_record(const struct pgs_table *t, size_t i,
			     struct pgs_record *rec)
{
	struct pgs_record r;
	const struct st_meta *st;
	size_t sz;

	if (!t || !rec || i >= t->rows)
		return -ERANGE;
	FORWARD_IF_ERROR(table_derive(t));	/* the stack */
	memset(&r, 0, sizeof(r));
	st = table_row_st(t, i);
	r.pages = table_row_pages(t, i);
	r.stacktrace = st->text;
	r.stack = t->sd[t->c_st[i]].stack;
	r.migrate_reason = st->migrate;
	r.memcg = st->memcg;
	r.memcg_flags = st->memcg_flags;
	r.slab = st->slab;
	r.line = t->c_line[i];
	r.node = r.zone = -1;
	r.mt = r.block_mt = PGS_MT_NONE;
	if (r.stack)
		r.have |= PGS_HAVE_STACK;
	if (st->has_handle) {
		r.handle = st->handle;
		r.have |= PGS_HAVE_HANDLE;
	}
	if (t->kind == PGS_KIND_PAGE_OWNER) {
		const struct hdr_meta *h = table_row_hdr(t, i);
		const struct pfn_meta *pm = table_row_pfn(t, i);

		r.have |= h->have;
		r.order = h->order;
		r.gfp = h->gfp;
		r.pid = h->pid;
		r.tgid = h->tgid;
		r.comm = h->comm;
		r.ts = t->c_ts[i];
		r.free_ts = t->c_fts ? t->c_fts[i] : 0;
		r.allocator = table_row_allocator(t, i);
		if (t->c_pfnt[i]) {
			r.have |= PGS_HAVE_PFN;
			r.pfn = t->c_pfn[i];
			r.mt = pm->mt;
			r.block_mt = pm->bmt;
			r.mt_number = pm->mt_num;
			r.block_mt_number = pm->bmt_num;
			r.page_flags = pm->flags;
			if (pm->node >= 0) {
				r.have |= PGS_HAVE_NODE;
				r.node = pm->node;
				r.zone = pm->zone;
			}
		}
	} else if (t->kind != PGS_KIND_SHOW_STACKS) {
		r.handle = t->c_handle[i];
		r.have |= PGS_HAVE_HANDLE;
	}
	sz = rec->sz < sizeof(r) ? rec->sz : sizeof(r);
	r.sz = rec->sz;
	memcpy(rec, &r, sz);
	return 0;
}

PGS_API const char *pgs_table_snapshot(const struct pgs_table *t)
{
	return t ? t->snapshot : NULL;
}
