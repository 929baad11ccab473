/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGSORT_CLI_SERIES_H
#define PGSORT_CLI_SERIES_H

/* pgsort series [OPTIONS] INPUT...: argv[0] is "series". Returns the exit status. */
int series_main(int argc, char **argv);

#endif
