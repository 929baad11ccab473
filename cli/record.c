/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgsort record: one snapshot of the live kernel (pgs_record()), written to
 * -o FILE (through a temporary file beside it, renamed into place only when
 * the snapshot is whole: a failed record leaves FILE as it was) or to
 * standard output (-o -).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pgsort/pgsort.h>

#include "cli.h"
#include "record.h"

static const char usage[] =
"usage: pgsort record [OPTIONS] -o FILE|-\n"
"Take one snapshot of the live kernel's page_owner into FILE (zstd; zstd -dc\n"
"gives the kernel's text; every pgsort command reads it as a dump).\n"
"  -o, --output FILE     the snapshot file, or - for standard output\n"
"  --debugfs DIR         where debugfs is mounted (default /sys/kernel/debug)\n"
"  --mode MODE           stack (default), handle or stack_handle\n"
"  --node LIST           only pages of these NUMA nodes (0,2-3)\n"
"  --pid LIST            only pages allocated by these pids (at most 16)\n"
"  --tgid LIST           only pages allocated by these tgids (at most 16)\n"
"  --no-kernel-filter    do not ask the kernel to select: read the full dump\n"
"                        and select here (the same records)\n"
"  --source WHAT         page_owner (default), show_handles (falls back to\n"
"                        show_stacks, then page_owner) or show_stacks\n"
"  --every D             sample every D (10s, 500ms, 1m, 1h) into one series\n"
"                        file, valid after every sample (default source:\n"
"                        show_handles); until SIGINT, or:\n"
"  --count N             N samples\n"
"  --for D               for D\n"
"  -l, --level N         zstd level (default 3)\n"
"  -q, --quiet           no warnings\n"
"  -d, --verbose         say what was read and how\n"
"  -h, --help            this help\n";

struct rctx {
	const char *prog;
	bool error_shown;
};

static void on_diag(const struct pgs_diag *d, void *user)
{
	static const char *const lvl[] = { "error", "warning", "info", "debug" };
	struct rctx *c = user;

	if (d->level == PGS_DIAG_ERROR)
		c->error_shown = true;
	fprintf(stderr, "%s: record: %s: %s\n", c->prog, lvl[d->level], d->message);
}

static volatile int stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* A one-snapshot record's temporary file: removed when a signal ends it. */
static char *volatile pending;

static void on_kill(int sig)
{
	char *tmp = pending;

	if (tmp)
		unlink(tmp);	/* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

#define RECORD_SHORTOPTS "o:l:qdh"

/* The long options' vals. */
enum { O_DEBUGFS = 256, O_MODE, O_NODE, O_PID, O_TGID, O_NOKF, O_SOURCE, O_EVERY, O_COUNT,
       O_FOR, O_LIST };

/*
 * pgsort record --list WHAT: the words an option takes, one a line, for the
 * shell completions (as pgsort --list does for the report).
 */
static int list_words(const char *prog, const char *what, const struct option *longs)
{
	static const char *const modes[] = { "stack", "handle", "stack_handle", NULL };
	static const char *const sources[] = { "page_owner", "show_handles", "show_stacks", NULL };
	const char *const *w = NULL;

	if (!strcmp(what, "options")) {
		list_options(RECORD_SHORTOPTS, longs, (const int[]){ O_LIST }, 1);
	} else if (!strcmp(what, "mode") || !strcmp(what, "source")) {
		for (w = what[0] == 'm' ? modes : sources; *w; w++)
			printf("%s\n", *w);
	} else {
		fprintf(stderr, "%s: record: --list takes options, mode or source, not '%s'\n",
			prog, what);
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 3;
}

int record_main(const char *prog, int argc, char **argv)
{
	static const struct option longs[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "debugfs", required_argument, NULL, O_DEBUGFS },
		{ "mode", required_argument, NULL, O_MODE },
		{ "node", required_argument, NULL, O_NODE },
		{ "pid", required_argument, NULL, O_PID },
		{ "tgid", required_argument, NULL, O_TGID },
		{ "no-kernel-filter", no_argument, NULL, O_NOKF },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "every", required_argument, NULL, O_EVERY },
		{ "count", required_argument, NULL, O_COUNT },
		{ "for", required_argument, NULL, O_FOR },
		{ "level", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "list", required_argument, NULL, O_LIST },
		{ 0 }
	};
	struct pgs_record_opts o = PGS_INIT(pgs_record_opts);
	struct pgs_record_info info = PGS_INIT(pgs_record_info);
	struct rctx c = { .prog = prog };
	const char *out = NULL;
	bool quiet = false, verbose = false, source_set = false;
	char *target = NULL, *tmp = NULL;
	int opt, fd, err;

	optind = 1;
	while ((opt = getopt_long(argc, argv, RECORD_SHORTOPTS, longs, NULL)) != -1) {
		switch (opt) {
		case 'o': out = optarg; break;
		case O_DEBUGFS: o.debugfs = optarg; break;
		case O_MODE:
			if (strcmp(optarg, "stack") && strcmp(optarg, "handle") &&
			    strcmp(optarg, "stack_handle")) {
				fprintf(stderr, "%s: record: --mode: '%s': want stack, handle or "
					"stack_handle\n", prog, optarg);
				return 1;
			}
			o.mode = optarg;
			break;
		case O_NODE: o.nodes = optarg; break;
		case O_PID: o.pids = optarg; break;
		case O_TGID: o.tgids = optarg; break;
		case O_NOKF: o.flags |= PGS_RECORD_NO_KERNEL_FILTER; break;
		case O_EVERY:
		case O_FOR:
			if (parse_duration(optarg, opt == O_EVERY ? &o.every_ms : &o.for_ms) < 0) {
				fprintf(stderr, "%s: record: --%s: '%s': want a duration such as 10s, "
					"500ms, 5m or 1h\n", prog, opt == O_EVERY ? "every" : "for", optarg);
				return 1;
			}
			break;
		case O_COUNT: {
			char *e;
			unsigned long long v = strtoull(optarg, &e, 10);

			if (*e || e == optarg || v == 0 || optarg[0] == '-') {
				fprintf(stderr, "%s: record: --count: '%s': want a number of samples, "
					"1 or more\n", prog, optarg);
				return 1;
			}
			o.count = v;
			break;
		}
		case O_SOURCE:
			source_set = true;
			if (!strcmp(optarg, "page_owner")) {
				o.source = PGS_RECORD_PAGE_OWNER;
			} else if (!strcmp(optarg, "show_handles")) {
				o.source = PGS_RECORD_SHOW_HANDLES;
			} else if (!strcmp(optarg, "show_stacks")) {
				o.source = PGS_RECORD_SHOW_STACKS;
			} else {
				fprintf(stderr, "%s: record: --source: '%s': want page_owner, "
					"show_handles or show_stacks\n", prog, optarg);
				return 1;
			}
			break;
		case 'l': {
			char *e;
			long v = strtol(optarg, &e, 10);

			if (*e || e == optarg || v < 1 || v > 19) {
				fprintf(stderr, "%s: record: --level: '%s': want 1 to 19\n", prog, optarg);
				return 1;
			}
			o.level = (int)v;
			break;
		}
		case 'q': quiet = true; break;
		case 'd': verbose = true; break;
		case 'h': fputs(usage, stdout); return 0;
		case O_LIST: return list_words(prog, optarg, longs);
		default:
			fprintf(stderr, "%s: record: see pgsort record --help\n", prog);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: record: unexpected operand '%s' (the snapshot goes to -o FILE)\n",
			prog, argv[optind]);
		return 1;
	}
	if (!out) {
		fprintf(stderr, "%s: record: where to? -o FILE, or -o - for standard output\n", prog);
		return 1;
	}
	if ((o.count || o.for_ms) && !o.every_ms) {
		fprintf(stderr, "%s: record: --count and --for go with --every\n", prog);
		return 1;
	}
	if (o.every_ms && !source_set && !o.mode && !o.nodes && !o.pids && !o.tgids)
		o.source = PGS_RECORD_SHOW_HANDLES;
	if (o.source != PGS_RECORD_PAGE_OWNER && (o.mode || o.nodes || o.pids || o.tgids)) {
		fprintf(stderr, "%s: record: --mode, --node, --pid and --tgid select page_owner's "
			"records: not with --source show_handles or show_stacks\n", prog);
		return 1;
	}
	if (!strcmp(out, "-") && isatty(1)) {
		fprintf(stderr, "%s: record: not writing a compressed snapshot to a terminal\n", prog);
		return 1;
	}
	o.diag = quiet ? NULL : on_diag;
	o.diag_user = &c;
	o.diag_level = verbose ? PGS_DIAG_INFO : PGS_DIAG_WARN;

	if (o.every_ms) {
		struct sigaction sa = { 0 };

		/* Written in place, sample by sample: never over a file there. */
		fd = !strcmp(out, "-") ? 1 : open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0) {
			fprintf(stderr, "%s: record: %s: %s%s\n", prog, out, strerror(errno),
				errno == EEXIST ? " (a series is never written over a file)" : "");
			return 3;
		}
		sa.sa_handler = on_stop;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		o.stop = &stop_flag;
		err = pgs_record_series(fd, &o, &info);
		if (fd != 1 && close(fd) < 0 && !err)
			err = -errno;
		if (err && !c.error_shown)
			fprintf(stderr, "%s: record: %s\n", prog, pgs_strerror(err));
		if (verbose || info.errors)
			fprintf(stderr, "%s: record: %llu samples of %s, %llu lost to read errors; "
				"%llu bytes written\n", prog, (unsigned long long)info.samples,
				info.source ? info.source : "-", (unsigned long long)info.errors,
				(unsigned long long)info.written);
		return !err ? 0 : err == -EINVAL ? 1 : err == -EPIPE || err == -ENOSPC ||
		       err == -EIO || err == -ENOMEM ? 3 : 2;
	}
	if (!strcmp(out, "-")) {
		fd = 1;
	} else {
		char what[128];
		bool hint;

		/* A dump or an earlier snapshot is the user's: never replaced. */
		if (input_like(out, false, what, sizeof(what), &hint)) {
			fprintf(stderr, "%s: record: OUTPUT %s is %s, which a snapshot never "
				"replaces: choose another name, or remove it first\n", prog, out, what);
			return 1;
		}
		{
			struct sigaction sa = { 0 };
			sigset_t all, old;

			/* No signal between the file's creation and its handler. */
			sigfillset(&all);
			sigprocmask(SIG_BLOCK, &all, &old);
			sa.sa_handler = on_kill;
			sigaction(SIGINT, &sa, NULL);
			sigaction(SIGTERM, &sa, NULL);
			sigaction(SIGHUP, &sa, NULL);
			sigaction(SIGPIPE, &sa, NULL);
			err = output_open(out, &target, &tmp, &fd, &pending);
			sigprocmask(SIG_SETMASK, &old, NULL);
		}
		if (err) {
			fprintf(stderr, "%s: record: cannot create %s: %s\n", prog, out, strerror(-err));
			free(target);
			free(tmp);
			return 3;
		}
	}
	err = pgs_record(fd, &o, &info);
	if (fd != 1) {
		if (!err && ((tmp && fsync(fd) < 0) || close(fd) < 0))
			err = -errno;
		else if (err)
			close(fd);
		if (!err && tmp && rename(tmp, target) < 0)
			err = -errno;
		if (err && tmp)
			unlink(tmp);
		pending = NULL;
		free(tmp);
		free(target);
	}
	if (err) {
		if (!c.error_shown)
			fprintf(stderr, "%s: record: %s\n", prog, err == -EINVAL ?
				"bad --node, --pid or --tgid list (numbers, 'a-b' ranges for nodes, "
				"at most 16 ids, separated by commas)" : pgs_strerror(err));
		return err == -EINVAL ? 1 : err == -EPIPE || err == -ENOSPC || err == -EIO ||
		       err == -EFBIG || err == -ENOMEM ? 3 : 2;
	}
	if (verbose)
		fprintf(stderr, "%s: record: %s, mode %s: %llu records, %llu bytes of text "
			"(%llu read), %s; %llu bytes written\n", prog, info.source, info.mode,
			(unsigned long long)info.records, (unsigned long long)info.bytes,
			(unsigned long long)info.read_bytes,
			info.kernel_filtered < 0 ? "no selection" : info.kernel_filtered ?
			"selected by the kernel" : "selected in user space",
			(unsigned long long)info.written);
	return 0;
}
