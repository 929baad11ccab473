/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the CLI's commands (report, diff, series, record, top) share. */
#include <errno.h>
#include <fcntl.h>	/* open, faccessat */
#include <libgen.h>	/* dirname */
#include <stdio.h>	/* printf, asprintf */
#include <stdlib.h>	/* strtod, realpath, mkstemp */
#include <string.h>
#include <sys/stat.h>	/* stat, umask, fchmod */
#include <unistd.h>	/* write, fchown */

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

/*
 * A regular OUTPUT (or a new one) is written to a temporary file beside it
 * and renamed into place only when the whole report was written, so a
 * failed run never leaves a truncated report where the user expects one. A
 * symlink is followed to the file it names; the file's mode is kept. Any
 * other kind of OUTPUT (/dev/null, a FIFO, a terminal) is written directly:
 * renaming over it would replace the device.
 */
int output_open(const char *path, char **target, char **tmp, int *fd, char *volatile *pending)
{
	struct stat st;
	char *dircopy;
	mode_t mode, mask;
	bool owner = false;

	*target = realpath(path, NULL);
	if (!*target && errno != ENOENT)
		return -errno;
	if (*target && stat(*target, &st) == 0 && !S_ISREG(st.st_mode)) {
		*fd = open(*target, O_WRONLY | O_TRUNC | O_CLOEXEC);
		return *fd < 0 ? -errno : 0;
	}
	if (!*target && !(*target = strdup(path)))
		return -ENOMEM;
	if (stat(*target, &st) == 0) {
		/* The rename would replace a file that a shell's '>' could not open. */
		if (faccessat(AT_FDCWD, *target, W_OK, AT_EACCESS) < 0)
			return -errno;
		mode = st.st_mode & 07777;
		owner = true;
	} else {
		mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	dircopy = strdup(*target);
	if (!dircopy || asprintf(tmp, "%s/.pgsort-XXXXXX", dirname(dircopy)) < 0) {
		free(dircopy);
		*tmp = NULL;
		return -ENOMEM;
	}
	free(dircopy);
	*fd = mkstemp(*tmp);
	if (*fd < 0)
		return -errno;
	*pending = *tmp;
	/* As a shell's '>' would: the owner stays (where we may chown), then the mode. */
	if (owner && fchown(*fd, st.st_uid, st.st_gid) < 0 && fchown(*fd, (uid_t)-1, st.st_gid) < 0)
		errno = 0;	/* another user's file we may write: it becomes ours */
	fchmod(*fd, mode);
	return 0;
}
