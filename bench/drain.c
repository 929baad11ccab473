/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort-drain: read standard input to its end and do nothing else, through
 * a pipe widened the way pgsort widens it (1 MiB, or the largest size the
 * system allows) and in pgsort's read size. `cat BIG | pgsort-drain` is the
 * cost of moving BIG through a pipe alone, the floor under
 * `cat BIG | pgsort -`; bench/run.sh measures both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define READ_SIZE ((size_t)8 << 20)	/* lib/parse/parallel.c's READ_BUF */

int main(void)
{
	char *buf = malloc(READ_SIZE);
	unsigned long long total = 0;
	int sz;

	if (!buf) {
		fputs("pgsort-drain: out of memory\n", stderr);
		return 1;
	}
	for (sz = 1 << 20; sz >= 128 << 10; sz >>= 1)
		if (fcntl(0, F_SETPIPE_SZ, sz) >= 0)
			break;
	for (;;) {
		ssize_t n = read(0, buf, READ_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("pgsort-drain: read");
			return 1;
		}
		if (n == 0)
			break;
		total += (unsigned long long)n;
	}
	sz = fcntl(0, F_GETPIPE_SZ);
	if (sz < 0)
		printf("%llu bytes, not from a pipe\n", total);
	else
		printf("%llu bytes through a pipe of %d bytes\n", total, sz);
	free(buf);
	return 0;
}
