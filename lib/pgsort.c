/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Library-wide entry points: version and error strings. */
#include <stdio.h>	/* snprintf */

#include "common.h"

PGS_API const char *pgs_version(void)
{
#define STR2(x) #x
#define STR(x) STR2(x)
	return STR(PGS_VERSION_MAJOR) "." STR(PGS_VERSION_MINOR) "." STR(PGS_VERSION_PATCH);
}

PGS_API unsigned pgs_version_number(void)
{
	return PGS_VERSION_NUMBER;
}

PGS_API const char *pgs_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case PGS_E_FORMAT: return "input is not page_owner output";
	case PGS_E_EMPTY: return "input holds no page_owner records";
	case PGS_E_KEY: return "unknown key, or a key not allowed here";
	case PGS_E_NOFIELD: return "a key needs a field this input does not have";
	case PGS_E_TOOBIG: return "a record is larger than 256 MiB";
	case PGS_E_WRITE: return "writing the output failed";
	case PGS_E_STATE: return "call not valid in this state";
	case PGS_E_FILTER: return "malformed filter expression";
	case PGS_E_CHANGED: return "the input file shrank while being read";
	case PGS_E_CORRUPT: return "the compressed input is damaged or cut short";
	}
	if (err < 0 && err > -PGS_E_BASE)
		return strerror(-err);
	return "unknown error";
}
