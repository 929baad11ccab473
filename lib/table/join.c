/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The handle join. A page_owner dump read with print_mode=handle, and a
 * show_handles file, name every stack by its stack depot handle alone; a
 * show_stacks_handles file read at the same moment maps each handle to its
 * frames (formats.md §2.8, §3.2). Joining gives every handle-only
 * stacktrace of a table the frames and the text that print_mode=stack_handle
 * (or show_stacks) would have printed, so grouping by stacktrace gives what
 * it gives on such a dump. Rows are never added, dropped or reordered.
 */
#include <stdio.h>	/* snprintf */
#include <stdlib.h>	/* qsort */

#include "table.h"

/* One record of the map: its handle and its row, sorted by both. */
struct hrow {
	uint32_t handle;
	uint32_t row;
};

static int cmp_hrow(const void *pa, const void *pb)
{
	const struct hrow *a = pa, *b = pb;

	if (a->handle != b->handle)
		return a->handle < b->handle ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

struct join {
	struct pgs_table *t;
	const struct pgs_table *map;
	struct hrow *idx;	/* the map's records that have frames */
	size_t n;
	uint32_t *missing;	/* handles not found, with repeats */
	size_t nmissing, missing_cap;
	char *buf;		/* a stacktrace text being built */
	size_t buf_cap;
	bool joined;
};

static int index_map(struct join *j)
{
	const struct pgs_table *map = j->map;
	size_t r;

	j->idx = pgs__malloc(j->t->al, (map->rows ? map->rows : 1) * sizeof(*j->idx));
	RETURN_ERROR_IF(!j->idx, -ENOMEM);
	for (r = 0; r < map->rows; r++) {
		/* A record whose frames were all damaged resolves nothing. */
		if (!map->st[map->c_st[r]].nframes)
			continue;
		j->idx[j->n].handle = map->c_handle[r];
		j->idx[j->n].row = (uint32_t)r;
		j->n++;
	}
	/* Ties by row: a handle listed twice resolves to its first record. */
	qsort(j->idx, j->n, sizeof(*j->idx), cmp_hrow);
	return 0;
}

/* The map's stacktrace for handle, or NULL. */
static const struct st_meta *lookup(const struct join *j, uint32_t handle)
{
	size_t lo = 0, hi = j->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (j->idx[mid].handle < handle)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == j->n || j->idx[lo].handle != handle)
		return NULL;
	return &j->map->st[j->map->c_st[j->idx[lo].row]];
}

static int note_missing(struct join *j, uint32_t handle)
{
	FORWARD_IF_ERROR(pgs__grow(j->t->al, (void **)&j->missing, &j->missing_cap,
				   j->nmissing + 1, sizeof(*j->missing)));
	j->missing[j->nmissing++] = handle;
	return 0;
}

/* The id in t of the map's string id (0 on allocation failure). */
static uint32_t intern_from(struct join *j, uint32_t id)
{
	const struct strpool *src = &j->map->strings;
	bool is_new;

	return strpool_intern(&j->t->strings, strpool_str(src, id), strpool_len(src, id),
			      &is_new);
}

/*
 * Entry index now has the text of the map's stack m: its frames are m's.
 * What derives from them is made by the next table_derive().
 */
static void commit_frames(struct join *j, uint32_t index, const struct st_meta *m)
{
	struct pgs_table *t = j->t;
	struct st_meta *e = &t->st[index];

	e->nframes = m->nframes;
	e->vmalloc = t->stack_ops && t->stack_ops->vmalloc(strpool_str(&t->strings, e->text),
							     strpool_len(&t->strings, e->text));
	j->joined = true;
}

/*
 * A page_owner stacktrace "handle: N\n<trailers>" becomes what
 * print_mode=stack_handle prints: the frames (" %pS\n" each), then the
 * same lines. If another entry has that text already (a dump mixing both
 * modes), *other names it and index is left as it was.
 */
static int join_entry(struct join *j, uint32_t index, const struct st_meta *m,
		      uint32_t *other)
{
	struct pgs_table *t = j->t;
	const struct strpool *ms = &j->map->strings;
	uint32_t mstack = j->map->sd[m - j->map->st].stack;
	size_t fl = strpool_len(ms, mstack), ol = strpool_len(&t->strings, t->st[index].text);
	uint32_t text;
	bool is_new;

	/* The old text is copied out first: interning may move the arena. */
	FORWARD_IF_ERROR(pgs__grow(t->al, (void **)&j->buf, &j->buf_cap, fl + ol, 1));
	memcpy(j->buf, strpool_str(ms, mstack), fl);
	memcpy(j->buf + fl, strpool_str(&t->strings, t->st[index].text), ol);
	text = strpool_intern(&t->strings, j->buf, fl + ol, &is_new);
	RETURN_ERROR_IF(!text, -ENOMEM);
	FORWARD_IF_ERROR(table_st_retext(t, index, text, other));
	if (!*other)
		commit_frames(j, index, m);
	return 0;
}

static int join_page_owner(struct join *j)
{
	struct pgs_table *t = j->t;
	size_t n = t->st_n, i;
	uint8_t *used = pgs__calloc(t->al, n, 1);
	uint32_t *moved = pgs__calloc(t->al, n, sizeof(*moved));
	bool any_moved = false;
	int err = -ENOMEM;

	if (!used || !moved)
		goto out;
	/* Only entries some row uses: one left behind by a move is no handle of t. */
	for (i = 0; i < t->rows; i++)
		used[t->c_st[i]] = 1;
	for (i = 1; i < n; i++) {
		const struct st_meta *e = &t->st[i], *m;

		if (!used[i] || !e->has_handle || e->nframes)
			continue;
		m = lookup(j, e->handle);
		if (!m) {
			err = note_missing(j, e->handle);
		} else {
			err = join_entry(j, (uint32_t)i, m, &moved[i]);
			any_moved |= moved[i] != 0;
		}
		if (err)
			goto out;
	}
	err = 0;
out:
	/* Also after a failure: rows follow the moves made so far. */
	for (i = 0; any_moved && i < t->rows; i++)
		if (moved[t->c_st[i]])
			t->c_st[i] = moved[t->c_st[i]];
	pgs__free(t->al, used);
	pgs__free(t->al, moved);
	return err;
}

/* The st index of text (a string id of t), or 0 if no entry has it. */
static uint32_t st_of_text(const struct pgs_table *t, uint32_t text)
{
	return text < t->st_of_cap ? t->st_of[text] : 0;
}

/* A show_handles row gets show_stacks' stacktrace: the frames alone. */
static int join_row(struct join *j, size_t row, const struct st_meta *m)
{
	struct pgs_table *t = j->t;
	uint32_t text = intern_from(j, m->text), index;
	bool is_new;

	RETURN_ERROR_IF(!text, -ENOMEM);
	index = st_of_text(t, text);
	if (!index) {
		FORWARD_IF_ERROR(table_st_index(t, text, &index, &is_new));
		commit_frames(j, index, m);
	}
	t->c_st[row] = index;
	return 0;
}

/*
 * A show_handles row whose handle the map lacks keeps "handle: N" as its
 * stacktrace, as a page_owner block does: grouping by stacktrace then
 * keeps such rows apart by handle instead of lumping them together.
 */
static int keep_handle(struct join *j, size_t row, uint32_t handle)
{
	struct pgs_table *t = j->t;
	const struct st_meta *e = &t->st[t->c_st[row]];
	char line[32];
	uint32_t text, index;
	bool is_new;
	int n;

	if (e->has_handle && e->handle == handle)
		return 0;	/* joined before */
	n = snprintf(line, sizeof(line), "handle: %u\n", handle);
	text = strpool_intern(&t->strings, line, (size_t)n, &is_new);
	RETURN_ERROR_IF(!text, -ENOMEM);
	FORWARD_IF_ERROR(table_st_index(t, text, &index, &is_new));
	if (is_new) {
		t->st[index].handle = handle;
		t->st[index].has_handle = 1;
	}
	t->c_st[row] = index;
	return 0;
}

static int join_show_handles(struct join *j)
{
	struct pgs_table *t = j->t;
	size_t i;

	for (i = 0; i < t->rows; i++) {
		const struct st_meta *m;

		if (t->st[t->c_st[i]].nframes)
			continue;
		m = lookup(j, t->c_handle[i]);
		if (m)
			FORWARD_IF_ERROR(join_row(j, i, m));
		else {
			FORWARD_IF_ERROR(note_missing(j, t->c_handle[i]));
			FORWARD_IF_ERROR(keep_handle(j, i, t->c_handle[i]));
		}
	}
	return 0;
}

PGS_API int pgs_table_join_stacks(struct pgs_table *t, const struct pgs_table *map,
				  uint64_t *unresolved)
{
	struct join j = { .t = t, .map = map };
	uint64_t distinct = 0;
	size_t i;
	int err;

	RETURN_ERROR_IF(!t || !map || map->kind != PGS_KIND_SHOW_STACKS_HANDLES, -EINVAL);
	RETURN_ERROR_IF(t->kind != PGS_KIND_PAGE_OWNER && t->kind != PGS_KIND_SHOW_HANDLES,
			-EINVAL);
	/*
	 * The map's frames-only stacks; t's derived part is made again, with
	 * the stacks this join changes, when next needed.
	 */
	err = table_derive(map);
	table_underive(t);
	if (!err)
		err = index_map(&j);
	if (!err)
		err = t->kind == PGS_KIND_PAGE_OWNER ? join_page_owner(&j) : join_show_handles(&j);
	if (j.joined)
		t->features |= map->features &
			       (FEAT_FRAME_PS | FEAT_FRAME_BRACKET | FEAT_FRAME_KALLSYMS);
	if (!err && unresolved) {
		if (j.nmissing)
			qsort(j.missing, j.nmissing, sizeof(*j.missing), cmp_u32);
		for (i = 0; i < j.nmissing; i++)
			distinct += !i || j.missing[i] != j.missing[i - 1];
		*unresolved = distinct;
	}
	pgs__free(t->al, j.idx);
	pgs__free(t->al, j.missing);
	pgs__free(t->al, j.buf);
	return err;
}
