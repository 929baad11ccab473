/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort top: the groups (--cull, default the stack) holding the most
 * pages, refreshed every --every from the live kernel (show_handles and its
 * dictionary by default, as pgs_record() reads them), with their change
 * since the start and since the last refresh: the groups are matched across
 * refreshes by their key values, through a series of three samples. --batch prints plain refreshes (logs, tests); otherwise the
 * terminal is redrawn, q quits, p pauses, s changes the order, and the
 * terminal is restored on exit and on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
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

#include "cli.h"
#include "top.h"

static const char usage[] =
"usage: pgsort top [OPTIONS]\n"
"The stacks (or --cull groups) holding the most pages in the live kernel,\n"
"refreshed, with their change since the start and since the last refresh\n"
"(as root).\n"
"  --every D       refresh every D (default 2s; 500ms, 10s, 1m)\n"
"  --top N         show N groups (default: the terminal's height, 20 in batch)\n"
"  --batch         plain refreshes on standard output, no terminal control\n"
"  --count N       stop after N refreshes\n"
"  --sort WHAT     pages (default), start (change since the start), last\n"
"  --cull KEYS     group by these keys (default stacktrace; the report's cull keys);\n"
"                  keys of each block (pid, name...) need --source page_owner\n"
"  --debugfs DIR   where debugfs is mounted (default /sys/kernel/debug)\n"
"  --source WHAT   show_handles (default), show_stacks or page_owner\n"
"  -h, --help      this help\n"
"Keys: q quits, p pauses, s changes the order.\n";

struct ent {
	char *label;		/* the group's key values on one line */
	int64_t start, last, now;	/* pages at the start, last refresh, now */
};

struct top {
	struct ent *e;
	size_t n, cap;
	int64_t total0, total_last, total;
	int sort;		/* 0 pages, 1 since start, 2 since last */
	/*
	 * The tables read at the start and at the last refresh: each refresh
	 * runs the query on them and on the new one as a series of three
	 * samples, which matches the groups by their key values (as pgsort
	 * diff and pgsort series do). NULL: that read held no records.
	 */
	struct pgs_table *start, *last;
	bool started;
	struct pgs_query *q;
	struct pgs_error_detail detail;
	const char *cull;	/* the --cull argument */
	char **keys;		/* its keys' long names, in its order */
	size_t nkeys;
	bool stack_only;	/* grouped by stacktrace alone: the default */
};

/*
 * The long names of the keys of cull (comma-separated, which
 * pgs_query_set_cull() has accepted), each once, in its order.
 */
static int cull_keys(struct top *tp, const char *cull)
{
	const char *p = cull;

	while (*p) {
		size_t l = strcspn(p, ","), i, k;
		struct pgs_key_info ki = PGS_INIT(pgs_key_info);
		const char *name = NULL;

		for (k = 0; pgs_key_info(k, &ki) == 0; k++)
			if ((strlen(ki.short_name) == l && !strncmp(p, ki.short_name, l)) ||
			    (strlen(ki.long_name) == l && !strncmp(p, ki.long_name, l)))
				name = ki.long_name;
		if (!name && l == 4 && !strncmp(p, "comm", 4))
			name = "name";
		for (i = 0; name && i < tp->nkeys; i++)
			if (!strcmp(tp->keys[i], name))
				name = NULL;
		if (name) {
			char **nk = realloc(tp->keys, (tp->nkeys + 1) * sizeof(*nk));

			if (!nk)
				return -ENOMEM;
			tp->keys = nk;
			tp->keys[tp->nkeys++] = (char *)name;	/* static storage */
		}
		p += l;
		if (*p == ',')
			p++;
	}
	tp->stack_only = tp->nkeys == 1 && !strcmp(tp->keys[0], "stacktrace");
	return 0;
}

static bool is_stack_key(const char *k)
{
	return !strcmp(k, "stacktrace") || !strcmp(k, "stack");
}

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

static int cmp_sort;

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int64_t kx = cmp_sort == 0 ? x->now : cmp_sort == 1 ? x->now - x->start : x->now - x->last;
	int64_t ky = cmp_sort == 0 ? y->now : cmp_sort == 1 ? y->now - y->start : y->now - y->last;

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(x->label, y->label);
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

/* A UINT value of key k as text: allocator's bits by name. */
static void uint_text(const char *k, uint64_t u, char *out, size_t cap)
{
	static const char *const names[] = { "CMA", "SLAB", "VMALLOC", "OTHERS" };
	size_t o = 0, i;

	if (strcmp(k, "allocator") != 0) {
		snprintf(out, cap, "%llu", (unsigned long long)u);
		return;
	}
	out[0] = '\0';
	for (i = 0; i < 4; i++)
		if (u & (1u << i))
			o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s%s", o ? "," : "",
					      names[i]);
}

/*
 * Group i's key values on one line, in the --cull order: "pid 74, name dd",
 * a stack as its frames from the innermost (one_line()); a stack alone
 * (the default) without its key's name.
 */
static char *label(const struct top *tp, const struct pgs_series *s, size_t i)
{
	char *out = NULL, *buf = NULL;
	size_t len = 0, k;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (k = 0; k < tp->nkeys; k++) {
		struct pgs_value v = PGS_INIT(pgs_value);
		const char *key = tp->keys[k];
		char num[64];

		if (pgs_series_value(s, i, key, &v) < 0)
			continue;
		if (!tp->stack_only)
			fprintf(f, "%s%s ", k ? ", " : "", key);
		switch (v.type) {
		case PGS_VALUE_NULL: fputs("(none)", f); break;
		case PGS_VALUE_INT: fprintf(f, "%lld", (long long)v.i); break;
		case PGS_VALUE_UINT:
			uint_text(key, v.u, num, sizeof(num));
			fputs(num, f);
			break;
		case PGS_VALUE_STRING:
			/* Not NUL-terminated: a copy for one_line(). */
			free(buf);
			/* Room for one_line()'s " < " (a frame's 2 more bytes at most). */
			buf = malloc(3 * v.len + 16);
			if (!buf)
				break;
			memcpy(buf, v.str, v.len);
			buf[v.len] = '\0';
			if (is_stack_key(key)) {
				one_line(buf, buf + v.len + 1, 2 * v.len + 15);
				fputs(buf + v.len + 1, f);
			} else {
				fputs(buf, f);
			}
			break;
		}
	}
	free(buf);
	if (fclose(f) != 0 || !out) {
		free(out);
		return NULL;
	}
	return out;
}

/* Read the kernel once into a new table in *t (NULL: no records). */
static int read_now(const struct pgs_record_opts *ro, struct pgs_table **t)
{
	int fd = memfd_create("pgsort-top", MFD_CLOEXEC), err;

	*t = NULL;
	if (fd < 0)
		return -errno;
	err = pgs_record(fd, ro, NULL);
	if (!err && lseek(fd, 0, SEEK_SET) < 0)
		err = -errno;
	if (!err)
		err = pgs_table_open_fd(t, fd, NULL);
	close(fd);
	return err == PGS_E_EMPTY ? 0 : err;
}

/*
 * One refresh: read the kernel, run the query on the start's, the last
 * refresh's and this table as a series of three samples (its groups
 * matched by their key values), the entries from its groups. Returns 0,
 * 1 (a usage error: the query cannot run on this input, said) or 2.
 */
static int sample(struct top *tp, const struct pgs_record_opts *ro, const char *prog)
{
	struct pgs_series_opts so = PGS_INIT(pgs_series_opts);
	struct pgs_series *s = NULL;
	struct pgs_table *now = NULL;
	/* Index of each of start, last, now among the series' samples (-1: none). */
	const struct pgs_table *tabs[3];
	int idx[3] = { -1, -1, -1 }, err, j, k;
	size_t i, n = 0;

	err = read_now(ro, &now);
	if (!tp->started) {
		tp->start = tp->last = now;
		tp->started = true;
	}
	tabs[0] = tp->start;
	tabs[1] = tp->last;
	tabs[2] = now;
	/* Handles, pfns and times mean the same across refreshes of one boot. */
	so.flags = PGS_SERIES_SAME_BOOT;
	if (!err)
		err = pgs_series_create(&s, tp->q, &so);
	for (j = 0; !err && j < 3; j++) {
		if (!tabs[j])
			continue;
		for (k = 0; k < j; k++)
			if (tabs[k] == tabs[j])
				idx[j] = idx[k];
		if (idx[j] < 0) {
			err = pgs_series_add(s, tabs[j], NAN);
			idx[j] = (int)n++;
		}
	}
	if (!err && n)
		err = pgs_series_finish(s);
	for (i = 0; i < tp->n; i++)
		free(tp->e[i].label);
	tp->n = 0;
	if (!err && n && pgs_series_count(s) > tp->cap) {
		struct ent *ne = realloc(tp->e, pgs_series_count(s) * sizeof(*ne));

		if (ne) {
			tp->e = ne;
			tp->cap = pgs_series_count(s);
		} else {
			err = -ENOMEM;
		}
	}
	for (i = 0; !err && n && i < pgs_series_count(s); i++) {
		const uint64_t *p = pgs_series_pages(s, i);
		struct ent *e = &tp->e[tp->n];

		e->label = label(tp, s, i);
		if (!e->label) {
			err = -ENOMEM;
			break;
		}
		e->start = idx[0] < 0 ? 0 : (int64_t)p[idx[0]];
		e->last = idx[1] < 0 ? 0 : (int64_t)p[idx[1]];
		e->now = idx[2] < 0 ? 0 : (int64_t)p[idx[2]];
		tp->n++;
	}
	if (!err) {
		int64_t tot[3] = { 0, 0, 0 };

		for (j = 0; n && j < 3; j++) {
			uint64_t pages = 0;

			if (idx[j] >= 0 && pgs_series_sample(s, (size_t)idx[j], NULL, &pages) == 0)
				tot[j] = (int64_t)pages;
		}
		tp->total0 = tot[0];
		tp->total_last = tot[1];
		tp->total = tot[2];
	}
	pgs_series_free(s);
	if (err == PGS_E_NOFIELD || (err == -EINVAL && tp->detail.code == -EINVAL)) {
		/* The query cannot run on what this source gives. */
		if (tp->detail.key)
			fprintf(stderr, "%s: top: --cull=%s %s%s\n", prog, tp->detail.key,
				tp->detail.message, ro->source != PGS_RECORD_PAGE_OWNER ?
				" (--source page_owner reads every block)" : "");
		else
			fprintf(stderr, "%s: top: %s\n", prog, tp->detail.message);
		if (now != tp->start && now != tp->last)
			pgs_table_free(now);
		return 1;
	}
	if (err) {
		fprintf(stderr, "%s: top: %s\n", prog, pgs_strerror(err));
		if (now != tp->start && now != tp->last)
			pgs_table_free(now);
		return 2;
	}
	/* This read is the next refresh's last. */
	if (tp->last != tp->start && tp->last != now)
		pgs_table_free(tp->last);
	tp->last = now;
	return 0;
}

static void show(struct top *tp, size_t top, unsigned long refresh, bool batch, int width,
		 bool paused)
{
	static const char *const order[] = { "pages", "change since start", "change since last" };
	char when[32];
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
	if (tp->stack_only) {
		printf("%10s %9s %9s  %s\n", "PAGES", "+START", "+LAST",
		       "STACK (innermost first, below the page allocator)");
	} else {
		printf("%10s %9s %9s  GROUP (", "PAGES", "+START", "+LAST");
		for (i = 0; i < tp->nkeys; i++)
			printf("%s%s", i ? ", " : "", tp->keys[i]);
		puts(")");
	}
	for (i = 0; i < tp->n && i < top; i++) {
		struct ent *e = &tp->e[i];
		/* A terminal's line holds the figures (32 columns) and what fits. */
		int room = batch ? -1 : width > 40 ? width - 32 : 8;

		printf("%10lld %+9lld %+9lld  %.*s\n", (long long)e->now,
		       (long long)(e->now - e->start), (long long)(e->now - e->last), room, e->label);
	}
	if (batch)
		putchar('\n');
	fflush(stdout);
}

#define TOP_SHORTOPTS "h"

/* The long options' vals. */
enum { O_EVERY = 256, O_TOP, O_BATCH, O_COUNT, O_SORT, O_DEBUGFS, O_SOURCE, O_CULL, O_LIST };

/*
 * pgsort top --list WHAT: the words an option takes, one a line, for the
 * shell completions (as pgsort --list does for the report).
 */
static int list_words(const char *prog, const char *what, const struct option *longs)
{
	static const char *const sorts[] = { "pages", "start", "last", NULL };
	static const char *const sources[] = { "show_handles", "show_stacks", "page_owner", NULL };
	struct pgs_key_info k = PGS_INIT(pgs_key_info);
	const char *const *w;
	size_t i;

	if (!strcmp(what, "options")) {
		list_options(TOP_SHORTOPTS, longs, (const int[]){ O_LIST }, 1);
	} else if (!strcmp(what, "sort") || !strcmp(what, "source")) {
		for (w = !strcmp(what, "sort") ? sorts : sources; *w; w++)
			printf("%s\n", *w);
	} else if (!strcmp(what, "cull")) {
		for (i = 0; pgs_key_info(i, &k) == 0; i++)
			if (k.use & PGS_KEY_CULL)
				printf("%s\n", k.long_name);
	} else {
		fprintf(stderr, "%s: top: --list takes options, cull, sort or source, not '%s'\n",
			prog, what);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 3;
}

int top_main(const char *prog, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "every", required_argument, NULL, O_EVERY },
		{ "top", required_argument, NULL, O_TOP },
		{ "batch", no_argument, NULL, O_BATCH },
		{ "count", required_argument, NULL, O_COUNT },
		{ "sort", required_argument, NULL, O_SORT },
		{ "debugfs", required_argument, NULL, O_DEBUGFS },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "cull", required_argument, NULL, O_CULL },
		{ "help", no_argument, NULL, 'h' },
		{ "list", required_argument, NULL, O_LIST },
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
	while ((opt = getopt_long(argc, argv, TOP_SHORTOPTS, longs, NULL)) != -1) {
		char *e;

		switch (opt) {
		case O_EVERY:
			if (parse_duration(optarg, &every) < 0) {
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
		case O_CULL: tp.cull = optarg; break;
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
		case O_LIST: return list_words(prog, optarg, longs);
		default:
			fprintf(stderr, "%s: top: see pgsort top --help\n", prog);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: top: unexpected operand '%s'\n", prog, argv[optind]);
		return 1;
	}
	if (!tp.cull)
		tp.cull = "stacktrace";
	tp.detail = PGS_INIT(pgs_error_detail);
	err = pgs_query_create(&tp.q);
	if (!err) {
		pgs_query_set_error_detail(tp.q, &tp.detail);
		err = pgs_query_set_cull(tp.q, tp.cull);
		if (err && tp.detail.code == err && err != -ENOMEM) {
			bad_arg("top: --cull", tp.cull, &tp.detail, " (see pgsort --help-keys)");
			pgs_query_free(tp.q);
			return 1;
		}
	}
	if (!err)
		err = cull_keys(&tp, tp.cull);
	if (err) {
		fprintf(stderr, "%s: top: %s\n", prog, pgs_strerror(err));
		pgs_query_free(tp.q);
		free(tp.keys);
		return 2;
	}
	if (!batch && (!isatty(0) || !isatty(1))) {
		fprintf(stderr, "%s: top: not a terminal: use --batch\n", prog);
		pgs_query_free(tp.q);
		free(tp.keys);
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
			err = sample(&tp, &ro, prog);
			if (err)
				break;
		}
		show(&tp, top, n, batch, width, paused);
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
		free(tp.e[i].label);
	free(tp.e);
	if (tp.last != tp.start)
		pgs_table_free(tp.last);
	pgs_table_free(tp.start);
	pgs_query_free(tp.q);
	free(tp.keys);
	return err;
}
