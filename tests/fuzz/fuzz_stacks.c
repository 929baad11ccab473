/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: page_owner_stacks files (show_stacks, the v6.9-rc
 * stack_count: form, show_handles, show_stacks_handles). The parser detects
 * the kind from the text, so the code is fuzz_page_owner's; the seeds
 * (corpus/fuzz_stacks/) and the dictionary differ. On a stacks table the
 * queries on header keys must fail with PGS_E_NOFIELD, nothing else.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_one_input(data, size);
	return 0;
}
