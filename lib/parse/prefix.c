/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Log prefixes (formats.md §6.9): a dump copied off a serial console or out
 * of a log has something in front of every line, a dmesg timestamp
 * "[   12.345678] " (maybe with a caller id "[ T1234]"), a syslog or journal
 * "Nov 23 18:00:00 host kernel: ", a /dev/kmsg "6,1234,5678901,-;". When the
 * first lines of an input carry one, it is stripped from every line before
 * the line is classified. Only such inputs pay for a regular expression.
 */
#include "../regex.h"
#include "parse.h"

struct prefix {
	pcre2_code *re;
	const char *name;
	const struct pgs_allocator *al;	/* of the context that detected it */
};

static const struct {
	const char *name, *pattern;
} known[] = {
	{ "dmesg", "\\[\\s*\\d+\\.\\d+\\](?:\\[\\s*[TC]\\d+\\])? " },
	{ "syslog", "[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\S+ kernel: (?:\\[\\s*\\d+\\.\\d+\\] )?" },
	{ "journal", "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\S* \\S+ kernel: (?:\\[\\s*\\d+\\.\\d+\\] )?" },
	{ "kmsg", "\\d+,\\d+,\\d+,[^;]*;" },
};

/* Lines looked at to decide, and how many of those must carry the prefix. */
#define SAMPLE 40

/* The length of s's prefix into *n (0: none). Returns 0 or -ENOMEM. */
static int prefix_len(const struct prefix *px, pcre2_match_data *md, const char *s, size_t len,
		      size_t *n)
{
	int rc = pcre2_match(px->re, (PCRE2_SPTR)s, len, 0, PCRE2_ANCHORED, md, NULL);

	RETURN_ERROR_IF(rc == PCRE2_ERROR_NOMEMORY, -ENOMEM);
	*n = rc < 0 ? 0 : pcre2_get_ovector_pointer(md)[1];
	return 0;
}

const char *prefix_name(const struct prefix *px)
{
	return px ? px->name : NULL;
}

void prefix_free(struct prefix *px)
{
	if (!px)
		return;
	pcre2_code_free(px->re);
	pgs__free(px->al, px);
}

/*
 * The prefix that all of the first non-blank lines of buf carry and that
 * leaves page_owner text behind, or NULL.
 */
int prefix_detect(const struct pgs_allocator *al, const char *buf, size_t len,
		  struct prefix **out)
{
	size_t k;

	*out = NULL;
	for (k = 0; k < ARRAY_SIZE(known); k++) {
		pcre2_match_data *md;
		struct prefix px = { NULL, known[k].name, al };
		const char *p = buf, *end = buf + len;
		unsigned seen = 0, carry = 0, useful = 0;
		int errcode, err = 0;
		size_t erroff;

		err = re_compile(al, known[k].pattern, PCRE2_ZERO_TERMINATED, 0, &px.re,
				 &errcode, &erroff);
		RETURN_ERROR_IF(err == -ENOMEM, -ENOMEM);
		if (err)
			continue;
		md = re_match_data(px.re);
		if (!md) {
			pcre2_code_free(px.re);
			return -ENOMEM;
		}
		while (!err && p < end && seen < SAMPLE) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t l = (size_t)((nl ? nl : end) - p), n;

			if (l && p[l - 1] == '\r')
				l--;
			if (l) {
				seen++;
				err = prefix_len(&px, md, p, l, &n);
				if (!err && n) {
					carry++;
					if (classify_line(p + n, l - n) != LC_UNKNOWN)
						useful++;
				}
			}
			p = nl ? nl + 1 : end;
		}
		pcre2_match_data_free(md);
		if (err) {
			pcre2_code_free(px.re);
			return err;
		}
		if (seen && carry == seen && useful * 2 >= seen) {
			struct prefix *found = pgs__malloc(al, sizeof(*found));

			if (!found) {
				pcre2_code_free(px.re);
				return -ENOMEM;
			}
			pcre2_jit_compile(px.re, PCRE2_JIT_COMPLETE);
			*found = px;
			*out = found;
			return 0;
		}
		pcre2_code_free(px.re);
	}
	return 0;
}

/*
 * Copy [buf, buf + len) into c->unprefixed without the prefix of each line
 * (a line without one is kept whole). Lines stay lines, so line numbers do
 * not change.
 */
int prefix_strip(struct parse_ctx *c, const char *buf, size_t len, const char **out,
		 size_t *outlen)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;

	if (!c->prefix_md) {
		c->prefix_md = re_match_data(c->prefix->re);
		RETURN_ERROR_IF(!c->prefix_md, -ENOMEM);
	}
	FORWARD_IF_ERROR(buf_reserve(c->al, &c->unprefixed, len));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((nl ? nl + 1 : end) - p);
		size_t skip;

		FORWARD_IF_ERROR(prefix_len(c->prefix, c->prefix_md, p, l, &skip));
		memcpy(c->unprefixed.p + n, p + skip, l - skip);
		n += l - skip;
		p += l;
	}
	*out = c->unprefixed.p;
	*outlen = n;
	return 0;
}

void prefix_match_free(void *md)
{
	pcre2_match_data_free(md);
}
