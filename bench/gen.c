/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort-gen: make a page_owner dump of any size by resampling the blocks
 * of a real one. Each output block is a real block picked at random (fixed
 * seed), so the mix of stacks, orders, masks and tasks is the real one;
 * its PFN and Block numbers are fresh (increasing, aligned to the order, in
 * the dump's hex or decimal form) and its ts is fresh (increasing), as in a
 * dump of a bigger machine. free_ts, where present, is kept.
 *
 * Usage: pgsort-gen SOURCE BYTES [SEED] > OUT
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

static uint64_t rng = 0x9e3779b97f4a7c15ull;

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
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: pgsort-gen SOURCE BYTES [SEED] > OUT\n");
		return 2;
	}
	want = strtoull(argv[2], NULL, 0);
	if (argc > 3)
		rng ^= strtoull(argv[3], NULL, 0) * 0x9e3779b97f4a7c15ull;
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
	out = malloc(1 << 22);
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

		if (o - out > (1 << 22) - 2 * (ptrdiff_t)b->len - 256) {
			if (fwrite(out, 1, (size_t)(o - out), stdout) != (size_t)(o - out))
				die("write");
			o = out;
		}
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
		memcpy(o, pl, b->len - (size_t)(pl - p));
		o += b->len - (size_t)(pl - p);
		written += b->len;	/* within a few digits of the output */
	}
	if (fwrite(out, 1, (size_t)(o - out), stdout) != (size_t)(o - out) || fflush(stdout))
		die("write");
	return 0;
}
