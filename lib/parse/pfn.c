/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The PFN line (formats.md §2.3-§2.7, §6.2, §6.3):
 *   C-H:   PFN %lu|0x%lx type %s Block %lu type %s Flags %#lx(%pGp)
 *   A1/B:  PFN %lu Block %lu type %d %s Flags <12 letter columns>
 * PFN and Block change from block to block; everything else repeats, so a
 * block only needs pfn_cuts() and the rest is parsed once per template.
 */
#include "fields.h"

uint8_t migratetype_from_name(const char *s, size_t len)
{
	static const char *const names[] = {
		"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return (uint8_t)i;
	return PGS_MT_OTHER;
}

bool pfn_cuts(const char *s, size_t len, struct pfn_fields *f)
{
	const char *b;
	size_t n, p;

	if (!HAS_PREFIX(s, len, "PFN "))
		return false;
	n = pgs__parse_num(s + 4, len - 4, &f->pfn);
	if (!n)
		return false;
	f->pfn_pos = 4;
	f->pfn_len = n;
	f->hex = n >= 2 && (s[5] == 'x' || s[5] == 'X');
	p = 4 + n;
	b = pgs__memmem(s + p, len - p, " Block ", 7);
	if (!b)
		return false;
	p = (size_t)(b - s) + 7;
	n = pgs__parse_u64(s + p, len - p, &f->block);
	if (!n)
		return false;
	f->block_pos = p;
	f->block_len = n;
	return true;
}

/* A word up to the next space: [*p, end). */
static bool take_word(const char *s, size_t len, size_t *p, const char **w, size_t *wlen)
{
	const char *sp = memchr(s + *p, ' ', len - *p);
	size_t e = sp ? (size_t)(sp - s) : len;

	if (e == *p)
		return false;
	*w = s + *p;
	*wlen = e - *p;
	*p = e;
	return true;
}

/* node=N / zone=N inside the %pGp names, -1 if absent. */
static int32_t flag_field(const char *names, size_t len, const char *key, size_t klen)
{
	const char *p = names, *end = names + len;
	uint64_t v;

	while ((p = pgs__memmem(p, (size_t)(end - p), key, klen))) {
		if (p == names || p[-1] == '|' || p[-1] == '(') {
			if (pgs__parse_u64(p + klen, (size_t)(end - p - klen), &v) && v <= INT32_MAX)
				return (int32_t)v;
			return -1;
		}
		p += klen;
	}
	return -1;
}

#define TAKE(lit) \
	(has_prefix(s + p, len - p, (lit), sizeof(lit) - 1) ? \
	 (p += sizeof(lit) - 1, true) : false)

bool parse_pfn(const char *s, size_t len, struct pfn_fields *f)
{
	const char *w;
	size_t p, wlen, n;
	uint64_t v;

	memset(f, 0, sizeof(*f));
	f->node = f->zone = -1;
	f->mt = f->bmt = PGS_MT_NONE;
	if (!pfn_cuts(s, len, f))
		return false;
	p = f->pfn_pos + f->pfn_len;
	if (TAKE(" Block ")) {
		/* Eras A1/B: numeric pageblock type, Fallback or 8 spaces. */
		f->old = true;
		p = f->block_pos + f->block_len;
		if (!TAKE(" type "))
			return false;
		n = pgs__parse_u64(s + p, len - p, &v);
		if (!n || v > UINT32_MAX)
			return false;
		f->bmt = PGS_MT_NUMERIC;
		f->bmt_num = (uint32_t)v;
		p += n;
		return TAKE(" Fallback Flags ") || TAKE("          Flags ");
	}
	if (!TAKE(" type ") || !take_word(s, len, &p, &w, &wlen))
		return false;
	f->mt = migratetype_from_name(w, wlen);
	if (p != f->block_pos - 7)
		return false;
	p = f->block_pos + f->block_len;
	if (!TAKE(" type ") || !take_word(s, len, &p, &w, &wlen))
		return false;
	f->bmt = migratetype_from_name(w, wlen);
	if (!TAKE(" Flags "))
		return false;
	n = pgs__parse_hex(s + p, len - p, &f->flags);
	if (n) {
		const char *close;

		p += n;
		if (p >= len || s[p] != '(')
			return false;
		close = memchr(s + p, ')', len - p);
		if (!close)
			return false;
		f->node = flag_field(s + p + 1, (size_t)(close - s) - p - 1, "node=", 5);
		f->zone = flag_field(s + p + 1, (size_t)(close - s) - p - 1, "zone=", 5);
	}
	/* Dec 2015 mm-tree letter columns and vendor ", pid N, comm" tails. */
	return true;
}
