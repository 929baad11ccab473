#!/bin/sh
# Makes docs/series.svg and docs/series.png (the README's series chart) from
# the real 60-sample capture (../shared/fixtures/6.12.118-series, or the
# directory given), offline, with Debian's chromium. Run from the top of the
# tree after `ninja -C build`.
set -eu
dir=${1:-../shared/fixtures/6.12.118-series}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tail -n +2 "$dir/samples/index.tsv" | cut -f3 >"$tmp/times"
build/pgsort series --stacks "$dir/samples/show_stacks_handles.059.txt.zst" --times "$tmp/times" \
	--sort=-max --top 6 --format=svg \
	--title 'pgsort series --sort=-max --top 6: 6.12.118 leak-cache, 60 samples' \
	"$dir"/samples/show_handles.*.txt.zst >docs/series.svg
python3 tests/flame/browser.py --shot docs/series.svg docs/series.png
