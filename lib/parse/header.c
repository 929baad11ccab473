/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The header line of a page_owner block, every era (formats.md §1, §2):
 *   Page allocated via order %u[, mask %#x[(%pGg)]]
 *     [, pid %d[, tgid %d (%s)], ts %llu ns[, free_ts %llu ns]][ (swapped)]
 * The comm (%s) is printed raw and may contain "), ts 5 ns" itself, so the
 * header is read from both ends: left up to "tgid N (", right from the end
 * back to ", ts"; the comm is what lies between.
 */
#include "fields.h"

#define MAX_ORDER_ACCEPTED 40	/* keeps page sums far from 2^64 */

const char *hdr_error_str(enum hdr_error e)
{
	switch (e) {
	case HDR_OK: return "ok";
	case HDR_E_PREFIX: return "expected 'Page allocated via order N'";
	case HDR_E_ORDER: return "expected an order from 0 to 40";
	case HDR_E_MASK: return "expected ', mask 0xN(flags)' after the order";
	case HDR_E_PID: return "expected ', pid N' with N a 32-bit number";
	case HDR_E_TGID: return "expected ', tgid N (comm)'";
	case HDR_E_TS: return "expected ', ts N ns' with N below 2^64";
	case HDR_E_TRAILING: return "unexpected text after the header's last field";
	}
	return "?";
}

/* Digits ending right before s[end]; returns their start (== end if none). */
static size_t digits_before(const char *s, size_t end)
{
	while (end > 0 && is_digit(s[end - 1]))
		end--;
	return end;
}

#define ENDS_AT(s, end, lit) \
	((end) >= sizeof(lit) - 1 && \
	 memcmp((s) + (end) - (sizeof(lit) - 1), (lit), sizeof(lit) - 1) == 0)

size_t header_tail(const char *s, size_t len, struct hdr_fields *f)
{
	size_t end = len, d;

	f->ts_len = f->fts_len = 0;
	f->swapped = false;
	if (ENDS_AT(s, end, " (swapped)")) {
		f->swapped = true;
		end -= sizeof(" (swapped)") - 1;
	}
	if (!ENDS_AT(s, end, " ns"))
		return f->swapped ? (size_t)-1 : len;
	end -= 3;
	d = digits_before(s, end);
	if (d == end)
		return (size_t)-1;
	if (ENDS_AT(s, d, ", free_ts ")) {
		if (pgs__parse_u64(s + d, end - d, &f->free_ts) != end - d)
			return (size_t)-1;
		f->fts_pos = d;
		f->fts_len = end - d;
		end = d - (sizeof(", free_ts ") - 1);
		if (!ENDS_AT(s, end, " ns"))
			return (size_t)-1;
		end -= 3;
		d = digits_before(s, end);
		if (d == end)
			return (size_t)-1;
	}
	if (!ENDS_AT(s, d, ", ts "))
		return (size_t)-1;
	if (pgs__parse_u64(s + d, end - d, &f->ts) != end - d)
		return (size_t)-1;
	f->ts_pos = d;
	f->ts_len = end - d;
	return d - (sizeof(", ts ") - 1);
}

/* A signed 32-bit decimal at s[*p..len). */
static bool take_i32(const char *s, size_t len, size_t *p, int32_t *out)
{
	bool neg = *p < len && s[*p] == '-';
	uint64_t v;
	size_t n;

	n = pgs__parse_u64(s + *p + neg, len - *p - neg, &v);
	if (!n || v > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
		return false;
	*out = neg ? (int32_t)(-(int64_t)v) : (int32_t)v;
	*p += n + neg;
	return true;
}

#define TAKE(s, len, p, lit) \
	(has_prefix((s) + *(p), (len) - *(p), (lit), sizeof(lit) - 1) ? \
	 (*(p) += sizeof(lit) - 1, true) : false)

enum hdr_error parse_header(const char *s, size_t len, struct hdr_fields *f)
{
	size_t p = 0, tail, n;
	uint64_t v;

	memset(f, 0, sizeof(*f));
	if (!TAKE(s, len, &p, "Page allocated via order "))
		return HDR_E_PREFIX;
	n = pgs__parse_u64(s + p, len - p, &v);
	if (!n || v > MAX_ORDER_ACCEPTED)
		return HDR_E_ORDER;
	f->order = (uint32_t)v;
	p += n;
	tail = header_tail(s, len, f);
	if (tail == (size_t)-1)
		return HDR_E_TS;
	if (tail < p)
		return HDR_E_TRAILING;
	f->have = PGS_HAVE_HEADER;
	if (f->ts_len)
		f->have |= PGS_HAVE_TS;
	if (f->fts_len)
		f->have |= PGS_HAVE_FREE_TS;

	/* Era A0's first posting printed the order alone. */
	if (p == len)
		return HDR_OK;
	if (!TAKE(s, len, &p, ", mask "))
		return HDR_E_MASK;
	n = pgs__parse_num(s + p, tail - p, &v);
	if (!n || v > UINT32_MAX)
		return HDR_E_MASK;
	f->gfp = (uint32_t)v;
	p += n;
	if (p < tail && s[p] == '(') {
		const char *close = memchr(s + p, ')', tail - p);

		if (!close)
			return HDR_E_MASK;
		f->mask_names = true;
		f->names = s + p + 1;
		f->names_len = (size_t)(close - f->names);
		p = (size_t)(close - s) + 1;
	}
	if (p == tail)
		return f->ts_len ? HDR_E_PID : HDR_OK;	/* eras B, C */

	if (!TAKE(s, tail, &p, ", pid ") || !take_i32(s, tail, &p, &f->pid))
		return HDR_E_PID;
	f->have |= PGS_HAVE_PID;
	if (TAKE(s, tail, &p, ", tgid ")) {
		if (!take_i32(s, tail, &p, &f->tgid) || !TAKE(s, tail, &p, " (") ||
		    tail < p + 1 || s[tail - 1] != ')')
			/* "(comm), ts 12" cut before " ns" is a damaged ts. */
			return !f->ts_len && pgs__memmem(s + p, len - p, "), ts ", 6) ?
			       HDR_E_TS : HDR_E_TGID;
		f->comm = s + p;
		f->comm_len = tail - 1 - p;
		f->have |= PGS_HAVE_TGID;
		p = tail;
	}
	if (p != tail)	/* without a ts, the line was most likely cut */
		return f->ts_len ? HDR_E_TRAILING : HDR_E_TS;
	/* Every era that prints a pid prints a ts after it. */
	return f->ts_len ? HDR_OK : HDR_E_TS;
}
