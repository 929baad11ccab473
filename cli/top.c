/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort top: the stacks holding the most pages, refreshed every --every
 * from the live kernel (show_handles and its dictionary by default, as
 * pgs_record() reads them), with their change since the start and since the
 * last refresh. --batch prints plain refreshes (logs, tests); otherwise the
 * terminal is redrawn, q quits, p pauses, s changes the order, and the
 * terminal is restored on exit and on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <pgsort/pgsort.h>

#include "top.h"

static const char usage[] =
"usage: pgsort top [OPTIONS]\n"
"The stacks holding the most pages in the live kernel, refreshed, with their\n"
"change since the start and since the last refresh (as root).\n"
"  --every D       refresh every D (default 2s; 500ms, 10s, 1m)\n"
"  --top N         show N stacks (default: the terminal's height, 20 in batch)\n"
"  --batch         plain refreshes on standard output, no terminal control\n"
"  --count N       stop after N refreshes\n"
"  --sort WHAT     pages (default), start (change since the start), last\n"
"  --debugfs DIR   where debugfs is mounted (default /sys/kernel/debug)\n"
"  --source WHAT   show_handles (default), show_stacks or page_owner\n"
"Keys: q quits, p pauses, s changes the order.\n";

struct ent {
	char *stack;		/* the stack's text */
	int64_t start, last, now;	/* pages at the start, last refresh, now (-1: absent) */
	bool seen;
};

struct top {
	struct ent *e;
	size_t n, cap;
	int64_t total0, total_last, total;
	int sort;		/* 0 pages, 1 since start, 2 since last */
};

static volatile int stop_flag;
static struct termios saved;
static bool raw_on;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void restore(void)
{
	if (raw_on) {
		tcsetattr(0, TCSANOW, &saved);
		fputs("\033[?25h\n", stdout);
		fflush(stdout);
		raw_on = false;
	}
}

static struct ent *find(struct top *tp, const char *s)
{
	size_t i;

	for (i = 0; i < tp->n; i++)
		if (!strcmp(tp->e[i].stack, s))
			return &tp->e[i];
	if (tp->n == tp->cap) {
		size_t cap = tp->cap ? 2 * tp->cap : 256;
		struct ent *ne = realloc(tp->e, cap * sizeof(*ne));

		if (!ne)
			return NULL;
		tp->e = ne;
		tp->cap = cap;
	}
	tp->e[tp->n] = (struct ent){ .stack = strdup(s), .start = -1, .last = -1, .now = 0 };
	return tp->e[tp->n].stack ? &tp->e[tp->n++] : NULL;
}

/* One read of the kernel into the entries' now. */
static int sample(struct top *tp, const struct pgs_record_opts *ro, const char *prog, bool first)
{
	struct pgs_table *t = NULL;
	struct pgs_query *q = NULL;
	struct pgs_result *r = NULL;
	struct pgs_group g = PGS_INIT(pgs_group);
	int fd = memfd_create("pgsort-top", MFD_CLOEXEC), err;
	size_t i;

	if (fd < 0)
		return -errno;
	err = pgs_record(fd, ro, NULL);
	if (!err && lseek(fd, 0, SEEK_SET) < 0)
		err = -errno;
	if (!err)
		err = pgs_table_open_fd(&t, fd, NULL);
	close(fd);
	if (!err)
		err = pgs_query_create(&q);
	if (!err)
		err = pgs_query_set_cull(q, "stacktrace");
	if (!err)
		err = pgs_query_run(q, t, &r);
	for (i = 0; i < tp->n; i++)
		tp->e[i].now = 0;
	tp->total = 0;
	for (i = 0; !err && i < pgs_result_count(r); i++) {
		struct ent *e;

		err = pgs_result_group(r, i, &g);
		e = err ? NULL : find(tp, pgs_table_string(t, g.stacktrace));
		if (!err && !e)
			err = -ENOMEM;
		if (!err) {
			e->now += (int64_t)g.pages;
			tp->total += (int64_t)g.pages;
		}
	}
	for (i = 0; !err && i < tp->n; i++) {
		if (first || tp->e[i].start < 0)
			tp->e[i].start = first ? tp->e[i].now : 0;
		if (first || tp->e[i].last < 0)
			tp->e[i].last = first ? tp->e[i].now : 0;
	}
	if (!err && first)
		tp->total0 = tp->total_last = tp->total;
	if (err && err != PGS_E_EMPTY)
		fprintf(stderr, "%s: top: %s\n", prog, pgs_strerror(err));
	pgs_result_free(r);
	pgs_query_free(q);
	pgs_table_free(t);
	return err == PGS_E_EMPTY ? 0 : err;
}

static int cmp_sort;

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int64_t kx = cmp_sort == 0 ? x->now : cmp_sort == 1 ? x->now - x->start : x->now - x->last;
	int64_t ky = cmp_sort == 0 ? y->now : cmp_sort == 1 ? y->now - y->start : y->now - y->last;

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(x->stack, y->stack);
}

/* The page allocator's own frames, left out at the top of a stack's line. */
static bool allocator_frame(const char *s)
{
	static const char *const own[] = {
		"post_alloc_hook", "prep_new_page", "get_page_from_freelist", "__alloc_pages",
		"alloc_pages", "__alloc_frozen_pages", "alloc_frozen_pages", "__folio_alloc",
		"folio_alloc", "alloc_pages_mpol", "__alloc_pages_noprof",
	};
	size_t i;

	while (*s == ' ')
		s++;
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strncmp(s, own[i], strlen(own[i])) &&
		    (s[strlen(own[i])] == '+' || s[strlen(own[i])] == '_'))
			return true;
	return false;
}

/*
 * The stack on one line: its frames from the innermost, " < " between,
 * the page allocator's own frames at the top left out.
 */
static void one_line(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	while (*s && allocator_frame(s) && strchr(s, '\n'))
		s = strchr(s, '\n') + 1;
	while (*s && o + 4 < cap) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);

		while (l && *s == ' ') {
			s++;
			l--;
		}
		if (o)
			o += (size_t)snprintf(out + o, cap - o, " < ");
		if (o + l >= cap)
			l = cap - o - 1;
		memcpy(out + o, s, l);
		o += l;
		s += l;
		if (*s == '\n')
			s++;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

static void show(struct top *tp, size_t top, unsigned long refresh, bool batch, int width,
		 bool paused)
{
	static const char *const order[] = { "pages", "change since start", "change since last" };
	char when[32], line[4096];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cmp_sort = tp->sort;
	qsort(tp->e, tp->n, sizeof(*tp->e), cmp_ent);
	if (!batch)
		fputs("\033[H\033[2J", stdout);
	printf("refresh %lu at %s: %lld pages (%+lld since start, %+lld since last)%s, by %s\n",
	       refresh, when, (long long)tp->total, (long long)(tp->total - tp->total0),
	       (long long)(tp->total - tp->total_last), paused ? " [paused]" : "", order[tp->sort]);
	printf("%10s %9s %9s  %s\n", "PAGES", "+START", "+LAST", "STACK (innermost first, below the page allocator)");
	for (i = 0; i < tp->n && i < top; i++) {
		struct ent *e = &tp->e[i];

		if (!e->now && !e->start && !e->last)
			continue;
		one_line(e->stack, line, width > 40 && (size_t)width - 32 < sizeof(line) ?
			 (size_t)width - 32 : sizeof(line));
		printf("%10lld %+9lld %+9lld  %s\n", (long long)e->now, (long long)(e->now - e->start),
		       (long long)(e->now - e->last), line);
	}
	if (batch)
		putchar('\n');
	fflush(stdout);
}

static int parse_ms(const char *s, uint64_t *ms)
{
	char *e;
	double v = strtod(s, &e);

	if (e == s || v <= 0 || v > 1e9)
		return -1;
	*ms = !strcmp(e, "ms") ? (uint64_t)v : !*e || !strcmp(e, "s") ? (uint64_t)(v * 1000) :
	      !strcmp(e, "m") ? (uint64_t)(v * 60000) : 0;
	return *ms ? 0 : -1;
}

int top_main(const char *prog, int argc, char **argv)
{
	enum { O_EVERY = 256, O_TOP, O_BATCH, O_COUNT, O_SORT, O_DEBUGFS, O_SOURCE };
	static const struct option longs[] = {
		{ "every", required_argument, NULL, O_EVERY },
		{ "top", required_argument, NULL, O_TOP },
		{ "batch", no_argument, NULL, O_BATCH },
		{ "count", required_argument, NULL, O_COUNT },
		{ "sort", required_argument, NULL, O_SORT },
		{ "debugfs", required_argument, NULL, O_DEBUGFS },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct pgs_record_opts ro = PGS_INIT(pgs_record_opts);
	struct top tp = { 0 };
	uint64_t every = 2000;
	unsigned long count = 0, n;
	size_t top = 0;
	bool batch = false, paused = false;
	struct sigaction sa = { 0 };
	int opt, err = 0, width = 160;
	size_t i;

	ro.source = PGS_RECORD_SHOW_HANDLES;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		char *e;

		switch (opt) {
		case O_EVERY:
			if (parse_ms(optarg, &every) < 0) {
				fprintf(stderr, "%s: top: --every: '%s': want a duration such as 2s or 500ms\n",
					prog, optarg);
				return 1;
			}
			break;
		case O_TOP:
		case O_COUNT: {
			unsigned long v = strtoul(optarg, &e, 10);

			if (*e || e == optarg || !v || optarg[0] == '-') {
				fprintf(stderr, "%s: top: --%s: '%s': want a number, 1 or more\n", prog,
					opt == O_TOP ? "top" : "count", optarg);
				return 1;
			}
			if (opt == O_TOP)
				top = v;
			else
				count = v;
			break;
		}
		case O_BATCH: batch = true; break;
		case O_SORT:
			tp.sort = !strcmp(optarg, "pages") ? 0 : !strcmp(optarg, "start") ? 1 :
				  !strcmp(optarg, "last") ? 2 : -1;
			if (tp.sort < 0) {
				fprintf(stderr, "%s: top: --sort: '%s': want pages, start or last\n",
					prog, optarg);
				return 1;
			}
			break;
		case O_DEBUGFS: ro.debugfs = optarg; break;
		case O_SOURCE:
			ro.source = !strcmp(optarg, "show_handles") ? PGS_RECORD_SHOW_HANDLES :
				    !strcmp(optarg, "show_stacks") ? PGS_RECORD_SHOW_STACKS :
				    !strcmp(optarg, "page_owner") ? PGS_RECORD_PAGE_OWNER : 99;
			if (ro.source == 99) {
				fprintf(stderr, "%s: top: --source: '%s': want show_handles, show_stacks "
					"or page_owner\n", prog, optarg);
				return 1;
			}
			break;
		case 'h': fputs(usage, stdout); return 0;
		default:
			fprintf(stderr, "%s: top: see pgsort top --help\n", prog);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: top: unexpected operand '%s'\n", prog, argv[optind]);
		return 1;
	}
	if (!batch && (!isatty(0) || !isatty(1))) {
		fprintf(stderr, "%s: top: not a terminal: use --batch\n", prog);
		return 1;
	}
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (!batch) {
		struct termios raw;
		const char *cols = getenv("COLUMNS"), *lines = getenv("LINES");

		if (tcgetattr(0, &saved) == 0) {
			raw = saved;
			raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
			raw.c_cc[VMIN] = 0;
			raw.c_cc[VTIME] = 0;
			tcsetattr(0, TCSANOW, &raw);
			raw_on = true;
			atexit(restore);
			fputs("\033[?25l", stdout);
		}
		width = cols && atoi(cols) > 40 ? atoi(cols) : 120;
		if (!top)
			top = lines && atoi(lines) > 4 ? (size_t)atoi(lines) - 3 : 20;
	}
	if (!top)
		top = 20;
	for (n = 1; !stop_flag; n++) {
		uint64_t waited = 0;

		if (!paused) {
			err = sample(&tp, &ro, prog, n == 1);
			if (err)
				break;
		}
		show(&tp, top, n, batch, width, paused);
		if (!paused) {
			for (i = 0; i < tp.n; i++)
				tp.e[i].last = tp.e[i].now;
			tp.total_last = tp.total;
		}
		if (count && n >= count)
			break;
		/* Wait for the next refresh, reading keys meanwhile. */
		while (!stop_flag && waited < every) {
			struct pollfd p = { .fd = 0, .events = POLLIN };
			char k;

			if (!batch && poll(&p, 1, 100) > 0 && read(0, &k, 1) == 1) {
				if (k == 'q' || k == 'Q') {
					stop_flag = 1;
				} else if (k == 'p' || k == 'P' || k == ' ') {
					paused = !paused;
					show(&tp, top, n, batch, width, paused);
				} else if (k == 's' || k == 'S') {
					tp.sort = (tp.sort + 1) % 3;
					show(&tp, top, n, batch, width, paused);
				}
			} else if (batch) {
				struct timespec ts = { 0, 100 * 1000000L };

				nanosleep(&ts, NULL);
			}
			waited += 100;
		}
	}
	restore();
	for (i = 0; i < tp.n; i++)
		free(tp.e[i].stack);
	free(tp.e);
	return err ? 2 : 0;
}
