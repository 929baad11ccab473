/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCRE2 with the caller's allocator hook. A pattern compiled here keeps
 * al's functions (PCRE2 copies them into the code), so its match data, its
 * JIT code and its release use them too; al itself must outlive the code.
 */
#ifndef PGS_REGEX_H
#define PGS_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common.h"

/*
 * Compile pat[0..len) (PCRE2_ZERO_TERMINATED allowed) with al's memory
 * (NULL: malloc) into *out. Returns 0, -ENOMEM, or PGS_E_FILTER for a bad
 * pattern with PCRE2's error code and offset in *code and *off.
 */
int re_compile(const struct pgs_allocator *al, const char *pat, size_t len, uint32_t options,
	       pcre2_code **out, int *code, size_t *off);

/* Match data for re, from re's memory; NULL when out of memory. */
static inline pcre2_match_data *re_match_data(const pcre2_code *re)
{
	return pcre2_match_data_create_from_pattern(re, NULL);
}

#endif /* PGS_REGEX_H */
