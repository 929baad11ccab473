/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Size-versioned options structs (pgsort.h, CONVENTIONS; libbpf's
 * OPTS_VALID and OPTS_GET): a caller's struct starts with size_t sz, the
 * sizeof its header gave it.
 *  - An older caller's struct is shorter: the fields it lacks take their
 *    defaults (OPTS_GET's fallback, or the PGS_INIT copy OPTS_LOAD fills).
 *  - A newer caller's struct is longer: the bytes past this library's
 *    struct are fields it does not know, and must be zero (left at their
 *    defaults); a non-zero one fails the call with -EINVAL rather than be
 *    ignored, since the caller asked for something this library cannot do.
 *  - sz below sizeof(size_t) is -EINVAL.
 * Every options struct the library reads goes through OPTS_LOAD (a checked
 * copy) or OPTS_VALID then OPTS_GET (in place).
 */
#ifndef PGS_OPTS_H
#define PGS_OPTS_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Whether the caller's struct, opts->sz bytes, reaches the end of field. */
#define OPTS_HAS(opts, field) \
	((opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field))

/* opts->field, or fallback when opts is NULL or older than field. */
#define OPTS_GET(opts, field, fallback) \
	((opts) && OPTS_HAS(opts, field) ? (opts)->field : (fallback))

/*
 * 0 when the options at opts (NULL: all defaults) may be read as a struct
 * of known bytes: sz at least sizeof(size_t), every byte past known zero;
 * -EINVAL otherwise.
 */
static inline int opts_valid(const void *opts, size_t known)
{
	const unsigned char *p = opts;
	size_t sz, i;

	if (!opts)
		return 0;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return -EINVAL;
	for (i = known; i < sz; i++)
		if (p[i])
			return -EINVAL;
	return 0;
}

#define OPTS_VALID(opts) opts_valid((opts), sizeof(*(opts)))

/*
 * Check the caller's opts (NULL: none) and copy what its struct holds over
 * *dst, which holds the defaults (PGS_INIT). Returns 0 or -EINVAL.
 */
static inline int opts_load(void *dst, size_t known, const void *opts)
{
	size_t sz;
	int err = opts_valid(opts, known);

	if (err || !opts)
		return err;
	memcpy(&sz, opts, sizeof(sz));
	memcpy(dst, opts, sz < known ? sz : known);
	return 0;
}

#define OPTS_LOAD(dst, opts) opts_load((dst), sizeof(*(dst)), (opts))

#endif
