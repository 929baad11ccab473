/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PGS_OUTPUT_H
#define PGS_OUTPUT_H

#include "../query/value.h"

/* A buffered writer in front of the caller's sink; errors are sticky. */
struct writer {
	pgs_write_fn sink;
	void *user;
	int err;
	size_t n;
	char buf[64 * 1024];
};

void w_put(struct writer *w, const void *s, size_t len);
void w_str(struct writer *w, const char *s);
void w_printf(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void w_flush(struct writer *w);

/* Decimal digits of v into out (at least 20 bytes); returns their count. */
size_t fmt_u64(char *out, uint64_t v);
/* v in decimal, without printf: millions of groups print it twice each. */
void w_u64(struct writer *w, uint64_t v);

/* A JSON string literal (quotes included); bytes that are not UTF-8 become \u00XX. */
void w_json_str(struct writer *w, const char *s, size_t len);

void write_text(struct writer *w, const struct pgs_result *r);
/*
 * The text report's line for a culled group after its counts: ", PID 1",
 * ", task_comm_name: x", the other cull keys, then ":\n" and its stack.
 */
void text_group_keys(struct writer *w, const struct pgs_result *r, size_t row);
/* JSON pieces: an array of a text's lines; ", \"key\": value" per cull key; "input". */
void lines_array(struct writer *w, const char *s, size_t len);
void key_members(struct writer *w, const struct pgs_result *r, size_t row);
void input_object(struct writer *w, const struct pgs_result *r, const char *name);
void write_json(struct writer *w, const struct pgs_result *r, const char *input_name);
/* The 0.2 formats; each sets w->err on failure. */
void write_ndjson(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
void write_csv(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
void write_folded(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
void write_pprof(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);
/* svg, or html (o->format) */
void write_flame(struct writer *w, const struct pgs_result *r, const struct pgs_write_opts *o);

#endif /* PGS_OUTPUT_H */
