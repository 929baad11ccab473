/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flame graph renderer of flame.h. The stacks are sorted frame by
 * frame, which puts every stack sharing a prefix next to the others, so one
 * pass merges them into a tree already in pre-order with its x offsets (in
 * weight units). Writing it is a second pass: nested <g> per frame, the
 * frames narrower than FLAME_MIN_PX left out with their subtrees.
 *
 * Numbers are written with integer arithmetic (no printf %f), so the bytes
 * do not depend on the locale and golden tests can compare them.
 */
#include <stdio.h>	/* snprintf */
#include <stdlib.h>	/* qsort */

#include "flame.h"

#define PAD 10		/* px left and right */
#define FH 16		/* px per level */
#define TOP 70		/* title, subtitle, controls */
#define BOTTOM 40	/* details line, notes */
#define CHAR_W 7	/* px per character of a 12px monospace label */

struct node {
	const struct flame_frame *f;	/* NULL: the root */
	size_t end;			/* one past the subtree's last node */
	uint32_t depth;
	uint32_t alloc;			/* PGS_ALLOC_* of the stacks through it */
	uint64_t x, w, wb;		/* offset, weight (after), weight before */
	struct flame_count a, b;
};

void w_xml_text(struct writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	while (i < len) {
		unsigned char c = s[i];
		const char *ref = NULL;
		size_t u;

		if (c >= 0x20 && c < 0x7f && c != '<' && c != '>' && c != '&' && c != '"' &&
		    c != '\'') {
			i++;
			run++;
			continue;
		}
		/* U+FFFE and U+FFFF are UTF-8 but not XML characters. */
		if (c >= 0x80 && (u = utf8_len(s + i, len - i)) > 0 &&
		    !(u == 3 && c == 0xef && s[i + 1] == 0xbf && s[i + 2] >= 0xbe)) {
			i += u;
			run += u;
			continue;
		}
		w_put(w, s + i - run, run);
		run = 0;
		switch (c) {
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '&': ref = "&amp;"; break;
		case '"': ref = "&quot;"; break;
		case '\'': ref = "&#39;"; break;
		}
		if (ref)
			w_str(w, ref);
		else
			w_printf(w, "\\x%02x", c);
		i++;
	}
	w_put(w, s + i - run, run);
}

/* v >= 0 with two decimals, rounded: "12.34". */
static void w_fix2(struct writer *w, double v)
{
	uint64_t h = (uint64_t)(v * 100 + 0.5);

	w_u64(w, h / 100);
	w_printf(w, ".%02u", (unsigned)(h % 100));
}

/* "512 B", "4.0 KiB", "1.5 GiB" */
static void w_human(struct writer *w, uint64_t b)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)b;
	unsigned u = 0;
	uint64_t tenths;

	if (b < 1024) {
		w_u64(w, b);
		w_str(w, " B");
		return;
	}
	v /= 1024;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	tenths = (uint64_t)(v * 10 + 0.5);
	w_printf(w, "%llu.%u %s", (unsigned long long)(tenths / 10), (unsigned)(tenths % 10),
		 unit[u]);
}

static uint64_t weight_of(const struct flame_opts *o, const struct flame_count *c)
{
	switch (o->weight) {
	case PGS_WEIGHT_TIMES:
		return c->times;
	case PGS_WEIGHT_BYTES:
		return c->pages * (o->page_size ? o->page_size : PAGE_SIZE_DEFAULT);
	default:
		return c->pages;
	}
}

const char *flame_unit(enum pgs_weight w)
{
	return w == PGS_WEIGHT_TIMES ? "blocks" : w == PGS_WEIGHT_BYTES ? "bytes" : "pages";
}

static const char *times_unit(const struct flame_opts *o)
{
	return o->times_unit ? o->times_unit : "blocks";
}

static const char *unit(const struct flame_opts *o)
{
	return o->weight == PGS_WEIGHT_TIMES ? times_unit(o) : flame_unit(o->weight);
}

static int cmp_frame(const struct flame_frame *a, const struct flame_frame *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->s, b->s, n) : 0;

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return (int)a->pseudo - (int)b->pseudo;
}

static int cmp_stack(const void *pa, const void *pb)
{
	const struct flame_stack *a = pa, *b = pb;
	size_t n = a->nframes < b->nframes ? a->nframes : b->nframes, k;

	for (k = 0; k < n; k++) {
		int c = cmp_frame(&a->frames[k], &b->frames[k]);

		if (c)
			return c;
	}
	return a->nframes < b->nframes ? -1 : a->nframes > b->nframes;
}

/*
 * The tree of the sorted stacks, in pre-order. A child starts where its
 * previous sibling ended (next[]); a frame's own weight, beyond its
 * children's, stays at its right end. Returns the node count, 0 on -ENOMEM.
 */
static size_t build(const struct pgs_allocator *al, const struct flame_stack *st, size_t n,
		    const struct flame_opts *o, struct node **out)
{
	size_t cap = 1, depth = 0, maxf = 0, nn = 1, i, k;
	struct node *nodes;
	size_t *path;
	uint64_t *next;

	for (i = 0; i < n; i++) {
		cap += st[i].nframes;
		if (st[i].nframes > maxf)
			maxf = st[i].nframes;
	}
	nodes = pgs__calloc(al, cap, sizeof(*nodes));
	path = pgs__malloc(al, (maxf + 1) * sizeof(*path));
	next = pgs__malloc(al, (maxf + 1) * sizeof(*next));
	if (!nodes || !path || !next) {
		pgs__free(al, nodes);
		pgs__free(al, path);
		pgs__free(al, next);
		return 0;
	}
	path[0] = 0;
	next[0] = 0;
	for (i = 0; i < n; i++) {
		const struct flame_stack *s = &st[i];
		uint64_t wa = weight_of(o, &s->after), wb = weight_of(o, &s->before);
		size_t common = 0;

		while (common < depth && common < s->nframes &&
		       cmp_frame(nodes[path[common + 1]].f, &s->frames[common]) == 0)
			common++;
		for (; depth > common; depth--) {
			nodes[path[depth]].end = nn;
			next[depth - 1] += nodes[path[depth]].w;
		}
		for (k = common; k < s->nframes; k++) {
			struct node *c = &nodes[nn];

			c->f = &s->frames[k];
			c->depth = (uint32_t)(k + 1);
			c->x = next[depth];
			path[++depth] = nn++;
			next[depth] = c->x;
		}
		for (k = 0; k <= depth; k++) {
			struct node *p = &nodes[path[k]];

			p->w += wa;
			p->wb += wb;
			p->a.times += s->after.times;
			p->a.pages += s->after.pages;
			p->b.times += s->before.times;
			p->b.pages += s->before.pages;
			p->alloc |= s->allocator;
		}
	}
	for (; depth > 0; depth--)
		nodes[path[depth]].end = nn;
	nodes[0].end = nn;
	pgs__free(al, path);
	pgs__free(al, next);
	*out = nodes;
	return nn;
}

/* What the hover shows after the name. */
static void w_figures(struct writer *w, const struct node *n, const struct flame_opts *o,
		      uint64_t total)
{
	uint64_t ps = o->page_size ? o->page_size : PAGE_SIZE_DEFAULT;

	w_u64(w, n->a.times);
	w_printf(w, " %s, ", times_unit(o));
	w_u64(w, n->a.pages);
	w_str(w, " pages, ");
	w_u64(w, n->a.pages * ps);
	w_str(w, " bytes (");
	w_human(w, n->a.pages * ps);
	w_str(w, "), ");
	w_fix2(w, total ? 100.0 * (double)n->w / (double)total : 0);
	w_printf(w, "%% of %s", unit(o));
	if (!o->differential)
		return;
	w_str(w, "\nbefore: ");
	w_u64(w, n->b.times);
	w_printf(w, " %s, ", times_unit(o));
	w_u64(w, n->b.pages);
	w_str(w, " pages; change: ");
	w_put(w, n->w >= n->wb ? "+" : "-", 1);
	w_u64(w, n->w >= n->wb ? n->w - n->wb : n->wb - n->w);
	w_printf(w, " %s", unit(o));
	if (n->wb) {
		double pct = 100.0 * ((double)n->w - (double)n->wb) / (double)n->wb;

		w_str(w, pct >= 0 ? " (+" : " (-");
		w_fix2(w, pct >= 0 ? pct : -pct);
		w_str(w, "%)");
	} else if (n->w) {
		w_str(w, " (new)");
	}
}

static uint8_t clamp8(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static void hsl(unsigned hue, double s, double l, uint8_t rgb[3])
{
	unsigned sector = hue / 60 % 6;
	double frac = (hue % 60) / 60.0;
	double c = (1 - (2 * l > 1 ? 2 * l - 1 : 1 - 2 * l)) * s, m = l - c / 2;
	double x = c * (sector % 2 ? 1 - frac : frac);
	double r = 0, g = 0, b = 0;

	switch (sector) {
	case 0: r = c, g = x; break;
	case 1: r = x, g = c; break;
	case 2: g = c, b = x; break;
	case 3: g = x, b = c; break;
	case 4: r = x, b = c; break;
	default: r = c, b = x; break;
	}
	rgb[0] = clamp8((int)((r + m) * 255 + 0.5));
	rgb[1] = clamp8((int)((g + m) * 255 + 0.5));
	rgb[2] = clamp8((int)((b + m) * 255 + 0.5));
}

static const struct {
	uint32_t bits;
	const char *name;
	uint8_t rgb[3];
} alloc_colors[] = {
	{ PGS_ALLOC_SLAB, "SLAB", { 96, 184, 96 } },
	{ PGS_ALLOC_VMALLOC, "VMALLOC", { 150, 115, 220 } },
	{ PGS_ALLOC_CMA, "CMA", { 64, 168, 200 } },
	{ PGS_ALLOC_OTHERS, "OTHERS", { 240, 160, 64 } },
	{ 0, "mixed", { 200, 196, 150 } },
};

/*
 * A frame's fill, from hashes of its names only (never of its position),
 * so a function keeps its colour from one graph to the next.
 */
static void color(const struct node *n, const struct flame_opts *o, uint64_t maxd,
		  uint8_t rgb[3])
{
	const char *s = n->f ? n->f->s : "all";
	size_t len = n->f ? n->f->len : 3, sym = len;
	uint64_t h;

	if (o->differential) {
		uint64_t d = n->w >= n->wb ? n->w - n->wb : n->wb - n->w;
		int c = 235 - (int)(maxd ? 200.0 * (double)d / (double)maxd + 0.5 : 0);

		if (!d)
			rgb[0] = rgb[1] = rgb[2] = 240;
		else if (n->w > n->wb)
			rgb[0] = 255, rgb[1] = rgb[2] = (uint8_t)c;
		else
			rgb[0] = rgb[1] = (uint8_t)c, rgb[2] = 255;
		return;
	}
	/* The symbol without " [module]". */
	if (len > 3 && s[len - 1] == ']')
		for (sym = len - 1; sym > 0 && !(s[sym] == '[' && s[sym - 1] == ' '); sym--)
			;
	if (sym == 0 || sym == len)
		sym = len;
	else
		sym--;
	h = strpool_hash(s, sym);
	if (o->color == FLAME_COLOR_ALLOCATOR && n->f) {
		size_t k;
		int j = (int)(h & 15) - 8;

		for (k = 0; k < 4 && alloc_colors[k].bits != n->alloc; k++)
			;
		rgb[0] = clamp8(alloc_colors[k].rgb[0] + j);
		rgb[1] = clamp8(alloc_colors[k].rgb[1] + j);
		rgb[2] = clamp8(alloc_colors[k].rgb[2] + j);
	} else if (!n->f || n->f->pseudo) {
		rgb[0] = rgb[1] = rgb[2] = (uint8_t)(180 + h % 40);
	} else if (sym == len) {
		/* vmlinux: the warm red to yellow of the classic flame graph */
		rgb[0] = (uint8_t)(205 + (h & 0xff) * 50 / 255);
		rgb[1] = (uint8_t)(((h >> 8) & 0xff) * 230 / 255);
		rgb[2] = (uint8_t)(((h >> 16) & 0xff) * 55 / 255);
	} else {
		/* a module: its own hue out of the warm range, shades per function */
		uint64_t hm = strpool_hash(s + sym + 2, len - sym - 3);

		hsl((unsigned)(90 + hm % 240), 0.6, 0.55 + 0.2 * (double)(h & 0xff) / 255, rgb);
	}
}

static const char style[] =
	"text{font-family:monospace;font-size:12px;fill:#000}\n"
	"g.f{cursor:pointer}\n"
	"g.f>text{pointer-events:none}\n"
	"g.anc>rect{opacity:.55}\n"
	"#pgs-title{font-size:17px;text-anchor:middle}\n"
	"#pgs-sub{fill:#555;text-anchor:middle}\n"
	"#pgs-unzoom{fill:#0645ad;cursor:pointer}\n"
	"#pgs-matched{text-anchor:end}\n"
	".pgs-note{fill:#777}\n";

/*
 * Zoom: a click on a frame stretches it to the full width with its
 * subtree, keeps its ancestors (faded, full width) and hides the rest.
 * Every frame's first geometry is read from the document, so the script
 * holds no data of its own. Labels are cut to fit as the server cut them.
 */
static const char script[] =
	"(function () {\n"
	"\"use strict\";\n"
	"var NS = \"http://www.w3.org/2000/svg\";\n"
	"var svg = document.getElementById(\"pgs-flame\");\n"
	"var W = +svg.getAttribute(\"width\"), PAD = 10, CW = 7;\n"
	"var details = document.getElementById(\"pgs-details\");\n"
	"var matched = document.getElementById(\"pgs-matched\");\n"
	"var unzoomBtn = document.getElementById(\"pgs-unzoom\");\n"
	"var input = document.getElementById(\"pgs-search\");\n"
	"var frames = Array.prototype.slice.call(svg.querySelectorAll(\"g.f\"));\n"
	"var root = frames[0];\n"
	"frames.forEach(function (g) {\n"
	"  var t = g.querySelector(\":scope > title\").textContent, nl = t.indexOf(\"\\n\");\n"
	"  g.pgsName = t.slice(0, nl);\n"
	"  g.pgsInfo = t.slice(nl + 1).replace(/\\n/g, \"; \");\n"
	"  g.pgsRect = g.querySelector(\":scope > rect\");\n"
	"  g.pgsText = g.querySelector(\":scope > text\");\n"
	"  g.pgsX = +g.pgsRect.getAttribute(\"x\");\n"
	"  g.pgsW = +g.pgsRect.getAttribute(\"width\");\n"
	"  g.pgsFill = g.pgsRect.getAttribute(\"fill\");\n"
	"});\n"
	"function label(g, x, w) {\n"
	"  var n = Math.floor((w - 6) / CW), s = g.pgsName, t = g.pgsText;\n"
	"  if (n < 3) { if (t) t.textContent = \"\"; return; }\n"
	"  if (!t) {\n"
	"    t = g.pgsText = document.createElementNS(NS, \"text\");\n"
	"    t.setAttribute(\"y\", +g.pgsRect.getAttribute(\"y\") + 12);\n"
	"    g.insertBefore(t, g.pgsRect.nextSibling);\n"
	"  }\n"
	"  t.setAttribute(\"x\", (x + 3).toFixed(2));\n"
	"  t.textContent = s.length <= n ? s : s.slice(0, n - 2) + \"..\";\n"
	"}\n"
	"function place(g, x, w, show, anc) {\n"
	"  g.style.display = show ? \"\" : \"none\";\n"
	"  if (!show) return;\n"
	"  g.classList.toggle(\"anc\", anc);\n"
	"  g.pgsRect.setAttribute(\"x\", x.toFixed(2));\n"
	"  g.pgsRect.setAttribute(\"width\", w.toFixed(2));\n"
	"  label(g, x, w);\n"
	"}\n"
	"function zoom(z) {\n"
	"  var k = (W - 2 * PAD) / z.pgsW;\n"
	"  frames.forEach(function (g) {\n"
	"    if (z.contains(g)) place(g, PAD + (g.pgsX - z.pgsX) * k, g.pgsW * k, true, false);\n"
	"    else if (g.contains(z)) place(g, PAD, W - 2 * PAD, true, true);\n"
	"    else place(g, 0, 0, false, false);\n"
	"  });\n"
	"  unzoomBtn.style.display = z === root ? \"none\" : \"\";\n"
	"  svg.setAttribute(\"data-zoom\", z === root ? \"\" : z.pgsName);\n"
	"}\n"
	"function find(p) {\n"
	"  var re = null, sum = 0;\n"
	"  if (p) {\n"
	"    try { re = new RegExp(p); }\n"
	"    catch (e) { re = new RegExp(p.replace(/[.*+?^${}()|[\\]\\\\]/g, \"\\\\$&\")); }\n"
	"  }\n"
	"  frames.forEach(function (g) {\n"
	"    var hit = re !== null && g !== root && re.test(g.pgsName);\n"
	"    g.pgsRect.setAttribute(\"fill\", hit ? \"rgb(230,0,230)\" : g.pgsFill);\n"
	"    g.classList.toggle(\"hit\", hit);\n"
	"    if (hit && !g.parentNode.closest(\"g.hit\")) sum += g.pgsW;\n"
	"  });\n"
	"  matched.textContent = re ? \"Matched: \" + (root.pgsW ? 100 * sum / root.pgsW : 0).toFixed(2) + \"%\" : \"\";\n"
	"}\n"
	"function frameOf(e) { return e.target.closest ? e.target.closest(\"g.f\") : null; }\n"
	"svg.addEventListener(\"click\", function (e) { var g = frameOf(e); if (g) zoom(g); });\n"
	"unzoomBtn.addEventListener(\"click\", function () { zoom(root); });\n"
	"svg.addEventListener(\"mouseover\", function (e) {\n"
	"  var g = frameOf(e);\n"
	"  if (g) details.textContent = g.pgsName + \" \\u2014 \" + g.pgsInfo;\n"
	"});\n"
	"svg.addEventListener(\"mouseout\", function () { details.textContent = \" \"; });\n"
	"input.addEventListener(\"input\", function () { find(input.value); });\n"
	"document.addEventListener(\"keydown\", function (e) {\n"
	"  if ((e.ctrlKey && e.key === \"f\") || (e.key === \"/\" && document.activeElement !== input)) {\n"
	"    e.preventDefault();\n"
	"    input.focus();\n"
	"  } else if (e.key === \"Escape\") {\n"
	"    input.value = \"\";\n"
	"    find(\"\");\n"
	"    zoom(root);\n"
	"  }\n"
	"});\n"
	"})();\n";

static void w_rgb(struct writer *w, const uint8_t rgb[3])
{
	w_printf(w, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

static void legend(struct writer *w, const struct flame_opts *o)
{
	unsigned x = 120, k;

	if (o->differential) {
		static const uint8_t red[3] = { 255, 35, 35 }, blue[3] = { 35, 35, 255 };

		w_printf(w, "<rect x=\"%u\" y=\"51\" width=\"10\" height=\"10\" fill=\"", x);
		w_rgb(w, red);
		w_printf(w, "\"/><text x=\"%u\" y=\"60\">grew</text>\n", x + 14);
		w_printf(w, "<rect x=\"%u\" y=\"51\" width=\"10\" height=\"10\" fill=\"", x + 60);
		w_rgb(w, blue);
		w_printf(w, "\"/><text x=\"%u\" y=\"60\">shrank (widths: after)</text>\n", x + 74);
		return;
	}
	if (o->color != FLAME_COLOR_ALLOCATOR)
		return;
	for (k = 0; k < sizeof(alloc_colors) / sizeof(alloc_colors[0]); k++) {
		w_printf(w, "<rect x=\"%u\" y=\"51\" width=\"10\" height=\"10\" fill=\"", x);
		w_rgb(w, alloc_colors[k].rgb);
		w_printf(w, "\"/><text x=\"%u\" y=\"60\">%s</text>\n", x + 14, alloc_colors[k].name);
		x += 14 + CHAR_W * (unsigned)strlen(alloc_colors[k].name) + 14;
	}
}

/* The label of a frame px wide: NULL when none fits, else its length in *n. */
static bool label_fits(const struct flame_frame *f, double px, size_t *n, bool *cut)
{
	double chars = (px - 6) / CHAR_W;
	size_t k;

	if (chars < 3)
		return false;
	k = (size_t)chars;
	*cut = f->len > k;
	if (!*cut) {
		*n = f->len;
		return true;
	}
	k -= 2;
	/* Never cut inside a UTF-8 sequence. */
	while (k > 0 && ((unsigned char)f->s[k] & 0xc0) == 0x80)
		k--;
	*n = k;
	return true;
}

static void frame(struct writer *w, const struct node *n, const struct flame_opts *o,
		  uint64_t total, double scale, unsigned y, uint64_t maxd)
{
	static const struct flame_frame all = { "all", 3, true };
	const struct flame_frame *f = n->f ? n->f : &all;
	double x = PAD + (double)n->x * scale, px = (double)n->w * scale;
	uint8_t rgb[3];
	size_t len;
	bool cut;

	if (!n->f)
		px = FLAME_WIDTH - 2 * PAD;
	w_str(w, "<g class=\"f\"><title>");
	w_xml_text(w, f->s, f->len);
	w_put(w, "\n", 1);
	w_figures(w, n, o, total);
	w_str(w, "</title><rect x=\"");
	w_fix2(w, x);
	w_printf(w, "\" y=\"%u\" width=\"", y);
	w_fix2(w, px);
	w_str(w, "\" height=\"15\" fill=\"");
	color(n, o, maxd, rgb);
	w_rgb(w, rgb);
	w_str(w, "\"/>");
	if (label_fits(f, px, &len, &cut)) {
		w_str(w, "<text x=\"");
		w_fix2(w, x + 3);
		w_printf(w, "\" y=\"%u\">", y + 12);
		w_xml_text(w, f->s, len);
		if (cut)
			w_str(w, "..");
		w_str(w, "</text>");
	}
	w_put(w, "\n", 1);
}

void flame_render(struct writer *w, struct flame_stack *stacks, size_t n,
		  const struct flame_opts *o)
{
	struct node *nodes = NULL;
	size_t nn, i, *open = NULL, nopen = 0, dropped = 0;
	uint32_t maxdepth = 0;
	uint64_t total, maxd = 0;
	double scale;
	unsigned height;

	if (n)
		qsort(stacks, n, sizeof(*stacks), cmp_stack);
	nn = build(w->al, stacks, n, o, &nodes);
	if (!nn || !(open = pgs__malloc(w->al, nn * sizeof(*open)))) {
		pgs__free(w->al, nodes);
		w->err = -ENOMEM;
		return;
	}
	total = nodes[0].w;
	scale = total ? (double)(FLAME_WIDTH - 2 * PAD) / (double)total : 0;
	for (i = 1; i < nn;) {
		const struct node *x = &nodes[i];

		if ((double)x->w * scale < FLAME_MIN_PX) {
			dropped += x->end - i;
			i = x->end;
			continue;
		}
		if (x->depth > maxdepth)
			maxdepth = x->depth;
		if (x->w > x->wb && x->w - x->wb > maxd)
			maxd = x->w - x->wb;
		if (x->wb > x->w && x->wb - x->w > maxd)
			maxd = x->wb - x->w;
		i++;
	}
	height = TOP + (maxdepth + 1) * FH + BOTTOM;

	if (!o->embedded)
		w_str(w, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	w_printf(w, "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"pgs-flame\" width=\"%u\" "
		 "height=\"%u\" viewBox=\"0 0 %u %u\" data-layout=\"%s\">\n",
		 FLAME_WIDTH, height, FLAME_WIDTH, height, o->icicle ? "icicle" : "flame");
	w_str(w, "<style><![CDATA[\n");
	w_str(w, style);
	w_str(w, "]]></style>\n");
	w_printf(w, "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f4\"/>\n");
	w_printf(w, "<text id=\"pgs-title\" x=\"%u\" y=\"22\">", FLAME_WIDTH / 2);
	w_xml_text(w, o->title ? o->title : "pgsort", strlen(o->title ? o->title : "pgsort"));
	w_str(w, "</text>\n");
	if (o->subtitle) {
		w_printf(w, "<text id=\"pgs-sub\" x=\"%u\" y=\"40\">", FLAME_WIDTH / 2);
		w_xml_text(w, o->subtitle, strlen(o->subtitle));
		w_str(w, "</text>\n");
	}
	w_printf(w, "<text id=\"pgs-unzoom\" x=\"%u\" y=\"60\" style=\"display:none\">"
		 "Reset zoom</text>\n", PAD);
	legend(w, o);
	w_printf(w, "<foreignObject x=\"%u\" y=\"46\" width=\"240\" height=\"20\">"
		 "<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"pgs-search\" type=\"search\" "
		 "placeholder=\"search frames (regex)\" "
		 "style=\"width:100%%;box-sizing:border-box;font:12px monospace\"/>"
		 "</foreignObject>\n", FLAME_WIDTH - PAD - 240);
	w_printf(w, "<text id=\"pgs-details\" x=\"%u\" y=\"%u\"> </text>\n", PAD, height - 24);
	w_printf(w, "<text id=\"pgs-matched\" x=\"%u\" y=\"%u\"></text>\n", FLAME_WIDTH - PAD,
		 height - 8);
	if (dropped)
		w_printf(w, "<text class=\"pgs-note\" x=\"%u\" y=\"%u\">%zu frames narrower than "
			 "0.1 px left out (zoom shows none of them)</text>\n", PAD, height - 8,
			 dropped);
	else if (!total)
		w_printf(w, "<text class=\"pgs-note\" x=\"%u\" y=\"%u\">nothing selected</text>\n",
			 PAD, height - 8);

	for (i = 0; i < nn && !w->err;) {
		const struct node *x = &nodes[i];
		unsigned y = o->icicle ? TOP + x->depth * FH : TOP + (maxdepth - x->depth) * FH;

		if (i && (double)x->w * scale < FLAME_MIN_PX) {
			i = x->end;
			continue;
		}
		while (nopen && nodes[open[nopen - 1]].end <= i) {
			w_str(w, "</g>\n");
			nopen--;
		}
		frame(w, x, o, total, scale, y, maxd);
		open[nopen++] = i;
		i++;
	}
	while (nopen--)
		w_str(w, "</g>\n");
	w_str(w, "<script><![CDATA[\n");
	w_str(w, script);
	w_str(w, "]]></script>\n</svg>\n");
	pgs__free(w->al, open);
	pgs__free(w->al, nodes);
}
