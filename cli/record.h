/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGSORT_CLI_RECORD_H
#define PGSORT_CLI_RECORD_H

#include <stdbool.h>

/* pgsort record ARGS (argv[0] is "record"): the exit status. */
int record_main(const char *prog, int argc, char **argv);

#endif
