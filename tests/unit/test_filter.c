/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lib/query/filter.c: what the language accepts, every refusal with its
 * position and message, which rows each expression keeps, and that a
 * pattern runs once per distinct string.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>	/* malloc */
#include <string.h>
#include <cmocka.h>

#include "../../lib/query/filter.h"

/*
 * Allocation failures: linked with --wrap=malloc,calloc,realloc, so that
 * the allocation number fail_at (counted from 0 while armed) fails.
 */
static long fail_at = -1, nallocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static bool alloc_fails(void)
{
	return fail_at >= 0 && nallocs++ == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return alloc_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : __real_realloc(p, n);
}

/* Rows -------------------------------------------------------------------- */

static const char *const strtab[] = {
	[0] = "swapper",
	[1] = "bash",
	[2] = "Web Content",
	[3] = "kworker/0:1",
	[4] = "it's \"quoted\"",
	[5] = "alloc_pages+0x10\nkmalloc+0x20\n",
	[6] = "alloc_pages+0x10\nvmalloc+0x30\n",
	[7] = "do_fault+0x5\nhandle_mm_fault+0x100\n",
	[8] = "alloc_pages+0x10",
	[9] = "kmalloc+0x20",
	[10] = "vmalloc+0x30",
	[11] = "do_fault+0x5",
	[12] = "handle_mm_fault+0x100",
	[13] = "a,b(c)",
	[14] = "/sys/fs/cgroup/user",
	[15] = "\xff\xfe bad",		/* not UTF-8 */
	[16] = "a\\b",
};
#define NSTR (sizeof(strtab) / sizeof(strtab[0]))

static const char *const mts[] = { "Unmovable", "Movable", "Reclaimable" };
#define NONE 0xff	/* no such field in this row */

struct row {
	int64_t pid, tgid;
	uint32_t name;
	uint64_t ts;
	unsigned order;
	uint64_t gfp;
	const char *gfp_names;
	uint64_t pfn;
	int node;		/* NONE: KV_NULL */
	uint8_t mt;		/* NONE: KV_NULL */
	uint32_t stack;
	uint32_t frames[2];
	size_t nframes;
	unsigned free;
	uint32_t memcg;		/* NONE: KV_NULL */
	const char *ator;
};

#define KERNEL "GFP_KERNEL"
#define HIGHCOMP "GFP_HIGHUSER_MOVABLE|__GFP_COMP"
static const struct row rows[] = {
	{ 1, 1, 0, 158908732, 0, 0x0, "", 0x1000, 0, 0, 7, { 11, 12 }, 2, 0, NONE, "OTHERS" },
	{ 1873, 1873, 1, 10000000000, 1, 0xcc0, KERNEL, 0x100000, 0, 0, 5, { 8, 9 }, 2, 1, 14, "SLAB" },
	{ 2291, 2270, 2, 90231874415, 2, 0x140cca, HIGHCOMP, 0x1fffff, 1, 1, 6, { 8, 10 }, 2, 0, 14, "VMALLOC" },
	{ 0, 0, 3, 120000000000, 3, 0xcc0, KERNEL, 0x200000, NONE, 2, 5, { 8, 9 }, 2, 0, NONE, "SLAB" },
	{ 4242, 4242, 4, 3600000000000, 0, 0x2dc2,
	  "GFP_KERNEL|__GFP_HIGHMEM|__GFP_NOWARN|__GFP_ZERO",
	  0xfffff, 1, 1, 7, { 11, 12 }, 2, 1, 14, "OTHERS" },
	{ 100, 99, 13, 1500000000, 0, 0x0, "", 0x100, NONE, 0, 6, { 8, 10 }, 2, 0, NONE, "VMALLOC" },
	{ 2, 2, 15, 9999999999, 9, 0x140cca, HIGHCOMP, 0x300000, -1, 1, 5, { 8, 9 }, 2, 0, 14, "SLAB" },
	{ 1873, 1873, 16, 0, 1, 0xcc0, KERNEL, 0x0, 0, NONE, 7, { 0 }, 0, 0, NONE, "OTHERS" },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

struct ctx {
	const struct row *r;
	unsigned text_calls[NSTR], str_calls[NSTR];
	unsigned mask_text_calls;
};

static void num(struct kval *out, uint64_t v)
{
	out->type = KV_NUM;
	out->v = v;
}

static void value(void *vctx, enum key_id k, struct kval *out)
{
	const struct row *r = ((struct ctx *)vctx)->r;

	switch (k) {
	case K_PID: out->type = KV_INT; out->v = (uint64_t)r->pid; break;
	case K_TGID: out->type = KV_INT; out->v = (uint64_t)r->tgid; break;
	case K_NAME: out->type = KV_STR; out->v = r->name; break;
	case K_ALLOC_TS: num(out, r->ts); break;
	case K_ORDER: num(out, r->order); break;
	case K_PAGES: num(out, 1ull << r->order); break;
	case K_GFP: num(out, r->gfp); break;
	case K_PFN: num(out, r->pfn); break;
	case K_FREE: num(out, r->free); break;
	case K_ALLOCATOR: num(out, 1); break;	/* the names are what is tested */
	case K_STACK: out->type = KV_STR; out->v = r->stack; break;
	case K_NODE:
		out->type = r->node == NONE ? KV_NULL : KV_INT;
		out->v = (uint64_t)(int64_t)r->node;
		break;
	case K_MT:
		out->type = r->mt == NONE ? KV_NULL : KV_NUM;
		out->v = r->mt;
		break;
	case K_MEMCG:
		out->type = r->memcg == NONE ? KV_NULL : KV_STR;
		out->v = r->memcg;
		break;
	default:
		fail_msg("value() asked for key %d", k);
	}
}

static const char *text(void *vctx, enum key_id k, const struct kval *v, size_t *len)
{
	struct ctx *c = vctx;
	const char *s;

	assert_int_not_equal(v->type, KV_NULL);	/* the filter must not ask */
	if (v->type == KV_STR) {
		assert_true(v->v < NSTR);
		c->text_calls[v->v]++;
		s = strtab[v->v];
	} else if (k == K_GFP) {
		c->mask_text_calls++;
		s = c->r->gfp_names;
	} else if (k == K_ALLOCATOR) {
		s = c->r->ator;
	} else if (k == K_MT) {
		s = mts[v->v];
	} else {
		return NULL;
	}
	*len = strlen(s);
	return s;
}

static bool has(void *vctx, enum key_id k, const char *name, size_t len)
{
	const struct row *r = ((struct ctx *)vctx)->r;
	const char *p = k == K_GFP ? r->gfp_names : r->ator;

	assert_true(k == K_GFP || k == K_ALLOCATOR);
	while (*p) {
		size_t n = strcspn(p, "|");

		if (n == len && memcmp(p, name, len) == 0)
			return true;
		p += n + (p[n] == '|');
	}
	return false;
}

static void frames(void *vctx, const uint32_t **ids, size_t *n)
{
	const struct row *r = ((struct ctx *)vctx)->r;

	*ids = r->frames;
	*n = r->nframes;
}

static const char *str(void *vctx, uint32_t id, size_t *len)
{
	struct ctx *c = vctx;

	assert_true(id < NSTR);
	c->str_calls[id]++;
	*len = strlen(strtab[id]);
	return strtab[id];
}

static const struct filter_ops ops = { value, text, has, frames, str };

/* The rows f keeps, as digits: "017". */
static void keeps(struct filter *f, struct ctx *c, size_t nstrings, char *out)
{
	size_t i;

	for (i = 0; i < NROWS; i++) {
		int r;

		c->r = &rows[i];
		r = filter_eval(f, &ops, c, nstrings);
		assert_true(r == 0 || r == 1);
		if (r)
			*out++ = (char)('0' + i);
	}
	*out = '\0';
}

/* Evaluation -------------------------------------------------------------- */

static const struct {
	const char *expr, *rows;
} evals[] = {
	/* KT_INT: signed, lists, ranges, every comparison */
	{ "pid=1873", "17" },
	{ "p = 1873", "17" },
	{ "pid!=1873", "023456" },
	{ "pid=1,2,0x64", "056" },
	{ "pid=1..100", "056" },
	{ "pid=0,2000..5000", "234" },
	{ "pid!=0..2", "12457" },
	{ "pid<100", "036" },
	{ "pid<=100", "0356" },
	{ "pid>1873", "24" },
	{ "pid>=1873", "1247" },
	{ "tgid=99", "5" },
	{ "node=-1", "6" },
	{ "node<0", "6" },
	{ "node>=0", "01247" },
	{ "node=-5..0", "0167" },
	{ "node=-0x1", "6" },
	/* KV_NULL: positive tests fail, != passes */
	{ "node!=0", "23456" },
	{ "not node=0", "23456" },
	{ "node>=0 or node<0", "012467" },
	{ "node=0 or node!=0", "01234567" },
	/* KT_NUM, KT_HEX, KT_BOOL */
	{ "order=0", "045" },
	{ "o>=2", "236" },
	{ "m>=8", "36" },
	{ "pages=4", "2" },
	{ "pfn=0x100000..0x1fffff", "12" },
	{ "pfn=0x100000..0x1FFFFF,0", "127" },
	{ "pfn<0x1000", "57" },
	{ "pfn<=4096", "057" },
	{ "pfn>0x1fffff", "36" },
	{ "free=1", "14" },
	{ "f=yes", "14" },
	{ "free=true", "14" },
	{ "free=false", "023567" },
	{ "f!=true", "023567" },
	{ "free=no..yes", "01234567" },
	/* KT_TIME: units, decimals, inclusive ranges */
	{ "at=10s", "1" },
	{ "at=10s..2m", "123" },
	{ "alloc_ts=10000000000..120000000000", "123" },
	{ "at<1.5s", "07" },
	{ "at<=1500ms", "057" },
	{ "at>1h", "" },
	{ "at>=1h", "4" },
	{ "at>=60m", "4" },
	{ "at=158908732", "0" },
	{ "at=158908732ns", "0" },
	{ "at=158908.732us", "0" },
	{ "at=158.908732ms", "0" },
	{ "at=0.158908732s", "0" },
	{ "at>0.5m", "234" },
	{ "at=0", "7" },
	{ "at=0x0", "7" },
	{ "at>9999999999", "1234" },
	{ "at=9.999999999s", "6" },
	{ "at=0.025h..1.6m", "2" },	/* 90 s to 96 s */
	/* KT_MASK: numbers, has, = and != with names, ~ on the names */
	{ "gfp=0xcc0", "137" },
	{ "gfp=GFP_KERNEL", "1347" },
	{ "gfp has GFP_KERNEL", "1347" },
	{ "gfp has __GFP_COMP", "26" },
	{ "gfp!=GFP_KERNEL", "0256" },
	{ "gfp=0", "05" },
	{ "gfp>0xcc0", "246" },
	{ "gfp=__GFP_ZERO,__GFP_COMP", "246" },
	{ "gfp=0..0xcc0,__GFP_ZERO", "013457" },
	{ "gfp~HIGH", "246" },
	{ "gfp~'^$'", "05" },
	{ "gfp !~ KERNEL", "0256" },
	{ "gfp has '__GFP_COMP'", "26" },
	{ "ator=SLAB", "136" },
	{ "allocator has VMALLOC", "25" },
	{ "ator=SLAB,VMALLOC", "12356" },
	/* KT_ENUM: words by name, numbers by value */
	{ "mt=Movable", "246" },
	{ "mt=1", "246" },
	{ "mt!=Movable", "01357" },
	{ "mt=Unmovable,Reclaimable", "0135" },
	{ "mt~'able$'", "0123456" },
	{ "mt~^Re", "3" },
	{ "mt !~ ^Re", "0124567" },
	{ "mt>Movable", "0135" },
	{ "mt<=Movable", "246" },
	/* KT_STR: bytes, quotes and escapes, bytewise order, regex */
	{ "name=bash", "1" },
	{ "n='Web Content'", "2" },
	{ "name=\"Web Content\"", "2" },
	{ "name=Web", "" },
	{ "name!=bash", "0234567" },
	{ "name=bash,swapper", "01" },
	{ "name='a,b(c)'", "5" },
	{ "name='it\\'s \"quoted\"'", "4" },
	{ "name=\"it's \\\"quoted\\\"\"", "4" },
	{ "name='a\\\\b'", "7" },
	{ "name=a\\b", "7" },
	{ "name='a\\b'", "7" },		/* \b is no escape: kept */
	{ "name~'^k'", "3" },
	{ "name~'\\d'", "3" },
	{ "name~'\\\\\\\\'", "7" },	/* pattern \\: a backslash */
	{ "name~'\\xff'", "6" },
	{ "name~'^(bash|swapper)$'", "01" },
	{ "name~\"^(?i)WEB\"", "2" },
	{ "name!~a", "234" },
	{ "name<c", "1257" },
	{ "name<=bash", "1257" },
	{ "name>=swapper", "06" },
	{ "name>swap", "06" },
	{ "memcg=/sys/fs/cgroup/user", "1246" },
	{ "memcg~.", "1246" },
	{ "memcg!~.", "0357" },
	{ "memcg!=x", "01234567" },
	{ "memcg<zzz", "1246" },
	{ "memcg=''", "" },
	/* KT_STACK: the whole text */
	{ "stack~vmalloc", "25" },
	{ "stack~'^do_fault'", "047" },
	{ "stack~'kmalloc\\+0x20\\n$'", "136" },
	{ "stack='do_fault+0x5'", "" },
	/* K_FRAME: any frame */
	{ "frame~kmalloc", "136" },
	{ "frame=kmalloc+0x20", "136" },
	{ "frame='alloc_pages+0x10'", "12356" },
	{ "frame!=alloc_pages+0x10", "047" },
	{ "frame!~fault", "123567" },
	{ "frame~.", "0123456" },
	{ "frame=do_fault+0x5,vmalloc+0x30", "0245" },
	{ "frame~'^alloc_pages\\+0x10$'", "12356" },
	{ "frame~'^alloc_pages$'", "" },
	/* and, or, not: precedence and parentheses */
	{ "pid=1873 and order=1", "17" },
	{ "pid=1873 && name=bash", "1" },
	{ "name=bash or name=swapper", "01" },
	{ "name=bash || pid=0", "13" },
	{ "not pid=1873", "023456" },
	{ "!pid=1873", "023456" },
	{ "! pid=1873", "023456" },
	{ "not not pid=1873", "17" },
	{ "not(pid=1)", "1234567" },
	{ "order=0 or pid=1873 and free=1", "0145" },
	{ "(order=0 or pid=1873) and free=1", "14" },
	{ "order=0 ||pid=1873 &&free=1", "0145" },
	{ "not order=0 and free=1", "1" },
	{ "not (order=0 and free=1)", "0123567" },
	{ "free=1 or not order=0 and pid>=1873", "1247" },
	{ "((pid=1))", "0" },
	{ "(pid=1)or(pid=2)", "06" },
	{ "  pid = 1873  and\tname = bash ", "1" },
	{ "pid=1 or pid=2 or pid=100 or pid=0", "0356" },
	{ "pid>0 and pid<2000 and order=1 and name=a\\b", "7" },
	{ "name=and or name=bash", "1" },	/* a bare "and" after = is a value */
};

static void test_eval(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(evals) / sizeof(evals[0]); i++) {
		struct filter_error err = { 0 };
		struct filter *f = NULL;
		struct ctx c = { 0 };
		char got[NROWS + 1];
		int r = filter_parse(evals[i].expr, NULL, &f, &err);

		if (r) {
			print_error("%s: refused at %zu: %s\n", evals[i].expr, err.pos, err.msg);
			bad++;
			continue;
		}
		keeps(f, &c, NSTR, got);
		if (strcmp(got, evals[i].rows)) {
			print_error("%s: keeps \"%s\", expected \"%s\"\n", evals[i].expr, got,
				    evals[i].rows);
			bad++;
		}
		/* Without a memo (nstrings 0) the answers are the same. */
		filter_free(f);
		assert_int_equal(filter_parse(evals[i].expr, NULL, &f, NULL), 0);
		keeps(f, &c, 0, got);
		if (strcmp(got, evals[i].rows)) {
			print_error("%s (no memo): keeps \"%s\", expected \"%s\"\n",
				    evals[i].expr, got, evals[i].rows);
			bad++;
		}
		filter_free(f);
	}
	assert_int_equal(bad, 0);
}

/* Parsing ----------------------------------------------------------------- */

#define B(k) KEY_BIT(k)
static const struct {
	const char *expr;
	keyset keys;
} accepted[] = {
	{ "pid=1", B(K_PID) },
	{ "pid=1 && tgid=1 || !name=x", B(K_PID) | B(K_TGID) | B(K_NAME) },
	{ "gfp=0x0..0xcc0", B(K_GFP) },
	{ "at=1.5s..2m", B(K_ALLOC_TS) },
	{ "ft>0", B(K_FREE_TS) },
	{ "pfn=0x100000..0x1fffff,0", B(K_PFN) },
	{ "name~'\\d+'", B(K_NAME) },
	{ "n = 'a' , \"b\"", B(K_NAME) },
	{ "not(pid=1)", B(K_PID) },
	{ "st~alloc", B(K_STACKTRACE) },
	{ "stacktrace!~alloc", B(K_STACKTRACE) },
	{ "mod=vmlinux and cs~^kmalloc", B(K_MODULE) | B(K_CALLSITE) },
	{ "handle=0x1 or zone=0 or node=-1", B(K_HANDLE) | B(K_ZONE) | B(K_NODE) },
	{ "bmt=Movable and mt!=bmt", B(K_BMT) | B(K_MT) },
	{ "flags has lru and flags=0x10", B(K_FLAGS) },
	{ "mr=compaction", B(K_MR) },
	{ "b>4096 and m<4", B(K_BYTES) | B(K_PAGES) },
	{ "frame!=x and pid=1", B(K_FRAME) | B(K_PID) },
	{ "at=0x10", B(K_ALLOC_TS) },
	{ "at=5124095h", B(K_ALLOC_TS) },
	{ "pid=-9223372036854775808..9223372036854775807", B(K_PID) },
	{ "pfn=0xffffffffffffffff", B(K_PFN) },
	{ "order=18446744073709551615", B(K_ORDER) },
	{ "name=''", B(K_NAME) },
	{ "name~''", B(K_NAME) },
	{ "name=\"\\\\\"", B(K_NAME) },
	{ "(((((((((((((((((((((((((((((((pid=1)))))))))))))))))))))))))))))))", B(K_PID) },
	{ "pid=1\n", B(K_PID) },
};

static void test_accept(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		struct filter_error err = { 0 };
		struct filter *f = NULL;
		int r = filter_parse(accepted[i].expr, NULL, &f, &err);

		if (r) {
			print_error("%s: refused at %zu: %s\n", accepted[i].expr, err.pos, err.msg);
			bad++;
			continue;
		}
		if (filter_keys(f) != accepted[i].keys) {
			print_error("%s: keys %#llx, expected %#llx\n", accepted[i].expr,
				    (unsigned long long)filter_keys(f), (unsigned long long)accepted[i].keys);
			bad++;
		}
		filter_free(f);
	}
	assert_int_equal(bad, 0);
}

static const struct {
	const char *expr;
	size_t pos;
	const char *msg;
} refused[] = {
	{ "", 0, "empty expression" },
	{ " \t ", 0, "empty expression" },
	/* keys */
	{ "foo=1", 0, "unknown key 'foo' (see --help-keys)" },
	{ "pid=1 or Pid=1", 9, "unknown key 'Pid' (see --help-keys)" },
	{ "notpid=1", 0, "unknown key 'notpid' (see --help-keys)" },
	{ "t>5", 0, "'t' is a group total, not a block's: use --min-pages or --top" },
	{ "pid=1 and times>5", 10, "'times' is a group total, not a block's: use --min-pages or --top" },
	{ "txt~x", 0, "'txt' is a sort key only" },
	{ "T=x", 0, "'T' is a sort key only" },
	{ "=1", 0, "expected a key, not '='" },
	{ "pid=1 and", 9, "expected a key, not the end" },
	{ "pid=1 or )", 9, "expected a key, not ')'" },
	{ "not", 3, "expected a key, not the end" },
	{ "'pid'=1", 0, "expected a key, not '''" },
	/* operators */
	{ "pid", 3, "expected a comparison after 'pid'" },
	{ "pid 1", 4, "expected a comparison after 'pid'" },
	{ "pid=>1", 4, "'pid' takes a number, not '>1'" },
	{ "gfp hasx", 4, "expected a comparison after 'gfp'" },
	{ "pid has 1", 4, "'has' needs a key with flag names (gfp, flags, allocator), not 'pid'" },
	{ "name has x", 5, "'has' needs a key with flag names (gfp, flags, allocator), not 'name'" },
	{ "frame has x", 6, "'has' needs a key with flag names (gfp, flags, allocator), not 'frame'" },
	{ "pid~1", 3, "'pid' is a number: '~' needs a text key" },
	{ "at !~ 1", 3, "'at' is a number: '!~' needs a text key" },
	{ "free~1", 4, "'free' is a number: '~' needs a text key" },
	{ "frame<x", 5, "'frame' takes only '=', '!=', '~' or '!~'" },
	{ "frame >= x", 6, "'frame' takes only '=', '!=', '~' or '!~'" },
	/* values */
	{ "pid=", 4, "expected a value after '='" },
	{ "pid!= ", 6, "expected a value after '!='" },
	{ "pid=(1)", 4, "expected a value after '='" },
	{ "pid=1,", 6, "expected a value after ','" },
	{ "pid=1,,2", 6, "expected a value after ','" },
	{ "name~", 5, "expected a value after '~'" },
	{ "gfp has", 7, "expected a value after 'has'" },
	{ "pid=abc", 4, "'pid' takes a number, not 'abc'" },
	{ "pid=1x", 4, "'pid' takes a number, not '1x'" },
	{ "pid=-x", 4, "'pid' takes a number, not '-x'" },
	{ "pid=1..x", 7, "'pid' takes a number, not 'x'" },
	{ "pid=1...2", 7, "'pid' takes a number, not '.2'" },
	{ "pid='1'x", 7, "expected 'and', 'or' or the end, not 'x'" },
	{ "order=-1", 6, "'order' takes a number, not '-1'" },
	{ "pfn=0x", 4, "'pfn' takes a number, not '0x'" },
	{ "pfn=1.5", 4, "'pfn' takes a number, not '1.5'" },
	{ "free=maybe", 5, "'free' takes a number, yes, no, true or false, not 'maybe'" },
	{ "at=soon", 3, "'at' takes a time such as 250ms or 1.5s, not 'soon'" },
	{ "at=-1s", 3, "'at' takes a time such as 250ms or 1.5s, not '-1s'" },
	{ "at=1.s", 3, "'at' takes a time such as 250ms or 1.5s, not '1.s'" },
	{ "gfp<GFP_KERNEL", 4, "'gfp' takes a number after '<', not 'GFP_KERNEL'" },
	{ "gfp=0xcc0x", 4, "'gfp' takes a number, not '0xcc0x'" },
	{ "mt=1a", 3, "'mt' takes a number, not '1a'" },
	/* times */
	{ "at>5d", 4, "unknown time unit 'd' (use ns, us, ms, s, m or h)" },
	{ "at=1.5sec", 6, "unknown time unit 'sec' (use ns, us, ms, s, m or h)" },
	{ "at=1s..2min", 8, "unknown time unit 'min' (use ns, us, ms, s, m or h)" },
	{ "at=1.5", 3, "a time with decimals needs a unit (ns, us, ms, s, m or h)" },
	{ "at=1.5ns", 3, "'1.5ns' is not a whole number of nanoseconds" },
	{ "at=0.0000000001s", 3, "'0.0000000001s' is not a whole number of nanoseconds" },
	{ "at=1.00000000000000000001h", 3, "'1.00000000000000000001h' is not a whole number of nanoseconds" },
	/* out of range */
	{ "pid=9223372036854775808", 4, "number '9223372036854775808' is out of range" },
	{ "pid=-9223372036854775809", 4, "number '-9223372036854775809' is out of range" },
	{ "order=18446744073709551616", 6, "number '18446744073709551616' is out of range" },
	{ "pfn=0x10000000000000000", 4, "number '0x10000000000000000' is out of range" },
	{ "at=5124096h", 3, "number '5124096h' is out of range" },
	{ "at=18446744073709551616", 3, "number '18446744073709551616' is out of range" },
	{ "at=1..99999999999999999999s", 6, "number '99999999999999999999s' is out of range" },
	/* lists and ranges */
	{ "pid<1,2", 5, "a list needs '=' or '!='" },
	{ "pid>=1..5", 6, "a range needs '=' or '!='" },
	{ "pid=5..1", 4, "empty range '5..1': low above high" },
	{ "node=-1..-5", 5, "empty range '-1..-5': low above high" },
	{ "at=2m..10s", 3, "empty range '2m..10s': low above high" },
	{ "name~a,b", 6, "'~' takes one pattern (quote it to match a ',')" },
	{ "name!~a , b", 8, "'!~' takes one pattern (quote it to match a ',')" },
	{ "gfp has A,B", 9, "'has' takes one flag name" },
	/* quotes */
	{ "name='abc", 5, "unterminated quote" },
	{ "name=\"a\\\"", 5, "unterminated quote" },
	{ "name='a' or name=\"b", 17, "unterminated quote" },
	{ "name='a'b", 8, "expected 'and', 'or' or the end, not 'b'" },
	/* structure */
	{ "(pid=1", 6, "missing ')'" },
	{ "((pid=1) and (pid=2)", 20, "missing ')'" },
	{ "(pid=1 pid=2)", 7, "expected 'and', 'or' or ')', not 'pid'" },
	{ "pid=1 pid=2", 6, "expected 'and', 'or' or the end, not 'pid'" },
	{ "pid=1 andy", 6, "expected 'and', 'or' or the end, not 'andy'" },
	{ "pid=1 & pid=2", 6, "expected 'and', 'or' or the end, not '&'" },
	{ "pid=1)", 5, "unmatched ')'" },
	/* a bare word runs to whitespace: "&&" needs a space before it */
	{ "pid=1&&pid=2", 4, "'pid' takes a number, not '1&&pid=2'" },
	{ "pid = 0 , 2000 .. 5000", 15, "expected 'and', 'or' or the end, not '..'" },
	{ "name~a(b)", 6, "expected 'and', 'or' or the end, not '('" },
	/* regular expressions: PCRE2's message, at its offset in the pattern */
	{ "name~'a(b'", 9, "bad regular expression: missing closing parenthesis" },
	{ "name~*x", 5, "bad regular expression: quantifier does not follow a repeatable item" },
	{ "n ~ '\\'(('", 9, "bad regular expression: missing closing parenthesis" },
	{ "frame~'\\\\'", 9, "bad regular expression: \\ at end of pattern" },
	{ "gfp~'[z-a]'", 8, "bad regular expression: range out of order in character class" },
	/* bytes, never UTF-8: dumps may hold invalid UTF-8 */
	{ "name~'(*UTF)x'", 12, "bad regular expression: using UTF is disabled by the application" },
};

static void test_refuse(void **state)
{
	char deep[80];
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct filter_error err = { 0 };
		struct filter *f = NULL;
		int r = filter_parse(refused[i].expr, NULL, &f, &err);

		if (r != PGS_E_FILTER) {
			print_error("%s: returned %d, expected PGS_E_FILTER\n", refused[i].expr, r);
			bad++;
			filter_free(f);
			continue;
		}
		assert_null(f);
		if (err.pos != refused[i].pos || strcmp(err.msg, refused[i].msg)) {
			print_error("%s:\n  got      %zu \"%s\"\n  expected %zu \"%s\"\n",
				    refused[i].expr, err.pos, err.msg, refused[i].pos,
				    refused[i].msg);
			bad++;
		}
	}
	assert_int_equal(bad, 0);

	/* err may be NULL. */
	assert_int_equal(filter_parse("pid=", NULL, &(struct filter *){ NULL }, NULL), PGS_E_FILTER);

	/* Nesting is bounded (the parser recurses), 64 levels are enough. */
	memset(deep, '(', 64);
	strcpy(deep + 64, "pid=1");
	{
		struct filter_error err;
		struct filter *f = NULL;

		assert_int_equal(filter_parse(deep, NULL, &f, &err), PGS_E_FILTER);
		assert_string_equal(err.msg, "missing ')'");
		deep[0] = '!';
		assert_int_equal(filter_parse(deep, NULL, &f, &err), PGS_E_FILTER);
		assert_string_equal(err.msg, "missing ')'");
		memset(deep, '(', 65);
		strcpy(deep + 65, "pid=1");
		assert_int_equal(filter_parse(deep, NULL, &f, &err), PGS_E_FILTER);
		assert_int_equal(err.pos, 64);
		assert_string_equal(err.msg, "expression nested too deeply");
	}
}

/* A long chain of "or" costs no recursion: 20000 terms. */
static void test_long_chain(void **state)
{
	size_t i, n = 20000, len = 0;
	char *expr = malloc(n * 16);
	struct filter *f;
	struct ctx c = { 0 };
	char got[NROWS + 1];

	(void)state;
	assert_non_null(expr);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(expr + len, "%spid=%zu", i ? " or " : "", i + 5000);
	len += (size_t)sprintf(expr + len, " or pid=100");
	assert_int_equal(filter_parse(expr, NULL, &f, NULL), 0);
	keeps(f, &c, NSTR, got);
	assert_string_equal(got, "5");
	filter_free(f);
	free(expr);
}

/* Memo -------------------------------------------------------------------- */

/*
 * The test's text() and str() count the fetches of each string: with the
 * memo, a string-keyed predicate fetches (and matches) each id once however
 * many rows hold it, while mask names are matched row by row.
 */
static void test_memo(void **state)
{
	struct filter *f;
	struct ctx c = { 0 };
	char got[NROWS + 1];
	size_t i, k;

	(void)state;
	assert_int_equal(filter_parse("name~'a' or stack~kmalloc", NULL, &f, NULL), 0);
	for (k = 0; k < 50; k++) {
		keeps(f, &c, NSTR, got);
		assert_string_equal(got, "013567");
	}
	for (i = 0; i < NROWS; i++) {
		assert_int_equal(c.text_calls[rows[i].name], 1);
		/* stack~ runs only where name~ failed: rows 2, 3, 4 (stacks 6, 5, 7) */
	}
	assert_int_equal(c.text_calls[5], 1);
	assert_int_equal(c.text_calls[6], 1);
	assert_int_equal(c.text_calls[7], 1);
	assert_int_equal(c.text_calls[8], 0);

	/* Another table: forget, and each id is fetched once more. */
	filter_forget(f);
	keeps(f, &c, NSTR, got);
	for (i = 0; i < NROWS; i++)
		assert_int_equal(c.text_calls[rows[i].name], 2);
	filter_free(f);

	/* Frames: rows share frame 8 five times, it is matched once. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(filter_parse("frame~'^vmalloc'", NULL, &f, NULL), 0);
	for (k = 0; k < 50; k++) {
		keeps(f, &c, NSTR, got);
		assert_string_equal(got, "25");
	}
	for (i = 8; i <= 12; i++)
		assert_int_equal(c.str_calls[i], 1);
	filter_free(f);

	/* nstrings 0: no memo, a fetch per frame per row per pass. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(filter_parse("frame~'^vmalloc'", NULL, &f, NULL), 0);
	for (k = 0; k < 50; k++)
		keeps(f, &c, 0, got);
	assert_int_equal(c.str_calls[8], 5 * 50);
	filter_free(f);

	/* Ids past nstrings are matched each time, and still rightly. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(filter_parse("name~'^bash$'", NULL, &f, NULL), 0);
	for (k = 0; k < 3; k++) {
		keeps(f, &c, 2, got);
		assert_string_equal(got, "1");
	}
	assert_int_equal(c.text_calls[1], 1);	/* id 1 < 2: memoized */
	assert_int_equal(c.text_calls[3], 3);	/* id 3 >= 2: every pass */
	filter_free(f);

	/* Mask names are few: matched per row, no memo. */
	memset(&c, 0, sizeof(c));
	assert_int_equal(filter_parse("gfp~KERNEL", NULL, &f, NULL), 0);
	for (k = 0; k < 3; k++)
		keeps(f, &c, NSTR, got);
	assert_int_equal(c.mask_text_calls, 3 * NROWS);
	filter_free(f);
}

/* Every allocation of parse and eval, failed in turn: -ENOMEM, no leak. */
static void test_nomem(void **state)
{
	const char *expr = "name~'a' and (pid=1,2..5 or not gfp=GFP_KERNEL,0) or "
			   "frame='x' || at=1s..2m and not (mt=Movable)";
	struct filter *f = NULL;
	struct filter_error err;
	struct ctx c = { 0 };
	char got[NROWS + 1];
	long k;
	int r;

	(void)state;
	for (k = 0;; k++) {
		nallocs = 0;
		fail_at = k;
		r = filter_parse(expr, NULL, &f, &err);
		fail_at = -1;
		if (r == 0)
			break;
		assert_int_equal(r, -ENOMEM);
	}
	assert_true(k >= 10);	/* the loop did fail that many allocations */

	/* The memo's allocation, on the first eval; the next one retries. */
	c.r = &rows[0];
	nallocs = 0;
	fail_at = 0;
	assert_int_equal(filter_eval(f, &ops, &c, NSTR), -ENOMEM);
	fail_at = -1;
	keeps(f, &c, NSTR, got);
	assert_string_equal(got, "01356");
	filter_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_refuse),
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_nomem),
	};

	filter_free(NULL);
	return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
