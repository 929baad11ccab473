#!/bin/sh
# Makes docs/flamegraph.svg and docs/flamegraph.png (the README's picture)
# from the real 6.12 excerpt bundled in the tests, offline, with Debian's
# chromium. Run from the top of the tree after `ninja -C build`.
set -eu
build/pgsort --format=svg --title 'pgsort --format=svg tests/fixtures/real/small.txt' \
	tests/fixtures/real/small.txt docs/flamegraph.svg
python3 tests/flame/browser.py --shot docs/flamegraph.svg docs/flamegraph.png
