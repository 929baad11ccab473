/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --filter: one expression language over the keys (query.h).
 *
 *   expr  := or
 *   or    := and ( "or" and )*
 *   and   := unary ( "and" unary )*
 *   unary := "not" unary | "(" expr ")" | pred
 *   pred  := KEY op values | KEY "has" NAME | KEY "~" STRING | KEY "!~" STRING
 *   op    := "=" | "!=" | "<" | "<=" | ">" | ">="
 *   values:= value ( "," value )*          (lists: "=" and "!=" only)
 *   value := NUMBER | NUMBER ".." NUMBER   (ranges: "=" and "!=" only)
 *          | WORD | 'quoted' | "quoted"
 *
 * Numbers: decimal or 0x hex; for KT_TIME keys a unit may follow
 * (ns us ms s m h; none = ns). Keys compare by their enum key_type:
 * numbers numerically, strings bytewise, KT_ENUM by name. "has" tests a
 * flag name of a KT_MASK key. "~" is a PCRE2 pattern (unanchored) over the
 * value's text; for K_FRAME it is true when any frame matches.
 *
 * The parser knows nothing of tables: a filter is evaluated one row at a
 * time through struct filter_ops, which the query implements over the
 * table. Regular expression results are memoized by string id, so a
 * pattern runs once per distinct string, not once per row.
 *
 * Details the grammar leaves open:
 *  - "and" "or" "not" are lower case; "&&" "||" "!" are synonyms. A bare
 *    WORD runs to whitespace, "(", ")", "," or a quote, so a pattern
 *    holding those must be quoted. In 'single' or "double" quotes a
 *    backslash escapes only the quote and itself ('\d' stays \d).
 *  - A row lacking the field (KV_NULL, or no text) fails every positive
 *    test (= < <= > >= has ~); != and !~ are "not =" and "not ~", so they
 *    pass on it. On K_FRAME, != is "no frame equals".
 *  - KT_MASK: a number compares the mask; "=" with a word is "has"
 *    (gfp=GFP_KERNEL, ator=SLAB), "!=" with a word is "not has"; "~"
 *    matches the names text. KT_ENUM: a number compares the value, a word
 *    the name. KT_STR, KT_STACK: bytewise (memcmp, then shorter first).
 *    In KT_MASK and KT_ENUM a value starting with a digit is a number.
 *  - Time decimals need a unit and must come to whole nanoseconds.
 *  - Patterns are bytes (no UTF; "(*UTF)" is refused). A match that hits
 *    PCRE2's match or JIT stack limits counts as no match.
 */
#ifndef PGS_FILTER_H
#define PGS_FILTER_H

#include "query.h"

struct filter;

/* Where and why an expression was refused. */
struct filter_error {
	size_t pos;		/* byte offset into the expression */
	char msg[160];		/* e.g. "expected a comparison after 'pid'" */
};

/*
 * Values of the row being tested. ctx is the caller's; every callback
 * answers for the current row.
 */
struct filter_ops {
	/* The value of key k (never K_FRAME). */
	void (*value)(void *ctx, enum key_id k, struct kval *out);
	/*
	 * The text of v (a value of key k): a KV_STR's string, an enum's name,
	 * a mask's names ("GFP_KERNEL|__GFP_COMP"). Returns a pointer valid
	 * until the next call and sets *len; NULL when v has no text.
	 */
	const char *(*text)(void *ctx, enum key_id k, const struct kval *v, size_t *len);
	/* KT_MASK keys: whether the row's value has the flag called name. */
	bool (*has)(void *ctx, enum key_id k, const char *name, size_t len);
	/* The string ids of the row's frames (K_FRAME). */
	void (*frames)(void *ctx, const uint32_t **ids, size_t *n);
	/* The text of string id (frames). */
	const char *(*str)(void *ctx, uint32_t id, size_t *len);
};

/*
 * Parse expr. Returns 0 and *out, PGS_E_FILTER with *err filled (err may
 * be NULL), or -ENOMEM. The filter's memory (its regexes' included) comes
 * from al (NULL: malloc), which must outlive it.
 */
int filter_parse(const char *expr, const struct pgs_allocator *al, struct filter **out,
		 struct filter_error *err);

/* Key set (KEY_BIT(enum key_id)) of the keys f reads. */
keyset filter_keys(const struct filter *f);

/*
 * Evaluate f for the current row of ops. nstrings bounds the string ids
 * it may see (memo size); the first call sizes the memo. Returns 1 (pass),
 * 0 (fail) or -ENOMEM.
 *
 * Not thread-safe: f holds the memo and PCRE2's match data, so one thread
 * at a time evaluates a given filter (parse one per thread to go parallel).
 * The memo is by string id, so it belongs to one table's strings pool.
 */
int filter_eval(struct filter *f, const struct filter_ops *ops, void *ctx,
		size_t nstrings);

/*
 * Drop the memo: call before evaluating rows of another table, whose
 * string ids name other strings. The next filter_eval sizes it again.
 */
void filter_forget(struct filter *f);

void filter_free(struct filter *f);

#endif /* PGS_FILTER_H */
