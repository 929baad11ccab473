/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort series [OPTIONS] INPUT...: many snapshots as per-group time
 * series, leak suspects first (libpgsort's pgs_series_*). Inputs are read
 * one at a time and freed once added, so a thousand dumps need the memory
 * of one.
 */
#include <errno.h>
#include <getopt.h>
#include <langinfo.h>	/* nl_langinfo */
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>	/* timegm */
#include <unistd.h>

#include <pgsort/pgsort.h>

#include "cli.h"
#include "series.h"

enum { EXIT_USAGE = 1, EXIT_INPUT = 2, EXIT_OUTPUT = 3 };

enum {
	OPT_CULL = 1, OPT_SORT, OPT_FILTER, OPT_TOP, OPT_MIN_PAGES, OPT_STRIP,
	OPT_STACKS, OPT_TIMES, OPT_FORMAT, OPT_ASCII, OPT_SAME_BOOT, OPT_PAGE_SIZE, OPT_TITLE, OPT_STACKED,
	OPT_HELP, OPT_LIST,
};

static const char *prog = "pgsort series";

/* One sample to read: its path and capture time (NAN: unknown). */
struct sample {
	const char *path;
	char *owned;	/* path, when made here ("FILE@N" of a series file) */
	double time;
	size_t given;	/* position on the command line, for a stable order */
	unsigned series;	/* samples of a series file (0: not one) */
};

struct scli {
	struct pgs_query *q;
	struct pgs_error_detail detail;
	const char *sort;
	const char **stacks;	/* --stacks FILE..., show_stacks_handles */
	size_t nstacks;
	const char *times;	/* --times FILE */
	const char *title;	/* --title TEXT */
	enum pgs_format format;
	unsigned flags;		/* PGS_WRITE_* */
	bool same_boot, quiet;
	bool per_row;		/* --filter or --cull: join each sample's handles */
	struct sample *in;
	size_t nin;
	bool error_shown;
};

static void usage(FILE *f)
{
	fputs(
"Usage: pgsort series [OPTIONS] INPUT...\n"
"Per-group time series of many snapshots (page_owner dumps, show_stacks,\n"
"show_handles with --stacks, compressed or not, pgsort record snapshots and\n"
"series files), leak suspects first. A series file is all its samples.\n"
"Samples are in capture order: that of --times when given, else that of the\n"
"snapshots' own times when every INPUT is a snapshot or series, else as given.\n"
"\n"
"  --cull KEYS         group by these keys (default: stacktrace)\n"
"  --sort [+|-]KEY,... score, growth, first, last, min, max (default -score,-growth)\n"
"  --filter EXPR       keep the blocks EXPR selects, in every sample\n"
"  --top N             show the first N groups\n"
"  --min-pages N       show groups whose max over the samples is >= N pages\n"
"  --strip-offsets     compare frames without +0xoff/0xsize (across builds)\n"
"  --stacks FILE       a show_stacks_handles file giving handles their frames;\n"
"                      may be repeated (a handle is looked up in each)\n"
"  --times FILE        the capture time of each INPUT in seconds, one a line in\n"
"                      the order of the INPUTs (the first field; '#' comments)\n"
"  --page-size BYTES   bytes per base page (default 4096)\n"
"  --format FMT        text (default), json, ndjson, csv (one row per group and\n"
"                      sample), svg, html (a line chart of the first 12 groups)\n"
"  --title TEXT        svg/html: the chart's title\n"
"  --stacked           svg/html: stacked areas instead of lines\n"
"  --ascii             text: an ASCII sparkline (default when the locale is not\n"
"                      UTF-8)\n"
"  --same-boot         allow keys that mean something only within one boot\n"
"  -q, --quiet         no warnings\n"
"  --help              this help\n"
"\n"
"Leak score = monotonicity x spread, 0..1: monotonicity = net growth /\n"
"(rises + falls), spread = 1 - largest rise / rises (see pgsort(1)).\n", f);
}

static void on_diag(const struct pgs_diag *d, void *user)
{
	static const char *const lvl[] = { "error", "warning", "info", "debug" };
	struct scli *c = user;

	if (d->level == PGS_DIAG_ERROR)
		c->error_shown = true;
	if (d->line)
		fprintf(stderr, "pgsort: %s:%llu: %s: %s\n", d->source,
			(unsigned long long)d->line, lvl[d->level], d->message);
	else
		fprintf(stderr, "pgsort: %s: %s: %s\n", d->source, lvl[d->level], d->message);
}

static int parse_ull(const char *opt, const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9' || (*out = strtoull(s, &end, 10), errno) || *end) {
		fprintf(stderr, "%s: wrong argument '%s' for %s: expected a number\n", prog, s, opt);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * --times FILE: one time per INPUT, in their order. Returns 0 or an exit
 * status, the reason printed with the file and line.
 */
static int read_times(struct scli *c)
{
	FILE *f = fopen(c->times, "r");
	char line[512];
	size_t n = 0, ln = 0;

	if (!f) {
		fprintf(stderr, "%s: --times %s: %s\n", prog, c->times, strerror(errno));
		return EXIT_INPUT;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t"), *end;
		double v;

		ln++;
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno || !isfinite(v) || (*end && !strchr(" \t\r\n", *end))) {
			fprintf(stderr, "%s: %s:%zu: expected a time in seconds as the first field, "
				"found '%.*s'\n", prog, c->times, ln, (int)strcspn(p, " \t\r\n"), p);
			fclose(f);
			return EXIT_INPUT;
		}
		if (n < c->nin)
			c->in[n].time = v;
		n++;
	}
	fclose(f);
	if (n != c->nin) {
		fprintf(stderr, "%s: --times %s gives %zu time%s for %zu INPUT%s\n", prog, c->times,
			n, n == 1 ? "" : "s", c->nin, c->nin == 1 ? "" : "s");
		return EXIT_INPUT;
	}
	return 0;
}

static int cmp_samples(const void *pa, const void *pb)
{
	const struct sample *a = pa, *b = pb;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return (a->given > b->given) - (a->given < b->given);
}

/* An INPUT, one sample until expand_series() says otherwise. */
static void add_input(struct scli *c, const char *path)
{
	c->in[c->nin].path = path;
	c->in[c->nin].time = NAN;
	c->in[c->nin].given = c->nin;
	c->nin++;
}

/* "2026-12-03T12:20:24.579241527Z" (a snapshot's time:) in seconds since the epoch. */
static double iso_time(const char *v)
{
	struct tm tm = { 0 };
	const char *p = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
	double frac = 0;

	if (!p)
		return NAN;
	if (*p == '.') {
		char *end;

		frac = strtod(p, &end);
		p = end;
	}
	return *p == 'Z' ? (double)timegm(&tm) + frac : NAN;
}

/* The value of "key: value\n" in a snapshot's metadata, into buf; NULL if absent. */
static const char *meta_value(const char *meta, const char *key, char *buf, size_t size)
{
	size_t kl = strlen(key);

	for (const char *l = meta; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ':' && l[kl + 1] == ' ') {
			size_t n = strcspn(l + kl + 2, "\n");

			if (n >= size)
				n = size - 1;
			memcpy(buf, l + kl + 2, n);
			buf[n] = '\0';
			return buf;
		}
	return NULL;
}

/*
 * What the head of a file written by pgsort record says, without decoding
 * anything: a snapshot and a series both start with a zstd skippable frame
 * (magic 0x184D2A50, little-endian size) of "key: value" lines. Sets the
 * capture time (a series: its first sample's start) when want_time, and
 * whether it is a series; other files are left as they are.
 */
static void read_head(struct sample *in, bool want_time)
{
	unsigned char b[4096 + 1];
	char v[64];
	FILE *f = fopen(in->path, "rb");
	size_t n = f ? fread(b, 1, sizeof(b) - 1, f) : 0, size;

	if (f)
		fclose(f);
	if (n < 8 || b[0] != 0x50 || b[1] != 0x2a || b[2] != 0x4d || b[3] != 0x18)
		return;
	size = (size_t)b[4] | (size_t)b[5] << 8 | (size_t)b[6] << 16 | (size_t)b[7] << 24;
	if (size > n - 8)
		size = n - 8;
	b[8 + size] = '\0';
	if (strncmp((char *)b + 8, "pgsort-series 1\n", 16) == 0)
		in->series = 1;
	if (want_time && meta_value((char *)b + 8, "time", v, sizeof(v)))
		in->time = iso_time(v);
}

/*
 * Each series file among the INPUTs becomes its samples, "FILE@1" to
 * "FILE@N", in the order they were taken (the last sample, read as the
 * file itself, says how many: "series_sample: N of N"). Returns 0 or an
 * exit status.
 */
static int open_table(struct scli *c, const char *path, struct pgs_table **t);

static int expand_series(struct scli *c)
{
	struct sample *out;
	size_t i, n = 0, cap = c->nin;
	int status = 0;

	for (i = 0; i < c->nin; i++)
		if (c->in[i].series) {
			struct pgs_table *t = NULL;
			const char *meta;
			char v[64];
			unsigned long m = 0, at;

			if ((status = open_table(c, c->in[i].path, &t)))
				return status;
			meta = pgs_table_snapshot(t);
			if (meta && meta_value(meta, "series_sample", v, sizeof(v)))
				(void)sscanf(v, "%lu of %lu", &at, &m);
			pgs_table_free(t);
			if (m == 0) {
				fprintf(stderr, "%s: %s: a series file without a whole sample\n", prog,
					c->in[i].path);
				return EXIT_INPUT;
			}
			c->in[i].series = (unsigned)m;
			cap += m;
		}
	if (cap == c->nin)
		return 0;
	out = calloc(cap, sizeof(*out));
	if (!out)
		goto nomem;
	for (i = 0; i < c->nin; i++) {
		unsigned k;

		if (!c->in[i].series) {
			out[n++] = c->in[i];
			continue;
		}
		for (k = 1; k <= c->in[i].series; k++) {
			size_t len = strlen(c->in[i].path) + 16;

			out[n] = c->in[i];
			out[n].series = 0;
			out[n].time = NAN;	/* its own, from its metadata */
			out[n].owned = malloc(len);
			if (!out[n].owned) {
				c->nin = n;
				free(c->in);
				c->in = out;
				goto nomem;
			}
			snprintf(out[n].owned, len, "%s@%u", c->in[i].path, k);
			out[n].path = out[n].owned;
			n++;
		}
	}
	free(c->in);
	c->in = out;
	c->nin = n;
	return 0;
nomem:
	fprintf(stderr, "pgsort: out of memory\n");
	return EXIT_OUTPUT;
}

/*
 * pgsort series --list WHAT: the words an option takes, one a line, for the
 * shell completions (as pgsort --list does for the other modes).
 */
static int list_words(const char *what, const struct option *longopts)
{
	static const char *const sorts[] = { "score", "growth", "first", "last", "min", "max" };
	static const char *const formats[] = { "text", "json", "ndjson", "csv", "svg", "html" };
	struct pgs_key_info k = { .sz = sizeof(k) };
	size_t i;

	if (strcmp(what, "options") == 0) {
		printf("-q\n");
		for (i = 0; longopts[i].name; i++)
			if (longopts[i].val != OPT_LIST)
				printf("--%s%s\n", longopts[i].name,
				       longopts[i].has_arg == required_argument ? "=" : "");
	} else if (strcmp(what, "cull") == 0 || strcmp(what, "filter") == 0) {
		unsigned use = what[0] == 'c' ? PGS_KEY_CULL : PGS_KEY_FILTER;

		for (i = 0; pgs_key_info(i, &k) == 0; i++)
			if (k.use & use)
				printf("%s\n", k.long_name);
	} else if (strcmp(what, "sort") == 0 || strcmp(what, "format") == 0) {
		const char *const *w = what[0] == 's' ? sorts : formats;

		for (i = 0; i < 6; i++)
			printf("%s\n", w[i]);
	} else {
		fprintf(stderr, "%s: --list takes options, cull, sort, filter or format, not '%s'\n",
			prog, what);
		return EXIT_USAGE;
	}
	return fflush(stdout) == 0 ? 0 : EXIT_OUTPUT;
}

static int parse_args(struct scli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cull", required_argument, NULL, OPT_CULL },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "min-pages", required_argument, NULL, OPT_MIN_PAGES },
		{ "strip-offsets", no_argument, NULL, OPT_STRIP },
		{ "stacks", required_argument, NULL, OPT_STACKS },
		{ "times", required_argument, NULL, OPT_TIMES },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "same-boot", no_argument, NULL, OPT_SAME_BOOT },
		{ "page-size", required_argument, NULL, OPT_PAGE_SIZE },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "stacked", no_argument, NULL, OPT_STACKED },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "list", required_argument, NULL, OPT_LIST },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int opt, i, err;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_CULL:
			c->per_row = true;
			if ((err = pgs_query_set_cull(c->q, optarg)) < 0) {
				fprintf(stderr, "%s: wrong argument '%s' for --cull: %s (pgsort "
					"--help-keys lists the keys)\n", prog, optarg,
					pgs_strerror(err));
				return EXIT_USAGE;
			}
			break;
		case OPT_SORT:
			c->sort = optarg;
			break;
		case OPT_FILTER: {
			struct pgs_filter_error fe = { .sz = sizeof(fe) };

			c->per_row = true;
			if (pgs_query_add_filter(c->q, optarg, &fe) < 0) {
				fprintf(stderr, "%s: --filter: %s\n  %s\n  %*s^\n", prog, fe.message,
					optarg, (int)fe.offset, "");
				return EXIT_USAGE;
			}
			break;
		}
		case OPT_TOP:
			if (parse_ull("--top", optarg, &v))
				return EXIT_USAGE;
			if (!v) {
				fprintf(stderr, "%s: --top takes a number of groups above 0\n", prog);
				return EXIT_USAGE;
			}
			pgs_query_set_top(c->q, (size_t)v);
			break;
		case OPT_MIN_PAGES:
			if (parse_ull("--min-pages", optarg, &v))
				return EXIT_USAGE;
			pgs_query_set_min_pages(c->q, v);
			break;
		case OPT_PAGE_SIZE:
			if (parse_ull("--page-size", optarg, &v) ||
			    pgs_query_set_page_size(c->q, v) < 0) {
				fprintf(stderr, "%s: --page-size takes a power of two\n", prog);
				return EXIT_USAGE;
			}
			break;
		case OPT_STRIP:
			pgs_query_set_strip_offsets(c->q, 1);
			break;
		case OPT_STACKS:
			c->stacks[c->nstacks++] = optarg;
			break;
		case OPT_TIMES:
			c->times = optarg;
			break;
		case OPT_FORMAT:
			if (pgs_format_from_name(optarg, &c->format) < 0 ||
			    c->format == PGS_FORMAT_FOLDED || c->format == PGS_FORMAT_PPROF) {
				fprintf(stderr, "%s: wrong argument '%s' for --format: series "
					"formats are text, json, ndjson, csv, svg, html\n", prog, optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_STACKED:
			c->flags |= PGS_WRITE_STACKED;
			break;
		case OPT_TITLE:
			c->title = optarg;
			break;
		case OPT_ASCII:
			c->flags |= PGS_WRITE_ASCII;
			break;
		case OPT_SAME_BOOT:
			c->same_boot = true;
			break;
		case 'q':
			c->quiet = true;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_LIST:
			exit(list_words(optarg, longopts));
		default:
			fprintf(stderr, "%s: unknown option '%s'\nTry 'pgsort series --help'.\n",
				prog, argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no INPUT\nTry 'pgsort series --help'.\n", prog);
		return EXIT_USAGE;
	}
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			fprintf(stderr, "%s: INPUT '-': a series reads files, not standard input\n",
				prog);
			return EXIT_USAGE;
		}
		add_input(c, argv[i]);
	}
	return 0;
}

static int open_table(struct scli *c, const char *path, struct pgs_table **t)
{
	struct pgs_parse_opts po = PGS_INIT(pgs_parse_opts);
	int err;

	po.name = path;
	po.diag = c->quiet ? NULL : on_diag;
	po.diag_user = c;
	po.diag_level = PGS_DIAG_WARN;
	c->error_shown = false;
	err = pgs_table_open_file(t, path, &po);
	if (err) {
		if (!c->error_shown)
			fprintf(stderr, "pgsort: %s: %s\n", path, pgs_strerror(err));
		return err == -ENOMEM ? EXIT_OUTPUT : EXIT_INPUT;
	}
	return 0;
}

/* Every --stacks FILE, checked to be show_stacks_handles. */
static int open_maps(struct scli *c, struct pgs_table **maps)
{
	size_t i;
	int status;

	for (i = 0; i < c->nstacks; i++) {
		struct pgs_table_info ti = PGS_INIT(pgs_table_info);

		if ((status = open_table(c, c->stacks[i], &maps[i])))
			return status;
		ti.flags = PGS_INFO_NO_COUNTS;	/* the kind only: no split into frames */
		pgs_table_info(maps[i], &ti);
		if (ti.kind != PGS_KIND_SHOW_STACKS_HANDLES) {
			fprintf(stderr, "%s: --stacks FILE must be page_owner_stacks/"
				"show_stacks_handles; %s is %s\n", prog, c->stacks[i],
				pgs_kind_name(ti.kind));
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Read each sample, give its handles frames, add it; returns an exit status. */
static int add_samples(struct scli *c, struct pgs_series *s, struct pgs_table **maps)
{
	size_t i, k;

	for (i = 0; i < c->nin; i++) {
		struct pgs_table_info ti = PGS_INIT(pgs_table_info);
		struct pgs_table *t = NULL;
		uint64_t unresolved = 0;
		int status, err = 0;

		if ((status = open_table(c, c->in[i].path, &t)))
			return status;
		ti.flags = PGS_INFO_NO_COUNTS;	/* the kind only: no split into frames */
		pgs_table_info(t, &ti);
		/* show_handles: the series looks each handle up once (see series_main). */
		for (k = 0; !err && k < c->nstacks; k++)
			if (ti.kind == PGS_KIND_PAGE_OWNER ||
			    (ti.kind == PGS_KIND_SHOW_HANDLES && c->per_row))
				err = pgs_table_join_stacks(t, maps[k], &unresolved);
		if (!err && unresolved && !c->quiet)
			fprintf(stderr, "pgsort: %s: warning: %llu handle%s not found in --stacks; "
				"their records keep 'handle: N' as their stack\n", c->in[i].path,
				(unsigned long long)unresolved, unresolved == 1 ? "" : "s");
		/* (A snapshot's handles have their frames from its own dictionary.) */
		if (!err && ti.kind == PGS_KIND_SHOW_HANDLES && !c->nstacks && i == 0 && !c->quiet &&
		    !pgs_table_snapshot(t))
			fprintf(stderr, "pgsort: %s: warning: show_handles without --stacks: "
				"groups are handles, not stacks\n", c->in[i].path);
		if (!err && isnan(c->in[i].time)) {
			const char *meta = pgs_table_snapshot(t);
			char v[64];

			/* A snapshot knows when it was taken. */
			if (meta && meta_value(meta, "time", v, sizeof(v)))
				c->in[i].time = iso_time(v);
		}
		if (!err)
			err = pgs_series_add(s, t, c->in[i].time);
		pgs_table_free(t);
		if (err == PGS_E_NOFIELD) {
			fprintf(stderr, "pgsort: %s: %s %s\n", c->in[i].path,
				c->detail.key ? c->detail.key : "a key", c->detail.message);
			return EXIT_USAGE;
		}
		if (err == -EINVAL) {
			fprintf(stderr, "pgsort: %s: %s\n", c->in[i].path, c->detail.message);
			return EXIT_INPUT;
		}
		if (err) {
			fprintf(stderr, "pgsort: %s: %s\n", c->in[i].path, pgs_strerror(err));
			return err == -EOVERFLOW ? EXIT_INPUT : EXIT_OUTPUT;
		}
	}
	return 0;
}

int series_main(int argc, char **argv)
{
	struct pgs_series_opts so = PGS_INIT(pgs_series_opts);
	struct pgs_write_opts wo = PGS_INIT(pgs_write_opts);
	struct pgs_table **maps = NULL;
	struct pgs_series *s = NULL;
	struct scli c = { 0 };
	const char *cs;
	size_t i;
	int status, err;

	c.in = calloc((size_t)argc + 1, sizeof(*c.in));
	c.stacks = calloc((size_t)argc + 1, sizeof(*c.stacks));
	maps = calloc((size_t)argc + 1, sizeof(*maps));
	if (!c.in || !c.stacks || !maps || pgs_query_create(&c.q) < 0) {
		fprintf(stderr, "pgsort: out of memory\n");
		status = EXIT_OUTPUT;
		goto out;
	}
	c.detail = PGS_INIT(pgs_error_detail);
	pgs_query_set_error_detail(c.q, &c.detail);
	if ((status = parse_args(&c, argc, argv)))
		goto out;
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	if (!cs || (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "utf8") != 0))
		c.flags |= PGS_WRITE_ASCII;
	if (c.times && (status = read_times(&c)))
		goto out;
	if (!c.times) {
		bool all = true;

		/* Snapshots and series files say when they were taken. */
		for (i = 0; i < c.nin; i++) {
			read_head(&c.in[i], true);
			all = all && !isnan(c.in[i].time);
		}
		if (all)
			qsort(c.in, c.nin, sizeof(*c.in), cmp_samples);
		for (i = 0; i < c.nin; i++)
			c.in[i].time = NAN;	/* each sample's own, when read */
	} else {
		for (i = 0; i < c.nin; i++)
			read_head(&c.in[i], false);
		qsort(c.in, c.nin, sizeof(*c.in), cmp_samples);
	}
	if ((status = expand_series(&c)))
		goto out;
	so.sort = c.sort;
	so.flags = c.same_boot ? PGS_SERIES_SAME_BOOT : 0;
	err = pgs_series_create(&s, c.q, &so);
	if (err == PGS_E_KEY) {
		if (c.detail.key)
			fprintf(stderr, "%s: key '%s' means something only within one boot; "
				"--same-boot allows it when every INPUT comes from one boot\n", prog,
				c.detail.key);
		else
			fprintf(stderr, "%s: wrong argument '%s' for --sort: %s\n", prog, c.sort,
				c.detail.message);
		status = EXIT_USAGE;
		goto out;
	}
	if (err) {
		fprintf(stderr, "%s: %s\n", prog, pgs_strerror(err));
		status = EXIT_OUTPUT;
		goto out;
	}
	if ((status = open_maps(&c, maps)))
		goto out;
	/*
	 * Grouping by stack alone, show_handles' handles need their stacks only
	 * once for the whole series; --cull and --filter read every row's stack.
	 */
	for (i = 0; !c.per_row && i < c.nstacks; i++)
		if ((err = pgs_series_add_stacks(s, maps[i]))) {
			fprintf(stderr, "%s: %s\n", prog, pgs_strerror(err));
			status = EXIT_OUTPUT;
			goto out;
		}
	if ((status = add_samples(&c, s, maps)))
		goto out;
	if ((err = pgs_series_finish(s))) {
		fprintf(stderr, "%s: %s\n", prog, pgs_strerror(err));
		status = EXIT_OUTPUT;
		goto out;
	}
	wo.format = c.format;
	wo.flags = c.flags;
	wo.title = c.title;
	err = pgs_series_write(s, &wo, fd_sink, &(int){ 1 });
	if (err) {
		fprintf(stderr, "%s: writing the report: %s\n", prog, pgs_strerror(err));
		status = EXIT_OUTPUT;
	}
out:
	pgs_series_free(s);
	for (i = 0; maps && i < c.nstacks; i++)
		pgs_table_free(maps[i]);
	free(maps);
	for (i = 0; c.in && i < c.nin; i++)
		free(c.in[i].owned);
	free(c.in);
	free(c.stacks);
	pgs_query_free(c.q);
	return status;
}
