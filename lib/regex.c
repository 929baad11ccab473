/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "regex.h"

static void *re_malloc(PCRE2_SIZE n, void *al)
{
	return pgs__malloc(al, n);
}

static void re_free(void *p, void *al)
{
	pgs__free(al, p);
}

int re_compile(const struct pgs_allocator *al, const char *pat, size_t len, uint32_t options,
	       pcre2_code **out, int *code, size_t *off)
{
	pcre2_general_context *gc = NULL;
	pcre2_compile_context *cc = NULL;
	PCRE2_SIZE erroff = 0;
	pcre2_code *re;
	int err = 0;

	/* Without a hook, PCRE2's own malloc: no contexts to make. */
	if (al && (!(gc = pcre2_general_context_create(re_malloc, re_free, (void *)al)) ||
		   !(cc = pcre2_compile_context_create(gc)))) {
		pcre2_general_context_free(gc);
		return -ENOMEM;
	}
	re = pcre2_compile((PCRE2_SPTR)pat, len, options, &err, &erroff, cc);
	pcre2_compile_context_free(cc);
	pcre2_general_context_free(gc);
	if (!re) {
		RETURN_ERROR_IF(err == PCRE2_ERROR_HEAP_FAILED, -ENOMEM);
		*code = err;
		*off = erroff;
		return PGS_E_FILTER;
	}
	*out = re;
	return 0;
}
