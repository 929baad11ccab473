/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort-gen: make a page_owner dump of any size by resampling the blocks
 * of a real one. Each output block is a real block picked at random (fixed
 * seed), so the mix of stacks, orders, masks and tasks is the real one;
 * its PFN and Block numbers are fresh (increasing, aligned to the order, in
 * the dump's hex or decimal form) and its ts is fresh (increasing), as in a
 * dump of a bigger machine. free_ts, where present, is kept.
 *
 * With --distinct[=PCT], PCT percent of the blocks (default 95) get a stack
 * of their own, the worst case for the parser (issue 14): every frame of the
 * picked block gets a fresh offset within its function, and three frames in
 * four a symbol of their own (the real name with a seeded random suffix, as
 * a server with many modules and workloads would show), so frames are
 * mostly distinct too. The other blocks repeat one of 4096 variants of
 * their source block, so some stacks still have many blocks. The output is
 * a function of SOURCE, BYTES and SEED.
 *
 * Usage: pgsort-gen [--distinct[=PCT]] SOURCE BYTES [SEED] > OUT
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/parse/fields.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull, rng0;

static uint64_t next_rand(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

struct block {
	size_t start, len;
};

/* splitmix64: the stream of one stack variant, from its own seed. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Copy the frame lines of src[0..len) to o, each made a variant of its own
 * by the stream seed: " sym+0xoff/0xsize[ [mod]]" becomes
 * " sym[_xxxxxx]+0xOFF/0xsize[ [mod]]". Other lines are copied as they are.
 * Returns the end of the output.
 */
static char *vary_frames(char *o, const char *src, size_t len, uint64_t seed)
{
	const char *p = src, *end = src + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *plus, *slash, *q;
		uint64_t size = 0, r = mix(&seed);

		plus = p[0] == ' ' ? memchr(p, '+', (size_t)(le - p)) : NULL;
		slash = plus ? memchr(plus, '/', (size_t)(le - plus)) : NULL;
		if (!plus || !slash || le - slash < 4 || memcmp(slash, "/0x", 3) != 0) {
			memcpy(o, p, (size_t)(le - p) + (nl != NULL));
			o += (le - p) + (nl != NULL);
			p = le + (nl != NULL);
			continue;
		}
		for (q = slash + 3; q < le && hexval(*q) >= 0; q++)
			size = size * 16 + (uint64_t)hexval(*q);
		memcpy(o, p, (size_t)(plus - p));
		o += plus - p;
		if (r & 3)
			o += sprintf(o, "_%06llx", (unsigned long long)((r >> 8) & 0xffffff));
		o += sprintf(o, "+0x%llx", (unsigned long long)(size ? (r >> 32) % size : 0));
		memcpy(o, slash, (size_t)(le - slash) + (nl != NULL));
		o += (le - slash) + (nl != NULL);
		p = le + (nl != NULL);
	}
	return o;
}

static void die(const char *what)
{
	fprintf(stderr, "pgsort-gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct block *blocks = NULL;
	size_t nblocks = 0, cap = 0, pos = 0, len;
	unsigned long long want, written = 0;
	uint64_t pfn = 0x100000, ts = 1000000000ull;
	char *out, *o;
	const char *src;
	struct stat st;
	int fd, distinct = -1;
	uint64_t fresh = 0;

	if (argc > 1 && strncmp(argv[1], "--distinct", 10) == 0 &&
	    (argv[1][10] == '\0' || argv[1][10] == '=')) {
		distinct = argv[1][10] ? atoi(argv[1] + 11) : 95;
		argc--;
		argv++;
	}
	if (argc < 3 || distinct > 100) {
		fprintf(stderr, "usage: pgsort-gen [--distinct[=PCT]] SOURCE BYTES [SEED] > OUT\n");
		return 2;
	}
	want = strtoull(argv[2], NULL, 0);
	if (argc > 3)
		rng ^= strtoull(argv[3], NULL, 0) * 0x9e3779b97f4a7c15ull;
	if (!rng)
		rng = 1;	/* xorshift's one fixed point (SEED 1) */
	rng0 = rng;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0)
		die(argv[1]);
	len = (size_t)st.st_size;
	src = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (src == MAP_FAILED)
		die("mmap");

	/* Index the blocks: a header line up to the next blank line. */
	while (pos < len) {
		const char *p = src + pos, *end;
		size_t l = len - pos;

		if (has_prefix(p, l, "Page allocated via order ", 25)) {
			end = memmem(p, l, "\n\n", 2);
			l = end ? (size_t)(end - p) + 2 : l;
			if (nblocks == cap) {
				cap = cap ? cap * 2 : 1 << 16;
				blocks = realloc(blocks, cap * sizeof(*blocks));
				if (!blocks)
					die("realloc");
			}
			blocks[nblocks].start = pos;
			blocks[nblocks++].len = l;
			pos += l;
		} else {
			end = memchr(p, '\n', l);
			pos = end ? (size_t)(end - src) + 1 : len;
		}
	}
	if (!nblocks) {
		fprintf(stderr, "pgsort-gen: no page_owner block in %s\n", argv[1]);
		return 1;
	}
	out = malloc(1 << 23);
	if (!out)
		die("malloc");
	o = out;
	while (written < want) {
		const struct block *b = &blocks[next_rand() % nblocks];
		const char *p = src + b->start, *nl = memchr(p, '\n', b->len);
		const char *pl = nl + 1, *pnl;
		size_t hl = (size_t)(nl - p), pll;
		struct hdr_fields hf;
		struct pfn_fields pf;
		char *o0;

		if (o - out > (1 << 22) - 3 * (ptrdiff_t)b->len - 256) {
			if (fwrite(out, 1, (size_t)(o - out), stdout) != (size_t)(o - out))
				die("write");
			o = out;
		}
		o0 = o;
		/* Header with a fresh ts. */
		memset(&hf, 0, sizeof(hf));
		if (parse_header(p, hl, &hf) != HDR_OK || !hf.ts_len) {
			memcpy(o, p, b->len);
			o += b->len;
			written += b->len;
			continue;
		}
		ts += next_rand() % 2000000;
		memcpy(o, p, hf.ts_pos);
		o += hf.ts_pos;
		o += sprintf(o, "%llu", (unsigned long long)ts);
		memcpy(o, p + hf.ts_pos + hf.ts_len, hl - hf.ts_pos - hf.ts_len + 1);
		o += hl - hf.ts_pos - hf.ts_len + 1;
		/* PFN line with a fresh PFN and Block, aligned to the order. */
		pnl = memchr(pl, '\n', b->len - (size_t)(pl - p));
		pll = pnl ? (size_t)(pnl - pl) : 0;
		if (pnl && pfn_cuts(pl, pll, &pf)) {
			uint64_t n = (uint64_t)1 << hf.order;

			pfn = (pfn + n - 1) & ~(n - 1);
			memcpy(o, pl, pf.pfn_pos);
			o += pf.pfn_pos;
			o += sprintf(o, pf.hex ? "0x%llx" : "%llu", (unsigned long long)pfn);
			memcpy(o, pl + pf.pfn_pos + pf.pfn_len, pf.block_pos - pf.pfn_pos - pf.pfn_len);
			o += pf.block_pos - pf.pfn_pos - pf.pfn_len;
			o += sprintf(o, "%llu", (unsigned long long)(pfn >> 9));
			memcpy(o, pl + pf.block_pos + pf.block_len, pll - pf.block_pos - pf.block_len);
			o += pll - pf.block_pos - pf.block_len;
			pfn += n;
			pl = pnl;
		}
		if (distinct >= 0) {
			/* A stack of its own, or one of 4096 shared variants. */
			uint64_t v = next_rand();
			uint64_t seed = (int)(v % 100) < distinct ? ++fresh | 1ull << 63 :
								 (v >> 32) % 4096;

			o = vary_frames(o, pl, b->len - (size_t)(pl - p), seed ^ rng0);
			written += (size_t)(o - o0);
			continue;
		}
		memcpy(o, pl, b->len - (size_t)(pl - p));
		o += b->len - (size_t)(pl - p);
		written += b->len;	/* within a few digits of the output */
	}
	if (fwrite(out, 1, (size_t)(o - out), stdout) != (size_t)(o - out) || fflush(stdout))
		die("write");
	return 0;
}
