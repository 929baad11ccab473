/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the CLI's commands (report, diff, series, record, top) share. */
#include <errno.h>
#include <stdio.h>	/* printf */
#include <stdlib.h>	/* strtod */
#include <string.h>
#include <unistd.h>	/* write */

#include "cli.h"

int fd_sink(const void *buf, size_t len, void *user)
{
	int fd = *(int *)user;
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void list_options(const char *shortopts, const struct option *longs, const int *skip,
		  size_t nskip)
{
	size_t i, k;

	for (i = 0; shortopts[i]; i++)
		if (shortopts[i] != ':')
			printf("-%c\n", shortopts[i]);
	for (i = 0; longs[i].name; i++) {
		for (k = 0; k < nskip && longs[i].val != skip[k]; k++)
			;
		if (k == nskip)
			printf("--%s%s\n", longs[i].name,
			       longs[i].has_arg == required_argument ? "=" : "");
	}
}

int parse_duration(const char *s, uint64_t *ms)
{
	char *e;
	double v = strtod(s, &e);

	if (e == s || v <= 0 || v > 1e9)
		return -1;
	if (!strcmp(e, "ms"))
		*ms = (uint64_t)v;
	else if (!*e || !strcmp(e, "s"))
		*ms = (uint64_t)(v * 1000);
	else if (!strcmp(e, "m"))
		*ms = (uint64_t)(v * 60000);
	else if (!strcmp(e, "h"))
		*ms = (uint64_t)(v * 3600000);
	else
		return -1;
	return *ms ? 0 : -1;
}
