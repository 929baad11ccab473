/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGSORT_CLI_CLI_H
#define PGSORT_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <pgsort/pgsort.h>

/* A pgs_write_sink writing to the fd *(int *)user, whole or -1. */
int fd_sink(const void *buf, size_t len, void *user);

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
