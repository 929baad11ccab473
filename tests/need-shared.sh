#!/usr/bin/env bash
# The 'shared' suite's gate: run a test that reads the real captures beside
# the project (../shared/fixtures, or -Dshared_fixtures=DIR) when they are
# there, and otherwise fail, saying what is missing. It never passes
# silently: plain `meson test` leaves the suite out (a fresh clone has no
# ../shared), `meson test --suite shared` asks for it.
# Usage: need-shared.sh TEST DIR COMMAND [ARG...]
set -u
name=$1 dir=$2
shift 2
if [ ! -d "$dir" ]; then
	cat >&2 <<MSG
FAIL $name: the real captures are not at $dir.
The 'shared' suite needs ../shared beside the source tree (CI has it); set
another place with 'meson configure BUILDDIR -Dshared_fixtures=DIR', or run
only the default suites, which need nothing beside the clone: meson test -C BUILDDIR
MSG
	exit 1
fi
exec "$@"
