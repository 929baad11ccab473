/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: /sys/kernel/debug/page_owner dumps of every era.
 * The input is the dump itself; its first 8 bytes also give the chunk sizes
 * for the incremental parser. See fuzz_common.h for what is checked.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_one_input(data, size);
	return 0;
}
