/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pprof's profile.proto (github.com/google/pprof proto/profile.proto),
 * encoded by hand and gzipped, for go tool pprof, its web UI and Pyroscope:
 *  - sample_type: allocations/count (blocks), pages/count, space/bytes;
 *    default_sample_type by --weight;
 *  - one Sample per group: its frames leaf first (fold_frames(), so the
 *    grouping's other keys are root-most pseudo frames, as in folded), and
 *    one string label per such key;
 *  - one Function and one Location (id = the function's) per distinct
 *    frame: name without offsets (with them under --keep-offsets),
 *    system_name as the dump printed it; stack frames in one Mapping,
 *    "vmlinux", with has_functions so that pprof does not symbolize.
 * The profile is built in memory, then deflated by zlib into one gzip
 * member, zlib allocating through the library's hook.
 */
#include <stdio.h>	/* snprintf */
#include <zlib.h>

#include "fold.h"

/* A growing protobuf message; allocation failure is sticky in err. */
struct pb {
	const struct pgs_allocator *al;
	uint8_t *p;
	size_t n, cap;
	int err;
};

static void pb_put(struct pb *b, const void *s, size_t len)
{
	if (b->err || !len)
		return;
	if (pgs__grow(b->al, (void **)&b->p, &b->cap, b->n + len, 1) < 0) {
		b->err = -ENOMEM;
		return;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
}

static void pb_varint(struct pb *b, uint64_t v)
{
	uint8_t d[10];
	size_t n = 0;

	while (v >= 0x80) {
		d[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	d[n++] = (uint8_t)v;
	pb_put(b, d, n);
}

enum { WT_VARINT = 0, WT_LEN = 2 };

/* A varint field; proto3 leaves zero out. */
static void pb_uint(struct pb *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	pb_varint(b, (uint64_t)field << 3 | WT_VARINT);
	pb_varint(b, v);
}

/* A length-delimited field: a nested message or packed numbers. */
static void pb_bytes(struct pb *b, unsigned field, const void *s, size_t len)
{
	pb_varint(b, (uint64_t)field << 3 | WT_LEN);
	pb_varint(b, len);
	pb_put(b, s, len);
}

static void pb_msg(struct pb *b, unsigned field, struct pb *m)
{
	if (m->err)
		b->err = m->err;
	pb_bytes(b, field, m->p, m->n);
	m->n = 0;
}

enum {
	/* Profile */
	P_SAMPLE_TYPE = 1, P_SAMPLE, P_MAPPING, P_LOCATION, P_FUNCTION, P_STRING_TABLE,
	P_COMMENT = 13, P_DEFAULT_SAMPLE_TYPE,
	/* ValueType */
	VT_TYPE = 1, VT_UNIT,
	/* Sample */
	S_LOCATION_ID = 1, S_VALUE, S_LABEL,
	/* Label */
	L_KEY = 1, L_STR,
	/* Mapping */
	M_ID = 1, M_FILENAME = 5, M_HAS_FUNCTIONS = 7,
	/* Location */
	LOC_ID = 1, LOC_MAPPING_ID, LOC_LINE = 4,
	/* Line */
	LINE_FUNCTION_ID = 1,
	/* Function */
	F_ID = 1, F_NAME, F_SYSTEM_NAME,
};

struct prof {
	const struct pgs_result *r;
	struct pb out;		/* the Profile: samples, then the rest at the end */
	struct pb funcs, locs;	/* Function and Location messages */
	struct pb msg, sub, ids, vals;	/* scratch for a sample */
	struct pb fmsg, fsub;	/* scratch for a function and its location */
	struct strpool str;	/* the string table: "" is id 0, as pprof wants */
	uint32_t *fn_of;	/* by str id of a system name: function id, 0: none */
	size_t fn_cap;
	uint32_t nfn;
	int err;
};

/* The string table index of s; bytes that are not UTF-8 become '?'. */
static uint32_t intern(struct prof *p, const char *s, size_t len)
{
	size_t i = 0, u;
	char *copy;
	uint32_t id;

	while (i < len && (u = utf8_len((const unsigned char *)s + i, len - i)) > 0)
		i += u;
	if (i == len) {
		id = strpool_intern(&p->str, s, len, &(bool){ 0 });
	} else {
		if (!(copy = pgs__malloc(p->out.al, len))) {
			p->err = -ENOMEM;
			return 0;
		}
		memcpy(copy, s, len);
		for (; i < len; i += u)
			if (!(u = utf8_len((const unsigned char *)copy + i, len - i))) {
				copy[i] = '?';
				u = 1;
			}
		id = strpool_intern(&p->str, copy, len, &(bool){ 0 });
		pgs__free(p->out.al, copy);
	}
	if (!id && len)
		p->err = -ENOMEM;
	return id;
}

static uint32_t intern_cstr(struct prof *p, const char *s)
{
	return intern(p, s, strlen(s));
}

static void value_type(struct prof *p, unsigned field, const char *type, const char *unit)
{
	pb_uint(&p->sub, VT_TYPE, intern_cstr(p, type));
	pb_uint(&p->sub, VT_UNIT, intern_cstr(p, unit));
	pb_msg(&p->out, field, &p->sub);
}

/* Make room for fn_of[id], new entries zero. */
static int fn_slot(struct prof *p, uint32_t id)
{
	size_t old = p->fn_cap;

	FORWARD_IF_ERROR(pgs__grow(p->out.al, (void **)&p->fn_of, &p->fn_cap, (size_t)id + 1,
				   sizeof(*p->fn_of)));
	memset(p->fn_of + old, 0, (p->fn_cap - old) * sizeof(*p->fn_of));
	return 0;
}

/* The function (and location) id of frame i of f, made on first sight. */
static uint32_t function_of(struct prof *p, const struct fold_frames *f, size_t i)
{
	const struct fold_frame *x = &f->f[i];
	const struct strpool *ts = &p->r->t->strings;
	size_t len;
	const char *name = fold_frame_text(p->r, f, i, &len);
	uint32_t sys, id;

	sys = x->id ? intern(p, strpool_str(ts, x->raw), strpool_len(ts, x->raw)) :
		      intern(p, name, len);
	if (p->err || fn_slot(p, sys) < 0) {
		p->err = p->err ? p->err : -ENOMEM;
		return 0;
	}
	if (p->fn_of[sys])
		return p->fn_of[sys];
	id = p->fn_of[sys] = ++p->nfn;
	pb_uint(&p->fmsg, F_ID, id);
	pb_uint(&p->fmsg, F_NAME, intern(p, name, len));
	pb_uint(&p->fmsg, F_SYSTEM_NAME, sys);
	pb_msg(&p->funcs, P_FUNCTION, &p->fmsg);
	pb_uint(&p->fsub, LINE_FUNCTION_ID, id);
	pb_uint(&p->fmsg, LOC_ID, id);
	pb_uint(&p->fmsg, LOC_MAPPING_ID, x->id ? 1 : 0);
	pb_msg(&p->fmsg, LOC_LINE, &p->fsub);
	pb_msg(&p->locs, P_LOCATION, &p->fmsg);
	return id;
}

/*
 * A label per pseudo frame's key, its value as the pseudo frame writes it.
 * Strings even for numbers: pprof drops a numeric label of 0 (pid 0) and
 * Pyroscope reads string labels only.
 */
static void labels(struct prof *p, size_t row, bool strip)
{
	const struct pgs_result *r = p->r;
	unsigned id;

	for (id = 0; id < K__COUNT; id++) {
		const struct key_def *d = key_by_id((enum key_id)id);
		char buf[128];
		size_t len;
		const char *s;

		if (!(r->s.cull & KEY_BIT(id)) || d->type == KT_STACK || id == K_TXT)
			continue;
		s = fold_value_text(r, (enum key_id)id, row, strip, buf, sizeof(buf), &len);
		if (!s || !len)
			continue;	/* "" is string 0, which pprof reads as no label */
		pb_uint(&p->sub, L_KEY, intern_cstr(p, d->long_name));
		pb_uint(&p->sub, L_STR, intern(p, s, len));
		pb_msg(&p->msg, S_LABEL, &p->sub);
	}
}

static int add_sample(struct prof *p, const struct group *g, struct fold_frames *f,
		      unsigned flags)
{
	const struct pgs_result *r = p->r;
	uint64_t vals[3] = { g->times, g->pages, g->pages * r->kc.page_size };
	size_t i, k;

	FORWARD_IF_ERROR(fold_frames(r, g->first, flags, f));
	for (i = f->n; i-- > 0;)	/* leaf first */
		pb_varint(&p->ids, function_of(p, f, i));
	for (k = 0; k < 3; k++)
		pb_varint(&p->vals, vals[k]);
	pb_msg(&p->msg, S_LOCATION_ID, &p->ids);
	pb_msg(&p->msg, S_VALUE, &p->vals);
	labels(p, g->first, flags & FOLD_STRIP);
	pb_msg(&p->out, P_SAMPLE, &p->msg);
	return p->err ? p->err : p->out.err;
}

/* zlib's allocations through the library's hook (opaque: the allocator). */
static voidpf z_alloc(voidpf al, uInt items, uInt size)
{
	if (size && items > SIZE_MAX / size)
		return Z_NULL;
	return pgs__malloc(al, (size_t)items * size);
}

static void z_free(voidpf al, voidpf p)
{
	pgs__free(al, p);
}

/* One gzip member (RFC 1952) of s deflated (RFC 1951) by zlib. */
static int write_gzip(struct writer *w, const uint8_t *s, size_t len)
{
	z_stream z = {
		.zalloc = z_alloc, .zfree = z_free, .opaque = (voidpf)w->al,
	};
	uint8_t out[16384];
	size_t off = 0;
	int ret, flush;

	/* windowBits 15 + 16: a gzip header and trailer; memLevel 8: zlib's default. */
	ret = deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			   Z_DEFAULT_STRATEGY);
	if (ret != Z_OK)
		return ret == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	do {
		/* avail_in is an unsigned int: feed s in pieces. */
		size_t n = len - off > (1u << 30) ? 1u << 30 : len - off;

		z.next_in = (Bytef *)(uintptr_t)(s + off);
		z.avail_in = (uInt)n;
		off += n;
		flush = off == len ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			ret = deflate(&z, flush);
			w_put(w, out, sizeof(out) - z.avail_out);
		} while (ret == Z_OK && z.avail_out == 0);
	} while (ret == Z_OK && flush != Z_FINISH);
	deflateEnd(&z);
	return ret == Z_STREAM_END ? 0 : -EIO;
}

void write_pprof(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o)
{
	static const char *const defaults[] = {
		[PGS_WEIGHT_PAGES] = "pages", [PGS_WEIGHT_TIMES] = "allocations",
		[PGS_WEIGHT_BYTES] = "space",
	};
	unsigned flags = o->flags & PGS_WRITE_KEEP_OFFSETS ? 0 : FOLD_STRIP;
	const struct pgs_allocator *al = w->al;
	struct prof p = {
		.r = r, .out.al = al, .funcs.al = al, .locs.al = al, .msg.al = al,
		.sub.al = al, .ids.al = al, .vals.al = al, .fmsg.al = al, .fsub.al = al,
	};
	struct fold_frames f = { .al = al };
	const char *input = o->input_name ? o->input_name : r->t->name;
	size_t i;
	int err;

	err = strpool_init(&p.str, al);
	if (!err) {
		value_type(&p, P_SAMPLE_TYPE, "allocations", "count");
		value_type(&p, P_SAMPLE_TYPE, "pages", "count");
		value_type(&p, P_SAMPLE_TYPE, "space", "bytes");
	}
	for (i = 0; !err && i < r->n; i++)
		err = add_sample(&p, result_group(r, i), &f, flags);
	if (!err) {
		char ver[64];

		snprintf(ver, sizeof(ver), "pgsort %s", pgs_version());
		pb_uint(&p.out, P_DEFAULT_SAMPLE_TYPE, intern_cstr(&p, defaults[o->weight]));
		pb_uint(&p.out, P_COMMENT, intern_cstr(&p, ver));
		if (input)
			pb_uint(&p.out, P_COMMENT, intern_cstr(&p, input));
		/* One mapping, the kernel's, that has its symbols already. */
		pb_uint(&p.sub, M_ID, 1);
		pb_uint(&p.sub, M_FILENAME, intern_cstr(&p, "vmlinux"));
		pb_uint(&p.sub, M_HAS_FUNCTIONS, 1);
		pb_msg(&p.out, P_MAPPING, &p.sub);
		pb_put(&p.out, p.locs.p, p.locs.n);
		pb_put(&p.out, p.funcs.p, p.funcs.n);
		for (i = 0; i < p.str.count; i++)
			pb_bytes(&p.out, P_STRING_TABLE, strpool_str(&p.str, (uint32_t)i),
				 strpool_len(&p.str, (uint32_t)i));
		err = p.err ? p.err : p.out.err ? p.out.err : p.locs.err ? p.locs.err :
		      p.funcs.err;
	}
	if (!err)
		err = write_gzip(w, p.out.p, p.out.n);
	if (err && !w->err)
		w->err = err;
	strpool_fini(&p.str);
	pgs__free(al, p.out.p);
	pgs__free(al, p.funcs.p);
	pgs__free(al, p.locs.p);
	pgs__free(al, p.msg.p);
	pgs__free(al, p.sub.p);
	pgs__free(al, p.ids.p);
	pgs__free(al, p.vals.p);
	pgs__free(al, p.fn_of);
	pgs__free(al, p.fmsg.p);
	pgs__free(al, p.fsub.p);
	fold_frames_free(&f);
}
