/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGSORT_CLI_TOP_H
#define PGSORT_CLI_TOP_H

/* pgsort top ARGS (argv[0] is "top"): the exit status. */
int top_main(const char *prog, int argc, char **argv);

#endif
