/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pgs_record(): one snapshot of the live kernel (pgsort record).
 *
 * page_owner is opened read-write and the selection written to that fd as
 * the 2026 per-fd filters want it (formats.md §2.8): mode=, nid=, pid=,
 * tgid=, one token per write, so that a kernel that knows some tokens and
 * not others applies those it knows. What the kernel refuses (the open for
 * writing: EACCES/EPERM, or a token: EINVAL), or everything when the caller
 * asks (PGS_RECORD_NO_KERNEL_FILTER), is applied here to the full dump,
 * record by record, with the kernel's own rules (the test kernel's
 * page_owner_filter_state: the page's node in the list, the pid in the pid
 * list and the tgid in the tgid list, each list when given), so the records
 * are the same either way. Nothing is ever written to a file that is not on
 * debugfs (a copied tree): it is read only, and selected here.
 *
 * The text goes out as it comes in, one zstd frame, between pgsort's
 * skippable parts (snapshot.h): zstd -dc gives the kernel's text.
 */
#include <dirent.h>	/* opendir */
#include <stdarg.h>	/* va_list */
#include <stdlib.h>	/* strtol */
#include <fcntl.h>	/* open */
#include <stdio.h>	/* snprintf */
#include <sys/stat.h>	/* stat */
#include <sys/statfs.h>	/* statfs */
#include <sys/utsname.h>	/* uname */
#include <time.h>	/* clock_gettime, gmtime_r */
#include <unistd.h>	/* read, write */
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_createCCtx_advanced */
#include <zstd.h>

#include "snapshot.h"

#define DEBUGFS_MAGIC_ 0x64626720
#define IDS_MAX 16
#define NODES_MAX 1024
#define READ_BUF ((size_t)1 << 20)
#define READ_ROOM ((size_t)64 << 10)
#define OUT_BUF ((size_t)1 << 20)

struct ids {
	int n;
	long v[IDS_MAX];
};

struct rec {
	const struct pgs_record_opts *o;
	const struct pgs_allocator *al;
	struct pgs_diagctx diag;
	int out;
	ZSTD_CCtx *cc;
	unsigned char *obuf;
	/* The selection this side applies (what the kernel did not). */
	bool sel_node, sel_pid, sel_tgid;
	uint64_t nodes[NODES_MAX / 64];
	struct ids pids, tgids;
	struct buf blk;		/* user-space selection: text of an unfinished record */
	char prev;		/* last byte passed on (record counting) */
	struct pgs_record_info info;
	struct buf meta;
	char refused[160];	/* tokens the kernel refused */
	/* A series (pgs_record_series()): each sample goes out in one write. */
	struct buf *pending;	/* non-NULL: output collects here */
	bool series;
	struct buf text;	/* a sample's text (series: its handles are looked at) */
	uint32_t *seen;		/* handles whose frames the file already has, sorted */
	size_t nseen, seen_cap;
	bool want_dict;		/* show_stacks_handles to be read for this sample */
	int fixed_src;		/* series: the source the first sample settled on, or -1 */
	uint64_t sample;	/* series: this sample's number, from 1 */
};

/* ---- parsing the selection ---- */

static int parse_nodes(const char *s, uint64_t *mask)
{
	memset(mask, 0, NODES_MAX / 8);
	RETURN_ERROR_IF(!*s, -EINVAL);
	while (*s) {
		char *e;
		long a = strtol(s, &e, 10), b = a;

		RETURN_ERROR_IF(e == s || a < 0 || a >= NODES_MAX, -EINVAL);
		s = e;
		if (*s == '-') {
			b = strtol(++s, &e, 10);
			RETURN_ERROR_IF(e == s || b < a || b >= NODES_MAX, -EINVAL);
			s = e;
		}
		for (; a <= b; a++)
			mask[a / 64] |= 1ull << (a % 64);
		if (*s == ',' && s[1])
			s++;
		else
			RETURN_ERROR_IF(*s, -EINVAL);
	}
	return 0;
}

static int parse_ids(const char *s, struct ids *ids)
{
	ids->n = 0;
	RETURN_ERROR_IF(!*s, -EINVAL);
	while (*s) {
		char *e;
		long v;

		RETURN_ERROR_IF(ids->n == IDS_MAX || !is_digit(*s), -EINVAL);
		v = strtol(s, &e, 10);
		RETURN_ERROR_IF(v > 4194304, -EINVAL);	/* PID_MAX_LIMIT */
		ids->v[ids->n++] = v;
		s = e;
		if (*s == ',' && s[1])
			s++;
		else
			RETURN_ERROR_IF(*s, -EINVAL);
	}
	return 0;
}

static bool id_in(const struct ids *ids, long v)
{
	int i;

	for (i = 0; i < ids->n; i++)
		if (ids->v[i] == v)
			return true;
	return false;
}

/* ", KEY N" in s[0..len): N, or -1. */
static long field(const char *s, size_t len, const char *key)
{
	const char *p = pgs__memmem(s, len, key, strlen(key));
	uint64_t v;

	if (!p)
		return -1;
	p += strlen(key);
	if (!pgs__parse_u64(p, (size_t)(s + len - p), &v))
		return -1;
	return (long)v;
}

/* Whether one record (its text, through its blank line) is selected. */
static bool selected(const struct rec *r, const char *b, size_t len)
{
	const char *nl = memchr(b, '\n', len);
	size_t hl = nl ? (size_t)(nl - b) : len;

	if (r->sel_pid && !id_in(&r->pids, field(b, hl, ", pid ")))
		return false;
	if (r->sel_tgid && !id_in(&r->tgids, field(b, hl, ", tgid ")))
		return false;
	if (r->sel_node) {
		/* The PFN line's page flags: "(...|node=N|zone=Z)". */
		const char *l2 = nl ? nl + 1 : b + len, *e2;
		long node;

		e2 = memchr(l2, '\n', (size_t)(b + len - l2));
		if (!e2)
			e2 = b + len;
		node = field(l2, (size_t)(e2 - l2), "node=");
		if (node < 0) {
			/* "(node=N" begins the names when nothing precedes it. */
			const char *p = pgs__memmem(l2, (size_t)(e2 - l2), "(node=", 6);

			node = p ? field(p, (size_t)(e2 - p), "(node=") : -1;
		}
		if (node < 0 || node >= NODES_MAX || !(r->nodes[node / 64] & (1ull << (node % 64))))
			return false;
	}
	return true;
}

/* ---- output ---- */

static int write_all(struct rec *r, const void *p, size_t n)
{
	const char *c = p;

	if (r->pending)
		return buf_put(r->al, r->pending, p, n);

	while (n) {
		ssize_t w = write(r->out, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;

			pgs__diag(&r->diag, PGS_DIAG_ERROR, 0, 0, "cannot write the snapshot: %s",
				  strerror(e));
			return -e;
		}
		c += w;
		n -= (size_t)w;
		r->info.written += (uint64_t)w;
	}
	return 0;
}

static int compress(struct rec *r, const void *p, size_t n, ZSTD_EndDirective how)
{
	ZSTD_inBuffer in = { p, n, 0 };

	for (;;) {
		ZSTD_outBuffer out = { r->obuf, OUT_BUF, 0 };
		size_t left = ZSTD_compressStream2(r->cc, &out, &in, how);

		if (ZSTD_isError(left)) {
			pgs__diag(&r->diag, PGS_DIAG_ERROR, 0, 0, "zstd: %s", ZSTD_getErrorName(left));
			return -ENOMEM;
		}
		if (out.pos)
			FORWARD_IF_ERROR(write_all(r, r->obuf, out.pos));
		if (how == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

/* Text kept: counted (records end at a blank line) and compressed. */
static int keep(struct rec *r, const char *p, size_t n)
{
	const char *q = p, *end = p + n, *nl;

	if (!n)
		return 0;
	while ((nl = memchr(q, '\n', (size_t)(end - q)))) {
		if ((nl == p ? r->prev : nl[-1]) == '\n')
			r->info.records++;
		q = nl + 1;
	}
	r->prev = p[n - 1];
	r->info.bytes += n;
	if (r->series)
		FORWARD_IF_ERROR(buf_put(r->al, &r->text, p, n));
	return compress(r, p, n, ZSTD_e_continue);
}

/* Text read: kept, or split into records and those selected kept. */
static int feed(struct rec *r, const char *p, size_t n)
{
	size_t pos = 0, done = 0;

	r->info.read_bytes += n;
	if (!r->sel_node && !r->sel_pid && !r->sel_tgid)
		return keep(r, p, n);
	FORWARD_IF_ERROR(buf_put(r->al, &r->blk, p, n));
	for (;;) {
		const char *e = pgs__memmem(r->blk.p + pos, r->blk.len - pos, "\n\n", 2);
		size_t end;

		if (!e)
			break;
		end = (size_t)(e - r->blk.p) + 2;
		if (selected(r, r->blk.p + done, end - done))
			FORWARD_IF_ERROR(keep(r, r->blk.p + done, end - done));
		done = pos = end;
	}
	memmove(r->blk.p, r->blk.p + done, r->blk.len - done);
	r->blk.len -= done;
	return 0;
}

/* ---- the kernel's files ---- */

static void say_missing(struct rec *r, const char *dir, const char *file)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	char cmd[4096] = "";
	int fd;

	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	if (n == 0) {
		pgs__diag(&r->diag, PGS_DIAG_ERROR, 0, 0,
			  "%s is empty: debugfs is not mounted there (mount -t debugfs none %s)",
			  dir, dir);
		return;
	}
	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, cmd, sizeof(cmd) - 1);

		cmd[k > 0 ? k : 0] = '\0';
		close(fd);
	}
	pgs__diag(&r->diag, PGS_DIAG_ERROR, 0, 0,
		  "%s/%s does not exist: page_owner is not enabled; boot with page_owner=on on "
		  "the kernel command line (and CONFIG_PAGE_OWNER=y)%s", dir, file,
		  *cmd && !strstr(cmd, "page_owner=on") ? ": /proc/cmdline has no page_owner=on" : "");
}

/* Open dir/file for reading (rw: read-write). -errno with the reason said. */
static int open_kernel(struct rec *r, const char *dir, const char *file, bool rw, bool quiet)
{
	char path[4096];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	fd = -errno;
	if (quiet && fd == -ENOENT)
		return fd;
	if (fd == -ENOENT && stat(dir, &st) < 0)
		pgs__diag(&r->diag, PGS_DIAG_ERROR, 0, 0,
			  "%s: %s: debugfs is not mounted (mount -t debugfs none %s)", dir,
			  strerror(errno), dir);
	else if (fd == -ENOENT)
		say_missing(r, dir, file);
	else if ((fd == -EACCES || fd == -EPERM) && !rw)
		pgs__diag(&r->diag, PGS_DIAG_ERROR, 0, 0,
			  "%s: permission denied: reading page_owner needs root (run as root or with sudo)",
			  path);
	else if (fd != -EACCES && fd != -EPERM)
		pgs__diag(&r->diag, PGS_DIAG_ERROR, 0, 0, "%s: %s", path, strerror(-fd));
	return fd;
}

/*
 * Read all of fd through fn. page_owner gives one record (under a page)
 * per read(), so reads fill the buffer and fn sees it when fewer than
 * READ_ROOM bytes are left: one call per megabyte, not per record. The
 * room stays far above a record, as a read with less room than the next
 * record fails with ENOMEM.
 */
static int read_all(struct rec *r, int fd, const char *name,
		    int (*fn)(struct rec *, const char *, size_t), struct buf *into)
{
	char *b = pgs__malloc(r->al, READ_BUF);
	size_t len = 0;
	int err = 0;

	RETURN_ERROR_IF(!b, -ENOMEM);
	for (;;) {
		ssize_t n = read(fd, b + len, READ_BUF - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			pgs__diag(&r->diag, PGS_DIAG_ERROR, 0, 0, "reading %s: %s", name,
				  strerror(errno));
			break;
		}
		len += (size_t)n;
		if (len && (n == 0 || READ_BUF - len < READ_ROOM)) {
			err = fn ? fn(r, b, len) : buf_put(r->al, into, b, len);
			len = 0;
			if (err)
				break;
		}
		if (n == 0)
			break;
	}
	pgs__free(r->al, b);
	return err;
}

/* ---- metadata ---- */

static int meta(struct rec *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int meta(struct rec *r, const char *key, const char *fmt, ...)
{
	char v[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	FORWARD_IF_ERROR(buf_str(r->al, &r->meta, key));
	FORWARD_IF_ERROR(buf_str(r->al, &r->meta, ": "));
	FORWARD_IF_ERROR(buf_str(r->al, &r->meta, v));
	return buf_str(r->al, &r->meta, "\n");
}

static int meta_clock(struct rec *r, const char *wall, const char *up)
{
	struct timespec rt, bt;
	struct tm tm;
	char ts[64];

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	gmtime_r(&rt.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	FORWARD_IF_ERROR(meta(r, wall, "%s.%09ldZ", ts, rt.tv_nsec));
	return meta(r, up, "%lld.%09ld", (long long)bt.tv_sec, bt.tv_nsec);
}

static int meta_start(struct rec *r, const char *source)
{
	struct utsname u;
	char boot[64] = "unknown";
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, boot, sizeof(boot) - 1);

		boot[n > 0 ? n : 0] = '\0';
		boot[strcspn(boot, "\n")] = '\0';
		close(fd);
	}
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	FORWARD_IF_ERROR(meta(r, "host", "%s", u.nodename));
	FORWARD_IF_ERROR(meta(r, "kernel", "%s", u.release));
	FORWARD_IF_ERROR(meta(r, "boot_id", "%s", boot));
	FORWARD_IF_ERROR(meta_clock(r, "time", "uptime"));
	FORWARD_IF_ERROR(meta(r, "source", "%s", source));
	return 0;
}

/* ---- the capture ---- */

static void *zalloc(void *al, size_t n)
{
	return pgs__malloc(al, n);
}

static void zfree(void *al, void *p)
{
	pgs__free(al, p);
}

static const char *const source_files[] = {
	[PGS_RECORD_PAGE_OWNER] = "page_owner",
	[PGS_RECORD_SHOW_HANDLES] = "page_owner_stacks/show_handles",
	[PGS_RECORD_SHOW_STACKS] = "page_owner_stacks/show_stacks",
};

/* Write one token to the kernel; false when it refuses it. */
static bool push(struct rec *r, int fd, const char *key, const char *val)
{
	char tok[512];
	int n = snprintf(tok, sizeof(tok), "%s=%s", key, val);
	ssize_t w;

	if (n <= 0 || (size_t)n >= sizeof(tok))
		return false;
	do
		w = write(fd, tok, (size_t)n);
	while (w < 0 && errno == EINTR);
	if (w == n)
		return true;
	snprintf(r->refused + strlen(r->refused), sizeof(r->refused) - strlen(r->refused),
		 "%s%s (%s)", *r->refused ? ", " : "", tok, w < 0 ? strerror(errno) : "short write");
	return false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Each "handle: N" line of text[0..len) into r->seen (sorted, unique). */
static int note_handles(struct rec *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t i, n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		uint64_t v;

		if (HAS_PREFIX(p, l, "handle: ") && pgs__parse_u64(p + 8, l - 8, &v)) {
			FORWARD_IF_ERROR(pgs__grow(r->al, (void **)&r->seen, &r->seen_cap,
						   r->nseen + 1, sizeof(*r->seen)));
			r->seen[r->nseen++] = (uint32_t)v;
		}
		p += l + 1;
	}
	if (r->nseen)
		qsort(r->seen, r->nseen, sizeof(*r->seen), cmp_u32);
	for (i = n = 0; i < r->nseen; i++)
		if (!n || r->seen[i] != r->seen[n - 1])
			r->seen[n++] = r->seen[i];
	r->nseen = n;
	return 0;
}

/* Whether the sample's text names a handle the file has no frames for. */
static bool unseen_handles(struct rec *r)
{
	const char *p = r->text.p, *end = p + r->text.len;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		uint64_t v;

		if (HAS_PREFIX(p, l, "handle: ") && pgs__parse_u64(p + 8, l - 8, &v)) {
			uint32_t h = (uint32_t)v;

			if (!r->nseen || !bsearch(&h, r->seen, r->nseen, sizeof(h), cmp_u32))
				return true;
		}
		p += l + 1;
	}
	return false;
}

static int record(struct rec *r, const char *dir)
{
	const struct pgs_record_opts *o = r->o;
	enum pgs_record_source src = r->fixed_src >= 0 ? (enum pgs_record_source)r->fixed_src :
				     OPTS_GET(o, source, PGS_RECORD_PAGE_OWNER);
	const char *mode = OPTS_GET(o, mode, NULL);
	const char *nodes = OPTS_GET(o, nodes, NULL), *pids = OPTS_GET(o, pids, NULL);
	const char *tgids = OPTS_GET(o, tgids, NULL);
	bool force_user = OPTS_GET(o, flags, 0) & PGS_RECORD_NO_KERNEL_FILTER;
	bool want = nodes || pids || tgids || (mode && strcmp(mode, "stack"));
	bool dict = false, on_debugfs = false;
	const char *how = "none";
	struct statfs sf;
	int fd, err;

	if (!mode)
		mode = "stack";
	RETURN_ERROR_IF(strcmp(mode, "stack") && strcmp(mode, "handle") &&
			strcmp(mode, "stack_handle"), -EINVAL);
	RETURN_ERROR_IF((unsigned)src > PGS_RECORD_SHOW_STACKS, -EINVAL);
	RETURN_ERROR_IF(src != PGS_RECORD_PAGE_OWNER && want, -EINVAL);
	RETURN_ERROR_IF(nodes && parse_nodes(nodes, r->nodes), -EINVAL);
	RETURN_ERROR_IF(pids && parse_ids(pids, &r->pids), -EINVAL);
	RETURN_ERROR_IF(tgids && parse_ids(tgids, &r->tgids), -EINVAL);

	/* The stacks files, cheapest first; page_owner when none is there. */
	while (src != PGS_RECORD_PAGE_OWNER) {
		fd = open_kernel(r, dir, source_files[src], false, true);
		if (fd >= 0)
			break;
		if (fd != -ENOENT)
			return fd;
		pgs__diag(&r->diag, PGS_DIAG_WARN, 0, 0, "%s/%s: none on this kernel (before 6.%s)%s",
			  dir, source_files[src], src == PGS_RECORD_SHOW_HANDLES ? "19" : "9",
			  src == PGS_RECORD_SHOW_HANDLES ? ": reading show_stacks instead" :
			  ": reading the full page_owner dump instead, which costs much more "
			  "(every allocated page, not every stack)");
		src = src == PGS_RECORD_SHOW_HANDLES ? PGS_RECORD_SHOW_STACKS : PGS_RECORD_PAGE_OWNER;
	}
	if (src == PGS_RECORD_PAGE_OWNER) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/page_owner", dir);
		/* Only debugfs is written to: never a copy of its files. */
		on_debugfs = statfs(path, &sf) == 0 && sf.f_type == DEBUGFS_MAGIC_;
		fd = -EACCES;
		if (want && !force_user && on_debugfs) {
			fd = open_kernel(r, dir, "page_owner", true, false);
			if (fd < 0 && fd != -EACCES && fd != -EPERM)
				return fd;
			if (fd < 0)
				snprintf(r->refused, sizeof(r->refused),
					 "page_owner for writing (%s)", strerror(-fd));
		}
		if (fd < 0)
			fd = open_kernel(r, dir, "page_owner", false, false);
		if (fd < 0)
			return fd;
		if (want && !force_user && on_debugfs && !*r->refused) {
			/* The mode first: a kernel that refuses it has no filters. */
			bool m = !strcmp(mode, "stack") || push(r, fd, "mode", mode);

			r->sel_node = nodes && !(m && push(r, fd, "nid", nodes));
			r->sel_pid = pids && !(m && push(r, fd, "pid", pids));
			r->sel_tgid = tgids && !(m && push(r, fd, "tgid", tgids));
			if (!m)
				mode = "stack";
		} else {
			r->sel_node = nodes;
			r->sel_pid = pids;
			r->sel_tgid = tgids;
			mode = "stack";
		}
		dict = strcmp(mode, "stack") != 0;
		{
			const char *asked = OPTS_GET(o, mode, NULL) ? OPTS_GET(o, mode, NULL) : "stack";
			bool user = r->sel_node || r->sel_pid || r->sel_tgid;
			bool kern = dict || (nodes && !r->sel_node) || (pids && !r->sel_pid) ||
				    (tgids && !r->sel_tgid);

			how = user && kern ? "kernel and user space" : user ? "user space" :
			      kern ? "kernel" : want ? "user space" : "none";
			if (user || strcmp(mode, asked))
				pgs__diag(&r->diag, PGS_DIAG_WARN, 0, 0, "%s%s: %s%s",
					  force_user ? "the kernel's filters not used (asked)" :
					  !on_debugfs ? "not on debugfs (a copy?): nothing written to it" :
					  "the kernel refused ", force_user || !on_debugfs ? "" : r->refused,
					  user ? "the selection is applied here to the full dump" :
					  "records", strcmp(mode, asked) ? ", in mode stack" : "");
		}
	} else {
		dict = src == PGS_RECORD_SHOW_HANDLES;
		mode = "-";
	}
	if (r->series)
		r->fixed_src = (int)src;
	r->info.source = source_files[src];
	r->info.mode = mode;
	r->info.kernel_filtered = !want ? -1 : !strcmp(how, "kernel");

	FORWARD_IF_ERROR(meta_start(r, source_files[src]));
	if (r->series)
		FORWARD_IF_ERROR(meta(r, "sample", "%llu", (unsigned long long)r->sample));
	FORWARD_IF_ERROR(meta(r, "mode", "%s", mode));
	if (src == PGS_RECORD_PAGE_OWNER)
		FORWARD_IF_ERROR(meta(r, "asked", "mode=%s%s%s%s%s%s%s",
			      OPTS_GET(o, mode, NULL) ? OPTS_GET(o, mode, NULL) : "stack",
				      nodes ? " nid=" : "", nodes ? nodes : "", pids ? " pid=" : "",
				      pids ? pids : "", tgids ? " tgid=" : "", tgids ? tgids : ""));
	FORWARD_IF_ERROR(meta(r, "filtered_by", "%s", how));
	if (*r->refused)
		FORWARD_IF_ERROR(meta(r, "kernel_refused", "%s", r->refused));
	if (force_user)
		FORWARD_IF_ERROR(meta(r, "kernel_filter", "not used (asked)"));

	{
		struct buf head = { 0 };

		err = snap_frame(r->al, &head, SNAP_META_SIG, r->meta.p, r->meta.len);
		if (!err)
			err = write_all(r, head.p, head.len);
		pgs__free(r->al, head.p);
	}
	r->meta.len = 0;
	if (!err)
		err = read_all(r, fd, source_files[src], feed, NULL);
	close(fd);
	if (!err && r->blk.len && (err = buf_put(r->al, &r->blk, "\n\n", 0)) == 0) {
		/* A last record without its blank line (a copy cut short). */
		if (selected(r, r->blk.p, r->blk.len))
			err = keep(r, r->blk.p, r->blk.len);
	}
	if (!err)
		err = compress(r, NULL, 0, ZSTD_e_end);
	FORWARD_IF_ERROR(err);
	FORWARD_IF_ERROR(meta_clock(r, "end_time", "end_uptime"));
	FORWARD_IF_ERROR(meta(r, "records", "%llu", (unsigned long long)r->info.records));
	FORWARD_IF_ERROR(meta(r, "bytes", "%llu", (unsigned long long)r->info.bytes));
	FORWARD_IF_ERROR(meta(r, "read_bytes", "%llu", (unsigned long long)r->info.read_bytes));

	if (dict && r->series)
		dict = r->want_dict = unseen_handles(r);
	if (dict) {
		/* After the dump: the depot only grows, so every handle read is there. */
		struct buf text = { 0 }, part = { 0 };

		fd = open_kernel(r, dir, "page_owner_stacks/show_stacks_handles", false, true);
		if (fd == -ENOENT) {
			pgs__diag(&r->diag, PGS_DIAG_WARN, 0, 0,
				  "%s/page_owner_stacks/show_stacks_handles: none on this kernel: "
				  "the snapshot's handles stay unresolved", dir);
			FORWARD_IF_ERROR(meta(r, "stacks_handles", "none (the kernel has no show_stacks_handles)"));
		} else if (fd < 0) {
			return fd;
		} else {
			err = read_all(r, fd, "show_stacks_handles", NULL, &text);
			close(fd);
			if (!err && r->series)
				err = note_handles(r, text.p, text.len);
			if (!err) {
				size_t cap = ZSTD_compressBound(text.len);

				err = buf_reserve(r->al, &part, cap + 1);
				if (!err) {
					/* A context of its own: a one-shot frame on r->cc
					 * would leave its size pledged to the next stream. */
					ZSTD_customMem cm = { zalloc, zfree, (void *)(uintptr_t)r->al };
					ZSTD_CCtx *one = ZSTD_createCCtx_advanced(cm);
					size_t z = one ? ZSTD_compressCCtx(one, part.p, cap, text.p, text.len,
									   OPTS_GET(o, level, 0) ?
									   OPTS_GET(o, level, 0) : 3) :
							 (size_t)-1;

					ZSTD_freeCCtx(one);

					if (ZSTD_isError(z))
						err = -ENOMEM;
					else
						part.len = z;
				}
			}
			if (!err) {
				struct buf fr = { 0 };

				r->info.dict_bytes = text.len;
				err = snap_frame(r->al, &fr, SNAP_DICT_SIG, part.p, part.len);
				if (!err)
					err = write_all(r, fr.p, fr.len);
				pgs__free(r->al, fr.p);
			}
			pgs__free(r->al, text.p);
			pgs__free(r->al, part.p);
			FORWARD_IF_ERROR(err);
			FORWARD_IF_ERROR(meta(r, "stacks_handles", "%llu bytes of show_stacks_handles",
					      (unsigned long long)r->info.dict_bytes));
		}
	}
	{
		struct buf tail = { 0 };

		err = snap_frame(r->al, &tail, SNAP_END_SIG, r->meta.p, r->meta.len);
		if (!err)
			err = write_all(r, tail.p, tail.len);
		pgs__free(r->al, tail.p);
	}
	return err;
}



static int rec_init(struct rec *r, int fd, const struct pgs_record_opts *opts, const char **dir)
{
	memset(r, 0, sizeof(*r));
	RETURN_ERROR_IF(fd < 0, -EINVAL);
	FORWARD_IF_ERROR(opts_valid(opts, sizeof(*opts)));
	r->o = opts;
	r->al = OPTS_GET(opts, allocator, NULL);
	r->out = fd;
	r->fixed_src = -1;
	r->diag.fn = OPTS_GET(opts, diag, NULL);
	r->diag.user = OPTS_GET(opts, diag_user, NULL);
	r->diag.level = OPTS_GET(opts, diag_level, 0) ? OPTS_GET(opts, diag_level, 0) : PGS_DIAG_WARN;
	*dir = OPTS_GET(opts, debugfs, NULL) ? OPTS_GET(opts, debugfs, NULL) : "/sys/kernel/debug";
	r->diag.source = *dir;
	{
		ZSTD_customMem cm = { zalloc, zfree, (void *)(uintptr_t)r->al };

		r->cc = ZSTD_createCCtx_advanced(cm);
	}
	r->obuf = pgs__malloc(r->al, OUT_BUF);
	RETURN_ERROR_IF(!r->cc || !r->obuf, -ENOMEM);
	ZSTD_CCtx_setParameter(r->cc, ZSTD_c_compressionLevel,
			       OPTS_GET(opts, level, 0) ? OPTS_GET(opts, level, 0) : 3);
	ZSTD_CCtx_setParameter(r->cc, ZSTD_c_checksumFlag, 1);
	return 0;
}

static void rec_fini(struct rec *r, int err, struct pgs_record_info *info)
{
	if ((!err || r->series) && info) {
		size_t sz = info->sz < sizeof(*info) ? info->sz : sizeof(*info);

		r->info.sz = info->sz;
		memcpy(info, &r->info, sz);
	}
	ZSTD_freeCCtx(r->cc);
	pgs__free(r->al, r->obuf);
	pgs__free(r->al, r->blk.p);
	pgs__free(r->al, r->meta.p);
	pgs__free(r->al, r->text.p);
	pgs__free(r->al, r->seen);
}

PGS_API int pgs_record(int fd, const struct pgs_record_opts *opts, struct pgs_record_info *info)
{
	struct rec r;
	const char *dir;
	int err = rec_init(&r, fd, opts, &dir);

	if (!err)
		err = record(&r, dir);
	rec_fini(&r, err, info);
	return err;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static bool stopped(const struct rec *r)
{
	const volatile int *stop = OPTS_GET(r->o, stop, NULL);

	return stop && *stop;
}

PGS_API int pgs_record_series(int fd, const struct pgs_record_opts *opts,
			      struct pgs_record_info *info)
{
	struct rec r;
	const char *dir;
	uint64_t every, count, limit, t0, n;
	int err = rec_init(&r, fd, opts, &dir);

	every = OPTS_GET(opts, every_ms, 0);
	count = OPTS_GET(opts, count, 0);
	limit = OPTS_GET(opts, for_ms, 0);
	if (!err && !every)
		err = -EINVAL;
	r.series = true;
	if (!err) {
		/* The series' own header: what it samples, where, how often. */
		struct buf head = { 0 };

		err = meta_start(&r, "series");
		if (!err)
			err = meta(&r, "every_ms", "%llu", (unsigned long long)every);
		if (!err)
			err = snap_frame(r.al, &head, SNAP_SERIES_SIG, r.meta.p, r.meta.len);
		if (!err)
			err = write_all(&r, head.p, head.len);
		pgs__free(r.al, head.p);
	}
	t0 = now_ms();
	for (n = 1; !err && !stopped(&r); n++) {
		struct buf pend = { 0 };
		int e;

		r.pending = &pend;
		r.sample = n;
		r.info.records = r.info.bytes = r.info.read_bytes = r.info.dict_bytes = 0;
		r.meta.len = r.blk.len = r.text.len = 0;
		r.prev = 0;
		r.refused[0] = '\0';
		r.sel_node = r.sel_pid = r.sel_tgid = false;
		r.want_dict = false;
		e = record(&r, dir);
		r.pending = NULL;
		if (!e) {
			/* The whole sample in one write: the file is valid after each. */
			e = write_all(&r, pend.p, pend.len);
			if (e)
				err = e;
			else
				r.info.samples++;
		} else if (e == -ENOMEM || n == 1) {
			err = e;
		} else {
			r.info.errors++;
			pgs__diag(&r.diag, PGS_DIAG_WARN, 0, 0, "sample %llu: %s: not kept (%llu so far)",
				  (unsigned long long)n, pgs_strerror(e),
				  (unsigned long long)r.info.errors);
		}
		pgs__free(r.al, pend.p);
		if (err || (count && n >= count) || (limit && now_ms() - t0 >= limit))
			break;
		/* Until the next tick (t0 + n * every), waking to see *stop. */
		while (!stopped(&r) && now_ms() < t0 + n * every) {
			uint64_t left = t0 + n * every - now_ms();
			struct timespec ts = { 0, (long)(left < 100 ? left : 100) * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (limit && now_ms() - t0 >= limit)
			break;
	}
	rec_fini(&r, err, info);
	return err;
}
