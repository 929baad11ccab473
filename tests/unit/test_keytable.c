/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The key table (lib/query/keys.c) is the one description of every key
 * (issue 14): a row that lacks a property, or whose properties contradict
 * each other, fails here before any report can print it wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/query/query.h"

/* Every row is there and has every property. */
static void test_rows_complete(void **state)
{
	unsigned id;

	(void)state;
	for (id = 0; id < K__COUNT; id++) {
		const struct key_def *k = &pgs_keys[id];

		if (!k->short_name || !k->long_name || !k->help || !k->field)
			fail_msg("key %u: no row, or a row without names, help or field", id);
		if (!*k->short_name || !*k->long_name || !*k->help || !*k->field)
			fail_msg("key %u (%s): an empty name, help or field", id, k->long_name);
		if (k->id != (enum key_id)id)
			fail_msg("key %s: row at %u says id %u", k->long_name, id, (unsigned)k->id);
		if (!k->use || (k->use & ~(KEY_CULL | KEY_SORT | KEY_FILTER | KEY_BOOT)))
			fail_msg("key %s: use %#x", k->long_name, k->use);
		if (k->type > KT_AGG)
			fail_msg("key %s: type %d", k->long_name, (int)k->type);
		if (k->col < KCOL_ROW || k->col > KCOL_PFNT)
			fail_msg("key %s: no col (the column its value depends on)", k->long_name);
		if (!k->kinds)
			fail_msg("key %s: no kinds (the inputs that have it)", k->long_name);
		if (k->text < KTXT_OWN || k->text > KTXT_AFTER_HEX_NAMES)
			fail_msg("key %s: no text (how the text report prints it)", k->long_name);
		if (k->rec < KREC_VALUE || k->rec > KREC_FRAMES)
			fail_msg("key %s: no rec (its JSON/CSV columns)", k->long_name);
		if ((k->rec == KREC_VALUE_NAMES) != (k->names_col != NULL))
			fail_msg("key %s: names_col goes with KREC_VALUE_NAMES, and only", k->long_name);
	}
}

/* The properties agree with each other. */
static void test_rows_consistent(void **state)
{
	unsigned id;

	(void)state;
	for (id = 0; id < K__COUNT; id++) {
		const struct key_def *k = &pgs_keys[id];

		/* Every field is in a page_owner dump; the stacks files have fewer. */
		if (!(k->kinds & KINDS_PO))
			fail_msg("key %s: not in page_owner dumps", k->long_name);
		/* The text report prints the cull keys only. */
		if (k->text != KTXT_OWN && !(k->use & KEY_CULL))
			fail_msg("key %s: printed after the fields but not a cull key", k->long_name);
		if ((k->text == KTXT_AFTER_HEX || k->text == KTXT_AFTER_HEX_NAMES) &&
		    k->type != KT_HEX && k->type != KT_MASK)
			fail_msg("key %s: printed in hex but not a number", k->long_name);
		if (k->rec == KREC_FRAMES && !key_is_stack(id))
			fail_msg("key %s: prints frames but is not a stack", k->long_name);
	}
	/* page_owner_sort's stacktrace and show_stacks' stack, and the frame filter. */
	assert_true(key_stacks() == (KEY_BIT(K_STACKTRACE) | KEY_BIT(K_STACK) | KEY_BIT(K_FRAME)));
	assert_false(key_is_stack(K__COUNT));
	/*
	 * page_owner's header line "Page allocated via order O, mask M(...),
	 * pid P, tgid T (comm), ts N ns": a template without its ts.
	 */
	assert_true(key_set_col(KCOL_HDR) == (KEY_BIT(K_PID) | KEY_BIT(K_TGID) | KEY_BIT(K_NAME) |
					      KEY_BIT(K_ORDER) | KEY_BIT(K_GFP)));
}

/* Each name names one key, which key_lookup() finds. */
static void test_names_unique(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < K__COUNT; i++) {
		const struct key_def *k = &pgs_keys[i];

		assert_ptr_equal(key_lookup(k->short_name, strlen(k->short_name)), k);
		assert_ptr_equal(key_lookup(k->long_name, strlen(k->long_name)), k);
		assert_ptr_equal(key_by_id((enum key_id)i), k);
		for (j = 0; j < i; j++) {
			const struct key_def *o = &pgs_keys[j];

			if (!strcmp(k->short_name, o->short_name) || !strcmp(k->short_name, o->long_name) ||
			    !strcmp(k->long_name, o->short_name) || !strcmp(k->long_name, o->long_name))
				fail_msg("keys %s and %s share a name", o->long_name, k->long_name);
		}
	}
}

/* Key sets hold every key: the top key's bit is its own. */
static void test_keyset(void **state)
{
	keyset all = 0;
	unsigned id;

	(void)state;
	for (id = 0; id < K__COUNT; id++) {
		assert_false(all & KEY_BIT(id));
		all |= KEY_BIT(id);
	}
	assert_int_equal(__builtin_popcountll(all), K__COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete),
		cmocka_unit_test(test_rows_consistent),
		cmocka_unit_test(test_names_unique),
		cmocka_unit_test(test_keyset),
	};

	return cmocka_run_group_tests_name("keytable", tests, NULL, NULL);
}
