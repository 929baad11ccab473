/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Line classes (formats.md §7.1), frames and trailer lines. The block
 * assembler in page_owner.c tests the first byte itself on the hot path and
 * calls into here for everything else.
 */
#include "fields.h"

enum line_class classify_line(const char *s, size_t len)
{
	if (len == 0)
		return LC_BLANK;
	switch (s[0]) {
	case ' ':
	case '\t':
	case '[':
		return parse_frame(s, len, &(struct frame_fields){ 0 }) ?
		       LC_FRAME : LC_UNKNOWN;
	case 'P':
		if (HAS_PREFIX(s, len, "Page allocated via order "))
			return LC_HEADER;
		if (HAS_PREFIX(s, len, "PFN "))
			return LC_PFN;
		if (HAS_PREFIX(s, len, "Page has been migrated, last migrate reason: "))
			return LC_MIGRATED;
		break;
	case 'S':
		if (len == 15 && HAS_PREFIX(s, len, "Slab cache page"))
			return LC_SLAB;
		break;
	case 'C':
		if (HAS_PREFIX(s, len, "Charged "))
			return LC_MEMCG;
		break;
	case 'h':
		if (HAS_PREFIX(s, len, "handle: "))
			return LC_HANDLE;
		break;
	case 'n':
	case 's':
		if (HAS_PREFIX(s, len, "nr_base_pages: ") ||
		    HAS_PREFIX(s, len, "stack_count: "))
			return LC_PAGES;
		break;
	}
	return LC_UNKNOWN;
}

/*
 * parse_frame() but for the "+0xoff/0xsize" cut: false when the line is
 * no frame, else *complete tells whether f is final (the kallsyms form;
 * then the result is f->sym_len > 0) or still holds the offsets in sym.
 */
static bool frame_head(const char *s, size_t len, struct frame_fields *f, bool *complete)
{
	const char *plus, *mod;
	size_t i = 0, n;

	memset(f, 0, sizeof(*f));
	f->form = FRAME_PS;
	*complete = false;
	if (len && s[0] == '[') {
		/* Eras A0/A1: "[0x%lx] %s+%lu", no indent. */
		const char *close = memchr(s, ']', len);

		if (!HAS_PREFIX(s, len, "[0x") || !close || (size_t)(close - s) + 2 > len)
			return false;
		f->form = FRAME_KALLSYMS;
		f->text = s;
		f->text_len = len;
		f->sym = close + 2;
		f->sym_len = len - (size_t)(f->sym - s);
		plus = memchr(f->sym, '+', f->sym_len);
		if (plus) {
			f->sym_len = (size_t)(plus - f->sym);
			f->has_offset = pgs__parse_u64(plus + 1, len - (size_t)(plus + 1 - s), &f->off) > 0;
		}
		*complete = true;
		return true;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == 0 || i == len)
		return false;
	f->text = s + i;
	f->text_len = len - i;
	if (HAS_PREFIX(s + i, len - i, "[<")) {
		const char *close = pgs__memmem(s + i, len - i, ">] ", 3);

		if (!close)
			return false;
		f->form = FRAME_BRACKET;
		i = (size_t)(close - s) + 3;
	}
	f->sym = s + i;
	f->sym_len = len - i;
	/* " [module]" suffix (optionally " [module buildid]"). */
	if (s[len - 1] == ']' && (mod = pgs__memmem(s + i, len - i, " [", 2))) {
		f->module = mod + 2;
		f->module_len = (size_t)(s + len - 1 - f->module);
		n = (size_t)(mod - f->sym);
		f->sym_len = n;
		{
			const char *sp = memchr(f->module, ' ', f->module_len);

			if (sp)
				f->module_len = (size_t)(sp - f->module);
		}
	}
	return true;
}

bool parse_frame(const char *s, size_t len, struct frame_fields *f)
{
	const char *plus = NULL;
	bool complete;
	size_t n;

	if (!frame_head(s, len, f, &complete))
		return false;
	if (complete)
		return f->sym_len > 0;
	/* sym+0xoff/0xsize: the last '+' (names may hold '.', not '+'). */
	for (n = f->sym_len; n > 0; n--)
		if (f->sym[n - 1] == '+') {
			plus = f->sym + n - 1;
			break;
		}
	if (plus) {
		const char *q = plus + 1, *end = f->sym + f->sym_len;
		size_t k = pgs__parse_hex(q, (size_t)(end - q), &f->off);

		if (k && q + k < end && q[k] == '/' &&
		    pgs__parse_hex(q + k + 1, (size_t)(end - q - k - 1), &f->size) ==
		    (size_t)(end - q - k - 1)) {
			f->has_offset = true;
			f->sym_len = (size_t)(plus - f->sym);
		}
	}
	return f->sym_len > 0;
}

bool frame_line(const char *s, size_t len, enum frame_form *form)
{
	struct frame_fields f;
	bool complete;

	if (!frame_head(s, len, &f, &complete))
		return false;
	*form = f.form;
	if (complete)
		return f.sym_len > 0;
	/*
	 * The cut of the offsets leaves sym_len > 0 unless the last '+' is
	 * sym's first byte: only then is the whole rule needed.
	 */
	if (f.sym_len && f.sym[0] != '+')
		return true;
	return parse_frame(s, len, &f);
}

bool parse_migrated(const char *s, size_t len, const char **reason, size_t *rlen)
{
	static const char p[] = "Page has been migrated, last migrate reason: ";

	if (!HAS_PREFIX(s, len, p))
		return false;
	*reason = s + sizeof(p) - 1;
	*rlen = len - (sizeof(p) - 1);
	return true;
}

bool parse_memcg(const char *s, size_t len, const char **name, size_t *nlen,
		 uint32_t *flags)
{
	size_t p = 0;

	*flags = PGS_MEMCG_CHARGED;
#define TAKE(lit) \
	(has_prefix(s + p, len - p, (lit), sizeof(lit) - 1) ? \
	 (p += sizeof(lit) - 1, true) : false)
	if (!TAKE("Charged "))
		return false;
	if (TAKE("(via objcg) "))
		*flags |= PGS_MEMCG_OBJCG;
	if (!TAKE("to "))
		return false;
	if (TAKE("offline ") || TAKE("offlined "))
		*flags |= PGS_MEMCG_OFFLINE;
	if (!TAKE("memcg "))
		return false;
#undef TAKE
	*name = s + p;
	*nlen = len - p;
	return true;
}

bool parse_handle(const char *s, size_t len, uint32_t *handle)
{
	uint64_t v;
	size_t p = sizeof("handle: ") - 1;
	bool neg;

	if (!HAS_PREFIX(s, len, "handle: "))
		return false;
	/* Printed with %d in show_* files and %u in page_owner: same bits. */
	neg = p < len && s[p] == '-';
	if (p + neg == len || pgs__parse_u64(s + p + neg, len - p - neg, &v) != len - p - neg ||
	    v > (neg ? (uint64_t)INT32_MAX + 1 : UINT32_MAX))
		return false;
	*handle = neg ? (uint32_t)(-(int64_t)v) : (uint32_t)v;
	return true;
}

bool parse_pages(const char *s, size_t len, int64_t *pages)
{
	size_t p;
	uint64_t v;
	bool neg;

	if (HAS_PREFIX(s, len, "nr_base_pages: "))
		p = sizeof("nr_base_pages: ") - 1;
	else if (HAS_PREFIX(s, len, "stack_count: "))
		p = sizeof("stack_count: ") - 1;
	else
		return false;
	neg = p < len && s[p] == '-';
	if (p + neg == len || pgs__parse_u64(s + p + neg, len - p - neg, &v) != len - p - neg ||
	    v > (uint64_t)INT64_MAX)
		return false;
	*pages = neg ? -(int64_t)v : (int64_t)v;
	return true;
}
