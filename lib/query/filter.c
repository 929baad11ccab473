/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --filter: a recursive descent parser into a small tree, then evaluation
 * one row at a time through struct filter_ops (filter.h has the language).
 *
 * "and" and "or" nodes hold all their operands in one array, so a long
 * chain of terms costs no stack depth; only parentheses and "not" nest,
 * and their depth is bounded.
 */
#include "../regex.h"
#include <stdarg.h>	/* va_list */
#include <stdio.h>	/* vsnprintf */

#include "../common.h"
#include "filter.h"

/* Nesting of parentheses and "not", so that parse, eval and free recurse boundedly. */
#define MAX_DEPTH 64
/* Longest piece of the expression quoted back in a message, as a %.*s width. */
#define QUOTE_MAX 40
#define QLEN(n) ((int)((n) > QUOTE_MAX ? QUOTE_MAX : (n)))

enum node_kind { N_AND, N_OR, N_NOT, N_PRED };
enum op { OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE, OP_HAS, OP_RE };

enum val_kind {
	V_NUM,		/* lo..hi, lo == hi for a single number */
	V_TEXT,		/* bytes to compare with the value's text */
	V_FLAG,		/* a flag name of a KT_MASK key (has, or = with a word) */
};

struct val {
	uint8_t kind;
	uint64_t lo, hi;
	char *s;
	size_t len;
};

struct node {
	uint8_t kind, op;
	bool neg;		/* != and !~: the negation of = and ~ */
	bool sign;		/* numbers are int64 (KT_INT) */
	enum key_id key;
	struct node **kids;
	struct val *vals;
	size_t n, cap;		/* kids or vals */
	pcre2_code *re;
	uint8_t *memo;		/* by string id: 0 unknown, 1 false, 2 true */
	size_t nmemo;
	bool memo_tried;
};

struct filter {
	const struct pgs_allocator *al;	/* every node, value, memo and regex */
	struct node *root;
	keyset keys;
	pcre2_match_data *md;	/* one row at a time: shared by every pattern */
};

struct parser {
	const struct pgs_allocator *al;
	const char *s;
	size_t len, pos;
	unsigned depth;
	struct filter *f;
	struct filter_error *err;
};

/* Parsing ---------------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_ident(char c)
{
	return is_digit(c) || c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Ends a bare word (filter.h: WORD). */
static bool is_word_end(char c)
{
	return is_space(c) || c == '(' || c == ')' || c == ',' || c == '\'' || c == '"';
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && is_space(p->s[p->pos]))
		p->pos++;
}

static char peek(const struct parser *p, size_t ahead)
{
	return p->pos + ahead < p->len ? p->s[p->pos + ahead] : '\0';
}

/* The keyword w at the current position, not the start of a longer name. */
static bool at_word(const struct parser *p, const char *w)
{
	size_t n = strlen(w);

	return p->len - p->pos >= n && memcmp(p->s + p->pos, w, n) == 0 &&
	       !is_ident(peek(p, n));
}

static size_t ident_len(const struct parser *p)
{
	size_t n = 0;

	while (is_ident(peek(p, n)))
		n++;
	return n;
}

static __attribute__((format(printf, 3, 4)))
int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		p->err->pos = pos;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return PGS_E_FILTER;
}

/* The token at pos as a message shows it: 'tok' or "the end". */
static const char *token_at(const struct parser *p, size_t pos, char *buf, size_t size)
{
	const char *s = p->s + pos;
	size_t n = 0, left = p->len - pos;

	if (!left)
		return "the end";
	if (is_ident(s[0])) {
		while (n < left && is_ident(s[n]))
			n++;
	} else if (strchr("=!<>~&|", s[0])) {
		while (n < left && n < 2 && strchr("=!<>~&|", s[n]))
			n++;
	} else if (is_word_end(s[0])) {
		n = 1;
	} else {
		while (n < left && !is_word_end(s[n]))
			n++;
	}
	snprintf(buf, size, "'%.*s%s'", QLEN(n), s,
		 n > QUOTE_MAX ? "..." : "");
	return buf;
}

/*
 * A value: a bare word or a quoted string, copied (unescaped) into a new
 * NUL-terminated *out. Sets *quoted. Returns 0, 1 when there is no value
 * here, or an error.
 */
static int read_value(struct parser *p, char **out, size_t *len, bool *quoted)
{
	const char *s = p->s;
	size_t start = p->pos, i, n = 0;
	char q = peek(p, 0), *buf;

	*quoted = q == '\'' || q == '"';
	if (!*quoted) {
		for (i = start; i < p->len && !is_word_end(s[i]); i++)
			;
		if (i == start)
			return 1;
		buf = pgs__malloc(p->al, i - start + 1);
		RETURN_ERROR_IF(!buf, -ENOMEM);
		memcpy(buf, s + start, i - start);
		n = i - start;
		p->pos = i;
	} else {
		for (i = start + 1; i < p->len && s[i] != q; i++)
			if (s[i] == '\\' && i + 1 < p->len)
				i++;
		if (i >= p->len)
			return fail(p, start, "unterminated quote");
		buf = pgs__malloc(p->al, i - start);
		RETURN_ERROR_IF(!buf, -ENOMEM);
		/* Only \q and \\ are escapes: '\d+' reaches PCRE2 as written. */
		for (i = start + 1; s[i] != q; i++) {
			if (s[i] == '\\' && (s[i + 1] == q || s[i + 1] == '\\'))
				i++;
			buf[n++] = s[i];
		}
		p->pos = i + 1;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* Where byte off of a value read at start lies in the expression. */
static size_t source_pos(const struct parser *p, size_t start, bool quoted, size_t off)
{
	size_t i = start;

	if (!quoted)
		return start + off;
	for (i = start + 1; off && i < p->len; off--, i++) {
		char q = p->s[start];

		if (p->s[i] == '\\' && (p->s[i + 1] == q || p->s[i + 1] == '\\'))
			i++;
	}
	return i;
}

/* Decimal or 0x hex, all of s. 0, -1 (not a number) or -2 (too large). */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	size_t i = 0;
	bool hex = len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x';

	if (hex) {
		for (i = 2; i < len && (is_digit(s[i]) ||
					((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')); i++)
			;
		if (i == 2 || i != len)
			return -1;
		return pgs__parse_hex(s, len, out) == len ? 0 : -2;
	}
	while (i < len && is_digit(s[i]))
		i++;
	if (!len || i != len)
		return -1;
	return pgs__parse_u64(s, len, out) == len ? 0 : -2;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

enum { T_NAN = -1, T_RANGE = -2, T_UNIT = -3, T_NOUNIT = -4, T_FRACTION = -5 };

/*
 * A time: a number, decimals allowed before a unit, into exact integer
 * nanoseconds. Returns 0 or a T_* error; *bad is the unit's offset.
 */
static int parse_time(const char *s, size_t len, uint64_t *out, size_t *bad)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
		{ "m", 60000000000ull }, { "h", 3600000000000ull },
	};
	bool hex = len > 2 && s[0] == '0' && (s[1] | 0x20) == 'x';
	size_t i = hex ? 2 : 0, f0 = 0, fd = 0, k;
	uint64_t ip, frac = 0, unit = 1, p10 = 1, g, whole;
	int r;

	while (i < len && (is_digit(s[i]) ||
			   (hex && (s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f')))
		i++;
	r = parse_u64(s, i, &ip);
	if (r)
		return r == -2 ? T_RANGE : T_NAN;
	if (!hex && i < len && s[i] == '.') {
		f0 = ++i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == f0)
			return T_NAN;
		fd = i - f0;
	}
	if (i < len) {
		if ((s[i] | 0x20) < 'a' || (s[i] | 0x20) > 'z')
			return T_NAN;
		for (k = 0; k < ARRAY_SIZE(units); k++)
			if (strlen(units[k].name) == len - i &&
			    memcmp(units[k].name, s + i, len - i) == 0)
				break;
		*bad = i;
		if (k == ARRAY_SIZE(units))
			return T_UNIT;
		unit = units[k].ns;
	} else if (fd) {
		return T_NOUNIT;
	}
	/*
	 * ip.frac * unit, exactly: frac / 10^fd * unit is whole only when
	 * 10^fd / gcd(unit, 10^fd) divides frac. Past 13 significant decimals
	 * no unit (at most 3.6e12 ns) can make it whole.
	 */
	while (fd && s[f0 + fd - 1] == '0')
		fd--;
	if (fd > 13)
		return T_FRACTION;
	for (k = 0; k < fd; k++) {
		frac = frac * 10 + (uint64_t)(s[f0 + k] - '0');
		p10 *= 10;
	}
	g = gcd(unit, p10);
	if (frac % (p10 / g))
		return T_FRACTION;
	if (__builtin_mul_overflow(ip, unit, &whole) ||
	    __builtin_add_overflow(whole, frac / (p10 / g) * (unit / g), out))
		return T_RANGE;
	return 0;
}

static bool is_numeric(enum key_type t)
{
	return t == KT_NUM || t == KT_INT || t == KT_TIME || t == KT_HEX || t == KT_BOOL;
}

/*
 * One number of key kd from s[0..len) (at expression offset pos, for
 * messages; name is the key as written).
 */
static int parse_number(struct parser *p, const struct key_def *kd, const char *name,
			const char *s, size_t len, size_t pos, uint64_t *out)
{
	const char *s0 = s;	/* as written, for messages */
	size_t len0 = len, bad = 0;
	bool neg = false;
	int r;

	if (kd->type == KT_TIME) {
		switch (parse_time(s, len, out, &bad)) {
		case 0:
			return 0;
		case T_UNIT:
			return fail(p, pos + bad, "unknown time unit '%.*s' (use ns, us, ms, s, m or h)",
				    QLEN(len - bad), s + bad);
		case T_NOUNIT:
			return fail(p, pos, "a time with decimals needs a unit (ns, us, ms, s, m or h)");
		case T_FRACTION:
			return fail(p, pos, "'%.*s' is not a whole number of nanoseconds",
				    QLEN(len), s);
		case T_RANGE:
			goto range;
		}
		return fail(p, pos, "'%s' takes a time such as 250ms or 1.5s, not '%.*s'",
			    name, QLEN(len), s);
	}
	if (kd->type == KT_BOOL) {
		if ((len == 3 && !memcmp(s, "yes", 3)) || (len == 4 && !memcmp(s, "true", 4))) {
			*out = 1;
			return 0;
		}
		if ((len == 2 && !memcmp(s, "no", 2)) || (len == 5 && !memcmp(s, "false", 5))) {
			*out = 0;
			return 0;
		}
	}
	if (kd->type == KT_INT && len && s[0] == '-') {
		neg = true;
		s++;
		len--;
	}
	r = parse_u64(s, len, out);
	if (r == -1)
		return fail(p, pos, "'%s' takes %s, not '%.*s'", name,
			    kd->type == KT_BOOL ? "a number, yes, no, true or false" : "a number",
			    QLEN(len0), s0);
	if (r == 0 && kd->type == KT_INT) {
		if (neg && *out <= (uint64_t)INT64_MAX + 1) {
			*out = (uint64_t)0 - *out;	/* two's complement of the int64 */
			return 0;
		}
		if (!neg && *out <= (uint64_t)INT64_MAX)
			return 0;
		r = -2;
	}
	if (r == 0)
		return 0;
range:
	return fail(p, pos, "number '%.*s' is out of range", QLEN(len0), s0);
}

static bool num_le(uint64_t a, uint64_t b, bool sign)
{
	return sign ? (int64_t)a <= (int64_t)b : a <= b;
}

/* A number or a NUMBER..NUMBER range into v. */
static int parse_numval(struct parser *p, struct node *n, const struct key_def *kd,
			const char *name, const char *s, size_t len, size_t start,
			bool quoted, struct val *v)
{
	const char *dots = pgs__memmem(s, len, "..", 2);
	size_t lo_len = dots ? (size_t)(dots - s) : len;

	v->kind = V_NUM;
	FORWARD_IF_ERROR(parse_number(p, kd, name, s, lo_len,
				      source_pos(p, start, quoted, 0), &v->lo));
	v->hi = v->lo;
	if (!dots)
		return 0;
	if (n->op != OP_EQ)
		return fail(p, source_pos(p, start, quoted, lo_len),
			    "a range needs '=' or '!='");
	FORWARD_IF_ERROR(parse_number(p, kd, name, dots + 2, len - lo_len - 2,
				      source_pos(p, start, quoted, lo_len + 2), &v->hi));
	if (!num_le(v->lo, v->hi, n->sign))
		return fail(p, source_pos(p, start, quoted, 0),
			    "empty range '%.*s': low above high",
			    QLEN(len), s);
	return 0;
}

static const char *op_name(const struct node *n)
{
	static const char *const names[][2] = {
		[OP_EQ] = { "=", "!=" }, [OP_LT] = { "<", "<" }, [OP_LE] = { "<=", "<=" },
		[OP_GT] = { ">", ">" }, [OP_GE] = { ">=", ">=" },
		[OP_HAS] = { "has", "has" }, [OP_RE] = { "~", "!~" },
	};

	return names[n->op][n->neg];
}

static int compile_re(struct parser *p, struct node *n, const char *s, size_t len,
		      size_t start, bool quoted)
{
	PCRE2_UCHAR msg[120];
	size_t off = 0;
	int code = 0, r;

	/*
	 * Bytes, not UTF-8: dumps may hold invalid UTF-8, which a UTF pattern
	 * would refuse to match; NEVER_UTF also forbids a (*UTF) in the pattern.
	 */
	r = re_compile(p->al, s, len, PCRE2_NEVER_UTF, &n->re, &code, &off);
	if (r) {
		RETURN_ERROR_IF(r != PGS_E_FILTER, r);
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		return fail(p, source_pos(p, start, quoted, off),
			    "bad regular expression: %s", (const char *)msg);
	}
	(void)pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE);	/* the interpreter will do */
	if (!p->f->md) {
		/*
		 * A match is all we ask, never its groups: this pattern's
		 * pairs do for any (pcre2_match returns 0 when they are few).
		 */
		p->f->md = re_match_data(n->re);
		RETURN_ERROR_IF(!p->f->md, -ENOMEM);
	}
	return 0;
}

/* One value of predicate n, read at start; takes s. */
static int add_value(struct parser *p, struct node *n, const struct key_def *kd,
		     const char *name, char *s, size_t len, size_t start, bool quoted)
{
	struct val *v;
	int r = 0;

	r = pgs__grow(p->al, (void **)&n->vals, &n->cap, n->n + 1, sizeof(*n->vals));
	if (r) {
		pgs__free(p->al, s);
		return r;
	}
	v = &n->vals[n->n];
	memset(v, 0, sizeof(*v));
	if (n->op == OP_RE) {
		r = compile_re(p, n, s, len, start, quoted);
	} else if (n->op == OP_HAS) {
		v->kind = V_FLAG;
	} else if (is_numeric(kd->type) ||
		   ((kd->type == KT_MASK || kd->type == KT_ENUM) && len && is_digit(s[0]))) {
		r = parse_numval(p, n, kd, name, s, len, start, quoted, v);
	} else if (kd->type == KT_MASK) {
		if (n->op != OP_EQ)
			r = fail(p, start, "'%s' takes a number after '%s', not '%.*s'",
				 name, op_name(n), QLEN(len), s);
		v->kind = V_FLAG;	/* gfp=GFP_KERNEL: gfp has GFP_KERNEL */
	} else {
		v->kind = V_TEXT;
	}
	if (r || n->op == OP_RE) {
		pgs__free(p->al, s);
		return r;
	}
	if (v->kind == V_NUM) {
		pgs__free(p->al, s);
		s = NULL;
		len = 0;
	}
	v->s = s;
	v->len = len;
	n->n++;
	return 0;
}

static void node_free(const struct pgs_allocator *al, struct node *n)
{
	size_t i;

	if (!n)
		return;
	if (n->kind == N_PRED) {
		for (i = 0; i < n->n; i++)
			pgs__free(al, n->vals[i].s);
		pgs__free(al, n->vals);
		pcre2_code_free(n->re);
		pgs__free(al, n->memo);
	} else {
		for (i = 0; i < n->n; i++)
			node_free(al, n->kids[i]);
		pgs__free(al, n->kids);
	}
	pgs__free(al, n);
}

static int node_new(const struct pgs_allocator *al, enum node_kind kind, struct node **out)
{
	*out = pgs__calloc(al, 1, sizeof(**out));
	RETURN_ERROR_IF(!*out, -ENOMEM);
	(*out)->kind = (uint8_t)kind;
	return 0;
}

static int key_refused(struct parser *p, const struct key_def *kd, const char *name)
{
	if (kd->id == K_TIMES)
		return fail(p, p->pos, "'%s' is a group total, not a block's: use --min-pages or --top",
			    name);
	if (kd->id == K_TXT)
		return fail(p, p->pos, "'%s' is a sort key only", name);
	return fail(p, p->pos, "'%s' cannot be used in a filter", name);
}

/* KEY op values | KEY has NAME | KEY ~ STRING */
static int parse_pred(struct parser *p, struct node **out)
{
	static const struct {
		const char *s;
		uint8_t op;
		bool neg;
	} ops[] = {	/* two-character operators first */
		{ "!=", OP_EQ, true }, { "!~", OP_RE, true }, { "<=", OP_LE, false },
		{ ">=", OP_GE, false }, { "=", OP_EQ, false }, { "<", OP_LT, false },
		{ ">", OP_GT, false }, { "~", OP_RE, false },
	};
	const struct key_def *kd;
	struct node *n;
	char name[QUOTE_MAX + 4], tok[QUOTE_MAX + 8];
	size_t klen = ident_len(p), i, start;
	bool quoted;
	char *s = NULL;
	int r;

	if (!klen)
		return fail(p, p->pos, "expected a key, not %s",
			    token_at(p, p->pos, tok, sizeof(tok)));
	snprintf(name, sizeof(name), "%.*s%s", QLEN(klen),
		 p->s + p->pos, klen > QUOTE_MAX ? "..." : "");
	kd = key_lookup(p->s + p->pos, klen);
	if (!kd)
		return fail(p, p->pos, "unknown key '%s' (see --help-keys)", name);
	if (!(kd->use & KEY_FILTER))
		return key_refused(p, kd, name);
	p->pos += klen;
	skip_space(p);

	FORWARD_IF_ERROR(node_new(p->al, N_PRED, &n));
	n->key = kd->id;
	n->sign = kd->type == KT_INT;
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (p->len - p->pos >= strlen(ops[i].s) &&
		    !memcmp(p->s + p->pos, ops[i].s, strlen(ops[i].s)))
			break;
	if (i < ARRAY_SIZE(ops)) {
		n->op = ops[i].op;
		n->neg = ops[i].neg;
		p->pos += strlen(ops[i].s);
	} else if (at_word(p, "has")) {
		n->op = OP_HAS;
		p->pos += 3;
	} else {
		r = fail(p, p->pos, "expected a comparison after '%s'", name);
		goto out;
	}

	r = PGS_E_FILTER;
	if (n->op == OP_HAS && kd->type != KT_MASK) {
		fail(p, p->pos - 3, "'has' needs a key with flag names (gfp, flags, allocator), not '%s'",
		     name);
		goto out;
	}
	if (n->op == OP_RE && is_numeric(kd->type)) {
		fail(p, p->pos - strlen(op_name(n)), "'%s' is a number: '%s' needs a text key",
		     name, op_name(n));
		goto out;
	}
	if (kd->id == K_FRAME && n->op != OP_EQ && n->op != OP_RE) {
		fail(p, p->pos - strlen(op_name(n)),
		     "'%s' takes only '=', '!=', '~' or '!~'", name);
		goto out;
	}

	for (;;) {
		const char *after = n->n ? "," : op_name(n);

		skip_space(p);
		start = p->pos;
		r = read_value(p, &s, &i, &quoted);
		if (r == 1) {
			r = fail(p, start, "expected a value after '%s'", after);
			goto out;
		}
		if (r)
			goto out;
		r = add_value(p, n, kd, name, s, i, start, quoted);
		if (r)
			goto out;
		skip_space(p);
		if (peek(p, 0) != ',')
			break;
		r = PGS_E_FILTER;
		if (n->op == OP_RE) {
			fail(p, p->pos, "'%s' takes one pattern (quote it to match a ',')",
			     op_name(n));
			goto out;
		}
		if (n->op == OP_HAS) {
			fail(p, p->pos, "'has' takes one flag name");
			goto out;
		}
		if (n->op != OP_EQ) {
			fail(p, p->pos, "a list needs '=' or '!='");
			goto out;
		}
		p->pos++;
	}
	p->f->keys |= KEY_BIT(kd->id);
	*out = n;
	return 0;
out:
	node_free(p->al, n);
	return r;
}

static int parse_or(struct parser *p, struct node **out);

/* "not" unary | "(" expr ")" | pred */
static int parse_unary(struct parser *p, struct node **out)
{
	struct node *n;
	char tok[QUOTE_MAX + 8];
	int r;

	skip_space(p);
	if (at_word(p, "not") || peek(p, 0) == '!' || peek(p, 0) == '(') {
		RETURN_ERROR_IF(p->depth >= MAX_DEPTH,
				fail(p, p->pos, "expression nested too deeply"));
		p->depth++;
		if (peek(p, 0) == '(') {
			p->pos++;
			FORWARD_IF_ERROR(parse_or(p, out));
			skip_space(p);
			if (peek(p, 0) != ')') {
				node_free(p->al, *out);
				if (p->pos == p->len)
					return fail(p, p->pos, "missing ')'");
				return fail(p, p->pos, "expected 'and', 'or' or ')', not %s",
					    token_at(p, p->pos, tok, sizeof(tok)));
			}
			p->pos++;
		} else {
			p->pos += peek(p, 0) == '!' ? 1 : 3;
			FORWARD_IF_ERROR(node_new(p->al, N_NOT, &n));
			n->kids = pgs__malloc(p->al, sizeof(*n->kids));
			r = n->kids ? parse_unary(p, n->kids) : -ENOMEM;
			if (r) {
				pgs__free(p->al, n->kids);
				pgs__free(p->al, n);
				return r;
			}
			n->n = 1;
			*out = n;
		}
		p->depth--;
		return 0;
	}
	return parse_pred(p, out);
}

/* Operands joined by "and" (or "or"), as one n-ary node. */
static int parse_chain(struct parser *p, struct node **out, enum node_kind kind)
{
	const char *word = kind == N_AND ? "and" : "or";
	const char *sym = kind == N_AND ? "&&" : "||";
	struct node *first, *n;
	int r;

	FORWARD_IF_ERROR(kind == N_AND ? parse_unary(p, &first) : parse_chain(p, &first, N_AND));
	skip_space(p);
	if (!at_word(p, word) && !(peek(p, 0) == sym[0] && peek(p, 1) == sym[1])) {
		*out = first;
		return 0;
	}
	r = node_new(p->al, kind, &n);
	if (r) {
		node_free(p->al, first);
		return r;
	}
	r = pgs__grow(p->al, (void **)&n->kids, &n->cap, 2, sizeof(*n->kids));
	if (r) {
		node_free(p->al, first);
		goto out;
	}
	n->kids[n->n++] = first;
	for (;;) {
		skip_space(p);
		if (at_word(p, word))
			p->pos += strlen(word);
		else if (peek(p, 0) == sym[0] && peek(p, 1) == sym[1])
			p->pos += 2;
		else
			break;
		r = pgs__grow(p->al, (void **)&n->kids, &n->cap, n->n + 1, sizeof(*n->kids));
		if (r)
			goto out;
		r = kind == N_AND ? parse_unary(p, &n->kids[n->n]) :
				    parse_chain(p, &n->kids[n->n], N_AND);
		if (r)
			goto out;
		n->n++;
	}
	*out = n;
	return 0;
out:
	node_free(p->al, n);
	return r;
}

static int parse_or(struct parser *p, struct node **out)
{
	return parse_chain(p, out, N_OR);
}

int filter_parse(const char *expr, const struct pgs_allocator *al, struct filter **out,
		 struct filter_error *err)
{
	struct parser p = { .al = al, .s = expr, .len = strlen(expr), .err = err };
	char tok[QUOTE_MAX + 8];
	int r;

	p.f = pgs__calloc(al, 1, sizeof(*p.f));
	RETURN_ERROR_IF(!p.f, -ENOMEM);
	p.f->al = al;
	skip_space(&p);
	if (p.pos == p.len) {
		r = fail(&p, 0, "empty expression");
		goto out;
	}
	r = parse_or(&p, &p.f->root);
	if (r)
		goto out;
	skip_space(&p);
	if (p.pos < p.len) {
		if (p.s[p.pos] == ')')
			r = fail(&p, p.pos, "unmatched ')'");
		else
			r = fail(&p, p.pos, "expected 'and', 'or' or the end, not %s",
				 token_at(&p, p.pos, tok, sizeof(tok)));
		goto out;
	}
	*out = p.f;
	return 0;
out:
	filter_free(p.f);
	return r;
}

keyset filter_keys(const struct filter *f)
{
	return f ? f->keys : 0;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	node_free(f->al, f->root);
	pcre2_match_data_free(f->md);
	pgs__free(f->al, f);
}

static void forget(const struct pgs_allocator *al, struct node *n)
{
	size_t i;

	if (n->kind != N_PRED) {
		for (i = 0; i < n->n; i++)
			forget(al, n->kids[i]);
		return;
	}
	pgs__free(al, n->memo);
	n->memo = NULL;
	n->nmemo = 0;
	n->memo_tried = false;
}

void filter_forget(struct filter *f)
{
	if (f && f->root)
		forget(f->al, f->root);
}

/* Evaluation ------------------------------------------------------------- */

struct evalctx {
	struct filter *f;
	const struct filter_ops *ops;
	void *ctx;
	size_t nstrings;
};

static bool op_holds(uint8_t op, int c)
{
	switch (op) {
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	case OP_GE: return c >= 0;
	default: return c == 0;
	}
}

/* The row's number against c (an int64 when sign): -1, 0 or 1. */
static int cmp_num(const struct kval *kv, uint64_t c, bool sign)
{
	if (sign) {
		if (kv->type != KV_INT && kv->v > (uint64_t)INT64_MAX)
			return 1;
		return ((int64_t)kv->v > (int64_t)c) - ((int64_t)kv->v < (int64_t)c);
	}
	if (kv->type == KV_INT && (int64_t)kv->v < 0)
		return -1;
	return (kv->v > c) - (kv->v < c);
}

/* Bytewise, then the shorter first. */
static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

static int match(struct evalctx *e, const struct node *n, const char *s, size_t len)
{
	int r = pcre2_match(n->re, (PCRE2_SPTR)s, len, 0, 0, e->f->md, NULL);

	/* rc 0: a match with more groups than md holds, still a match. */
	if (r >= 0)
		return 1;
	RETURN_ERROR_IF(r == PCRE2_ERROR_NOMEMORY, -ENOMEM);
	return 0;	/* no match, or a match or depth limit hit: no match */
}

/* The positive test of n (=, <, ~ ...) on a text. */
static int test_text(struct evalctx *e, const struct node *n, const char *s, size_t len)
{
	size_t i;

	if (n->op == OP_RE)
		return match(e, n, s, len);
	for (i = 0; i < n->n; i++)
		if (n->vals[i].kind == V_TEXT &&
		    op_holds(n->op, cmp_bytes(s, len, n->vals[i].s, n->vals[i].len)))
			return 1;
	return 0;
}

/*
 * The positive test of n on string id (of a KV_STR value kv, or a frame
 * when kv is NULL), through the memo: the text is fetched and tested once
 * per distinct id.
 */
static int test_id(struct evalctx *e, struct node *n, uint32_t id, const struct kval *kv)
{
	const char *s;
	size_t len;
	int r;

	if (!n->memo_tried) {
		n->memo_tried = true;
		if (e->nstrings) {
			n->memo = pgs__calloc(e->f->al, e->nstrings, 1);
			if (!n->memo) {
				n->memo_tried = false;
				return -ENOMEM;
			}
			n->nmemo = e->nstrings;
		}
	}
	if (id < n->nmemo && n->memo[id])
		return n->memo[id] - 1;
	s = kv ? e->ops->text(e->ctx, n->key, kv, &len) : e->ops->str(e->ctx, id, &len);
	r = s ? test_text(e, n, s, len) : 0;
	if (r >= 0 && id < n->nmemo)
		n->memo[id] = (uint8_t)(r + 1);
	return r;
}

static int test_pred(struct evalctx *e, struct node *n)
{
	const char *s = NULL;
	struct kval kv;
	size_t i, len = 0;
	bool fetched = false;

	if (n->key == K_FRAME) {
		const uint32_t *ids;
		size_t nids;

		e->ops->frames(e->ctx, &ids, &nids);
		for (i = 0; i < nids; i++) {
			int r = test_id(e, n, ids[i], NULL);

			if (r)
				return r;
		}
		return 0;
	}
	e->ops->value(e->ctx, n->key, &kv);
	if (kv.type == KV_NULL)
		return 0;
	if (kv.type == KV_STR && kv.v <= UINT32_MAX)
		return test_id(e, n, (uint32_t)kv.v, &kv);
	/* Numbers, masks and enums; their names are few, so no memo. */
	if (n->op == OP_RE) {
		s = e->ops->text(e->ctx, n->key, &kv, &len);
		return s ? match(e, n, s, len) : 0;
	}
	for (i = 0; i < n->n; i++) {
		const struct val *v = &n->vals[i];

		switch (v->kind) {
		case V_NUM:
			if (v->lo == v->hi ? op_holds(n->op, cmp_num(&kv, v->lo, n->sign)) :
			    cmp_num(&kv, v->lo, n->sign) >= 0 && cmp_num(&kv, v->hi, n->sign) <= 0)
				return 1;
			break;
		case V_FLAG:
			if (e->ops->has(e->ctx, n->key, v->s, v->len))
				return 1;
			break;
		case V_TEXT:
			if (!fetched) {
				s = e->ops->text(e->ctx, n->key, &kv, &len);
				fetched = true;
			}
			if (s && op_holds(n->op, cmp_bytes(s, len, v->s, v->len)))
				return 1;
			break;
		}
	}
	return 0;
}

static int eval(struct evalctx *e, struct node *n)
{
	size_t i;
	int r;

	switch (n->kind) {
	case N_AND:
		for (i = 0; i < n->n; i++)
			if ((r = eval(e, n->kids[i])) <= 0)
				return r;
		return 1;
	case N_OR:
		for (i = 0; i < n->n; i++)
			if ((r = eval(e, n->kids[i])) != 0)
				return r;
		return 0;
	case N_NOT:
		r = eval(e, n->kids[0]);
		return r < 0 ? r : !r;
	default:
		r = test_pred(e, n);
		return r < 0 ? r : r ^ n->neg;
	}
}

int filter_eval(struct filter *f, const struct filter_ops *ops, void *ctx,
		size_t nstrings)
{
	struct evalctx e = { f, ops, ctx, nstrings };

	return eval(&e, f->root);
}
