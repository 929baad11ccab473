/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort: the command line. Accepts everything tools/mm/page_owner_sort
 * accepts (Linux 6.12 and the mm tree's 2026 -M/--module, plus -f/-r/ft/f
 * of 5.19-6.6) and uses libpgsort
 * through its public header only. This file owns stdout, stderr and the
 * exit status; the library only returns errors and reports diagnostics.
 */
#include <ctype.h>	/* isprint */
#include <errno.h>
#include <fcntl.h>	/* open */
#include <limits.h>
#include <signal.h>	/* sigaction */
#include <getopt.h>	/* getopt_long */
#include <libgen.h>	/* dirname */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>	/* umask, fchmod */
#include <unistd.h>	/* isatty, write */
#ifdef __GLIBC__
#include <malloc.h>	/* malloc_trim */
#endif

#include <pgsort/pgsort.h>

#include "series.h"
#include "record.h"
#include "cli.h"
#include "top.h"

enum {
	EXIT_USAGE = 1,		/* bad command line (as page_owner_sort) */
	EXIT_INPUT = 2,		/* unreadable or not page_owner input */
	EXIT_OUTPUT = 3,	/* output could not be written, or no memory */
};

enum {
	OPT_PID = 1, OPT_TGID, OPT_NAME, OPT_MODULE, OPT_CULL, OPT_SORT,
	OPT_FORMAT, OPT_STRICT, OPT_NODE, OPT_TOP, OPT_MIN_PAGES, OPT_STRIP,
	OPT_PAGE_SIZE, OPT_CS_SKIP, OPT_FILTER, OPT_STACKS, OPT_HELP_KEYS,
	OPT_WEIGHT, OPT_ICICLE, OPT_HUMAN, OPT_KEEP_OFFSETS, OPT_TITLE,
	OPT_COLOR, OPT_SAME_BOOT, OPT_FORCE, OPT_LIST,
};

/* Options that select blocks, for saying which ones matched nothing. */
enum {
	SEL_PID = 1u << 0, SEL_TGID = 1u << 1, SEL_NAME = 1u << 2, SEL_FILTER = 1u << 3,
	SEL_NODE = 1u << 4, SEL_UNRELEASED = 1u << 5, SEL_MODULE = 1u << 6,
};

struct cli {
	const char *input, *output;
	/* pgsort diff BEFORE AFTER: input is BEFORE */
	bool diff, same_boot;
	const char *after;
	const char *cull;	/* --cull as given, to name a refused key */
	char *sort;		/* diff: every sort key given, comma-separated */
	const char *stacks;	/* --stacks FILE: show_stacks_handles */
	struct pgs_query *q;
	enum pgs_format format;
	enum pgs_weight weight;
	unsigned write_flags;	/* PGS_WRITE_* */
	const char *title;
	bool strict, quiet, verbose;
	bool force;		/* --force: replace an OUTPUT that looks like input */
	unsigned selecting;	/* SEL_* given */
	unsigned long long min_pages;
	bool sorted;		/* a sort key was given (-t, --sort ...) */
	bool error_shown;	/* a diagnostic already said why the input failed */
	uint64_t unresolved;	/* handles --stacks FILE did not list */
	uint64_t stacks_damage;	/* records skipped and lines not understood there */
	unsigned threads;
	unsigned long long last_progress;
	struct pgs_error_detail detail;	/* why the query refused to run */
};

static const char *prog = "pgsort";

static const char *const weight_names[] = {
	[PGS_WEIGHT_PAGES] = "pages", [PGS_WEIGHT_TIMES] = "times", [PGS_WEIGHT_BYTES] = "bytes",
};

static const char *const color_names[] = { "module", "allocator" };

/* pgsort diff's own sort keys (pgs_diff_run(), pgsort.h). */
static const char *const diff_sort_names[] = {
	"pages_before", "pages_after", "pages_delta", "times_before", "times_after", "times_delta",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The short options; getopt_long gets them behind a ":" (see parse_args). */
#define SHORTOPTS "admnpstPMfrqhVj:"

/* The index of s in names[0..n), or -1. */
static int name_index(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: pgsort [OPTIONS] [INPUT [OUTPUT]]\n"
"       pgsort diff [OPTIONS] BEFORE AFTER [OUTPUT]\n"
"       pgsort series [OPTIONS] INPUT...   (leak suspects over many snapshots;\n"
"                                          pgsort series --help)\n"
"       pgsort record [OPTIONS] -o FILE|-   (a snapshot of the live kernel: record --help)\n"
"       pgsort top [OPTIONS]   (the live kernel's top stacks, refreshed: top --help)\n"
"Group and sort Linux page_owner output (a drop-in for page_owner_sort).\n"
"INPUT is /sys/kernel/debug/page_owner text, a page_owner_stacks file, or\n"
"'-' (the default) for standard input. OUTPUT defaults to standard output.\n"
"\n"
"Sort (several combine in the order given; default -t):\n"
"  -a                  by allocation time (keeps ts in the compared text)\n"
"  -m                  by pages, descending\n"
"  -n                  by task command name\n"
"  -p                  by pid\n"
"  -P                  by tgid\n"
"  -s                  by stacktrace\n"
"  -t                  by times (blocks), descending\n"
"  -M                  by module name\n"
"  -r                  by free_ts (dumps of kernels 5.14-6.6)\n"
"  --sort KEYS         [+|-]key[,[+|-]key...]\n"
"Group and select:\n"
"  --cull KEYS         group by keys (see --help-keys), e.g. stacktrace or\n"
"                      pid,name or module,callsite or node,order\n"
"  --pid LIST          keep blocks whose pid is in LIST (comma-separated)\n"
"  --tgid LIST         keep blocks whose tgid is in LIST\n"
"  --name LIST         keep blocks whose task name is in LIST\n"
"  --module LIST       keep blocks whose module (vmlinux if none) is in LIST\n"
"  --filter EXPR       keep blocks for which EXPR holds (repeatable, ANDed), e.g.\n"
"                      'order>=3 and gfp has __GFP_COMP', \"name ~ '^kworker/'\",\n"
"                      'at=10s..2m', 'not mod=vmlinux' (see pgsort(1))\n"
"  --node LIST         keep blocks whose page is on a node in LIST (0,2-3)\n"
"  -f                  drop blocks freed after allocation (free_ts dumps)\n"
"  --top N             print only the first N groups (N >= 1; default all)\n"
"  --min-pages N       print only groups of at least N pages\n"
"  --strip-offsets     frames without +0xoff/0xsize (compare builds)\n"
"  --page-size SIZE    bytes per page for the bytes key (default 4096)\n"
"  --callsite-skip RE  frames the callsite key skips (PCRE2)\n"
"Handles:\n"
"  --stacks FILE       take the frames of 'handle: N' lines (a print_mode=handle\n"
"                      dump, show_handles) from FILE, a show_stacks_handles file\n"
"Output and behaviour:\n"
"  --format FMT        text (default, page_owner_sort's), json, ndjson, csv,\n"
"                      folded, pprof, svg or html\n"
"  --human             text: pages also in KiB/MiB/GiB\n"
"  --weight W          folded/pprof/svg/html width: pages (default), times, bytes\n"
"  --keep-offsets      folded/pprof/svg/html: keep +0xoff/0xsize in frames\n"
"  --icicle            svg/html: root at the top\n"
"  --title TEXT        svg/html title (default: the input's name)\n"
"  --color C           svg/html frame colours: module (default) or allocator\n"
"  --strict            exit 2 if any record or line was not understood, or a\n"
"                      handle not found in --stacks FILE\n"
"  -j N                worker threads (default: online CPUs; a pipe, one fewer)\n"
"  --force             replace an OUTPUT that is page_owner input or compressed;\n"
"                      write pprof to a terminal\n"
"  -q, --quiet         no warnings on stderr\n"
"  -d, --verbose       also say what the input is (kind, era, counts)\n"
"  --help-keys         list the keys\n"
"  -h, --help          this text;  -V, --version  the version\n"
"Snapshot diff (pgsort diff BEFORE AFTER): the options above apply to both\n"
"inputs (one may be '-'); groups (default --cull=stacktrace) are matched by\n"
"their keys' values and sorted by growth (--sort also takes pages_before,\n"
"pages_after, pages_delta, times_before, times_after, times_delta).\n"
"  --same-boot         both inputs come from one boot: allow handle, pfn,\n"
"                      alloc_ts and free_ts as keys\n"
"An existing OUTPUT that is page_owner input is not replaced (did you mean\n"
"'pgsort diff BEFORE AFTER'?), nor one you could not write; INPUT and OUTPUT\n"
"cannot be the same file.\n"
"Exit status: 0 ok, 1 usage, 2 bad input, 3 output error.\n");
}

static void help_keys(void)
{
	struct pgs_key_info k = { .sz = sizeof(k) };
	size_t i;

	printf("key (short, long)          cull sort filter  meaning\n");
	for (i = 0; pgs_key_info(i, &k) == 0; i++)
		printf("%-6s %-19s %-4s %-4s %-6s  %s\n", k.short_name, k.long_name,
		       k.use & PGS_KEY_CULL ? "yes" : "no", k.use & PGS_KEY_SORT ? "yes" : "no",
		       k.use & PGS_KEY_FILTER ? "yes" : "no", k.help);
	printf("\nThe callsite key skips frames matching (--callsite-skip replaces it):\n  %s\n",
	       PGS_CALLSITE_SKIP_DEFAULT);
}

/*
 * pgsort [diff] --list WHAT: the words an option takes, one a line, for the
 * shell completions (completions/), so that they never list a key, format
 * or option this pgsort does not have. Options taking a value end in '='.
 */
static int list_words(const struct cli *c, const char *what, const struct option *longopts,
		      const char *shortopts)
{
	static const char *const lists[] = { "options", "cull", "sort", "filter", "format",
					     "weight", "color" };
	static const unsigned key_use[] = { 0, PGS_KEY_CULL, PGS_KEY_SORT, PGS_KEY_FILTER };
	struct pgs_key_info k = { .sz = sizeof(k) };
	int w = name_index(what, lists, ARRAY_LEN(lists));
	size_t i;

	switch (w) {
	case 0:
		/* --same-boot only for pgsort diff. */
		list_options(shortopts, longopts, (const int[]){ OPT_LIST, OPT_SAME_BOOT },
			     c->diff ? 1 : 2);
		break;
	case 1: case 2: case 3:
		for (i = 0; pgs_key_info(i, &k) == 0; i++)
			if (k.use & key_use[w])
				printf("%s\n", k.long_name);
		for (i = 0; w == 2 && c->diff && i < ARRAY_LEN(diff_sort_names); i++)
			printf("%s\n", diff_sort_names[i]);
		break;
	case 4: {
		const char *name;

		/* The library's names, so a new format needs no edit here. */
		for (i = 0; (name = pgs_format_name((enum pgs_format)i)); i++)
			printf("%s\n", name);
		break;
	}
	case 5: case 6: {
		const char *const *names = w == 5 ? weight_names : color_names;
		size_t n = w == 5 ? ARRAY_LEN(weight_names) : ARRAY_LEN(color_names);

		for (i = 0; i < n; i++)
			printf("%s\n", names[i]);
		break;
	}
	default:
		fprintf(stderr, "%s: --list takes options, cull, sort, filter, format, weight or "
			"color, not '%s'\n", prog, what);
		return EXIT_USAGE;
	}
	return fflush(stdout) == 0 ? 0 : EXIT_OUTPUT;
}

static void on_diag(const struct pgs_diag *d, void *user)
{
	static const char *const lvl[] = { "error", "warning", "info", "debug" };
	struct cli *c = user;

	if (d->level == PGS_DIAG_ERROR)
		c->error_shown = true;
	if (d->line && d->level == PGS_DIAG_ERROR)
		fprintf(stderr, "%s: %s:%llu: %s (byte %llu): %s\n", prog, d->source,
			(unsigned long long)d->line, lvl[d->level],
			(unsigned long long)d->offset, d->message);
	else if (d->line)
		fprintf(stderr, "%s: %s:%llu: %s: %s\n", prog, d->source,
			(unsigned long long)d->line, lvl[d->level], d->message);
	else
		fprintf(stderr, "%s: %s: %s: %s\n", prog, d->source, lvl[d->level],
			d->message);
}

static void on_progress(uint64_t done, uint64_t total, void *user)
{
	struct cli *c = user;
	unsigned long long mib = done >> 20;

	if (mib < c->last_progress + 64)
		return;
	c->last_progress = mib;
	if (total)
		fprintf(stderr, "\r%s: read %llu of %llu MiB", prog, mib,
			(unsigned long long)(total >> 20));
	else
		fprintf(stderr, "\r%s: read %llu MiB", prog, mib);
}

/* A count, or with k a size that may end in K, M or G (binary units). */
static int parse_count(const char *s, bool k, unsigned long long *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (k && *end && !end[1])
		shift = *end == 'K' || *end == 'k' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 64;
	if (errno || (*end && !shift) || shift == 64 || (shift && v > (~0ULL >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

/*
 * A sort key list: the query's, or in diff mode kept for the diff, whose
 * keys (pages_delta...) the query does not know; pgs_diff_run() checks them.
 */
static int add_short_sort(struct cli *c, const char *key)
{
	size_t have, n = strlen(key);
	char *more;

	c->sorted = true;
	if (!c->diff)
		return pgs_query_add_sort(c->q, key);
	have = c->sort ? strlen(c->sort) : 0;
	more = realloc(c->sort, have + n + 2);
	if (!more)
		return -ENOMEM;
	if (have)
		more[have++] = ',';
	memcpy(more + have, key, n + 1);
	c->sort = more;
	return 0;
}

/*
 * A setter refused opt's argument arg: the library's detail says where and
 * what it expected; a caret (and tildes under the item) points there.
 * (cli.h: pgsort top's --cull too.)
 */
void bad_arg(const char *opt, const char *arg, const struct pgs_error_detail *e,
		    const char *more)
{
	size_t i;

	if (e->key)
		fprintf(stderr, "%s: %s: %s %s%s\n", prog, opt, e->key, e->message, more);
	else
		fprintf(stderr, "%s: %s: %s%s\n", prog, opt, e->message, more);
	if (e->offset == PGS_OFFSET_NONE || e->offset > strlen(arg))
		return;
	fprintf(stderr, "  %s\n  %*s^", arg, (int)e->offset, "");
	for (i = 1; i < e->length; i++)
		fputc('~', stderr);
	fputc('\n', stderr);
}

/* pgsort diff's operands: BEFORE AFTER [OUTPUT]. */
static int diff_args(struct cli *c, int n, char **args)
{
	if (n < 2 || n > 3) {
		fprintf(stderr, "%s: diff takes BEFORE AFTER [OUTPUT], %s\nTry '%s --help'.\n",
			prog, n < 2 ? "not fewer" : "not more", prog);
		return EXIT_USAGE;
	}
	c->input = args[0];
	c->after = args[1];
	c->output = n == 3 ? args[2] : "-";
	if (strcmp(c->input, "-") == 0 && strcmp(c->after, "-") == 0) {
		fprintf(stderr, "%s: diff: BEFORE and AFTER cannot both be standard input\n", prog);
		return EXIT_USAGE;
	}
	if (c->stacks && strcmp(c->stacks, "-") == 0) {
		fprintf(stderr, "%s: diff: --stacks FILE is read for each input, so it cannot be "
			"standard input\n", prog);
		return EXIT_USAGE;
	}
	if ((strcmp(c->input, "-") == 0 || strcmp(c->after, "-") == 0) && isatty(0)) {
		fprintf(stderr, "%s: diff: '-' is standard input, which is a terminal\n", prog);
		return EXIT_USAGE;
	}
	return 0;
}

static int parse_args(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "tgid", required_argument, NULL, OPT_TGID },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "cull", required_argument, NULL, OPT_CULL },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "node", required_argument, NULL, OPT_NODE },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "min-pages", required_argument, NULL, OPT_MIN_PAGES },
		{ "strip-offsets", no_argument, NULL, OPT_STRIP },
		{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
		{ "callsite-skip", required_argument, NULL, OPT_CS_SKIP },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "stacks", required_argument, NULL, OPT_STACKS },
		{ "help-keys", no_argument, NULL, OPT_HELP_KEYS },
		{ "weight", required_argument, NULL, OPT_WEIGHT },
		{ "icicle", no_argument, NULL, OPT_ICICLE },
		{ "human", no_argument, NULL, OPT_HUMAN },
		{ "keep-offsets", no_argument, NULL, OPT_KEEP_OFFSETS },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "same-boot", no_argument, NULL, OPT_SAME_BOOT },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "list", required_argument, NULL, OPT_LIST },
		{ "module", required_argument, NULL, OPT_MODULE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0, 0, 0, 0 },
	};
	/* page_owner_sort's short sort flags and the key each one appends. */
	static const char *const short_keys[128] = {
		['a'] = "at", ['m'] = "-m", ['n'] = "n", ['p'] = "p",
		['P'] = "tg", ['s'] = "st", ['t'] = "-t", ['r'] = "ft", ['M'] = "mod",
	};
	static const char shortopts[] = SHORTOPTS;
	int opt, err = 0;

	opterr = 0;	/* our messages name the program the same way however it was run */
	while ((opt = getopt_long(argc, argv, ":" SHORTOPTS, longopts, NULL)) != -1) {
		const char *name = NULL, *more = "";

		/* Filled by the setter that refuses its argument (code: its error). */
		c->detail = PGS_INIT(pgs_error_detail);

		switch (opt) {
		case 'a': case 'm': case 'n': case 'p': case 'P': case 's': case 't': case 'r':
		case 'M':
			err = add_short_sort(c, short_keys[opt]);
			break;
		case 'd':
			c->verbose = true;
			break;
		case 'f':
			pgs_query_select_unreleased(c->q, 1);
			c->selecting |= SEL_UNRELEASED;
			break;
		case 'q':
			c->quiet = true;
			break;
		case 'j': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg == '\0' || *end || v > 1024) {
				fprintf(stderr, "%s: -j takes a number of threads from 0 to 1024, not '%s'\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			c->threads = (unsigned)v;
			break;
		}
		case OPT_PID:
			err = pgs_query_select_pid(c->q, optarg);
			c->selecting |= SEL_PID;
			name = "--pid";
			break;
		case OPT_TGID:
			err = pgs_query_select_tgid(c->q, optarg);
			c->selecting |= SEL_TGID;
			name = "--tgid";
			break;
		case OPT_NAME:
			err = pgs_query_select_name(c->q, optarg);
			c->selecting |= SEL_NAME;
			break;
		case OPT_MODULE:
			err = pgs_query_select_module(c->q, optarg);
			c->selecting |= SEL_MODULE;
			break;
		case OPT_CULL:
			err = pgs_query_set_cull(c->q, optarg);
			c->cull = optarg;
			name = "--cull";
			more = " (see --help-keys)";
			break;
		case OPT_SORT:
			err = add_short_sort(c, optarg);
			name = "--sort";
			more = " (see --help-keys)";
			break;
		case OPT_FORMAT: {
			int i;

			if (pgs_format_from_name(optarg, &c->format) == 0)
				break;
			/* The library's names: "(text, json, ... or html)". */
			fprintf(stderr, "%s: unknown --format '%s' (", prog, optarg);
			for (i = 0; pgs_format_name((enum pgs_format)i); i++)
				fprintf(stderr, "%s%s", !i ? "" :
					pgs_format_name((enum pgs_format)(i + 1)) ? ", " : " or ",
					pgs_format_name((enum pgs_format)i));
			fprintf(stderr, ")\n");
			return EXIT_USAGE;
		}
		case OPT_WEIGHT: {
			int i = name_index(optarg, weight_names, ARRAY_LEN(weight_names));

			if (i < 0) {
				fprintf(stderr, "%s: unknown --weight '%s' (pages, times or bytes)\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			c->weight = (enum pgs_weight)i;
			break;
		}
		case OPT_ICICLE:
			c->write_flags |= PGS_WRITE_ICICLE;
			break;
		case OPT_HUMAN:
			c->write_flags |= PGS_WRITE_HUMAN;
			break;
		case OPT_KEEP_OFFSETS:
			c->write_flags |= PGS_WRITE_KEEP_OFFSETS;
			break;
		case OPT_TITLE:
			c->title = optarg;
			break;
		case OPT_COLOR: {
			int i = name_index(optarg, color_names, ARRAY_LEN(color_names));

			if (i < 0) {
				fprintf(stderr, "%s: unknown --color '%s' (module or allocator)\n",
					prog, optarg);
				return EXIT_USAGE;
			}
			c->write_flags = i ? c->write_flags | PGS_WRITE_COLOR_ALLOCATOR :
					     c->write_flags & ~PGS_WRITE_COLOR_ALLOCATOR;
			break;
		}
		case OPT_STRICT:
			c->strict = true;
			break;
		case OPT_FORCE:
			c->force = true;
			break;
		case OPT_SAME_BOOT:
			if (!c->diff) {
				fprintf(stderr, "%s: --same-boot is an option of 'pgsort diff'\n", prog);
				return EXIT_USAGE;
			}
			c->same_boot = true;
			break;
		case OPT_NODE:
			err = pgs_query_select_node(c->q, optarg);
			c->selecting |= SEL_NODE;
			name = "--node";
			break;
		case OPT_TOP:
		case OPT_MIN_PAGES:
		case OPT_PAGE_SIZE: {
			unsigned long long v;

			if (parse_count(optarg, opt == OPT_PAGE_SIZE, &v) < 0) {
				fprintf(stderr, "%s: --%s takes a %s, not '%s'\n", prog,
					opt == OPT_TOP ? "top" : opt == OPT_MIN_PAGES ? "min-pages" : "page-size",
					opt == OPT_PAGE_SIZE ? "size in bytes (4096, 16K, 64K)" :
					"number", optarg);
				return EXIT_USAGE;
			}
			if (opt == OPT_TOP && v == 0) {
				/* head -n 0 prints nothing; "0 means all" would surprise. */
				fprintf(stderr, "%s: --top takes a number of groups from 1 (leave it "
					"out for all), not '%s'\n", prog, optarg);
				return EXIT_USAGE;
			}
			/* The page sizes of Linux: 4 KiB base pages to 1 GiB huge pages. */
			if (opt == OPT_PAGE_SIZE &&
			    (v < 4096 || v > (1ULL << 30) || (v & (v - 1)))) {
				fprintf(stderr, "%s: --page-size takes a power of two from 4K to 1G "
					"(4096, 16K, 64K, 2M, 1G), not '%s'\n", prog, optarg);
				return EXIT_USAGE;
			}
			if (opt == OPT_TOP)
				pgs_query_set_top(c->q, (size_t)v);
			else if (opt == OPT_MIN_PAGES)
				pgs_query_set_min_pages(c->q, c->min_pages = v);
			else
				err = pgs_query_set_page_size(c->q, v);
			break;
		}
		case OPT_FILTER:
			/* The detail: the message, a caret under where it went wrong. */
			err = pgs_query_add_filter(c->q, optarg, NULL);
			c->selecting |= SEL_FILTER;
			name = "--filter";
			break;
		case OPT_STRIP:
			pgs_query_set_strip_offsets(c->q, 1);
			break;
		case OPT_CS_SKIP:
			err = pgs_query_set_callsite_skip(c->q, optarg);
			name = "--callsite-skip";
			break;
		case OPT_STACKS:
			c->stacks = optarg;
			break;
		case OPT_HELP_KEYS:
			help_keys();
			exit(0);
		case OPT_LIST:
			exit(list_words(c, optarg, longopts, shortopts));
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("pgsort %s\n", pgs_version());
			exit(0);
		default:
			/*
			 * With the leading ':' getopt returns ':' for a missing
			 * argument and '?' for the rest; optopt is then the option's
			 * value (a long option's is not a character), or 0 for an
			 * unknown long option.
			 */
			if (opt == ':')
				fprintf(stderr, "%s: option '%s' needs an argument\n", prog, argv[optind - 1]);
			else if (optopt > 0 && optopt < 128 && isprint(optopt) && !strchr(SHORTOPTS, optopt))
				fprintf(stderr, "%s: unknown option -%c\n", prog, optopt);
			else if (optopt)
				fprintf(stderr, "%s: option '%s' takes no argument\n", prog, argv[optind - 1]);
			else
				fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[optind - 1]);
			fprintf(stderr, "Try '%s --help'.\n", prog);
			return EXIT_USAGE;
		}
		if (err && name && c->detail.code == err && err != -ENOMEM) {
			bad_arg(name, optarg, &c->detail, more);
			return EXIT_USAGE;
		}
		if (err) {
			/* Out of memory, or a library older than 0.4 (no detail). */
			if (err == PGS_E_KEY || err == -EINVAL || err == PGS_E_FILTER)
				fprintf(stderr, "%s: wrong argument '%s': %s\n", prog, optarg,
					pgs_strerror(err));
			else
				fprintf(stderr, "%s: %s\n", prog, pgs_strerror(err));
			return EXIT_USAGE;
		}
	}
	if (c->diff)
		return diff_args(c, argc - optind, argv + optind);
	/*
	 * A graph's widths are its weight: unless told otherwise, rank by it,
	 * so that --top keeps the widest groups, not the most frequent ones.
	 */
	if (!c->sorted && (c->format == PGS_FORMAT_SVG || c->format == PGS_FORMAT_HTML) &&
	    pgs_query_add_sort(c->q, c->weight == PGS_WEIGHT_TIMES ? "-times" : "-pages") < 0) {
		fprintf(stderr, "%s: %s\n", prog, pgs_strerror(-ENOMEM));
		return EXIT_OUTPUT;
	}
	if (argc - optind > 2) {
		fprintf(stderr, "%s: too many arguments (at most INPUT and OUTPUT)\nTry '%s --help'.\n",
			prog, prog);
		return EXIT_USAGE;
	}
	c->input = optind < argc ? argv[optind] : "-";
	c->output = optind + 1 < argc ? argv[optind + 1] : "-";
	if (c->stacks && strcmp(c->stacks, "-") == 0 && strcmp(c->input, "-") == 0) {
		fprintf(stderr, "%s: --stacks - and INPUT - cannot both be standard input\n", prog);
		return EXIT_USAGE;
	}
	if (strcmp(c->input, "-") == 0 && isatty(0)) {
		fprintf(stderr, "%s: no INPUT given and standard input is a terminal\n", prog);
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The temporary file being written, removed if a signal ends the run so
 * that nothing half-written is left beside OUTPUT.
 */
static char *volatile pending_tmp;

static void on_fatal_signal(int sig)
{
	char *tmp = pending_tmp;

	if (tmp)
		unlink(tmp);	/* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* Past a file size limit, write() should fail with EFBIG, not kill us. */
	signal(SIGXFSZ, SIG_IGN);
}

/* The bytes an existing OUTPUT is judged on: its first records. */
#define PEEK_BYTES (64u * 1024)

/*
 * A text report of page_owner_sort or pgsort: its first line that is not
 * blank is "N times, M pages..." (or "N times:" before 5.19). Such a
 * report holds page_owner headers, so the kind detection alone would take
 * it for a dump; it is the file a second run is expected to replace.
 */
static bool is_text_report(const char *b, size_t n)
{
	const char *p = b, *end = b + n;

	while (p < end && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return (size_t)(end - p) >= 7 && memcmp(p, " times", 6) == 0 && (p[6] == ',' || p[6] == ':');
}

/*
 * What the existing regular file at path holds, when it is something no
 * report should replace: page_owner input ("a page_owner dump", "show_stacks
 * input") or compressed data; NULL otherwise (a report, anything else, a
 * file that cannot be read). *diff_hint: suggest pgsort diff. pprof: the
 * new file is gzip itself (so gzip data is not refused).
 */
const char *input_like(const char *path, bool pprof, char *what, size_t whatsz, bool *diff_hint)
{
	static char buf[PEEK_BYTES];
	enum pgs_kind kind;
	const char *z;
	ssize_t n;
	size_t len;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return NULL;
	len = (size_t)n;
	*diff_hint = false;
	/* Compressed data pgsort never writes (gzip: its pprof is gzip). */
	z = pgs_compression_name(buf, len);
	if (z && !(strcmp(z, "gzip") == 0 && pprof)) {
		snprintf(what, whatsz, "%s-compressed data (a compressed dump?%s)", z,
			 strcmp(z, "gzip") == 0 ? " pgsort writes gzip only with --format=pprof" : "");
		return what;
	}
	if (is_text_report(buf, len))
		return NULL;
	/* Only whole lines: the last one may have been cut by the read. */
	if (len == sizeof(buf)) {
		const char *nl = memrchr(buf, '\n', len);

		len = nl ? (size_t)(nl - buf) + 1 : len;
	}
	if (pgs_detect_kind(buf, len, &kind) != 0)
		return NULL;
	*diff_hint = true;
	if (kind == PGS_KIND_PAGE_OWNER)
		snprintf(what, whatsz, "a page_owner dump");
	else
		snprintf(what, whatsz, "page_owner_stacks input (%s)", pgs_kind_name(kind));
	return what;
}

/* Operand i of check_operands(): its name and where it is. */
struct operand {
	const char *label;	/* "INPUT", "BEFORE", "--stacks FILE" */
	const char *path;
};

/* stat() of path, or of descriptor fd for "-". Returns 0 or -1. */
static int stat_operand(const char *path, int fd, struct stat *st)
{
	return strcmp(path, "-") == 0 ? fstat(fd, st) : stat(path, st);
}

/*
 * Before anything is read: the operands must not overwrite what the user
 * keeps. OUTPUT (or a regular standard output) must not be an input file;
 * an existing OUTPUT must be one the user could write with a shell's '>'
 * and not page_owner input (unless --force); pprof, binary, not to a
 * terminal (unless --force). Returns 0 or an exit status, the reason said.
 */
static int check_operands(const struct cli *c)
{
	struct operand in[3] = { { c->diff ? "BEFORE" : "INPUT", c->input } };
	const char *out = c->output;
	bool to_stdout = strcmp(out, "-") == 0, hint;
	struct stat ost, ist;
	size_t i, n = 1;
	char what[160];
	bool have;

	if (c->diff)
		in[n++] = (struct operand){ "AFTER", c->after };
	if (c->stacks)
		in[n++] = (struct operand){ "--stacks FILE", c->stacks };
	have = stat_operand(out, 1, &ost) == 0;
	if (have && S_ISREG(ost.st_mode)) {
		for (i = 0; i < n; i++) {
			if (stat_operand(in[i].path, 0, &ist) < 0 || !S_ISREG(ist.st_mode) ||
			    ist.st_dev != ost.st_dev || ist.st_ino != ost.st_ino)
				continue;
			if (to_stdout)
				fprintf(stderr, "%s: standard output is %s %s itself: refusing to "
					"write the report into the file it reads\n", prog, in[i].label,
					strcmp(in[i].path, "-") ? in[i].path : "(standard input)");
			else
				fprintf(stderr, "%s: %s %s and OUTPUT %s are the same file: refusing "
					"to replace what it reads\n", prog, in[i].label,
					strcmp(in[i].path, "-") ? in[i].path : "(standard input)", out);
			return EXIT_USAGE;
		}
	}
	if (c->format == PGS_FORMAT_PPROF && !c->diff && !c->force) {
		int fd = to_stdout ? 1 : have && S_ISCHR(ost.st_mode) ?
			 open(out, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) : -1;
		bool tty = fd >= 0 && isatty(fd);

		if (!to_stdout && fd >= 0)
			close(fd);
		if (tty) {
			fprintf(stderr, "%s: --format=pprof is binary (gzip): not writing it to a "
				"terminal; give OUTPUT or redirect it (> profile.pb.gz), or use --force\n",
				prog);
			return EXIT_USAGE;
		}
	}
	if (to_stdout || !have || !S_ISREG(ost.st_mode))
		return 0;
	if (!c->force && input_like(out, c->format == PGS_FORMAT_PPROF, what, sizeof(what), &hint)) {
		fprintf(stderr, "%s: OUTPUT %s is %s, not a report: not replacing it (--force "
			"would)\n", prog, out, what);
		if (hint && !c->diff)
			fprintf(stderr, "%s: to compare two snapshots: %s diff %s %s\n", prog, prog,
				c->input, out);
		return EXIT_USAGE;
	}
	/* The rename would replace a file that a shell's '>' could not open. */
	if (faccessat(AT_FDCWD, out, W_OK, AT_EACCESS) < 0) {
		fprintf(stderr, "%s: cannot write %s: %s: not replacing it\n", prog, out,
			strerror(errno));
		return EXIT_OUTPUT;
	}
	return 0;
}

/* The report of r, or of the diff d, to OUTPUT. */
static int write_report(struct cli *c, const struct pgs_result *r, const struct pgs_diff *d)
{
	struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
	char *target = NULL, *tmp = NULL;
	int fd = 1, err, saved = 0;
	const char *where = strcmp(c->output, "-") ? c->output : "standard output";

	wo.format = c->format;
	wo.input_name = c->input;
	wo.flags = c->write_flags;
	wo.weight = c->weight;
	wo.title = c->title;
	if (strcmp(c->output, "-") != 0) {
		err = output_open(c->output, &target, &tmp, &fd, &pending_tmp);
		if (err) {
			fprintf(stderr, "%s: cannot create %s: %s\n", prog, c->output,
				strerror(-err));
			free(target);
			free(tmp);
			return EXIT_OUTPUT;
		}
	}
	err = d ? pgs_diff_write(d, &wo, fd_sink, &fd) : pgs_result_write(r, &wo, fd_sink, &fd);
	saved = errno;
	if (fd != 1) {
		if (!err && tmp && fsync(fd) < 0 && errno != EINVAL)
			err = PGS_E_WRITE, saved = errno;
		if (close(fd) < 0 && !err)
			err = PGS_E_WRITE, saved = errno;
		if (!err && tmp && rename(tmp, target) < 0)
			err = PGS_E_WRITE, saved = errno;
		if (err && tmp)
			unlink(tmp);
	}
	pending_tmp = NULL;
	free(tmp);
	free(target);
	if (err == -ENOTSUP && d) {
		fprintf(stderr, "%s: diff: --format=%s is not available for a diff\n", prog,
			pgs_format_name(c->format));
		return EXIT_USAGE;
	}
	if (err) {
		fprintf(stderr, "%s: cannot write %s: %s\n", prog, where,
			err == PGS_E_WRITE && saved ? strerror(saved) : pgs_strerror(err));
		return EXIT_OUTPUT;
	}
	return 0;
}

/*
 * Read path into *t with the options of po (its name set here). Returns 0
 * or an exit status, the reason printed.
 */
static int read_table(struct cli *c, const char *path, struct pgs_parse_opts *po,
		      struct pgs_table **t)
{
	int err;

	po->name = strcmp(path, "-") ? path : "<stdin>";
	c->error_shown = false;
	c->last_progress = 0;
	err = pgs_table_open_file(t, path, po);
#ifdef __GLIBC__
	/*
	 * The parse threads' shards are freed into those threads' malloc
	 * arenas, which keep them (some 10 MB on a dump of distinct stacks):
	 * given back before the query allocates in this one.
	 */
	malloc_trim(0);
#endif
	if (c->last_progress)
		fprintf(stderr, "\r\033[K");
	if (err) {
		if (!c->error_shown)
			fprintf(stderr, "%s: %s: %s\n", prog, po->name, pgs_strerror(err));
		return err == -ENOMEM ? EXIT_OUTPUT : EXIT_INPUT;
	}
	return 0;
}

/*
 * What the CLI reads of a table's summary: never its distinct stack and
 * frame counts, which would split every stack into frames.
 */
static void table_info(const struct pgs_table *t, struct pgs_table_info *info)
{
	info->flags = PGS_INFO_NO_COUNTS;
	pgs_table_info(t, info);
}

/*
 * --stacks FILE: read it with the input's options (diagnostics under its
 * own name) and give t's handles their frames. Kinds are checked here, not
 * left to the library, to say which of the two files is the wrong one.
 * Returns 0 or an exit status.
 */
static int join_stacks(struct cli *c, struct pgs_table *t, const struct pgs_parse_opts *in)
{
	struct pgs_parse_opts po = *in;
	struct pgs_table_info ti = PGS_INIT(pgs_table_info), mi = PGS_INIT(pgs_table_info);
	struct pgs_table *map = NULL;
	int err, status;

	table_info(t, &ti);
	if (ti.kind != PGS_KIND_PAGE_OWNER && ti.kind != PGS_KIND_SHOW_HANDLES) {
		fprintf(stderr, "%s: --stacks needs INPUT to be a page_owner dump or "
			"show_handles; %s is %s\n", prog, in->name, pgs_kind_name(ti.kind));
		return EXIT_USAGE;
	}
	status = read_table(c, c->stacks, &po, &map);
	if (status)
		return status;
	table_info(map, &mi);
	if (mi.kind != PGS_KIND_SHOW_STACKS_HANDLES) {
		fprintf(stderr, "%s: --stacks FILE must be page_owner_stacks/show_stacks_handles; "
			"%s is %s\n", prog, po.name, pgs_kind_name(mi.kind));
		pgs_table_free(map);
		return EXIT_USAGE;
	}
	c->stacks_damage = mi.skipped + mi.unknown_lines;
	err = pgs_table_join_stacks(t, map, &c->unresolved);
	pgs_table_free(map);
	if (err) {
		fprintf(stderr, "%s: %s\n", prog, pgs_strerror(err));
		return EXIT_OUTPUT;	/* only -ENOMEM: the kinds are right */
	}
	if (c->unresolved && !c->quiet)
		fprintf(stderr, "%s: warning: %llu handle%s not found in %s; their records "
			"keep 'handle: N' as their stack\n", prog,
			(unsigned long long)c->unresolved, c->unresolved == 1 ? "" : "s", po.name);
	return 0;
}

/* read_table(), then joining --stacks FILE. */
static int open_input(struct cli *c, const char *path, struct pgs_parse_opts *po,
		      struct pgs_table **t)
{
	int status = read_table(c, path, po, t);

	if (!status && !c->stacks && !c->quiet) {
		struct pgs_table_info ti = PGS_INIT(pgs_table_info);

		/* Its stacks are real, its "0 pages" only the file's lack of counts. */
		table_info(*t, &ti);
		if (ti.kind == PGS_KIND_SHOW_STACKS_HANDLES)
			fprintf(stderr, "%s: warning: %s is show_stacks_handles, which has no page "
				"counts (every stack shows 0 pages): give it with --stacks to "
				"resolve the handles of show_handles or of a handle-mode dump\n",
				prog, po->name);
	}
	return !status && c->stacks ? join_stacks(c, *t, po) : status;
}

/* The option that gave the detail's key: "--cull=pid", "-a (or --sort=alloc_ts)". */
static void option_of(const struct pgs_error_detail *e, char *opt, size_t optsz)
{
	/* Short sort flags, to name the one that may have added the key. */
	static const char *const flag_of[][2] = {
		{ "pid", "-p" }, { "tgid", "-P" }, { "name", "-n" }, { "stacktrace", "-s" },
		{ "alloc_ts", "-a" }, { "free_ts", "-r" }, { "module", "-M" },
	};
	size_t i;

	switch (e->origin) {
	case PGS_ORIGIN_CULL:
		snprintf(opt, optsz, "--cull=%s", e->key);
		break;
	case PGS_ORIGIN_SORT:
		snprintf(opt, optsz, "--sort=%s", e->key);
		for (i = 0; i < ARRAY_LEN(flag_of); i++)
			if (strcmp(e->key, flag_of[i][0]) == 0)
				snprintf(opt, optsz, "%s (or --sort=%s)", flag_of[i][1], e->key);
		break;
	case PGS_ORIGIN_FILTER:
		snprintf(opt, optsz, "--filter on %s", e->key);
		break;
	case PGS_ORIGIN_SELECT:
		snprintf(opt, optsz, "--%s", e->key);
		break;
	case PGS_ORIGIN_UNRELEASED:
		snprintf(opt, optsz, "-f");
		break;
	default:
		snprintf(opt, optsz, "key %s", e->key);
	}
}

/*
 * Options that need a field the input lacks: which option, which key, what
 * the input is (from the query's error detail). who: "" or "diff: AFTER ".
 */
static void no_field(const struct cli *c, const char *who, const char *name,
		     const struct pgs_table *t)
{
	const struct pgs_error_detail *e = &c->detail;
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	char opt[64];

	if (!e->key) {
		/* Not filled (an older library would not): the generic reason. */
		table_info(t, &info);
		fprintf(stderr, "%s: %s%s: the options need a field this %s input (era %s) does "
			"not have\n", prog, who, name, pgs_kind_name(info.kind), info.era);
		return;
	}
	option_of(e, opt, sizeof(opt));
	fprintf(stderr, "%s: %s%s: %s %s\n", prog, who, name, opt, e->message);
}

/* pgs_query_run()'s -EOVERFLOW: the detail says why. */
static void too_many_bytes(const struct cli *c, const char *name)
{
	fprintf(stderr, "%s: %s: %s (a smaller --page-size?)\n", prog, name,
		c->detail.code == -EOVERFLOW ? c->detail.message :
		"its pages times the page size exceed 2^64 bytes");
}

/* --strict: exit 2 when the input (or --stacks FILE) was not all understood. */
static int check_strict(const struct cli *c, const char *name, const struct pgs_table *t)
{
	struct pgs_table_info info = PGS_INIT(pgs_table_info);

	table_info(t, &info);
	if (c->strict && (info.skipped || info.unknown_lines)) {
		fprintf(stderr, "%s: %s: --strict: %llu records skipped, %llu lines not understood\n",
			prog, name, (unsigned long long)info.skipped,
			(unsigned long long)info.unknown_lines);
		return EXIT_INPUT;
	}
	if (c->strict && c->stacks_damage) {
		fprintf(stderr, "%s: %s: --strict: %llu records skipped or lines not understood\n",
			prog, c->stacks, (unsigned long long)c->stacks_damage);
		return EXIT_INPUT;
	}
	if (c->strict && c->unresolved) {
		fprintf(stderr, "%s: %s: --strict: %llu handle%s not found\n", prog, c->stacks,
			(unsigned long long)c->unresolved, c->unresolved == 1 ? "" : "s");
		return EXIT_INPUT;
	}
	return 0;
}

/*
 * A selection that kept nothing, or groups all under --min-pages: say so
 * (the exit status stays 0, as for an empty grep -c). selected: blocks
 * that passed; groups: those shown.
 */
static void say_empty(const struct cli *c, const char *who, const char *name,
		      const struct pgs_table *t, uint64_t selected, size_t groups)
{
	static const char *const opts[] = { "--pid", "--tgid", "--name", "--filter", "--node", "-f",
					     "--module" };
	struct pgs_table_info info = PGS_INIT(pgs_table_info);
	char list[80] = "";
	size_t i, n = 0;

	if (c->quiet)
		return;
	table_info(t, &info);
	if (selected == 0 && c->selecting) {
		for (i = 0; i < ARRAY_LEN(opts); i++)
			if (c->selecting & (1u << i))
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "",
						      opts[i]);
		fprintf(stderr, "%s: %s%s: warning: none of its %llu %ss matches %s%s\n", prog, who,
			name, (unsigned long long)info.records,
			info.kind == PGS_KIND_PAGE_OWNER ? "block" : "record", list,
			*who ? "" : ": the report is empty");
	} else if (selected && groups == 0 && c->min_pages) {
		fprintf(stderr, "%s: %s%s: warning: no group %s --min-pages %llu%s\n", prog,
			who, name, *who ? "changed by" : "reaches", c->min_pages,
			*who ? "" : ": the report is empty");
	}
}

/* Whether the key named name means something only within one boot. */
static bool key_is_boot(const char *name)
{
	struct pgs_key_info k = PGS_INIT(pgs_key_info);
	size_t i;

	for (i = 0; pgs_key_info(i, &k) == 0; i++)
		if (strcmp(k.long_name, name) == 0)
			return k.use & PGS_KEY_BOOT;
	return false;
}

/* pgsort diff BEFORE AFTER: the query on both, then the diff's report. */
static int run_diff(struct cli *c, struct pgs_parse_opts *po)
{
	struct pgs_diff_opts o = PGS_INIT(pgs_diff_opts);
	struct pgs_table *t[2] = { NULL, NULL };
	const char *path[2] = { c->input, c->after };
	char *name[2] = { NULL, NULL };
	struct pgs_diff *d = NULL;
	int status = 0, strict = 0, err, k;

	for (k = 0; k < 2 && !status; k++) {
		status = open_input(c, path[k], po, &t[k]);
		if (!status && !(name[k] = strdup(po->name)))
			status = EXIT_OUTPUT;
		if (!status && !strict)
			strict = check_strict(c, po->name, t[k]);
		c->unresolved = c->stacks_damage = 0;
	}
	if (status)
		goto out;
	o.flags = c->same_boot ? PGS_DIFF_SAME_BOOT : 0;
	o.sort = c->sort;
	err = pgs_diff_run(c->q, t[0], t[1], &o, &d);
	if (err == PGS_E_KEY && c->detail.offset != PGS_OFFSET_NONE && c->sort) {
		/* A diff sort key it does not know: where in --sort (all -X flags too). */
		bad_arg("diff: --sort", c->sort, &c->detail, " (see --help-keys)");
		status = EXIT_USAGE;
	} else if (err == PGS_E_KEY && c->detail.key) {
		/* The detail names the key, how it was given and why. */
		char opt[64];

		option_of(&c->detail, opt, sizeof(opt));
		fprintf(stderr, "%s: diff: %s: %s %s%s\n", prog, opt, c->detail.key,
			c->detail.message, key_is_boot(c->detail.key) ? " (--same-boot)" : "");
		status = EXIT_USAGE;
	} else if (err == -EINVAL && c->detail.code == -EINVAL) {
		/* Inputs of two kinds: the detail names both. */
		fprintf(stderr, "%s: diff: BEFORE %s, AFTER %s: %s\n", prog, name[0], name[1],
			c->detail.message);
		status = EXIT_USAGE;
	} else if (err == PGS_E_NOFIELD) {
		/* Which of the two lacks it: the error detail tells. */
		k = c->detail.input == 1 ? 0 : 1;
		no_field(c, k ? "diff: AFTER " : "diff: BEFORE ", name[k], t[k]);
		status = EXIT_USAGE;
	} else if (err == -EOVERFLOW) {
		too_many_bytes(c, name[c->detail.input == 1 ? 0 : 1]);
		status = EXIT_INPUT;
	} else if (err) {
		fprintf(stderr, "%s: %s\n", prog, pgs_strerror(err));
		status = EXIT_OUTPUT;
	}
	if (!status) {
		struct pgs_diff_group tot = PGS_INIT(pgs_diff_group);

		pgs_diff_totals(d, &tot);
		say_empty(c, "diff: BEFORE ", name[0], t[0], tot.times_before, 1);
		say_empty(c, "diff: AFTER ", name[1], t[1], tot.times_after, pgs_diff_count(d));
		status = write_report(c, NULL, d);
	}
	if (!status)
		status = strict;
out:
	pgs_diff_free(d);
	pgs_table_free(t[0]);
	pgs_table_free(t[1]);
	free(name[0]);
	free(name[1]);
	return status;
}

int main(int argc, char **argv)
{
	struct pgs_parse_opts po = PGS_INIT(pgs_parse_opts);
	struct cli c = { 0 };
	struct pgs_table *t = NULL;
	struct pgs_result *r = NULL;
	int err, status;

	/* pgsort series ...: options of its own, many inputs (cli/series.c). */
	if (argc > 1 && strcmp(argv[1], "series") == 0)
		return series_main(argc - 1, argv + 1);
	if (pgs_query_create(&c.q) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_OUTPUT;
	}
	c.detail = PGS_INIT(pgs_error_detail);
	pgs_query_set_error_detail(c.q, &c.detail);
	/* pgsort record ...: a snapshot of the live kernel (cli/record.c). */
	if (argc > 1 && strcmp(argv[1], "record") == 0) {
		pgs_query_free(c.q);
		return record_main(prog, argc - 1, argv + 1);
	}
	/* pgsort top ...: the live view (cli/top.c). */
	if (argc > 1 && strcmp(argv[1], "top") == 0) {
		pgs_query_free(c.q);
		return top_main(prog, argc - 1, argv + 1);
	}
	/* pgsort diff ...: the same options, two inputs. */
	if (argc > 1 && strcmp(argv[1], "diff") == 0) {
		c.diff = true;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	status = parse_args(&c, argc, argv);
	if (!status)
		status = check_operands(&c);
	if (status)
		goto out;
	catch_signals();

	po.diag = c.quiet ? NULL : on_diag;
	po.diag_user = &c;
	po.diag_level = c.verbose ? PGS_DIAG_DEBUG : PGS_DIAG_WARN;
	po.threads = c.threads;
	if (isatty(2) && !c.quiet) {
		po.progress = on_progress;
		po.progress_user = &c;
	}
	pgs_query_set_threads(c.q, c.threads);
	if (c.diff) {
		status = run_diff(&c, &po);
		goto out;
	}
	status = open_input(&c, c.input, &po, &t);
	if (status)
		goto out;
	err = pgs_query_run(c.q, t, &r);
	if (err) {
		if (err == PGS_E_NOFIELD)
			no_field(&c, "", po.name, t);
		else if (err == -EOVERFLOW)
			too_many_bytes(&c, po.name);
		else
			fprintf(stderr, "%s: %s\n", prog, pgs_strerror(err));
		status = err == PGS_E_NOFIELD ? EXIT_USAGE : err == -EOVERFLOW ? EXIT_INPUT :
			 EXIT_OUTPUT;
		goto out;
	}
	say_empty(&c, "", po.name, t, pgs_result_records(r), pgs_result_count(r));
	status = write_report(&c, r, NULL);
	if (!status)
		status = check_strict(&c, po.name, t);
out:
	free(c.sort);
	pgs_result_free(r);
	pgs_table_free(t);
	pgs_query_free(c.q);
	return status;
}
