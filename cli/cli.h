/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGSORT_CLI_CLI_H
#define PGSORT_CLI_CLI_H

#include <getopt.h>	/* struct option */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pgsort/pgsort.h>

/*
 * What the existing regular file at path holds when no new file should
 * replace it: page_owner input or compressed data (gzip allowed when pprof),
 * into what; NULL otherwise. *diff_hint: it is input pgsort diff could read.
 */
const char *input_like(const char *path, bool pprof, char *what, size_t whatsz, bool *diff_hint);

/*
 * Open OUTPUT path for a file made anew (a report, a snapshot). A regular
 * file, or a new one, is written to a temporary file beside it (*tmp, also
 * stored in *pending at once, for a signal handler to unlink) and renamed
 * to *target (symlinks followed) by the caller once all of it is written;
 * its owner and mode are kept. A file the user could not open with a
 * shell's '>' is refused (-EACCES). Anything else (/dev/null, a FIFO, a
 * terminal) is opened directly, *tmp NULL: renaming over it would replace
 * the device. Returns 0 or -errno; the caller frees *target and *tmp.
 */
int output_open(const char *path, char **target, char **tmp, int *fd, char *volatile *pending);

/* A pgs_write_sink writing to the fd *(int *)user, whole or -1. */
int fd_sink(const void *buf, size_t len, void *user);

/*
 * --list options, for the shell completions: each short option of
 * getopt's shortopts ("-o"), then each long one ("--every=" when it takes
 * an argument), one a line; those whose val is in skip[0..nskip) left out.
 */
void list_options(const char *shortopts, const struct option *longs, const int *skip,
		  size_t nskip);

/* "10s", "500ms", "5m", "1h", "2" (seconds) into milliseconds: 0, or -1. */
int parse_duration(const char *s, uint64_t *ms);

/*
 * A query setter refused opt's argument arg (opt as it is to be printed:
 * "--cull", "top: --cull"): "pgsort: OPT: " and the library's detail, then
 * arg with a caret (and tildes under the item) where it went wrong. more
 * follows the message (" (see --help-keys)" or "").
 */
void bad_arg(const char *opt, const char *arg, const struct pgs_error_detail *e,
	     const char *more);

#endif
