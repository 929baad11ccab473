/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lib/intern/strpool.c: ids are dense, stable and shared by equal bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "../../lib/intern/strpool.h"

static void test_intern(void **state)
{
	struct strpool p;
	char buf[32];
	uint32_t ids[5000];
	bool is_new;
	size_t i;

	(void)state;
	assert_int_equal(strpool_init(&p, NULL), 0);
	assert_int_equal(strpool_intern(&p, "", 0, &is_new), 0);
	assert_false(is_new);
	/* Enough strings to force several rehashes and arena moves. */
	for (i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof(buf), "frame_%zu+0x%zx/0x100", i, i);

		ids[i] = strpool_intern(&p, buf, (size_t)n, &is_new);
		assert_true(is_new);
		assert_int_equal(ids[i], i + 1);	/* dense, in insertion order */
	}
	for (i = 0; i < 5000; i++) {
		int n = snprintf(buf, sizeof(buf), "frame_%zu+0x%zx/0x100", i, i);

		assert_int_equal(strpool_intern(&p, buf, (size_t)n, &is_new), ids[i]);
		assert_false(is_new);
		assert_int_equal(strpool_find(&p, buf, (size_t)n), ids[i]);
		assert_string_equal(strpool_str(&p, ids[i]), buf);
		assert_int_equal(strpool_len(&p, ids[i]), (size_t)n);
	}
	/* Embedded NUL bytes are part of the identity. */
	assert_int_not_equal(strpool_intern(&p, "a\0b", 3, NULL), strpool_intern(&p, "a\0c", 3, NULL));
	assert_int_equal(strpool_find(&p, "absent", 6), 0);
	assert_string_equal(strpool_str(&p, 999999), "");
	strpool_fini(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern),
	};

	return cmocka_run_group_tests_name("strpool", tests, NULL, NULL);
}
