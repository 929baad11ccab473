/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Appending one table (a shard: one byte range of the input, parsed on its
 * own) to another, in input order. Every id of the shard is remapped to the
 * destination's: strings in id order, so ids come out exactly as if the
 * whole input had been parsed in one pass, then templates and stacktraces,
 * then the columns. Nothing is parsed again.
 */
#include <stdlib.h>	/* free */

#include "table.h"

/*
 * For every id of src, the id of the same string in dst, interning it there
 * if new (in src's id order, so ids come out as one pass would give them).
 * With fresh, also which src ids were new in dst (calloc'ed, by src id).
 */
static uint32_t *remap_pool(struct strpool *dst, const struct strpool *src,
			    const struct pgs_allocator *al, uint8_t **fresh)
{
	size_t n = src->count ? src->count : 1, id;
	uint32_t *map = pgs__calloc(al, n, sizeof(*map));
	uint8_t *isnew = fresh ? pgs__calloc(al, n, 1) : NULL;

	if (!map || (fresh && !isnew))
		goto fail;
	for (id = 1; id < src->count; id++) {
		bool is_new;

		map[id] = strpool_intern(dst, strpool_str(src, (uint32_t)id),
					 strpool_len(src, (uint32_t)id), &is_new);
		if (!map[id])
			goto fail;
		if (isnew)
			isnew[id] = is_new;
	}
	if (fresh)
		*fresh = isnew;
	return map;
fail:
	pgs__free(al, map);
	pgs__free(al, isnew);
	return NULL;
}

int table_reserve_rows(struct pgs_table *t, size_t n)
{
	size_t save = t->rows;
	int err;

	if (t->rows + n <= t->rows_cap)
		return 0;
	/* Grow every column at once through the one-row path. */
	t->rows += n - 1;
	err = table_reserve_row(t);
	t->rows = save;
	return err;
}

/* Every string of src moved to dst (strpool_splice()); NULL: -ENOMEM. */
static uint32_t *splice_strings(struct pgs_table *dst, struct pgs_table *src)
{
	const struct pgs_allocator *al = dst->al;
	uint32_t *map = pgs__calloc(al, src->strings.count ? src->strings.count : 1,
				    sizeof(*map));

	if (map && strpool_splice(&dst->strings, &src->strings, map) < 0) {
		pgs__free(al, map);
		map = NULL;
	}
	return map;
}

int table_merge(struct pgs_table *dst, struct pgs_table *src, uint64_t line_base)
{
	const struct pgs_allocator *al = dst->al;
	uint32_t *ms = NULL, *mh = NULL, *mp = NULL, *mst = NULL;
	uint8_t *fresh = NULL;
	size_t i, r0;
	int err = -ENOMEM;

	if (!(ms = splice_strings(dst, src)) ||
	    !(mst = pgs__calloc(al, src->st_n, sizeof(*mst))))
		goto out;

	/* Header and PFN templates: metadata copied for the new ones. */
	if (src->kind == PGS_KIND_PAGE_OWNER) {
		if (!(mh = remap_pool(&dst->hdrs, &src->hdrs, al, &fresh)))
			goto out;
		for (i = 1; i < src->hdrs.count; i++) {
			if (!fresh[i])
				continue;
			if (table_hdr_slot(dst, mh[i]) < 0)
				goto out;
			dst->hdr[mh[i]] = src->hdr[i];
			dst->hdr[mh[i]].comm = ms[src->hdr[i].comm];
			dst->hdr[mh[i]].gfp_names = ms[src->hdr[i].gfp_names];
		}
		pgs__free(al, fresh);
		fresh = NULL;
		if (!(mp = remap_pool(&dst->pfns, &src->pfns, al, &fresh)))
			goto out;
		for (i = 1; i < src->pfns.count; i++) {
			if (!fresh[i])
				continue;
			if (table_pfn_slot(dst, mp[i]) < 0)
				goto out;
			dst->pfnm[mp[i]] = src->pfnm[i];
			dst->pfnm[mp[i]].flag_names = ms[src->pfnm[i].flag_names];
		}
	}

	/* Stacktraces: new ones get their meta with every id remapped. */
	for (i = 1; i < src->st_n; i++) {
		const struct st_meta *m = &src->st[i];
		bool is_new;

		if (table_st_index(dst, ms[m->text], &mst[i], &is_new) < 0)
			goto out;
		if (is_new) {
			struct st_meta *d = &dst->st[mst[i]];

			/* A shard has no frames yet: table_derive() makes them. */
			*d = *m;
			d->text = ms[m->text];
			d->migrate = ms[m->migrate];
			d->memcg = ms[m->memcg];
		}
	}

	/* Columns. */
	if (src->c_fts && !dst->c_fts && table_enable_free_ts(dst) < 0)
		goto out;
	dst->features |= src->features;
	for (i = 0; i < ARRAY_SIZE(dst->feat_n); i++)
		dst->feat_n[i] += src->feat_n[i];
	if (!dst->prefix)
		dst->prefix = src->prefix;
	dst->shapes |= src->shapes;
	for (i = 0; i < SHAPES; i++) {
		if (!dst->shape_rows[i] && src->shape_rows[i])
			dst->shape_line[i] = src->shape_line[i] + line_base;
		dst->shape_rows[i] += src->shape_rows[i];
	}
	if (table_reserve_rows(dst, src->rows) < 0)
		goto out;
	r0 = dst->rows;
	if (!src->rows)
		goto counters;	/* a shard of junk lines only: no columns */
	for (i = 0; i < src->rows; i++) {
		dst->c_st[r0 + i] = mst[src->c_st[i]];
		dst->c_line[r0 + i] = src->c_line[i] + line_base;
	}
	if (src->kind == PGS_KIND_PAGE_OWNER) {
		for (i = 0; i < src->rows; i++) {
			dst->c_hdr[r0 + i] = mh[src->c_hdr[i]];
			dst->c_pfnt[r0 + i] = mp[src->c_pfnt[i]];
		}
		memcpy(dst->c_ts + r0, src->c_ts, src->rows * sizeof(*dst->c_ts));
		memcpy(dst->c_pfn + r0, src->c_pfn, src->rows * sizeof(*dst->c_pfn));
		if (dst->c_fts) {
			if (src->c_fts)
				memcpy(dst->c_fts + r0, src->c_fts, src->rows * sizeof(*dst->c_fts));
			else
				memset(dst->c_fts + r0, 0, src->rows * sizeof(*dst->c_fts));
		}
	} else {
		memcpy(dst->c_pages + r0, src->c_pages, src->rows * sizeof(*dst->c_pages));
		memcpy(dst->c_handle + r0, src->c_handle, src->rows * sizeof(*dst->c_handle));
	}
	dst->rows += src->rows;
counters:
	dst->bytes += src->bytes;
	dst->lines += src->lines;
	dst->pages += src->pages;
	dst->skipped += src->skipped;
	for (i = 0; i < UNK_KINDS && src->unk[i].count; i++) {
		const struct unk_kind *u = &src->unk[i];
		size_t j;

		for (j = 0; j < UNK_KINDS - 1 && dst->unk[j].count; j++)
			if (strcmp(dst->unk[j].name, u->name) == 0)
				break;
		if (!dst->unk[j].count) {
			memcpy(dst->unk[j].name, u->name, sizeof(u->name));
			dst->unk[j].first_line = u->first_line + line_base;
		}
		dst->unk[j].count += u->count;
	}
	dst->unknown_lines += src->unknown_lines;
	err = 0;
out:
	pgs__free(al, ms);
	pgs__free(al, mh);
	pgs__free(al, mp);
	pgs__free(al, mst);
	pgs__free(al, fresh);
	return err;
}
