/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGS_QUERY_H
#define PGS_QUERY_H

#include "../table/table.h"

enum key_id {
	/* page_owner_sort's */
	K_PID, K_TGID, K_NAME, K_STACKTRACE, K_TXT, K_ALLOC_TS, K_ALLOCATOR,
	K_FREE_TS, K_FREE,
	/* aggregates */
	K_TIMES, K_PAGES, K_BYTES,
	/* per-record fields */
	K_ORDER, K_GFP, K_MT, K_BMT, K_PFN, K_NODE, K_ZONE, K_FLAGS, K_MEMCG,
	K_MR, K_HANDLE, K_MODULE, K_CALLSITE, K_STACK,
	/* filters only: any frame of the stack */
	K_FRAME,
	K__COUNT
};

/* A set of keys: bit KEY_BIT(id) for each key id in it. */
typedef uint64_t keyset;
#define KEY_BIT(id) ((keyset)1 << (id))
_Static_assert(K__COUNT <= 64, "a keyset holds one bit per key: widen keyset");

#define KEY_CULL 0x1u	/* may group */
#define KEY_SORT 0x2u	/* may order */
#define KEY_FILTER 0x4u	/* may be tested by --filter */
#define KEY_BOOT 0x8u	/* means something only within one boot: no diff across boots */

/* What a key's value is, which decides how it compares, filters and prints. */
enum key_type {
	KT_NUM,		/* unsigned number */
	KT_INT,		/* signed number (pid, tgid, node, zone) */
	KT_TIME,	/* nanoseconds; filters accept ns, us, ms, s, m, h units */
	KT_HEX,		/* unsigned number printed in hex (pfn) */
	KT_MASK,	/* a bit mask with flag names (gfp, flags): `has` tests */
	KT_ENUM,	/* a small number with a name (migratetypes) */
	KT_STR,		/* a string (strings id) */
	KT_STACK,	/* a string of frames (strings id); ~ tests the whole text */
	KT_BOOL,	/* 0 or 1 (free) */
	KT_AGG,		/* a group's total: times */
};

/*
 * Which column of the table a key's value is a function of: group.c groups
 * by that column's ids when every cull key reads the same one. 0 is "not
 * set", which test_keytable refuses.
 */
enum key_col {
	KCOL_ROW = 1,	/* the row's own fields: times, pfn, handle, time stamps... */
	KCOL_ST,	/* the stacktrace's (frames and trailers) */
	KCOL_HDR,	/* the header template's */
	KCOL_PFNT,	/* the PFN line template's */
};

/* The input kinds a key's field exists in: KIND_BIT(enum pgs_kind) each. */
#define KIND_BIT(k) (1u << (k))
#define KINDS_PO KIND_BIT(PGS_KIND_PAGE_OWNER)	/* page_owner blocks only */
#define KINDS_ALL (~0u)				/* every input */

/*
 * How the text report prints a key the query culls by. Keys printed after
 * page_owner_sort's own fields print in table order as ", long_name value".
 */
enum key_text {
	KTXT_OWN = 1,	/* page_owner_sort's own place (header line, stack, counts) */
	KTXT_AFTER,	/* ", name value" (value as key_text() gives it) */
	KTXT_AFTER_HEX,	/* ", name 0x..." */
	KTXT_AFTER_HEX_NAMES,	/* ", name 0x...(flag names)" */
};

/* The columns of a key in a JSON, ndjson or CSV record. */
enum key_rec {
	KREC_VALUE = 1,	/* one column, the long name: the typed value */
	KREC_VALUE_NAMES,	/* that, then names_col: the value's flag names */
	KREC_FRAMES,	/* the frames alone, then the trailers' own columns */
};

/*
 * One row per key: every property of the key. Adding a key is a row here
 * (lib/query/keys.c) and a case in key_value() (lib/query/value.c), see
 * HACKING.md; test_keytable fails when a row lacks a property.
 */
struct key_def {
	const char *short_name, *long_name;
	enum key_id id;
	unsigned use;
	enum key_type type;	/* KT_STACK: a stack key (folded, flame, diff) */
	enum key_col col;	/* the column the value depends on */
	unsigned kinds;		/* the input kinds that have the field */
	unsigned feat;		/* FEAT_* the table must have (0: none) */
	enum key_text text;	/* text report */
	enum key_rec rec;	/* JSON, ndjson, CSV */
	const char *names_col;	/* KREC_VALUE_NAMES: the names column */
	const char *field;	/* the input field it reads, for messages */
	const char *help;
};

extern const struct key_def pgs_keys[K__COUNT];

/* Whether key id's value is a stack (its frames print as frames). */
static inline bool key_is_stack(unsigned id)
{
	return id < K__COUNT && pgs_keys[id].type == KT_STACK;
}

/* The stack keys (key_is_stack). */
keyset key_stacks(void);
/* The keys whose value depends on column col (the header's: KCOL_HDR). */
keyset key_set_col(enum key_col col);

/*
 * A key's value for one row. type KV_NULL: the row lacks the field (an
 * era without it, a stack without a handle). KV_STR values are ids in the
 * table's strings pool.
 */
enum kv_type { KV_NULL, KV_NUM, KV_INT, KV_STR };

struct kval {
	uint64_t v;		/* KV_INT: (uint64_t)(int64_t) value */
	uint8_t type;		/* enum kv_type */
};

/* The key named s[0..len) (short or long name), NULL if none. */
const struct key_def *key_lookup(const char *s, size_t len);
const struct key_def *key_by_id(enum key_id id);

struct sort_key {
	enum key_id id;
	int sign;	/* 1 ascending, -1 descending */
};

/* What a key's value depends on besides the row. */
struct keyctx {
	const struct pgs_table *t;
	bool strip;		/* frames without +0xoff/0xsize */
	uint64_t page_size;	/* bytes per base page */
	const uint32_t *cs;	/* by st index: call site frame id, 0: none */
	uint32_t *cs_own;	/* what cs points to, freed with the result */
};

/* What a query asks, copied into its result so that output needs only it. */
struct query_spec {
	keyset cull;		/* KEY_BIT(enum key_id) */
	struct sort_key *sort;
	size_t nsort;
	bool sel_pid, sel_tgid, sel_name, sel_node, sel_module, unreleased;
	bool strip;		/* frames without +0xoff/0xsize */
	uint64_t page_size;	/* 0: QUERY_PAGE_SIZE */
	size_t top;		/* 0: every group */
	uint64_t min_pages;
};

/* Bytes per base page when the query sets none. */
#define QUERY_PAGE_SIZE PAGE_SIZE_DEFAULT

static inline uint64_t query_page_size(const struct query_spec *s)
{
	return s->page_size ? s->page_size : QUERY_PAGE_SIZE;
}

struct pgs_query {
	struct pgs_allocator alloc;
	const struct pgs_allocator *al;	/* &alloc or NULL: the query's own memory */
	struct query_spec s;
	size_t sort_cap;
	int32_t *pids, *tgids;
	size_t npids, ntgids, pids_cap, tgids_cap;
	char **names;
	size_t nnames, names_cap;
	char **modules;		/* --module LIST */
	size_t nmodules, modules_cap;
	int32_t *nodes;
	size_t nnodes, nodes_cap;
	char *cs_skip;		/* call site skip pattern, NULL: the default */
	struct filter **filters;	/* ANDed */
	size_t nfilters, filters_cap;
	unsigned threads;	/* 0: online CPUs */
	struct pgs_error_detail *detail;	/* filled when a run fails, or NULL */
};

/*
 * Fill q's error detail (if any) with code, key (or NULL), origin and a
 * printf message; input and the table's kind and era when t is not NULL.
 */
void query_detail(const struct pgs_query *q, int code, const struct pgs_table *t, int input,
		  const struct key_def *key, enum pgs_origin origin, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/*
 * Fill q's error detail (if any) for a setter: the fault is at byte off of
 * its string argument, len bytes long (PGS_OFFSET_NONE: not in one).
 */
void query_detail_arg(const struct pgs_query *q, int code, const struct key_def *key,
		      enum pgs_origin origin, size_t off, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* -EINVAL with the detail filled when a setter's string arg is NULL, else 0. */
int query_null_arg(const struct pgs_query *q, const void *arg, enum pgs_origin origin);
/* Set the input (1 before, 2 after) of a detail filled by a run of q. */
void query_detail_input(const struct pgs_query *q, int input);

struct group {
	uint64_t times, pages;
	size_t first;		/* first row, in input order */
	uint64_t ts_min;
};

struct pgs_result {
	struct pgs_allocator alloc;
	const struct pgs_allocator *al;	/* &alloc or NULL: the table's hook */
	const struct pgs_table *t;
	struct keyctx kc;
	struct query_spec s;	/* sort points into sort_copy */
	struct sort_key *sort_copy;
	bool ts_in_txt;		/* first sort key is alloc_ts: keep ts digits */
	struct group *g;	/* by partition of the key hash, then first appearance */
	uint32_t *order;	/* g indexes in sort order */
	size_t n;		/* groups shown (after min_pages and top) */
	size_t ngroups;		/* groups in g */
	uint64_t records, pages;
	char *txt;		/* rendered block texts, only for the txt key */
	size_t *txt_off;	/* by group, into txt */
	size_t txt_len, txt_cap;
	/*
	 * Whether the table's derived stacks and kc.cs (call sites) are
	 * made: at the run when the query needs them, else by
	 * result_complete() when an output or a value does.
	 */
	bool complete;
	char *cs_skip;		/* the query's call site pattern, for them */
};

/* Group i of the result in sort order. */
static inline const struct group *result_group(const struct pgs_result *r, size_t i)
{
	return &r->g[r->order[i]];
}

/* Calls fn for each comma-separated item of list (empty items included). */
int each_item(const char *list, int (*fn)(void *, const char *, size_t), void *arg);
/* A sort item's leading '-' or '+' as a sign (1 without one); moves *s, *n past it. */
int sort_sign(const char **s, size_t *n);

/*
 * A key's value for group g of r, as pgs_result_value() returns it (k is
 * neither txt nor frame). Returns 0.
 */
int result_value_of(const struct pgs_result *r, const struct group *g,
		    const struct key_def *k, struct pgs_value *out);

/*
 * Make what r's query did not need but a value or an output of r may: the
 * table's frames and derived stacks (table_derive()) and the call sites.
 * Once per result (a result is used by one thread at a time). 0, -ENOMEM.
 */
int result_complete(const struct pgs_result *r);

/* Whether key k's values derive from the frames of the stacks. */
static inline bool key_needs_frames(enum key_id k)
{
	return k == K_MODULE || k == K_CALLSITE || k == K_STACK || k == K_FRAME;
}

/* page_owner_sort's allocator text: "CMA SLAB " ... with trailing space. */
const char *allocator_label(uint32_t bits, char *out, size_t outsz);

#endif /* PGS_QUERY_H */
