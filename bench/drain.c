/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort-drain: read standard input to its end and do nothing else, through
 * a pipe widened by pgsort's own pipe_widen() and in pgsort's read size.
 * `cat BIG | pgsort-drain` is the cost of moving BIG through a pipe alone,
 * the floor under `cat BIG | pgsort -`; bench/run.sh measures both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../lib/input/input.h"	/* pipe_widen, READ_BUF */

int main(void)
{
	char *buf = malloc(READ_BUF);
	unsigned long long total = 0;
	int sz;

	if (!buf) {
		fputs("pgsort-drain: out of memory\n", stderr);
		return 1;
	}
	pipe_widen(0);
	for (;;) {
		ssize_t n = read(0, buf, READ_BUF);

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
